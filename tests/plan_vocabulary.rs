//! The vocabulary tables hold every word a plan can use for a field or a status, and
//! each word is recognised everywhere it can be written: a field label as a `Label: value`
//! line and as a table column header; a status as a checkbox or emoji leading a list
//! item, a table status cell, a `Status:` field and a milestone heading. The tests walk
//! every word of both tables, so a new word needs no other edit to be read in all these
//! places. (After them: the smaller shapes of the vocabulary, one by one.)

use shortlist::plan::vocabulary::*;
use shortlist::plan::{self, Plan, Priority, Status, Task};

fn task<'p>(p: &'p Plan, id: &str) -> &'p Task {
    let found = p.find_tasks(id);
    assert_eq!(found.len(), 1, "exactly one task `{id}` in {:#?}", p.tasks);
    &p.tasks[found[0]]
}

/// The label as a person might write it: first letter upper case.
fn written(label: &str) -> String {
    let mut c = label.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A value for `field`, and a check that task 1.1 of the plan took it.
fn sample(field: Field) -> (&'static str, fn(&Plan, &str)) {
    fn paths(v: &[plan::PathRef]) -> Vec<&str> {
        v.iter().map(|p| p.path.as_str()).collect()
    }
    match field {
        Field::Status => ("[~]", |p, w| {
            assert_eq!(task(p, "1.1").status, Status::InProgress, "{w}")
        }),
        Field::Priority => ("P2", |p, w| {
            assert_eq!(task(p, "1.1").priority, Some(Priority(2)), "{w}")
        }),
        Field::Depends => ("1.0", |p, w| {
            let deps: Vec<&str> = task(p, "1.1")
                .deps
                .iter()
                .map(|&d| p.tasks[d].id.as_str())
                .collect();
            assert_eq!(deps, ["1.0"], "{w}")
        }),
        Field::TouchPoints => ("`src/a.rs`", |p, w| {
            assert_eq!(paths(&task(p, "1.1").touch_points), ["src/a.rs"], "{w}")
        }),
        Field::AsBuilt => ("`src/a.rs`", |p, w| {
            assert_eq!(paths(&task(p, "1.1").as_built), ["src/a.rs"], "{w}")
        }),
        Field::References => ("`docs/a.md`", |p, w| {
            assert_eq!(paths(&task(p, "1.1").references), ["docs/a.md"], "{w}")
        }),
        Field::Dod => ("tests pass", |p, w| {
            assert_eq!(task(p, "1.1").dod.as_slice(), ["tests pass"], "{w}")
        }),
        Field::Background => ("one crate", |p, w| {
            assert_eq!(task(p, "1.1").background, ["one crate"], "{w}")
        }),
        Field::Notes => ("ask ops", |p, w| {
            assert!(task(p, "1.1").notes.iter().any(|n| n == "ask ops"), "{w}")
        }),
        Field::Title => ("Seed tenants", |p, w| {
            assert_eq!(task(p, "1.1").title, "Seed tenants", "{w}")
        }),
        Field::Requirements => ("1.2, 3.4", |p, w| {
            let reqs = task(p, "1.1")
                .extra
                .as_ref()
                .map(|e| e.requirements.clone());
            assert_eq!(
                reqs,
                Some(vec!["1.2".to_string(), "3.4".to_string()]),
                "{w}"
            )
        }),
        Field::Id | Field::Subtasks => ("", |_, _| {}),
    }
}

#[test]
fn every_field_word_names_its_column_in_a_table() {
    for (field, word) in FIELDS
        .iter()
        .flat_map(|&(f, ws)| ws.iter().map(move |&w| (f, w)))
    {
        let w = written(word);
        let p = match field {
            Field::Id => {
                let text = format!("| {w} | Task |\n|---|---|\n| 1.1 | Seed |\n");
                plan::parse_str("PLAN.md", &text)
            }
            Field::Title => {
                let text = format!("| ID | {w} |\n|---|---|\n| 1.1 | Seed tenants |\n");
                plan::parse_str("PLAN.md", &text)
            }
            // Subtasks are not a column's business; their rows are read as labels.
            Field::Subtasks => continue,
            _ => {
                let (value, _) = sample(field);
                let text = format!(
                    "- [ ] 1.0 Base\n\n| ID | Task | {w} |\n|---|---|---|\n| 1.1 | Seed tenants | {value} |\n"
                );
                plan::parse_str("PLAN.md", &text)
            }
        };
        match field {
            Field::Id => assert_eq!(task(&p, "1.1").title, "Seed", "{w}"),
            _ => (sample(field).1)(&p, &w),
        }
    }
}

#[test]
fn every_field_word_is_a_label_on_a_task_line() {
    for (field, word) in FIELDS
        .iter()
        .flat_map(|&(f, ws)| ws.iter().map(move |&w| (f, w)))
    {
        let w = written(word);
        match field {
            Field::Subtasks => {
                let text = format!("- [ ] 1.1 Seed\n  - {w}:\n    - 1.1.1 Tenants\n");
                let p = plan::parse_str("PLAN.md", &text);
                let sub = task(&p, "1.1.1");
                assert_eq!(sub.parent, Some(p.find_tasks("1.1")[0]), "{w}");
                // The same word after an id introduces a subtask block.
                let text = format!("- [ ] 1.1 Seed\n\n**1.1 {w}**：\n- [ ] 1.1.1 Tenants\n");
                let p = plan::parse_str("PLAN.md", &text);
                assert_eq!(
                    task(&p, "1.1.1").parent,
                    Some(p.find_tasks("1.1")[0]),
                    "{w}"
                );
            }
            // Id, title and notes name columns only: as a label the line stays a note.
            Field::Id | Field::Title | Field::Notes => {
                let text = format!("- [ ] 1.1 Seed tenants\n  - {w}: x\n");
                let p = plan::parse_str("PLAN.md", &text);
                assert_eq!(task(&p, "1.1").notes, [format!("{w}: x")], "{w}");
            }
            _ => {
                let (value, check) = sample(field);
                for colon in [":", "："] {
                    let text =
                        format!("- [ ] 1.0 Base\n- [ ] 1.1 Seed tenants\n  - {w}{colon} {value}\n");
                    check(&plan::parse_str("PLAN.md", &text), &w);
                    // A continuation line of the item reads the same.
                    let text =
                        format!("- [ ] 1.0 Base\n- [ ] 1.1 Seed tenants\n  {w}{colon} {value}\n");
                    check(&plan::parse_str("PLAN.md", &text), &w);
                }
                // A heading task's bullet fields too, bold as they often are.
                let text =
                    format!("- [ ] 1.0 Base\n\n## Task 1.1: Seed tenants\n* **{w}**: {value}\n");
                check(&plan::parse_str("PLAN.md", &text), &w);
            }
        }
    }
}

#[test]
fn every_status_word_is_read_in_cells_fields_and_milestones() {
    for (status, word) in STATUSES
        .iter()
        .flat_map(|&(s, ws)| ws.iter().map(move |&w| (s, w)))
    {
        let cell = format!("| ID | Task | Status |\n|---|---|---|\n| 1.1 | x | {word} |\n");
        let p = plan::parse_str("PLAN.md", &cell);
        assert_eq!(task(&p, "1.1").status, status, "`{word}` in a status cell");
        assert!(p.diagnostics.is_empty(), "`{word}`: {:?}", p.diagnostics);
        let field = format!("## Task 1.1: x\n* **Status**: {word}\n");
        let p = plan::parse_str("PLAN.md", &field);
        assert_eq!(task(&p, "1.1").status, status, "`{word}` in a Status field");
        // Upper case reads the same (`DONE`, `[X]`).
        let upper = cell.replace(word, &word.to_uppercase());
        let p = plan::parse_str("PLAN.md", &upper);
        assert_eq!(task(&p, "1.1").status, status, "`{word}` in upper case");
        if !word.contains(' ') {
            let milestone = format!("## Task 1.1: x ({word}, 2026-01-05)\n");
            let p = plan::parse_str("PLAN.md", &milestone);
            assert_eq!(
                task(&p, "1.1").status,
                status,
                "`{word}` in a milestone heading"
            );
        }
    }
}

#[test]
fn every_status_field_word_starts_a_legend_that_teaches_words() {
    let status_words = FIELDS
        .iter()
        .filter(|(f, _)| *f == Field::Status)
        .flat_map(|(_, ws)| ws.iter());
    for word in status_words {
        let text = format!(
            "{word}: ✅ 收尾 / 🚧 打磨中\n\n| ID | 任务 | 状态 |\n|---|---|---|\n| T1 | a | 收尾 |\n| T2 | b | 打磨中 |\n"
        );
        let p = plan::parse_str("PLAN.md", &text);
        assert_eq!(
            task(&p, "T1").status,
            Status::Done,
            "legend led by `{word}`"
        );
        assert_eq!(
            task(&p, "T2").status,
            Status::InProgress,
            "legend led by `{word}`"
        );
    }
    // Without two marks it is a sentence, not a legend: the words stay unknown.
    let p = plan::parse_str(
        "PLAN.md",
        "Status: ✅ 收尾 is what we say\n\n| ID | 任务 | 状态 |\n|---|---|---|\n| T1 | a | 收尾 |\n",
    );
    assert_eq!(task(&p, "T1").status, Status::Pending);
}

#[test]
fn every_tool_status_word_is_read_in_its_tools_files() {
    use shortlist::plan::{Format, PlanText};
    for &(format, status, keep, words) in TOOL_STATUSES {
        for word in words {
            let file = match format {
                Format::Taskmaster => PlanText::new(
                    ".taskmaster/tasks/tasks.json",
                    format!(
                        r#"{{"master": {{"tasks": [{{"id": 1, "title": "Ship it", "status": "{word}"}}]}}}}"#
                    ),
                ),
                Format::BacklogMd => PlanText::new(
                    "backlog/tasks/task-1 - Ship-it.md",
                    format!("---\nid: task-1\ntitle: Ship it\nstatus: {word}\n---\n"),
                ),
                Format::Bmad => PlanText::new(
                    "docs/sprint-status.yaml",
                    format!("development_status:\n  epic-1: in-progress\n  1-1-ship-it: {word}\n"),
                ),
                other => panic!("no sample file for {other:?}"),
            };
            let p = plan::parse(&[file], None);
            assert_eq!(p.tasks.len(), 1, "{format:?} `{word}`");
            assert_eq!(p.tasks[0].status, status, "{format:?} `{word}`");
            assert!(
                p.diagnostics.is_empty(),
                "{format:?} `{word}`: {:?}",
                p.diagnostics
            );
            if keep {
                assert!(
                    p.tasks[0].notes.contains(&format!("status: {word}")),
                    "{format:?} `{word}` kept"
                );
            }
        }
    }
}

#[test]
fn every_status_mark_leads_a_list_item_and_words_do_not() {
    for (status, word) in STATUSES
        .iter()
        .flat_map(|&(s, ws)| ws.iter().map(move |&w| (s, w)))
    {
        let p = plan::parse_str("PLAN.md", &format!("- {word} 1.1 Seed\n"));
        if word.starts_with(char::is_alphanumeric) {
            // `- done 1.1 …` is prose, not a task.
            assert!(p.tasks.is_empty(), "`{word}` made a task");
            continue;
        }
        assert_eq!(task(&p, "1.1").status, status, "`{word}` leading an item");
        assert_eq!(task(&p, "1.1").title, "Seed", "`{word}`");
        // And as the state of an acceptance criterion.
        let p = plan::parse_str("PLAN.md", &format!("## Acceptance\n- {word} Seeded\n"));
        assert_eq!(
            p.criteria[0].status,
            Some(status),
            "`{word}` on a criterion"
        );
        assert_eq!(p.criteria[0].text, "Seeded");
    }
}

/// The words that used to be read in one place only: `blocked by` and `touches` were
/// labels but not headers, `state` and `prio` headers but not labels.
#[test]
fn labels_and_headers_no_longer_disagree() {
    let table = "- [ ] 1.0 Base\n\n| ID | Task | State | Prio | Blocked by | Touches |\n|---|---|---|---|---|---|\n| 1.1 | x | 🚧 | P1 | 1.0 | `src/a.rs` |\n";
    let lines = "- [ ] 1.0 Base\n- [ ] 1.1 x\n  - State: 🚧\n  - Prio: P1\n  - Blocked by: 1.0\n  - Touches: `src/a.rs`\n";
    for text in [table, lines] {
        let p = plan::parse_str("PLAN.md", text);
        let t = task(&p, "1.1");
        assert_eq!(t.status, Status::InProgress);
        assert_eq!(t.priority, Some(Priority(1)));
        assert_eq!(t.deps.to_vec(), p.find_tasks("1.0"));
        assert_eq!(t.touch_points[0].path, "src/a.rs");
    }
}

/// Labels are compared whole, however long: no buffer cuts them short.
#[test]
fn a_long_label_is_recognised() {
    let long = "Implementation entry points";
    assert!(long.len() > 24);
    assert!(FIELDS
        .iter()
        .any(|(_, ws)| ws.iter().any(|w| w.eq_ignore_ascii_case(long))));
    let p = plan::parse_str(
        "PLAN.md",
        &format!("- [ ] 1.1 Seed\n  - {long}（入口）：`src/seed.rs`\n"),
    );
    assert_eq!(task(&p, "1.1").as_built[0].path, "src/seed.rs");
    // A long text before a colon that is no label stays a note.
    let p = plan::parse_str(
        "PLAN.md",
        "- [ ] 1.1 Seed\n  - Implementation entry points and more: `src/seed.rs`\n",
    );
    assert!(task(&p, "1.1").as_built.is_empty());
    assert_eq!(task(&p, "1.1").notes.len(), 1);
}

// ------------------------------------------------------------ the words one by one

#[test]
fn ids_at_start() {
    assert_eq!(leading_id("5.2.1 Seed"), Some(("5.2.1", "Seed")));
    assert_eq!(leading_id("T4.6.3.1 烘烤"), Some(("T4.6.3.1", "烘烤")));
    assert_eq!(leading_id("WP-3: Billing"), Some(("WP-3", "Billing")));
    assert_eq!(leading_id("3 retries"), None);
    assert_eq!(leading_id("3. retries"), Some(("3", "retries")));
    assert_eq!(leading_id("P0 fix"), None);
    assert_eq!(leading_id("Seed tenants"), None);
    assert_eq!(leading_id("5.2.1a x"), None);
    // Longer and compound prefixes, joined to the number by `-`.
    assert_eq!(leading_id("GUARD-001 Lock"), Some(("GUARD-001", "Lock")));
    assert_eq!(
        leading_id("UI-LANGUAGE-001: Copy"),
        Some(("UI-LANGUAGE-001", "Copy"))
    );
    assert_eq!(leading_id("PHASE2 plan"), None, "a long word needs its `-`");
    assert_eq!(leading_id("WORK-IN-PROGRESS notes"), None);
    let shout = format!("{}-1 x", "A-".repeat(20) + "B");
    assert_eq!(
        leading_id(&shout),
        None,
        "a prefix past 24 bytes is not an id"
    );
}

#[test]
fn id_lists_and_ranges() {
    let l = id_list("5.2.1~5.2.4 + 5.4.1-5.4.3、T1, WP-3");
    assert_eq!(
        l,
        vec![
            ("5.2.1", Some("5.2.4")),
            ("5.4.1", Some("5.4.3")),
            ("T1", None),
            ("WP-3", None)
        ]
    );
    assert_eq!(id_list("2.1.2-4"), vec![("2.1.2", Some("4"))]);
    assert_eq!(expand_short_end("2.1.2", "4"), "2.1.4");
    assert_eq!(id_list("5.2.1 – 5.2.3")[0].1, Some("5.2.3"));
    // A number alone at the end takes the first id's prefix, whatever joins it.
    assert_eq!(id_list("GOV-001–003"), vec![("GOV-001", Some("003"))]);
    assert_eq!(expand_short_end("GOV-001", "003"), "GOV-003");
    assert_eq!(expand_short_end("T02", "07"), "T07");
    assert_eq!(expand_short_end("5", "7"), "7");
    assert_eq!(expand_short_end("T1.1", "T1.4"), "T1.4");
    // `INV-001-008` is one id to the lexer; read as a range only when it names no task.
    assert_eq!(
        hyphen_range("INV-001-008"),
        Some(("INV-001", "INV-008".to_string()))
    );
    assert_eq!(
        hyphen_range("BASE-001-2"),
        None,
        "numbers of different widths"
    );
    assert_eq!(hyphen_range("WP-3"), None);
}

#[test]
fn fields() {
    assert_eq!(
        split_field("As-built（实现入口）：`a.ts`"),
        Some((Field::AsBuilt, "`a.ts`"))
    );
    assert_eq!(split_field("依赖: 5.1"), Some((Field::Depends, "5.1")));
    assert_eq!(split_field("Seed: tenants"), None);
    // Any case, leading spaces, full-width colon; the colon's offset in the text.
    assert_eq!(
        split_field_at("  TOUCH POINTS：`a.ts`"),
        Some((Field::TouchPoints, "`a.ts`", 14))
    );
    // A character whose UTF-8 ends like `：` (EF BC 9A) is not a colon: `皚` is
    // E7 9A 9A.
    assert_eq!(split_field("皚 note"), None);
    assert_eq!(split_field("DoD：皚"), Some((Field::Dod, "皚")));
    assert_eq!(split_field("ＤｏＤ：x"), None);
    let long = format!("{}: x", "说".repeat(41));
    assert_eq!(split_field(&long), None);
    assert_eq!(
        split_field(&format!("{}{}: ok", "dod", " ".repeat(45))),
        Some((Field::Dod, "ok"))
    );
    assert_eq!(split_field("（note）：x"), None);
    assert_eq!(split_field(":"), None);
    // Column-only fields are not labels: such a line stays a note.
    assert_eq!(split_field("Notes: x"), None);
    assert_eq!(field_of("**备注**"), Some(Field::Notes));
}

#[test]
fn statuses_longest_row_wins() {
    assert_eq!(status_word("已完成 (x)"), Some((Status::Done, "(x)")));
    assert_eq!(status_word("☑️ ok"), Some((Status::Done, "ok")));
    assert_eq!(status_word("doneness"), None);
    assert_eq!(status_word("Completed"), Some((Status::Done, "")));
    assert_eq!(status_mark("[X] 1 a"), Some((Status::Done, "1 a", true)));
    assert_eq!(status_mark("✅ 1 a"), Some((Status::Done, "1 a", false)));
    // Words at the start of a bullet are prose.
    assert_eq!(status_mark("完成 1 a"), None);
    assert_eq!(status_mark("done 1 a"), None);
    assert_eq!(status_exact("IN_PROGRESS"), Some(Status::InProgress));
}

#[test]
fn tbd_as_a_word() {
    assert!(has_tbd("owner TBD"));
    assert!(has_tbd("TBD"));
    assert!(has_tbd("(TBD)"));
    assert!(has_tbd("负责人待定"));
    assert!(has_tbd("接口待确认"));
    assert!(!has_tbd("TBDX"));
    assert!(!has_tbd("xTBD"));
    assert!(!has_tbd("待办"));
    assert!(!has_tbd("TB"));
}

#[test]
fn paths_vs_mentions() {
    assert!(as_path("server/src/billing/*").is_some());
    assert!(as_path("user_docs/").is_some());
    assert!(as_path("README.md").is_some());
    assert_eq!(
        as_path("src/a.ts:241-247"),
        Some(("src/a.ts".into(), Some("241-247".into())))
    );
    assert!(as_path("bun run db:seed").is_none());
    assert!(as_path("DataCollectionSpec").is_none());
    assert!(as_path("db:seed").is_none());
    assert!(as_path("v1.2").is_none());
    // Any space, ASCII or not, makes it a command or prose.
    assert!(as_path("src/a b.ts").is_none());
    assert!(as_path("src/a\u{3000}b.ts").is_none());
    assert!(as_path("src/a\u{0b}b.ts").is_none());
    assert_eq!(as_path("文档/设计.md"), Some(("文档/设计.md".into(), None)));
    assert_eq!(
        as_path("/etc/x:1:2"),
        Some(("/etc/x:1".into(), Some("2".into())))
    );
    assert!(as_path("a:b/c.ts:3").is_none());
    assert!(as_path(".env").is_some());
    assert!(as_path("..").is_none());
    assert!(as_path("f(x).ts").is_none());
}

#[test]
fn groups() {
    let t = "Readiness 配置（DB + API） (可选，P1)";
    let (rest, g) = trailing_groups(t);
    assert_eq!(rest, "Readiness 配置");
    let inner: Vec<&str> = g.iter().map(|g| g.inner).collect();
    assert_eq!(inner, vec!["DB + API", "可选，P1"]);
    assert_eq!(
        without_groups(t, &g, |i| find_priority(i).is_some()),
        "Readiness 配置（DB + API）"
    );
}

#[test]
fn inline_deps() {
    assert_eq!(
        inline_dependency_texts("Seed invoices（依赖 5.1.2）"),
        vec!["5.1.2"]
    );
    assert_eq!(
        inline_dependency_texts("x (depends on 5.1.2, 5.1.3)"),
        vec!["5.1.2, 5.1.3"]
    );
    assert!(inline_dependency_texts("after lunch").is_empty());
    // English cues start a word and take any case; Chinese ones stand anywhere.
    assert!(inline_dependency_texts("rafter 5.1.2").is_empty());
    assert_eq!(inline_dependency_texts("Blocked By: 3.1; x"), vec!["3.1"]);
    assert_eq!(
        inline_dependency_texts("部署需要先完成 T2.1。"),
        vec!["T2.1"]
    );
    assert_eq!(
        inline_dependency_texts("A (after 1.2) B（前置：`2.3`）"),
        vec!["1.2", "`2.3`"]
    );
}

#[test]
fn parking_marks_in_titles() {
    assert_eq!(parked_mark("Stake 插件下单（暂缓）"), Some("暂缓"));
    assert_eq!(
        parked_mark("`POST /roles`（暂缓，DB 迁移时实现）"),
        Some("暂缓，DB 迁移时实现")
    );
    assert_eq!(
        parked_mark("🔴 排队 2（暂缓） — AI provider 抽象（约 1–2 小时）"),
        Some("暂缓")
    );
    assert_eq!(parked_mark("【搁置】旧导出格式"), Some("搁置"));
    assert_eq!(parked_mark("macOS capture — 後日実装"), Some("後日実装"));
    assert_eq!(
        parked_mark("Old export [Deferred until v2]"),
        Some("Deferred until v2")
    );
    assert_eq!(parked_mark("Lighting (deferred rendering)"), None);
    assert_eq!(parked_mark("番茄钟（暂停/继续）"), None);
    // An opener with no closer, then a group that closes.
    assert_eq!(parked_mark("(暂 notes (deferred)"), Some("deferred"));
    assert_eq!(
        parked_mark(&"(暂".repeat(50_000)),
        None,
        "openers only: nothing closes"
    );
}
