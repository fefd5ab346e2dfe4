//! The plan parser on fixtures that look like real team plans: ids, statuses, parents,
//! fields, tracks, priorities, dependencies, checkpoints, criteria, questions and the
//! diagnostics with their lines.

use shortlist::plan::{self, Plan, Priority, QuestionSource, Severity, Status, TrackKind};

fn fixture(name: &str) -> Plan {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    plan::parse_str(name, &text)
}

fn task<'p>(plan: &'p Plan, id: &str) -> &'p plan::Task {
    let found = plan.find_tasks(id);
    assert_eq!(found.len(), 1, "exactly one task `{id}`");
    &plan.tasks[found[0]]
}

fn ids(plan: &Plan, v: &[usize]) -> Vec<String> {
    v.iter().map(|&t| plan.tasks[t].id.to_string()).collect()
}

/// Every diagnostic as (line, message).
fn said(p: &Plan) -> Vec<(u32, &str)> {
    p.diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect()
}

/// Top-level tasks as (id, title, state), in plan order.
fn top_tasks(p: &Plan) -> Vec<(&str, &str, Status)> {
    p.tasks
        .iter()
        .filter(|t| t.parent.is_none())
        .map(|t| (t.id.as_str(), t.title.as_str(), t.status))
        .collect()
}

fn paths(v: &[plan::PathRef]) -> Vec<&str> {
    v.iter().map(|p| p.path.as_str()).collect()
}

#[test]
fn phase_plan_tracks_come_from_headings_and_the_workstream_list() {
    let p = fixture("phase5.md");
    let got: Vec<(String, Option<String>, String, Option<Priority>)> = p
        .tracks
        .iter()
        .map(|t| (t.key.clone(), t.id.clone(), t.name.clone(), t.priority))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "A".into(),
                Some("5.1".into()),
                "Billing & Invoices".into(),
                Some(Priority(0))
            ),
            (
                "B".into(),
                Some("5.2".into()),
                "Onboarding".into(),
                Some(Priority(0))
            ),
            (
                "C".into(),
                Some("5.3".into()),
                "Docs".into(),
                Some(Priority(1))
            ),
            (
                "D".into(),
                Some("5.4".into()),
                "Ops & Deploy".into(),
                Some(Priority(2))
            ),
            (
                "E".into(),
                Some("5.5".into()),
                "Data Collection Config（DB + API）".into(),
                Some(Priority(0))
            ),
        ]
    );
    // `（可选，P1）`: the words beside the priority are kept as a remark.
    assert_eq!(p.tracks[2].remark.as_deref(), Some("可选"));
    // The heading line wins over the workstream entry for the track's source.
    assert_eq!(p.tracks[0].span.line, 24);
}

#[test]
fn checkbox_states_including_the_ones_pulldown_leaves_as_text() {
    let p = fixture("phase5.md");
    assert_eq!(task(&p, "5.1.1").status, Status::Done);
    assert_eq!(task(&p, "5.1.2").status, Status::InProgress);
    assert_eq!(task(&p, "5.1.3").status, Status::Pending);
    assert_eq!(task(&p, "5.1.4").status, Status::Dropped);
    assert_eq!(task(&p, "5.4.1").status, Status::Blocked);
}

#[test]
fn ids_in_every_form_and_derived_ids_for_tasks_without_one() {
    let p = fixture("phase5.md");
    // Bold id, backticked id with a T prefix found by its dotted form.
    assert_eq!(task(&p, "5.1.3").title, "Dunning e-mails（依赖 5.1.2）");
    assert_eq!(task(&p, "T5.2.3").title, "邀请流程文案（invite copy）");
    assert_eq!(task(&p, "5.2.3").id.0, "T5.2.3");
    let no_id = task(&p, "B#1");
    assert!(no_id.derived_id);
    assert_eq!(no_id.title, "Invite flow copy review");
    assert_eq!(no_id.span.line, 57);
}

#[test]
fn fields_in_english_and_chinese_with_full_width_colons() {
    let p = fixture("phase5.md");
    let seed = task(&p, "5.2.1");
    assert_eq!(seed.dod.as_slice(), ["`make seed` 后可直接登录三个租户"]);
    assert_eq!(
        paths(&seed.touch_points),
        vec!["apps/server/scripts/seed.ts", "apps/server/src/billing/*"]
    );
    // `As-built（实现入口）：` with a parenthesised note after the span.
    assert_eq!(paths(&seed.as_built), vec!["apps/server/scripts/seed.ts"]);
    assert_eq!(seed.as_built[0].note.as_deref(), Some("seedTenants"));
    assert_eq!(ids(&p, &seed.deps), vec!["5.1.1"]);
    // `涉及文件：` continued on nested items; a trailing note is not a path.
    let dunning = task(&p, "5.1.3");
    assert_eq!(
        paths(&dunning.touch_points),
        vec![
            "apps/server/src/billing/dunning.ts",
            "apps/server/templates/dunning/"
        ]
    );
    assert_eq!(
        dunning.touch_points[1].note.as_deref(),
        Some("或新增模板目录")
    );
    assert_eq!(dunning.touch_points[0].line, 33);
}

#[test]
fn code_spans_that_are_not_paths_are_mentions() {
    let p = fixture("phase5.md");
    let guide = task(&p, "5.3.2");
    assert!(guide.references.is_empty());
    assert_eq!(
        guide.mentions,
        vec!["bun run docs:build", "DataCollectionSpec"]
    );
    assert_eq!(paths(&guide.touch_points), vec!["user_docs/"]);
}

