//! Arbitrary bytes as a plan file: the parser and the triage never panic, and every
//! task's links point inside the plan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shortlist::plan;
use shortlist::triage::{conflicts::conflicts, remaining, DocGlobs};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let p = plan::parse_str("PLAN.md", &text);
    let n = p.tasks.len();
    for (i, t) in p.tasks.iter().enumerate() {
        assert!(t.parent.is_none_or(|x| x < n && x != i));
        assert!(t.subtasks.iter().all(|&c| c < n && p.tasks[c].parent == Some(i)));
        assert!(t.deps.iter().all(|&d| d < n && d != i));
        assert!(t.track < p.tracks.len());
    }
    let docs = DocGlobs::new(&["**/*.md".into()]);
    let rem = remaining(&p, &docs);
    let _ = conflicts(&p, &rem, &[]);
});
