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

fn suggested_order() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/suggested_order.md"),
    )
    .expect("fixture")
}

/// The shortlist's ids in order, and each candidate's block of lines.
fn offered(md: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in md.lines() {
        if let Some((n, rest)) = line.split_once(". `") {
            if n.trim().parse::<usize>().is_ok() {
                let id = rest.split('`').next().unwrap_or("").to_string();
                out.push((id, String::new()));
                continue;
            }
        }
        if line.starts_with("   - ") {
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
                last.1.push('\n');
            }
        }
    }
    out
}

#[test]
fn suggested_order_is_a_preference_and_p0_tracks_come_first() {
    let r = repo_with(&suggested_order());
    let md = run(&r, &["next", "--explain"]);
    let got = offered(&md);
    let ids: Vec<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["4.2.1", "4.3.1", "4.3.2", "4.1.1", "4.1.2"], "{md}");
    assert!(
        got[0].1.contains("mind: CP1 work while CP0 is open"),
        "a later checkpoint carries a caution: {}",
        got[0].1
    );
    assert!(
        got[0]
            .1
            .contains("runs in parallel (the plan's workstream list)"),
        "{}",
        got[0].1
    );
    assert!(
        !got[3].1.contains("mind: CP"),
        "CP0 work carries no caution: {}",
        got[3].1
    );
    // Items without an id of their own rank after the numbered tasks.
    assert!(
        md.contains("`当前进度-progress-summary#1` 排产模块联调 (`当前进度（Progress summary）`): ranked below the shortlist"),
        "{md}"
    );
    // The numbered review checklist is criteria, not tasks.
    let v: serde_json::Value =
        serde_json::from_str(&run(&r, &["--format", "json", "triage"])).expect("json");
    let ids: Vec<String> = v["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .flat_map(|t| t["remaining"].as_array().cloned().unwrap_or_default())
        .filter_map(|u| u["id"].as_str().map(str::to_string))
        .collect();
    assert!(!ids.iter().any(|i| i == "1" || i == "2"), "{ids:?}");
    let criteria: Vec<String> = v["criteria"]
        .as_array()
        .expect("criteria")
        .iter()
        .filter_map(|c| c["text"].as_str().map(str::to_string))
        .collect();
    assert!(
        criteria.contains(&"接口文档齐全".to_string()),
        "{criteria:?}"
    );
}

#[test]
fn a_gate_stated_in_words_holds_later_work_back() {
    let plan = suggested_order().replace(
        "## 建议执行顺序（Checkpoints）",
        "## Checkpoints（CP0 必须先完成，阻塞 CP1）",
    );
    let r = repo_with(&plan);
    let md = run(&r, &["next", "--explain"]);
    let ids: Vec<String> = offered(&md).into_iter().map(|(id, _)| id).collect();
    assert!(
        !ids.iter()
            .any(|i| i.starts_with("4.2") || i.starts_with("4.3")),
        "{md}"
    );
    assert_eq!(ids[..2], ["4.1.1".to_string(), "4.1.2".to_string()], "{md}");
    assert!(
        md.contains("`4.2.1` Capacity model API (Track B): held by a stated gate: CP1 waits for CP0 (2 open: 4.1.1, 4.1.2)"),
        "--explain names the rule: {md}"
    );
}

#[test]
fn a_phase_the_plan_defers_in_a_quote_is_not_offered() {
    let plan = "# 计划\n\n## Phase 2 — Desktop（P0）\n- [ ] 2.1 Settings page\n- [ ] 2.2 Log viewer\n\n## Phase 3 — Android 端\n\n> **暂缓**：Android 先不做，等桌面端稳定后再推进。\n\n### 3.1 FFI 抽取\n- [ ] 3.1.1 Generate bindings\n\n## Phase 4 — iOS\n\n> Deferred until the desktop app ships.\n\n- [ ] 4.1 iOS shell\n";
    let r = repo_with(plan);
    let md = run(&r, &["next", "--explain"]);
    let ids: Vec<String> = offered(&md).into_iter().map(|(id, _)| id).collect();
    assert!(
        !ids.iter().any(|i| i.starts_with('3') || i.starts_with('4')),
        "{md}"
    );
    assert!(
        md.contains("`3.1.1` Generate bindings"),
        "still listed: {md}"
    );
    assert!(md.contains("parked in `Phase 3 — Android 端`"), "{md}");
    assert!(md.contains("parked in `Phase 4 — iOS`"), "{md}");
}

#[test]
fn tasks_and_headings_the_plan_marks_deferred_are_listed_not_offered() {
    let plan = "# 迭代计划\n\n## Track A — 交易（P0）\n- [ ] 1.1 Stake 插件下单（暂缓）\n- [ ] 1.2 `POST /api/v1/roles`（暂缓，DB 迁移时实现）\n  - [ ] 1.2.1 Role table migration\n- [ ] 1.3 番茄钟（暂停/继续）\n- [ ] 1.4 Lighting (deferred rendering)\n- [ ] 1.5 macOS window capture — 後日実装\n- [ ] 1.6 [deferred] Old export format\n- [ ] 1.7 Settlement report\n- [ ] 1.8 Export to Excel（暂不实现）\n\n### S5 Admin 列表（暂缓）\n- [ ] 2.1 Fuzzy search on names\n\n### Out of scope\n- [ ] 3.1 Multi-currency ledgers\n";
    let r = repo_with(plan);
    let md = run(&r, &["next", "--explain"]);
    let ids: Vec<String> = offered(&md).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        ["1.3", "1.4", "1.7"],
        "a pause button and a rendering technique are not deferrals: {md}"
    );
    for said in [
        "`1.1` Stake 插件下单（暂缓） (Track A): marked `暂缓`: listed, never shortlisted",
        "`1.2` `POST /api/v1/roles`（暂缓，DB 迁移时实现） (Track A): marked `暂缓，DB 迁移时实现`",
        "`1.5` macOS window capture — 後日実装 (Track A): marked `後日実装`",
        "`1.6` [deferred] Old export format (Track A): marked `deferred`",
    ] {
        assert!(md.contains(said), "`{said}` in: {md}");
    }
    assert!(
        md.contains("`2.1` Fuzzy search on names (Track A): parked in `S5 Admin 列表（暂缓）`"),
        "{md}"
    );
    assert!(
        md.contains("`3.1` Multi-currency ledgers (Track A): parked in `Out of scope`"),
        "{md}"
    );
    // A subtask of a deferred task is set aside with it; a pause button is not a deferral.
    let p = shortlist::plan::parse_str("PLAN.md", plan);
    let parked = shortlist::triage::parked(&p, &[]);
    let why = |id: &str| parked.get(&p.find_tasks(id)[0]).map(String::as_str);
    assert_eq!(why("1.2.1"), Some("marked `暂缓，DB 迁移时实现`"));
    assert_eq!(why("2.1"), Some("parked in `S5 Admin 列表（暂缓）`"));
    assert_eq!(why("1.8"), Some("marked `暂不实现`"));
    assert_eq!(why("1.3"), None);
    assert_eq!(why("1.7"), None);
}
