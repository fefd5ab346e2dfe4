//! Plans kept as YAML: Backlog.md tasks (one task per file, its fields in YAML front
//! matter, criteria and sub-task headings in the markdown body) and BMAD's
//! `sprint-status.yaml` (epics and stories with their states). PLAN_FORMAT.md §7.

use super::blocks::{self, Block, Item, NextList};
use super::build::Refs;
use super::format;
use super::model::*;
use super::vocabulary as vocab;
use yaml_rust2::{Yaml, YamlLoader};

/// A diagnostic on line `line` of plan file `file` (the readers of YAML and JSON
/// share it).
pub(super) fn diag(plan: &mut Plan, file: usize, severity: Severity, line: u32, message: String) {
    let path = plan.files[file].path.clone();
    plan.diagnostics.push(Diagnostic {
        severity,
        file: path,
        line,
        message,
    });
}

/// A scalar as text (`id: 42` is a number in YAML, a name to us).
fn text_of(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list, or one value standing for a list of one (`assignee: '@ana'`), or a
/// comma-separated text.
fn list_of(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(v) => v.iter().filter_map(text_of).collect(),
        Yaml::String(s) => s
            .split(',')
            .map(|p| {
                p.trim()
                    .trim_matches(['[', ']', '"', '\''])
                    .trim()
                    .to_string()
            })
            .filter(|p| !p.is_empty())
            .collect(),
        other => text_of(other).into_iter().collect(),
    }
}

/// YAML nested deeper than this is refused before it is loaded (the loaded tree is
/// copied and dropped recursively); front matter and sprint files nest a few levels.
const MAX_DEPTH: usize = 64;

/// A plan's YAML holds at most this many nodes.
const MAX_NODES: usize = 1_000_000;

/// What the loader would build, checked first from the parser's events (no tree): no
/// aliases (the loader copies the anchored value at every use, so a few hundred bytes
/// can stand for a billion nodes; neither tool writes them), no deep nesting, and not
/// too many nodes.
fn check_shape(yaml: &str) -> Result<(), (usize, String)> {
    use yaml_rust2::parser::Parser;
    use yaml_rust2::Event;
    let mut parser = Parser::new_from_str(yaml);
    let (mut depth, mut nodes) = (0usize, 0usize);
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| (e.marker().line(), e.info().to_string()))?;
        match event {
            Event::StreamEnd => return Ok(()),
            Event::Alias(_) => {
                return Err((
                    mark.line(),
                    "aliases (`*name`) are not read in a plan".into(),
                ))
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err((
                        mark.line(),
                        format!("nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        nodes += 1;
        if nodes > MAX_NODES {
            return Err((mark.line(), format!("more than {MAX_NODES} values")));
        }
    }
}

/// One YAML document; an error names its line (1-based, counted from `first_line`).
fn load(yaml: &str, first_line: u32) -> Result<Yaml, (u32, String)> {
    // (The scanner may place an error past the last line: at the end of the stream.
    // It is said on the last line.)
    let last = yaml.split('\n').count().max(1);
    let at = |line: usize| first_line + line.clamp(1, last) as u32 - 1;
    check_shape(yaml).map_err(|(line, why)| (at(line), why))?;
    match YamlLoader::load_from_str(yaml) {
        Ok(mut docs) if !docs.is_empty() => Ok(docs.swap_remove(0)),
        Ok(_) => Ok(Yaml::Null),
        Err(e) => Err((at(e.marker().line()), e.info().to_string())),
    }
}

/// The line (1-based in the file) where `key:` starts a line of the YAML text that
/// begins on `first_line`.
fn line_of(yaml: &str, key: &str, first_line: u32) -> Option<u32> {
    yaml.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|i| first_line + i as u32)
}

/// `---` front matter: (its YAML, the body after it, the body's first line).
fn split_front_matter(text: &str) -> Option<(&str, &str, u32)> {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = t
        .strip_prefix("---\n")
        .or_else(|| t.strip_prefix("---\r\n"))?;
    let mut at = 0;
    for (n, line) in rest.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" || line.trim_end() == "..." {
            let body = &rest[at + line.len()..];
            return Some((&rest[..at], body, n as u32 + 3));
        }
        at += line.len();
    }
    None
}

/// `task-12 - Retry-webhooks.md` → (`task-12`, `Retry webhooks`).
fn from_file_name(path: &str) -> (String, String) {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.strip_suffix(".md").unwrap_or(name);
    match stem.split_once(" - ") {
        Some((id, title)) => (
            id.trim().to_string(),
            title.replace('-', " ").trim().to_string(),
        ),
        None => (stem.to_string(), stem.to_string()),
    }
}

