//! The commands over the plan's history: `digest` (what changed since a point in time,
//! with the whole triage of now) and `progress` (the series the chart is drawn from).

use super::session::{Depth, Session};
use super::AppError;
use crate::digest::{self, Burnup, Changes, DigestError, Point, TrackCounts, WorktreeMark};
use crate::plan::Plan;
use crate::repo::history::{self, PlanCache};
use crate::triage::{self, Triage};
use chrono::{DateTime, Utc};
use git2::Oid;
use std::collections::{HashMap, HashSet};

/// `digest`: since when (default: the last digest posted, else a day ago), and whether
/// the progress series for its chart comes along (the bot's digest carries the chart).
#[derive(Debug, Clone, Default)]
pub struct DigestRequest {
    pub since: Option<String>,
    pub chart: bool,
}

/// What changed since `changes.since`, and the triage of now (in flight, open
/// questions, the recommended next).
#[derive(Debug, Clone)]
pub struct Digest {
    pub changes: Changes,
    pub triage: Triage,
    /// The progress series, when the request asked for the chart and the history could
    /// be read (a digest without its chart is still the digest).
    pub progress: Option<Progress>,
}

/// `since` as written: a date or time in the configured zone, an RFC 3339 instant, or a
/// revision of the repository (its commit time).
fn resolve_since(s: &mut Session, text: &str) -> Result<DateTime<Utc>, AppError> {
    let tz = s.config().timezone.clone();
    if let Some(t) = digest::parse_when(text, tz.as_deref()) {
        return Ok(t);
    }
    let repo = s.scanner()?.repository();
    history::revision_time(repo, text.trim())
        .ok_or_else(|| DigestError::BadSince(text.trim().to_string()).into())
}

/// The digest since the request's `since`. The worktrees as seen now are remembered in
/// the database for the next digest's "appeared / merged / went away".
pub fn digest(s: &mut Session, req: &DigestRequest) -> Result<Digest, AppError> {
    let now = Utc::now();
    s.scanner()?;
    let since = match req.since.as_deref() {
        Some(text) => resolve_since(s, text)?,
        None => s
            .store_for_read()
            .ok()
            .flatten()
            .and_then(|st| st.last_digest_at().ok().flatten())
            .unwrap_or(now - chrono::Duration::days(1)),
    };
    let mut snap = s.snapshot(Depth::Repository)?;
    // The versions the events are read from are counted again for the chart.
    let mut plans = PlanCache::default();
    let read = history::events_since(s.scanner()?.repository(), &snap.plan, since, &mut plans)
        .map_err(DigestError::from)?;
    let before: Option<Vec<WorktreeMark>> = s
        .store_for_read()
        .ok()
        .flatten()
        .and_then(|st| st.marks_before(since).ok().flatten())
        .and_then(|j| serde_json::from_str(&j).ok());
    let changes = digest::changes(
        read,
        since,
        now,
        &snap.decisions,
        &snap.chat_questions,
        snap.repo.state.as_ref(),
        before.as_deref(),
    );
    if let Some(state) = &snap.repo.state {
        let marks = serde_json::to_string(&digest::marks(state)).unwrap_or_default();
        let saved = s
            .store_for_write()
            .and_then(|st| st.save_marks(now, &marks));
        if let Err(e) = saved {
            snap.warnings
                .push(format!("worktrees not remembered for the next digest: {e}"));
        }
    }
    let progress = if req.chart {
        series(s, &snap.plan, None, &mut plans)
            .map_err(|e| tracing::warn!("digest without a chart: {e}"))
            .ok()
    } else {
        None
    };
    let triage = triage::triage(snap);
    Ok(Digest {
        changes,
        triage,
        progress,
    })
}

/// The progress series, its last point the plan now, and the burn-up the chart draws.
#[derive(Debug, Clone)]
pub struct Progress {
    pub series: Vec<Point>,
    pub burnup: Burnup,
}

impl Progress {
    /// (track title, done, total) of the plan now.
    pub fn now(&self) -> &[(String, usize, usize)] {
        self.series.last().map_or(&[], |p| p.tracks.as_slice())
    }
}

/// `progress`: the plan's whole history, or with `since` (a date, a date and time, or a
/// revision), the part after it.
#[derive(Debug, Clone, Default)]
pub struct ProgressRequest {
    pub since: Option<String>,
}

/// The series of done and total tasks per track over the history asked for.
pub fn progress(s: &mut Session, req: &ProgressRequest) -> Result<Progress, AppError> {
    s.scanner()?;
    let since = match req.since.as_deref() {
        Some(text) => Some(resolve_since(s, text)?),
        None => None,
    };
    let plan = s.plan()?;
    series(s, &plan, since, &mut PlanCache::default())
}

/// Each plan version's done and total tasks per track, by the plan files' blob ids.
/// A kept session holds them, so its next `progress` or digest chart parses only the
/// versions committed since (a long history took a parse per version every time).
#[derive(Default)]
pub(crate) struct VersionCounts {
    /// The plan files the ids are of (another set of files starts the counts over).
    paths: Vec<String>,
    counts: HashMap<Vec<Option<Oid>>, TrackCounts>,
}

/// The progress series of `plan`'s files since `since`: versions already counted are
/// taken from the session, the others parsed (from `plans` when it holds them).
fn series(
    s: &mut Session,
    plan: &Plan,
    since: Option<DateTime<Utc>>,
    plans: &mut PlanCache,
) -> Result<Progress, AppError> {
    let paths: Vec<String> = plan.files.iter().map(|f| f.path.clone()).collect();
    let (repo, memo) = s.history()?;
    let versions = history::plan_versions(repo, &paths, since).map_err(DigestError::from)?;
    if memo.paths != paths {
        *memo = VersionCounts {
            paths: paths.clone(),
            counts: HashMap::new(),
        };
    }
    let mut unread: Vec<&[Option<Oid>]> = Vec::new();
    let mut seen: HashSet<&[Option<Oid>]> = HashSet::new();
    for v in &versions {
        let blobs = v.blobs.as_slice();
        if memo.counts.contains_key(blobs) || !seen.insert(blobs) {
            continue;
        }
        match plans.get(blobs) {
            Some(p) => {
                memo.counts.insert(blobs.to_vec(), digest::per_track(&p));
            }
            None => unread.push(blobs),
        }
    }
    let counted = history::map_plans(repo, &paths, &unread, |p| digest::per_track(&p));
    for (blobs, c) in unread.into_iter().zip(counted) {
        memo.counts.insert(blobs.to_vec(), c);
    }
    let points = versions
        .iter()
        .map(|v| Point {
            at: v.at,
            tracks: memo.counts.get(&v.blobs).cloned().unwrap_or_default(),
        })
        .collect();
    let series = digest::progress_series(points, plan, Utc::now());
    Ok(Progress {
        burnup: digest::burnup(&series),
        series,
    })
}
