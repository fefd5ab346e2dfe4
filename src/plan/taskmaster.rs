//! Taskmaster's `tasks.json`: tagged (`{"master": {"tasks": [...]}, "feature": {...}}`)
//! or legacy (`{"tasks": [...]}`). A tag is a track; ids are `N`, subtasks `N.M`; in
//! tags other than the first, ids carry the tag (`feature/3`), since every tag numbers
//! its tasks from 1. PLAN_FORMAT.md §7.

use super::build::Refs;
use super::frontmatter::{diag, new_track, priority_word, push_task};
use super::model::*;
use super::vocabulary as vocab;
use serde_json::Value;
use std::collections::HashMap;

/// An id as written: `7`, `"7"`, `"7.1"`.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn is_task_list(v: &Value) -> bool {
    v.as_array().is_some_and(|a| {
        a.iter()
            .all(|t| t.get("id").is_some() && t.get("title").is_some())
    })
}

/// The tag lists of a file in Taskmaster's shape, in the order they are written
/// (`root_keys`).
fn tag_lists<'v>(
    doc: &'v Value,
    root_keys: &[&str],
) -> Option<Vec<(Option<&'v str>, &'v Vec<Value>)>> {
    let obj = doc.as_object()?;
    if let Some(tasks) = obj.get("tasks") {
        return tasks
            .as_array()
            .filter(|_| is_task_list(tasks))
            .map(|a| vec![(None, a)]);
    }
    let mut tags: Vec<(usize, &str, &Vec<Value>)> = Vec::new();
    for (k, v) in obj {
        let Some(tasks) = v.get("tasks") else {
            continue;
        };
        if !is_task_list(tasks) {
            return None;
        }
        let at = root_keys.iter().position(|r| r == k).unwrap_or(usize::MAX);
        tags.push((at, k, tasks.as_array()?));
    }
    if tags.is_empty() {
        return None;
    }
    tags.sort_by_key(|(at, k, _)| (*at, *k));
    Some(tags.into_iter().map(|(_, k, v)| (Some(k), v)).collect())
}

/// What the line finder is inside.
#[derive(Clone, Copy, PartialEq)]
enum In {
    Root,
    /// A tag's object (or any other value of the root).
    Tag,
    Task,
    Subtask,
    Other,
    Tasks,
    Subtasks,
    OtherList,
}

/// The text's layout, from one pass over it (strings skipped): the line of every task
/// and subtask the reader visits, in the order it visits them (each one's first key,
/// its `"id"` as written), and the root's keys in written order (serde_json's map
/// iterates them sorted; the tags are taken in the file's order).
fn layout(text: &str) -> (Vec<u32>, Vec<&str>) {
    let b = text.as_bytes();
    let mut lines = Vec::new();
    let mut root_keys = Vec::new();
    let mut line = 1u32;
    let mut stack: Vec<In> = Vec::new();
    let mut last_string = (0, 0);
    let mut key: Option<(usize, usize)> = None;
    // A task object opened and its line not yet taken.
    let mut want = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => line += 1,
            b'"' => {
                if want {
                    lines.push(line);
                    want = false;
                }
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    } else if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                last_string = (start, i.min(b.len()));
            }
            b':' => {
                key = Some(last_string);
                if stack.last() == Some(&In::Root) {
                    root_keys.push(&text[last_string.0..last_string.1]);
                }
            }
            b'[' => {
                let named = key.take().map(|(s, e)| &b[s..e]);
                let list = match (stack.last(), named) {
                    (Some(In::Root | In::Tag), Some(b"tasks")) => In::Tasks,
                    (Some(In::Task), Some(b"subtasks")) => In::Subtasks,
                    _ => In::OtherList,
                };
                stack.push(list);
            }
            b'{' => {
                if std::mem::take(&mut want) {
                    lines.push(line);
                }
                let inside = match stack.last() {
                    None => In::Root,
                    Some(In::Root) => In::Tag,
                    Some(In::Tasks) => In::Task,
                    Some(In::Subtasks) => In::Subtask,
                    Some(_) => In::Other,
                };
                want = matches!(inside, In::Task | In::Subtask);
                stack.push(inside);
                key = None;
            }
            b']' | b'}' => {
                if std::mem::take(&mut want) {
                    lines.push(line);
                }
                stack.pop();
            }
            b',' => key = None,
            _ => {}
        }
        i += 1;
    }
    (lines, root_keys)
}

/// One task object (top-level or subtask), made into a task.
struct Reader<'p> {
    plan: &'p mut Plan,
    refs: &'p mut Refs,
    file: usize,
}

