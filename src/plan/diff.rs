//! What changed between two parsed versions of a plan, as task events.

use super::{Plan, Status};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Open before, done now (or added already done).
    Done,
    /// Pending or blocked before, in progress now (or added in progress).
    Started,
    /// Not in the plan before.
    Added,
    /// In the plan before, gone now.
    Removed,
    /// Done or dropped before, open again now.
    Reopened,
    /// Open before, dropped now.
    Dropped,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Done => "done",
            EventKind::Started => "started",
            EventKind::Added => "added",
            EventKind::Removed => "removed",
            EventKind::Reopened => "reopened",
            EventKind::Dropped => "dropped",
        }
    }
}

/// One change to one task between two versions of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskChange {
    pub kind: EventKind,
    /// The task id as written in the newer version (the older one for `removed`).
    pub id: String,
    pub title: String,
    pub file: String,
    /// The line in the version the id is taken from.
    pub line: u32,
    pub from: Option<Status>,
    pub to: Option<Status>,
}

/// A task's identity across versions: its file and its id key. Tasks without an id of
/// their own (derived ids move when tasks are inserted above them) are matched by title.
fn identity(plan: &Plan, t: usize) -> (String, String) {
    let task = &plan.tasks[t];
    let file = plan.file_of(task.span).to_string();
    if task.derived_id {
        (file, format!("title:{}", task.title.trim().to_lowercase()))
    } else {
        (file, task.key().to_string())
    }
}

/// The events that turn `old` into `new`, in the newer plan's order (removals last, in
/// the older plan's order). `old = None` means the plan did not exist: every task is
/// added (and also done or started when it already is).
pub fn diff(old: Option<&Plan>, new: &Plan) -> Vec<TaskChange> {
    let mut before: HashMap<(String, String), usize> = HashMap::new();
    if let Some(old) = old {
        for t in 0..old.tasks.len() {
            before.entry(identity(old, t)).or_insert(t);
        }
    }
    let mut seen: HashMap<(String, String), ()> = HashMap::new();
    let mut out = Vec::new();
    for t in 0..new.tasks.len() {
        let key = identity(new, t);
        if seen.insert(key.clone(), ()).is_some() {
            continue; // a repeated id: the first definition speaks for it
        }
        let task = &new.tasks[t];
        let change = |kind, from| TaskChange {
            kind,
            id: task.id.to_string(),
            title: task.title.clone(),
            file: key.0.clone(),
            line: task.span.line,
            from,
            to: Some(task.status),
        };
        match (old, before.get(&key)) {
            (Some(old), Some(&o)) => {
                let was = old.tasks[o].status;
                let now = task.status;
                if was == now {
                    continue;
                }
                let kind = match (was, now) {
                    (w, Status::Done) if w != Status::Done => EventKind::Done,
                    (w, Status::Dropped) if !w.is_closed() => EventKind::Dropped,
                    (w, n) if w.is_closed() && !n.is_closed() => EventKind::Reopened,
                    (Status::Done, Status::Dropped) => EventKind::Dropped,
                    (Status::Pending | Status::Blocked, Status::InProgress) => EventKind::Started,
                    _ => continue, // in progress → pending/blocked, blocked ↔ pending
                };
                out.push(change(kind, Some(was)));
            }
            _ => {
                out.push(change(EventKind::Added, None));
                match task.status {
                    Status::Done => out.push(change(EventKind::Done, None)),
                    Status::InProgress => out.push(change(EventKind::Started, None)),
                    _ => {}
                }
            }
        }
    }
    if let Some(old) = old {
        let mut gone: HashMap<(String, String), ()> = HashMap::new();
        for t in 0..old.tasks.len() {
            let key = identity(old, t);
            if seen.contains_key(&key) || gone.insert(key.clone(), ()).is_some() {
                continue;
            }
            let task = &old.tasks[t];
            out.push(TaskChange {
                kind: EventKind::Removed,
                id: task.id.to_string(),
                title: task.title.clone(),
                file: key.0,
                line: task.span.line,
                from: Some(task.status),
                to: None,
            });
        }
    }
    out
}
