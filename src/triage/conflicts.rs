//! Conflicts: remaining tasks whose touch points overlap, between tracks, inside a track,
//! and against the changed files of worktrees in flight; plus the conflicts the plan
//! itself declares. A computed conflict always names the paths on both sides.

use super::overlap::{overlap, PathIndex, Why};
use super::{unit_touch_points, Remaining};
use crate::plan::{Plan, Span};
use serde::Serialize;
use std::collections::HashMap;

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
    /// Two worktrees in flight (or one and the base) would conflict when merged.
    Merge,
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
    /// Its changed files, and the touch points of the tasks being done there.
    pub files: Vec<String>,
    /// The plan's tasks being done there (they are not remaining work of anyone else).
    pub tasks: Vec<usize>,
}

/// `t` or one of its ancestors is being done in a worktree.
pub fn in_flight(plan: &Plan, t: usize, occupied: &[Occupied]) -> bool {
    let mut cur = Some(t);
    while let Some(i) = cur {
        if occupied.iter().any(|o| o.tasks.contains(&i)) {
            return true;
        }
        cur = plan.tasks[i].parent;
    }
    false
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
    /// The two sides of a predicted merge conflict.
    pub merge: Option<(crate::repo::merge::Side, crate::repo::merge::Side)>,
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
            merge: None,
        }
    }

    /// The same conflict with these tasks on the left.
    fn of(mut self, tasks: &[usize]) -> Conflict {
        self.left_tasks = tasks.to_vec();
        self
    }

    /// The same conflict with a track and its tasks on the right.
    fn against(mut self, track: usize, tasks: &[usize]) -> Conflict {
        self.right_track = Some(track);
        self.right_tasks = tasks.to_vec();
        self
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// Add (x, y) when the two paths can name the same file.
fn add_if_meet(found: &mut Vec<PathPair>, x: &str, y: &str) {
    if let Some(why) = overlap(x, y) {
        push_unique(
            found,
            PathPair {
                left: x.to_string(),
                right: y.to_string(),
                why,
            },
        );
    }
}

/// Every pair of paths, one from each side, that can name the same file.
pub fn pairs(a: &[String], b: &[String]) -> Vec<PathPair> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            add_if_meet(&mut out, x, y);
        }
    }
    out
}

/// For each unit (its touch points), the worktrees in flight whose changed files it
/// touches, with the pairs: `out[u]` lists `(worktree index, pairs)`. The units are
/// indexed once and each changed file looks up the few it could meet.
pub fn worktree_overlaps(
    units: &[&[String]],
    occupied: &[Occupied],
) -> Vec<Vec<(usize, Vec<PathPair>)>> {
    let mut out: Vec<Vec<(usize, Vec<PathPair>)>> = vec![Vec::new(); units.len()];
    if occupied.is_empty() {
        return out;
    }
    let index = index_paths(units.iter().copied());
    let mut near = Vec::new();
    for (w, o) in occupied.iter().enumerate() {
        // (unit, its path, the file) for every pair the index says may meet.
        let mut hits: Vec<(u32, u32, u32)> = Vec::new();
        for (fi, f) in o.files.iter().enumerate() {
            near.clear();
            index.candidates(f, &mut near);
            hits.extend(near.iter().map(|&(u, p)| (u, p, fi as u32)));
        }
        hits.sort_unstable();
        hits.dedup();
        let mut k = 0;
        while k < hits.len() {
            let u = hits[k].0;
            let mut found = Vec::new();
            while k < hits.len() && hits[k].0 == u {
                let (_, p, fi) = hits[k];
                let (x, y) = (&units[u as usize][p as usize], &o.files[fi as usize]);
                add_if_meet(&mut found, x, y);
                k += 1;
            }
            if !found.is_empty() {
                out[u as usize].push((w, found));
            }
        }
    }
    out
}

/// Run `work` over `0..n` in chunks on the machine's cores (large plans only) and return
/// the results in the order a single pass would give.
fn in_parallel<T: Send>(
    n: usize,
    work: &(dyn Fn(std::ops::Range<usize>) -> Vec<T> + Sync),
) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .min(8);
    if n < 1_000 || threads < 2 {
        return work(0..n);
    }
    let chunk = n.div_ceil(threads * 8);
    let chunks = n.div_ceil(chunk);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parts: Vec<(usize, Vec<T>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if c >= chunks {
                            break;
                        }
                        mine.push((c, work(c * chunk..((c + 1) * chunk).min(n))));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    parts.sort_by_key(|(c, _)| *c);
    parts.into_iter().flat_map(|(_, v)| v).collect()
}

