//! Arbitrary bytes as a Taskmaster `tasks.json`: the reader never panics, every task's
//! line is inside the file, links stay inside the plan, and the triage runs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shortlist::plan;
use shortlist::triage::{remaining, DocGlobs};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').count() as u32;
    let p = plan::parse_str(".taskmaster/tasks/tasks.json", &text);
    let n = p.tasks.len();
    for (i, t) in p.tasks.iter().enumerate() {
        assert!(t.parent.is_none_or(|x| x < n && x != i));
        assert!(t.subtasks.iter().all(|&c| c < n && p.tasks[c].parent == Some(i)));
        assert!(t.deps.iter().all(|&d| d < n && d != i));
        assert!(t.span.line >= 1 && t.span.line <= lines);
    }
    let _ = remaining(&p, &DocGlobs::new(&[]));
});
