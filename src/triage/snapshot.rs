//! The triage as one pure step: a [`Snapshot`] (everything the application layer read,
//! once) in, a [`Triage`] (everything a renderer shows) out. Nothing here reads a file,
//! opens git or touches the database; that is what makes it testable on in-memory data.

use super::conflicts::{self, Conflict, ConflictKind, Occupied};
use super::inflight::{self, WorktreeInput, WorktreeTasks};
use super::questions::{self, NoteQuestion, OpenQuestion};
use super::shortlist::{self, Exclusions, Shortlist};
use super::{DocGlobs, Remaining};
use crate::config::Config;
use crate::plan::Plan;
use crate::repo::merge::Prediction;
use crate::repo::{RepoReport, RepoState};
use crate::store::{ClaimRow, DecisionRow, QuestionRow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Everything a triage reads, read once.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub plan: Arc<Plan>,
    /// Doc globs, parking sections and shortlist sizes come from here.
    pub config: Config,
    /// The repository's state and stale-task marks (a report saying why not, for a plain
    /// directory).
    pub repo: RepoReport,
    /// Each worktree in flight's own copy of the plan, by worktree path (absent when it
    /// holds none of the plan's files).
    pub worktree_plans: HashMap<String, Plan>,
    /// Predicted merge conflicts between worktrees in flight.
    pub prediction: Prediction,
    /// Earlier notes: their open questions and the question ids their decisions answer.
    pub note_questions: Vec<NoteQuestion>,
    pub decided_in_notes: HashSet<String>,
    /// The store's questions, decisions and claims (empty when it could not be read).
    pub chat_questions: Vec<QuestionRow>,
    pub decisions: Vec<DecisionRow>,
    pub claims: Vec<ClaimRow>,
    /// When the snapshot was read: ages of claims and questions count from here.
    pub now: DateTime<Utc>,
    /// Markdown files holding open tasks, when the chosen plan holds none.
    pub open_elsewhere: Vec<(String, usize)>,
    /// What could not be read but did not stop the answer (the database, say).
    pub warnings: Vec<String>,
}

/// Everything a triage shows.
#[derive(Debug, Clone)]
pub struct Triage {
    pub plan: Arc<Plan>,
    pub remaining: Remaining,
    pub report: RepoReport,
    /// Each worktree in flight and the tasks it is doing.
    pub in_flight: Vec<WorktreeTasks>,
    /// Predicted merge conflicts (also in `conflicts`, kind `merge`).
    pub prediction: Prediction,
    pub conflicts: Vec<Conflict>,
    /// Which conflicts a chat answer or a note shows one by one (indices into
    /// `conflicts`): those with work in flight, predicted merges, and the plan's declared
    /// ones that name a candidate's track.
    pub conflict_focus: Vec<usize>,
    /// Every overlap between (or inside) tracks, one summary per pair of tracks.
    pub conflict_pairs: Vec<PairSummary>,
    /// Per candidate, the other open work it overlaps.
    pub candidate_overlaps: Vec<CandidateOverlap>,
    pub shortlist: Shortlist,
    /// Questions no decision answers yet, from the plan, notes and the store, asked
    /// within `question_days`: plan questions first, then the newest first.
    pub questions: Vec<OpenQuestion>,
    /// Open questions older than `question_days` (shown only on request).
    pub stale_questions: Vec<OpenQuestion>,
    /// Every question known, decided or not.
    pub all_questions: Vec<OpenQuestion>,
    pub decisions: Vec<DecisionRow>,
    /// Claims on open tasks (a pick claims its task), oldest first.
    pub claims: Vec<Claim>,
    /// Markdown files holding open tasks when the chosen plan holds none.
    pub open_elsewhere: Vec<(String, usize)>,
    /// What could not be read but did not stop the triage.
    pub warnings: Vec<String>,
    /// The one track asked about (`triage TRACK`), when one was: renderers show only it.
    pub focus: Option<usize>,
}

