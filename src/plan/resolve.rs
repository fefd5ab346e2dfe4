//! After every file is read: derived ids and track keys, subtask blocks, dependencies,
//! checkpoint ranges, cycles, parent/child state checks, path checks and question ids.

use super::build::{numeric_range, Deferred};
use super::model::*;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: ids are short strings; SipHash's DoS resistance buys nothing here.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf29ce484222325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        self.0 = h;
    }
}

type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The repository's files, to check that touch points exist.
pub trait FileIndex {
    /// True when `path` (file, `dir/` or glob) names at least one file.
    fn matches(&self, path: &str) -> bool;
}

pub fn finalize(plan: &mut Plan, deferred: Deferred, files: Option<&dyn FileIndex>) {
    if !deferred.parents.is_empty() {
        let per_file = IdIndex::build(plan);
        attach_subtask_blocks(plan, &deferred, &per_file);
    }
    derive_ids(plan);
    // The read-only checks of a large plan run on a second thread beside the rest;
    // their findings are reported in the same order as ever.
    let big = plan.tasks.len() >= PARALLEL_CHECKS_FROM;
    let (per_file, paths) = both(big, || IdIndex::build(plan), || paths_found(plan, files));
    report_duplicates(plan, &per_file.duplicates);
    resolve_deps(plan, &deferred, &per_file, big);
    resolve_checkpoints(plan, &deferred, &per_file);
    derive_statuses(plan);
    let (cycles, disagreements) = both(big, || cycles_found(plan), || disagreements_found(plan));
    for (sev, span, m) in disagreements.into_iter().chain(cycles).chain(paths) {
        diag(plan, sev, span, m);
    }
    question_ids(plan);
    for t in 0..plan.tracks.len() {
        plan.tracks[t].tasks.clear();
    }
    for t in 0..plan.tasks.len() {
        if plan.tasks[t].parent.is_none() {
            let tr = plan.tasks[t].track;
            plan.tracks[tr].tasks.push(t);
        }
    }
}

/// From this many tasks, checks run two at a time.
const PARALLEL_CHECKS_FROM: usize = 4_000;

/// A finding of a read-only check: severity, where, message.
type Found = (Severity, Span, String);

/// `a` and `b`, on two threads when `parallel` (`a` on the second one).
fn both<A: Send, B>(parallel: bool, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    if !parallel {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let h = s.spawn(a);
        let rb = b();
        // A panic on the second thread is a bug; carry it over rather than hide it.
        let ra = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (ra, rb)
    })
}

/// Per file: hash of an id key → the first task with that key. Lookups verify the key
/// (and scan the file on the rare hash collision), so no key strings are copied.
struct IdIndex {
    maps: Vec<HashMap<u64, usize>>,
    /// (first, later) tasks sharing an id in one file.
    duplicates: Vec<(usize, usize)>,
}

fn fnv(s: &str) -> u64 {
    let mut h = Fnv::default();
    h.write(s.as_bytes());
    h.finish()
}

