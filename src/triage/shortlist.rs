//! The shortlist: 3–5 candidates over 2–4 tracks, preferring higher priority, unblocked,
//! not conflicting with work in flight, earlier checkpoint, then plan order. Every
//! candidate says why it was chosen; every other unit says why not (`--explain`).

use super::conflicts::{pairs, worktree_overlaps, Occupied, PathPair};
use super::Remaining;
use crate::config::ShortlistSizes;
use crate::plan::{Plan, Span};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// What the shortlist must leave out, besides what the plan itself says.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    /// Tasks being done in a worktree: task → (worktree name, branch).
    pub in_flight: HashMap<usize, (String, String)>,
    /// Tasks set aside (a parking-lot section, a `（暂缓）` mark): task → why (`parked in \`Ideas\``).
    pub parked: HashMap<usize, String>,
    /// Tasks someone claimed by picking them (claims that still hold): task → (who, when).
    pub claimed: HashMap<usize, (String, DateTime<Utc>)>,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    /// 1-based.
    pub rank: usize,
    pub task: usize,
    pub track: usize,
    /// Why it was chosen, most important first.
    pub reasons: Vec<String>,
    /// What to mind when picking it (overlaps with work in flight or other candidates).
    pub cautions: Vec<String>,
    /// One of the top items: the recommended next.
    pub recommended: bool,
    /// The paths it works on (its own touch points, its open subtasks', else its
    /// nearest ancestor's).
    pub touch: Vec<String>,
}

/// A unit that is not on the shortlist, and why.
#[derive(Debug, Clone)]
pub struct Passed {
    pub task: usize,
    pub track: usize,
    pub why: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Shortlist {
    pub candidates: Vec<Candidate>,
    pub passed: Vec<Passed>,
}

impl Shortlist {
    pub fn recommended(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|c| c.recommended)
    }
}

struct Info {
    task: usize,
    track: usize,
    prio: u8,
    /// Worktrees in flight whose changed files the unit touches.
    in_flight_overlap: Vec<(String, String, Vec<PathPair>)>,
    checkpoint: usize,
    /// Where its checkpoint comes in the plan's order: its index, or for a phase of
    /// one file, its place among that file's phases (features do not wait for each
    /// other's phases).
    order: usize,
    /// Marked optional: after every required unit.
    optional: bool,
    /// Marked parallel-safe (`[P]`).
    parallel: bool,
    /// The item has no id of its own (a progress summary line, say): it ranks after
    /// the numbered tasks of the same priority.
    unnumbered: bool,
    span: Span,
    paths: Vec<String>,
}

impl Info {
    /// The ranking, in the order the rules apply: required before optional, priority,
    /// no overlap with work in flight, earlier checkpoint, numbered before unnumbered,
    /// plan order.
    fn key(&self) -> (bool, u8, bool, usize, bool, Span) {
        (
            self.optional,
            self.prio,
            !self.in_flight_overlap.is_empty(),
            self.order,
            self.unnumbered,
            self.span,
        )
    }
}