#[test]
fn nested_subtasks_at_any_depth_keep_their_parents() {
    let p = fixture("phase5.md");
    let seed = p.find_tasks("5.2.1")[0];
    assert_eq!(
        ids(&p, &p.tasks[seed].subtasks),
        vec!["5.2.1.1", "5.2.1.2", "5.2.1.3"]
    );
    let invoices = p.find_tasks("5.2.1.2")[0];
    assert_eq!(p.tasks[invoices].parent, Some(seed));
    assert_eq!(
        ids(&p, &p.tasks[invoices].subtasks),
        vec!["5.2.1.2.1", "5.2.1.2.2"]
    );
    // An inline `（依赖 5.1.2）` on a subtask is a dependency.
    assert_eq!(ids(&p, &p.tasks[invoices].deps), vec!["5.1.2"]);
    // Three deep in the heading-task fixture.
    let h = fixture("heading_tasks.md");
    let deep = task(&h, "2.1.1.1.1");
    let parent = deep.parent.expect("has a parent");
    assert_eq!(h.tasks[parent].id.0, "2.1.1.1");
}

#[test]
fn inline_dependencies_in_titles() {
    let p = fixture("phase5.md");
    assert_eq!(ids(&p, &task(&p, "5.1.3").deps), vec!["5.1.2"]);
    assert_eq!(ids(&p, &task(&p, "5.3.2").deps), vec!["5.2.2"]);
    assert_eq!(ids(&p, &task(&p, "5.4.1").deps), vec!["5.4.2"]);
}

#[test]
fn checkpoints_expand_ranges_over_siblings_in_plan_order() {
    let p = fixture("phase5.md");
    let cps: Vec<(&str, Option<&str>, Vec<String>, u32)> = p
        .checkpoints
        .iter()
        .map(|c| {
            (
                c.id.as_str(),
                c.label.as_deref(),
                c.task_ids.clone(),
                c.span.line,
            )
        })
        .collect();
    assert_eq!(
        cps,
        vec![
            (
                "CP0",
                Some("scope freeze"),
                vec!["5.1.1".to_string(), "5.1.2".into()],
                18
            ),
            (
                "CP1",
                Some("beta ready"),
                vec![
                    "5.2.1".into(),
                    "5.2.2".into(),
                    "T5.2.3".into(),
                    "5.4.1".into(),
                    "5.5.1".into()
                ],
                19
            ),
        ]
    );
}

#[test]
fn acceptance_checklists_are_criteria_not_tasks() {
    let p = fixture("phase5.md");
    let crit: Vec<(&str, Option<Status>, u32)> = p
        .criteria
        .iter()
        .map(|c| (c.text.as_str(), c.status, c.span.line))
        .collect();
    assert_eq!(
        crit,
        vec![
            ("三个租户可登录", Some(Status::Done), 99),
            ("发票 PDF 与网页金额一致", Some(Status::Pending), 100),
            ("Uptime ≥ 99.5% for 7 days", Some(Status::Pending), 101),
        ]
    );
    assert!(p.tasks.iter().all(|t| !t.title.contains("租户可登录")));
}

#[test]
fn fences_quotes_and_html_never_hold_tasks() {
    let p = fixture("phase5.md");
    for id in ["9.9.9", "9.9.8", "9.9.7"] {
        assert!(p.find_tasks(id).is_empty(), "{id} must not be a task");
    }
    // The quote at the top is metadata, not a task.
    assert_eq!(
        p.files[0].meta,
        vec![
            ("状态".to_string(), "进行中".to_string()),
            ("更新时间".into(), "2026-03-02".into())
        ]
    );
    assert_eq!(p.tasks.len(), 22);
}

#[test]
fn open_questions_from_the_section_and_from_tbd() {
    let p = fixture("phase5.md");
    let q: Vec<(&str, QuestionSource, u32)> = p
        .questions
        .iter()
        .map(|q| (q.text.as_str(), q.source, q.span.line))
        .collect();
    assert_eq!(
        q,
        vec![
            (
                "Invite flow copy review: touch points TBD",
                QuestionSource::Tbd,
                58
            ),
            (
                "Should dunning e-mails go out on weekends?",
                QuestionSource::Section,
                104
            ),
            ("发票抬头是否需要支持多语言？", QuestionSource::Section, 105),
        ]
    );
    for q in &p.questions {
        assert!(q.id.starts_with("Q-") && q.id.len() == 6, "{}", q.id);
    }
}

#[test]
fn question_ids_survive_reparsing_and_edits_elsewhere() {
    let p = fixture("phase5.md");
    let path = format!("{}/tests/fixtures/phase5.md", env!("CARGO_MANIFEST_DIR"));
    let edited = std::fs::read_to_string(path).expect("fixture").replace(
        "- [ ] 5.4.2 SQLite backup/restore SOP",
        "- [x] 5.4.2 SQLite backup and restore SOP\n- [ ] 5.4.3 New task",
    );
    let q = plan::parse_str("phase5.md", &edited);
    let before: Vec<&str> = p.questions.iter().map(|q| q.id.as_str()).collect();
    let after: Vec<&str> = q.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(before, after);
}

#[test]
fn declared_conflicts_are_read_with_their_tracks_and_paths() {
    let p = fixture("phase5.md");
    let c = &p.declared_conflicts;
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].tracks, vec!["B", "A"]);
    assert_eq!(c[0].paths, vec!["apps/server/src/billing/*"]);
    assert_eq!(c[1].tracks, vec!["E", "B", "D"]);
    assert!(c[1].paths.is_empty());
    assert_eq!(c[1].span.line, 96);
}

#[test]
fn table_plan_columns_found_by_chinese_headers() {
    let p = fixture("table_plan.md");
    let rows: Vec<(&str, &str, Status)> = ["T2.1", "T2.2", "T2.3", "T2.4", "T2.5", "T2.6"]
        .iter()
        .map(|id| {
            let t = task(&p, id);
            (t.id.as_str(), t.title.as_str(), t.status)
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("T2.1", "Export invoices as CSV", Status::Done),
            ("T2.2", "Retry failed webhooks", Status::InProgress),
            // No status cell: taken from its subtasks (one of three done).
            ("T2.3", "Dunning e-mails | reminders", Status::InProgress),
            ("T2.4", "BUG: duplicate delivery", Status::Pending),
            // `搁置` was taught by the legend line (`❌ 搁置`).
            ("T2.5", "Signing secrets rotation", Status::Dropped),
            ("T2.6", "Rate limits per tenant", Status::Pending),
        ]
    );
    assert_eq!(ids(&p, &task(&p, "T2.3").deps), vec!["T2.1", "T2.2"]);
    assert!(task(&p, "T2.5").deps.is_empty(), "`无` means none");
}

