//! After every file is read: derived ids and track keys, subtask blocks, dependencies,
//! checkpoint ranges, cycles, parent/child state checks, path checks and question ids.

use super::build::{numeric_range, KeyText, Refs};
use super::model::*;
use super::vocabulary as vocab;
use std::collections::{HashMap, HashSet};

/// The repository's files, to check that touch points exist.
pub trait FileIndex {
    /// True when `path` (file, `dir/` or glob) names at least one file.
    fn matches(&self, path: &str) -> bool;
}

pub fn finalize(plan: &mut Plan, refs: Refs) {
    // Subtask blocks name their parents by written id: attach them before ids are
    // derived from parents.
    let formats: Vec<Format> = plan.files.iter().map(|f| f.format).collect();
    let mut ids = IdIndex::build(&refs.ids, &formats);
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
    /// Each file's format: a mention looks in other files of its own format only, and
    /// only hand-written plans and Backlog.md look beyond their file at all (a spec
    /// tool's `2.1` means its own feature's task).
    formats: Vec<Format>,
    /// Across the files of a format that looks beyond its file: key → (how many files
    /// have it, the first task with it). Only made when there is more than one file.
    across: HashMap<(Format, &'k str), (usize, usize)>,
}

/// Mentions in files of this format may name tasks of other files.
fn crosses_files(f: Format) -> bool {
    matches!(f, Format::Markdown | Format::BacklogMd)
}

impl<'k> IdIndex<'k> {
    /// The index of written ids.
    fn build(written: &'k KeyText, plan_formats: &[Format]) -> IdIndex<'k> {
        let n_files = plan_formats.len();
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
        let formats: Vec<Format> = plan_formats.to_vec();
        let mut ix = IdIndex {
            files,
            duplicates,
            formats,
            across: HashMap::new(),
        };
        if n_files > 1 {
            for f in 0..n_files {
                if !crosses_files(ix.formats[f]) {
                    continue;
                }
                for (&k, &t) in &ix.files[f] {
                    let e = ix.across.entry((ix.formats[f], k)).or_insert((0, t));
                    e.0 += 1;
                }
            }
        }
        ix
    }

    /// Derived ids (given after the index was built): never duplicates, as no written
    /// id has a `#`.
    fn add_derived(&mut self, derived: &'k KeyText) {
        for (i, file, key) in derived.iter() {
            self.files[file].insert(key, i);
            let format = self.formats[file];
            if self.files.len() > 1 && crosses_files(format) {
                let e = self.across.entry((format, key)).or_insert((0, i));
                e.0 += 1;
            }
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

/// Tasks listed under a `**T2.3 子任务**` block become subtasks of the task it names.
///
/// A block that would make a task its own ancestor (blocks naming each other in a
/// circle) is refused, as if the blocks were attached one by one in plan order and
/// the one closing the circle were left out. That is worked out on the whole parent
/// graph at once, so a chain of blocks nested thousands deep costs linear time.
fn attach_subtask_blocks(plan: &mut Plan, refs: &Refs, ids: &IdIndex) {
    if refs.parents.is_empty() {
        return;
    }
    let n = plan.tasks.len();
    // The parent each block proposes, with its place in plan order.
    let mut proposed: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut wanted: Vec<(usize, Option<usize>)> = Vec::with_capacity(refs.parents.len());
    for (i, (t, pid, _)) in refs.parents.iter().enumerate() {
        let file = plan.tasks[*t].span.file;
        // One task per file (Backlog.md): the parent is in another file.
        let p = match plan.files[file].format {
            Format::BacklogMd => lookup(ids, file, &id_key(pid)),
            _ => ids.get(file, &id_key(pid)),
        };
        let p = p.filter(|p| p != t);
        if let Some(p) = p {
            proposed[*t] = Some((p, i));
        }
        wanted.push((*t, p));
    }
    let refused = circles_closed(plan, &proposed);
    let mut attached = vec![false; n];
    for (i, (t, p)) in wanted.into_iter().enumerate() {
        let (_, pid, line) = &refs.parents[i];
        let file = plan.tasks[t].span.file;
        let span = Span { file, line: *line };
        match p {
            Some(p) if proposed[t] == Some((p, i)) && !refused[i] => {
                plan.tasks[t].parent = Some(p);
                plan.tasks[p].subtasks.push(t);
                attached[t] = true;
            }
            Some(p) if refused[i] => {
                let (tid, ptid) = (plan.tasks[t].id.to_string(), plan.tasks[p].id.to_string());
                diag(
                    plan,
                    Severity::Warning,
                    span,
                    format!("subtask block of `{pid}` lists `{tid}`, which `{ptid}` is already below; `{tid}` is kept where it was"),
                );
            }
            Some(_) => {}
            None if plan.files[file].format == Format::BacklogMd => diag(
                plan,
                Severity::Warning,
                span,
                format!("parent task `{pid}` is not in the backlog (or more than one task has that id); the task is kept at the top level"),
            ),
            None => diag(
                plan,
                Severity::Warning,
                span,
                format!("subtask block names task `{pid}`, which this file does not define; its tasks are kept as top-level tasks"),
            ),
        }
    }
    // Attached tasks, and everything below them, take the track of their new root.
    if !attached.contains(&true) {
        return;
    }
    let mut todo: Vec<(usize, usize, bool)> = (0..n)
        .filter(|&t| plan.tasks[t].parent.is_none())
        .map(|t| (t, plan.tasks[t].track, false))
        .collect();
    while let Some((t, track, moved)) = todo.pop() {
        let moved = moved || attached[t];
        if moved {
            plan.tasks[t].track = track;
        }
        for &c in &plan.tasks[t].subtasks {
            todo.push((c, track, moved));
        }
    }
}

/// Which proposed parent links (by their place in plan order) would close a circle:
/// in each circle of the graph "a task's proposed parent, else its parent", the link
/// proposed last. Each task has one outgoing link, so circles are disjoint and one
/// walk over the graph finds them all.
fn circles_closed(plan: &Plan, proposed: &[Option<(usize, usize)>]) -> Vec<bool> {
    let n = plan.tasks.len();
    let next = |t: usize| proposed[t].map(|(p, _)| p).or(plan.tasks[t].parent);
    let mut refused = vec![
        false;
        proposed
            .iter()
            .flatten()
            .map(|&(_, i)| i + 1)
            .max()
            .unwrap_or(0)
    ];
    let mut state = vec![0u8; n]; // 0 unseen, 1 on the current walk, 2 done
    let mut path = Vec::new();
    for start in 0..n {
        let mut t = start;
        while state[t] == 0 {
            state[t] = 1;
            path.push(t);
            match next(t) {
                Some(p) => t = p,
                None => break,
            }
        }
        if state[t] == 1 && next(t).is_some() {
            // The walk came back to `t`: the circle is the path from `t` on.
            let from = path.iter().position(|&x| x == t).unwrap_or(0);
            let last = path[from..]
                .iter()
                .filter_map(|&x| proposed[x])
                .map(|(_, i)| i)
                .max();
            if let Some(i) = last {
                refused[i] = true;
            }
        }
        for &x in &path {
            state[x] = 2;
        }
        path.clear();
    }
    refused
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
            Some(p) => plan.tasks[p].id.to_string(),
            None => plan.tracks[track].key.clone(),
        };
        plan.tasks[t].set_id(TaskId::from(format!("{base}#{n}")));
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
        // A reader may name the key itself (a spec directory, a Taskmaster tag).
        let base = Some(tr.key.clone())
            .filter(|k| !k.is_empty())
            .or_else(|| tr.letter.clone())
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
        let id = plan.tasks[i].id.to_string();
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
    // Another file of the same format, when exactly one has it.
    let format = *ids.formats.get(file)?;
    match ids.across.get(&(format, &*key)) {
        Some(&(1, t)) => Some(t),
        _ => None,
    }
}

/// Siblings from `a` to `b` in plan order, or `None` when they are not siblings.
fn sibling_range(plan: &Plan, a: usize, b: usize) -> Option<Vec<usize>> {
    let (ta, tb) = (&plan.tasks[a], &plan.tasks[b]);
    if ta.parent != tb.parent {
        return None;
    }
    if ta.track != tb.track {
        return None;
    }
    let sibs: Vec<usize> = match ta.parent {
        Some(p) => plan.tasks[p].subtasks.to_vec(),
        // Top-level tasks of a file and track are in plan order: the range is the ones
        // between its ends (not every task of the plan looked at for each range).
        None if ta.span.file != tb.span.file => return None,
        None => (a.min(b)..=a.max(b))
            .filter(|&i| {
                plan.tasks[i].parent.is_none()
                    && plan.tasks[i].span.file == ta.span.file
                    && plan.tasks[i].track == ta.track
            })
            .collect(),
    };
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
    // (Made on the first Backlog.md id not found as written.)
    let mut numbers: Option<HashMap<String, (usize, usize)>> = None;
    let mut adder = Deps::default();
    for (t, range, line) in &refs.deps {
        let (t, id, line) = (*t, &refs.dep_ids[range.clone()], *line);
        let file = plan.tasks[t].span.file;
        match id.split_once('~') {
            Some((a, b)) => {
                let found = expand_range(plan, ids, file, a, b, line);
                for x in found {
                    adder.add(plan, t, x);
                }
            }
            // (Most dependencies name one task: no vector for it.)
            None => match lookup(ids, file, id).or_else(|| {
                let by_number = numbers.get_or_insert_with(|| backlog_numbers(plan));
                let n =
                    backlog_number(id).filter(|_| plan.files[file].format == Format::BacklogMd)?;
                match by_number.get(&n) {
                    Some(&(1, t)) => Some(t),
                    _ => None,
                }
            }) {
                Some(x) => adder.add(plan, t, x),
                // `INV-001-008`: a range written with a hyphen, when its first end is a task.
                None => {
                    match vocab::hyphen_range(id).filter(|(a, _)| lookup(ids, file, a).is_some()) {
                        Some((a, b)) => {
                            for x in expand_range(plan, ids, file, a, &b, line) {
                                adder.add(plan, t, x);
                            }
                        }
                        None => unknown(plan, Span { file, line }, id),
                    }
                }
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

/// The number of a Backlog.md id without its prefix (`BACK-355.02` → `355.2`).
fn backlog_number(id: &str) -> Option<String> {
    let n = id
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .trim_start_matches('-');
    let ok = !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    // `355.01` and `355.1` are one number.
    ok.then(|| {
        n.split('.')
            .map(|p| match p.trim_start_matches('0') {
                "" => "0",
                q => q,
            })
            .collect::<Vec<_>>()
            .join(".")
    })
}

/// Backlog.md tasks by number: (how many have it, the first). An id written with
/// another prefix than the one it has now (`task-355.01` for `BACK-355.01`, after the
/// project's prefix changed) finds the one task with its number.
fn backlog_numbers(plan: &Plan) -> HashMap<String, (usize, usize)> {
    let mut out: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, t) in plan.tasks.iter().enumerate() {
        if plan.files[t.span.file].format == Format::BacklogMd {
            if let Some(n) = backlog_number(t.id.as_str()) {
                out.entry(n).or_insert((0, i)).0 += 1;
            }
        }
    }
    out
}

/// Pre- and post-order numbers of the task forest: `a` is above `b` when `b`'s span
/// lies inside `a`'s. One walk, made on the first question that needs it; then each
/// question is two comparisons, however deep the plan nests.
struct Ancestry {
    pre: Vec<u32>,
    post: Vec<u32>,
}

impl Ancestry {
    fn of(plan: &Plan) -> Ancestry {
        let n = plan.tasks.len();
        let (mut pre, mut post) = (vec![0u32; n], vec![0u32; n]);
        let mut clock = 0u32;
        let mut todo: Vec<(usize, bool)> = (0..n)
            .rev()
            .filter(|&t| plan.tasks[t].parent.is_none())
            .map(|t| (t, false))
            .collect();
        while let Some((t, done)) = todo.pop() {
            clock += 1;
            if done {
                post[t] = clock;
            } else {
                pre[t] = clock;
                todo.push((t, true));
                todo.extend(plan.tasks[t].subtasks.iter().rev().map(|&c| (c, false)));
            }
        }
        Ancestry { pre, post }
    }

    fn above(&self, a: usize, b: usize) -> bool {
        a != b && self.pre[a] < self.pre[b] && self.post[b] < self.post[a]
    }
}

/// Adds dependencies once each, never on the task itself or on a task above it.
#[derive(Default)]
struct Deps {
    tree: Option<Ancestry>,
    /// The dependencies of tasks that have many, as sets (a task listing 20,000 ids
    /// must not search its growing list for each).
    many: HashMap<usize, HashSet<usize>>,
}

impl Deps {
    /// `x` is an ancestor of `t`.
    fn above(&mut self, plan: &Plan, x: usize, t: usize) -> bool {
        match plan.tasks[t].parent {
            None => false,
            Some(p) if p == x => true,
            Some(_) => self
                .tree
                .get_or_insert_with(|| Ancestry::of(plan))
                .above(x, t),
        }
    }

    /// `t` depends on `x`, unless it is itself, already listed, or an ancestor of `t`.
    fn add(&mut self, plan: &mut Plan, t: usize, x: usize) {
        if x == t {
            return;
        }
        let deps = &plan.tasks[t].deps;
        // (Most tasks have a few: a search of the list, no hashing.)
        if deps.len() < 32 {
            if deps.contains(&x) || self.above(plan, x, t) {
                return;
            }
            plan.tasks[t].deps.push(x);
            return;
        }
        let set = self
            .many
            .entry(t)
            .or_insert_with(|| deps.iter().copied().collect());
        if set.contains(&x) || self.above(plan, x, t) {
            return;
        }
        if let Some(set) = self.many.get_mut(&t) {
            set.insert(x);
        }
        plan.tasks[t].deps.push(x);
    }
}

fn resolve_checkpoints(plan: &mut Plan, refs: &Refs, ids: &IdIndex) {
    // (checkpoint, task) pairs already listed: a checkpoint over a range of 50,000
    // tasks must not search its own list for each one.
    let mut listed: HashSet<(usize, usize)> = HashSet::new();
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
            let id = plan.tasks[t].id.to_string();
            let cp = &mut plan.checkpoints[*c];
            if listed.insert((*c, t)) {
                cp.tasks.push(t);
                cp.task_ids.push(id);
            }
        }
    }
    // Earlier checkpoints first: by number, then plan order.
    let mut order: Vec<usize> = (0..plan.checkpoints.len()).collect();
    order.sort_by_key(|&c| {
        let cp = &plan.checkpoints[c];
        let n: u32 = match cp.scope {
            Some(_) => u32::MAX,
            None => cp
                .id
                .get(2..)
                .and_then(|n| n.parse().ok())
                .unwrap_or(u32::MAX),
        };
        (n, cp.span)
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
/// plan every pass over the tasks costs a cache miss per task), written states that
/// disagree with their subtasks are found (returned in plan order). The walk goes
/// children first from an explicit order: nesting as deep as the input allows must not
/// overflow a thread's stack.
fn derive_statuses(plan: &mut Plan) -> Vec<Found> {
    fn derive(plan: &mut Plan, t: usize, found: &mut Vec<(usize, Found)>) {
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
        // An optional subtask left open does not keep its parent open.
        let all_done = subs
            .iter()
            .all(|&c| plan.tasks[c].optional || plan.tasks[c].status.is_closed());
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
    for t in children_first(plan) {
        derive(plan, t, &mut found);
        // Top-level tasks come in plan order: each track lists its own.
        if plan.tasks[t].parent.is_none() {
            let tr = plan.tasks[t].track;
            plan.tracks[tr].tasks.push(t);
        }
    }
    // (Subtasks were reached before their parents.)
    found.sort_by_key(|&(t, _)| t);
    found.into_iter().map(|(_, f)| f).collect()
}

/// Every task, each after all of its subtasks (the order a recursive walk would finish
/// them in), found with a stack of its own.
fn children_first(plan: &Plan) -> Vec<usize> {
    let mut order = Vec::with_capacity(plan.tasks.len());
    let mut todo: Vec<(usize, bool)> = (0..plan.tasks.len())
        .rev()
        .filter(|&t| plan.tasks[t].parent.is_none())
        .map(|t| (t, false))
        .collect();
    while let Some((t, expanded)) = todo.pop() {
        if expanded {
            order.push(t);
        } else {
            todo.push((t, true));
            todo.extend(plan.tasks[t].subtasks.iter().rev().map(|&c| (c, false)));
        }
    }
    order
}

/// A parent marked done with an open subtask, or pending with one under way.
fn disagreement_found(plan: &Plan, task: &Task) -> Option<Found> {
    let (state, others, advice) = match task.status {
        Status::Done => ("done", "open", "it counts as open until they are done"),
        Status::Pending => ("pending", "done or started", "update the parent's checkbox"),
        _ => return None,
    };
    let differs = |c: usize| match task.status {
        Status::Done => !plan.tasks[c].optional && !plan.is_finished(c),
        _ => matches!(plan.tasks[c].status, Status::Done | Status::InProgress),
    };
    let mut ids = task.subtasks.iter().filter(|&&c| differs(c));
    let first = *ids.next()?;
    let mut m = format!(
        "`{}` is marked {state} but subtask {}",
        task.id, plan.tasks[first].id
    );
    for &c in ids {
        m.push_str(", ");
        m.push_str(plan.tasks[c].id.as_str());
    }
    for part in [" is ", others, "; ", advice] {
        m.push_str(part);
    }
    Some((Severity::Warning, task.span, m))
}

/// At most this many cycles are described; the rest are counted.
const CYCLES_SHOWN: usize = 24;
/// A longer cycle names its first tasks and counts the others.
const CYCLE_NAMES_SHOWN: usize = 12;

/// Every dependency cycle the depth-first walk meets, reported once at its first
/// task's line. A plan full of cycles (each task depending on the next and on the
/// first) would otherwise give a report quadratic in its size: the first
/// [`CYCLES_SHOWN`] are described, each naming at most [`CYCLE_NAMES_SHOWN`] tasks,
/// and one more line counts the rest. Time is linear in tasks plus dependencies,
/// plus the text written.
fn cycles_found(plan: &Plan) -> Vec<Found> {
    let n = plan.tasks.len();
    let mut color = vec![0u8; n]; // 0 new, 1 on stack, 2 done
                                  // Where a task on the stack sits in it, so a back edge finds its cycle at once.
    let mut at = vec![0usize; n];
    let mut found = Vec::new();
    let mut more = 0usize;
    let mut first_unlisted: Option<Span> = None;
    // Iterative DFS: (node, next edge index). One stack for every start (it is empty
    // again after each), not one allocation per task.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if color[start] != 0 {
            continue;
        }
        stack.push((start, 0));
        color[start] = 1;
        at[start] = 0;
        while let Some(&mut (v, ref mut ei)) = stack.last_mut() {
            if let Some(&w) = plan.tasks[v].deps.get(*ei) {
                *ei += 1;
                match color[w] {
                    0 => {
                        color[w] = 1;
                        at[w] = stack.len();
                        stack.push((w, 0));
                    }
                    1 if found.len() < CYCLES_SHOWN => {
                        let cycle: Vec<usize> = stack[at[w]..].iter().map(|&(x, _)| x).collect();
                        found.push(cycle_found(plan, &cycle));
                    }
                    1 => {
                        more += 1;
                        first_unlisted.get_or_insert(plan.tasks[w].span);
                    }
                    _ => {}
                }
            } else {
                color[v] = 2;
                stack.pop();
            }
        }
    }
    if let Some(span) = first_unlisted {
        let s = if more == 1 { "" } else { "s" };
        found.push((
            Severity::Error,
            span,
            format!("{more} more dependency cycle{s} not listed; break the cycles above and check again"),
        ));
    }
    found
}

/// One cycle, written in dependency direction: a depends on b depends on … a.
fn cycle_found(plan: &Plan, cycle: &[usize]) -> Found {
    let shown = &cycle[..cycle.len().min(CYCLE_NAMES_SHOWN)];
    let hidden = cycle.len() - shown.len();
    let mut names: Vec<&str> = shown.iter().map(|&t| plan.tasks[t].id.as_str()).collect();
    let mut lines: Vec<String> = shown
        .iter()
        .map(|&t| plan.tasks[t].span.line.to_string())
        .collect();
    let more;
    if hidden > 0 {
        more = format!("… {hidden} more");
        names.push(&more);
        lines.push("…".to_string());
    }
    names.push(plan.tasks[cycle[0]].id.as_str());
    (
        Severity::Error,
        plan.tasks[cycle[0]].span,
        format!(
            "dependency cycle: {} (lines {}); none of these can start, break one dependency",
            names.join(" → "),
            lines.join(", ")
        ),
    )
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
    if !path.contains("..") {
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

/// `Q-` + 4 hex digits of the question's normalised text (longer only on a clash). The
/// same question asked twice in the plan is one question: it keeps one id, and the
/// triage lists it once with each place it was asked.
fn question_ids(plan: &mut Plan) {
    let mut used: HashSet<String> = HashSet::new();
    let mut by_text: HashMap<String, String> = HashMap::new();
    for q in &mut plan.questions {
        let key = normalise(&q.text);
        if let Some(id) = by_text.get(&key) {
            q.id = id.clone();
            continue;
        }
        q.id = question_id(&q.text, &used);
        used.insert(q.id.clone());
        by_text.insert(key, q.id.clone());
    }
}

fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A stable id for a question's text that `used` does not hold: `Q-` and 4 hex digits of
/// its hash, 6 or 8 on a clash, then the hash of the text with a counter (an id is never
/// handed out twice, and never longer than 8 digits).
pub fn question_id(text: &str, used: &HashSet<String>) -> String {
    let norm = normalise(text);
    // FNV-1a, 64 bit: stable across runs and platforms.
    let fnv = |s: &str, salt: u64| -> String {
        let mut h: u64 = 0xcbf29ce484222325 ^ salt;
        for b in s.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        format!("{h:016x}")
    };
    let hex = fnv(&norm, 0);
    for n in [4, 6, 8] {
        let id = format!("Q-{}", &hex[..n]);
        if !used.contains(&id) {
            return id;
        }
    }
    // Every length is taken: `used` is finite, so a counter soon finds a free one.
    let mut salt = 1u64;
    loop {
        let id = format!("Q-{}", &fnv(&norm, salt)[..8]);
        if !used.contains(&id) {
            return id;
        }
        salt += 1;
    }
}
