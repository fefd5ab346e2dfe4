//! The triage over parsed plans: any bytes as a plan (in any format, the first byte
//! picking the file's place), then everything the triage computes from it — the
//! remaining work, what blocks what, conflicts, the shortlist with its reasons, and
//! the facts of every task and track. Nothing panics, the shortlist stays within its
//! sizes and offers only open, unblocked units.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shortlist::config::ShortlistSizes;
use shortlist::plan;
use shortlist::triage::conflicts::conflicts;
use shortlist::triage::shortlist::{shortlist, Exclusions};
use shortlist::triage::{blocked_in, remaining, DocGlobs};

const PATHS: &[&str] = &[
    "PLAN.md",
    "specs/001-x/tasks.md",
    ".kiro/specs/x/tasks.md",
    "backlog/tasks/task-1 - X.md",
    ".taskmaster/tasks/tasks.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let p = plan::parse_str(PATHS[usize::from(pick) % PATHS.len()], &text);
    let docs = DocGlobs::new(&["**/*.md".into()]);
    let rem = remaining(&p, &docs);
    let _ = conflicts(&p, &rem, &[]);
    let _ = blocked_in(&p, 0..p.tasks.len().min(64));
    let sizes = ShortlistSizes::default();
    let sl = shortlist(&p, &rem, &[], &sizes, &Exclusions::default());
    assert!(sl.candidates.len() <= sizes.max_candidates);
    for c in &sl.candidates {
        assert!(!p.is_all_closed(c.task), "offered a closed task");
        assert!(
            rem.blocked.get(&c.task).is_none_or(|b| b.is_empty()),
            "offered a blocked task"
        );
    }
});
