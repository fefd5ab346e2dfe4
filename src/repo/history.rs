//! The plan's history: the plan files' contents at earlier commits (first-parent history
//! of HEAD), parsed once per distinct content, and the task events between two points.

use super::state::{commit_time, read_head};
use crate::plan::{self, EventKind, Plan, PlanText, TaskChange};
use chrono::{DateTime, FixedOffset, Utc};
use git2::{Oid, Repository};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// The plan's history could not be read (a commit or tree git2 could not load, a
/// revision that names nothing).
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot read the plan's history: {0}")]
pub struct HistoryError(pub String);

fn git(e: git2::Error) -> HistoryError {
    HistoryError(e.message().to_string())
}

/// Most commits of plan history walked for one digest or chart.
pub const HISTORY_LIMIT: usize = 100_000;

/// A commit on HEAD's first-parent line that changed a plan file.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRevision {
    pub commit: String,
    pub short: String,
    pub author: String,
    pub subject: String,
    pub time: DateTime<FixedOffset>,
    /// The plan files' blob ids at this commit (`None`: the file does not exist there).
    #[serde(skip)]
    pub blobs: Vec<Option<Oid>>,
}

/// The plan's history between a point in time and HEAD.
#[derive(Debug, Clone, Default)]
pub struct PlanHistory {
    /// The plan paths the blob ids refer to, in order.
    pub paths: Vec<String>,
    /// The plan files as they were just before the window (at the newest commit not
    /// after `since`); `None` when the window reaches the first commit.
    pub baseline: Option<PlanRevision>,
    /// The commits inside the window that changed a plan file, oldest first.
    pub revisions: Vec<PlanRevision>,
    /// Commits walked (first-parent), for reports.
    pub walked: usize,
}

/// A task event with the commit that made it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskEvent {
    #[serde(flatten)]
    pub change: TaskChange,
    /// Short commit id; `None` for uncommitted edits in the working tree.
    pub commit: Option<String>,
    pub author: String,
    pub time: Option<DateTime<FixedOffset>>,
    pub subject: Option<String>,
}

/// The blob of `path` in `tree`; a directory, symlink or submodule is not a plan file.
fn blob_at(tree: &git2::Tree, path: &str) -> Option<Oid> {
    let entry = tree.get_path(Path::new(path)).ok()?;
    (entry.kind() == Some(git2::ObjectType::Blob) && entry.filemode() != 0o120000)
        .then(|| entry.id())
}

fn revision(c: &git2::Commit, blobs: Vec<Option<Oid>>) -> Option<PlanRevision> {
    Some(PlanRevision {
        commit: c.id().to_string(),
        short: c.id().to_string()[..7].to_string(),
        author: c.author().name().unwrap_or("").to_string(),
        subject: c.summary().unwrap_or("").to_string(),
        time: commit_time(c)?,
        blobs,
    })
}

/// Walk HEAD's first-parent history and keep the commits that changed one of `paths`.
/// `since` (seconds since the epoch) bounds the window; `limit` caps the commits walked.
pub fn plan_history(
    repo: &Repository,
    paths: &[String],
    since: Option<i64>,
    limit: usize,
) -> Result<PlanHistory, HistoryError> {
    let mut hist = PlanHistory {
        paths: paths.to_vec(),
        ..PlanHistory::default()
    };
    let head = read_head(repo);
    let Some(mut oid) = head.oid else {
        return Ok(hist); // no commits yet: no history
    };
    let mut newest_first: Vec<PlanRevision> = Vec::new();
    // Blob ids of the commit walked last (the child of the current one).
    let mut child: Option<(git2::Commit, Vec<Option<Oid>>)> = None;
    loop {
        let c = repo.find_commit(oid).map_err(git)?;
        hist.walked += 1;
        let tree = c.tree().map_err(git)?;
        let blobs: Vec<Option<Oid>> = paths.iter().map(|p| blob_at(&tree, p)).collect();
        let before_window = since.is_some_and(|s| c.time().seconds() <= s);
        if let Some((ch, ch_blobs)) = child.take() {
            if *ch_blobs != blobs {
                newest_first.extend(revision(&ch, ch_blobs));
            }
        }
        if before_window {
            hist.baseline = revision(&c, blobs);
            break;
        }
        let parent = c.parent_id(0).ok();
        if hist.walked >= limit {
            // Cut short: the oldest commit walked is the baseline.
            hist.baseline = revision(&c, blobs);
            break;
        }
        match parent {
            Some(p) => {
                child = Some((c, blobs));
                oid = p;
            }
            None => {
                // The root commit: it changed the plan when the plan exists in it.
                if blobs.iter().any(Option::is_some) {
                    newest_first.extend(revision(&c, blobs));
                }
                break;
            }
        }
    }
    newest_first.reverse();
    hist.revisions = newest_first;
    Ok(hist)
}

