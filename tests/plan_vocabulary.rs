//! The vocabulary tables hold every word a plan can use for a field or a status, and
//! each row is recognised everywhere it can be written: a field label as a `Label: value`
//! line and as a table column header; a status as a checkbox or emoji leading a list
//! item, a table status cell, a `Status:` field and a milestone heading. The tests walk
//! every row, so a new row needs no other edit to be read in all these places.

use shortlist::plan::vocabulary::{Field, FIELDS, STATUSES};
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
            assert_eq!(task(p, "1.1").dod, ["tests pass"], "{w}")
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
        Field::Id | Field::Subtasks => ("", |_, _| {}),
    }
}

#[test]
fn every_field_word_names_its_column_in_a_table() {
    for &(word, field) in FIELDS {
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
    for &(word, field) in FIELDS {
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
    for &(word, status) in STATUSES {
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
fn every_status_mark_leads_a_list_item_and_words_do_not() {
    for &(word, status) in STATUSES {
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
        assert_eq!(t.deps, p.find_tasks("1.0"));
        assert_eq!(t.touch_points[0].path, "src/a.rs");
    }
}

/// Labels are compared whole, however long: no buffer cuts them short.
#[test]
fn a_long_label_is_recognised() {
    let long = "Implementation entry points";
    assert!(long.len() > 24);
    assert!(FIELDS.iter().any(|(w, _)| w.eq_ignore_ascii_case(long)));
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
