//! Work in flight knows its tasks: ids in branch names and commits, the worktree's own
//! plan, predicted merge conflicts (committed and uncommitted), parking lots, exit codes.

mod common;

use common::{commit_in, open_session, shortlist, write_at, Repo};
use serde_json::Value;
use shortlist::app;
use shortlist::render::View;
use shortlist::repo::merge;
use shortlist::triage::inflight::Evidence;
use shortlist::triage::Triage;
use std::path::Path;

const PLAN: &str = "# Phase 5 计划

## 5.2 Track B — Seed（P0）
- [ ] 5.2.1 Seed: demo tenants
  - Touch points：`apps/server/scripts/seed.ts`
  - [ ] 5.2.1.1 Tenants
  - [ ] 5.2.1.2 Invoices
- [ ] 5.2.21 Seed: audit log
  - Touch points：`apps/server/scripts/audit.ts`

## 5.3 Track C — Web（P0）
- [ ] 5.3.1 Settings page
  - Touch points：`apps/web/src/settings.tsx`
- [ ] 5.3.2 Billing page
  - Touch points：`apps/web/src/billing.tsx`

## Backlog
- [ ] 9.1 Dark mode
  - Touch points：`apps/web/src/theme.ts`

## 想法
- [ ] 9.2 导出 PDF
";

const SHARED: &str = "line 1\nline 2\nline 3\nline 4\nline 5\n";

struct Fixture {
    r: Repo,
    base: git2::Oid,
}

/// main with the plan and a few files, committed at a fixed time.
fn fixture() -> Fixture {
    let r = Repo::new();
    r.write("docs/plan/phase5.md", PLAN);
    r.write("apps/server/scripts/seed.ts", "export {}\n");
    r.write("apps/server/scripts/audit.ts", "export {}\n");
    r.write("apps/web/src/settings.tsx", "export {}\n");
    r.write("apps/web/src/billing.tsx", "export {}\n");
    r.write("apps/web/src/shared.ts", SHARED);
    r.write("README.md", "# app\n");
    let base = commit_in(&r.git, "plan", "Alice", 1_767_000_000);
    Fixture { r, base }
}

fn work(
    f: &Fixture,
    name: &str,
    branch: &str,
    edits: &[(&str, &str)],
    subject: &str,
) -> git2::Repository {
    let wt = f.r.add_worktree(name, branch, f.base);
    let root = wt.workdir().expect("workdir").to_path_buf();
    for (p, text) in edits {
        write_at(&root, p, text);
    }
    commit_in(&wt, subject, "Bob", 1_767_000_100);
    wt
}

/// The whole triage, as `shortlist triage` reads it (no database).
fn triage_of(r: &Repo) -> Triage {
    let mut s = open_session(r.path(), r.path().join(".git/no-database.sqlite"), |_| {});
    app::triage(&mut s, &Default::default()).expect("triage")
}

fn tasks_of(t: &Triage, name: &str) -> Vec<(String, Vec<Evidence>)> {
    t.in_flight
        .iter()
        .find(|w| w.name == name)
        .unwrap_or_else(|| panic!("worktree {name} in flight"))
        .tasks
        .iter()
        .map(|(i, e)| (t.plan.tasks[*i].id.to_string(), e.clone()))
        .collect()
}

fn objects(r: &Repo) -> usize {
    fn walk(p: &Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&r.path().join(".git/objects"))
}