#[test]
fn table_cells_with_br_as_built_and_line_ranges() {
    let p = fixture("table_plan.md");
    assert_eq!(
        paths(&task(&p, "T2.1").as_built),
        vec!["server/src/export/csv.ts"]
    );
    assert_eq!(
        paths(&task(&p, "T2.2").touch_points),
        vec!["server/src/hooks/*", "server/src/queue/retry.ts"]
    );
    let bug = task(&p, "T2.4");
    assert_eq!(
        paths(&bug.touch_points),
        vec!["server/src/hooks/deliver.ts"]
    );
    assert_eq!(bug.touch_points[0].range.as_deref(), Some("241-247"));
}

#[test]
fn subtask_block_attaches_a_column_zero_list_to_a_table_row() {
    let p = fixture("table_plan.md");
    let parent = p.find_tasks("T2.3")[0];
    assert_eq!(
        ids(&p, &p.tasks[parent].subtasks),
        vec!["2.3.1", "2.3.2", "2.3.3"]
    );
    assert_eq!(
        p.tasks[p.find_tasks("2.3.2")[0]].track,
        p.tasks[parent].track
    );
}

#[test]
fn second_table_uses_hash_ids_word_statuses_and_bold_priorities() {
    let p = fixture("table_plan.md");
    let inbox = p.tracks.iter().position(|t| t.key == "B").expect("track B");
    let tasks: Vec<(&str, Status, Option<Priority>)> = p
        .tasks
        .iter()
        .filter(|t| t.track == inbox)
        .map(|t| (t.id.as_str(), t.status, t.priority))
        .collect();
    assert_eq!(
        tasks,
        vec![
            ("1", Status::Pending, Some(Priority(0))),
            ("2", Status::InProgress, Some(Priority(2))),
            ("3", Status::Done, None),
        ]
    );
    // The audit table has no id column: it defines no tasks.
    assert!(p.tasks.iter().all(|t| !t.title.contains("retry.ts")));
}

#[test]
fn heading_tasks_take_their_state_from_the_status_field() {
    let p = fixture("heading_tasks.md");
    let skel = task(&p, "1.1");
    assert_eq!(skel.title, "Project skeleton");
    assert_eq!(skel.status, Status::Done);
    assert_eq!(skel.dod.as_slice(), ["`cargo test` passes on CI"]);
    assert_eq!(skel.background, vec!["one package, lib + bin"]);
    let cfg = task(&p, "1.2");
    assert_eq!(cfg.status, Status::InProgress);
    assert_eq!(ids(&p, &cfg.deps), vec!["1.1"]);
    assert_eq!(task(&p, "2.2").status, Status::Pending);
}

#[test]
fn arrow_chains_in_prose_are_dependencies() {
    let p = fixture("heading_tasks.md");
    assert_eq!(ids(&p, &task(&p, "2.1").deps), vec!["1.2"]);
    assert_eq!(ids(&p, &task(&p, "2.2").deps), vec!["2.1"]);
}

#[test]
fn tasks_outside_track_headings_go_under_their_section() {
    let p = fixture("heading_tasks.md");
    let backlog = &p.tracks[p.tasks[p.find_tasks("backlog#1")[0]].track];
    assert_eq!(backlog.name, "Backlog");
    assert_eq!(backlog.kind, TrackKind::Section);
    // A progress list under `当前进度` is criteria, not tasks.
    assert!(p
        .criteria
        .iter()
        .any(|c| c.text == "skeleton merged" && c.status == Some(Status::Done)));
    assert!(p.tasks.iter().all(|t| t.title != "skeleton merged"));
}

#[test]
fn tasks_in_a_file_with_no_heading_get_a_file_group() {
    let p = plan::parse_str("TODO.md", "- [ ] first\n- [x] second\n");
    assert_eq!(p.tracks.len(), 1);
    assert_eq!(p.tracks[0].kind, TrackKind::File);
    assert_eq!(p.tracks[0].name, "TODO.md");
    assert_eq!(p.tasks[0].id.0, "todo-md#1");
}

fn diag_lines(p: &Plan, needle: &str) -> Vec<(Severity, u32)> {
    p.diagnostics
        .iter()
        .filter(|d| d.message.contains(needle))
        .map(|d| (d.severity, d.line))
        .collect()
}

#[test]
fn every_diagnostic_with_its_line() {
    let p = fixture("diagnostics.md");
    assert_eq!(
        diag_lines(&p, "duplicate task id `1.1`"),
        vec![(Severity::Error, 4), (Severity::Error, 5)]
    );
    assert_eq!(
        diag_lines(&p, "unknown task `9.9`"),
        vec![(Severity::Warning, 7)]
    );
    assert_eq!(
        diag_lines(&p, "dependency cycle: 1.3 → 1.4 → 1.3"),
        vec![(Severity::Error, 8)]
    );
    assert_eq!(
        diag_lines(&p, "are not siblings"),
        vec![(Severity::Warning, 22)]
    );
    assert_eq!(
        diag_lines(&p, "`1.5` is marked done but subtask 1.5.1 is open"),
        vec![(Severity::Warning, 12)]
    );
    assert_eq!(
        diag_lines(&p, "`1.6` is marked pending but subtask 1.6.1"),
        vec![(Severity::Warning, 14)]
    );
    assert_eq!(
        diag_lines(&p, "outside the repository"),
        vec![(Severity::Warning, 17), (Severity::Warning, 17)]
    );
    assert_eq!(
        diag_lines(&p, "unknown status `maybe later`"),
        vec![(Severity::Warning, 28)]
    );
    assert_eq!(
        diag_lines(&p, "malformed table row: 4 cells where the header has 3"),
        vec![(Severity::Warning, 29)]
    );
    // The rest of the plan still parses around every problem.
    assert_eq!(p.tasks.len(), 15);
    assert_eq!(task(&p, "3.2").status, Status::Done);
    assert!(p
        .diagnostics
        .iter()
        .all(|d| d.file == "diagnostics.md" && d.line > 0));
}

