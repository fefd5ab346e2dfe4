//! Answers a team would act on: work under way stays visible, and what ranks first.

mod common;

use common::{commit_in, shortlist, Repo};

fn repo_with(plan: &str) -> Repo {
    let r = Repo::new();
    r.write("PLAN.md", plan);
    commit_in(&r.git, "plan", "Alice", 1_767_000_000);
    r
}

fn run(r: &Repo, args: &[&str]) -> String {
    let db = r.wt_dir.path().join("db.sqlite3");
    let mut all = vec!["--database", db.to_str().expect("utf8")];
    all.extend_from_slice(args);
    let out = shortlist(r.path(), &all);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out.stdout
}

const UNDER_WAY: &str = "# 导入计划 Import plan

## 3.2 Track A — Core（P0）
- [~] 3.2.1 Importer 导入器
  - [x] 3.2.1.1 Parse CSV
  - [ ] 3.2.1.2 Validate rows
  - [ ] 3.2.1.3 Write rows
- [ ] 3.2.2 Exporter
";

#[test]
fn a_parent_under_way_stays_in_remaining_with_its_open_subtasks() {
    let r = repo_with(UNDER_WAY);
    let md = run(&r, &["triage"]);
    assert!(
        md.contains("- [~] 3.2.1 Importer 导入器 — in progress, 1 of 3 subtasks done"),
        "{md}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&run(&r, &["--format", "json", "triage"])).expect("json");
    let track = &v["tracks"][0];
    assert_eq!(track["in_progress"][0]["id"], "3.2.1");
    assert_eq!(track["in_progress"][0]["status"], "in_progress");
    assert_eq!(
        track["in_progress"][0]["open_subtasks"],
        serde_json::json!(["3.2.1.2", "3.2.1.3"])
    );
    let units: Vec<&str> = track["remaining"]
        .as_array()
        .expect("remaining")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(
        units,
        ["3.2.1.2", "3.2.1.3", "3.2.2"],
        "the shortlist still offers the subtasks"
    );
}