#[test]
fn branch_names_and_commit_subjects_name_the_tasks() {
    let f = fixture();
    work(
        &f,
        "wt-seed",
        "feat/5.2.1-seed",
        &[("apps/server/scripts/seed.ts", "export const tenants = 3;\n")],
        "seed tenants for 5.2.1",
    );
    let t = triage_of(&f.r);
    let tasks = tasks_of(&t, "wt-seed");
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].0, "5.2.1");
    assert!(tasks[0].1.contains(&Evidence::Branch {
        branch: "feat/5.2.1-seed".into()
    }));
    assert!(tasks[0].1.iter().any(
        |e| matches!(e, Evidence::Commit { subject, .. } if subject == "seed tenants for 5.2.1")
    ));
    // 5.2.21 shares the prefix but not the id: still offered. Neither 5.2.1 nor its
    // subtasks are.
    let offered: Vec<&str> = t
        .shortlist
        .candidates
        .iter()
        .map(|c| t.plan.tasks[c.task].id.as_str())
        .collect();
    assert!(
        offered
            .iter()
            .all(|id| !id.starts_with("5.2.1.") && *id != "5.2.1"),
        "{offered:?}"
    );
    assert!(offered.contains(&"5.2.21"), "{offered:?}");
    let passed = t
        .shortlist
        .passed
        .iter()
        .find(|p| t.plan.tasks[p.task].id.as_str() == "5.2.1")
        .expect("5.2.1 passed");
    assert_eq!(
        passed.why[0],
        "in flight in worktree `wt-seed` (`feat/5.2.1-seed`)"
    );
    // The triage marks it.
    let md = shortlist::render::md::triage(&View::of(&t));
    assert!(
        md.contains("in flight in `wt-seed` (`feat/5.2.1-seed`)"),
        "{md}"
    );
}

#[test]
fn the_worktrees_plan_marking_a_task_started_counts() {
    let f = fixture();
    let marked = PLAN.replace("- [ ] 5.3.2 Billing page", "- [~] 5.3.2 Billing page");
    work(
        &f,
        "wt-web",
        "web-work",
        &[
            ("docs/plan/phase5.md", &marked),
            ("apps/web/src/billing.tsx", "export const Billing = 1;\n"),
        ],
        "billing page skeleton",
    );
    let t = triage_of(&f.r);
    let tasks = tasks_of(&t, "wt-web");
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].0, "5.3.2");
    assert_eq!(
        tasks[0].1,
        [Evidence::Plan {
            file: "docs/plan/phase5.md".into(),
            line: 14,
            status: shortlist::plan::Status::InProgress
        }]
    );
}