/// The whole triage of a snapshot.
pub fn triage(snap: Snapshot) -> Triage {
    let plan = snap.plan.clone();
    let config = &snap.config;
    let mut remaining = super::remaining(&plan, &DocGlobs::new(&config.doc_globs));
    let in_flight = snap
        .repo
        .state
        .as_ref()
        .map(|s| worktree_tasks(&plan, s, &snap.worktree_plans))
        .unwrap_or_default();
    mark_in_flight(&plan, &mut remaining, &in_flight);
    let claims = claims_of(&plan, &snap, &in_flight);
    mark_claims(&plan, &mut remaining, &claims);
    let occupied = occupied(&plan, snap.repo.state.as_ref(), &in_flight);
    let mut conflicts = conflicts::conflicts(&plan, &remaining, &occupied);
    conflicts.extend(conflicts::merge_conflicts(&snap.prediction.conflicts));
    let mut ex = Exclusions {
        parked: super::parked(&plan, &config.parking_sections),
        ..Exclusions::default()
    };
    for w in &in_flight {
        for (t, _) in &w.tasks {
            ex.in_flight
                .entry(*t)
                .or_insert_with(|| (w.name.clone(), w.branch.clone()));
        }
    }
    for c in claims.iter().filter(|c| c.holds()) {
        ex.claimed.insert(c.task, (c.by.clone(), c.at));
    }
    let shortlist = shortlist::shortlist(&plan, &remaining, &occupied, &config.shortlist, &ex);
    let (conflict_focus, conflict_pairs, candidate_overlaps) =
        in_proportion(&plan, &remaining, &conflicts, &shortlist);
    let known = questions::known(&snap);
    Triage {
        plan,
        remaining,
        report: snap.repo,
        in_flight,
        prediction: snap.prediction,
        conflicts,
        conflict_focus,
        conflict_pairs,
        candidate_overlaps,
        shortlist,
        questions: known.open,
        stale_questions: known.stale,
        all_questions: known.every,
        decisions: known.decisions,
        claims,
        open_elsewhere: snap.open_elsewhere,
        warnings: snap.warnings,
        focus: None,
    }
}

/// Overlapping work between two tracks (or inside one: `left == right`), counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairSummary {
    pub left: usize,
    pub right: usize,
    /// Distinct paths the two sides overlap on.
    pub paths: usize,
}

/// What one candidate overlaps among the other open work: the tasks, and the paths
/// (the candidate's side of each meeting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateOverlap {
    pub task: usize,
    pub others: Vec<usize>,
    pub paths: Vec<String>,
}

