//! After every file is read: derived ids and track keys, subtask blocks, dependencies,
//! checkpoint ranges, cycles, parent/child state checks, path checks and question ids.

use super::build::{numeric_range, KeyText, Refs};
use super::model::*;
use std::collections::{HashMap, HashSet};

/// The repository's files, to check that touch points exist.
pub trait FileIndex {
    /// True when `path` (file, `dir/` or glob) names at least one file.
    fn matches(&self, path: &str) -> bool;
}

pub fn finalize(plan: &mut Plan, refs: Refs) {
    // Subtask blocks name their parents by written id: attach them before ids are
    // derived from parents.
    let mut ids = IdIndex::build(&refs.ids, plan.files.len());
    attach_subtask_blocks(plan, &refs, &ids);
    let derived = derive_ids(plan, &refs.ids.derived);
    ids.add_derived(&derived);
    report_duplicates(plan, &ids.duplicates);
    resolve_deps(plan, &refs, &ids);
    resolve_checkpoints(plan, &refs, &ids);
    for tr in &mut plan.tracks {
        tr.tasks.clear();
    }
    let found: Vec<Found> = derive_statuses(plan)
        .into_iter()
        .chain(cycles_found(plan))
        .chain(paths_found(plan, &refs))
        .collect();
    for (sev, span, m) in found {
        diag(plan, sev, span, m);
    }
    question_ids(plan);
}

/// A finding of a check: severity, where, message.
type Found = (Severity, Span, String);

/// Per file: id key → the first task with that key.
struct IdIndex<'k> {
    files: Vec<HashMap<&'k str, usize>>,
    /// (first, later) tasks sharing an id in one file.
    duplicates: Vec<(usize, usize)>,
}

