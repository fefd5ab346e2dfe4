//! Large plans are read in pieces on two threads. Whatever the text, the plan must be
//! the one a whole, one-thread reading gives: same tasks, fields, lines, diagnostics.

use shortlist::plan::{parse, parse_whole, Plan, PlanText};

#[path = "../benches/support/gen_plan.rs"]
mod gen_plan;

fn text(path: &str, text: String) -> PlanText {
    PlanText {
        path: path.to_string(),
        text,
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Both readings, compared in full; returns the plan.
fn same_either_way(texts: &[PlanText]) -> Plan {
    let whole = parse_whole(texts, None);
    let pieces = parse(texts, None);
    let (a, b) = (format!("{whole:#?}"), format!("{pieces:#?}"));
    if a != b {
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "the two readings differ from debug line {line}:\nwhole:  {:?}\npieces: {:?}",
            a.lines().nth(line),
            b.lines().nth(line)
        );
    }
    pieces
}

#[test]
fn the_generated_2mb_plan_reads_the_same_in_pieces() {
    let plan = same_either_way(&[text(
        "docs/plan/phase9.md",
        gen_plan::plan(5_000, 2_000_000),
    )]);
    assert_eq!(plan.tasks.len(), 12_500);
    // A task deep in the file keeps its own line number.
    let last = plan.tasks.last().unwrap();
    assert_eq!(last.id.0, "9.50.100.2");
    assert!(last.span.line > 25_000, "line {}", last.span.line);
}

#[test]
fn every_fixture_repeated_reads_the_same_in_pieces() {
    // Each fixture many times over (ids repeat, so duplicates are reported: the same
    // diagnostics either way), well past the size where the text is cut.
    let mut all = String::new();
    for round in 0..100 {
        for name in [
            "phase5.md",
            "table_plan.md",
            "heading_tasks.md",
            "diagnostics.md",
            "finished.md",
        ] {
            all.push_str(&fixture(name));
            all.push_str(&format!("\n\n## Round {round} of {name}\n\nText.\n\n"));
        }
    }
    assert!(all.len() > 600_000, "{} bytes", all.len());
    let plan = same_either_way(&[text("plan/all.md", all)]);
    assert!(plan.tasks.len() > 1_000);
}

#[test]
fn code_and_comments_that_hold_headings_are_never_cut_apart() {
    // Headings after blank lines inside fences and an HTML comment: a line scan could
    // take them for places to cut. The tasks inside must stay code.
    let mut s = String::from("# Plan\n\n");
    for i in 0..400 {
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
        s.push_str(&"说明文字，填充。 ".repeat(40));
        s.push_str("\n\n");
    }
    assert!(s.len() > 300_000);
    let plan = same_either_way(&[text("PLAN.md", s)]);
    for t in &plan.tasks {
        assert!(
            !t.title.contains("not a task"),
            "{} at line {} came out of code",
            t.title,
            t.span.line
        );
    }
    assert!(plan.tasks.iter().any(|t| t.id.0 == "399.1"));
}

#[test]
fn an_unclosed_fence_falls_back_to_a_whole_reading() {
    // A fence left open swallows the rest of the file: cut before it closed, the pieces
    // after it would be read as plan. The result must still be the whole reading's.
    let mut s = String::from("# Plan\n\n");
    for i in 0..200 {
        s.push_str(&format!(
            "## Part {i}\n\n- [ ] {i}.1 Task {i}\n{}\n\n",
            "填充 ".repeat(300)
        ));
        if i == 50 {
            // Indented four spaces, the last line is code, not the fence's end: the
            // fence stays open (a line scan may think it closed and cut after it).
            s.push_str("```\nopen fence\n    ```\n\n");
        }
    }
    let plan = same_either_way(&[text("PLAN.md", s)]);
    assert_eq!(plan.tasks.len(), 51, "tasks after the open fence are code");
}

#[test]
fn several_large_files_keep_their_own_lines_and_order() {
    let a = gen_plan::plan(1_500, 500_000);
    let b = gen_plan::plan(1_000, 400_000).replace("9.", "8.");
    let plan = same_either_way(&[text("plan/a.md", a), text("plan/b.md", b)]);
    let first_of_b = plan.tasks.iter().find(|t| t.span.file == 1).unwrap();
    assert_eq!(first_of_b.id.0, "8.1.1");
    assert!(first_of_b.span.line < 40);
}

#[test]
fn link_definitions_keep_a_file_whole_and_the_same() {
    let mut s = gen_plan::plan(1_000, 400_000);
    s.push_str("\n[spec]: https://example.com/spec\n");
    s.push_str("\n## Late\n\n- [ ] 99.1 See [spec] for details\n");
    let plan = same_either_way(&[text("PLAN.md", s)]);
    let t = plan.tasks.iter().find(|t| t.id.0 == "99.1").unwrap();
    assert_eq!(t.title, "See spec for details");
}