/// Conflicts in proportion: a five-track plan can have dozens of overlaps, and an
/// answer that lists them all buries its candidates. Shown one by one: conflicts with
/// work in flight, predicted merges, the plan's declared conflicts about a candidate's
/// track; per candidate, what it overlaps; every overlap between tracks counted per pair.
fn in_proportion(
    plan: &Plan,
    remaining: &Remaining,
    conflicts: &[Conflict],
    sl: &Shortlist,
) -> (Vec<usize>, Vec<PairSummary>, Vec<CandidateOverlap>) {
    let tracks: Vec<&str> = sl
        .candidates
        .iter()
        .map(|c| plan.tracks[c.track].key.as_str())
        .collect();
    let mut focus = Vec::new();
    let mut pairs: Vec<(PairSummary, Vec<String>)> = Vec::new();
    for (i, c) in conflicts.iter().enumerate() {
        let track_pair = match c.kind {
            ConflictKind::Worktree | ConflictKind::Merge => None,
            ConflictKind::Declared => {
                if c.declared_tracks.is_empty()
                    || c.declared_tracks
                        .iter()
                        .any(|k| tracks.contains(&k.as_str()))
                {
                    focus.push(i);
                }
                continue;
            }
            ConflictKind::Tracks | ConflictKind::InTrack => c.left_track.map(|a| {
                let b = c.right_track.unwrap_or(a);
                (a.min(b), a.max(b))
            }),
        };
        let Some((left, right)) = track_pair else {
            focus.push(i);
            continue;
        };
        let at = match pairs
            .iter()
            .position(|(p, _)| p.left == left && p.right == right)
        {
            Some(at) => at,
            None => {
                pairs.push((
                    PairSummary {
                        left,
                        right,
                        paths: 0,
                    },
                    Vec::new(),
                ));
                pairs.len() - 1
            }
        };
        let (p, paths) = &mut pairs[at];
        for pp in &c.paths {
            if !paths.contains(&pp.left) {
                paths.push(pp.left.clone());
            }
        }
        p.paths = paths.len();
    }
    let doc_only: Vec<usize> = remaining
        .tracks
        .iter()
        .filter(|w| w.doc_only)
        .map(|w| w.track)
        .collect();
    let units: Vec<&super::Unit> = remaining
        .tracks
        .iter()
        .filter(|w| !w.doc_only)
        .flat_map(|w| &w.units)
        .collect();
    let mut overlaps = Vec::new();
    for c in sl
        .candidates
        .iter()
        .filter(|c| !doc_only.contains(&c.track))
    {
        let mut others = Vec::new();
        let mut paths: Vec<String> = Vec::new();
        for u in units.iter().filter(|u| u.task != c.task) {
            let met = conflicts::pairs(&c.touch, &u.works_on);
            if met.is_empty() {
                continue;
            }
            others.push(u.task);
            for m in met {
                if !paths.contains(&m.left) {
                    paths.push(m.left);
                }
            }
        }
        if !others.is_empty() {
            overlaps.push(CandidateOverlap {
                task: c.task,
                others,
                paths,
            });
        }
    }
    (focus, pairs.into_iter().map(|(p, _)| p).collect(), overlaps)
}

/// A claim on an open task: who picked it and when; stale after the configured days;
/// taken over by a worktree once one is doing the task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    #[serde(skip)]
    pub task: usize,
    pub task_id: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// Older than `claim_days`: shown, but the task is offered again.
    pub stale: bool,
    /// The worktree in flight doing the task (or an ancestor): (name, branch).
    pub worktree: Option<(String, String)>,
}

impl Claim {
    /// The claim keeps the task from being offered to anyone else.
    pub fn holds(&self) -> bool {
        !self.stale && self.worktree.is_none()
    }
}

/// The store's claims on the plan's open tasks.
fn claims_of(plan: &Plan, snap: &Snapshot, in_flight: &[WorktreeTasks]) -> Vec<Claim> {
    let max_age = chrono::Duration::days(i64::from(snap.config.claim_days));
    snap.claims
        .iter()
        .filter_map(|row| {
            let task = *plan.find_tasks(&row.task_id).first()?;
            if plan.is_finished(task) {
                return None;
            }
            Some(Claim {
                task,
                task_id: row.task_id.clone(),
                by: row.claimed_by.clone(),
                at: row.claimed_at,
                stale: snap.now - row.claimed_at > max_age,
                worktree: worktree_of(plan, task, in_flight),
            })
        })
        .collect()
}

/// The worktree in flight doing `t` or one of its ancestors.
fn worktree_of(plan: &Plan, t: usize, in_flight: &[WorktreeTasks]) -> Option<(String, String)> {
    let mut cur = Some(t);
    while let Some(i) = cur {
        if let Some(w) = in_flight
            .iter()
            .find(|w| w.tasks.iter().any(|(x, _)| *x == i))
        {
            return Some((w.name.clone(), w.branch.clone()));
        }
        cur = plan.tasks[i].parent;
    }
    None
}

/// Each unit learns the claim on it or on one of its ancestors.
fn mark_claims(plan: &Plan, remaining: &mut Remaining, claims: &[Claim]) {
    if claims.is_empty() {
        return;
    }
    for u in remaining.tracks.iter_mut().flat_map(|w| w.units.iter_mut()) {
        let mut cur = Some(u.task);
        while let (Some(i), None) = (cur, &u.claim) {
            u.claim = claims.iter().find(|c| c.task == i).cloned();
            cur = plan.tasks[i].parent;
        }
    }
}