/// Parses plan contents once per distinct set of blobs.
#[derive(Default)]
pub struct PlanCache {
    plans: HashMap<Vec<Option<Oid>>, Arc<Plan>>,
    pub parsed: usize,
}

impl PlanCache {
    /// The plan made of `paths` at the given blob ids.
    pub fn plan(
        &mut self,
        repo: &Repository,
        paths: &[String],
        blobs: &[Option<Oid>],
    ) -> Arc<Plan> {
        if let Some(p) = self.plans.get(blobs) {
            return p.clone();
        }
        let plan = Arc::new(plan::parse(&texts_at(repo, paths, blobs), None));
        self.parsed += 1;
        self.plans.insert(blobs.to_vec(), plan.clone());
        plan
    }
}

impl PlanCache {
    /// The plan at these blob ids, when it was parsed already.
    pub fn get(&self, blobs: &[Option<Oid>]) -> Option<Arc<Plan>> {
        self.plans.get(blobs).cloned()
    }

    /// Parse every not-yet-parsed plan content of `sets` at once, on the machine's cores
    /// (texts are read here; parsing is pure). Later [`PlanCache::plan`] calls hit.
    pub fn preload(&mut self, repo: &Repository, paths: &[String], sets: &[&[Option<Oid>]]) {
        let mut todo: Vec<&[Option<Oid>]> = Vec::new();
        let mut seen: HashSet<&[Option<Oid>]> = HashSet::new();
        for &blobs in sets {
            if !self.plans.contains_key(blobs) && seen.insert(blobs) {
                todo.push(blobs);
            }
        }
        let parsed = map_plans(repo, paths, &todo, Arc::new);
        self.parsed += parsed.len();
        for (b, p) in todo.into_iter().zip(parsed) {
            self.plans.insert(b.to_vec(), p);
        }
    }
}

/// Plans parsed at once: the texts of this many versions are read, parsed on the
/// machine's cores and handed to `f` before the next ones are read.
const PLANS_AT_ONCE: usize = 64;

/// `f` of the plan at each set of blob ids, in order. Texts are read here (a repository
/// is not shared between threads), a chunk at a time; the plans are parsed on the
/// machine's cores, and each is gone once `f` has made what is kept of it.
pub fn map_plans<T: Send>(
    repo: &Repository,
    paths: &[String],
    sets: &[&[Option<Oid>]],
    f: impl Fn(Plan) -> T + Sync,
) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut out = Vec::with_capacity(sets.len());
    for chunk in sets.chunks(PLANS_AT_ONCE) {
        let texts: Vec<Vec<PlanText>> = chunk.iter().map(|b| texts_at(repo, paths, b)).collect();
        if texts.len() < 8 || threads < 2 {
            out.extend(texts.iter().map(|t| f(plan::parse(t, None))));
            continue;
        }
        let per_thread = texts.len().div_ceil(threads);
        let f = &f;
        std::thread::scope(|s| {
            let handles: Vec<_> = texts
                .chunks(per_thread)
                .map(|part| s.spawn(move || part.iter().map(|t| f(plan::parse(t, None))).collect()))
                .collect();
            for h in handles {
                let done: Vec<T> = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                out.extend(done);
            }
        });
    }
    out
}

/// The plan files' texts at the given blob ids (missing files skipped).
pub fn texts_at(repo: &Repository, paths: &[String], blobs: &[Option<Oid>]) -> Vec<PlanText> {
    let mut texts = Vec::new();
    for (path, blob) in paths.iter().zip(blobs) {
        let Some(b) = blob else { continue };
        let Ok(blob) = repo.find_blob(*b) else {
            continue;
        };
        texts.push(PlanText {
            path: path.clone(),
            text: String::from_utf8_lossy(blob.content()).into_owned(),
            title: None,
        });
    }
    texts
}

/// The plan files at a commit (any revision git understands: `HEAD~3`, a tag, an id).
pub fn plan_at(repo: &Repository, rev: &str, paths: &[String]) -> Result<Plan, HistoryError> {
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| HistoryError(format!("`{rev}` names no commit: {}", e.message())))?;
    let tree = commit.tree().map_err(git)?;
    let blobs: Vec<Option<Oid>> = paths.iter().map(|p| blob_at(&tree, p)).collect();
    Ok(plan::parse(&texts_at(repo, paths, &blobs), None))
}