#[test]
fn touch_points_naming_no_file_are_warned_about_when_the_file_list_is_known() {
    struct Files(Vec<&'static str>);
    impl plan::FileIndex for Files {
        fn matches(&self, path: &str) -> bool {
            self.0
                .iter()
                .any(|f| *f == path || f.starts_with(path.trim_end_matches('*')))
        }
    }
    let text =
        "## Track A (P0)\n- [ ] 1 a\n  - Touch points：`src/lib.rs`、`src/gone.rs`、`src/*`\n";
    let files = Files(vec!["src/lib.rs"]);
    let p = plan::parse(
        &[plan::PlanText {
            path: "PLAN.md".into(),
            text: text.into(),
            title: None,
        }],
        Some(&files),
    );
    let msgs: Vec<&str> = p.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(msgs[0].contains("`src/gone.rs`") && msgs[0].contains("matches no file"));
    assert_eq!(p.diagnostics[0].line, 3);
}

#[test]
fn parent_and_child_state_disagreement_keeps_both_and_counts_as_open() {
    let p = fixture("diagnostics.md");
    let parent = p.find_tasks("1.5")[0];
    assert_eq!(p.tasks[parent].status, Status::Done);
    assert!(!p.is_finished(parent));
}

#[test]
fn ids_are_per_file_and_references_resolve_in_their_own_file_first() {
    let a = plan::PlanText {
        path: "a.md".into(),
        text: "## Track A (P0)\n- [ ] 1.1 A one\n- [ ] 1.2 A two\n  - Depends on: 1.1\n".into(),
        title: None,
    };
    let b = plan::PlanText {
        path: "b.md".into(),
        text: "## Track A (P1)\n- [x] 1.1 B one\n- [ ] 1.2 B two（依赖 1.1）\n".into(),
        title: None,
    };
    let p = plan::parse(&[a, b], None);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let a12 = p.find_tasks("a.md:1.2")[0];
    let b12 = p.find_tasks("b.md:1.2")[0];
    assert_eq!(p.file_of(p.tasks[p.tasks[a12].deps[0]].span), "a.md");
    assert_eq!(p.file_of(p.tasks[p.tasks[b12].deps[0]].span), "b.md");
    // Same letter in two files: keys stay unique.
    let keys: Vec<&str> = p.tracks.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, vec!["A", "A@b"]);
}

#[test]
fn struck_through_items_are_dropped() {
    let p = plan::parse_str(
        "PLAN.md",
        "## Track A (P0)\n- [ ] ~~1.1 Old idea~~\n- [ ] 1.2 Kept ~~partly~~\n",
    );
    assert_eq!(p.tasks[0].status, Status::Dropped);
    assert_eq!(p.tasks[1].status, Status::Pending);
}

#[test]
fn emoji_bullets_with_ids_are_tasks_and_without_ids_are_progress() {
    let p = plan::parse_str(
        "PLAN.md",
        "## Track A (P0)\n- ✅ 1.1 Loading verify\n- 🚧 1.2 Retry logic\n\n## As-built 进度\n- ✅ Loading verify：done\n",
    );
    assert_eq!(task(&p, "1.1").status, Status::Done);
    assert_eq!(task(&p, "1.2").status, Status::InProgress);
    assert_eq!(p.tasks.len(), 2);
}

#[test]
fn a_numbered_workstream_heading_with_a_priority_is_a_track() {
    let text = "# Phase 9 计划\n\n## 2. Workstreams\n- Track A：Core\n\n## 9.1 Workstream 1（P1）\n\n- [ ] 9.1.1 Feature x\n\n## 9.2 Workstream 2（P0）\n\n- [ ] 9.2.1 Feature y\n";
    let plan = plan::parse_str("PLAN.md", text);
    let names: Vec<(&str, Option<Priority>)> = plan
        .tracks
        .iter()
        .filter(|t| !t.tasks.is_empty())
        .map(|t| (t.name.as_str(), t.priority))
        .collect();
    assert_eq!(
        names,
        [
            ("Workstream 1", Some(Priority(1))),
            ("Workstream 2", Some(Priority(0)))
        ]
    );
    assert_eq!(
        plan.tasks[task_index(&plan, "9.2.1")].track,
        plan.tracks
            .iter()
            .position(|t| t.name == "Workstream 2")
            .expect("track")
    );
}

fn task_index(plan: &Plan, id: &str) -> usize {
    plan.find_tasks(id)[0]
}

#[path = "../benches/support/gen_plan.rs"]
mod gen_plan;

fn text(path: &str, text: String) -> plan::PlanText {
    plan::PlanText {
        path: path.to_string(),
        text,
        title: None,
    }
}

#[test]
fn the_generated_2mb_plan_keeps_every_task_and_its_line() {
    let p = plan::parse(
        &[text(
            "docs/plan/phase9.md",
            gen_plan::plan(5_000, 2_000_000),
        )],
        None,
    );
    assert_eq!(p.tasks.len(), 12_500);
    // A task deep in the file keeps its own line number.
    let last = p.tasks.last().unwrap();
    assert_eq!(last.id.0, "9.50.100.2");
    assert!(last.span.line > 25_000, "line {}", last.span.line);
}