/// Each unit learns the worktree doing it or one of its ancestors.
fn mark_in_flight(plan: &Plan, remaining: &mut Remaining, in_flight: &[WorktreeTasks]) {
    if in_flight.is_empty() {
        return;
    }
    for u in remaining.tracks.iter_mut().flat_map(|w| w.units.iter_mut()) {
        let mut cur = Some(u.task);
        while let (Some(i), None) = (cur, &u.in_flight) {
            u.in_flight = in_flight
                .iter()
                .find(|w| w.tasks.iter().any(|(x, _)| *x == i))
                .map(|w| (w.name.clone(), w.branch.clone()));
            cur = plan.tasks[i].parent;
        }
    }
}

/// Which tasks each worktree in flight is doing: ids in its branch name and commit
/// subjects, and its own copy of the plan.
pub fn worktree_tasks(
    plan: &Plan,
    state: &RepoState,
    worktree_plans: &HashMap<String, Plan>,
) -> Vec<WorktreeTasks> {
    let flying: Vec<&crate::repo::Worktree> = state.in_flight().collect();
    let inputs: Vec<WorktreeInput> = flying
        .iter()
        .map(|w| WorktreeInput {
            name: &w.name,
            path: &w.path,
            branch: w.head.branch.as_deref().unwrap_or(""),
            commits: w
                .commits
                .iter()
                .map(|c| (c.id.as_str(), c.subject.as_str()))
                .collect(),
            plan: worktree_plans.get(&w.path),
        })
        .collect();
    let mut out = inflight::map(plan, &inputs);
    for (o, w) in out.iter_mut().zip(&flying) {
        o.branch = w.head.describe();
    }
    out
}

/// Worktrees in flight as the conflicts see them: their changed files plus the touch
/// points of the tasks they are doing.
pub fn occupied(
    plan: &Plan,
    state: Option<&RepoState>,
    in_flight: &[WorktreeTasks],
) -> Vec<Occupied> {
    state
        .into_iter()
        .flat_map(|s| s.in_flight())
        .map(|w| {
            let mut files = w.changed_files.clone();
            let mut tasks = Vec::new();
            if let Some(m) = in_flight.iter().find(|m| m.path == w.path) {
                for (t, _) in &m.tasks {
                    tasks.push(*t);
                    super::unit_touch_points(plan, *t, &mut files);
                }
            }
            files.sort();
            files.dedup();
            Occupied {
                name: w.name.clone(),
                path: w.path.clone(),
                branch: w.head.describe(),
                files,
                tasks,
            }
        })
        .collect()
}

/// What `worktrees` shows besides the scan: each worktree's tasks, the remaining work
/// that touches what a worktree works on, and the predicted merge conflicts.
#[derive(Debug, Clone)]
pub struct Flight {
    /// The plan, when one could be read (it names the tasks each worktree is doing).
    pub plan: Option<Arc<Plan>>,
    pub state: RepoState,
    pub in_flight: Vec<WorktreeTasks>,
    pub prediction: Prediction,
    /// `worktree` and `merge` conflicts.
    pub conflicts: Vec<Conflict>,
}

/// The worktrees' answer: works without a plan (then it names no tasks).
pub fn flight(
    plan: Option<Arc<Plan>>,
    config: &Config,
    state: RepoState,
    worktree_plans: &HashMap<String, Plan>,
    prediction: Prediction,
) -> Flight {
    let mut in_flight = Vec::new();
    let mut conflicts = Vec::new();
    if let Some(plan) = &plan {
        in_flight = worktree_tasks(plan, &state, worktree_plans);
        let remaining = super::remaining(plan, &DocGlobs::new(&config.doc_globs));
        let occupied = occupied(plan, Some(&state), &in_flight);
        conflicts = conflicts::conflicts(plan, &remaining, &occupied)
            .into_iter()
            .filter(|c| c.kind == ConflictKind::Worktree)
            .collect();
    }
    conflicts.extend(conflicts::merge_conflicts(&prediction.conflicts));
    Flight {
        plan,
        state,
        in_flight,
        prediction,
        conflicts,
    }
}
