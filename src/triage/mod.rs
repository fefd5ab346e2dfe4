//! The triage, pure: remaining work by track (priority, then plan order), actionable
//! units, what blocks what (dependencies and checkpoint order), doc-only tracks.

use crate::plan::{Plan, Status};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::HashMap;
use std::sync::Arc;

pub mod conflicts;
pub mod inflight;
pub mod overlap;
pub mod questions;
pub mod shortlist;
pub mod snapshot;

pub use snapshot::{
    flight, triage, CandidateOverlap, Claim, Flight, PairSummary, Snapshot, Triage,
};

/// Documentation globs, compiled once.
pub struct DocGlobs(GlobSet);

impl DocGlobs {
    pub fn new(globs: &[String]) -> DocGlobs {
        let mut b = GlobSetBuilder::new();
        for g in globs {
            if let Ok(glob) = GlobBuilder::new(g).literal_separator(true).build() {
                b.add(glob);
            }
        }
        DocGlobs(b.build().unwrap_or_else(|_| GlobSet::empty()))
    }

    /// A touch point is documentation when every path it can name is. Directories and
    /// globs are judged by a representative path (`user_docs/` → `user_docs/_`).
    pub fn is_doc(&self, path: &str) -> bool {
        let probe = if let Some(dir) = path.strip_suffix('/') {
            format!("{dir}/_")
        } else {
            path.replace("**", "_").replace(['*', '?'], "_")
        };
        self.0.is_match(probe)
    }
}

/// One track's remaining work.
#[derive(Debug, Clone)]
pub struct TrackWork {
    pub track: usize,
    /// Actionable units, in plan order.
    pub units: Vec<Unit>,
    /// Open tasks in the track, subtasks included.
    pub open: usize,
    /// Every touch point of the remaining work is documentation.
    pub doc_only: bool,
    /// Tasks under way (in progress, or partly done) whose open subtasks are the units:
    /// they stay in the answer, so that it shows the work is started.
    pub started: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub task: usize,
    /// What holds it back now: unfinished dependencies (its own and its ancestors') and
    /// unfinished tasks of earlier checkpoints the plan calls blocking.
    pub blocked_by: Vec<usize>,
    /// Its own touch points and its open subtasks'.
    pub touch: Vec<String>,
    /// The paths it works on: `touch`, else its nearest ancestor's touch points.
    pub works_on: Vec<String>,
    /// The worktree doing it (or an ancestor of it): (name, branch). Filled by the
    /// triage once the worktrees in flight are known.
    pub in_flight: Option<(String, String)>,
    /// The claim on it (or on an ancestor of it). Filled by the triage.
    pub claim: Option<Claim>,
}

#[derive(Debug, Clone, Default)]
pub struct Remaining {
    /// Tracks with open work, most urgent first.
    pub tracks: Vec<TrackWork>,
    pub open: usize,
    /// What holds back each unit and each task below one (see [`blocked_by`]).
    pub blocked: HashMap<usize, Vec<usize>>,
    /// Each of the plan's checkpoints as it stands, in the plan's order.
    pub checkpoints: Vec<CheckpointState>,
}

/// A checkpoint as it stands now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointState {
    /// Its unfinished tasks, in the checkpoint's order.
    pub open: Vec<usize>,
    /// It has open work and so has an earlier checkpoint: it waits for that one.
    pub waits: bool,
}

/// The state of every checkpoint of the plan, in order.
pub fn checkpoint_states(plan: &Plan) -> Vec<CheckpointState> {
    let mut earlier_open = false;
    plan.checkpoints
        .iter()
        .map(|c| {
            let open: Vec<usize> = c
                .tasks
                .iter()
                .copied()
                .filter(|&t| !plan.is_finished(t))
                .collect();
            let waits = earlier_open && !open.is_empty();
            earlier_open |= !open.is_empty();
            CheckpointState { open, waits }
        })
        .collect()
}

