//! Arbitrary bytes as YAML plans: Backlog.md task files (front matter, body with
//! criteria and sub-task headings) and a BMAD sprint status. Neither reader panics,
//! links stay inside the plan, lines stay inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shortlist::plan;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').count() as u32;
    let p = plan::parse(
        &[
            plan::PlanText::new("backlog/tasks/task-1 - A.md", text.as_ref()),
            // A second file with the same text: ids and parents meet across files.
            plan::PlanText::new("backlog/completed/task-2 - B.md", text.as_ref()),
            plan::PlanText::new("docs/sprint-status.yaml", text.as_ref()),
        ],
        None,
    );
    let n = p.tasks.len();
    for (i, t) in p.tasks.iter().enumerate() {
        assert!(t.parent.is_none_or(|x| x < n && x != i));
        assert!(t.deps.iter().all(|&d| d < n && d != i));
        assert!(t.span.line >= 1 && t.span.line <= lines);
    }
    assert!(p.diagnostics.iter().all(|d| d.line <= lines));
});
