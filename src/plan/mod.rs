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
/// piece in order (reading it itself when the helper has not claimed it yet, and
/// reading the next one while the helper is still on the one it waits for). The
/// blocks, and so the plan, are the same as when read whole.
pub fn parse(texts: &[PlanText], files: Option<&dyn FileIndex>) -> Plan {
    let total: usize = texts.iter().map(|t| t.text.len()).sum();
    if total >= PARALLEL_FROM && several_cores() {
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

/// Whether this process may run on more than one core. Asked once: the answer reads
/// cgroup files (tens of microseconds), and the bot parses on every plan change.
fn several_cores() -> bool {
    static SEVERAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SEVERAL.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// Below this many bytes a second thread costs more than it saves.
const PARALLEL_FROM: usize = 256 * 1024;
/// Pieces are at least this long (a few dozen for a 2 MB plan).
const PIECE_BYTES: usize = 48 * 1024;
/// How many pieces the helper may read ahead of the one the builder is on (a piece's
/// blocks and titles take about half a megabyte for a plan like the benchmark's).
const AHEAD: usize = 4;

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

/// Titles of a piece's checkbox items, worked out by the helper (by item index).
type Titles = Vec<std::cell::Cell<Option<build::TitleInfo>>>;

/// A piece read by the helper: its blocks, whether it ended on a block boundary, and
/// its titles.
type Read<'a> = (blocks::Tree<'a>, bool, Titles);

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
    // The piece the builder is on.
    let building = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let shared = Mutex::new(Shared {
        rest: None,
        read: Vec::new(),
        stopped: false,
    });
    let ready = Condvar::new();
    // Trees the builder is done with go back to the helper, which reads the next pieces
    // into them (their vectors are already grown) and frees the rest at the end.
    let (spent, spent_rx) = mpsc::channel::<(blocks::Tree, Titles)>();

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
                    // Stay a few pieces ahead of the builder at most: what is read ahead
                    // is held in memory until the builder gets to it.
                    while next.load(Ordering::Acquire) > building.load(Ordering::Acquire) + AHEAD
                        && !stop.load(Ordering::Relaxed)
                    {
                        std::thread::sleep(std::time::Duration::from_micros(20));
                    }
                    let j = next.fetch_add(1, Ordering::AcqRel);
                    let Some(p) = j.checked_sub(1).and_then(|k| rest.get(k)) else {
                        break;
                    };
                    let (mut tree, mut titles) = spent_rx.try_recv().unwrap_or_default();
                    let clean = blocks::parse_piece_into(p.text, p.first_line, &mut tree);
                    #[cfg(test)]
                    std::thread::sleep(std::time::Duration::from_micros(
                        tests::SLOW_HELPER.load(Ordering::Relaxed),
                    ));
                    // While ahead of the builder, take some of its work (the titles of
                    // checkbox items); when it already waits for this piece, hand the
                    // piece over at once.
                    titles.clear();
                    if j > building.load(Ordering::Acquire) {
                        build::prepare_titles(&tree, &mut titles);
                    }
                    if let Ok(mut s) = shared.lock() {
                        s.read[j] = Some((tree, clean, titles));
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
            // A piece the builder read itself while the helper was still on the one
            // before it: (its index, whether it ended on a block boundary).
            let mut stolen: Option<(usize, bool)> = None;
            let mut own = blocks::Tree::default();
            let mut i = 0;
            while i < pieces.len() {
                let file = pieces[i].file;
                let mut b = build::FileBuilder::new(&mut plan, &mut deferred, file);
                while i < pieces.len() && pieces[i].file == file {
                    let p = pieces[i];
                    building.store(i, Ordering::Release);
                    let claimed = i == 0
                        || next
                            .compare_exchange(i, i + 1, Ordering::AcqRel, Ordering::Acquire)
                            .is_ok();
                    let clean = if claimed {
                        blocks::parse_piece(p.text, p.first_line, |block| b.block(&block))
                    } else if let Some((_, clean)) = stolen.take_if(|(j, _)| *j == i) {
                        own.top_blocks().iter().for_each(|block| b.block(&block));
                        clean
                    } else {
                        // The helper is still reading this piece and has not claimed the
                        // next one: then the builder is the idle one, so it reads the next
                        // piece itself meanwhile (the helper's core may be the slower one;
                        // a virtual machine's cores often run at different speeds).
                        if known
                            && i + 1 < pieces.len()
                            && !peek(&shared, |s| s.read[i].is_some())
                            && next
                                .compare_exchange(i + 1, i + 2, Ordering::AcqRel, Ordering::Acquire)
                                .is_ok()
                        {
                            let q = pieces[i + 1];
                            let clean = blocks::parse_piece_into(q.text, q.first_line, &mut own);
                            stolen = Some((i + 1, clean));
                            #[cfg(test)]
                            tests::STOLEN.fetch_add(1, Ordering::Relaxed);
                        }
                        // `None` when the helper stopped without it (a bug): read whole.
                        let (tree, clean, titles) =
                            wait_for(&shared, &ready, |s| s.read[i].take())?;
                        b.prepared(titles);
                        tree.top_blocks().iter().for_each(|block| b.block(&block));
                        let titles = b.prepared(Vec::new());
                        let _ = spent.send((tree, titles));
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
    // Spin a little first: what the builder waits for is usually moments away, and
    // waking a thread that went to sleep costs more than that on a virtual machine.
    let start = std::time::Instant::now();
    while start.elapsed() < SPIN {
        match shared.try_lock() {
            Ok(mut s) => {
                if let Some(v) = take(&mut s) {
                    return Some(v);
                }
                if s.stopped {
                    return None;
                }
            }
            Err(std::sync::TryLockError::WouldBlock) => {}
            Err(std::sync::TryLockError::Poisoned(_)) => return None,
        }
        for _ in 0..64 {
            std::hint::spin_loop();
        }
    }
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

/// Whether `test` holds of the shared state now (false when it is poisoned).
fn peek<'a>(shared: &std::sync::Mutex<Shared<'a>>, test: impl FnOnce(&Shared<'a>) -> bool) -> bool {
    shared.lock().is_ok_and(|s| test(&s))
}

/// How long the builder spins before it sleeps waiting for the helper (about half the
/// time the helper takes to read a piece).
const SPIN: std::time::Duration = std::time::Duration::from_micros(250);

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    /// Microseconds the helper sleeps after reading each piece (a slow second core).
    pub static SLOW_HELPER: AtomicU64 = AtomicU64::new(0);
    /// Pieces the builder read itself while waiting for the helper.
    pub static STOLEN: AtomicUsize = AtomicUsize::new(0);

    /// When the helper's core is the slow one, the builder reads pieces itself while it
    /// waits; the plan is the same as one read whole.
    #[test]
    fn a_slow_helper_leaves_pieces_to_the_builder_and_the_plan_is_the_same() {
        let one = std::fs::read_to_string("tests/fixtures/phase5.md").unwrap();
        let mut text = String::new();
        while text.len() < 3 * PARALLEL_FROM {
            text.push_str(&one);
            text.push('\n');
        }
        let texts = [PlanText {
            path: "docs/plan/p.md".into(),
            text,
        }];
        let whole = parse_whole(&texts, None);
        // (Long enough for a debug build's builder to find the helper busy.)
        SLOW_HELPER.store(
            if cfg!(debug_assertions) {
                20_000
            } else {
                3_000
            },
            Ordering::Relaxed,
        );
        let before = STOLEN.load(Ordering::Relaxed);
        let pieces = parse_pieces(&texts, None);
        SLOW_HELPER.store(0, Ordering::Relaxed);
        assert!(
            STOLEN.load(Ordering::Relaxed) > before,
            "the builder read none"
        );
        let pieces = pieces.expect("the pieces were cut on block boundaries");
        assert!(whole.tasks.len() > 1_000, "{} tasks", whole.tasks.len());
        assert_eq!(format!("{pieces:#?}"), format!("{whole:#?}"));
    }

    /// Titles worked out ahead (as the helper does) give the same plan as titles worked
    /// out by the builder: ids, priorities cut from titles, more inline dependencies than
    /// the prepared slots hold, TBDs, struck and nested tasks.
    #[test]
    fn prepared_titles_build_the_same_plan() {
        let mut text = std::fs::read_to_string("tests/fixtures/phase5.md").unwrap();
        text.push_str(concat!(
            "\n## Extra\n\n",
            "- [ ] 9.1 Seed tenants（P0）（依赖 5.1.1）\n",
            "  - [x] 9.1.1 Fixtures (after 9.1; depends on 5.1.2) 依赖 5.1.3 前置 5.1.4\n",
            "  - [ ] `9.1.2` owner TBD（可选，P2）\n",
            "- [ ] [P1] no id here: 负责人待定\n",
            "- [x] ~~9.2 Dropped idea~~\n",
        ));
        let texts = [PlanText {
            path: "docs/plan/p.md".into(),
            text,
        }];
        let (mut plan, mut deferred) = start(&texts);
        {
            let mut tree = blocks::Tree::default();
            assert!(blocks::parse_piece_into(&texts[0].text, 1, &mut tree));
            let mut titles = Vec::new();
            build::prepare_titles(&tree, &mut titles);
            let count = |titles: &Titles| {
                titles
                    .iter()
                    .filter(|c| {
                        let v = c.take();
                        let some = v.is_some();
                        c.set(v);
                        some
                    })
                    .count()
            };
            let prepared = count(&titles);
            let mut b = build::FileBuilder::new(&mut plan, &mut deferred, 0);
            b.prepared(titles);
            tree.top_blocks().iter().for_each(|block| b.block(&block));
            // The builder took the tasks' titles (acceptance checklists are not tasks:
            // theirs stay unused).
            let unused = count(&b.prepared(Vec::new()));
            assert!(
                prepared - unused >= 20,
                "{prepared} prepared, {unused} unused"
            );
        }
        resolve::finalize(&mut plan, deferred, None);
        assert_eq!(
            format!("{plan:#?}"),
            format!("{:#?}", parse_whole(&texts, None))
        );
        let t = plan.tasks.iter().find(|t| t.id.0 == "9.1").unwrap();
        assert_eq!(t.title, "Seed tenants（依赖 5.1.1）");
        let sub = plan.tasks.iter().find(|t| t.id.0 == "9.1.1").unwrap();
        // Four inline dependency texts (more than the prepared slots): three tasks, the
        // parent (`after 9.1`) not being a dependency of its own subtask.
        assert_eq!(sub.deps.len(), 3, "{:?}", sub.deps);
    }
}