#[test]
fn code_and_comments_that_hold_headings_never_hold_tasks() {
    let mut s = String::from("# Plan\n\n");
    for i in 0..10 {
        s.push_str(&format!(
            "## Part {i}\n\n- [ ] {i}.1 Real task {i}（P1）\n  - Touch points：`src/m{i}.rs`\n"
        ));
        match i % 5 {
            0 => s.push_str("\n```sh\n# build\n\n# Install\n- [ ] 99.1 not a task\n```\n"),
            1 => s.push_str("\n````md\n```\n\n# Inner\n- [ ] 99.2 not a task\n````\n"),
            2 => s.push_str("\n<!--\n\n# Hidden\n- [ ] 99.3 not a task\n-->\n"),
            3 => s.push_str("\n~~~\n\n## Tilde\n- [ ] 99.4 not a task\n~~~\n"),
            _ => s.push_str(
                "\n- [ ] 99.5 list item\n\n  ```\n\n  # in item\n  - [ ] 99.6 not a task\n  ```\n",
            ),
        }
        s.push_str("说明文字，填充。\n\n");
    }
    let p = plan::parse_str("PLAN.md", &s);
    for t in &p.tasks {
        assert!(
            !t.title.contains("not a task"),
            "{} at line {} came out of code",
            t.title,
            t.span.line
        );
    }
    assert!(p.tasks.iter().any(|t| t.id.0 == "9.1"));
    // The sections hidden in code are no sections either.
    assert!(p
        .sections
        .iter()
        .all(|s| s.name.starts_with("Part") || s.name == "Plan"));
}

#[test]
fn an_unclosed_fence_hides_the_rest_of_the_file() {
    let mut s = String::from("# Plan\n\n");
    for i in 0..20 {
        s.push_str(&format!("## Part {i}\n\n- [ ] {i}.1 Task {i}\n\n"));
        if i == 5 {
            // Indented four spaces, the last line is code, not the fence's end.
            s.push_str("```\nopen fence\n    ```\n\n");
        }
    }
    let p = plan::parse_str("PLAN.md", &s);
    assert_eq!(p.tasks.len(), 6, "tasks after the open fence are code");
}

#[test]
fn several_files_keep_their_own_lines_and_order() {
    let a = gen_plan::plan(150, 50_000);
    let b = gen_plan::plan(100, 40_000).replace("9.", "8.");
    let p = plan::parse(&[text("plan/a.md", a), text("plan/b.md", b)], None);
    let first_of_b = p.tasks.iter().position(|t| t.span.file == 1).unwrap();
    assert_eq!(p.tasks[first_of_b].id.0, "8.1.1");
    assert!(p.tasks[first_of_b].span.line < 40);
    assert!(p.tasks[..first_of_b].iter().all(|t| t.span.file == 0));
}

#[test]
fn link_reference_definitions_anywhere_in_the_file_are_resolved() {
    let mut s = gen_plan::plan(100, 40_000);
    s.push_str("\n[spec]: https://example.com/spec\n");
    s.push_str("\n## Late\n\n- [ ] 99.1 See [spec] for details\n");
    let p = plan::parse_str("PLAN.md", &s);
    assert_eq!(task(&p, "99.1").title, "See spec for details");
}

#[test]
fn titles_lose_a_priority_group_and_keep_every_inline_dependency() {
    let p = plan::parse_str(
        "PLAN.md",
        concat!(
            "## Extra\n\n",
            "- [ ] 9.0 Base\n",
            "- [ ] 9.1 Seed tenants（P0）（依赖 9.0）\n",
            "  - [x] 9.1.1 Fixtures (after 9.1; depends on 9.2) 依赖 9.3 前置 9.4\n",
            "  - [ ] `9.1.2` owner TBD（可选，P2）\n",
            "- [ ] 9.2 Two\n- [ ] 9.3 Three\n- [ ] 9.4 Four\n",
            "- [ ] [P1] no id here: 负责人待定\n",
        ),
    );
    let seed = task(&p, "9.1");
    assert_eq!(seed.title, "Seed tenants（依赖 9.0）");
    assert_eq!(seed.priority, Some(Priority(0)));
    assert_eq!(ids(&p, &seed.deps), vec!["9.0"]);
    // Four inline dependency texts: three tasks, the parent (`after 9.1`) not being a
    // dependency of its own subtask.
    assert_eq!(ids(&p, &task(&p, "9.1.1").deps), vec!["9.2", "9.3", "9.4"]);
    assert_eq!(task(&p, "9.1.2").title, "owner TBD（可选，P2）");
    assert_eq!(task(&p, "9.1.2").priority, Some(Priority(2)));
    let no_id = p.tasks.iter().find(|t| t.derived_id).unwrap();
    assert_eq!(no_id.priority, Some(Priority(1)));
    let tbd: Vec<&str> = p.questions.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(tbd.len(), 2, "{tbd:?}");
}

#[test]
fn the_longest_word_a_legend_taught_wins() {
    let text = "状态图例：⬜ 待开发 / 🔄 待 / ✅ 已完成\n\n| ID | 任务 | 状态 |\n|---|---|---|\n| T1 | a | 待开发 |\n| T2 | b | 待 |\n";
    let p = plan::parse_str("PLAN.md", text);
    assert_eq!(task(&p, "T1").status, Status::Pending);
    assert_eq!(task(&p, "T2").status, Status::InProgress);
}

#[test]
fn day_numbered_ids_are_whole() {
    let p = plan::parse_str(
        "docs/plan.md",
        "# Plan\n\n## Day 1 — Foundations\n- [ ] **D1-01** (M) Monorepo skeleton · ~0.75h\n- [ ] **D1-02** (M) `.env.example` · ~0.5h\n  - Depends on: D1-01\n- [ ] T5-7 stays a short id\n",
    );
    let ids: Vec<&str> = p.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids[..2], ["D1-01", "D1-02"], "{ids:?}");
    assert_eq!(p.tasks[0].title, "(M) Monorepo skeleton · ~0.75h");
    assert_eq!(
        p.tasks[1].deps.as_slice(),
        [0],
        "the dependency names the whole id"
    );
}

