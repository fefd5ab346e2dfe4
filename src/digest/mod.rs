//! The digest: what changed between two points in time (plan history, the working tree
//! for "now", decisions and questions in the store, worktrees that appeared, merged or
//! went away), what is in flight, open questions, the recommended next, and the progress
//! series its chart is drawn from. Posts nothing itself.

pub mod chart;
pub mod schedule;

use crate::plan::{EventKind, Plan};
use crate::repo::history::{self, PlanCache, TaskEvent};
use crate::repo::RepoState;
use crate::store::{DecisionRow, QuestionRow, Store};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use git2::Repository;
use serde::{Deserialize, Serialize};

/// Most commits of plan history walked for one digest or chart.
pub const HISTORY_LIMIT: usize = 100_000;

/// A worktree as a digest remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorktreeMark {
    pub name: String,
    pub branch: String,
    /// `in_flight`, `merged`, `nothing_left`, `missing`, …
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorktreeChange {
    pub name: String,
    pub branch: String,
    /// `appeared`, `merged` or `went_away`.
    pub change: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Task events, oldest first; uncommitted ones last (no commit).
    pub events: Vec<TaskEvent>,
    pub decisions: Vec<DecisionRow>,
    pub questions_opened: Vec<QuestionRow>,
    pub worktrees: Vec<WorktreeChange>,
    /// Commits walked and plan versions parsed (each distinct content once).
    pub commits_walked: usize,
    pub plans_parsed: usize,
}

/// Parse `--since`: a date (`2026-10-02`, midnight) or date and time (`2026-10-02 14:30`,
/// `2026-10-02T14:30`) in `tz` (the configured zone, else the machine's), an RFC 3339
/// instant, or a git revision (its commit time).
pub fn parse_since(
    text: &str,
    tz: Option<&str>,
    repo: Option<&Repository>,
) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    let naive = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").ok())
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok());
    if let Some(n) = naive {
        return Ok(local_to_utc(n, tz));
    }
    if let Some(repo) = repo {
        if let Ok(c) = repo.revparse_single(t).and_then(|o| o.peel_to_commit()) {
            if let Some(d) = DateTime::<Utc>::from_timestamp(c.time().seconds(), 0) {
                return Ok(d);
            }
        }
    }
    Err(format!(
        "`{t}` is neither a date (2026-10-02, 2026-10-02 14:30) nor a revision of the repository"
    ))
}

/// A local time in the configured zone (else the machine's) as an instant.
pub fn local_to_utc(n: NaiveDateTime, tz: Option<&str>) -> DateTime<Utc> {
    match tz.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
        Some(z) => z
            .from_local_datetime(&n)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&n)),
        None => chrono::Local
            .from_local_datetime(&n)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&n)),
    }
}

/// What changed in `[since, now]`: the plan's committed history, then the working tree's
/// uncommitted edits to it, the store's decisions and questions, and the worktrees
/// compared with `before` (the marks saved by an earlier digest).
pub fn changes(
    repo: &Repository,
    working: &Plan,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    store: Option<&Store>,
    state: Option<&RepoState>,
    before: Option<&[WorktreeMark]>,
) -> Result<Changes, String> {
    let paths: Vec<String> = working.files.iter().map(|f| f.path.clone()).collect();
    let hist = history::plan_history(repo, &paths, Some(since.timestamp()), HISTORY_LIMIT)?;
    let mut cache = PlanCache::default();
    let mut events = history::task_events(repo, &hist, &mut cache);
    // The committed plan at HEAD against the working tree.
    let head_plan = hist
        .revisions
        .last()
        .or(hist.baseline.as_ref())
        .map(|r| cache.plan(repo, &paths, &r.blobs));
    events.extend(history::uncommitted_events(head_plan.as_deref(), working));
    let in_window = |t: &DateTime<Utc>| *t > since && *t <= now;
    let (decisions, questions_opened) = match store {
        Some(s) => (
            s.decisions()
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|d| in_window(&d.decided_at))
                .collect(),
            s.questions()
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|q| in_window(&q.asked_at))
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let worktrees = match (state, before) {
        (Some(s), Some(b)) => worktree_changes(b, &marks(s)),
        _ => Vec::new(),
    };
    Ok(Changes {
        since,
        until: now,
        events,
        decisions,
        questions_opened,
        worktrees,
        commits_walked: hist.walked,
        plans_parsed: cache.parsed,
    })
}