#[test]
fn a_worktree_outside_the_plan_says_so_and_parking_lots_are_never_offered() {
    let f = fixture();
    work(
        &f,
        "wt-misc",
        "chore/deps",
        &[("README.md", "# app v2\n")],
        "bump deps",
    );
    let run = shortlist(f.r.path(), &["worktrees", "--no-index-refresh"]);
    assert!(
        run.stdout
            .contains("- `wt-misc` (`chore/deps`): no task of the plan — work outside the plan"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 0, "nothing conflicts: {}", run.stdout);

    let t = triage_of(&f.r);
    for id in ["9.1", "9.2"] {
        assert!(!t
            .shortlist
            .candidates
            .iter()
            .any(|c| t.plan.tasks[c.task].id.as_str() == id));
        let p = t
            .shortlist
            .passed
            .iter()
            .find(|p| t.plan.tasks[p.task].id.as_str() == id)
            .expect("listed as passed");
        assert!(p.why[0].starts_with("parked in `"), "{:?}", p.why);
    }
    // Still listed in the triage.
    let md = shortlist::render::md::triage(&View::of(&t));
    assert!(md.contains("9.1 Dark mode") && md.contains("9.2 导出 PDF"));
}

#[test]
fn two_branches_editing_the_same_lines_are_predicted_to_conflict() {
    let f = fixture();
    work(
        &f,
        "wt-a",
        "feat/5.3.1-a",
        &[(
            "apps/web/src/shared.ts",
            "line 1\nline TWO from a\nline 3\nline 4\nline 5\n",
        )],
        "5.3.1 a",
    );
    work(
        &f,
        "wt-b",
        "feat/5.3.2-b",
        &[(
            "apps/web/src/shared.ts",
            "line 1\nline 2 from b\nline 3\nline 4\nline 5\n",
        )],
        "5.3.2 b",
    );
    // Different files: no conflict.
    work(
        &f,
        "wt-c",
        "feat/c",
        &[("apps/server/src/other.ts", "export const a = 1;\n")],
        "c",
    );
    let before = objects(&f.r);
    let state = triage_of(&f.r).report.state.expect("state");
    let p = merge::predict(f.r.path(), &state);
    assert_eq!(p.conflicts.len(), 1, "{p:#?}");
    let c = &p.conflicts[0];
    assert_eq!((c.a.name.as_str(), c.b.name.as_str()), ("wt-a", "wt-b"));
    assert_eq!(c.paths, ["apps/web/src/shared.ts"]);
    assert_eq!(p.merged_pairs, 1, "only the pair sharing a path was merged");
    assert_eq!(objects(&f.r), before, "nothing written into .git");

    // The triage reports it as a merge conflict; `worktrees` exits 2.
    let run = shortlist(
        f.r.path(),
        &["next", "--format", "json", "--no-index-refresh"],
    );
    let doc: Value = serde_json::from_str(&run.stdout).expect("json");
    let merge = doc["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .find(|c| c["kind"] == "merge")
        .expect("merge conflict");
    assert!(merge["a"].as_str().expect("a").ends_with("wt-a"));
    assert!(merge["b"].as_str().expect("b").ends_with("wt-b"));
    assert_eq!(
        merge["paths"],
        serde_json::json!(["apps/web/src/shared.ts"])
    );
    let run = shortlist(f.r.path(), &["worktrees", "--no-index-refresh"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains(
        "Predicted: merging `wt-a` (`feat/5.3.1-a`) and `wt-b` (`feat/5.3.2-b`) conflicts in `apps/web/src/shared.ts`"
    ), "{}", run.stdout);
    let run = shortlist(f.r.path(), &["check", "--no-index-refresh"]);
    assert_eq!(run.code, 2);
    let run = shortlist(
        f.r.path(),
        &["worktrees", "--no-index-refresh", "--no-merge-prediction"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn an_uncommitted_edit_conflicting_with_another_branch_is_predicted() {
    let f = fixture();
    work(
        &f,
        "wt-a",
        "feat/a",
        &[(
            "apps/web/src/shared.ts",
            "line 1\nline 2\nline 3 committed in a\nline 4\nline 5\n",
        )],
        "a",
    );
    // wt-b commits something unrelated, then edits the same line without committing.
    let b = work(&f, "wt-b", "feat/b", &[("README.md", "# app b\n")], "b");
    let root = b.workdir().expect("workdir").to_path_buf();
    write_at(
        &root,
        "apps/web/src/shared.ts",
        "line 1\nline 2\nline 3 dirty in b\nline 4\nline 5\n",
    );
    let before = objects(&f.r);
    let state = triage_of(&f.r).report.state.expect("state");
    let p = merge::predict(f.r.path(), &state);
    assert_eq!(p.conflicts.len(), 1, "{p:#?}");
    assert_eq!(p.conflicts[0].paths, ["apps/web/src/shared.ts"]);
    assert_eq!(
        objects(&f.r),
        before,
        "the dirty blob went to memory, not .git"
    );
    // Against the base: main moves on and edits the same line.
    write_at(
        f.r.path(),
        "apps/web/src/shared.ts",
        "line 1\nline 2\nline 3 on main\nline 4\nline 5\n",
    );
    commit_in(&f.r.git, "main edits line 3", "Alice", 1_767_000_200);
    let state = triage_of(&f.r).report.state.expect("state");
    let p = merge::predict(f.r.path(), &state);
    let with_base: Vec<&str> = p
        .conflicts
        .iter()
        .filter(|c| c.b.name == "main")
        .map(|c| c.a.name.as_str())
        .collect();
    assert_eq!(with_base, ["wt-a", "wt-b"], "{p:#?}");
}
