//! One plan file's block tree → tracks, tasks, checkpoints, questions, criteria and
//! declared conflicts, following the conventions of PLAN_FORMAT.md. Cross-references
//! (dependencies, ranges, subtask blocks) are recorded here and resolved in `resolve`.

use super::blocks::{segs_plain, segs_text, Block, Cells, Item, Items, Line, Lines, Rows, Seg};
use super::lexicon::{self as lx, Field};
use super::model::*;
use std::borrow::Cow;
use std::collections::HashMap;

/// References that can only be resolved once every task of the file is known.
#[derive(Default)]
pub struct Deferred {
    /// (task, parent id as written, line): tasks listed under a `**T2.3 子任务**` block.
    pub parents: Vec<(usize, String, u32)>,
    /// (file, from id, to id, line): `T1.1 → T1.2` means T1.2 depends on T1.1.
    pub chains: Vec<(usize, String, String, u32)>,
    /// Checkpoint items as written: (checkpoint index, first, optional range end).
    pub checkpoint_items: Vec<(usize, String, Option<String>)>,
    /// Dependencies as written: (task, byte range in `dep_ids`, line). A range of ids
    /// not yet expanded is written `a~b`.
    pub deps: Vec<(usize, std::ops::Range<usize>, u32)>,
    /// The text of every dependency id, one buffer for the whole plan.
    pub dep_ids: String,
}

impl Deferred {
    /// Record the ids of a dependency text (`5.1.2, 5.1.3`, `2.1.2-4`, `5.2.1~5.2.4`) for
    /// task `t`. Returns how many were found.
    fn push_deps(&mut self, t: usize, text: &str, line: u32) -> usize {
        let cleaned;
        let text = if text.contains(['`', '*']) {
            cleaned = text.replace(['`', '*'], "");
            cleaned.as_str()
        } else {
            text
        };
        let mut n = 0;
        lx::each_id(text, |a, b| {
            n += 1;
            match b {
                None => self.push_id(t, a, line),
                Some(b) => {
                    let end = lx::expand_short_end(a, b);
                    match numeric_range(a, &end) {
                        Some(ids) => ids.iter().for_each(|id| self.push_id(t, id, line)),
                        None => self.push_id(t, &format!("{a}~{end}"), line),
                    }
                }
            }
        });
        n
    }

    fn push_id(&mut self, t: usize, id: &str, line: u32) {
        let start = self.dep_ids.len();
        self.dep_ids.push_str(id);
        self.deps.push((t, start..self.dep_ids.len(), line));
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Normal,
    Criteria,
    Questions,
    Conflicts,
    Workstreams,
}

struct Heading {
    level: u8,
    mode: Mode,
    kind: HKind,
    name: String,
    line: u32,
    /// Index into `Plan::sections`.
    section: u32,
}

#[derive(Clone, PartialEq, Debug)]
enum HKind {
    Track(usize),
    /// A plain section; the track is made when its first task appears.
    Section(Option<usize>),
    Task(usize),
    SubtasksOf(String),
    Other,
}

/// What the previous paragraph announced for the list that follows it.
#[derive(Clone, Debug)]
enum Pending {
    None,
    SubtasksOf(String, u32),
    Criteria(String),
}

pub struct FileBuilder<'p> {
    plan: &'p mut Plan,
    deferred: &'p mut Deferred,
    file: usize,
    stack: Vec<Heading>,
    file_track: Option<usize>,
    pending: Pending,
    /// Status words a legend taught (`⬜ 待开发`).
    legend: HashMap<String, Status>,
    /// Track letters of this file → track index (workstream list and headings meet here).
    letters: HashMap<String, usize>,
    seen_content: bool,
    /// Titles of the current piece's checkbox items worked out ahead (by item index).
    prepared: Vec<std::cell::Cell<Option<TitleInfo>>>,
}

impl<'p> FileBuilder<'p> {
    pub fn new(plan: &'p mut Plan, deferred: &'p mut Deferred, file: usize) -> Self {
        FileBuilder {
            plan,
            deferred,
            file,
            stack: Vec::new(),
            file_track: None,
            pending: Pending::None,
            legend: HashMap::new(),
            letters: HashMap::new(),
            seen_content: false,
            prepared: Vec::new(),
        }
    }

    /// Titles worked out ahead for the blocks handed in next ([`prepare_titles`] of
    /// their tree; none for blocks read as they come); returns the previous ones.
    pub fn prepared(
        &mut self,
        titles: Vec<std::cell::Cell<Option<TitleInfo>>>,
    ) -> Vec<std::cell::Cell<Option<TitleInfo>>> {
        std::mem::replace(&mut self.prepared, titles)
    }

    fn span(&self, line: u32) -> Span {
        Span {
            file: self.file,
            line,
        }
    }

    fn mode(&self) -> Mode {
        self.stack.last().map_or(Mode::Normal, |h| h.mode)
    }

    fn diag(&mut self, severity: Severity, line: u32, message: String) {
        let file = self.plan.files[self.file].path.clone();
        self.plan.diagnostics.push(Diagnostic {
            severity,
            file,
            line,
            message,
        });
    }

    /// One top-level block, in document order.
    pub fn block(&mut self, b: &Block) {
        {
            let pending = std::mem::replace(&mut self.pending, Pending::None);
            match *b {
                Block::Heading { level, line } => self.heading(level, &line),
                Block::Para { lines } => {
                    for l in lines {
                        self.para_line(&l);
                    }
                }
                Block::List { items } => self.list(items, pending),
                Block::Table { line, head, rows } => self.table(line, head, rows, None),
                Block::Quote { lines } => self.quote(lines),
            }
            self.seen_content |= matches!(
                b,
                Block::List { .. } | Block::Table { .. } | Block::Para { .. }
            );
        }
    }

    // ---------------------------------------------------------------- headings

    fn heading(&mut self, level: u8, line: &Line) {
        while self.stack.last().is_some_and(|h| h.level >= level) {
            self.stack.pop();
        }
        let text = plain(line);
        let text = text.trim();
        let section = self.plan.sections.len() as u32;
        self.plan.sections.push(Section {
            name: text.to_string(),
            parent: self.stack.last().map(|h| h.section),
            span: self.span(line.line),
        });
        let parent_mode = self.mode();
        let (mode, kind) = if let Some((id, title)) = task_heading(text) {
            let group = self.group_for_new_task();
            let t = self.new_task(id, title, line.line, TaskForm::Heading, None, group);
            self.heading_state(t, text);
            (Mode::Normal, HKind::Task(t))
        } else if let Some(id) = subtask_block_label(text) {
            (Mode::Normal, HKind::SubtasksOf(id))
        } else if lx::is_criteria_heading(text) || lx::is_progress_label(text) {
            (Mode::Criteria, HKind::Other)
        } else if lx::is_questions_heading(text) {
            (Mode::Questions, HKind::Other)
        } else if lx::is_conflicts_heading(text) {
            (Mode::Conflicts, HKind::Other)
        } else if lx::is_workstreams_heading(text) && {
            // `## 9.1 Workstream 1（P1）` is a track; `## 2. Workstreams` lists them.
            let h = parse_heading(text);
            h.letter.is_none() && h.priority.is_none()
        } {
            (Mode::Workstreams, HKind::Other)
        } else if let Some(t) = self.track_heading(text, line.line) {
            (Mode::Normal, HKind::Track(t))
        } else {
            let mode = match parent_mode {
                Mode::Workstreams => Mode::Normal,
                m => m,
            };
            (mode, HKind::Section(None))
        };
        self.stack.push(Heading {
            level,
            mode,
            kind,
            name: text.to_string(),
            line: line.line,
            section,
        });
    }

