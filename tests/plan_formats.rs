//! The spec-driven tools' files (PLAN_FORMAT.md §7), read from our fixtures in
//! tests/fixtures/formats/ (each directory a repository root; its README lists the
//! facts asserted here). Discovery runs through the CLI on a committed copy; the facts
//! come from parsing what it discovered.

mod common;

use common::{shortlist, Repo};
use shortlist::plan::{self, format, Format, Plan, Severity, Status, Task};
use std::path::{Path, PathBuf};

fn fixture_root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("read fixture dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// A committed repository holding the fixture.
fn repo_of(name: &str) -> Repo {
    let r = Repo::new();
    copy_tree(&fixture_root(name), r.path());
    r.commit_all("plan");
    r
}

/// What default discovery finds: (path, format, tasks), from `check --format json`.
fn discovered(r: &Repo) -> Vec<(String, String, u64)> {
    let run = shortlist(r.path(), &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("check json: {e}\n{}\n{}", run.stdout, run.stderr));
    v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["format"].as_str().unwrap_or("").to_string(),
                f["tasks"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The plan read from the files `paths` of the fixture, each with its spec's title.
fn parse_files(name: &str, paths: &[String]) -> Plan {
    let root = fixture_root(name);
    let texts: Vec<plan::PlanText> = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(root.join(p)).expect("fixture file");
            let title = format::title_file(p, format::detect(p, &text))
                .and_then(|side| std::fs::read_to_string(root.join(side)).ok())
                .and_then(|t| format::title_of(&t));
            plan::PlanText {
                path: p.clone(),
                text,
                title,
            }
        })
        .collect();
    plan::parse(&texts, None)
}

/// Discover through the CLI, then parse what was found.
fn read(name: &str) -> (Vec<(String, String, u64)>, Plan) {
    let r = repo_of(name);
    let found = discovered(&r);
    let paths: Vec<String> = found.iter().map(|(p, _, _)| p.clone()).collect();
    let plan = parse_files(name, &paths);
    (found, plan)
}

/// The candidates of a `next --format json` answer, as `track:id`.
fn offered(v: &serde_json::Value) -> Vec<String> {
    v["shortlist"]
        .as_array()
        .expect("shortlist")
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["track"].as_str().unwrap_or(""),
                c["id"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn task<'p>(p: &'p Plan, id: &str) -> &'p Task {
    let found = p.find_tasks(id);
    assert_eq!(
        found.len(),
        1,
        "exactly one task `{id}`; ids: {:?}",
        p.tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>()
    );
    &p.tasks[found[0]]
}

fn ids(p: &Plan, ts: &[usize]) -> Vec<String> {
    let mut v: Vec<String> = ts.iter().map(|&t| p.tasks[t].id.to_string()).collect();
    v.sort();
    v
}

fn deps(p: &Plan, id: &str) -> Vec<String> {
    ids(p, &task(p, id).deps)
}

fn paths(t: &Task) -> Vec<&str> {
    t.touch_points.iter().map(|p| p.path.as_str()).collect()
}

fn parent(p: &Plan, id: &str) -> Option<String> {
    task(p, id).parent.map(|x| p.tasks[x].id.to_string())
}

fn story(t: &Task) -> Option<&str> {
    t.extra.as_ref().and_then(|e| e.story.as_deref())
}

fn track(p: &Plan, id: &str) -> String {
    p.tracks[task(p, id).track].name.clone()
}

fn warnings(p: &Plan) -> Vec<String> {
    p.diagnostics
        .iter()
        .map(|d| format!("{}:{}: {}", d.file, d.line, d.message))
        .collect()
}

// ------------------------------------------------------------------ Spec Kit

#[test]
fn spec_kit_features_are_found_and_read_as_tracks_with_phases_marks_and_paths() {
    let (found, p) = read("speckit");
    assert_eq!(
        found,
        vec![
            (
                "specs/001-invoice-export/tasks.md".into(),
                "spec_kit".into(),
                34
            ),
            (
                "specs/002-rate-limits/tasks.md".into(),
                "spec_kit".into(),
                25
            ),
        ]
    );
    assert!(p.diagnostics.is_empty(), "{:#?}", warnings(&p));
    // Two tracks, named from spec.md, keyed by the feature directory.
    let names: Vec<(&str, &str)> = p
        .tracks
        .iter()
        .map(|t| (t.key.as_str(), t.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("001-invoice-export", "Invoice Export"),
            ("002-rate-limits", "API Rate Limits")
        ]
    );
    let p1 = |id: &str| {
        p.find_tasks(&format!("specs/001-invoice-export/tasks.md:{id}"))
            .first()
            .map(|&t| &p.tasks[t])
            .unwrap_or_else(|| panic!("001 {id}"))
    };
    let p2 = |id: &str| {
        p.find_tasks(&format!("specs/002-rate-limits/tasks.md:{id}"))
            .first()
            .map(|&t| &p.tasks[t])
            .unwrap_or_else(|| panic!("002 {id}"))
    };
    // States: `[x]` and `[X]` alike; bold ids in the older layout.
    assert_eq!(p1("T002").status, Status::Done);
    assert_eq!(p1("T009").status, Status::Pending);
    assert_eq!(p2("T004").status, Status::Done);
    assert_eq!(p2("T005").status, Status::Pending);
    // Marks: `[P]`, story and module tags, off the title.
    let t012 = p1("T012");
    assert!(t012.parallel);
    assert_eq!(story(t012), Some("US1"));
    assert_eq!(
        t012.title,
        "Streaming CSV writer with RFC 4180 quoting in src/export/csv.rs"
    );
    assert!(!p1("T014").parallel);
    assert_eq!(story(p2("T006")), Some("STORE"));
    assert_eq!(story(p1("T030")), None);
    // Priorities from the story phases; none in Setup or in the older layout.
    assert_eq!(p1("T012").priority.map(|p| p.0), Some(1));
    assert_eq!(p1("T019").priority.map(|p| p.0), Some(2));
    assert_eq!(p1("T026").priority.map(|p| p.0), Some(3));
    assert_eq!(p1("T001").priority, None);
    assert_eq!(p2("T009").priority, None);
    // Paths in plain task text; an absolute one from the repository root; an HTTP
    // route is not a path.
    assert_eq!(paths(p1("T001")), ["src/export/mod.rs"]);
    assert_eq!(paths(p1("T015")), ["src/api/export.rs"]);
    assert_eq!(paths(p1("T016")), ["src/api/routes.rs"]);
    assert!(paths(p1("T002")).is_empty());
    assert_eq!(paths(p2("T025")), ["deploy/nginx/api.conf"]);
    assert_eq!(
        paths(p1("T034")),
        ["specs/001-invoice-export/quickstart.md"]
    );
    // Phases are checkpoints of their own file; the foundational phase is a gate.
    let phases: Vec<(String, bool, usize)> = p
        .checkpoints
        .iter()
        .map(|c| (c.id.clone(), c.gate, c.scope.expect("scoped")))
        .collect();
    assert_eq!(phases.len(), 11);
    assert!(phases.contains(&("Phase 2".into(), true, 0)));
    assert!(phases.contains(&("Phase 3".into(), false, 0)));
    assert!(phases.contains(&("Phase 3.2".into(), true, 1)));
    assert!(phases.contains(&("Phase 3.3".into(), false, 1)));
    // Explicit dependencies: inline, and `T010-T011 depend on T001-T009` lines.
    let nine: Vec<String> = (1..=9).map(|n| format!("T00{n}")).collect();
    for id in ["T010", "T011"] {
        let t = p1(id);
        assert_eq!(ids(&p, &t.deps), nine, "{id}");
    }
    assert!(ids(&p, &p1("T014").deps).contains(&"T012".to_string()));
    assert!(ids(&p, &p2("T018").deps).contains(&"T012".to_string()));
    assert!(ids(&p, &p2("T020").deps).contains(&"T012".to_string()));
    // Plan order inside a phase: a task without `[P]` follows the ones before it;
    // a `[P]` task waits for none of them.
    assert!(ids(&p, &p1("T015").deps).contains(&"T014".to_string()));
    assert!(p1("T012").deps.is_empty());
    // The checklist without ids is criteria; fenced examples and note bullets are not
    // tasks.
    let checklist: Vec<&str> = p
        .criteria
        .iter()
        .filter(|c| c.section.contains("Validation Checklist"))
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(checklist.len(), 6, "{checklist:?}");
    assert!(checklist.contains(&"All contracts have corresponding tests"));
    assert_eq!(p.tasks.len(), 59);
}

#[test]
fn spec_kit_triage_offers_what_the_gates_allow_and_sees_conflicts_across_features() {
    let r = repo_of("speckit");
    let run = shortlist(r.path(), &["next", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let offered = offered(&v);
    // 001: only T009 is before the phase-2 gate; 002: the open [P] tests of phase 3.2
    // (different files) side by side.
    assert!(
        offered.contains(&"001-invoice-export:T009".to_string()),
        "{offered:?}"
    );
    assert!(
        offered.contains(&"002-rate-limits:T005".to_string()),
        "{offered:?}"
    );
    assert!(
        offered.contains(&"002-rate-limits:T006".to_string()),
        "{offered:?}"
    );
    assert!(!offered.iter().any(|o| o.ends_with(":T012")), "{offered:?}");
    // The gate is the reason later phases wait.
    let why = serde_json::to_string(&v["not_shortlisted"]).expect("text");
    assert!(
        why.contains("held by a stated gate: Phase 3 waits for Phase 2"),
        "{why}"
    );
    // Features touching one file conflict, whatever their tool.
    let conflicts = serde_json::to_string(&v["conflicts"]).expect("text");
    assert!(conflicts.contains("src/api/routes.rs"), "{conflicts}");
    assert!(conflicts.contains("src/metrics/mod.rs"), "{conflicts}");
    // Per task in the JSON: parallel and story.
    let t = shortlist(
        r.path(),
        &[
            "task",
            "specs/002-rate-limits/tasks.md:T006",
            "--format",
            "json",
        ],
    );
    let tv: serde_json::Value = serde_json::from_str(&t.stdout).expect("task json");
    assert_eq!(tv["parallel"], true);
    assert_eq!(tv["story"], "STORE");
    assert_eq!(tv["optional"], false);
}

// ------------------------------------------------------------------ Kiro

#[test]
fn kiro_specs_nested_and_flat_with_optional_and_in_progress_marks() {
    let (found, p) = read("kiro");
    assert_eq!(
        found,
        vec![
            (
                ".kiro/specs/billing-webhooks/tasks.md".into(),
                "kiro".into(),
                15
            ),
            (
                ".kiro/specs/search-index/tasks.md".into(),
                "kiro".into(),
                11
            ),
        ]
    );
    let b = |id: &str| {
        let f = p.find_tasks(&format!(".kiro/specs/billing-webhooks/tasks.md:{id}"));
        &p.tasks[*f.first().unwrap_or_else(|| panic!("billing {id}"))]
    };
    let s = |id: &str| {
        let f = p.find_tasks(&format!(".kiro/specs/search-index/tasks.md:{id}"));
        &p.tasks[*f.first().unwrap_or_else(|| panic!("search {id}"))]
    };
    // `[-]` is in progress in Kiro files.
    assert_eq!(b("2").status, Status::InProgress);
    assert_eq!(b("2.2").status, Status::InProgress);
    assert_eq!(s("1.3").status, Status::InProgress);
    // Optional: `[ ]*`, `[ ]\*` and `1.2*`, with the star off the title.
    for (t, opt) in [
        (b("1.3"), true),
        (b("2.3"), true),
        (b("3.4"), true),
        (b("2.4"), false),
        (s("1.2"), true),
        (s("2.4"), true),
        (s("2.1"), false),
    ] {
        assert_eq!(t.optional, opt, "{} {}", t.id, t.title);
    }
    assert_eq!(b("3.4").title, "Snapshot tests for the delivery log table");
    assert_eq!(
        s("1.2").title,
        "Benchmark indexing throughput on the 2M-document corpus"
    );
    // Nested and flat subtasks find their parents; a `## 2.` heading is no task.
    let par = |t: &Task| t.parent.map(|x| p.tasks[x].id.to_string());
    assert_eq!(par(b("1.3")), Some("1".into()));
    assert_eq!(par(s("1.1")), Some("1".into()));
    assert_eq!(par(s("3.2")), Some("3".into()));
    assert_eq!(par(s("2.1")), None);
    assert!(p
        .find_tasks(".kiro/specs/search-index/tasks.md:2")
        .is_empty());
    // `(P)` marks; requirements are references, never dependencies.
    assert!(s("1.1").parallel && s("2.3").parallel && !s("2.2").parallel);
    assert_eq!(s("1.1").title, "Define the document schema and analyzers");
    let reqs = |t: &Task| {
        t.extra
            .as_ref()
            .map(|e| e.requirements.clone())
            .unwrap_or_default()
    };
    assert_eq!(reqs(b("1.2")), ["1.3", "2.3"]);
    assert_eq!(reqs(s("1.3")), ["1.1", "1.3"]);
    assert!(b("1.3").deps.is_empty());
    // `_Depends:_` lines and Japanese prose (`1.1に依存`).
    assert_eq!(ids(&p, &s("2.2").deps), ["1.3", "2.1"]);
    assert!(ids(&p, &s("1.3").deps).contains(&"1.1".to_string()));
    assert!(ids(&p, &s("1.2").deps).contains(&"1.1".to_string()));
    // Paths of the detail bullets.
    assert_eq!(paths(s("2.4")), ["crates/search/tests/golden/"]);
    // A parent done with only its optional subtask open agrees with it; `1` of the
    // flat file is `[ ]` over started children, which is said.
    let w = warnings(&p);
    assert!(!w.iter().any(|m| m.contains("`1` is marked done")), "{w:?}");
    assert!(
        w.iter()
            .any(|m| m.contains("search-index/tasks.md:3") && m.contains("marked pending")),
        "{w:?}"
    );
    assert!(!w.iter().any(|m| m.contains("unknown task")), "{w:?}");
    assert!(p.is_finished(p.find_tasks(".kiro/specs/billing-webhooks/tasks.md:1")[0]));
}

#[test]
fn kiro_optional_work_never_comes_ahead_of_required_work() {
    let r = repo_of("kiro");
    let run = shortlist(r.path(), &["next", "--format", "json", "--explain"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let offered = offered(&v);
    // Required work is ready in both specs, so no optional task is offered.
    assert!(
        offered.contains(&"billing-webhooks:2.2".to_string()),
        "{offered:?}"
    );
    assert!(
        offered.contains(&"search-index:2.1".to_string()),
        "{offered:?}"
    );
    for optional in [
        "billing-webhooks:1.3",
        "billing-webhooks:2.3",
        "billing-webhooks:3.4",
        "search-index:1.2",
        "search-index:2.4",
    ] {
        assert!(
            !offered.contains(&optional.to_string()),
            "{optional} in {offered:?}"
        );
    }
    // And the ones passed over say they are optional.
    let passed = v["not_shortlisted"].as_array().expect("passed");
    let why_of = |id: &str, track: &str| {
        passed
            .iter()
            .find(|p| p["id"] == id && p["track"] == track)
            .map(|p| p["why"].to_string())
            .unwrap_or_default()
    };
    assert!(
        why_of("1.3", "billing-webhooks").contains("optional"),
        "{passed:?}"
    );
    assert!(
        why_of("1.2", "search-index").contains("optional"),
        "{passed:?}"
    );
    assert!(
        !why_of("3", "billing-webhooks").contains("optional"),
        "{passed:?}"
    );
}

// ------------------------------------------------------------------ OpenSpec

#[test]
fn openspec_changes_are_tracks_and_the_archive_is_left_alone() {
    let (found, p) = read("openspec");
    let paths_found: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths_found,
        [
            "openspec/changes/add-rate-limiting/tasks.md",
            "openspec/changes/refresh-onboarding/tasks.md"
        ]
    );
    assert!(found.iter().all(|(_, f, n)| f == "openspec" && *n == 9));
    assert_eq!(track(&p, "1.1"), "Add API rate limiting");
    assert_eq!(track(&p, "W1"), "Refresh the onboarding flow");
    assert_eq!(deps(&p, "1.4"), ["1.3"]);
    assert_eq!(paths(task(&p, "W2")), ["web/src/onboarding/Wizard.tsx"]);
    // Tasks without ids, and CJK text glued to the box.
    let glued: Vec<&Task> = p
        .tasks
        .iter()
        .filter(|t| t.title.starts_with("补充") || t.title.starts_with("实现邀请"))
        .collect();
    assert_eq!(glued.len(), 2);
    assert_eq!(glued[0].status, Status::Done);
    assert_eq!(glued[1].status, Status::Pending);
    assert!(glued.iter().all(|t| t.derived_id));
    assert_eq!(task(&p, "W3").status, Status::Done);
    // An archived change named by hand reads as finished.
    let archived = parse_files(
        "openspec",
        &["openspec/changes/archive/2026-01-10-old-change/tasks.md".to_string()],
    );
    assert!(!archived.tasks.is_empty());
    assert!(archived.tasks.iter().all(|t| t.status == Status::Done));
}

// ------------------------------------------------------------------ Backlog.md

#[test]
fn backlog_tasks_come_from_front_matter_and_their_boxes_are_criteria() {
    let (found, p) = read("backlog");
    assert_eq!(found.len(), 10, "{found:?}");
    assert!(found.iter().all(|(_, f, _)| f == "backlog_md"));
    assert!(found
        .iter()
        .any(|(p, _, _)| p.starts_with("backlog/completed/")));
    assert!(!found.iter().any(|(p, _, _)| p.contains("archive")));
    // Ids from the front matter, matched whatever their case.
    assert_eq!(task(&p, "back-40").id.as_str(), "BACK-40");
    assert_eq!(task(&p, "task-7").id.as_str(), "TASK-7");
    // States, including the team's own `Blocked`; a Done task keeps its open criterion.
    assert_eq!(task(&p, "task-12").status, Status::InProgress);
    assert_eq!(task(&p, "task-18").status, Status::Blocked);
    assert_eq!(task(&p, "TASK-7").status, Status::Done);
    assert_eq!(task(&p, "task-3").status, Status::Done);
    let open_criteria_of_7 = p
        .criteria
        .iter()
        .filter(|c| {
            p.files[c.span.file].path.contains("task-7 -") && c.status == Some(Status::Pending)
        })
        .count();
    assert_eq!(open_criteria_of_7, 1);
    // Priorities, assignees, labels.
    let t12 = task(&p, "task-12");
    assert_eq!(t12.priority.map(|p| p.0), Some(1));
    let extra = t12.extra.as_ref().expect("extra");
    assert_eq!(extra.assignee, ["@mei", "@jonas"]);
    assert_eq!(extra.labels, ["webhooks"]);
    assert_eq!(task(&p, "task-15.3").priority.map(|p| p.0), Some(3));
    // Dependencies across files, case-insensitive, into completed/.
    assert_eq!(deps(&p, "task-12"), ["BACK-40", "TASK-7", "task-3"]);
    // Sub-tasks: a parent in another file, and `### ✅ task-15.1:` headings.
    assert_eq!(parent(&p, "task-15.3"), Some("task-15".into()));
    assert_eq!(parent(&p, "task-15.1"), Some("task-15".into()));
    assert_eq!(task(&p, "task-15.1").status, Status::Done);
    assert_eq!(task(&p, "task-15.2").status, Status::Pending);
    // Tracks: the milestone, else the backlog.
    assert_eq!(track(&p, "task-12"), "v1.2 Reliable delivery");
    assert_eq!(track(&p, "task-20"), "v1.3 Payments");
    assert_eq!(track(&p, "task-18"), "Backlog");
    assert_eq!(track(&p, "task-15.3"), track(&p, "task-15"));
    // Acceptance and DoD boxes are never tasks.
    assert!(p.tasks.iter().all(|t| !t.title.starts_with('#')));
    assert_eq!(p.tasks.len(), 11);
    // Bad input: broken YAML is an error on its line and the task is left out; a
    // dependency on a missing task is a warning; everything else is read.
    let errs: Vec<String> = p
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}:{}", d.file, d.line))
        .collect();
    assert_eq!(errs, ["backlog/tasks/task-21 - Rate-quote-cache.md:3"]);
    assert!(p.find_tasks("task-21").is_empty());
    let w = warnings(&p);
    assert!(
        w.iter().any(|m| m
            .starts_with("backlog/tasks/task-22 - Webhook-delivery-dashboard.md:10:")
            && m.contains("TASK-9")),
        "{w:?}"
    );
}

#[test]
fn backlog_unknown_status_and_duplicate_ids_are_said_with_file_and_line() {
    let a = "---\nid: task-1\ntitle: One\nstatus: Waiting for vendor\n---\n";
    let b = "---\nid: task-1\ntitle: Same id\nstatus: To Do\n---\n";
    let p = plan::parse(
        &[
            plan::PlanText::new("backlog/tasks/task-1 - One.md", a),
            plan::PlanText::new("backlog/tasks/task-1 - Same.md", b),
        ],
        None,
    );
    assert_eq!(p.tasks.len(), 2);
    let w = warnings(&p);
    assert!(
        w.iter()
            .any(|m| m.starts_with("backlog/tasks/task-1 - One.md:4:")
                && m.contains("unknown status `Waiting for vendor`")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|m| m.contains("task-1 - Same.md:2:") && m.contains("task-1")),
        "{w:?}"
    );
}

// ------------------------------------------------------------------ Taskmaster

#[test]
fn taskmaster_tags_are_tracks_with_sibling_dependencies_and_every_status() {
    let (found, p) = read("taskmaster");
    assert_eq!(
        found,
        vec![(
            ".taskmaster/tasks/tasks.json".into(),
            "taskmaster".into(),
            22
        )]
    );
    assert!(p.diagnostics.is_empty(), "{:?}", warnings(&p));
    let names: Vec<&str> = p.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["master", "feature-search"]);
    for (id, st) in [
        ("1", Status::Done),
        ("3", Status::InProgress),
        ("4", Status::InProgress),
        ("5", Status::Pending),
        ("6", Status::Blocked),
        ("7", Status::Dropped),
        ("8", Status::Blocked),
        ("9", Status::Done),
        ("feature-search/1", Status::InProgress),
    ] {
        assert_eq!(task(&p, id).status, st, "{id}");
    }
    assert!(task(&p, "4").notes.contains(&"status: review".to_string()));
    assert!(task(&p, "6")
        .notes
        .contains(&"status: deferred".to_string()));
    // Subtasks `N.M`; a bare number in their dependencies names a sibling.
    assert_eq!(parent(&p, "3.2"), Some("3".into()));
    assert_eq!(deps(&p, "3.2"), ["3.1"]);
    assert_eq!(deps(&p, "3.3"), ["3.1"]);
    assert_eq!(deps(&p, "feature-search/1.2"), ["feature-search/1.1"]);
    assert_eq!(deps(&p, "10"), ["4", "5"]);
    // Priorities; details and test strategy kept.
    assert_eq!(task(&p, "1").priority.map(|p| p.0), Some(1));
    assert_eq!(task(&p, "7").priority.map(|p| p.0), Some(3));
    assert!(!task(&p, "3").background.is_empty());
    assert!(!task(&p, "3").dod.is_empty());
    assert_eq!(
        task(&p, "feature-search/2")
            .extra
            .as_ref()
            .and_then(|e| e.tag.as_deref()),
        Some("feature-search")
    );
    // Lines point at the task in the file (its `"id"`).
    assert_eq!(task(&p, "3").span.line, 46);
    assert_eq!(task(&p, "3.2").span.line, 65);
    assert_eq!(task(&p, "feature-search/1").span.line, 190);
}

#[test]
fn taskmaster_legacy_files_and_bad_json_and_other_json() {
    let (found, p) = read("taskmaster-legacy");
    assert_eq!(
        found,
        vec![("tasks/tasks.json".into(), "taskmaster".into(), 7)]
    );
    assert_eq!(deps(&p, "2.2"), ["2.1"]);
    assert_eq!(task(&p, "5").status, Status::Dropped);

    // A syntax error: one error with line and column, nothing else lost.
    let r = repo_of("taskmaster-bad");
    let run = shortlist(r.path(), &["check"]);
    assert!(
        run.stdout.contains(
            ".taskmaster/tasks/tasks.json:24: error: not valid JSON at line 24, column 9"
        ),
        "{}\n{}",
        run.stdout,
        run.stderr
    );

    // A JSON file that is not Taskmaster's is not a plan found by default.
    let r = repo_of("not-taskmaster");
    let run = shortlist(r.path(), &["check"]);
    assert!(
        run.stderr.contains("no plan file found") || run.stdout.contains("no plan file found"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // Named by hand, it is said not to be in Taskmaster's shape.
    let p = parse_files("not-taskmaster", &["tasks/tasks.json".to_string()]);
    assert!(p.tasks.is_empty());
    assert!(warnings(&p)[0].contains("not in Taskmaster's shape"));
}

#[test]
fn a_large_taskmaster_file_parses_well_under_a_second() {
    // 1.5 MB: 700 tasks of 5 subtasks with long details, as generated plans are (keys
    // in serde_json's order: `title` after `subtasks`).
    let mut tasks = Vec::new();
    for i in 1..=700 {
        let subs: Vec<serde_json::Value> = (1..=5)
            .map(|j| {
                serde_json::json!({"id": j, "title": format!("Step {j} of task {i}"), "status": if j < 3 {"done"} else {"pending"},
                    "dependencies": if j > 1 { vec![j - 1] } else { vec![] }, "details": "x".repeat(120)})
            })
            .collect();
        tasks.push(serde_json::json!({"id": i, "title": format!("Task {i}"), "status": "pending", "priority": "medium",
            "dependencies": if i > 1 { vec![i - 1] } else { vec![] }, "details": "d".repeat(300), "testStrategy": "t".repeat(100), "subtasks": subs}));
    }
    let text = serde_json::to_string_pretty(&serde_json::json!({"master": {"tasks": tasks}}))
        .expect("json");
    assert!(text.len() > 1_500_000, "{}", text.len());
    let start = std::time::Instant::now();
    let p = plan::parse(
        &[plan::PlanText::new(".taskmaster/tasks/tasks.json", text)],
        None,
    );
    let took = start.elapsed();
    assert_eq!(p.tasks.len(), 4200);
    assert!(p.diagnostics.is_empty());
    // (A generous bound for a debug build on a slow machine; the closing note reports
    // the release time.)
    assert!(took.as_secs_f64() < 5.0, "{took:?}");
}

// ------------------------------------------------------------------ BMAD and GSD

#[test]
fn bmad_sprint_status_and_gsd_roadmap() {
    let (found, p) = read("bmad");
    assert_eq!(
        found,
        vec![(
            "docs/sprint-artifacts/sprint-status.yaml".into(),
            "bmad".into(),
            14
        )]
    );
    assert_eq!(task(&p, "1.2").status, Status::InProgress);
    assert_eq!(task(&p, "1.2").title, "email verification");
    assert_eq!(task(&p, "1.1").status, Status::Done);
    assert!(task(&p, "E1-RETRO").optional);
    assert_eq!(track(&p, "2.3"), "Epic 2");
    assert_eq!(
        p.tracks[task(&p, "1.1").track].remark.as_deref(),
        Some("in-progress")
    );

    let (found, p) = read("gsd");
    assert_eq!(
        found,
        vec![(".planning/ROADMAP.md".into(), "gsd".into(), 13)]
    );
    assert!(p.diagnostics.is_empty(), "{:?}", warnings(&p));
    assert_eq!(p.tracks.len(), 1);
    assert_eq!(p.tracks[0].name, "Tidewatch");
    assert_eq!(task(&p, "2").title, "Ingestion");
    assert_eq!(task(&p, "1").status, Status::Done);
    assert_eq!(parent(&p, "02-02"), Some("2".into()));
    assert_eq!(parent(&p, "02.1-01"), Some("2.1".into()));
    assert_eq!(deps(&p, "2"), ["1"]);
    assert_eq!(deps(&p, "3"), ["2.1"]);
    // A phase whose plans have started is under way.
    assert_eq!(task(&p, "2").status, Status::InProgress);
}

#[test]
fn format_detection_by_place_and_by_content() {
    assert_eq!(format::detect("specs/001-x/tasks.md", ""), Format::SpecKit);
    // Named with --plan somewhere else: the content says it.
    let sk = "## Phase 1: Setup\n- [ ] T001 Create x\n- [ ] T002 [P] y\n- [ ] T003 z\n";
    assert_eq!(format::detect("docs/feature/tasks.md", sk), Format::SpecKit);
    assert_eq!(
        format::detect("notes/tasks.md", "- [ ] 1. A\n  - _Requirements: 1.1_\n"),
        Format::Kiro
    );
    assert_eq!(format::detect("PLAN.md", "- [ ] 1.1 A\n"), Format::Markdown);
    // A hand-written plan keeps its reader whatever it holds: Spec Kit-like lines, a
    // front matter with an id and a status, a file under a `backlog/` directory.
    assert_eq!(format::detect("PLAN.md", sk), Format::Markdown);
    let fm = "---\nid: plan\ntitle: Plan\nstatus: draft\n---\n- [ ] 1.1 A\n";
    assert_eq!(format::detect("docs/plan/q3.md", fm), Format::Markdown);
    assert_eq!(
        format::detect("docs/backlog/ideas.md", fm),
        Format::Markdown
    );
    assert_eq!(
        format::detect("backlog/tasks/task-1 - A.md", fm),
        Format::BacklogMd
    );
}

#[test]
fn yaml_errors_are_said_on_a_line_of_the_file() {
    // Found by the plan_formats fuzz target: control characters and invalid UTF-8 in a
    // sprint status made the YAML error point past the last line.
    let bytes = include_bytes!("fixtures/fuzz/sprint-status-bad-bytes.yaml");
    let text = String::from_utf8_lossy(bytes);
    let lines = text.split('\n').count() as u32;
    for path in ["docs/sprint-status.yaml", "backlog/tasks/task-1 - X.md"] {
        let body = match path.ends_with(".md") {
            true => format!("---\n{text}\n---\n"),
            false => text.to_string(),
        };
        let n = body.split('\n').count() as u32;
        let p = plan::parse(&[plan::PlanText::new(path, body)], None);
        assert!(!p.diagnostics.is_empty(), "{path}");
        for d in &p.diagnostics {
            assert!(
                d.line >= 1 && d.line <= n.max(lines),
                "{path}: {} > {n}: {}",
                d.line,
                d.message
            );
        }
    }
}

#[test]
fn spec_kit_variations_seen_in_real_files() {
    let text = "\
## Phase 1: Setup
 - [X] T001 Create the project in app/main.swift
- [X] T002 Configure CI
  - [X] T002a Configure push triggers in `.github/workflows/build.yml`
  - [ ] T002b Cache dependencies
- [ ] T003 Models in `src/models/` [P]
- [ ] T004 Services in src/services/api.ts
  - Dependency: T001–T002

## Notes
- [P] tasks = different files, no dependencies
";
    let p = plan::parse_str("specs/002-release/tasks.md", text);
    let ids: Vec<&str> = p.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["T001", "T002", "T002a", "T002b", "T003", "T004"]);
    // A leading space before the bullet, letter-suffixed subtasks, a trailing [P].
    assert_eq!(task(&p, "T001").status, Status::Done);
    assert_eq!(parent(&p, "T002b"), Some("T002".into()));
    let t3 = task(&p, "T003");
    assert!(t3.parallel);
    assert_eq!(t3.title, "Models in `src/models/`");
    assert_eq!(paths(t3), ["src/models/"]);
    // A `Dependency:` line with an en-dash range (T001, T002), and the phase's order
    // (after T002 and the [P] T003).
    assert_eq!(deps(&p, "T004"), ["T001", "T002", "T003"]);
    assert!(p.criteria.is_empty(), "{:?}", p.criteria);
}
