//! The plan's history from git2: revisions on the first-parent line, the plan at a
//! commit, task events with their commits and authors, and "code may already exist".

mod common;

use common::{commit_in, shortlist, Repo};
use shortlist::plan::{self, EventKind, PlanText};
use shortlist::repo::history::{plan_at, plan_history, task_events, uncommitted_events, PlanCache};
use shortlist::repo::staleness;
use std::collections::HashMap;

const DAY: i64 = 86_400;
const T0: i64 = 1_790_000_000; // 2026-09-21T14:13:20Z

const V1: &str = "# 计划 Phase 1\n\n## Track A — 核心（P0）\n- [ ] 1.1 解析器 Parser\n- [ ] 1.2 CLI 输出\n- [x] 1.3 配置 Config\n";
const V3: &str = "# 计划 Phase 1\n\n## Track A — 核心（P0）\n- [~] 1.1 解析器 Parser\n- [ ] 1.2 CLI 输出\n- [x] 1.3 配置 Config\n- [ ] 1.4 基准 Bench\n";
const V4: &str = "# 计划 Phase 1\n\n## Track A — 核心（P0）\n- [x] 1.1 解析器 Parser\n- [ ] 1.3 配置 Config（重新打开）\n- [ ] 1.4 基准 Bench\n";

fn history_repo() -> (Repo, [git2::Oid; 4]) {
    let r = Repo::new();
    r.write("PLAN.md", V1);
    let c1 = commit_in(&r.git, "plan: phase 1", "Ada", T0);
    r.write("src/lib.rs", "// code\n");
    let c2 = commit_in(&r.git, "code only", "Bo", T0 + DAY);
    r.write("PLAN.md", V3);
    let c3 = commit_in(&r.git, "start 1.1, add 1.4", "Bo", T0 + 2 * DAY);
    r.write("PLAN.md", V4);
    let c4 = commit_in(&r.git, "1.1 done, drop 1.2, reopen 1.3", "Cy", T0 + 3 * DAY);
    (r, [c1, c2, c3, c4])
}

fn events(
    ev: &[shortlist::repo::history::TaskEvent],
) -> Vec<(String, &'static str, String, String)> {
    ev.iter()
        .map(|e| {
            (
                e.change.id.clone(),
                e.change.kind.as_str(),
                e.commit.clone().unwrap_or_default(),
                e.author.clone(),
            )
        })
        .collect()
}

fn s(
    id: &str,
    kind: &'static str,
    c: git2::Oid,
    who: &str,
) -> (String, &'static str, String, String) {
    (
        id.to_string(),
        kind,
        c.to_string()[..7].to_string(),
        who.to_string(),
    )
}

#[test]
fn history_lists_the_commits_that_changed_the_plan() {
    let (r, [c1, _c2, c3, c4]) = history_repo();
    let paths = vec!["PLAN.md".to_string()];
    let h = plan_history(&r.git, &paths, None, 1000).expect("history");
    let ids: Vec<String> = h.revisions.iter().map(|v| v.commit.clone()).collect();
    assert_eq!(ids, [c1.to_string(), c3.to_string(), c4.to_string()]);
    assert_eq!(h.walked, 4);
    assert!(h.baseline.is_none());
    assert_eq!(h.revisions[2].author, "Cy");
    assert_eq!(h.revisions[2].subject, "1.1 done, drop 1.2, reopen 1.3");
    assert_eq!(
        h.revisions[0].time.to_rfc3339(),
        "2026-09-21T14:13:20+00:00"
    );

    let mut cache = PlanCache::default();
    let ev = task_events(&r.git, &h, &mut cache);
    assert_eq!(
        events(&ev),
        [
            s("1.1", "added", c1, "Ada"),
            s("1.2", "added", c1, "Ada"),
            s("1.3", "added", c1, "Ada"),
            s("1.3", "done", c1, "Ada"),
            s("1.1", "started", c3, "Bo"),
            s("1.4", "added", c3, "Bo"),
            s("1.1", "done", c4, "Cy"),
            s("1.3", "reopened", c4, "Cy"),
            s("1.2", "removed", c4, "Cy"),
        ]
    );
    assert_eq!(cache.parsed, 3, "one parse per distinct plan content");
    let removed = ev
        .iter()
        .find(|e| e.change.kind == EventKind::Removed)
        .expect("removed");
    assert_eq!(removed.change.title, "CLI 输出");
    assert_eq!(removed.change.file, "PLAN.md");
    assert_eq!(removed.change.line, 5);
}

#[test]
fn a_window_starts_from_the_plan_as_it_was_before_it() {
    let (r, [_c1, c2, c3, c4]) = history_repo();
    let paths = vec!["PLAN.md".to_string()];
    let h = plan_history(&r.git, &paths, Some(T0 + DAY + DAY / 2), 1000).expect("history");
    assert_eq!(
        h.baseline.as_ref().map(|b| b.commit.clone()),
        Some(c2.to_string())
    );
    let ev = task_events(&r.git, &h, &mut PlanCache::default());
    assert_eq!(
        events(&ev),
        [
            s("1.1", "started", c3, "Bo"),
            s("1.4", "added", c3, "Bo"),
            s("1.1", "done", c4, "Cy"),
            s("1.3", "reopened", c4, "Cy"),
            s("1.2", "removed", c4, "Cy"),
        ]
    );
    // cut short by the walk limit: the oldest commit walked is the baseline
    let h = plan_history(&r.git, &paths, None, 2).expect("history");
    assert_eq!(
        h.baseline.as_ref().map(|b| b.commit.clone()),
        Some(c3.to_string())
    );
    assert_eq!(h.revisions.len(), 1);
}