impl<'k> IdIndex<'k> {
    /// The index of written ids.
    fn build(written: &'k KeyText, n_files: usize) -> IdIndex<'k> {
        // Sized once: growing a map rehashes every key again.
        let mut files: Vec<HashMap<&str, usize>> = (0..n_files)
            .map(|f| HashMap::with_capacity(written.per_file.get(f).copied().unwrap_or(0)))
            .collect();
        let mut duplicates = Vec::new();
        for (i, file, key) in written.iter() {
            match files[file].entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => duplicates.push((*e.get(), i)),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
        IdIndex { files, duplicates }
    }

    /// Derived ids (given after the index was built): never duplicates, as no written
    /// id has a `#`.
    fn add_derived(&mut self, derived: &'k KeyText) {
        for (i, file, key) in derived.iter() {
            self.files[file].insert(key, i);
        }
    }

    fn get(&self, file: usize, key: &str) -> Option<usize> {
        self.files.get(file)?.get(key).copied()
    }
}

fn diag(plan: &mut Plan, sev: Severity, span: Span, message: String) {
    let file = plan.file_of(span).to_string();
    plan.diagnostics.push(Diagnostic {
        severity: sev,
        file,
        line: span.line,
        message,
    });
}

fn attach_subtask_blocks(plan: &mut Plan, refs: &Refs, ids: &IdIndex) {
    for (t, pid, line) in &refs.parents {
        let file = plan.tasks[*t].span.file;
        match ids.get(file, &id_key(pid)) {
            Some(p) if p != *t && !is_ancestor(plan, *t, p) => {
                plan.tasks[*t].parent = Some(p);
                let track = plan.tasks[p].track;
                set_track(plan, *t, track);
                plan.tasks[p].subtasks.push(*t);
            }
            _ => {
                let span = Span { file, line: *line };
                diag(
                    plan,
                    Severity::Warning,
                    span,
                    format!("subtask block names task `{pid}`, which this file does not define; its tasks are kept as top-level tasks"),
                );
            }
        }
    }
}

fn is_ancestor(plan: &Plan, a: usize, mut b: usize) -> bool {
    while let Some(p) = plan.tasks[b].parent {
        if p == a {
            return true;
        }
        b = p;
    }
    false
}

fn set_track(plan: &mut Plan, t: usize, track: usize) {
    plan.tasks[t].track = track;
    for i in 0..plan.tasks[t].subtasks.len() {
        let c = plan.tasks[t].subtasks[i];
        set_track(plan, c, track);
    }
}

/// Tasks without an id: `<track key>#n` for top-level ones, `<parent id>#n` below.
/// `tasks` are those without an id, in plan order; returns their new keys.
fn derive_ids(plan: &mut Plan, tasks: &[usize]) -> KeyText {
    // Track keys first so derived ids can use them.
    track_keys(plan);
    let mut keys = KeyText::default();
    let mut counters: HashMap<(Option<usize>, usize), usize> = HashMap::new();
    for &t in tasks {
        let parent = plan.tasks[t].parent;
        let track = plan.tasks[t].track;
        let n = counters.entry((parent, track)).or_insert(0);
        *n += 1;
        let base = match parent {
            Some(p) => plan.tasks[p].id.0.clone(),
            None => plan.tracks[track].key.clone(),
        };
        plan.tasks[t].set_id(TaskId(format!("{base}#{n}")));
        keys.push(t, &plan.tasks[t]);
    }
    keys
}

/// Unique keys: the letter, else the numeric id, else a slug of the name; collisions
/// across files get the file's stem.
fn track_keys(plan: &mut Plan) {
    let mut used: HashSet<String> = HashSet::new();
    for i in 0..plan.tracks.len() {
        let tr = &plan.tracks[i];
        let base = tr
            .letter
            .clone()
            .or_else(|| tr.id.clone())
            .unwrap_or_else(|| slug(&tr.name));
        let base = if base.is_empty() {
            "plan".to_string()
        } else {
            base
        };
        let mut key = base.clone();
        if used.contains(&key) {
            let stem = plan
                .file_of(tr.span)
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".md")
                .to_string();
            key = format!("{base}@{stem}");
            let mut n = 2;
            while used.contains(&key) {
                key = format!("{base}@{stem}~{n}");
                n += 1;
            }
        }
        used.insert(key.clone());
        plan.tracks[i].key = key;
    }
}

fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            s.extend(c.to_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.chars().count() >= 32 {
            break;
        }
    }
    s.trim_end_matches('-').to_string()
}

fn report_duplicates(plan: &mut Plan, found: &[(usize, usize)]) {
    for &(j, i) in found {
        let (a, b) = (plan.tasks[j].span, plan.tasks[i].span);
        let id = plan.tasks[i].id.0.clone();
        let msg = format!(
            "duplicate task id `{id}`: defined at lines {} and {}; references go to line {}",
            a.line, b.line, a.line
        );
        diag(plan, Severity::Error, a, msg.clone());
        diag(plan, Severity::Error, b, msg);
    }
}

/// Look an id up in its own file first, then in every other file when only one has it.
fn lookup(ids: &IdIndex, file: usize, id: &str) -> Option<usize> {
    // Most ids are written in their key form already (`5.2.1`, `WP-3`).
    let is_key = !id.starts_with('T')
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.' || b == b'-');
    let key = match is_key {
        true => std::borrow::Cow::Borrowed(id),
        false => std::borrow::Cow::Owned(id_key(id)),
    };
    if let Some(t) = ids.get(file, &key) {
        return Some(t);
    }
    let mut hits = (0..ids.files.len()).filter_map(|f| ids.get(f, &key));
    let first = hits.next()?;
    hits.next().is_none().then_some(first)
}

