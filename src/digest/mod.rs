//! The digest: what changed between two points in time (plan history, the working tree
//! for "now", decisions and questions in the store, worktrees that appeared, merged or
//! went away), what is in flight, open questions, the recommended next, and the progress
//! series its chart is drawn from. Posts nothing itself.

pub mod schedule;

use crate::plan::{EventKind, Plan};
use crate::repo::history::{EventsRead, HistoryError, PlanVersion, TaskEvent};
use crate::repo::RepoState;
use crate::store::{DecisionRow, QuestionRow};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Why a digest or chart could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(
        "`{0}` is neither a date (2026-10-02, 2026-10-02 14:30) nor a revision of the repository"
    )]
    BadSince(String),
    #[error("digest time `{0}` is not HH:MM (e.g. 09:00)")]
    BadTime(String),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("no font for the chart; install fonts-noto-cjk or set SHORTLIST_FONT (tried {tried})")]
    NoFont { tried: String },
    #[error("cannot draw the chart: {0}")]
    Chart(String),
}

/// One point of the progress series: per track (name), done and total tasks.
#[derive(Debug, Clone)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub tracks: Vec<(String, usize, usize)>,
}

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

/// A point in time as written: a date (`2026-10-02`, midnight) or date and time
/// (`2026-10-02 14:30`, `2026-10-02T14:30`) in `tz` (the configured zone, else the
/// machine's), or an RFC 3339 instant. `None`: not a time (perhaps a revision).
pub fn parse_when(text: &str, tz: Option<&str>) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").ok())
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
        .map(|n| local_to_utc(n, tz))
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

/// What changed in `[since, now]`: the plan's events (history and working tree), the
/// store's decisions and questions in the window, and the worktrees compared with
/// `before` (the marks saved by an earlier digest).
pub fn changes(
    read: EventsRead,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    decisions: &[DecisionRow],
    questions: &[QuestionRow],
    state: Option<&RepoState>,
    before: Option<&[WorktreeMark]>,
) -> Changes {
    let in_window = |t: &DateTime<Utc>| *t > since && *t <= now;
    let worktrees = match (state, before) {
        (Some(s), Some(b)) => worktree_changes(b, &marks(s)),
        _ => Vec::new(),
    };
    Changes {
        since,
        until: now,
        events: read.events,
        decisions: decisions
            .iter()
            .filter(|d| in_window(&d.decided_at))
            .cloned()
            .collect(),
        questions_opened: questions
            .iter()
            .filter(|q| in_window(&q.asked_at))
            .cloned()
            .collect(),
        worktrees,
        commits_walked: read.walked,
        plans_parsed: read.parsed,
    }
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

/// Done and total tasks per track at every plan version given (oldest first), and now.
pub fn progress_series(versions: &[PlanVersion], working: &Plan, now: DateTime<Utc>) -> Vec<Point> {
    let mut out: Vec<Point> = versions
        .iter()
        .map(|(at, p)| Point {
            at: *at,
            tracks: per_track(p),
        })
        .collect();
    out.push(Point {
        at: now,
        tracks: per_track(working),
    });
    out
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
        let name = plan.track_title(i);
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