/// The task events over a history window, oldest first, each with its commit.
pub fn task_events(repo: &Repository, hist: &PlanHistory, cache: &mut PlanCache) -> Vec<TaskEvent> {
    let sets: Vec<&[Option<Oid>]> = hist
        .baseline
        .iter()
        .chain(&hist.revisions)
        .map(|r| r.blobs.as_slice())
        .collect();
    cache.preload(repo, &hist.paths, &sets);
    let mut out = Vec::new();
    let mut prev: Option<Arc<Plan>> = hist
        .baseline
        .as_ref()
        .map(|b| cache.plan(repo, &hist.paths, &b.blobs));
    for rev in &hist.revisions {
        let now = cache.plan(repo, &hist.paths, &rev.blobs);
        for change in plan::diff(prev.as_deref(), &now) {
            out.push(TaskEvent {
                change,
                commit: Some(rev.short.clone()),
                author: rev.author.clone(),
                time: Some(rev.time),
                subject: Some(rev.subject.clone()),
            });
        }
        prev = Some(now);
    }
    out
}

/// Events between the committed plan (HEAD) and the working-tree plan.
pub fn uncommitted_events(committed: Option<&Plan>, working: &Plan) -> Vec<TaskEvent> {
    plan::diff(committed, working)
        .into_iter()
        .map(|change| TaskEvent {
            change,
            commit: None,
            author: "uncommitted".to_string(),
            time: None,
            subject: None,
        })
        .collect()
}

/// Count of events by kind, for summaries.
pub fn count(events: &[TaskEvent], kind: EventKind) -> usize {
    events.iter().filter(|e| e.change.kind == kind).count()
}

/// The commit time of a revision (`HEAD~3`, a tag, an id), if it names a commit.
pub fn revision_time(repo: &Repository, rev: &str) -> Option<DateTime<Utc>> {
    let c = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .ok()?;
    DateTime::<Utc>::from_timestamp(c.time().seconds(), 0)
}

/// The task events since a point in time, as the history and the working tree tell.
#[derive(Debug, Clone, Default)]
pub struct EventsRead {
    /// Oldest first; uncommitted ones (working tree against HEAD) last.
    pub events: Vec<TaskEvent>,
    /// Commits walked and plan versions parsed (each distinct content once).
    pub walked: usize,
    pub parsed: usize,
}

/// The plan's committed history since `since`, then the working tree's uncommitted
/// edits to it (`working`: the plan as read from the working tree). The versions read
/// stay in `cache` (a digest's chart reads some of them again).
pub fn events_since(
    repo: &Repository,
    working: &Plan,
    since: DateTime<Utc>,
    cache: &mut PlanCache,
) -> Result<EventsRead, HistoryError> {
    let paths: Vec<String> = working.files.iter().map(|f| f.path.clone()).collect();
    let hist = plan_history(repo, &paths, Some(since.timestamp()), HISTORY_LIMIT)?;
    let parsed_before = cache.parsed;
    let mut events = task_events(repo, &hist, cache);
    // The committed plan at HEAD against the working tree.
    let head_plan = hist
        .revisions
        .last()
        .or(hist.baseline.as_ref())
        .map(|r| cache.plan(repo, &paths, &r.blobs));
    events.extend(uncommitted_events(head_plan.as_deref(), working));
    Ok(EventsRead {
        events,
        walked: hist.walked,
        parsed: cache.parsed - parsed_before,
    })
}

/// A version of the plan: from when, and the plan files' blob ids (`None`: the file
/// does not exist there).
#[derive(Debug, Clone)]
pub struct PlanVersion {
    pub at: DateTime<Utc>,
    pub blobs: Vec<Option<Oid>>,
}

/// The plan's version at every commit that changed it since `since` (the whole history
/// when `None`), oldest first; with a `since`, the plan as it was then comes first, at
/// `since`. Nothing is parsed: see [`map_plans`] and [`PlanCache`].
pub fn plan_versions(
    repo: &Repository,
    paths: &[String],
    since: Option<DateTime<Utc>>,
) -> Result<Vec<PlanVersion>, HistoryError> {
    let hist = plan_history(repo, paths, since.map(|s| s.timestamp()), HISTORY_LIMIT)?;
    let mut out = Vec::with_capacity(hist.revisions.len() + 1);
    if let (Some(b), Some(s)) = (hist.baseline, since) {
        out.push(PlanVersion {
            at: s,
            blobs: b.blobs,
        });
    }
    for r in hist.revisions {
        out.push(PlanVersion {
            at: r.time.with_timezone(&Utc),
            blobs: r.blobs,
        });
    }
    Ok(out)
}