/// Siblings from `a` to `b` in plan order, or `None` when they are not siblings.
fn sibling_range(plan: &Plan, a: usize, b: usize) -> Option<Vec<usize>> {
    let (ta, tb) = (&plan.tasks[a], &plan.tasks[b]);
    if ta.parent != tb.parent {
        return None;
    }
    let sibs: Vec<usize> = match ta.parent {
        Some(p) => plan.tasks[p].subtasks.clone(),
        None => (0..plan.tasks.len())
            .filter(|&i| {
                plan.tasks[i].parent.is_none()
                    && plan.tasks[i].span.file == ta.span.file
                    && plan.tasks[i].track == ta.track
            })
            .collect(),
    };
    if ta.track != tb.track {
        return None;
    }
    let ia = sibs.iter().position(|&x| x == a)?;
    let ib = sibs.iter().position(|&x| x == b)?;
    let (lo, hi) = if ia <= ib { (ia, ib) } else { (ib, ia) };
    Some(sibs[lo..=hi].to_vec())
}

/// A range `a~b`: siblings from a to b; numeric fallback; `None` with a diagnostic.
fn expand_range(
    plan: &mut Plan,
    ids: &IdIndex,
    file: usize,
    a: &str,
    b: &str,
    line: u32,
) -> Vec<usize> {
    let span = Span { file, line };
    let (ta, tb) = (lookup(ids, file, a), lookup(ids, file, b));
    match (ta, tb) {
        (Some(x), Some(y)) => match sibling_range(plan, x, y) {
            Some(r) => r,
            None => {
                diag(
                    plan,
                    Severity::Warning,
                    span,
                    format!("range `{a}~{b}`: `{a}` and `{b}` are not siblings, so the range has no plan order; only the two ends are used"),
                );
                vec![x, y]
            }
        },
        _ => {
            // Ends not found: fall back to the numeric ids between them.
            let mut out = Vec::new();
            match numeric_range(&id_key(a), &id_key(b)) {
                Some(list) => {
                    for id in list {
                        match lookup(ids, file, &id) {
                            Some(t) => out.push(t),
                            None => unknown(plan, span, &id),
                        }
                    }
                }
                None => {
                    for id in [a, b] {
                        match lookup(ids, file, id) {
                            Some(t) => out.push(t),
                            None => unknown(plan, span, id),
                        }
                    }
                }
            }
            out
        }
    }
}

fn unknown(plan: &mut Plan, span: Span, id: &str) {
    diag(
        plan,
        Severity::Warning,
        span,
        format!("dependency on unknown task `{id}`: no task has this id; check for a typo or a renumbered task"),
    );
}

fn resolve_deps(plan: &mut Plan, refs: &Refs, ids: &IdIndex) {
    for (t, range, line) in &refs.deps {
        let (t, id, line) = (*t, &refs.dep_ids[range.clone()], *line);
        let file = plan.tasks[t].span.file;
        match id.split_once('~') {
            Some((a, b)) => {
                for x in expand_range(plan, ids, file, a, b, line) {
                    add_dep(plan, t, x);
                }
            }
            // (Most dependencies name one task: no vector for it.)
            None => match lookup(ids, file, id) {
                Some(x) => add_dep(plan, t, x),
                None => unknown(plan, Span { file, line }, id),
            },
        }
    }
    for (file, a, b) in &refs.chains {
        // Arrows in prose between things that are not tasks are not dependencies.
        if let (Some(x), Some(y)) = (lookup(ids, *file, a), lookup(ids, *file, b)) {
            if x != y && !plan.tasks[y].deps.contains(&x) {
                plan.tasks[y].deps.push(x);
            }
        }
    }
}

/// `t` depends on `x`, unless it is itself, already listed, or an ancestor of `t`.
fn add_dep(plan: &mut Plan, t: usize, x: usize) {
    if x != t && !plan.tasks[t].deps.contains(&x) && !is_ancestor(plan, x, t) {
        plan.tasks[t].deps.push(x);
    }
}