impl IdIndex {
    fn build(plan: &Plan) -> IdIndex {
        let mut per_file = vec![0usize; plan.files.len()];
        for t in &plan.tasks {
            per_file[t.span.file] += 1;
        }
        let mut maps: Vec<HashMap<u64, usize>> = per_file
            .iter()
            .map(|&n| HashMap::with_capacity_and_hasher(n, Default::default()))
            .collect();
        let mut duplicates = Vec::new();
        for (i, t) in plan.tasks.iter().enumerate() {
            if t.id.0.is_empty() {
                continue;
            }
            let map: &mut HashMap<u64, usize> = &mut maps[t.span.file];
            match map.entry(fnv(t.key())) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    if plan.tasks[*e.get()].key() == t.key() && !t.derived_id {
                        duplicates.push((*e.get(), i));
                    }
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
        IdIndex { maps, duplicates }
    }

    fn get(&self, plan: &Plan, file: usize, key: &str) -> Option<usize> {
        match self.maps[file].get(&fnv(key)) {
            Some(&t) if plan.tasks[t].key() == key => Some(t),
            Some(_) => (0..plan.tasks.len())
                .find(|&t| plan.tasks[t].span.file == file && plan.tasks[t].key() == key),
            None => None,
        }
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

fn attach_subtask_blocks(plan: &mut Plan, d: &Deferred, ids: &IdIndex) {
    for (t, pid, line) in &d.parents {
        let file = plan.tasks[*t].span.file;
        match ids.get(plan, file, &id_key(pid)) {
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
fn derive_ids(plan: &mut Plan) {
    // Track keys first so derived ids can use them.
    track_keys(plan);
    let mut counters: HashMap<(Option<usize>, usize), usize> = HashMap::default();
    for t in 0..plan.tasks.len() {
        if !plan.tasks[t].derived_id {
            continue;
        }
        let parent = plan.tasks[t].parent;
        let track = plan.tasks[t].track;
        let n = counters.entry((parent, track)).or_insert(0);
        *n += 1;
        let base = match parent {
            Some(p) => plan.tasks[p].id.0.clone(),
            None => plan.tracks[track].key.clone(),
        };
        plan.tasks[t].set_id(TaskId(format!("{base}#{n}")));
    }
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
fn lookup(plan: &Plan, ids: &IdIndex, file: usize, id: &str) -> Option<usize> {
    // Most ids are already in key form: skip building the key then.
    let simple = !id.starts_with(['T', 't']) && !id.bytes().any(|b| b.is_ascii_lowercase());
    let owned;
    let key: &str = if simple {
        id
    } else {
        owned = id_key(id);
        &owned
    };
    if let Some(t) = ids.get(plan, file, key) {
        return Some(t);
    }
    // Not in its own file: another plan file's task, when exactly one file has it.
    let mut hits = (0..ids.maps.len()).filter_map(|f| ids.get(plan, f, key));
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
    let (ta, tb) = (lookup(plan, ids, file, a), lookup(plan, ids, file, b));
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
                        match lookup(plan, ids, file, &id) {
                            Some(t) => out.push(t),
                            None => unknown(plan, span, &id),
                        }
                    }
                }
                None => {
                    for id in [a, b] {
                        match lookup(plan, ids, file, id) {
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

fn resolve_deps(plan: &mut Plan, d: &Deferred, ids: &IdIndex, parallel: bool) {
    // The lookups only read the plan: a large plan's are made on two threads first,
    // then applied in order (ranges, which may report, are expanded in the loop).
    let found = {
        let plan: &Plan = plan;
        let look = |deps: &[(usize, std::ops::Range<usize>, u32)]| -> Vec<Option<usize>> {
            deps.iter()
                .map(|(t, range, _)| {
                    let id = &d.dep_ids[range.clone()];
                    if id.contains('~') {
                        None
                    } else {
                        lookup(plan, ids, plan.tasks[*t].span.file, id)
                    }
                })
                .collect()
        };
        let (a, b) = d.deps.split_at(d.deps.len() / 2);
        let (mut first, second) = both(parallel, || look(a), || look(b));
        first.extend(second);
        first
    };
    for ((t, range, line), found) in d.deps.iter().zip(found) {
        let (t, line) = (*t, *line);
        let id = &d.dep_ids[range.clone()];
        let file = plan.tasks[t].span.file;
        let add = |plan: &mut Plan, x: usize| {
            if x != t && !plan.tasks[t].deps.contains(&x) && !is_ancestor(plan, x, t) {
                plan.tasks[t].deps.push(x);
            }
        };
        match id.split_once('~') {
            Some((a, b)) => {
                for x in expand_range(plan, ids, file, a, b, line) {
                    add(plan, x);
                }
            }
            None => match found {
                Some(x) => add(plan, x),
                None => unknown(plan, Span { file, line }, id),
            },
        }
    }
    for (file, a, b, _line) in &d.chains {
        let (x, y) = (lookup(plan, ids, *file, a), lookup(plan, ids, *file, b));
        match (x, y) {
            (Some(x), Some(y)) if x != y && !plan.tasks[y].deps.contains(&x) => {
                plan.tasks[y].deps.push(x);
            }
            _ => {
                // Arrows in prose between things that are not tasks are not dependencies.
            }
        }
    }
}

fn resolve_checkpoints(plan: &mut Plan, d: &Deferred, ids: &IdIndex) {
    for (c, a, b) in &d.checkpoint_items {
        let span = plan.checkpoints[*c].span;
        let found = match b {
            Some(b) => expand_range(plan, ids, span.file, a, b, span.line),
            None => match lookup(plan, ids, span.file, a) {
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

/// Tasks with no written state take it from their subtasks.
fn derive_statuses(plan: &mut Plan) {
    fn derive(plan: &mut Plan, t: usize) {
        for i in 0..plan.tasks[t].subtasks.len() {
            let c = plan.tasks[t].subtasks[i];
            derive(plan, c);
        }
        let task = &plan.tasks[t];
        if task.status_written || task.subtasks.is_empty() {
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
    for t in 0..plan.tasks.len() {
        if plan.tasks[t].parent.is_none() {
            derive(plan, t);
        }
    }
}

fn disagreements_found(plan: &Plan) -> Vec<Found> {
    let mut found = Vec::new();
    for t in 0..plan.tasks.len() {
        let task = &plan.tasks[t];
        if !task.status_written
            || task.subtasks.is_empty()
            || !matches!(task.status, Status::Done | Status::Pending)
        {
            continue;
        }
        // Most parents agree with their subtasks: look before building any message.
        let disagrees = match task.status {
            Status::Done => task.subtasks.iter().any(|&c| !plan.is_finished(c)),
            _ => task
                .subtasks
                .iter()
                .any(|&c| matches!(plan.tasks[c].status, Status::Done | Status::InProgress)),
        };
        if !disagrees {
            continue;
        }
        let open: Vec<String> = task
            .subtasks
            .iter()
            .filter(|&&c| !plan.is_finished(c))
            .map(|&c| plan.tasks[c].id.0.clone())
            .collect();
        let started: Vec<String> = task
            .subtasks
            .iter()
            .filter(|&&c| matches!(plan.tasks[c].status, Status::Done | Status::InProgress))
            .map(|&c| plan.tasks[c].id.0.clone())
            .collect();
        let msg = match task.status {
            Status::Done if !open.is_empty() => Some(format!(
                "`{}` is marked done but subtask {} is open; it counts as open until they are done",
                task.id,
                open.join(", ")
            )),
            Status::Pending if !started.is_empty() => Some(format!(
                "`{}` is marked pending but subtask {} is done or started; update the parent's checkbox",
                task.id,
                started.join(", ")
            )),
            _ => None,
        };
        if let Some(m) = msg {
            found.push((Severity::Warning, task.span, m));
        }
    }
    found
}

/// Every dependency cycle, reported once, at its first task's line.
fn cycles_found(plan: &Plan) -> Vec<Found> {
    let n = plan.tasks.len();
    let mut color = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut cycles: Vec<Vec<usize>> = Vec::new();
    for start in 0..n {
        if color[start] != 0 {
            continue;
        }
        // Iterative DFS: (node, next edge index).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
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

fn paths_found(plan: &Plan, files: Option<&dyn FileIndex>) -> Vec<Found> {
    let mut found = Vec::new();
    for t in &plan.tasks {
        for p in t.touch_points.iter().chain(&t.as_built) {
            if outside_repo(&p.path) {
                found.push((
                    Severity::Warning,
                    Span { file: t.span.file, line: p.line },
                    format!("path `{}` of `{}` is outside the repository; paths are relative to the repository root", p.path, t.id),
                ));
            } else if let Some(ix) = files {
                if !ix.matches(&p.path) {
                    found.push((
                        Severity::Warning,
                        Span { file: t.span.file, line: p.line },
                        format!("path `{}` of `{}` matches no file in the repository (fine if it is still to be written)", p.path, t.id),
                    ));
                }
            }
        }
    }
    found
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