/// [`blocked_by`] of every task in the subtrees of `roots`.
///
/// Walked top-down, each task inheriting its parent's dependencies and checkpoint
/// instead of walking up to the root again: a plan nested thousands deep costs time
/// in proportion to its size, not to size times depth.
pub fn blocked_in(
    plan: &Plan,
    roots: impl IntoIterator<Item = usize>,
) -> HashMap<usize, Vec<usize>> {
    use std::rc::Rc;
    let mut out = HashMap::new();
    // (task, dependencies of it and its ancestors, nearest first; nearest checkpoint)
    let mut stack: Vec<(usize, Rc<Vec<usize>>, Option<usize>)> = Vec::new();
    for r in roots {
        let (deps, checkpoint) = held_from_above(plan, r);
        stack.push((r, Rc::new(deps), checkpoint));
    }
    while let Some((t, deps, checkpoint)) = stack.pop() {
        if out.contains_key(&t) {
            continue;
        }
        out.insert(t, blocked_from(plan, t, &deps, checkpoint));
        for &c in &plan.tasks[t].subtasks {
            let own = &plan.tasks[c].deps;
            let deps = match own.is_empty() {
                true => Rc::clone(&deps),
                false => Rc::new(own.iter().chain(deps.iter()).copied().collect()),
            };
            stack.push((c, deps, plan.tasks[c].checkpoint.or(checkpoint)));
        }
    }
    out
}

/// Remaining work of the whole plan.
pub fn remaining(plan: &Plan, docs: &DocGlobs) -> Remaining {
    let mut tracks = Vec::new();
    let mut open_total = 0;
    for (ti, tr) in plan.tracks.iter().enumerate() {
        let mut units = Vec::new();
        let mut open = 0;
        let mut started = Vec::new();
        for &t in &tr.tasks {
            open += count_open(plan, t);
            for u in actionable_units(plan, t) {
                let mut up = plan.tasks[u].parent;
                while let Some(p) = up {
                    if !started.contains(&p) {
                        started.push(p);
                    }
                    up = plan.tasks[p].parent;
                }
                let mut touch = Vec::new();
                unit_touch_points(plan, u, &mut touch);
                units.push(Unit {
                    task: u,
                    blocked_by: blocked_by(plan, u),
                    works_on: conflicts::unit_paths(plan, u).0,
                    touch,
                    in_flight: None,
                    claim: None,
                });
            }
        }
        if units.is_empty() {
            continue;
        }
        open_total += open;
        let doc_only = is_doc_only(&units, docs);
        started.sort_by_key(|&p| plan.tasks[p].span);
        tracks.push(TrackWork {
            track: ti,
            units,
            open,
            doc_only,
            started,
        });
    }
    tracks.sort_by_key(|w| {
        let tr = &plan.tracks[w.track];
        (tr.priority.map_or(u8::MAX, |p| p.0), tr.span)
    });
    let blocked = blocked_in(
        plan,
        tracks.iter().flat_map(|w| w.units.iter().map(|u| u.task)),
    );
    Remaining {
        tracks,
        open: open_total,
        blocked,
        checkpoints: checkpoint_states(plan),
    }
}

/// Open tasks in `t`'s tree. The walks over a task's subtree here keep their own stack:
/// a plan can nest subtasks thousands deep, deeper than a thread's stack allows.
fn count_open(plan: &Plan, t: usize) -> usize {
    let mut n = 0;
    let mut stack = vec![t];
    while let Some(x) = stack.pop() {
        n += usize::from(!plan.is_finished(x));
        stack.extend(plan.tasks[x].subtasks.iter().copied());
    }
    n
}

/// SPEC §3: a pending parent whose subtasks are all pending is one unit; a parent in
/// progress (or partly done) contributes its open subtasks instead.
pub fn actionable_units(plan: &Plan, t: usize) -> Vec<usize> {
    let untouched = |c: usize| {
        let s = plan.tasks[c].status;
        matches!(s, Status::Pending | Status::Blocked) && !any_started(plan, c)
    };
    let mut out = Vec::new();
    let mut stack = vec![t];
    while let Some(x) = stack.pop() {
        // (Optional work left open under a finished parent is still listed.)
        if plan.is_all_closed(x) {
            continue;
        }
        let task = &plan.tasks[x];
        let parent_untouched = matches!(task.status, Status::Pending | Status::Blocked);
        let whole = task.subtasks.is_empty()
            || (parent_untouched && task.subtasks.iter().all(|&c| untouched(c)))
            // Every required subtask is finished but the parent is not: finishing it
            // is the work.
            || (!task.status.is_closed()
                && task
                    .subtasks
                    .iter()
                    .all(|&c| plan.tasks[c].optional || plan.is_finished(c)));
        if whole {
            out.push(x);
        } else {
            // In plan order: the first subtask is taken first.
            stack.extend(task.subtasks.iter().rev().copied());
        }
    }
    out
}

