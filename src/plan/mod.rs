//! The plan engine: markdown plan texts → [`Plan`] (tracks, tasks, checkpoints, open
//! questions, criteria) with diagnostics. No IO: callers hand in the texts.

mod blocks;
mod build;
pub mod lexicon;
mod model;
mod resolve;

pub use model::*;
pub use resolve::{outside_repo, question_id, FileIndex};

/// One plan file's text, with its path relative to the repository root.
#[derive(Debug, Clone)]
pub struct PlanText {
    pub path: String,
    pub text: String,
}

/// Parse plan files into one plan. Never fails: what cannot be read becomes a
/// diagnostic. `files`, when given, is used to warn about touch points naming no file.
pub fn parse(texts: &[PlanText], files: Option<&dyn FileIndex>) -> Plan {
    let mut plan = Plan::default();
    // Reserve tasks once: growing a vector of large structs by doubling copies them and
    // touches twice the memory. Checkboxes and table rows bound the count well.
    let estimate: usize = texts
        .iter()
        .map(|t| {
            let b = t.text.as_bytes();
            b.iter().filter(|&&c| c == b'[').count() + b.windows(2).filter(|w| w == b"\n|").count()
        })
        .sum();
    plan.tasks.reserve(estimate);
    let mut deferred = build::Deferred::default();
    for (i, t) in texts.iter().enumerate() {
        plan.files.push(PlanFile {
            path: t.path.clone(),
            meta: Vec::new(),
        });
        let mut b = build::FileBuilder::new(&mut plan, &mut deferred, i);
        if t.text.len() >= PIPELINE_BYTES {
            pipelined(&t.text, &mut b);
        } else {
            blocks::parse_with(&t.text, |block| b.block(&block));
        }
    }
    resolve::finalize(&mut plan, deferred, files);
    plan
}

/// Files at least this large are read by two threads: one runs the markdown pass, the
/// other interprets blocks as they complete. Below it, a thread costs more than it saves.
const PIPELINE_BYTES: usize = 256 * 1024;

fn pipelined(text: &str, b: &mut build::FileBuilder) {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(64);
        // Read blocks come back to the reader to be freed there, off the busy thread.
        let (back_tx, back_rx) = std::sync::mpsc::channel::<blocks::Block>();
        let reader = scope.spawn(move || {
            // A closed receiver only means the builder stopped early; nothing to report.
            blocks::parse_with(text, |block| {
                let _ = tx.send(block);
            });
            drop(tx);
            for block in back_rx {
                drop(block);
            }
        });
        for block in rx {
            b.block(&block);
            let _ = back_tx.send(block);
        }
        drop(back_tx);
        // The reader never panics on input; if it did, the blocks it sent are kept.
        let _ = reader.join();
    });
}

/// Parse one markdown text (tests, benches, and "which files hold open tasks").
pub fn parse_str(path: &str, text: &str) -> Plan {
    parse(
        &[PlanText {
            path: path.to_string(),
            text: text.to_string(),
        }],
        None,
    )
}
