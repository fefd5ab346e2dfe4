//! A generated phase plan for benchmarks: `tasks` top-level tasks, 1.5 subtasks each on
//! average, spread over tracks, with the fields real plans carry (EN/中文, touch points,
//! dependencies, DoD), padded to about `target_bytes`.

use std::fmt::Write;

pub fn plan(tasks: usize, target_bytes: usize) -> String {
    // Measure the plan without padding, then spread the rest over the task titles.
    let base = write_plan(tasks, 0).len();
    let pad = target_bytes.saturating_sub(base) / tasks.max(1);
    write_plan(tasks, pad)
}

fn write_plan(tasks: usize, pad: usize) -> String {
    let mut s = String::new();
    s.push_str("# Phase 9 Plan (R9 — Scale)\n\n> 状态：进行中\n> 更新时间：2026-11-01\n\n");
    s.push_str("## 2. Workstreams\n");
    let per_track = 100;
    let tracks = tasks.div_ceil(per_track);
    for t in 0..tracks {
        let _ = writeln!(s, "- Track {}：Workstream {t}", track_letter(t));
    }
    s.push_str("\n### 2.1 Checkpoints\n- CP0（scope freeze）：完成 9.1.1 + 9.1.2\n- CP1（beta）：完成 9.2.1~9.2.5\n\n");
    let filler: String = "说明 note ".repeat(pad / 8 + 1);
    let mut cut = pad.min(filler.len());
    while !filler.is_char_boundary(cut) {
        cut -= 1;
    }
    let filler = &filler[..cut];
    for i in 0..tasks {
        let tr = i / per_track + 1;
        let n = i % per_track + 1;
        if n == 1 {
            let _ = writeln!(
                s,
                "\n### 9.{tr} Track {} — Workstream {tr}（P{}）\n",
                track_letter(tr - 1),
                tr % 4
            );
        }
        let mark = match i % 4 {
            0 => "[x]",
            1 => "[~]",
            _ => "[ ]",
        };
        let _ = writeln!(
            s,
            "- {mark} 9.{tr}.{n} Implement feature {i}: 处理第 {i} 个需求（{filler}）"
        );
        let _ = writeln!(s, "  - DoD：`make test-{i}` 通过，页面可用");
        let _ = writeln!(
            s,
            "  - Touch points：`apps/server/src/mod{}/feature{i}.ts`、`apps/web/src/routes/r{}/*`",
            i % 50,
            i % 20
        );
        if n > 1 {
            let _ = writeln!(s, "  - Depends on: 9.{tr}.{}", n - 1);
        }
        let subs = 1 + i % 2;
        for k in 1..=subs {
            let _ = writeln!(
                s,
                "  - [ ] 9.{tr}.{n}.{k} Sub-step {k} of feature {i}（依赖 9.{tr}.{n}）"
            );
        }
    }
    s
}

fn track_letter(t: usize) -> String {
    let a = (b'A' + (t % 26) as u8) as char;
    if t < 26 {
        a.to_string()
    } else {
        format!("{a}{}", t / 26)
    }
}
