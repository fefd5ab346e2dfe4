//! The triage alone (remaining work, conflicts, shortlist) on a 5,000-task plan whose
//! touch points hold 2,000 globs, with 10 worktrees in flight. Issue target: ≤ 50 ms.

use criterion::{criterion_group, criterion_main, Criterion};
use shortlist::config::ShortlistSizes;
use shortlist::triage::conflicts::{conflicts, Occupied};
use shortlist::triage::shortlist::{shortlist, Exclusions};
use shortlist::triage::{remaining, DocGlobs};
use std::fmt::Write;

/// 50 tracks of 100 tasks; every task names a file, and 2 tasks in 5 also a glob over a
/// directory (2,000 globs over 400 directories, so some tracks really collide).
fn plan_text() -> String {
    let mut s = String::from(
        "# Phase 9 计划\n\n### 2.1 Checkpoints\n- CP0（freeze）：完成 9.1.1 + 9.2.1\n",
    );
    for i in 0..5_000usize {
        let tr = i / 100 + 1;
        let n = i % 100 + 1;
        if n == 1 {
            let _ = writeln!(s, "\n## 9.{tr} Workstream {tr}（P{}）\n", tr % 4);
        }
        let mark = if i % 5 == 0 { "[x]" } else { "[ ]" };
        let _ = writeln!(s, "- {mark} 9.{tr}.{n} Feature {i}：第 {i} 个需求");
        let area = ["server", "web", "mobile", "worker"][i % 4];
        let mut touch = format!("`apps/{area}/src/m{}/f{i}.ts`", i % 97);
        match i % 5 {
            1 => {
                let _ = write!(touch, "、`apps/{area}/src/m{}/*`", (i * 7) % 400);
            }
            3 => {
                let _ = write!(touch, "、`packages/p{}/**/*.ts`", (i * 13) % 400);
            }
            _ => {}
        }
        let _ = writeln!(s, "  - Touch points：{touch}");
        if n > 1 && i % 3 == 0 {
            let _ = writeln!(s, "  - Depends on: 9.{tr}.{}", n - 1);
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = plan_text();
    let plan = shortlist::plan::parse_str("docs/plan/phase9.md", &text);
    assert_eq!(plan.tasks.len(), 5_000);
    let globs = plan
        .tasks
        .iter()
        .flat_map(|t| &t.touch_points)
        .filter(|p| p.path.contains('*'))
        .count();
    assert_eq!(globs, 2_000);
    let docs = DocGlobs::new(&["**/*.md".into(), "docs/**".into(), "user_docs/**".into()]);
    let busy: Vec<Occupied> = (0..10)
        .map(|w| Occupied {
            name: format!("wt-{w}"),
            path: format!("/src/wt-{w}"),
            branch: format!("feat/{w}"),
            files: (0..50)
                .map(|k| format!("apps/web/src/m{}/f{}.ts", (w * 50 + k) % 97, w * 50 + k))
                .collect(),
            tasks: Vec::new(),
        })
        .collect();
    let sizes = ShortlistSizes::default();
    let mut g = c.benchmark_group("triage");
    g.sample_size(20);
    g.bench_function("remaining_conflicts_shortlist_5000_tasks_2000_globs", |b| {
        b.iter(|| {
            let rem = remaining(&plan, &docs);
            let found = conflicts(&plan, &rem, &busy);
            let sl = shortlist(&plan, &rem, &busy, &sizes, &Exclusions::default());
            (found.len(), sl.candidates.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