impl Reader<'_> {
    fn task(
        &mut self,
        v: &Value,
        id: String,
        line: u32,
        track: usize,
        parent: Option<usize>,
        tag: Option<&str>,
    ) -> usize {
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let title = s("title").unwrap_or("(untitled)").to_string();
        let mut task = Task::new(
            TaskId::from(id),
            false,
            title,
            Span {
                file: self.file,
                line,
            },
            TaskForm::ListItem,
        );
        task.track = track;
        task.parent = parent;
        if let Some(word) = s("status") {
            match vocab::tool_status(Format::Taskmaster, word) {
                Some((st, note)) => {
                    task.status = st;
                    task.status_written = true;
                    if note {
                        task.notes.push(format!("status: {word}"));
                    }
                }
                None => {
                    diag(
                        self.plan,
                        self.file,
                        Severity::Warning,
                        line,
                        format!("unknown status `{word}` on task `{}`; read as pending (known: pending, in-progress, review, done, completed, deferred, cancelled, blocked)", task.id),
                    );
                    task.notes.push(format!("status: {word}"));
                }
            }
        }
        task.priority = s("priority").and_then(priority_word);
        if let Some(d) = s("description") {
            task.notes.push(d.to_string());
        }
        if let Some(d) = s("details") {
            task.background.push(d.to_string());
        }
        if let Some(d) = s("testStrategy") {
            task.dod.push(d.to_string());
        }
        if let Some(tag) = tag {
            task.extra_mut().tag = Some(tag.to_string());
        }
        if let Some(a) = s("assignee") {
            task.extra_mut().assignee = vec![a.to_string()];
        }
        push_task(self.plan, self.refs, task)
    }
}

/// Read a `tasks.json`.
pub fn read(plan: &mut Plan, refs: &mut Refs, file: usize, text: &str) {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            // (serde_json's message ends with the position, said once here.)
            let msg = e.to_string();
            let what = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            diag(
                plan,
                file,
                Severity::Error,
                e.line() as u32,
                format!(
                    "not valid JSON at line {}, column {}: {what}; nothing in this file was read until it is fixed",
                    e.line(),
                    e.column()
                ),
            );
            return;
        }
    };
    let (lines, root_keys) = layout(text);
    let Some(tags) = tag_lists(&doc, &root_keys) else {
        diag(
            plan,
            file,
            Severity::Warning,
            0,
            "not in Taskmaster's shape (a `tasks` list of objects with `id` and `title`, alone or under tags); not read as a plan".into(),
        );
        return;
    };
    let mut lines = lines.into_iter();
    let first_tag = tags.first().and_then(|(t, _)| *t);
    for (tag, list) in tags {
        let track = new_track(plan, tag.unwrap_or("tasks").to_string(), file);
        // (Its line is its first task's, set below.)
        plan.tracks[track].span.line = 0;
        // Ids of other tags than the first carry the tag.
        let qualify = |id: &str| match tag {
            Some(t) if Some(t) != first_tag => format!("{t}/{id}"),
            _ => id.to_string(),
        };
        let mut r = Reader {
            plan: &mut *plan,
            refs: &mut *refs,
            file,
        };
        // Pass one: the tasks; pass two: their dependencies, which may point forward.
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut deps: Vec<(usize, Option<String>, &Vec<Value>)> = Vec::new();
        for v in list {
            let line = lines.next().unwrap_or(1);
            let subs = v.get("subtasks").and_then(Value::as_array);
            let Some(local) = v.get("id").and_then(id_text) else {
                // (Its subtasks' lines are passed over with it.)
                for _ in subs.into_iter().flatten().filter(|s| s.is_object()) {
                    lines.next();
                }
                continue;
            };
            if r.plan.tracks[track].span.line == 0 {
                r.plan.tracks[track].span.line = line;
            }
            let t = r.task(v, qualify(&local), line, track, None, tag);
            by_id.entry(local.clone()).or_insert(t);
            if let Some(d) = v.get("dependencies").and_then(Value::as_array) {
                deps.push((t, None, d));
            }
            for sv in subs.into_iter().flatten() {
                let line = match sv.is_object() {
                    true => lines.next().unwrap_or(1),
                    false => continue,
                };
                let Some(sid) = sv.get("id").and_then(id_text) else {
                    continue;
                };
                // `"id": 1` inside task 7 is `7.1`; `"id": "7.1"` is written out.
                let full = match sid.split_once('.') {
                    Some(_) => sid.clone(),
                    None => format!("{local}.{sid}"),
                };
                let s = r.task(sv, qualify(&full), line, track, Some(t), tag);
                by_id.entry(full).or_insert(s);
                if let Some(d) = sv.get("dependencies").and_then(Value::as_array) {
                    deps.push((s, Some(local.clone()), d));
                }
            }
            // A pending parent whose subtasks have started is under way: its state
            // comes from them.
            let task = &plan.tasks[t];
            if task.status == Status::Pending && !task.subtasks.is_empty() {
                plan.tasks[t].status_written = false;
            }
            r = Reader {
                plan: &mut *plan,
                refs: &mut *refs,
                file,
            };
        }
        for (t, parent, list) in deps {
            for d in list {
                let Some(d) = id_text(d) else {
                    continue;
                };
                // In a subtask, a bare number names a sibling.
                let key = match (&parent, d.contains('.')) {
                    (Some(p), false) => format!("{p}.{d}"),
                    _ => d.clone(),
                };
                let found = by_id
                    .get(&key)
                    .or_else(|| parent.as_ref().and_then(|_| by_id.get(&d)));
                match found {
                    Some(&x) if x != t => {
                        if !plan.tasks[t].deps.contains(&x) {
                            plan.tasks[t].deps.push(x);
                        }
                    }
                    Some(_) => {}
                    None => {
                        let line = plan.tasks[t].span.line;
                        let id = plan.tasks[t].id.to_string();
                        diag(
                            plan,
                            file,
                            Severity::Warning,
                            line,
                            format!("task `{id}` depends on `{d}`, which no task of {} has; check for a typo or a removed task", match tag {
                                Some(t) => format!("tag `{t}`"),
                                None => "this file".into(),
                            }),
                        );
                    }
                }
            }
        }
    }
}