fn resolve_checkpoints(plan: &mut Plan, refs: &Refs, ids: &IdIndex) {
    for (c, a, b) in &refs.checkpoint_items {
        let span = plan.checkpoints[*c].span;
        let found = match b {
            Some(b) => expand_range(plan, ids, span.file, a, b, span.line),
            None => match lookup(ids, span.file, a) {
                Some(t) => vec![t],
                None => {
                    diag(
                        plan,
                        Severity::Warning,
                        span,
                        format!(
                            "checkpoint {} lists unknown task `{a}`",
                            plan.checkpoints[*c].id
                        ),
                    );
                    vec![]
                }
            },
        };
        for t in found {
            let id = plan.tasks[t].id.0.clone();
            let cp = &mut plan.checkpoints[*c];
            if !cp.tasks.contains(&t) {
                cp.tasks.push(t);
                cp.task_ids.push(id);
            }
        }
    }
    // Earlier checkpoints first: by number, then plan order.
    let mut order: Vec<usize> = (0..plan.checkpoints.len()).collect();
    order.sort_by_key(|&c| {
        let n: u32 = plan.checkpoints[c].id[2..].parse().unwrap_or(u32::MAX);
        (n, plan.checkpoints[c].span)
    });
    let cps: Vec<Checkpoint> = order.iter().map(|&c| plan.checkpoints[c].clone()).collect();
    plan.checkpoints = cps;
    for c in 0..plan.checkpoints.len() {
        for t in plan.checkpoints[c].tasks.clone() {
            if plan.tasks[t].checkpoint.is_none() {
                plan.tasks[t].checkpoint = Some(c);
            }
        }
    }
}

/// Tasks with no written state take it from their subtasks. In the same walk (on a large
/// plan every pass over the tasks costs a cache miss per task): each top-level task is
/// listed in its track, and written states that disagree with their subtasks are found
/// (returned in plan order).
fn derive_statuses(plan: &mut Plan) -> Vec<Found> {
    fn derive(plan: &mut Plan, t: usize, found: &mut Vec<(usize, Found)>) {
        for i in 0..plan.tasks[t].subtasks.len() {
            let c = plan.tasks[t].subtasks[i];
            derive(plan, c, found);
        }
        let task = &plan.tasks[t];
        if task.status_written {
            // Every state below it is final now.
            if let Some(f) = disagreement_found(plan, task) {
                found.push((t, f));
            }
            return;
        }
        if task.subtasks.is_empty() {
            return;
        }
        let subs = &task.subtasks;
        let all_done = subs.iter().all(|&c| plan.tasks[c].status.is_closed());
        let any_started = subs
            .iter()
            .any(|&c| matches!(plan.tasks[c].status, Status::Done | Status::InProgress));
        plan.tasks[t].status = if all_done {
            Status::Done
        } else if any_started {
            Status::InProgress
        } else {
            Status::Pending
        };
    }
    let mut found = Vec::new();
    for t in 0..plan.tasks.len() {
        if plan.tasks[t].parent.is_none() {
            derive(plan, t, &mut found);
            let tr = plan.tasks[t].track;
            plan.tracks[tr].tasks.push(t);
        }
    }
    // (Subtasks were reached before their parents.)
    found.sort_by_key(|&(t, _)| t);
    found.into_iter().map(|(_, f)| f).collect()
}

/// A parent marked done with an open subtask, or pending with one under way.
fn disagreement_found(plan: &Plan, task: &Task) -> Option<Found> {
    let (state, others, advice) = match task.status {
        Status::Done => ("done", "open", "it counts as open until they are done"),
        Status::Pending => ("pending", "done or started", "update the parent's checkbox"),
        _ => return None,
    };
    let differs = |c: usize| match task.status {
        Status::Done => !plan.is_finished(c),
        _ => matches!(plan.tasks[c].status, Status::Done | Status::InProgress),
    };
    let ids: Vec<&str> = task
        .subtasks
        .iter()
        .filter(|&&c| differs(c))
        .map(|&c| plan.tasks[c].id.as_str())
        .collect();
    if ids.is_empty() {
        return None;
    }
    let m = format!(
        "`{}` is marked {state} but subtask {} is {others}; {advice}",
        task.id,
        ids.join(", ")
    );
    Some((Severity::Warning, task.span, m))
}