/// Every touch point of every unit, indexed as (unit, position in its list).
fn index_paths<'a>(units: impl Iterator<Item = &'a [String]>) -> PathIndex<(u32, u32)> {
    let mut index = PathIndex::default();
    for (u, touch) in units.enumerate() {
        for (p, path) in touch.iter().enumerate() {
            index.insert(path, (u as u32, p as u32));
        }
    }
    index
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

/// Units of one track with the same paths: (track, tasks, paths, the parent they
/// inherit the paths from).
type Group<'a> = (usize, Vec<usize>, &'a [String], Option<usize>);

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
            // Work in flight is the worktree's: it meets others through `occupied`.
            if in_flight(plan, u.task, occupied) {
                continue;
            }
            let (touch, from) = unit_paths(plan, u.task);
            if !touch.is_empty() {
                units.push((w.track, u.task, touch));
                inherited.push(from);
            }
        }
    }
    // Units of one track with the same paths (and the same parent they inherit them
    // from) are compared once, as a group: a plan where a thousand tasks name one glob
    // would otherwise make a million pairs that all say the same thing.
    let mut groups: Vec<Group> = Vec::new();
    {
        let mut by_key: HashMap<(usize, &[String], Option<usize>), usize> = HashMap::new();
        for (k, (track, task, touch)) in units.iter().enumerate() {
            let key = (*track, touch.as_slice(), inherited[k]);
            match by_key.get(&key) {
                Some(&g) => groups[g].1.push(*task),
                None => {
                    by_key.insert(key, groups.len());
                    groups.push((*track, vec![*task], touch.as_slice(), inherited[k]));
                }
            }
        }
    }
    let index = index_paths(groups.iter().map(|g| g.2));
    let mut out: Vec<Conflict> = Vec::new();
    // One entry per pair of tracks, gathering tasks and paths.
    let mut between: HashMap<(usize, usize), usize> = HashMap::new();
    let touching = |range: std::ops::Range<usize>| -> Vec<(usize, usize, Vec<PathPair>)> {
        let mut near: Vec<(u32, u32)> = Vec::new();
        let mut hits: Vec<(u32, u32, u32)> = Vec::new();
        let mut found_all = Vec::new();
        for i in range {
            // (other group, this group's path, its path) for every pair that may meet.
            hits.clear();
            for (xi, x) in groups[i].2.iter().enumerate() {
                near.clear();
                index.candidates(x, &mut near);
                // Parts of one task that inherit its touch points are not a conflict:
                // such pairs are never made.
                let siblings = |j: usize| {
                    groups[i].0 == groups[j].0
                        && groups[i].3.is_some()
                        && groups[i].3 == groups[j].3
                };
                hits.extend(
                    near.iter()
                        .filter(|&&(j, _)| j as usize > i && !siblings(j as usize))
                        .map(|&(j, yi)| (j, xi as u32, yi)),
                );
            }
            hits.sort_unstable();
            hits.dedup();
            let mut k = 0;
            while k < hits.len() {
                let j = hits[k].0 as usize;
                let (pa, pb) = (groups[i].2, groups[j].2);
                let mut found = Vec::new();
                while k < hits.len() && hits[k].0 as usize == j {
                    let (x, y) = (&pa[hits[k].1 as usize], &pb[hits[k].2 as usize]);
                    add_if_meet(&mut found, x, y);
                    k += 1;
                }
                if !found.is_empty() {
                    found_all.push((i, j, found));
                }
            }
        }
        found_all
    };
    // Tasks of one group touch the same paths: one conflict inside their track (unless
    // they only inherit one parent's paths).
    for (track, tasks, touch, from) in &groups {
        if tasks.len() < 2 || from.is_some() {
            continue;
        }
        let mut found = Vec::new();
        for x in touch.iter() {
            add_if_meet(&mut found, x, x);
        }
        out.push(
            Conflict::new(ConflictKind::InTrack, *track, tasks[0], found)
                .against(*track, &tasks[1..]),
        );
    }
    for (i, j, found) in in_parallel(groups.len(), &touching) {
        let (ta, a, _, _) = &groups[i];
        let (tb, b, _, _) = &groups[j];
        if ta == tb {
            out.push(
                Conflict::new(ConflictKind::InTrack, *ta, a[0], found)
                    .of(a)
                    .against(*tb, b),
            );
            continue;
        }
        match between.get(&(*ta, *tb)) {
            Some(&at) => {
                let c = &mut out[at];
                for t in a {
                    push_unique(&mut c.left_tasks, *t);
                }
                for t in b {
                    push_unique(&mut c.right_tasks, *t);
                }
                for p in found {
                    push_unique(&mut c.paths, p);
                }
            }
            None => {
                between.insert((*ta, *tb), out.len());
                out.push(
                    Conflict::new(ConflictKind::Tracks, *ta, a[0], found)
                        .of(a)
                        .against(*tb, b),
                );
            }
        }
    }
    let touch: Vec<&[String]> = units.iter().map(|(_, _, t)| t.as_slice()).collect();
    let in_flight = worktree_overlaps(&touch, occupied);
    for (w, wt) in occupied.iter().enumerate() {
        let mut per_track: HashMap<usize, usize> = HashMap::new();
        for (u, (t, task, _)) in units.iter().enumerate() {
            let Some((_, found)) = in_flight[u].iter().find(|(x, _)| *x == w) else {
                continue;
            };
            match per_track.get(t) {
                Some(&k) => {
                    let c = &mut out[k];
                    push_unique(&mut c.left_tasks, *task);
                    for p in found {
                        push_unique(&mut c.paths, p.clone());
                    }
                }
                None => {
                    per_track.insert(*t, out.len());
                    let mut c = Conflict::new(ConflictKind::Worktree, *t, *task, found.clone());
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
            merge: None,
        });
    }
    out
}

/// Predicted merge conflicts as conflicts of the triage (`kind: "merge"`).
pub fn merge_conflicts(predicted: &[crate::repo::merge::Predicted]) -> Vec<Conflict> {
    predicted
        .iter()
        .map(|p| Conflict {
            kind: ConflictKind::Merge,
            left_track: None,
            left_tasks: Vec::new(),
            right_track: None,
            right_tasks: Vec::new(),
            worktree: Some((p.a.name.clone(), p.a.branch.clone())),
            worktree_path: Some(p.a.path.clone()),
            paths: p
                .paths
                .iter()
                .map(|x| PathPair {
                    left: x.clone(),
                    right: x.clone(),
                    why: Why::Same,
                })
                .collect(),
            text: None,
            span: None,
            declared_tracks: Vec::new(),
            merge: Some((p.a.clone(), p.b.clone())),
        })
        .collect()
}
