//! Arbitrary bytes read by each reader: the first byte picks the file's place (and so
//! its format: plain markdown, Spec Kit, Kiro, OpenSpec, GSD, Backlog.md front matter,
//! BMAD YAML, Taskmaster JSON), the rest is its text. No reader panics, every link
//! points inside the plan, and the triage runs on what was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shortlist::plan;
use shortlist::triage::{conflicts::conflicts, remaining, DocGlobs};

const PATHS: &[&str] = &[
    "PLAN.md",
    "specs/001-x/tasks.md",
    ".kiro/specs/x/tasks.md",
    "openspec/changes/x/tasks.md",
    "openspec/changes/archive/x/tasks.md",
    ".planning/ROADMAP.md",
    "backlog/tasks/task-1 - X.md",
    "backlog/completed/task-2 - Y.md",
    "docs/sprint-status.yaml",
    ".taskmaster/tasks/tasks.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(pick) % PATHS.len()];
    let text = String::from_utf8_lossy(rest);
    // Two files of the format, so that ids meet across files (Backlog.md parents and
    // dependencies, duplicate ids).
    let other = format!("other/{path}");
    let p = plan::parse(
        &[
            plan::PlanText::new(path, text.as_ref()),
            plan::PlanText::new(other, text.as_ref()),
        ],
        None,
    );
    let n = p.tasks.len();
    let lines = text.split('\n').count() as u32;
    for (i, t) in p.tasks.iter().enumerate() {
        assert!(t.parent.is_none_or(|x| x < n && x != i));
        assert!(t.subtasks.iter().all(|&c| c < n && p.tasks[c].parent == Some(i)));
        assert!(t.deps.iter().all(|&d| d < n && d != i));
        assert!(t.track < p.tracks.len());
        assert!(t.span.line >= 1 && t.span.line <= lines);
    }
    for d in &p.diagnostics {
        assert!(d.line <= lines);
    }
    let docs = DocGlobs::new(&["**/*.md".into()]);
    let rem = remaining(&p, &docs);
    let _ = conflicts(&p, &rem, &[]);
});