#[test]
fn question_ids_are_never_handed_out_twice() {
    let text = format!(
        "# Plan\n\n## Open Questions\n{}- Another question?\n",
        "- Should invoices support several languages?\n".repeat(6)
    );
    let p = plan::parse_str("PLAN.md", &text);
    let ids: std::collections::BTreeSet<&str> = p.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        2,
        "one id per distinct question: {:?}",
        p.questions
    );
    // Every candidate length taken: still a free, short id.
    let mut used = std::collections::HashSet::new();
    for _ in 0..20 {
        let id = plan::question_id("Same text", &used);
        assert!(!used.contains(&id), "{id} handed out twice");
        assert!(id.len() <= 10, "{id}");
        used.insert(id);
    }
}

#[test]
fn a_status_word_in_code_after_the_id_says_more_than_an_empty_box() {
    let p = plan::parse_str(
        "docs/plan.md",
        "# Plan\n\n## Day 3\n- [ ] **D3-02** `WIP` (M) Pydantic output schemas · ~0.75h\n- [ ] **D3-03** `config.py` loader\n",
    );
    assert_eq!(p.tasks[0].status, Status::InProgress);
    assert_eq!(p.tasks[0].title, "(M) Pydantic output schemas · ~0.75h");
    assert_eq!(
        p.tasks[1].status,
        Status::Pending,
        "code that is no status word stays"
    );
    assert_eq!(p.tasks[1].title, "`config.py` loader");
}

/// Each task depends on the next one and on the first: every task closes a cycle.
/// The report describes the first cycles, each with a bounded list of names, and
/// counts the rest, so its size does not grow with the square of the plan.
#[test]
fn a_plan_full_of_cycles_gets_a_bounded_report() {
    let n = 4000;
    let mut text = String::from("# Fan\n\n## Track A — Cycles (P1)\n");
    for i in 1..=n {
        let next = if i == n { 1 } else { i + 1 };
        text.push_str(&format!(
            "- [ ] 1.{i} Step {i}\n  - Depends on: 1.{next}, 1.1\n"
        ));
    }
    let p = plan::parse_str("fan.md", &text);
    let cycles: Vec<&str> = p
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("dependency cycle"))
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(cycles.len(), 25, "24 described and one count: {cycles:?}");
    assert!(cycles[..24]
        .iter()
        .all(|m| m.starts_with("dependency cycle: 1.")));
    // The walk meets the longest cycle first (1.1 → … → 1.4000 → 1.1): it names
    // twelve tasks and counts the others.
    assert!(
        cycles[0].starts_with("dependency cycle: 1.1 → 1.2 → 1.3 → 1.4 → 1.5 → 1.6 → 1.7 → 1.8 → 1.9 → 1.10 → 1.11 → 1.12 → … 3988 more → 1.1 (lines 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, …)"),
        "{}",
        cycles[0]
    );
    let long = cycles[..24]
        .iter()
        .find(|m| m.contains("more → "))
        .expect("a long cycle is shortened");
    assert!(long.contains("… "), "{long}");
    assert!(
        cycles[24]
            .ends_with("more dependency cycles not listed; break the cycles above and check again"),
        "{}",
        cycles[24]
    );
    let total: usize = p.diagnostics.iter().map(|d| d.message.len()).sum();
    assert!(total < 20_000, "diagnostic text stays small: {total} bytes");
    // Every cycle is still an error, so the plan's status says so.
    assert!(p
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("dependency cycle"))
        .all(|d| d.severity == Severity::Error));
}

/// Two subtask blocks that list each other: the first one read attaches, the one that
/// would close the circle is refused with a warning at its line, and nothing is lost.
#[test]
fn subtask_blocks_naming_each_other_in_a_circle() {
    let text = "# Plan\n\n## Track A — Core（P0）\n\n**T1 子任务**：\n- [ ] T2 Parser\n\n**T2 子任务**：\n- [ ] T1 Reader\n- [ ] T3 Lexer\n";
    let p = plan::parse_str("PLAN.md", text);
    let (t1, t2, t3) = (task(&p, "T1"), task(&p, "T2"), task(&p, "T3"));
    assert_eq!(t2.parent.map(|x| p.tasks[x].id.0.as_str()), Some("T1"));
    assert_eq!(t1.parent, None, "T1 stays where it was");
    assert_eq!(t3.parent.map(|x| p.tasks[x].id.0.as_str()), Some("T2"));
    assert_eq!(
        diag_lines(
            &p,
            "subtask block of `T2` lists `T1`, which `T2` is already below"
        ),
        vec![(Severity::Warning, 8)]
    );
}

#[test]
fn tables_of_states_without_an_id_column_say_why_they_hold_no_task() {
    let p = fixture("progress_tables.md");
    assert!(
        p.tasks.is_empty(),
        "a table without an id column defines no tasks"
    );
    let said = said(&p);
    assert_eq!(
        said,
        [
            (11, "5 table rows carry states (已完成, 进行中, 未开始) but the table has no id column, so they are not read as tasks; give it an `ID`, `编号` or `#` column to track them"),
            (21, "3 table rows carry states (已完成, 未开始) but the table has no id column, so they are not read as tasks; give it an `ID`, `编号` or `#` column to track them"),
        ],
        "the dependency table carries no states and is not mentioned"
    );
    // With an id column, the rows are tasks and `开发状态` is their status column.
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/progress_tables.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
    .replace(
        "| 阶段 | 页面 | 关键文件 | 开发状态 |",
        "| 编号 | 页面 | 关键文件 | 开发状态 |",
    )
    .replace("| 1 | 首页", "| F1 | 首页")
    .replace("| 2 | 记一笔", "| F2 | 记一笔")
    .replace("| 2 | Reports", "| F3 | Reports");
    let p = plan::parse_str("progress_tables.md", &text);
    let got: Vec<(&str, Status)> = p.tasks.iter().map(|t| (t.id.as_str(), t.status)).collect();
    assert_eq!(
        got,
        [
            ("F1", Status::Done),
            ("F2", Status::Pending),
            ("F3", Status::Pending)
        ]
    );
    assert!(
        p.diagnostics.is_empty(),
        "a file with tasks is not told about its other tables: {:?}",
        p.diagnostics
    );
}

