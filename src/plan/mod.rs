//! The plan engine: markdown plan texts → [`Plan`] (tracks, tasks, checkpoints, open
//! questions, criteria) with diagnostics. No IO: callers hand in the texts.

mod blocks;
mod build;
mod diff;
pub mod lexicon;
mod model;
mod resolve;

pub use diff::{diff, EventKind, TaskChange};
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
///
/// Large plans are read on two threads: the texts are cut into pieces at top-level
/// headings; a helper turns pieces into blocks ahead of the builder, which takes each
/// piece in order (reading it itself when the helper has not claimed it yet). The
/// blocks, and so the plan, are the same as when read whole.
pub fn parse(texts: &[PlanText], files: Option<&dyn FileIndex>) -> Plan {
    let total: usize = texts.iter().map(|t| t.text.len()).sum();
    // (Asking for the cores reads cgroup files: only for large plans.)
    if total >= PARALLEL_FROM && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        if let Some(plan) = parse_pieces(texts, files) {
            return plan;
        }
    }
    parse_whole(texts, files)
}

/// [`parse`] on one thread, each text read whole. Same result; tests compare the two.
pub fn parse_whole(texts: &[PlanText], files: Option<&dyn FileIndex>) -> Plan {
    let (mut plan, mut deferred) = start(texts);
    for (i, t) in texts.iter().enumerate() {
        let mut b = build::FileBuilder::new(&mut plan, &mut deferred, i);
        blocks::parse_with(&t.text, |block| b.block(&block));
    }
    resolve::finalize(&mut plan, deferred, files);
    plan
}

/// Below this many bytes a second thread costs more than it saves.
const PARALLEL_FROM: usize = 256 * 1024;
/// Pieces are at least this long (a few dozen for a 2 MB plan).
const PIECE_BYTES: usize = 48 * 1024;

fn start(texts: &[PlanText]) -> (Plan, build::Deferred) {
    let mut plan = Plan::default();
    // Reserve tasks once: growing a vector of large structs by doubling copies them.
    // Plans run about one task per 100–200 bytes.
    plan.tasks
        .reserve(texts.iter().map(|t| t.text.len() / 128).sum::<usize>());
    plan.files = texts
        .iter()
        .map(|t| PlanFile {
            path: t.path.clone(),
            meta: Vec::new(),
        })
        .collect();
    (plan, build::Deferred::default())
}

#[derive(Clone, Copy)]
struct Piece<'a> {
    file: usize,
    text: &'a str,
    first_line: u32,
    /// The last piece of its file (its end is the file's end).
    last: bool,
}

/// A piece read by the helper: its blocks and whether it ended on a block boundary.
type Read<'a> = (blocks::Tree<'a>, bool);

/// What the builder and the helper share: the pieces after the first (once the helper
/// has cut them), the pieces the helper has read, and whether it has stopped reading.
struct Shared<'a> {
    rest: Option<Vec<Piece<'a>>>,
    read: Vec<Option<Read<'a>>>,
    stopped: bool,
}

