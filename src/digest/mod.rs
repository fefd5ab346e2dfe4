//! The digest: what changed between two points in time (plan history, the working tree
//! for "now", decisions and questions in the store, worktrees that appeared, merged or
//! went away), what is in flight, open questions, the recommended next, and the progress
//! series its chart is drawn from. Posts nothing itself.

pub mod schedule;

use crate::plan::{EventKind, Plan};
use crate::repo::history::{EventsRead, HistoryError, TaskEvent};
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
}

/// Per track that holds tasks: (name, done, total).
pub type TrackCounts = Vec<(String, usize, usize)>;

/// One point of the progress series: per track (name), done and total tasks.
#[derive(Debug, Clone)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub tracks: TrackCounts,
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

/// The series over the plan's versions (oldest first, each already counted with
/// [`per_track`]), ending with the plan now.
pub fn progress_series(mut versions: Vec<Point>, working: &Plan, now: DateTime<Utc>) -> Vec<Point> {
    versions.push(Point {
        at: now,
        tracks: per_track(working),
    });
    versions
}

/// (track title, done, total) for the tracks that hold tasks. Titles are unique: two
/// tracks that share one (the same letter in two files) are told apart by their file.
pub fn per_track(plan: &Plan) -> TrackCounts {
    let mut counts: Vec<(usize, usize)> = vec![(0, 0); plan.tracks.len()];
    for (t, task) in plan.tasks.iter().enumerate() {
        if let Some(c) = counts.get_mut(task.track) {
            c.1 += 1;
            c.0 += usize::from(plan.is_finished(t));
        }
    }
    let titles: Vec<String> = (0..plan.tracks.len())
        .map(|i| plan.track_title(i))
        .collect();
    let mut out = Vec::new();
    for (i, &(done, total)) in counts.iter().enumerate() {
        if total == 0 {
            continue;
        }
        let shared = titles
            .iter()
            .enumerate()
            .any(|(j, t)| j != i && *t == titles[i] && counts[j].1 > 0);
        let name = if shared {
            format!("{} · {}", titles[i], plan.file_of(plan.tracks[i].span))
        } else {
            titles[i].clone()
        };
        out.push((name, done, total));
    }
    out
}

/// Most tracks drawn on their own in the chart; the others are summed as "other".
pub const TRACKS_DRAWN: usize = 6;

/// The chart's data: the whole plan's scope and done over time (a burn-up), and per
/// track the largest [`TRACKS_DRAWN`] by scope, the rest summed as one "other" line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Burnup {
    pub at: Vec<DateTime<Utc>>,
    pub scope: Vec<usize>,
    pub done: Vec<usize>,
    pub tracks: Vec<TrackLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackLine {
    pub name: String,
    /// Done and total at each point (0 where the track did not exist yet).
    pub done: Vec<usize>,
    pub total: Vec<usize>,
}

pub fn burnup(series: &[Point]) -> Burnup {
    let at: Vec<DateTime<Utc>> = series.iter().map(|p| p.at).collect();
    let scope = series
        .iter()
        .map(|p| p.tracks.iter().map(|t| t.2).sum())
        .collect();
    let done = series
        .iter()
        .map(|p| p.tracks.iter().map(|t| t.1).sum())
        .collect();
    // Tracks by their largest scope, then by name for a stable order.
    let mut names: Vec<(String, usize)> = Vec::new();
    for p in series {
        for (name, _, total) in &p.tracks {
            match names.iter_mut().find(|(n, _)| n == name) {
                Some(e) => e.1 = e.1.max(*total),
                None => names.push((name.clone(), *total)),
            }
        }
    }
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let line = |pick: &dyn Fn(&str) -> bool, name: String| TrackLine {
        name,
        done: series
            .iter()
            .map(|p| p.tracks.iter().filter(|t| pick(&t.0)).map(|t| t.1).sum())
            .collect(),
        total: series
            .iter()
            .map(|p| p.tracks.iter().filter(|t| pick(&t.0)).map(|t| t.2).sum())
            .collect(),
    };
    let shown = names.len().min(if names.len() > TRACKS_DRAWN + 1 {
        TRACKS_DRAWN
    } else {
        names.len()
    });
    let mut tracks: Vec<TrackLine> = names[..shown]
        .iter()
        .map(|(n, _)| line(&|x: &str| x == n, n.clone()))
        .collect();
    if shown < names.len() {
        let rest: Vec<&String> = names[shown..].iter().map(|(n, _)| n).collect();
        tracks.push(line(
            &|x: &str| rest.iter().any(|n| *n == x),
            format!("other ({} tracks)", rest.len()),
        ));
    }
    Burnup {
        at,
        scope,
        done,
        tracks,
    }
}

/// The events of one kind.
pub fn of_kind(c: &Changes, kind: EventKind) -> Vec<&TaskEvent> {
    c.events.iter().filter(|e| e.change.kind == kind).collect()
}
