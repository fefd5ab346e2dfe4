//! The digest over 1,000 commits of plan history (each one changes the plan into a
//! distinct content, parsed once), and the progress series over the same history: in a
//! session opened for the request (the CLI), and asked again of a kept session (the
//! bot), which parses only versions it has not counted before.
//! Issue target: ≤ 1 s.

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use shortlist::app;
use shortlist::repo::history;
use std::fmt::Write;

fn plan_text(done: usize, rev: usize) -> String {
    // `rev` makes every commit's plan a distinct content (parsed once each).
    let mut s = format!("# 计划\n\n> 更新：r{rev}\n");
    for t in 0..4 {
        let _ = writeln!(
            s,
            "\n## Track {} — 工作流 {t}（P{}）",
            (b'A' + t as u8) as char,
            t % 3
        );
        for i in 0..50 {
            let n = t * 50 + i;
            let mark = if n < done {
                "[x]"
            } else if n == done {
                "[~]"
            } else {
                "[ ]"
            };
            let _ = writeln!(
                s,
                "- {mark} {}.{} Task {n}: 做第 {n} 件事\n  - Touch points：`src/m{t}/f{i}.rs`",
                t + 1,
                i + 1
            );
        }
    }
    s
}

fn build(dir: &std::path::Path, commits: usize) -> git2::Repository {
    let repo = git2::Repository::init(dir).expect("init");
    let mut parent: Option<git2::Oid> = None;
    for c in 0..commits {
        // Each commit moves one task forward (200 tasks, so statuses cycle).
        let text = plan_text(c % 200, c);
        let blob = repo.blob(text.as_bytes()).expect("blob");
        let mut tb = repo.treebuilder(None).expect("tb");
        tb.insert("PLAN.md", blob, 0o100644).expect("insert");
        let tree = repo.find_tree(tb.write().expect("tree")).expect("find");
        let sig = git2::Signature::new(
            ["Alice", "Bob", "Carol"][c % 3],
            "dev@example.com",
            &git2::Time::new(1_790_000_000 + c as i64 * 3600, 0),
        )
        .expect("sig");
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).expect("parent"))
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(
            repo.commit(Some("HEAD"), &sig, &sig, &format!("task {c}"), &tree, &refs)
                .expect("commit"),
        );
    }
    repo
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let repo = build(dir.path(), 1_000);
    let working_text = plan_text(1_000 % 200, 1_000);
    std::fs::write(dir.path().join("PLAN.md"), &working_text).expect("working plan");
    let working = shortlist::plan::parse_str("PLAN.md", &working_text);
    let since = Utc.timestamp_opt(0, 0).single().expect("epoch");
    let now = Utc.timestamp_opt(1_800_000_000, 0).single().expect("now");
    // What `shortlist digest` does with the history: read it (git walk, plan parses,
    // events), then the pure digest over it.
    let changes = || {
        let read = history::events_since(&repo, &working, since, &mut Default::default())
            .expect("history");
        shortlist::digest::changes(read, since, now, &[], &[], None, None)
    };
    let open = || {
        app::Session::open(&app::OpenRequest {
            repo: Some(dir.path().to_path_buf()),
            database: Some(dir.path().join(".git/bench.sqlite")),
            options: app::Options {
                refresh_index: false,
                ..app::Options::default()
            },
            ..app::OpenRequest::default()
        })
        .expect("session")
    };
    let all = app::ProgressRequest::default();
    let progress = |s: &mut app::Session| app::progress(s, &all).expect("progress").series;
    let changes_once = changes();
    assert_eq!(changes_once.commits_walked, 1_000);
    assert!(changes_once.events.len() > 1_000);
    assert_eq!(
        changes_once.plans_parsed, 1_000,
        "every commit a distinct plan, each parsed once"
    );
    let mut kept = open();
    assert_eq!(progress(&mut kept).len(), 1_001, "every commit and now");
    let mut g = c.benchmark_group("digest");
    g.sample_size(10);
    g.bench_function("changes_over_1000_commits", |b| b.iter(changes));
    g.bench_function("progress_over_1000_commits_new_session", |b| {
        b.iter(|| progress(&mut open()))
    });
    g.bench_function("progress_over_1000_commits_kept_session", |b| {
        b.iter(|| progress(&mut kept))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