/// The two-thread reading of [`parse`]; `None` when a piece did not end on a block
/// boundary after all (the caller then reads the texts whole).
fn parse_pieces(texts: &[PlanText], files: Option<&dyn FileIndex>) -> Option<Plan> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{mpsc, Condvar, Mutex};

    // Only the first cut is found here: the helper cuts the rest while the builder
    // reads the first piece.
    let text0 = texts.first()?.text.as_str();
    let cut0 = if blocks::cuttable(text0, PIECE_BYTES) {
        blocks::cut_points_from(text0, (0, 1), PIECE_BYTES, 1)
            .first()
            .copied()
    } else {
        None
    };
    let first = Piece {
        file: 0,
        text: &text0[..cut0.map_or(text0.len(), |c| c.0)],
        first_line: 1,
        last: cut0.is_none(),
    };
    let cut_rest = || {
        let mut pieces = Vec::new();
        let mut add = |file: usize, from: (usize, u32)| {
            let t = texts[file].text.as_str();
            let cuts = if from.0 > 0 || blocks::cuttable(t, PIECE_BYTES) {
                blocks::cut_points_from(t, from, PIECE_BYTES, usize::MAX)
            } else {
                Vec::new()
            };
            let mut from = from;
            for &cut in cuts.iter().chain(std::iter::once(&(t.len(), 0))) {
                pieces.push(Piece {
                    file,
                    text: &t[from.0..cut.0],
                    first_line: from.1,
                    last: cut.0 == t.len(),
                });
                from = cut;
            }
        };
        if let Some(c) = cut0 {
            add(0, c);
        }
        (1..texts.len()).for_each(|f| add(f, (0, 1)));
        pieces
    };

    // The next piece nobody has claimed (the builder has the first); the builder
    // claims a piece by moving it on.
    let next = AtomicUsize::new(1);
    let stop = AtomicBool::new(false);
    let shared = Mutex::new(Shared {
        rest: None,
        read: Vec::new(),
        stopped: false,
    });
    let ready = Condvar::new();
    // Trees the builder is done with go back to the helper, which reads the next pieces
    // into them (their vectors are already grown) and frees the rest at the end.
    let (spent, spent_rx) = mpsc::channel::<blocks::Tree>();

    std::thread::scope(|scope| {
        scope.spawn(|| {
            {
                // Tell the builder the helper stopped, however it stops.
                let _done = Done(&shared, &ready);
                let rest = cut_rest();
                if let Ok(mut s) = shared.lock() {
                    s.read = (0..=rest.len()).map(|_| None).collect();
                    s.rest = Some(rest.clone());
                }
                ready.notify_all();
                while !stop.load(Ordering::Relaxed) {
                    let j = next.fetch_add(1, Ordering::AcqRel);
                    let Some(p) = j.checked_sub(1).and_then(|k| rest.get(k)) else {
                        break;
                    };
                    let mut tree = spent_rx.try_recv().unwrap_or_default();
                    let clean = blocks::parse_piece_into(p.text, p.first_line, &mut tree);
                    if let Ok(mut s) = shared.lock() {
                        s.read[j] = Some((tree, clean));
                    }
                    ready.notify_all();
                }
            }
            spent_rx.into_iter().for_each(drop);
        });

        let build = || {
            let (mut plan, mut deferred) = start(texts);
            let mut pieces = vec![first];
            let mut known = false;
            let mut i = 0;
            while i < pieces.len() {
                let file = pieces[i].file;
                let mut b = build::FileBuilder::new(&mut plan, &mut deferred, file);
                while i < pieces.len() && pieces[i].file == file {
                    let p = pieces[i];
                    let claimed = i == 0
                        || next
                            .compare_exchange(i, i + 1, Ordering::AcqRel, Ordering::Acquire)
                            .is_ok();
                    let clean = if claimed {
                        blocks::parse_piece(p.text, p.first_line, |block| b.block(&block))
                    } else {
                        // `None` when the helper stopped without it (a bug): read whole.
                        let (tree, clean) = wait_for(&shared, &ready, |s| s.read[i].take())?;
                        tree.top_blocks().iter().for_each(|block| b.block(&block));
                        let _ = spent.send(tree);
                        clean
                    };
                    if !clean && !p.last {
                        return None;
                    }
                    i += 1;
                    if i == pieces.len() && !known {
                        pieces.extend(wait_for(&shared, &ready, |s| s.rest.clone())?);
                        known = true;
                    }
                }
            }
            Some((plan, deferred))
        };
        let built = build();
        // Whatever happened, let the helper go: no more pieces, no more blocks to free.
        stop.store(true, Ordering::Relaxed);
        drop(spent);
        let (mut plan, deferred) = built?;
        resolve::finalize(&mut plan, deferred, files);
        Some(plan)
    })
}

/// Wait until `take` finds what the builder needs in the shared state, or the helper
/// has stopped without it (`None`).
fn wait_for<'a, T>(
    shared: &std::sync::Mutex<Shared<'a>>,
    ready: &std::sync::Condvar,
    mut take: impl FnMut(&mut Shared<'a>) -> Option<T>,
) -> Option<T> {
    let mut s = shared.lock().ok()?;
    loop {
        if let Some(v) = take(&mut s) {
            return Some(v);
        }
        if s.stopped {
            return None;
        }
        s = ready.wait(s).ok()?;
    }
}

/// Marks the helper as stopped when dropped.
struct Done<'r, 'a>(&'r std::sync::Mutex<Shared<'a>>, &'r std::sync::Condvar);

impl Drop for Done<'_, '_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.lock() {
            s.stopped = true;
        }
        self.1.notify_all();
    }
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