#[test]
fn prose_in_a_task_table_names_paths_only_where_they_look_like_paths() {
    let p = fixture("table_prose_paths.md");
    let touch = |id: &str| paths(&task(&p, id).touch_points);
    assert_eq!(touch("T01"), ["crates/feedback/src/log.rs"]);
    // `OTLP/gRPC`, `CI/CD`, `前端/后端` and a lone `/` are words, not files.
    assert_eq!(touch("T04"), Vec::<&str>::new());
    assert_eq!(touch("T05"), Vec::<&str>::new());
    assert_eq!(touch("T06"), Vec::<&str>::new());
    assert_eq!(touch("T07"), ["server/src/hooks/retry.ts"]);
    assert_eq!(
        task(&p, "T07").touch_points[0].range.as_deref(),
        Some("241-247")
    );
    assert_eq!(
        touch("T08"),
        ["docs/archive/2026-04-27/", "apps/web/routes"]
    );
}

#[test]
fn task_id_headings_are_tasks_with_their_status_and_dependency_lines() {
    let p = fixture("task_id_headings.md");
    assert_eq!(
        top_tasks(&p),
        [
            ("TASK-001", "Durable specs and baseline", Status::Done),
            (
                "TASK-002",
                "Scaffold, money invariants, smoke tests",
                Status::InProgress
            ),
            ("TASK-003", "导入银行流水 CSV", Status::Pending),
        ],
        "`Task-list hygiene` has no number: a section, not a task"
    );
    assert_eq!(ids(&p, &task(&p, "TASK-003").deps), ["TASK-002"]);
    assert_eq!(ids(&p, &task(&p, "TASK-002").deps), ["TASK-001"]);
}

#[test]
fn id_led_headings_with_field_lists_are_tasks() {
    let p = fixture("heading_field_tasks.md");
    let got: Vec<(&str, &str, Status, &str)> = p
        .tasks
        .iter()
        .map(|t| {
            let track = p.tracks[t.track].name.as_str();
            (t.id.as_str(), t.title.as_str(), t.status, track)
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "T0.1",
                "补齐 Qt 6.11.2 的 MSVC 基础组件",
                Status::Done,
                "阶段 0：环境"
            ),
            ("T0.2", "记录本机前缀", Status::Pending, "阶段 0：环境"),
            ("T1.1", "CMake 工程", Status::Pending, "阶段 1：工程骨架"),
            ("T1.2", "CMake 预设", Status::InProgress, "阶段 1：工程骨架"),
            // Under a numbered heading with a checklist, the checklist holds the tasks.
            (
                "1.4.1",
                "Write the installer script",
                Status::Pending,
                "Packaging checklist"
            ),
            (
                "1.4.2",
                "Sign the binaries",
                Status::Done,
                "Packaging checklist"
            ),
            // `1.5.1` is a task: its own list writes its state. `1.3` (prose under it)
            // and `1.5` (a list of remarks, then a deeper heading) are sections.
            ("1.5.1", "Deeper heading", Status::InProgress, "Open points"),
        ]
    );
    // The ids end with the first sentence: `可与 T1.2 一起完成` is a remark, kept.
    assert_eq!(ids(&p, &task(&p, "T0.2").deps), ["T0.1"]);
    assert!(task(&p, "T0.2")
        .notes
        .contains(&"depends on: T0.1。可与 T1.2 一起完成。".to_string()));
    assert_eq!(ids(&p, &task(&p, "T1.2").deps), ["T0.2", "T1.1"]);
    assert!(task(&p, "T0.1").deps.is_empty(), "`无。` is no dependency");
    assert_eq!(
        task(&p, "T0.1").dod.as_slice(),
        ["`lib/cmake/Qt6/Qt6Config.cmake` 存在。"]
    );
    assert_eq!(paths(&task(&p, "T1.2").touch_points), ["CMakePresets.json"]);
    assert!(
        said(&p).is_empty(),
        "no cycle through the remark, no unknown task: {:?}",
        said(&p)
    );
}

#[test]
fn japanese_trackers_read_their_columns_states_and_pauses() {
    let p = fixture("ja_tracker.md");
    let got: Vec<(&str, Status)> = p.tasks.iter().map(|t| (t.id.as_str(), t.status)).collect();
    assert_eq!(
        got,
        [
            ("M1", Status::InProgress),
            ("M2", Status::Done),
            ("M3", Status::Pending),
            ("M4", Status::Pending),
            ("M4.2", Status::Pending),
            ("M5", Status::Dropped),
            ("S1", Status::Pending),
            ("S2", Status::InProgress),
            ("S3", Status::Blocked),
            ("1.1", Status::InProgress),
        ]
    );
    assert_eq!(task(&p, "M1").title, "`normalizePath()` 監査");
    assert_eq!(ids(&p, &task(&p, "M4").deps), ["M2"]);
    assert_eq!(ids(&p, &task(&p, "1.1").deps), ["M2"]);
    assert_eq!(task(&p, "1.1").dod.as_slice(), ["`cargo test` が通る"]);
    assert_eq!(task(&p, "M5").notes, ["不要になった"]);
    assert_eq!(task(&p, "S1").priority, Some(Priority(2)));
    // The pause sign sets a task aside, whatever words follow it.
    let parked = shortlist::triage::parked(&p, &[]);
    let aside = |id: &str| parked.get(&p.find_tasks(id)[0]).map(String::as_str);
    assert_eq!(aside("M3"), Some("marked `⏸ 保留`"));
    assert_eq!(aside("M4.2"), Some("marked `⏸ post-release`"));
    assert_eq!(aside("M4"), None);
    assert!(said(&p).is_empty(), "{:?}", said(&p));
}