#[test]
fn the_plan_at_a_commit_and_the_uncommitted_edits() {
    let (r, _) = history_repo();
    let paths = vec!["PLAN.md".to_string()];
    let old = plan_at(&r.git, "HEAD~2", &paths).expect("plan at");
    let ids: Vec<(&str, &str)> = old
        .tasks
        .iter()
        .map(|t| (t.id.as_str(), t.status.as_str()))
        .collect();
    assert_eq!(
        ids,
        [("1.1", "pending"), ("1.2", "pending"), ("1.3", "done")]
    );
    let err = plan_at(&r.git, "no-such-rev", &paths).expect_err("bad rev");
    assert!(
        err.to_string().contains("`no-such-rev` names no commit"),
        "{err}"
    );

    let head = plan_at(&r.git, "HEAD", &paths).expect("head");
    let edited = V4.replace("- [ ] 1.4", "- [x] 1.4");
    let working = plan::parse(
        &[PlanText {
            path: "PLAN.md".into(),
            text: edited,
            title: None,
        }],
        None,
    );
    let ev = uncommitted_events(Some(&head), &working);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].change.id, "1.4");
    assert_eq!(ev[0].change.kind, EventKind::Done);
    assert_eq!(ev[0].commit, None);
    assert_eq!(ev[0].author, "uncommitted");
}

#[test]
fn a_repository_without_commits_has_no_history() {
    let r = Repo::new();
    r.write("PLAN.md", V1);
    let h = plan_history(&r.git, &["PLAN.md".to_string()], None, 1000).expect("history");
    assert!(h.revisions.is_empty() && h.baseline.is_none());
}

const STALE_PLAN: &str = "# Plan\n\n## Track A — Server（P0）\n- [ ] 2.1 Seed service\n  - Touch points：`src/seed.rs`\n- [ ] 2.2 Billing module\n  - Touch points：`src/billing/`\n- [x] 2.3 Done already\n  - Touch points：`src/seed.rs`\n";

#[test]
fn open_tasks_whose_code_changed_after_they_were_written_are_marked() {
    let r = Repo::new();
    r.write("PLAN.md", STALE_PLAN);
    r.write("src/seed.rs", "// stub\n");
    r.write("src/billing/mod.rs", "// stub\n");
    commit_in(&r.git, "plan and stubs", "Ada", T0);
    r.write("src/seed.rs", "pub fn seed() {}\n");
    let c2 = commit_in(&r.git, "seed: demo tenants", "Bo", T0 + DAY);
    // a task written after the last change to its path is not stale
    r.write(
        "PLAN.md",
        format!("{STALE_PLAN}- [ ] 2.4 Seed docs\n  - Touch points：`src/seed.rs`\n"),
    );
    commit_in(&r.git, "plan: 2.4", "Ada", T0 + 2 * DAY);

    let plan = plan::parse(
        &[PlanText {
            path: "PLAN.md".into(),
            text: std::fs::read_to_string(r.path().join("PLAN.md")).expect("read"),
            title: None,
        }],
        None,
    );
    let exists = |p: &str| r.path().join(p).exists();
    let (stale, problems) = staleness::find(&r.git, &plan, &HashMap::new(), &exists);
    assert!(problems.is_empty(), "{problems:?}");
    let ids: Vec<&str> = stale.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["2.1"]);
    let p = &stale[0].paths[0];
    assert_eq!(p.path, "src/seed.rs");
    assert_eq!(p.commit, c2.to_string()[..7]);
    assert_eq!(p.subject, "seed: demo tenants");
    assert_eq!(stale[0].written.to_rfc3339(), "2026-09-21T14:13:20+00:00");

    // and the triage says so under the task
    let run = shortlist(r.path(), &["triage", "--plan", "PLAN.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = format!(
        "code may already exist: `src/seed.rs` changed in `{}` “seed: demo tenants” (2026-09-22) after the task was written (2026-09-21)",
        &c2.to_string()[..7]
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    let run = shortlist(
        r.path(),
        &["triage", "--plan", "PLAN.md", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let unit = &v["tracks"][0]["remaining"][0];
    assert_eq!(unit["id"], "2.1");
    assert_eq!(unit["code_may_exist"][0]["path"], "src/seed.rs");
    assert_eq!(v["repo"]["stale"][0]["id"], "2.1");
}

#[test]
fn an_edited_plan_is_blamed_against_its_working_text() {
    let r = Repo::new();
    r.write("PLAN.md", STALE_PLAN);
    r.write("src/seed.rs", "// stub\n");
    commit_in(&r.git, "plan", "Ada", T0);
    r.write("src/seed.rs", "pub fn seed() {}\n");
    commit_in(&r.git, "seed", "Bo", T0 + DAY);
    // Three new lines above task 2.1 in the working tree: its line moves from 4 to 7.
    let edited = STALE_PLAN.replace("## Track A", "> note\n> more\n\n## Track A");
    r.write("PLAN.md", &edited);
    let plan = plan::parse(
        &[PlanText {
            path: "PLAN.md".into(),
            text: edited.clone(),
            title: None,
        }],
        None,
    );
    let mut working = HashMap::new();
    working.insert("PLAN.md".to_string(), edited);
    let exists = |p: &str| r.path().join(p).exists();
    let (stale, problems) = staleness::find(&r.git, &plan, &working, &exists);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        stale.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["2.1"]
    );
}