    /// A heading that names a track (`Track B`) or carries a priority.
    fn track_heading(&mut self, text: &str, line: u32) -> Option<usize> {
        let h = parse_heading(text);
        if h.letter.is_none() && h.priority.is_none() {
            return None;
        }
        if let Some(letter) = &h.letter {
            if let Some(&t) = self.letters.get(letter) {
                // The workstream list named it first; the heading completes it.
                let span = self.span(line);
                let tr = &mut self.plan.tracks[t];
                if tr.id.is_none() {
                    tr.id = h.id.clone();
                }
                if !h.name.is_empty() {
                    tr.name = h.name.clone();
                }
                tr.priority = h.priority.or(tr.priority);
                tr.remark = h.remark.clone().or(tr.remark.take());
                tr.span = span;
                return Some(t);
            }
        }
        let t = self.plan.tracks.len();
        self.plan.tracks.push(Track {
            key: String::new(),
            letter: h.letter.clone(),
            id: h.id,
            name: h.name,
            priority: h.priority,
            kind: TrackKind::Track,
            remark: h.remark,
            span: self.span(line),
            tasks: Vec::new(),
        });
        if let Some(l) = h.letter {
            self.letters.insert(l, t);
        }
        Some(t)
    }

    /// A milestone-like state on a task heading sets its status when no field does.
    fn heading_state(&mut self, t: usize, text: &str) {
        let (_, groups) = lx::trailing_groups(text);
        for g in groups {
            if let Some((s, _)) = milestone_state(g.inner) {
                let task = &mut self.plan.tasks[t];
                task.status = s;
                task.status_written = true;
            }
        }
    }

    /// The track a new top-level task joins: the enclosing track heading, else the
    /// nearest section heading, else the file's own group.
    fn group_for_new_task(&mut self) -> usize {
        for h in self.stack.iter().rev() {
            if let HKind::Track(t) = h.kind {
                return t;
            }
        }
        for i in (0..self.stack.len()).rev() {
            match self.stack[i].kind {
                HKind::Section(Some(t)) => return t,
                HKind::Section(None) => {
                    let h = parse_heading(&self.stack[i].name);
                    let t = self.plan.tracks.len();
                    self.plan.tracks.push(Track {
                        key: String::new(),
                        letter: None,
                        id: h.id,
                        name: h.name,
                        priority: None,
                        kind: TrackKind::Section,
                        remark: h.remark,
                        span: self.span(self.stack[i].line),
                        tasks: Vec::new(),
                    });
                    self.stack[i].kind = HKind::Section(Some(t));
                    return t;
                }
                HKind::Task(task) => return self.plan.tasks[task].track,
                _ => {}
            }
        }
        if let Some(t) = self.file_track {
            return t;
        }
        let t = self.plan.tracks.len();
        let path = self.plan.files[self.file].path.clone();
        self.plan.tracks.push(Track {
            key: String::new(),
            letter: None,
            id: None,
            name: path,
            priority: None,
            kind: TrackKind::File,
            remark: None,
            span: self.span(1),
            tasks: Vec::new(),
        });
        self.file_track = Some(t);
        t
    }

    /// The task a heading task or subtask block opens, if any encloses us.
    fn enclosing_heading_task(&self) -> Option<usize> {
        self.stack.iter().rev().find_map(|h| match h.kind {
            HKind::Task(t) => Some(t),
            _ => None,
        })
    }

    fn enclosing_subtask_block(&self) -> Option<(String, u32)> {
        self.stack.iter().rev().find_map(|h| match &h.kind {
            HKind::SubtasksOf(id) => Some((id.clone(), h.line)),
            _ => None,
        })
    }

    // ---------------------------------------------------------------- paragraphs

    fn para_line(&mut self, line: &Line) {
        let text = plain(line);
        let t = text.trim();
        if t.is_empty() {
            return;
        }
        if self.checkpoint(line) {
            return;
        }
        if let Some(id) = subtask_block_label(t) {
            self.pending = Pending::SubtasksOf(id, line.line);
            return;
        }
        let label = t.trim_end_matches([':', '：']).trim();
        if t.ends_with([':', '：'])
            && (lx::is_criteria_heading(label) || lx::is_progress_label(label))
        {
            self.pending = Pending::Criteria(label.to_string());
            return;
        }
        if self.legend_line(t) {
            return;
        }
        match self.mode() {
            Mode::Questions => {
                if t.ends_with(['?', '？']) || lx::has_tbd(t) {
                    self.question(t, None, QuestionSource::Section, line.line);
                }
            }
            Mode::Conflicts => self.declared_conflict(line),
            Mode::Criteria => {}
            _ => {
                if self.arrow_chain(t, line.line) {
                    return;
                }
                if let Some(t_idx) = self.enclosing_heading_task() {
                    self.task_line(t_idx, line);
                    return;
                }
                if lx::has_tbd(t) {
                    self.question(t, None, QuestionSource::Tbd, line.line);
                }
            }
        }
    }

    /// `T1.1 → T1.2 → T1.3` in prose: each depends on the one before.
    fn arrow_chain(&mut self, text: &str, line: u32) -> bool {
        if !text.contains(['→', '⇒']) && !text.contains("->") {
            return false;
        }
        let parts: Vec<&str> = text.split(['→', '⇒']).flat_map(|p| p.split("->")).collect();
        let ids: Vec<Option<String>> = parts
            .iter()
            .map(|p| {
                let p = p.trim().trim_matches(['`', '*', ' ']);
                let n = lx::id_len(p)?;
                // The id must be the whole step, or the step must end with it.
                let first = &p[..n];
                let last = p.rsplit([' ', '`', '*']).next().unwrap_or(p);
                if n == p.len() {
                    Some(first.to_string())
                } else if lx::id_len(last) == Some(last.len()) {
                    Some(last.to_string())
                } else {
                    None
                }
            })
            .collect();
        let mut found = false;
        for w in ids.windows(2) {
            if let (Some(a), Some(b)) = (&w[0], &w[1]) {
                self.deferred
                    .chains
                    .push((self.file, a.clone(), b.clone(), line));
                found = true;
            }
        }
        found
    }