/// Every dependency cycle, reported once, at its first task's line.
fn cycles_found(plan: &Plan) -> Vec<Found> {
    let n = plan.tasks.len();
    let mut color = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut cycles: Vec<Vec<usize>> = Vec::new();
    // Iterative DFS: (node, next edge index). One stack for every start (it is empty
    // again after each), not one allocation per task.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if color[start] != 0 {
            continue;
        }
        stack.push((start, 0));
        color[start] = 1;
        while let Some(&mut (v, ref mut ei)) = stack.last_mut() {
            if let Some(&w) = plan.tasks[v].deps.get(*ei) {
                *ei += 1;
                match color[w] {
                    0 => {
                        color[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => {
                        let pos = stack.iter().position(|&(x, _)| x == w).unwrap_or(0);
                        cycles.push(stack[pos..].iter().map(|&(x, _)| x).collect());
                    }
                    _ => {}
                }
            } else {
                color[v] = 2;
                stack.pop();
            }
        }
    }
    let mut found = Vec::new();
    for cyc in cycles {
        // Written in dependency direction: a depends on b depends on … a.
        let mut names: Vec<String> = cyc.iter().map(|&t| plan.tasks[t].id.0.clone()).collect();
        names.push(names[0].clone());
        let span = plan.tasks[cyc[0]].span;
        let lines: Vec<String> = cyc
            .iter()
            .map(|&t| plan.tasks[t].span.line.to_string())
            .collect();
        found.push((
            Severity::Error,
            span,
            format!(
                "dependency cycle: {} (lines {}); none of these can start, break one dependency",
                names.join(" → "),
                lines.join(", ")
            ),
        ));
    }
    found
}

/// Touch points and as-built paths outside the repository, or naming no file in it
/// (found while the tasks were read), in plan order.
fn paths_found(plan: &Plan, refs: &Refs) -> Vec<Found> {
    let mut bad = refs.bad_paths.clone();
    bad.sort_unstable();
    bad.iter()
        .map(|&(t, as_built, i, outside)| {
            let task = &plan.tasks[t];
            let p = match as_built {
                false => &task.touch_points[i],
                true => &task.as_built[i],
            };
            let span = Span {
                file: task.span.file,
                line: p.line,
            };
            let m = match outside {
                true => format!("path `{}` of `{}` is outside the repository; paths are relative to the repository root", p.path, task.id),
                false => format!("path `{}` of `{}` matches no file in the repository (fine if it is still to be written)", p.path, task.id),
            };
            (Severity::Warning, span, m)
        })
        .collect()
}

pub fn outside_repo(path: &str) -> bool {
    if path.starts_with('/') || path.starts_with('~') || path.get(1..3) == Some(":\\") {
        return true;
    }
    if !path.as_bytes().windows(2).any(|w| w == b"..") {
        return false;
    }
    let mut depth: i32 = 0;
    for part in path.split('/') {
        match part {
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            "." | "" => {}
            _ => depth += 1,
        }
    }
    false
}

/// `Q-` + 4 hex digits of the question's normalised text (longer only on a clash).
fn question_ids(plan: &mut Plan) {
    let mut used: HashSet<String> = HashSet::new();
    for q in &mut plan.questions {
        q.id = question_id(&q.text, &used);
        used.insert(q.id.clone());
    }
}

pub fn question_id(text: &str, used: &HashSet<String>) -> String {
    let norm: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    // FNV-1a, 64 bit: stable across runs and platforms.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in norm.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    let hex = format!("{h:016x}");
    for n in [4, 6, 8, 12, 16] {
        let id = format!("Q-{}", &hex[..n]);
        if !used.contains(&id) {
            return id;
        }
    }
    format!("Q-{hex}")
}