/// `high` / `medium` / `low` (Backlog.md, Taskmaster), or `P0`–`P3`.
pub fn priority_word(word: &str) -> Option<Priority> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" | "urgent" | "highest" => Some(Priority(0)),
        "high" => Some(Priority(1)),
        "medium" | "normal" => Some(Priority(2)),
        "low" | "lowest" => Some(Priority(3)),
        other => vocab::priority_token(other),
    }
}

/// A new track named `name`, first seen in `file`.
pub(super) fn new_track(plan: &mut Plan, name: String, file: usize) -> usize {
    plan.tracks.push(Track {
        key: String::new(),
        letter: None,
        id: None,
        name,
        priority: None,
        kind: TrackKind::Track,
        remark: None,
        span: Span { file, line: 1 },
        tasks: Vec::new(),
        parallel: false,
    });
    plan.tracks.len() - 1
}

/// The track named `name` that the Backlog.md reader made already, or a new one.
fn track_named(plan: &mut Plan, refs: &mut Refs, name: &str, file: usize) -> usize {
    if let Some(&t) = refs.named_tracks.get(name) {
        return t;
    }
    let t = new_track(plan, name.to_string(), file);
    refs.named_tracks.insert(name.to_string(), t);
    t
}

pub(super) fn push_task(plan: &mut Plan, refs: &mut Refs, task: Task) -> usize {
    let t = plan.tasks.len();
    refs.ids.add_task(t, &task);
    if let Some(p) = task.parent {
        plan.tasks[p].subtasks.push(t);
    }
    plan.tasks.push(task);
    t
}

/// One Backlog.md task file.
pub fn read_backlog(plan: &mut Plan, refs: &mut Refs, file: usize, text: &str) {
    let path = plan.files[file].path.clone();
    let span = |line| Span { file, line };
    let (file_id, file_title) = from_file_name(&path);
    let Some((yaml, body, body_line)) = split_front_matter(text) else {
        diag(
            plan,
            file,
            Severity::Error,
            1,
            format!("no front matter: a Backlog.md task starts with `---`, its fields (id, title, status…) and `---`; `{file_id}` is left out until it has them"),
        );
        return;
    };
    let fm = match load(yaml, 2) {
        Ok(y) => y,
        Err((line, why)) => {
            // Its state is unknown: better left out, with the error, than offered.
            diag(
                plan,
                file,
                Severity::Error,
                line,
                format!("front matter is not valid YAML ({why}); `{file_id}` ({file_title}) is left out until the YAML is fixed"),
            );
            return;
        }
    };
    let get = |k: &str| fm[k].clone();
    let key_line = |k: &str| line_of(yaml, k, 2).unwrap_or(1);
    let id = text_of(&get("id")).unwrap_or(file_id);
    let title = text_of(&get("title")).unwrap_or(file_title);
    let mut task = Task::new(
        TaskId::from(id.as_str()),
        false,
        title,
        span(key_line("id")),
        TaskForm::Heading,
    );
    let completed = format::is_completed_backlog(&path);
    match text_of(&get("status")) {
        Some(word) => match vocab::tool_status(Format::BacklogMd, &word) {
            Some((s, _)) => {
                task.status = s;
                task.status_written = true;
            }
            None => {
                diag(
                    plan,
                    file,
                    Severity::Warning,
                    key_line("status"),
                    format!("unknown status `{word}`; read as pending (known: To Do, In Progress, Done, Blocked, Cancelled)"),
                );
                task.notes.push(format!("status: {word}"));
            }
        },
        None if fm.is_null() || completed => {}
        None => diag(
            plan,
            file,
            Severity::Warning,
            1,
            "no `status` in the front matter; read as pending".into(),
        ),
    }
    if completed && !task.status.is_closed() {
        task.status = Status::Done;
        task.status_written = true;
    }
    task.priority = text_of(&get("priority")).and_then(|p| priority_word(&p));
    let assignee = list_of(&get("assignee"));
    let labels = list_of(&get("labels"));
    if !assignee.is_empty() {
        task.extra_mut().assignee = assignee;
    }
    if !labels.is_empty() {
        task.extra_mut().labels = labels;
    }
    // The track: the milestone, else the epic folder, else the backlog itself (a
    // sub-task joins its parent's track once it is attached).
    let epic = path
        .split_once("backlog/tasks/")
        .or_else(|| path.split_once("backlog/completed/"))
        .and_then(|(_, rest)| rest.rsplit_once('/'))
        .map(|(dir, _)| dir.to_string());
    let track = text_of(&get("milestone"))
        .or(epic)
        .unwrap_or_else(|| "Backlog".to_string());
    task.track = track_named(plan, refs, &track, file);
    let t = push_task(plan, refs, task);
    unique_across_files(plan, refs, t);
    for d in list_of(&get("dependencies")) {
        refs.push_id(t, &d.to_uppercase(), key_line("dependencies"));
    }
    let parent = ["parent_task_id", "parent_task", "parent"]
        .into_iter()
        .find_map(|k| text_of(&get(k)).map(|p| (p, key_line(k))));
    if let Some((p, line)) = parent {
        refs.parents.push((t, p.to_uppercase(), line));
    }
    backlog_body(plan, refs, t, body, body_line);
}

