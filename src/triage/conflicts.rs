//! Conflicts: remaining tasks whose touch points overlap, between tracks, inside a track,
//! and against the changed files of worktrees in flight; plus the conflicts the plan
//! itself declares. A computed conflict always names the paths on both sides.

use super::overlap::{overlap, Why};
use super::{unit_touch_points, Remaining};
use crate::plan::{Plan, Span};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Two tracks cannot run in parallel.
    Tracks,
    /// Two tasks of one track touch the same files.
    InTrack,
    /// Remaining work touches files a worktree in flight has changed.
    Worktree,
    /// The plan says so (PLAN_FORMAT §3b); may name no path.
    Declared,
}

/// Two paths that can name the same file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathPair {
    pub left: String,
    pub right: String,
    pub why: Why,
}

/// A worktree in flight, as the conflicts see it.
#[derive(Debug, Clone)]
pub struct Occupied {
    pub name: String,
    /// Where the worktree is checked out.
    pub path: String,
    pub branch: String,
    pub files: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Conflict {
    pub kind: ConflictKind,
    /// Left side: a track and its tasks involved.
    pub left_track: Option<usize>,
    pub left_tasks: Vec<usize>,
    /// Right side: a track and its tasks, or a worktree.
    pub right_track: Option<usize>,
    pub right_tasks: Vec<usize>,
    pub worktree: Option<(String, String)>,
    /// Where that worktree is checked out.
    pub worktree_path: Option<String>,
    pub paths: Vec<PathPair>,
    /// The plan's words, for declared conflicts.
    pub text: Option<String>,
    pub span: Option<Span>,
    /// Track keys a declared conflict names.
    pub declared_tracks: Vec<String>,
}

impl Conflict {
    fn new(kind: ConflictKind, track: usize, task: usize, paths: Vec<PathPair>) -> Conflict {
        Conflict {
            kind,
            left_track: Some(track),
            left_tasks: vec![task],
            right_track: None,
            right_tasks: Vec::new(),
            worktree: None,
            worktree_path: None,
            paths,
            text: None,
            span: None,
            declared_tracks: Vec::new(),
        }
    }

    /// The same conflict with a track and task on the right.
    fn against(mut self, track: usize, task: usize) -> Conflict {
        self.right_track = Some(track);
        self.right_tasks = vec![task];
        self
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// Every pair of paths, one from each side, that can name the same file.
pub fn pairs(a: &[String], b: &[String]) -> Vec<PathPair> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            if let Some(why) = overlap(x, y) {
                push_unique(
                    &mut out,
                    PathPair {
                        left: x.clone(),
                        right: y.clone(),
                        why,
                    },
                );
            }
        }
    }
    out
}

/// The paths a unit works on: its own touch points and its open subtasks'; a subtask
/// with none of its own works on its nearest ancestor's (returned as the second value).
pub fn unit_paths(plan: &Plan, t: usize) -> (Vec<String>, Option<usize>) {
    let mut touch = Vec::new();
    unit_touch_points(plan, t, &mut touch);
    let mut from = None;
    let mut up = plan.tasks[t].parent;
    while touch.is_empty() {
        let Some(p) = up else { break };
        touch.extend(plan.tasks[p].touch_points.iter().map(|r| r.path.clone()));
        from = Some(p);
        up = plan.tasks[p].parent;
    }
    (touch, from)
}

/// All conflicts of the remaining work. Doc-only tracks run in parallel with anything
/// and raise none.
pub fn conflicts(plan: &Plan, remaining: &Remaining, occupied: &[Occupied]) -> Vec<Conflict> {
    // (track, task, touch points) for every unit of a track that is not doc-only. A
    // subtask with no touch points of its own works on its nearest ancestor's.
    let mut units: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut inherited: Vec<Option<usize>> = Vec::new();
    for w in &remaining.tracks {
        if w.doc_only {
            continue;
        }
        for u in &w.units {
            let (touch, from) = unit_paths(plan, u.task);
            if !touch.is_empty() {
                units.push((w.track, u.task, touch));
                inherited.push(from);
            }
        }
    }
    let mut out: Vec<Conflict> = Vec::new();
    for i in 0..units.len() {
        for j in i + 1..units.len() {
            let (ta, a, pa) = &units[i];
            let (tb, b, pb) = &units[j];
            let found = pairs(pa, pb);
            if found.is_empty() {
                continue;
            }
            if ta == tb {
                // Parts of one task sharing its touch points are not a conflict.
                if inherited[i].is_some() && inherited[i] == inherited[j] {
                    continue;
                }
                out.push(Conflict::new(ConflictKind::InTrack, *ta, *a, found).against(*tb, *b));
                continue;
            }
            // One entry per pair of tracks, gathering tasks and paths.
            let existing = out.iter_mut().find(|c| {
                c.kind == ConflictKind::Tracks
                    && c.left_track == Some(*ta)
                    && c.right_track == Some(*tb)
            });
            match existing {
                Some(c) => {
                    push_unique(&mut c.left_tasks, *a);
                    push_unique(&mut c.right_tasks, *b);
                    for p in found {
                        push_unique(&mut c.paths, p);
                    }
                }
                None => {
                    out.push(Conflict::new(ConflictKind::Tracks, *ta, *a, found).against(*tb, *b))
                }
            }
        }
    }
    for wt in occupied {
        for (t, task, touch) in &units {
            let found = pairs(touch, &wt.files);
            if found.is_empty() {
                continue;
            }
            let existing = out.iter_mut().find(|c| {
                c.kind == ConflictKind::Worktree
                    && c.left_track == Some(*t)
                    && c.worktree.as_ref().is_some_and(|(n, _)| n == &wt.name)
            });
            match existing {
                Some(c) => {
                    push_unique(&mut c.left_tasks, *task);
                    for p in found {
                        push_unique(&mut c.paths, p);
                    }
                }
                None => {
                    let mut c = Conflict::new(ConflictKind::Worktree, *t, *task, found);
                    c.worktree = Some((wt.name.clone(), wt.branch.clone()));
                    c.worktree_path = Some(wt.path.clone());
                    out.push(c);
                }
            }
        }
    }
    for d in &plan.declared_conflicts {
        out.push(Conflict {
            kind: ConflictKind::Declared,
            left_track: None,
            left_tasks: Vec::new(),
            right_track: None,
            right_tasks: Vec::new(),
            worktree: None,
            worktree_path: None,
            paths: d
                .paths
                .iter()
                .map(|p| PathPair {
                    left: p.clone(),
                    right: p.clone(),
                    why: Why::Same,
                })
                .collect(),
            text: Some(d.text.clone()),
            span: Some(d.span),
            declared_tracks: d.tracks.clone(),
        });
    }
    out
}