/// Some task below `t` is done or in progress.
fn any_started(plan: &Plan, t: usize) -> bool {
    let mut stack: Vec<usize> = plan.tasks[t].subtasks.to_vec();
    while let Some(c) = stack.pop() {
        if matches!(plan.tasks[c].status, Status::Done | Status::InProgress) {
            return true;
        }
        stack.extend(plan.tasks[c].subtasks.iter().copied());
    }
    false
}

/// The unfinished tasks that hold `t` back now.
pub fn blocked_by(plan: &Plan, t: usize) -> Vec<usize> {
    let (deps, checkpoint) = held_from_above(plan, t);
    blocked_from(plan, t, &deps, checkpoint)
}

/// The dependencies of `t` and its ancestors (nearest first) and its nearest
/// checkpoint, found by walking up to the root.
fn held_from_above(plan: &Plan, t: usize) -> (Vec<usize>, Option<usize>) {
    let (mut deps, mut checkpoint, mut cur) = (Vec::new(), None, Some(t));
    while let Some(i) = cur {
        deps.extend_from_slice(&plan.tasks[i].deps);
        checkpoint = checkpoint.or(plan.tasks[i].checkpoint);
        cur = plan.tasks[i].parent;
    }
    (deps, checkpoint)
}

/// What holds `t` back, given the dependencies of it and its ancestors (nearest
/// first) and its nearest checkpoint.
fn blocked_from(plan: &Plan, t: usize, deps: &[usize], checkpoint: Option<usize>) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let push = |x: usize, out: &mut Vec<usize>| {
        if x != t && !out.contains(&x) && !plan.is_finished(x) && !related(plan, x, t) {
            out.push(x);
        }
    };
    for &d in deps {
        push(d, &mut out);
    }
    // Checkpoint order holds work back only where the plan says so in words (a gate);
    // otherwise it is a preference the shortlist weighs (PLAN_FORMAT §6).
    if let Some(k) = checkpoint {
        let file = plan.tasks[t].span.file;
        for cp in plan.checkpoints[..k.min(plan.checkpoints.len())]
            .iter()
            .filter(|cp| cp.gate && cp.scope.is_none_or(|f| f == file))
        {
            for &x in &cp.tasks {
                push(x, &mut out);
            }
        }
    }
    out
}

/// The open tasks of checkpoints before `t`'s own that are not gates: `t` may start,
/// but the plan would rather they came first.
pub fn earlier_open(plan: &Plan, t: usize) -> Vec<usize> {
    let mut cur = Some(t);
    let mut checkpoint = None;
    while let (Some(i), None) = (cur, checkpoint) {
        checkpoint = plan.tasks[i].checkpoint;
        cur = plan.tasks[i].parent;
    }
    let Some(k) = checkpoint else {
        return Vec::new();
    };
    let file = plan.tasks[t].span.file;
    plan.checkpoints[..k.min(plan.checkpoints.len())]
        .iter()
        .filter(|cp| !cp.gate && cp.scope.is_none_or(|f| f == file))
        .flat_map(|cp| cp.tasks.iter().copied())
        .filter(|&x| x != t && !plan.is_finished(x) && !related(plan, x, t))
        .collect()
}

/// `a` is an ancestor or descendant of `b`.
pub fn is_related(plan: &Plan, a: usize, b: usize) -> bool {
    related(plan, a, b)
}

fn related(plan: &Plan, a: usize, b: usize) -> bool {
    let up = |mut x: usize, target: usize| {
        while let Some(p) = plan.tasks[x].parent {
            if p == target {
                return true;
            }
            x = p;
        }
        false
    };
    up(a, b) || up(b, a)
}

/// Touch points of a unit and everything below it.
pub fn unit_touch_points(plan: &Plan, t: usize, out: &mut Vec<String>) {
    let mut stack = vec![t];
    while let Some(x) = stack.pop() {
        for p in &plan.tasks[x].touch_points {
            if !out.contains(&p.path) {
                out.push(p.path.clone());
            }
        }
        // In plan order, open subtasks only.
        stack.extend(
            plan.tasks[x]
                .subtasks
                .iter()
                .rev()
                .copied()
                .filter(|&c| !plan.is_finished(c)),
        );
    }
}