/// The linked worktrees as a digest remembers them.
pub fn marks(state: &RepoState) -> Vec<WorktreeMark> {
    state
        .worktrees
        .iter()
        .filter(|w| !w.main)
        .map(|w| WorktreeMark {
            name: w.name.clone(),
            branch: w.head.describe(),
            state: serde_json::to_value(w.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        })
        .collect()
}

/// Appeared (new and in flight), merged (was in flight, now merged or nothing left),
/// went away (gone or deleted).
pub fn worktree_changes(before: &[WorktreeMark], now: &[WorktreeMark]) -> Vec<WorktreeChange> {
    let mut out = Vec::new();
    for n in now {
        match before.iter().find(|b| b.name == n.name) {
            None if n.state != "missing" => out.push(WorktreeChange {
                name: n.name.clone(),
                branch: n.branch.clone(),
                change: "appeared",
            }),
            Some(b)
                if b.state == "in_flight"
                    && matches!(n.state.as_str(), "merged" | "nothing_left") =>
            {
                out.push(WorktreeChange {
                    name: n.name.clone(),
                    branch: n.branch.clone(),
                    change: "merged",
                })
            }
            Some(b) if b.state != "missing" && n.state == "missing" => out.push(WorktreeChange {
                name: n.name.clone(),
                branch: n.branch.clone(),
                change: "went_away",
            }),
            _ => {}
        }
    }
    for b in before {
        if b.state != "missing" && !now.iter().any(|n| n.name == b.name) {
            out.push(WorktreeChange {
                name: b.name.clone(),
                branch: b.branch.clone(),
                change: "went_away",
            });
        }
    }
    out
}

/// Done and total tasks per track, at every plan change since `since` (and now).
pub fn progress_series(
    repo: &Repository,
    working: &Plan,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Vec<chart::Point>, String> {
    let paths: Vec<String> = working.files.iter().map(|f| f.path.clone()).collect();
    let hist = history::plan_history(repo, &paths, since.map(|s| s.timestamp()), HISTORY_LIMIT)?;
    let mut cache = PlanCache::default();
    let all: Vec<&[Option<git2::Oid>]> = hist
        .baseline
        .iter()
        .chain(&hist.revisions)
        .map(|r| r.blobs.as_slice())
        .collect();
    cache.preload(repo, &paths, &all);
    let mut out = Vec::new();
    if let (Some(b), Some(s)) = (&hist.baseline, since) {
        let p = cache.plan(repo, &paths, &b.blobs);
        out.push(chart::Point {
            at: s,
            tracks: per_track(&p),
        });
    }
    for r in &hist.revisions {
        let p = cache.plan(repo, &paths, &r.blobs);
        out.push(chart::Point {
            at: r.time.with_timezone(&Utc),
            tracks: per_track(&p),
        });
    }
    out.push(chart::Point {
        at: now,
        tracks: per_track(working),
    });
    Ok(out)
}

/// (track title, done, total) for the tracks that hold tasks.
pub fn per_track(plan: &Plan) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    for (i, _) in plan.tracks.iter().enumerate() {
        let tasks: Vec<usize> = (0..plan.tasks.len())
            .filter(|&t| plan.tasks[t].track == i)
            .collect();
        if tasks.is_empty() {
            continue;
        }
        let done = tasks.iter().filter(|&&t| plan.is_finished(t)).count();
        let name = crate::render::md::track_title(plan, i);
        match out.iter_mut().find(|x| x.0 == name) {
            Some(x) => {
                x.1 += done;
                x.2 += tasks.len();
            }
            None => out.push((name, done, tasks.len())),
        }
    }
    out
}

/// The events of one kind.
pub fn of_kind(c: &Changes, kind: EventKind) -> Vec<&TaskEvent> {
    c.events.iter().filter(|e| e.change.kind == kind).collect()
}