/// A Backlog.md id is unique across the backlog's files: a second task with it is an
/// error at both places.
fn unique_across_files(plan: &mut Plan, refs: &mut Refs, t: usize) {
    let key = plan.tasks[t].key().to_string();
    match refs.across_files.get(&key) {
        Some(&first) => {
            let (a, b) = (plan.tasks[first].span, plan.tasks[t].span);
            let msg = format!(
                "duplicate task id `{}`: {}:{} and {}:{} both say it; dependencies on it cannot tell them apart",
                plan.tasks[t].id,
                plan.file_of(a),
                a.line,
                plan.file_of(b),
                b.line
            );
            diag(plan, a.file, Severity::Error, a.line, msg.clone());
            diag(plan, b.file, Severity::Error, b.line, msg);
        }
        None => {
            refs.across_files.insert(key, t);
        }
    }
}

/// The body of a Backlog.md task: its description is background, its acceptance and
/// definition-of-done boxes are criteria, its `### ✅ task-15.1: …` headings are
/// sub-tasks.
fn backlog_body(plan: &mut Plan, refs: &mut Refs, t: usize, body: &str, first_line: u32) {
    let shift = first_line - 1;
    let mut section = String::new();
    blocks::parse(body, |b| {
        backlog_block(plan, refs, t, b, &mut section, shift);
        NextList::Pieces
    });
}

/// One block of a Backlog.md task's body (see [`backlog_body`]).
fn backlog_block(
    plan: &mut Plan,
    refs: &mut Refs,
    t: usize,
    b: &Block,
    section: &mut String,
    shift: u32,
) {
    let file = plan.tasks[t].span.file;
    match b {
        Block::Heading { line, .. } => {
            let text = line.plain().trim().to_string();
            if let Some((status, id, title)) = subtask_heading(&text) {
                let mut sub = Task::new(
                    TaskId::from(id),
                    false,
                    title.to_string(),
                    Span {
                        file,
                        line: line.line + shift,
                    },
                    TaskForm::Heading,
                );
                sub.status = status;
                sub.status_written = true;
                sub.parent = Some(t);
                sub.track = plan.tasks[t].track;
                let s = push_task(plan, refs, sub);
                unique_across_files(plan, refs, s);
                *section = "sub-task".into();
            } else {
                *section = text;
            }
        }
        Block::Para(lines) => {
            let lower = section.to_ascii_lowercase();
            for l in lines {
                let p = l.plain();
                let p = p.trim();
                if p.is_empty() {
                    continue;
                }
                if lower.contains("description") {
                    plan.tasks[t].background.push(p.to_string());
                } else if lower.contains("implementation") {
                    plan.tasks[t].notes.push(p.to_string());
                }
            }
        }
        Block::List(items) | Block::MoreItems(items) => {
            let dod = section.to_ascii_lowercase().contains("definition of done");
            if vocab::is_criteria_heading(section) || dod {
                criteria(plan, section, items, file, shift);
            } else if section.to_ascii_lowercase().contains("description") {
                for it in items {
                    if let Some(l) = it.lines.first() {
                        plan.tasks[t].background.push(l.plain().trim().to_string());
                    }
                }
            }
        }
        Block::Table { .. } | Block::Quote(_) => {}
    }
}

fn criteria(plan: &mut Plan, section: &str, items: &[Item], file: usize, shift: u32) {
    for it in items {
        let Some(first) = it.lines.first() else {
            continue;
        };
        let text = first.plain();
        let (status, rest) = match it.checkbox {
            Some(done) => (
                Some(if done { Status::Done } else { Status::Pending }),
                &*text,
            ),
            None => match vocab::status_mark(&text) {
                Some((s, rest, _)) => (Some(s), rest),
                None => (None, &*text),
            },
        };
        plan.criteria.push(Criterion {
            section: section.to_string(),
            text: rest.trim().to_string(),
            status,
            span: Span {
                file,
                line: it.line + shift,
            },
        });
    }
}

/// `✅ task-152.1: Title`, `task-15.2: Title`, `[x] TASK-3.1 - Title`.
fn subtask_heading(text: &str) -> Option<(Status, &str, &str)> {
    let (status, rest) = match vocab::status_mark(text) {
        Some((s, rest, _)) => (s, rest.trim_start()),
        None => (Status::Pending, text),
    };
    let lower = rest.to_ascii_lowercase();
    let idlen = lower
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .unwrap_or(lower.len());
    let id = rest[..idlen].trim_end_matches('.');
    // An id like `task-15.1`: letters, a dash, a number, a dotted part.
    let (prefix, num) = id.split_once('-')?;
    if prefix.is_empty()
        || !prefix.bytes().all(|b| b.is_ascii_alphabetic())
        || !num.contains('.')
        || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return None;
    }
    let title = rest[idlen..]
        .trim_start_matches([':', '：', ' ', '-', '—'])
        .trim();
    Some((status, id, title))
}