/// A track is doc-only when its remaining work has touch points and all are docs; tasks
/// without touch points neither make nor break it.
fn is_doc_only(units: &[Unit], docs: &DocGlobs) -> bool {
    let mut any = false;
    for u in units {
        if !u.touch.iter().all(|p| docs.is_doc(p)) {
            return false;
        }
        any |= !u.touch.is_empty();
    }
    any
}

/// A track query that names no track, or several.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TrackError {
    #[error("no track `{query}`; tracks: {known}")]
    Unknown { query: String, known: String },
    #[error("track `{query}` is ambiguous: {candidates}; use the key")]
    Ambiguous { query: String, candidates: String },
}

/// [`find_track`], with an error a person can act on: the tracks there are, or the
/// ones the query could mean.
pub fn track_named(plan: &Plan, query: &str) -> Result<usize, TrackError> {
    let list = |ts: &mut dyn Iterator<Item = usize>| {
        ts.map(|t| format!("{} ({})", plan.tracks[t].key, plan.tracks[t].name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    find_track(plan, query).map_err(|cands| {
        if cands.is_empty() {
            TrackError::Unknown {
                query: query.to_string(),
                known: list(&mut (0..plan.tracks.len())),
            }
        } else {
            TrackError::Ambiguous {
                query: query.to_string(),
                candidates: list(&mut cands.into_iter()),
            }
        }
    })
}

/// Everything `task` shows about one task besides the plan's own fields.
#[derive(Debug, Clone)]
pub struct TaskFacts {
    pub plan: Arc<Plan>,
    pub task: usize,
    /// Unfinished tasks holding back it and each task below it.
    pub blocked: HashMap<usize, Vec<usize>>,
    /// Tasks that depend on it.
    pub dependents: Vec<usize>,
    /// What can be picked up of it now (itself, or its open subtasks).
    pub units: Vec<usize>,
    /// The checkpoint it (or its nearest ancestor) belongs to, by id.
    pub checkpoint: Option<String>,
    /// The plan's open questions asked about it (indices into `plan.questions`).
    pub questions: Vec<usize>,
}

pub fn task_facts(plan: Arc<Plan>, t: usize) -> TaskFacts {
    let blocked = blocked_in(&plan, [t]);
    let dependents = (0..plan.tasks.len())
        .filter(|&o| plan.tasks[o].deps.contains(&t))
        .collect();
    let units = actionable_units(&plan, t);
    let checkpoint = checkpoint_of(&plan, t);
    let questions = (0..plan.questions.len())
        .filter(|&q| plan.questions[q].task == Some(t))
        .collect();
    TaskFacts {
        task: t,
        blocked,
        dependents,
        units,
        checkpoint,
        questions,
        plan,
    }
}

/// The checkpoint a task (or its nearest ancestor) belongs to, by id.
pub fn checkpoint_of(plan: &Plan, t: usize) -> Option<String> {
    let mut cur = Some(t);
    while let Some(i) = cur {
        if let Some(k) = plan.tasks[i].checkpoint {
            return plan.checkpoints.get(k).map(|c| c.id.clone());
        }
        cur = plan.tasks[i].parent;
    }
    None
}

/// One track: its remaining work (absent when nothing remains).
#[derive(Debug, Clone)]
pub struct TrackFacts {
    pub plan: Arc<Plan>,
    pub track: usize,
    pub work: Option<TrackWork>,
    /// What holds back each of the track's tasks.
    pub blocked: HashMap<usize, Vec<usize>>,
    /// Its finished top-level tasks, in the plan's order.
    pub finished: Vec<usize>,
}

/// One track's facts: its remaining work (with the plan's doc globs) and what holds
/// back each of its tasks.
pub fn track_facts(plan: Arc<Plan>, ti: usize, docs: &DocGlobs) -> TrackFacts {
    let work = remaining(&plan, docs)
        .tracks
        .into_iter()
        .find(|w| w.track == ti);
    let blocked = blocked_in(&plan, plan.tracks[ti].tasks.iter().copied());
    let finished = plan.tracks[ti]
        .tasks
        .iter()
        .copied()
        .filter(|&t| plan.is_finished(t))
        .collect();
    TrackFacts {
        plan,
        track: ti,
        work,
        blocked,
        finished,
    }
}

/// Find a track by key, letter, numeric id or (unique) name fragment.
pub fn find_track(plan: &Plan, query: &str) -> Result<usize, Vec<usize>> {
    let q = query.trim().to_lowercase();
    let q = q.strip_prefix("track ").unwrap_or(&q).trim();
    let exact: Vec<usize> = (0..plan.tracks.len())
        .filter(|&i| {
            let t = &plan.tracks[i];
            t.key.to_lowercase() == q
                || t.letter.as_deref().is_some_and(|l| l.to_lowercase() == q)
                || t.id.as_deref() == Some(q)
                || t.name.to_lowercase() == q
        })
        .collect();
    if exact.len() == 1 {
        return Ok(exact[0]);
    }
    if exact.len() > 1 {
        return Err(exact);
    }
    let partial: Vec<usize> = (0..plan.tracks.len())
        .filter(|&i| plan.tracks[i].name.to_lowercase().contains(q))
        .collect();
    match partial.len() {
        1 => Ok(partial[0]),
        _ => Err(partial),
    }
}

/// Tasks set aside: written under a parking-lot heading (config `parking_sections`:
/// `Backlog`, `Ideas`, `Parking lot`, `想法`…) or a heading the plan marks (`（暂缓）`,
/// a `> Deferred until …` quote), or marked so themselves or through a parent
/// (`Stake 插件下单（暂缓）`): listed in the triage, never shortlisted. Task → why
/// (`parked in \`Backlog\``, `marked \`暂缓\``).
pub fn parked(plan: &Plan, names: &[String]) -> HashMap<usize, String> {
    let names: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    // Per section: the parking heading at or above it, if any.
    let mut by_section: Vec<Option<String>> = Vec::with_capacity(plan.sections.len());
    for s in &plan.sections {
        // Parents come before children, so theirs is known.
        let inherited = s
            .parent
            .and_then(|p| by_section.get(p as usize).cloned().flatten());
        let own = names
            .iter()
            .any(|n| names_word(&s.name.to_lowercase(), n))
            .then(|| s.name.clone())
            .or_else(|| s.parked.as_ref().map(|_| s.name.clone()));
        by_section.push(inherited.or(own));
    }
    // Per task: the task at or above it whose own words set it aside, each found once
    // (a chain of subtasks thousands deep is walked once, not once per task in it).
    let own = |t: usize| {
        plan.tasks[t]
            .extra
            .as_ref()
            .and_then(|e| e.parked.as_deref())
    };
    let mut marked_by: Vec<Option<Option<usize>>> = vec![None; plan.tasks.len()];
    let mut path = Vec::new();
    for t in 0..plan.tasks.len() {
        let mut a = t;
        let found = loop {
            if let Some(known) = marked_by[a] {
                break known;
            }
            if own(a).is_some() {
                break Some(a);
            }
            path.push(a);
            match plan.tasks[a].parent {
                Some(p) => a = p,
                None => break None,
            }
        };
        for x in path.drain(..) {
            marked_by[x] = Some(found);
        }
        marked_by[a].get_or_insert(found);
    }
    let mut out = HashMap::new();
    for (t, task) in plan.tasks.iter().enumerate() {
        if let Some(words) = marked_by[t].flatten().and_then(own) {
            out.insert(t, format!("marked `{words}`"));
        } else if let Some(Some(name)) = task.section.map(|s| &by_section[s as usize]) {
            out.insert(t, format!("parked in `{name}`"));
        }
    }
    out
}

/// `needle` appears in `hay` as a word: not inside a longer ASCII word (`Later` in
/// `Later phases`, not in `Translater`); CJK needles match anywhere.
fn names_word(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let ascii_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    hay.match_indices(needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        let glued_before =
            needle.starts_with(|c: char| c.is_ascii_alphanumeric()) && ascii_word(before);
        let glued_after =
            needle.ends_with(|c: char| c.is_ascii_alphanumeric()) && ascii_word(after);
        !glued_before && !glued_after
    })
}