#[test]
fn tables_numbering_their_rows_again_get_ids_of_their_own() {
    let p = fixture("row_numbered_tables.md");
    assert_eq!(
        top_tasks(&p),
        [
            ("1", "Engine Util 整備", Status::Done),
            ("2", "ImGui → IRenderer 統合", Status::Done),
            ("3", "SceneHierarchyPanel", Status::InProgress),
            // `1` and `2` again: this table's row numbers.
            (
                "step-7-scripting#1",
                "Script base / IReflector",
                Status::Done
            ),
            (
                "step-7-scripting#2",
                "ScriptSystem update integration",
                Status::Pending
            ),
            // Numbers no table used yet stay ids.
            ("4", "Installer", Status::Pending),
            ("5", "Code signing", Status::Pending),
        ]
    );
    assert!(said(&p).is_empty(), "no duplicate ids: {:?}", said(&p));
}

#[test]
fn deferred_states_set_the_task_aside_instead_of_an_unknown_state() {
    let p = fixture("deferred_states.md");
    let parked = shortlist::triage::parked(&p, &[]);
    let aside = |id: &str| parked.get(&p.find_tasks(id)[0]).map(String::as_str);
    assert_eq!(aside("1.3"), Some("marked `⏸️ Deferred`"));
    assert_eq!(aside("1.4"), Some("marked `On hold`"));
    assert_eq!(aside("1.5"), Some("marked `暂缓`"));
    assert_eq!(aside("2.1"), Some("marked `Deferred until the v2 release`"));
    assert_eq!(aside("1.1"), None);
    assert_eq!(aside("1.2"), None);
    assert_eq!(task(&p, "1.3").status, Status::Pending);
    // A word the vocabulary does not know is still said.
    let said = said(&p);
    assert_eq!(
        said,
        [(
            12,
            "unknown status `Waiting on vendor` in table row; read as pending"
        )]
    );
}

#[test]
fn ranges_with_a_short_end_or_a_hyphen_name_every_task_between() {
    let p = fixture("agent_tracker.md");
    assert_eq!(
        ids(&p, &task(&p, "GOV-004").deps),
        ["GOV-001", "GOV-002", "GOV-003"]
    );
    assert_eq!(
        ids(&p, &task(&p, "GOV-005").deps),
        ["GOV-001", "GOV-002", "GOV-003", "GOV-004"]
    );
    assert_eq!(
        ids(&p, &task(&p, "TOOL-003").deps),
        ["TOOL-001", "TOOL-002"]
    );
    // Compound ids are named whole in a dependency cell.
    assert_eq!(
        ids(&p, &task(&p, "TOOL-PYTEST-CACHE-001").deps),
        ["UI-LANGUAGE-001"]
    );
    assert_eq!(ids(&p, &task(&p, "UI-LANGUAGE-001").deps), ["SEC-CSP-001"]);
    // A real typo is still said.
    assert_eq!(
        said(&p),
        [(19, "dependency on unknown task `GOV-009`: no task has this id; check for a typo or a renumbered task")]
    );
}

/// A list longer than the piece the reader hands over at a time reads as a short one
/// does: every item, in order, with its fields, under what the paragraph before the
/// list announced (subtasks of a task, acceptance criteria).
#[test]
fn long_lists_read_like_short_ones() {
    // (The reader hands a list over 16 items at a time.)
    let n = 53;
    let mut text = String::from("# 发布计划\n\n## Track A — Core（P0）\n\n");
    for i in 1..=n {
        text += &format!(
            "- [ ] 1.{i} Step {i}（依赖 1.{}）\n  - Touch points: `src/step{i}.rs`\n",
            i.max(2) - 1
        );
    }
    text += "\n## Track B — Parts\n\n- [x] T9 Parent\n\n**T9 子任务**：\n";
    for i in 1..=n {
        text += &format!("- [x] T9.{i} Part {i}\n");
    }
    text += "\n**验收标准**：\n";
    for i in 1..=n {
        text += &format!("- [ ] Criterion {i}\n");
    }
    let p = plan::parse_str("docs/plan.md", &text);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let steps: Vec<&plan::Task> = p
        .tasks
        .iter()
        .filter(|t| t.title.starts_with("Step"))
        .collect();
    assert_eq!(steps.len(), n);
    for (i, t) in steps.iter().enumerate() {
        let k = i + 1;
        assert_eq!(t.id.as_str(), format!("1.{k}"));
        assert_eq!(t.span.line as usize, 4 + 2 * k - 1);
        assert_eq!(paths(&t.touch_points), [format!("src/step{k}.rs")]);
        let want: Vec<String> = if k == 1 {
            vec![]
        } else {
            vec![format!("1.{}", k - 1)]
        };
        assert_eq!(ids(&p, &t.deps), want, "1.{k}");
    }
    let parent = p.find_tasks("T9")[0];
    let subtasks = ids(&p, &p.tasks[parent].subtasks);
    assert_eq!(subtasks.len(), n);
    assert_eq!(
        subtasks.last().map(String::as_str),
        Some(format!("T9.{n}").as_str())
    );
    let criteria: Vec<&str> = p.criteria.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(criteria.len(), n);
    assert_eq!(criteria[n - 1], format!("Criterion {n}"));
    assert!(p.tasks.iter().all(|t| !t.title.starts_with("Criterion")));
}

/// An id-led heading is a task when the list under it writes a task field, in any of its
/// items: a long checklist whose field comes last still makes one.
#[test]
fn an_id_led_heading_is_judged_by_its_whole_list() {
    let mut text = String::from(
        "# 计划\n\n## 阶段 0\n\n#### T0.1 准备环境\n\n- 状态：已完成\n\n#### T0.2 整理清单\n\n",
    );
    for i in 1..=30 {
        text += &format!("- [x] T0.2.{i} 第 {i} 项\n");
    }
    text += "- 前置：T0.1\n";
    let p = plan::parse_str("docs/plan.md", &text);
    let t02 = task(&p, "T0.2");
    assert_eq!(t02.title, "整理清单");
    assert_eq!(ids(&p, &t02.deps), ["T0.1"]);
    assert_eq!(t02.subtasks.len(), 30);
    assert_eq!(t02.status, Status::Done);
}