/// BMAD's `sprint-status.yaml`: `development_status:` maps `epic-N` to the epic's
/// state and `N-M-slug` to each story's; an epic is a track.
pub fn read_bmad(plan: &mut Plan, refs: &mut Refs, file: usize, text: &str) {
    let doc = match load(text, 1) {
        Ok(y) => y,
        Err((line, why)) => {
            diag(
                plan,
                file,
                Severity::Error,
                line,
                format!("sprint status is not valid YAML ({why}); nothing in it was read"),
            );
            return;
        }
    };
    let Some(status) = doc["development_status"].as_hash() else {
        diag(
            plan,
            file,
            Severity::Warning,
            1,
            "no `development_status:` map: not a BMAD sprint status; nothing in it was read".into(),
        );
        return;
    };
    // Each key's line, in one pass (quoted keys too: `"1-1-x": done`).
    let mut lines: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for (i, l) in text.lines().enumerate() {
        if let Some((k, _)) = l.trim_start().split_once(':') {
            let k = k.trim().trim_matches(['"', '\'']);
            lines.entry(k).or_insert(i as u32 + 1);
        }
    }
    let line = |key: &str| lines.get(key).copied().unwrap_or(1);
    // This file's epics (another sprint file's `Epic 1` is another epic).
    let mut epics: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut epic_track = |plan: &mut Plan, n: &str| {
        *epics
            .entry(n.to_string())
            .or_insert_with(|| new_track(plan, format!("Epic {n}"), file))
    };
    for (k, v) in status {
        let (Some(key), Some(state)) = (text_of(k), text_of(v)) else {
            continue;
        };
        let at = line(&key);
        let epic_num = |rest: &str| rest.split('-').next().unwrap_or("").to_string();
        if let Some(rest) = key.strip_prefix("epic-") {
            let n = epic_num(rest);
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let tr = epic_track(plan, &n);
            if rest.ends_with("retrospective") {
                let mut task = Task::new(
                    TaskId::from(format!("E{n}-RETRO")),
                    false,
                    format!("Epic {n} retrospective"),
                    Span { file, line: at },
                    TaskForm::ListItem,
                );
                task.track = tr;
                task.optional = state == "optional";
                task.status = vocab::tool_status(Format::Bmad, &state)
                    .map(|(s, _)| s)
                    .unwrap_or(Status::Pending);
                task.status_written = true;
                push_task(plan, refs, task);
            } else {
                plan.tracks[tr].remark = Some(state.clone());
                plan.tracks[tr].span = Span { file, line: at };
            }
            continue;
        }
        // `1-2-user-login`: epic 1, story 2.
        let mut parts = key.splitn(3, '-');
        let (Some(e), Some(s)) = (parts.next(), parts.next()) else {
            continue;
        };
        let number = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if !number(e) || !number(s) {
            continue;
        }
        let title = parts.next().unwrap_or("").replace('-', " ");
        let tr = epic_track(plan, e);
        let mut task = Task::new(
            TaskId::from(format!("{e}.{s}")),
            false,
            title,
            Span { file, line: at },
            TaskForm::ListItem,
        );
        task.track = tr;
        task.status_written = true;
        task.status = match vocab::tool_status(Format::Bmad, &state).map(|(s, _)| s) {
            Some(st) => st,
            None => {
                diag(
                    plan,
                    file,
                    Severity::Warning,
                    at,
                    format!("unknown story state `{state}`; read as pending"),
                );
                Status::Pending
            }
        };
        if state != "in-progress" && task.status == Status::InProgress {
            task.notes.push(format!("status: {state}"));
        }
        push_task(plan, refs, task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_split() {
        let (y, body, line) = split_front_matter("---\nid: a\n---\n## D\n").expect("split"); // ok: test
        assert_eq!(y, "id: a\n");
        assert_eq!(body, "## D\n");
        assert_eq!(line, 4);
        assert!(split_front_matter("id: a\n").is_none());
    }

    #[test]
    fn sub_task_headings() {
        assert_eq!(
            subtask_heading("✅ task-152.1: Wire the API"),
            Some((Status::Done, "task-152.1", "Wire the API"))
        );
        assert_eq!(subtask_heading("Acceptance Criteria"), None);
        assert_eq!(subtask_heading("task-7: not a sub-task"), None);
    }
}