    /// A legend line teaches the team's own status words.
    fn legend_line(&mut self, t: &str) -> bool {
        let lower = t.to_lowercase();
        let is_legend = lower.contains("legend")
            || t.contains("图例")
            || ((lower.starts_with("status") || t.starts_with("状态"))
                && t.matches(['[', '✅', '🚧', '⬜', '🔄', '⏳', '❌']).count() >= 2);
        if !is_legend {
            return false;
        }
        let body = t.split_once([':', '：']).map_or(t, |(_, b)| b);
        for part in body.split(['/', '|', ',', '，', ';', '；', '、']) {
            if let Some((s, word)) = lx::status_word(part) {
                let w = word.trim().to_lowercase();
                if !w.is_empty() {
                    self.legend.insert(w, s);
                }
            }
        }
        true
    }

    fn quote(&mut self, lines: Lines) {
        for l in lines {
            let text = plain(&l);
            let t = text.trim();
            if self.legend_line(t) {
                continue;
            }
            if !self.seen_content {
                if let Some((k, v)) = t.split_once([':', '：']) {
                    let k = k.trim();
                    if !k.is_empty() && k.chars().count() <= 24 {
                        self.plan.files[self.file]
                            .meta
                            .push((k.to_string(), v.trim().to_string()));
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- lists

    fn list(&mut self, items: Items, pending: Pending) {
        for item in items {
            match &pending {
                Pending::Criteria(section) => self.criteria_item(&item, section),
                Pending::SubtasksOf(id, line) => {
                    if let Some(t) = self.marked_task(&item, None, true) {
                        self.deferred.parents.push((t, id.clone(), *line));
                    } else {
                        self.top_item(&item);
                    }
                }
                Pending::None => self.top_item(&item),
            }
        }
    }

    fn top_item(&mut self, item: &Item) {
        let Some(first) = item.lines.first() else {
            self.nested_top(item);
            return;
        };
        let text = plain(&first);
        match self.mode() {
            Mode::Criteria => {
                let section = self
                    .stack
                    .last()
                    .map(|h| h.name.clone())
                    .unwrap_or_default();
                self.criteria_item(item, &section);
                return;
            }
            Mode::Questions => {
                let q: Vec<Cow<str>> = item.lines.iter().map(|l| plain(&l)).collect();
                self.question(q.join(" ").trim(), None, QuestionSource::Section, item.line);
                return;
            }
            Mode::Conflicts => {
                self.declared_conflict(&first);
                return;
            }
            Mode::Workstreams | Mode::Normal => {}
        }
        if self.checkpoint(&first) {
            return;
        }
        if item.checkbox.is_none() {
            if let Some((letter, name)) = lx::workstream_entry(&text) {
                self.workstream(letter, name, item.line);
                return;
            }
        }
        if let Some(parent) = self.enclosing_heading_task() {
            // Under a `## Task 2.4:` heading: fields and subtasks of that task.
            self.child_item(parent, item);
            return;
        }
        let block = self.enclosing_subtask_block();
        if let Some(t) = self.marked_task(item, None, block.is_some()) {
            if let Some((id, line)) = block {
                self.deferred.parents.push((t, id, line));
            }
            return;
        }
        let label = text.trim().trim_end_matches([':', '：']).trim();
        if text.trim_end().ends_with([':', '：'])
            && (lx::is_progress_label(label) || lx::is_criteria_heading(label))
        {
            for child in &item.children {
                if let Block::List { items } = child {
                    for c in items {
                        self.criteria_item(&c, label);
                    }
                }
            }
            return;
        }
        if lx::has_tbd(&text) {
            self.question(text.trim(), None, QuestionSource::Tbd, item.line);
        }
        self.nested_top(item);
    }

    /// A plain bullet: its nested lists are read as if they stood at the top.
    fn nested_top(&mut self, item: &Item) {
        for child in &item.children {
            match child {
                Block::List { items } => {
                    for c in items {
                        self.top_item(&c);
                    }
                }
                Block::Table { line, head, rows } => self.table(line, head, rows, None),
                _ => {}
            }
        }
    }

    fn workstream(&mut self, letter: String, name: &str, line: u32) {
        if self.letters.contains_key(&letter) {
            return;
        }
        let (base, groups) = lx::trailing_groups(name);
        let priority = groups.iter().find_map(|g| lx::find_priority(g.inner));
        let t = self.plan.tracks.len();
        self.plan.tracks.push(Track {
            key: String::new(),
            letter: Some(letter.clone()),
            id: None,
            name: base.trim().to_string(),
            priority,
            kind: TrackKind::Track,
            remark: None,
            span: self.span(line),
            tasks: Vec::new(),
        });
        self.letters.insert(letter, t);
    }

    fn criteria_item(&mut self, item: &Item, section: &str) {
        if let Some(first) = item.lines.first() {
            let text = plain(&first);
            let (status, rest) = match item.checkbox {
                Some(true) => (Some(Status::Done), &*text),
                Some(false) => (Some(Status::Pending), &*text),
                None => match text_marker(&text).or_else(|| lx::status_emoji_prefix(&text)) {
                    Some((s, rest)) => (Some(s), rest),
                    None => (None, &*text),
                },
            };
            self.plan.criteria.push(Criterion {
                section: section.to_string(),
                text: rest.trim().to_string(),
                status,
                span: self.span(item.line),
            });
        }
        for child in &item.children {
            if let Block::List { items } = child {
                for c in items {
                    self.criteria_item(&c, section);
                }
            }
        }
    }

    /// An item with a checkbox (or a text marker `[~]`, or a status emoji before an id)
    /// is a task. With `id_suffices`, an id alone makes it one (under a subtasks label).
    fn marked_task(
        &mut self,
        item: &Item,
        parent: Option<usize>,
        id_suffices: bool,
    ) -> Option<usize> {
        let first = item.lines.first()?;
        let (status, written) = match item.checkbox {
            Some(true) => (Status::Done, true),
            Some(false) => (Status::Pending, true),
            None => {
                // A text marker or a status emoji (before an id).
                let marker = may_hold_marker(&first).then(|| {
                    let text = plain(&first);
                    text_marker(&text).map(|(s, _)| s).or_else(|| {
                        lx::status_emoji_prefix(&text)
                            .filter(|(_, rest)| lx::leading_id(rest).is_some())
                            .map(|(s, _)| s)
                    })
                });
                match marker.flatten() {
                    Some(s) => (s, true),
                    None if id_suffices && lead_id_of(&first).is_some() => (Status::Pending, false),
                    None => return None,
                }
            }
        };
        let group = match parent {
            Some(p) => self.plan.tasks[p].track,
            None => self.group_for_new_task(),
        };
        // Worked out ahead by the reading thread, or here.
        let info = match item.checkbox {
            Some(_) => self
                .prepared
                .get(item.index as usize)
                .and_then(|c| c.take()),
            None => None,
        };
        let info = info.unwrap_or_else(|| TitleInfo::of_line(&first, item.checkbox.is_none()));
        let t = self.new_task_with(info, item.line, TaskForm::ListItem, parent, group);
        {
            let task = &mut self.plan.tasks[t];
            task.status = status;
            task.status_written = written;
            if first.struck && !status.is_closed() {
                task.status = Status::Dropped;
            }
        }
        for l in item.lines.skip(1) {
            self.task_line(t, &l);
        }
        for child in &item.children {
            match child {
                Block::List { items } => {
                    for c in items {
                        self.child_item(t, &c);
                    }
                }
                Block::Para { lines } => {
                    for l in lines {
                        self.task_line(t, &l);
                    }
                }
                Block::Table { line, head, rows } => self.table(line, head, rows, Some(t)),
                _ => {}
            }
        }
        Some(t)
    }

    fn new_task(
        &mut self,
        id: Option<String>,
        title: impl Into<String>,
        line: u32,
        form: TaskForm,
        parent: Option<usize>,
        track: usize,
    ) -> usize {
        let info = TitleInfo::of(id, title.into());
        self.new_task_with(info, line, form, parent, track)
    }

    fn new_task_with(
        &mut self,
        mut info: TitleInfo,
        line: u32,
        form: TaskForm,
        parent: Option<usize>,
        track: usize,
    ) -> usize {
        let id = info.id.take();
        let t = self.plan.tasks.len();
        let derived = id.is_none();
        if self.plan.tasks.capacity() == t {
            // Task is large: grow in big steps rather than copy it around often.
            self.plan.tasks.reserve(t.max(256));
        }
        let mut task = Task::new(
            TaskId(id.unwrap_or_default()),
            derived,
            String::new(),
            self.span(line),
            form,
        );
        task.track = track;
        task.parent = parent;
        task.section = self.stack.last().map(|h| h.section);
        self.plan.tasks.push(task);
        if let Some(p) = parent {
            self.plan.tasks[p].subtasks.push(t);
        }
        self.apply_title(t, info, line);
        t
    }

    /// Title: inline dependencies, a priority in a trailing group, TBD.
    fn apply_title(&mut self, t: usize, info: TitleInfo, line: u32) {
        let deferred = &mut *self.deferred;
        let source = info.source.as_deref().unwrap_or(&info.title);
        match info.deps {
            Some(deps) => {
                for &(a, b) in deps.iter().take_while(|r| r.1 > 0) {
                    deferred.push_deps(t, &source[a as usize..b as usize], line);
                }
            }
            None => lx::each_inline_dependency(source, |d| {
                deferred.push_deps(t, d, line);
            }),
        }
        let task = &mut self.plan.tasks[t];
        task.priority = info.priority;
        task.title = info.title;
        if info.tbd {
            let text = format!("{}: {}", display_id(task), task.title);
            self.question(&text, Some(t), QuestionSource::Tbd, line);
        }
    }

    /// A nested item of a task: a subtask, a field (maybe continued on nested items), or
    /// a note.
    fn child_item(&mut self, t: usize, item: &Item) {
        if self.marked_task(item, Some(t), false).is_some() {
            return;
        }
        let Some(first) = item.lines.first() else {
            return;
        };
        // A field label sits in the first text piece (emphasis is already flattened).
        // The label is looked for once, in the whole line (as `task_line` would), and
        // counts here when its colon is inside that first piece.
        let text = first_text(&first);
        let whole = first.text();
        if let Some((field, value, at)) = lx::split_field_at(&whole) {
            if at < text.len() {
                self.field_value(t, field, value, first.line);
                for l in item.lines.skip(1) {
                    self.task_line(t, &l);
                }
                self.field_children(t, field, item);
                return;
            }
        }
        if lx::is_progress_label(text.trim_end_matches([':', '：'])) {
            for child in &item.children {
                if let Block::List { items } = child {
                    for c in items {
                        self.criteria_item(&c, text.trim_end_matches([':', '：']));
                    }
                }
            }
            return;
        }
        for l in &item.lines {
            self.task_line(t, &l);
        }
        // Nested checklists under a plain bullet are still subtasks.
        for child in &item.children {
            if let Block::List { items } = child {
                for c in items {
                    self.child_item(t, &c);
                }
            }
        }
    }

    /// Nested items continuing a field's value.
    fn field_children(&mut self, t: usize, field: Field, item: &Item) {
        for child in &item.children {
            let Block::List { items } = child else {
                continue;
            };
            for c in items {
                match field {
                    Field::Subtasks => {
                        if self.marked_task(&c, Some(t), true).is_none() {
                            self.child_item(t, &c);
                        }
                    }
                    Field::Dod => {
                        let s = c.lines.first().map(|l| plain(&l)).unwrap_or_default();
                        let mark = match c.checkbox {
                            Some(true) => "[x] ",
                            Some(false) => "[ ] ",
                            None => "",
                        };
                        self.plan.tasks[t].dod.push(format!("{mark}{}", s.trim()));
                    }
                    _ => {
                        for l in &c.lines {
                            let line_text = l.text();
                            self.field_value(t, field, &line_text, l.line);
                        }
                        self.field_children(t, field, &c);
                    }
                }
            }
        }
    }

    /// A continuation line of a task: a field, or a note.
    fn task_line(&mut self, t: usize, line: &Line) {
        let text = line.text();
        match lx::split_field(&text) {
            Some((field, value)) => self.field_value(t, field, value, line.line),
            None => {
                let p = plain(line);
                let p = p.trim();
                if p.is_empty() {
                    return;
                }
                let deferred = &mut *self.deferred;
                lx::each_inline_dependency(p, |d| {
                    deferred.push_deps(t, d, line.line);
                });
                if lx::has_tbd(p) {
                    let q = format!("{}: {p}", display_id(&self.plan.tasks[t]));
                    self.question(&q, Some(t), QuestionSource::Tbd, line.line);
                }
                self.plan.tasks[t].notes.push(p.to_string());
            }
        }
    }

    fn field_value(&mut self, t: usize, field: Field, value: &str, line: u32) {
        if lx::has_tbd(value) {
            let q = format!(
                "{}: {} {}",
                display_id(&self.plan.tasks[t]),
                field_name(field),
                value.trim()
            );
            self.question(&q, Some(t), QuestionSource::Tbd, line);
        }
        match field {
            Field::TouchPoints | Field::AsBuilt | Field::References => {
                let task = &mut self.plan.tasks[t];
                let target = match field {
                    Field::TouchPoints => &mut task.touch_points,
                    Field::AsBuilt => &mut task.as_built,
                    _ => &mut task.references,
                };
                paths_into(value, line, true, target, &mut task.mentions);
            }
            Field::Depends => {
                let v = if value.contains('`') {
                    Cow::Owned(strip_code(value))
                } else {
                    Cow::Borrowed(value)
                };
                let v = v.trim();
                if is_none_word(v) {
                    return;
                }
                if self.deferred.push_deps(t, v, line) == 0 {
                    // `Phase 1 完成` and other prose: kept, not resolved.
                    self.plan.tasks[t].notes.push(format!("depends on: {v}"));
                }
            }
            Field::Dod => {
                if !value.trim().is_empty() {
                    self.plan.tasks[t].dod.push(value.trim().to_string());
                }
            }
            Field::Background => {
                if !value.trim().is_empty() {
                    self.plan.tasks[t].background.push(value.trim().to_string());
                }
            }
            Field::Subtasks => {}
            Field::Status => {
                let v = strip_code(value);
                match self.status_text(&v) {
                    Some((s, rest)) => {
                        // `[x] Done (2026-01-02)`: the word after the box says it again.
                        let rest = match lx::status_word(rest) {
                            Some((_, r)) => r,
                            None => rest,
                        };
                        let task = &mut self.plan.tasks[t];
                        task.status = s;
                        task.status_written = true;
                        let rest = rest.trim().trim_start_matches(['-', '—']).trim();
                        if !rest.is_empty() {
                            task.notes.push(format!("status: {rest}"));
                        }
                    }
                    None if v.trim().is_empty() => {}
                    None => {
                        self.diag(
                            Severity::Warning,
                            line,
                            format!("unknown status `{}`; read as pending", v.trim()),
                        );
                        let task = &mut self.plan.tasks[t];
                        task.status = Status::Pending;
                        task.status_written = true;
                    }
                }
            }
            Field::Priority => {
                if let Some(p) = lx::find_priority(value) {
                    self.plan.tasks[t].priority = Some(p);
                }
            }
        }
    }

    /// A status word, the legend's words first.
    fn status_text<'s>(&self, text: &'s str) -> Option<(Status, &'s str)> {
        let t = text.trim().trim_matches('*').trim();
        let lower = t.to_lowercase();
        for (w, s) in &self.legend {
            if lower.starts_with(w.as_str()) {
                return Some((*s, t.get(w.len()..).unwrap_or("")));
            }
        }
        lx::status_word(t)
    }

    // ---------------------------------------------------------------- tables

    fn table(&mut self, line: u32, head: Cells, rows: Rows, parent: Option<usize>) {
        let cols: Vec<Col> = head.iter().map(|c| column_of(&segs_plain(c))).collect();
        let find = |k: Col| cols.iter().position(|c| *c == k);
        let Some(id_col) = find(Col::Id) else {
            // Audit and review tables: no id column, no tasks.
            return;
        };
        let title_col = find(Col::Title);
        let status_col = find(Col::Status);
        let deps_col = find(Col::Depends);
        let prio_col = find(Col::Priority);
        let touch_col = find(Col::Touch);
        let notes_col = find(Col::Notes);
        let dod_col = find(Col::Dod);
        let built_col = find(Col::AsBuilt);
        let _ = line;
        for row in rows {
            if row.written != head.len() {
                self.diag(
                    Severity::Warning,
                    row.line,
                    format!(
                        "malformed table row: {} cells where the header has {}; missing cells read as empty, extra cells ignored",
                        row.written,
                        head.len()
                    ),
                );
            }
            let cell =
                |i: Option<usize>| -> &[Seg] { i.and_then(|i| row.cells.get(i)).unwrap_or(&[]) };
            let id_text = segs_plain(cell(Some(id_col)));
            let id_text = id_text
                .trim()
                .trim_matches('*')
                .trim()
                .trim_start_matches('#')
                .trim();
            let title_all = segs_text(cell(title_col));
            let mut title_lines = title_all.split('\n');
            let title = title_lines.next().unwrap_or("").trim().to_string();
            if id_text.is_empty() && title.is_empty() {
                continue;
            }
            let id = (!id_text.is_empty()).then(|| id_text.to_string());
            let group = match parent {
                Some(p) => self.plan.tasks[p].track,
                None => self.group_for_new_task(),
            };
            let t = self.new_task(id, &title, row.line, TaskForm::TableRow, parent, group);
            for extra in title_lines {
                if !extra.trim().is_empty() {
                    self.plan.tasks[t].notes.push(extra.trim().to_string());
                }
            }
            // Paths written in the title cell (`file.ts:241-247`) are touch points.
            let (paths, _) = paths_of(&title_all, row.line, false);
            self.plan.tasks[t].touch_points.extend(paths);
            if let Some(sc) = status_col {
                let st = segs_plain(cell(Some(sc)));
                let st = st.trim();
                if !st.is_empty() {
                    let status = match self.status_text(st) {
                        Some((s, _)) => s,
                        None => {
                            self.diag(
                                Severity::Warning,
                                row.line,
                                format!("unknown status `{st}` in table row; read as pending"),
                            );
                            Status::Pending
                        }
                    };
                    let task = &mut self.plan.tasks[t];
                    task.status = status;
                    task.status_written = true;
                }
            }
            if deps_col.is_some() {
                let d = segs_plain(cell(deps_col));
                self.field_value(t, Field::Depends, &d.replace('\n', ","), row.line);
            }
            if prio_col.is_some() {
                if let Some(p) = lx::find_priority(&segs_plain(cell(prio_col))) {
                    self.plan.tasks[t].priority = Some(p);
                }
            }
            if touch_col.is_some() {
                let v = segs_text(cell(touch_col));
                self.field_value(t, Field::TouchPoints, &v.replace('\n', "、"), row.line);
            }
            if built_col.is_some() {
                let v = segs_text(cell(built_col));
                self.field_value(t, Field::AsBuilt, &v.replace('\n', "、"), row.line);
            }
            if dod_col.is_some() {
                let v = segs_text(cell(dod_col));
                for part in v.split('\n') {
                    self.field_value(t, Field::Dod, part, row.line);
                }
            }
            if notes_col.is_some() {
                let v = segs_text(cell(notes_col));
                self.notes_cell(t, &v, row.line);
            }
        }
    }

    /// Notes cell: `as-built:` spans are entry points, other path spans touch points.
    fn notes_cell(&mut self, t: usize, text: &str, line: u32) {
        for part in text.split('\n') {
            let p = part.trim();
            if p.is_empty() {
                continue;
            }
            if let Some((field, value)) = lx::split_field(p) {
                let value = value.to_string();
                self.field_value(t, field, &value, line);
                continue;
            }
            let (paths, mentions) = paths_of(p, line, false);
            let only_paths =
                !paths.is_empty() && p.split('`').step_by(2).all(|s| s.trim().is_empty());
            let task = &mut self.plan.tasks[t];
            task.touch_points.extend(paths);
            task.mentions.extend(mentions);
            let deferred = &mut *self.deferred;
            lx::each_inline_dependency(p, |d| {
                deferred.push_deps(t, d, line);
            });
            if lx::has_tbd(p) {
                let q = format!("{}: {p}", display_id(&self.plan.tasks[t]));
                self.question(&q, Some(t), QuestionSource::Tbd, line);
            }
            if !only_paths {
                self.plan.tasks[t].notes.push(p.to_string());
            }
        }
    }

    // ---------------------------------------------------------------- the rest

    /// `CP1（beta ready）：完成 5.2.1~5.2.4 + 5.4.1~5.4.3`
    fn checkpoint(&mut self, line: &Line) -> bool {
        let text = plain(line);
        let t = text.trim();
        let b = t.as_bytes();
        if !(b.len() > 2
            && (b[0] == b'C' || b[0] == b'c')
            && (b[1] == b'P' || b[1] == b'p')
            && b[2].is_ascii_digit())
        {
            return false;
        }
        let n = 2 + t[2..].bytes().take_while(u8::is_ascii_digit).count();
        let id = t[..n].to_uppercase();
        let rest = &t[n..];
        let Some(colon) = rest.find([':', '：']) else {
            return false;
        };
        let label_part = rest[..colon].trim();
        let sep = rest[colon..].chars().next().map_or(1, char::len_utf8);
        let mut value = rest[colon + sep..].trim();
        for verb in [
            "完成",
            "需完成",
            "completes",
            "complete",
            "done",
            "requires",
            "=",
        ] {
            if let Some(v) = value.strip_prefix(verb) {
                value = v.trim_start_matches([':', '：', ' ']);
                break;
            }
        }
        let cleaned = value.replace(['`', '*'], "");
        let items = lx::id_list(&cleaned);
        if items.is_empty() {
            return false;
        }
        let label = label_part
            .trim_matches(['(', ')', '（', '）', ' '])
            .to_string();
        let c = self.plan.checkpoints.len();
        self.plan.checkpoints.push(Checkpoint {
            id,
            label: (!label.is_empty()).then_some(label),
            task_ids: Vec::new(),
            tasks: Vec::new(),
            span: self.span(line.line),
        });
        for (a, b) in items {
            let end = b.map(|b| lx::expand_short_end(a, b).into_owned());
            self.deferred.checkpoint_items.push((c, a.to_string(), end));
        }
        true
    }

    /// `Track B <-> Track C：shared `routing/service.ts``
    fn declared_conflict(&mut self, line: &Line) {
        let text = line.text();
        let head = text.split([':', '：']).next().unwrap_or("");
        let mut tracks = Vec::new();
        let lower = head.to_ascii_lowercase();
        let mut from = 0;
        while let Some(p) = lower[from..].find("track") {
            let start = from + p + 5;
            from = start;
            let rest = head[start..].trim_start();
            let letters: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect();
            for l in letters.split('/').filter(|l| !l.is_empty()) {
                tracks.push(l.to_uppercase());
            }
        }
        if tracks.is_empty() {
            return;
        }
        let paths = text
            .split('`')
            .skip(1)
            .step_by(2)
            .filter_map(|s| lx::as_path(s).map(|(p, _)| p))
            .collect();
        self.plan.declared_conflicts.push(DeclaredConflict {
            tracks,
            text: plain(line).trim().to_string(),
            paths,
            span: self.span(line.line),
        });
    }

    fn question(&mut self, text: &str, task: Option<usize>, source: QuestionSource, line: u32) {
        let text = text.trim().trim_start_matches(['-', '*', ' ']).trim();
        if text.is_empty() {
            return;
        }
        self.plan.questions.push(Question {
            id: String::new(),
            text: text.to_string(),
            task,
            source,
            span: self.span(line),
        });
    }
}

// -------------------------------------------------------------------- helpers

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Col {
    Id,
    Title,
    Status,
    Depends,
    Priority,
    Touch,
    Notes,
    Dod,
    AsBuilt,
    Other,
}

fn column_of(header: &str) -> Col {
    let h = header.trim().trim_matches('*').trim().to_lowercase();
    match h.as_str() {
        "id" | "编号" | "#" | "任务编号" | "task id" | "no." => Col::Id,
        "task" | "任务" | "名称" | "任务名称" | "title" | "描述" | "问题描述" | "description"
        | "name" => Col::Title,
        "status" | "状态" | "state" => Col::Status,
        "depends" | "dependencies" | "depends on" | "deps" | "依赖" | "前置" | "前置依赖" => {
            Col::Depends
        }
        "priority" | "优先级" | "prio" => Col::Priority,
        "touch points" | "touch point" | "files" | "涉及文件" | "改动点" | "触点" => {
            Col::Touch
        }
        "notes" | "note" | "备注" | "remarks" | "说明" => Col::Notes,
        "dod" | "done when" | "验收" | "完成标准" => Col::Dod,
        "as-built" | "as built" | "实现入口" => Col::AsBuilt,
        _ => Col::Other,
    }
}

/// Trim a string without reallocating it.
/// What a list task's first line says on its own, without the builder's state: the id,
/// the title (a priority-only group cut off), the priority, where the inline dependency
/// texts are, and whether it holds a TBD. Worked out on the reading thread for items
/// with a checkbox (see [`prepare_titles`]), or by the builder.
pub struct TitleInfo {
    id: Option<String>,
    title: String,
    /// The title before a priority group was cut off, when one was.
    source: Option<String>,
    priority: Option<Priority>,
    /// Byte ranges of the inline dependency texts in the source (unused slots end with
    /// an empty range); `None` when there were more than fit, to be found again.
    deps: Option<[(u32, u32); 3]>,
    tbd: bool,
}

impl TitleInfo {
    /// A list task's, from its first line (`text_markers`: the item has no checkbox,
    /// so a `[~]`-style marker may lead the text).
    fn of_line(first: &Line, text_markers: bool) -> TitleInfo {
        let (id, title) = id_and_title(first, text_markers);
        TitleInfo::of(id, title)
    }

    fn of(id: Option<String>, mut owned: String) -> TitleInfo {
        trim_in_place(&mut owned);
        let title = owned.as_str();
        let (_, groups) = lx::trailing_groups(title);
        let mut priority = groups.iter().find_map(|g| lx::find_priority(g.inner));
        // A group holding only the priority is not part of the title.
        let cut = groups.iter().any(|g| lx::priority_token(g.inner).is_some());
        let kept =
            cut.then(|| lx::without_groups(title, &groups, |g| lx::priority_token(g).is_some()));
        if priority.is_none() {
            // `[P0] Fix …` or `P1: …` at the start.
            let s = title.trim_start_matches('[');
            if let Some(p) = lx::priority_token(s.get(..2).unwrap_or("")) {
                if s[2..].starts_with([']', ':', ' ', '：']) {
                    priority = Some(p);
                }
            }
        }
        let mut deps = Some([(0u32, 0u32); 3]);
        let mut n = 0;
        let base = title.as_ptr() as usize;
        lx::each_inline_dependency(title, |d| {
            let at = d.as_ptr() as usize - base;
            match deps.as_mut().and_then(|slots| slots.get_mut(n)) {
                // (An empty text cannot start with an id, so a stored range is never empty.)
                Some(slot) => *slot = (at as u32, (at + d.len()) as u32),
                None => deps = None,
            }
            n += 1;
        });
        let tbd = lx::has_tbd(title);
        let (title, source) = match kept {
            Some(k) => (k, Some(owned)),
            None => (owned, None),
        };
        TitleInfo {
            id,
            title,
            source,
            priority,
            deps,
            tbd,
        }
    }
}

/// [`TitleInfo`] for every item of `tree` with a checkbox, by item index: what the
/// builder would work out for it as a task. The reading thread calls this on the pieces
/// it reads, so the builder (the slower of the two) has less to do.
pub fn prepare_titles(
    tree: &super::blocks::Tree,
    out: &mut Vec<std::cell::Cell<Option<TitleInfo>>>,
) {
    out.extend(tree.all_items().iter().map(|item| {
        let info = match (item.checkbox, item.lines.first()) {
            (Some(_), Some(first)) => Some(TitleInfo::of_line(&first, false)),
            _ => None,
        };
        std::cell::Cell::new(info)
    }));
}

fn trim_in_place(s: &mut String) {
    let end = s.trim_end().len();
    s.truncate(end);
    let start = s.len() - s.trim_start().len();
    if start > 0 {
        s.drain(..start);
    }
}

/// The first text piece of a line (empty when the line starts with code).
fn first_text<'t>(line: &Line<'t, '_>) -> &'t str {
    match line.segs.first() {
        Some(Seg::Text(t)) => t,
        _ => "",
    }
}

fn plain<'t>(line: &Line<'t, '_>) -> Cow<'t, str> {
    line.plain()
}

fn strip_code(s: &str) -> String {
    s.replace('`', "")
}

fn is_none_word(v: &str) -> bool {
    let l = v.trim().to_lowercase();
    matches!(
        l.as_str(),
        "" | "-" | "—" | "–" | "无" | "none" | "n/a" | "/"
    )
}

/// Whether the line's plain text may start with a text marker or a status emoji: its
/// first character after spaces is `[` or not ASCII. Other lines (most fields and
/// notes) need not be joined into one text to know they hold neither.
fn may_hold_marker(line: &Line) -> bool {
    for seg in line.segs {
        if let Some(c) = seg.as_str().trim_start().bytes().next() {
            return c == b'[' || !c.is_ascii();
        }
    }
    false
}

/// `[~]`, `[-]`, `[!]` (and `[ ]`/`[x]` when pulldown-cmark did not take them) at the
/// start of an item.
fn text_marker(text: &str) -> Option<(Status, &str)> {
    let t = text.trim_start();
    let b = t.as_bytes();
    if b.len() >= 3 && b[0] == b'[' && b[2] == b']' {
        let s = match b[1] {
            b'~' => Status::InProgress,
            b'-' => Status::Dropped,
            b'!' => Status::Blocked,
            b'x' | b'X' => Status::Done,
            b' ' => Status::Pending,
            _ => return None,
        };
        return Some((s, t[3..].trim_start()));
    }
    None
}

/// The id at the start of a task line (a code span, or the start of the text, after any
/// marker) and the title that follows it, code spans in backticks.
fn id_and_title(line: &Line, text_markers: bool) -> (Option<String>, String) {
    let segs = &line.segs;
    let mut i = 0;
    while let Some(Seg::Text(t)) = segs.get(i) {
        if t.trim().is_empty() {
            i += 1;
        } else {
            break;
        }
    }
    let mut id = None;
    let mut title = String::new();
    match segs.get(i) {
        Some(Seg::Text(t)) => {
            let mut rest: &str = t;
            if text_markers {
                if let Some((_, r)) = text_marker(rest).or_else(|| lx::status_emoji_prefix(rest)) {
                    rest = r;
                }
            }
            let rest = rest.trim_start();
            if let Some((found, r)) = lx::leading_id(rest) {
                id = Some(found.to_string());
                title.push_str(r);
            } else if rest.is_empty() {
                // `- [ ] `T4.6.3.1` 烘烤…`: the id is the code span after the marker.
                if let Some(Seg::Code(c)) = segs.get(i + 1) {
                    if lx::id_len(c.trim()) == Some(c.trim().len()) {
                        id = Some(c.trim().to_string());
                        i += 1;
                    }
                }
            } else {
                title.push_str(rest);
            }
            i += 1;
        }
        Some(Seg::Code(c)) if lx::id_len(c.trim()) == Some(c.trim().len()) => {
            id = Some(c.trim().to_string());
            i += 1;
        }
        _ => {}
    }
    for seg in segs.get(i..).unwrap_or(&[]) {
        match seg {
            Seg::Text(t) => title.push_str(t),
            Seg::Code(c) => {
                title.push('`');
                title.push_str(c);
                title.push('`');
            }
        }
    }
    if id.is_some() {
        let start = title.len() - title.trim_start_matches([':', '：', '—', '–', ' ']).len();
        title.drain(..start);
    }
    (id, title)
}

fn lead_id_of(line: &Line) -> Option<String> {
    id_and_title(line, true).0
}

/// `2.1.2`..`2.1.4` → every id between, when only the last component differs.
pub fn numeric_range(a: &str, b: &str) -> Option<Vec<String>> {
    let (ha, la) = a.rsplit_once('.')?;
    let (hb, lb) = b.rsplit_once('.')?;
    if ha != hb {
        return None;
    }
    let (x, y): (u32, u32) = (la.parse().ok()?, lb.parse().ok()?);
    if x > y || y - x > 200 {
        return None;
    }
    Some((x..=y).map(|n| format!("{ha}.{n}")).collect())
}

/// Paths of a field value: its code spans (a trailing parenthesis is a note). With
/// `bare_paths`, a value without spans is split into words and path-looking ones kept.
fn paths_of(value: &str, line: u32, bare_paths: bool) -> (Vec<PathRef>, Vec<String>) {
    let mut paths = Vec::new();
    let mut mentions = Vec::new();
    paths_into(value, line, bare_paths, &mut paths, &mut mentions);
    (paths, mentions)
}

/// [`paths_of`], appending to the task's own lists.
fn paths_into(
    value: &str,
    line: u32,
    bare_paths: bool,
    paths: &mut Vec<PathRef>,
    mentions: &mut Vec<String>,
) {
    let n_parts = memchr::memchr_iter(b'`', value.as_bytes()).count() + 1;
    let has_spans = n_parts >= 3;
    let mut parts = value.split('`').peekable();
    let mut i = 0;
    while let Some(part) = parts.next() {
        let inside = i % 2 == 1 && i + 1 < n_parts;
        i += 1;
        if inside {
            match lx::as_path(part) {
                Some((path, range)) => {
                    let after = parts.peek().map_or("", |s| s.trim_start());
                    let note = if after.starts_with(['(', '（']) {
                        let close = after.find([')', '）']);
                        close.map(|c| {
                            let open_len = after.chars().next().map_or(1, char::len_utf8);
                            after[open_len..c].trim().to_string()
                        })
                    } else {
                        None
                    };
                    paths.push(PathRef {
                        path,
                        range,
                        note,
                        line,
                    });
                }
                None => mentions.push(part.trim().to_string()),
            }
        } else if !has_spans || !bare_paths {
            // Outside spans: only words that clearly are paths (with a `/` or `:line`).
            for word in part.split(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '、' | ',' | '，' | ';' | '；' | '+' | '（' | '）' | '(' | ')'
                    )
            }) {
                let w = word.trim_matches(['.', '。']);
                let clear = w.contains('/')
                    || w.rsplit_once(':').is_some_and(|(_, r)| {
                        r.chars().all(|c| c.is_ascii_digit() || c == '-') && !r.is_empty()
                    });
                let take = if bare_paths && !has_spans {
                    clear || lx::as_path(w).is_some()
                } else {
                    clear
                };
                if take && !w.starts_with("http") {
                    if let Some((path, range)) = lx::as_path(w) {
                        paths.push(PathRef {
                            path,
                            range,
                            note: None,
                            line,
                        });
                    }
                }
            }
        }
    }
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::TouchPoints => "touch points",
        Field::Depends => "depends on",
        Field::Dod => "DoD",
        Field::AsBuilt => "as-built",
        Field::References => "references",
        Field::Background => "background",
        Field::Subtasks => "subtasks",
        Field::Status => "status",
        Field::Priority => "priority",
    }
}

fn display_id(t: &Task) -> String {
    if t.id.0.is_empty() {
        t.title.chars().take(30).collect()
    } else {
        t.id.0.clone()
    }
}

/// `## Task 2.4: Title`, `### 3.4 Task 2.4: Title`, `## 任务 2.4：Title`.
fn task_heading(text: &str) -> Option<(Option<String>, &str)> {
    let lower = text.to_ascii_lowercase();
    for cue in ["task ", "任务 ", "任务"] {
        let mut from = 0;
        while let Some(p) = lower[from..].find(cue) {
            let start = from + p;
            from = start + cue.len();
            if start > 0 && lower.as_bytes()[start - 1].is_ascii_alphanumeric() {
                continue;
            }
            let after = text[start + cue.len()..].trim_start();
            let n = lx::id_len(after)?;
            let rest = after[n..].trim_start();
            if let Some(title) = rest.strip_prefix([':', '：']) {
                // What comes before `Task` must be a section number or nothing.
                let before = text[..start].trim();
                if before.is_empty() || lx::id_len(before) == Some(before.len()) {
                    return Some((Some(after[..n].to_string()), title.trim()));
                }
            }
        }
    }
    None
}

/// `**T2.3 子任务**：` or a heading `T2.3 Subtasks`: the id whose subtasks follow.
fn subtask_block_label(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches([':', '：']).trim();
    let n = lx::id_len(t)?;
    let rest = t[n..].trim().to_lowercase();
    matches!(
        rest.as_str(),
        "子任务" | "subtasks" | "sub-tasks" | "的子任务"
    )
    .then(|| t[..n].to_string())
}

/// A milestone state in a heading group: `DONE, 2026-01-05`, `IN_PROGRESS`, `PLANNED`.
fn milestone_state(group: &str) -> Option<(Status, &str)> {
    let first = group.split([',', '，', ' ']).next().unwrap_or("");
    match first.to_ascii_uppercase().as_str() {
        "DONE" | "COMPLETED" => Some((Status::Done, group)),
        "IN_PROGRESS" | "WIP" => Some((Status::InProgress, group)),
        "PLANNED" | "TODO" => Some((Status::Pending, group)),
        "DROPPED" | "CANCELLED" => Some((Status::Dropped, group)),
        "BLOCKED" => Some((Status::Blocked, group)),
        _ => None,
    }
}

fn is_state_group(g: &str) -> bool {
    milestone_state(g).is_some()
        || g.eq_ignore_ascii_case("TBD")
        || g.to_ascii_uppercase().starts_with("POST ")
}

pub struct HeadingParts {
    pub id: Option<String>,
    pub letter: Option<String>,
    pub name: String,
    pub priority: Option<Priority>,
    pub remark: Option<String>,
}

/// `5.2 Track B — Onboarding（可选，P1）(IN_PROGRESS)` → id, letter, name, priority, remark.
pub fn parse_heading(text: &str) -> HeadingParts {
    let mut t = text.trim();
    let mut id = None;
    if let Some(n) = lx::id_len(t) {
        let cand = &t[..n];
        if cand.starts_with(|c: char| c.is_ascii_digit()) {
            id = Some(cand.to_string());
            t = t[n..].trim_start_matches(['.', ' ', '、']).trim_start();
        }
    }
    // A status emoji suffix: `M3 Beta ✅ 已完成 (2026-01-05)`.
    let mut remark = None;
    if let Some(p) = t.find(['✅', '🚧', '❌', '🔄', '⏳', '⬜']) {
        if p > 0 {
            remark = Some(t[p..].trim().to_string());
            t = t[..p].trim_end();
        }
    }
    let (_, groups) = lx::trailing_groups(t);
    let mut priority = None;
    for g in &groups {
        if let Some(p) = lx::find_priority(g.inner) {
            priority = priority.or(Some(p));
            // `（可选，P1）`: the words besides the priority are a remark.
            let others: Vec<&str> = g
                .inner
                .split([',', '，', ' ', '、'])
                .filter(|w| !w.is_empty() && lx::priority_token(w).is_none())
                .collect();
            if !others.is_empty() {
                remark = Some(others.join(", "));
            }
        } else if is_state_group(g.inner) {
            remark = Some(g.inner.to_string());
        }
    }
    let kept = lx::without_groups(t, &groups, |g| {
        lx::find_priority(g).is_some() || is_state_group(g)
    });
    let (letter, name) = match lx::track_letter(&kept) {
        Some((letter, before, after)) => {
            let before = before
                .trim()
                .trim_end_matches(['—', '–', '-', ':', '：'])
                .trim();
            let name = if after.is_empty() {
                before.to_string()
            } else {
                after.to_string()
            };
            (Some(letter), name)
        }
        None => (None, kept.clone()),
    };
    HeadingParts {
        id,
        letter,
        name: name.trim().to_string(),
        priority,
        remark,
    }
}