fn ids(plan: &Plan, ts: &[usize]) -> String {
    ts.iter()
        .map(|&t| format!("{} ({})", plan.tasks[t].id, plan.tasks[t].status.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn pair_text(p: &[PathPair]) -> String {
    let mut v: Vec<String> = p
        .iter()
        .take(3)
        .map(|p| {
            if p.left == p.right {
                format!("`{}`", p.left)
            } else {
                format!("`{}` ↔ `{}`", p.left, p.right)
            }
        })
        .collect();
    if p.len() > 3 {
        v.push(format!("{} more", p.len() - 3));
    }
    v.join(", ")
}

pub fn track_name(plan: &Plan, t: usize) -> String {
    let tr = &plan.tracks[t];
    match &tr.letter {
        Some(l) => format!("Track {l}"),
        None => format!("`{}`", tr.name),
    }
}

/// Explicit dependencies (its own and its ancestors') of `t` that are not finished.
fn open_deps(plan: &Plan, t: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cur = Some(t);
    while let Some(i) = cur {
        for &d in &plan.tasks[i].deps {
            if !plan.is_finished(d) && !out.contains(&d) {
                out.push(d);
            }
        }
        cur = plan.tasks[i].parent;
    }
    out
}

/// The place of checkpoint `c` in the plan's order (see [`Info::order`]).
fn checkpoint_order(plan: &Plan, c: usize) -> usize {
    match plan.checkpoints.get(c) {
        // Its place among the checkpoints of its scope (a file's phases, or the plan's
        // own checkpoints), so that the two kinds rank alike.
        Some(cp) => plan.checkpoints[..c]
            .iter()
            .filter(|o| o.scope == cp.scope)
            .count(),
        None => usize::MAX,
    }
}

/// It, or a task above it, is marked optional.
fn is_optional(plan: &Plan, t: usize) -> bool {
    let mut cur = Some(t);
    while let Some(i) = cur {
        if plan.tasks[i].optional {
            return true;
        }
        cur = plan.tasks[i].parent;
    }
    false
}

fn checkpoint_of(plan: &Plan, t: usize) -> Option<usize> {
    let mut cur = Some(t);
    while let Some(i) = cur {
        if let Some(c) = plan.tasks[i].checkpoint {
            return Some(c);
        }
        cur = plan.tasks[i].parent;
    }
    None
}

/// Choose the candidates.
pub fn shortlist(
    plan: &Plan,
    remaining: &Remaining,
    occupied: &[Occupied],
    sizes: &ShortlistSizes,
    ex: &Exclusions,
) -> Shortlist {
    let doc_only: HashSet<usize> = remaining
        .tracks
        .iter()
        .filter(|w| w.doc_only)
        .map(|w| w.track)
        .collect();
    // Every unit's paths first, so that the worktrees' files are matched in one pass.
    let all: Vec<(usize, usize, Vec<String>)> = remaining
        .tracks
        .iter()
        .flat_map(|w| {
            w.units
                .iter()
                .map(move |u| (w.track, u.task, u.works_on.clone()))
        })
        .collect();
    let touch: Vec<&[String]> = all
        .iter()
        .map(|(tr, _, p)| {
            if doc_only.contains(tr) {
                &[][..]
            } else {
                p.as_slice()
            }
        })
        .collect();
    let mut in_flight = worktree_overlaps(&touch, occupied).into_iter();
    let mut all = all.into_iter();
    let mut eligible: Vec<Info> = Vec::new();
    let mut passed: Vec<Passed> = Vec::new();
    for w in &remaining.tracks {
        for u in &w.units {
            let t = u.task;
            // `all` and `in_flight` run in the same order as these loops.
            let paths = all.next().map(|(_, _, p)| p).unwrap_or_default();
            let in_flight_overlap: Vec<(String, String, Vec<PathPair>)> = in_flight
                .next()
                .unwrap_or_default()
                .into_iter()
                .map(|(k, found)| (occupied[k].name.clone(), occupied[k].branch.clone(), found))
                .collect();
            let mut why = Vec::new();
            if let Some(why_parked) = ex.parked.get(&t) {
                why.push(format!("{why_parked}: listed, never shortlisted"));
            }
            let flying = in_flight_of(plan, t, ex);
            if let Some((name, branch)) = &flying {
                why.push(format!("in flight in worktree `{name}` (`{branch}`)"));
            }
            if let Some((who, when)) = claimed_by(plan, t, ex) {
                why.push(format!("claimed by {who} ({})", when.format("%Y-%m-%d")));
            }
            let deps = open_deps(plan, t);
            if !deps.is_empty() {
                why.push(format!(
                    "blocked by {} {}",
                    if deps.len() == 1 {
                        "dependency"
                    } else {
                        "dependencies"
                    },
                    ids(plan, &deps)
                ));
            }
            let by_checkpoint: Vec<usize> = u
                .blocked_by
                .iter()
                .copied()
                .filter(|b| !deps.contains(b))
                .collect();
            if !by_checkpoint.is_empty() {
                let cp = checkpoint_of(plan, t)
                    .and_then(|c| plan.checkpoints.get(c))
                    .map(|c| c.id.clone())
                    .unwrap_or_else(|| "its checkpoint".into());
                let earlier: Vec<String> = {
                    let mut v: Vec<String> = by_checkpoint
                        .iter()
                        .filter_map(|&b| checkpoint_of(plan, b))
                        .filter_map(|c| plan.checkpoints.get(c).map(|c| c.id.clone()))
                        .collect();
                    v.dedup();
                    v
                };
                let shown: Vec<usize> = by_checkpoint.iter().copied().take(5).collect();
                let more = by_checkpoint.len().saturating_sub(shown.len());
                let names: Vec<String> = shown
                    .iter()
                    .map(|&b| plan.tasks[b].id.to_string())
                    .collect();
                why.push(format!(
                    "held by a stated gate: {cp} waits for {} ({} open: {}{})",
                    earlier.join(", "),
                    by_checkpoint.len(),
                    names.join(", "),
                    if more > 0 { ", …" } else { "" }
                ));
            }
            if !why.is_empty() {
                // Work in flight overlaps its own worktree, which says nothing.
                let others = in_flight_overlap
                    .iter()
                    .filter(|(n, _, _)| flying.as_ref().is_none_or(|(f, _)| f != n));
                for (name, branch, found) in others {
                    why.push(format!(
                        "conflicts with worktree `{name}` (`{branch}`) on {}",
                        pair_text(found)
                    ));
                }
                passed.push(Passed {
                    task: t,
                    track: w.track,
                    why,
                });
                continue;
            }
            let checkpoint = checkpoint_of(plan, t).unwrap_or(usize::MAX);
            eligible.push(Info {
                task: t,
                track: w.track,
                prio: plan.effective_priority(t).map_or(u8::MAX, |p| p.0),
                in_flight_overlap,
                checkpoint,
                order: checkpoint_order(plan, checkpoint),
                optional: is_optional(plan, t),
                parallel: plan.tasks[t].parallel,
                unnumbered: plan.tasks[t].derived_id,
                span: plan.tasks[t].span,
                paths,
            });
        }
    }
    eligible.sort_by_key(Info::key);

    // Greedy pass under the per-track cap and the track limit.
    let mut chosen: Vec<usize> = Vec::new(); // indices into eligible
    let mut per_track: HashMap<usize, usize> = HashMap::new();
    let mut tracks: Vec<usize> = Vec::new();
    let mut refused: HashMap<usize, String> = HashMap::new();
    let mut added_for: HashMap<usize, String> = HashMap::new();
    for (i, e) in eligible.iter().enumerate() {
        if chosen.len() >= sizes.max_candidates {
            break;
        }
        let n = per_track.get(&e.track).copied().unwrap_or(0);
        // Parallel-safe tasks are offered together only when they touch different files.
        if e.parallel {
            let shared = chosen.iter().find(|&&c| {
                let o = &eligible[c];
                o.track == e.track && o.parallel && !pairs(&o.paths, &e.paths).is_empty()
            });
            if let Some(&c) = shared {
                refused.insert(
                    i,
                    format!(
                        "parallel-safe, but it touches the same files as `{}`, which is offered",
                        plan.tasks[eligible[c].task].id
                    ),
                );
                continue;
            }
        }
        if n >= sizes.per_track {
            refused.insert(
                i,
                format!(
                    "cap per track: {} already offers {n}",
                    track_name(plan, e.track)
                ),
            );
            continue;
        }
        if n == 0 && tracks.len() >= sizes.max_tracks {
            refused.insert(
                i,
                format!("track limit: {} tracks already offered", tracks.len()),
            );
            continue;
        }
        chosen.push(i);
        *per_track.entry(e.track).or_default() += 1;
        if n == 0 {
            tracks.push(e.track);
        }
    }
    // Spread: at least `min_tracks` tracks when more have eligible work, taking a slot
    // from a track that offers several.
    while tracks.len() < sizes.min_tracks {
        // (Optional work never takes a required unit's place.)
        let Some(next) = (0..eligible.len()).find(|&i| {
            !chosen.contains(&i) && !tracks.contains(&eligible[i].track) && !eligible[i].optional
        }) else {
            break;
        };
        if chosen.len() >= sizes.max_candidates {
            let Some(pos) = chosen
                .iter()
                .rposition(|&c| per_track.get(&eligible[c].track).copied().unwrap_or(0) > 1)
            else {
                break;
            };
            let out = chosen.remove(pos);
            *per_track.entry(eligible[out].track).or_default() -= 1;
            refused.insert(
                out,
                format!(
                    "made room for {} so that the shortlist spans {} tracks",
                    track_name(plan, eligible[next].track),
                    sizes.min_tracks
                ),
            );
        }
        chosen.push(next);
        refused.remove(&next);
        added_for.insert(
            next,
            format!(
                "brings {} in: the shortlist spans at least {} tracks",
                track_name(plan, eligible[next].track),
                sizes.min_tracks
            ),
        );
        *per_track.entry(eligible[next].track).or_default() += 1;
        tracks.push(eligible[next].track);
    }
    // Size: at least `min_candidates` when that many are eligible, past the per-track cap.
    for (i, e) in eligible.iter().enumerate() {
        if chosen.len() >= sizes.min_candidates {
            break;
        }
        if chosen.contains(&i) {
            continue;
        }
        if !tracks.contains(&e.track) && tracks.len() >= sizes.max_tracks {
            continue;
        }
        chosen.push(i);
        refused.remove(&i);
        added_for.insert(
            i,
            format!(
                "past the per-track cap of {}: too few other candidates to offer {}",
                sizes.per_track, sizes.min_candidates
            ),
        );
        if !tracks.contains(&e.track) {
            tracks.push(e.track);
        }
    }
    chosen.sort_by_key(|&i| eligible[i].key());

    let best = chosen.first().map(|&i| {
        let k = eligible[i].key();
        (k.0, k.1, k.2)
    });
    let mut first_of_track: HashSet<usize> = HashSet::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    for (rank0, &i) in chosen.iter().enumerate() {
        let e = &eligible[i];
        let mut reasons = Vec::new();
        reasons.push(priority_reason(plan, e.task));
        let deps = &plan.tasks[e.task].deps;
        if deps.is_empty() {
            reasons.push("unblocked: no dependencies".into());
        } else {
            reasons.push(format!(
                "unblocked: dependencies done ({})",
                deps.iter()
                    .map(|&d| plan.tasks[d].id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(c) = plan.checkpoints.get(e.checkpoint) {
            reasons.push(format!("checkpoint {} is open", c.id));
        }
        let mut cautions = Vec::new();
        let earlier = super::earlier_open(plan, e.task);
        if !earlier.is_empty() {
            let mut cps: Vec<String> = earlier
                .iter()
                .filter_map(|&x| checkpoint_of(plan, x))
                .filter_map(|c| plan.checkpoints.get(c).map(|c| c.id.clone()))
                .collect();
            cps.dedup();
            let own = plan
                .checkpoints
                .get(e.checkpoint)
                .map_or("its checkpoint".to_string(), |c| c.id.clone());
            cautions.push(format!(
                "{own} work while {} is open ({} open there); the plan's order prefers that first",
                cps.join(", "),
                earlier.len()
            ));
        }
        if e.optional {
            reasons.push("optional: offered after the required work".into());
        }
        if e.parallel {
            reasons.push("parallel-safe: the plan marks it so".into());
        }
        if plan.tracks[e.track].parallel {
            reasons.push(format!(
                "{} runs in parallel (the plan's workstream list)",
                track_name(plan, e.track)
            ));
        }
        if e.in_flight_overlap.is_empty() {
            if !occupied.is_empty() {
                reasons.push(format!(
                    "no overlap with work in flight ({} worktree{})",
                    occupied.len(),
                    if occupied.len() == 1 { "" } else { "s" }
                ));
            }
        } else {
            for (name, branch, found) in &e.in_flight_overlap {
                cautions.push(format!(
                    "overlaps work in flight in worktree `{name}` (`{branch}`): {}",
                    pair_text(found)
                ));
            }
        }
        if doc_only.contains(&e.track) {
            reasons.push(format!(
                "{} is doc-only: parallel with anything",
                track_name(plan, e.track)
            ));
        }
        if first_of_track.insert(e.track) {
            reasons.push(format!(
                "first ready unit of {} in plan order",
                track_name(plan, e.track)
            ));
        }
        if let Some(r) = added_for.get(&i) {
            reasons.push(r.clone());
        }
        candidates.push(Candidate {
            rank: rank0 + 1,
            task: e.task,
            track: e.track,
            reasons,
            cautions,
            recommended: best == Some((e.optional, e.prio, !e.in_flight_overlap.is_empty())),
            touch: e.paths.clone(),
        });
    }
    // Recommended next: the top of the list, at most three of the best kind.
    let mut n = 0;
    for c in &mut candidates {
        if c.recommended {
            n += 1;
            c.recommended = n <= 3;
        }
    }
    // Candidates that would collide if two people took them at once.
    for a in 0..chosen.len() {
        for b in 0..chosen.len() {
            if a == b {
                continue;
            }
            let (ea, eb) = (&eligible[chosen[a]], &eligible[chosen[b]]);
            if doc_only.contains(&ea.track) || doc_only.contains(&eb.track) {
                continue;
            }
            let found = pairs(&ea.paths, &eb.paths);
            if !found.is_empty() {
                candidates[a].cautions.push(format!(
                    "overlaps candidate {} (`{}`) on {}: not both at once",
                    b + 1,
                    plan.tasks[eb.task].id,
                    pair_text(&found)
                ));
            }
        }
    }
    // Why the other ready units were not offered.
    for (i, e) in eligible.iter().enumerate() {
        if chosen.contains(&i) {
            continue;
        }
        let offered = chosen
            .iter()
            .filter(|&&c| eligible[c].track == e.track)
            .count();
        let refusal = refused.remove(&i).map(|r| {
            if r.starts_with("cap per track") {
                // Counted again: the minimum may have taken the track past its cap.
                format!(
                    "cap per track: {} already offers {offered}",
                    track_name(plan, e.track)
                )
            } else {
                r
            }
        });
        // An optional unit says so, with the other reason when there is one.
        let refusal = match (e.optional, refusal) {
            (true, Some(r)) => Some(format!("optional, and {r}")),
            (true, None) => Some("optional: it waits until the required work is offered".into()),
            (false, r) => r,
        };
        let mut why = vec![refusal.unwrap_or_else(|| {
            format!(
                "ranked below the shortlist (full at {}): {}",
                chosen.len(),
                priority_reason(plan, e.task)
            )
        })];
        for (name, branch, found) in &e.in_flight_overlap {
            why.push(format!(
                "conflicts with worktree `{name}` (`{branch}`) on {}",
                pair_text(found)
            ));
        }
        passed.push(Passed {
            task: e.task,
            track: e.track,
            why,
        });
    }
    passed.sort_by_key(|p| plan.tasks[p.task].span);
    Shortlist { candidates, passed }
}

/// The claim that holds `t` or one of its ancestors.
fn claimed_by(plan: &Plan, t: usize, ex: &Exclusions) -> Option<(String, DateTime<Utc>)> {
    let mut cur = Some(t);
    while let Some(i) = cur {
        if let Some(c) = ex.claimed.get(&i) {
            return Some(c.clone());
        }
        cur = plan.tasks[i].parent;
    }
    None
}

fn in_flight_of(plan: &Plan, t: usize, ex: &Exclusions) -> Option<(String, String)> {
    let mut cur = Some(t);
    while let Some(i) = cur {
        if let Some(w) = ex.in_flight.get(&i) {
            return Some(w.clone());
        }
        cur = plan.tasks[i].parent;
    }
    None
}

fn priority_reason(plan: &Plan, t: usize) -> String {
    let mut cur = Some(t);
    let mut own = true;
    while let Some(i) = cur {
        if let Some(p) = plan.tasks[i].priority {
            return if own {
                format!("{p}")
            } else {
                format!("{p} (from {})", plan.tasks[i].id)
            };
        }
        own = false;
        cur = plan.tasks[i].parent;
    }
    let tr = plan.tasks[t].track;
    match plan.tracks.get(tr).and_then(|x| x.priority) {
        Some(p) => format!("{p} ({}'s priority)", track_name(plan, tr)),
        None => "no priority given".into(),
    }
}
