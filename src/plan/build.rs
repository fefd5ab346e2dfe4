//! One plan file's blocks → tracks, tasks, checkpoints, questions, criteria and
//! declared conflicts, following the conventions of PLAN_FORMAT.md. Cross-references
//! (dependencies, ranges, subtask blocks) are recorded in [`Refs`] and resolved in
//! `resolve` once every file is read.

use super::blocks::{
    push_segs_text, segs_plain, segs_text, segs_text_len, Block, Cell, Item, Line, NextList, Row,
    Seg,
};
use super::model::*;
use super::resolve::{outside_repo, FileIndex};
use super::vocabulary::{self as vocab, Field};
use compact_str::CompactString;
use std::borrow::Cow;
use std::collections::HashMap;

/// References that can only be resolved once every task is known.
#[derive(Default)]
pub struct Refs {
    /// (task, parent id as written, line): tasks listed under a `**T2.3 子任务**` block.
    pub parents: Vec<(usize, String, u32)>,
    /// (file, from id, to id): `T1.1 → T1.2` means T1.2 depends on T1.1.
    pub chains: Vec<(usize, String, String)>,
    /// Checkpoint items as written: (checkpoint index, first, optional range end).
    pub checkpoint_items: Vec<(usize, String, Option<String>)>,
    /// Dependencies as written: (task, byte range in `dep_ids`, line). A range of ids not
    /// expanded by number is written `a~b`.
    pub deps: Vec<(usize, std::ops::Range<usize>, u32)>,
    /// The text of every dependency id, end to end (one string, not one per id).
    pub dep_ids: String,
    /// The key of every task with a written id, and the tasks to derive one for,
    /// recorded as tasks are made (on a large plan, reading them all again later costs
    /// a cache miss per task).
    pub ids: KeyText,
    /// Paths outside the repository or naming no file in it, checked as they are read:
    /// (task, in `as_built` rather than `touch_points`, index there, outside).
    pub bad_paths: Vec<(usize, bool, usize, bool)>,
    /// Tasks of one-task-per-file plans (Backlog.md) by id key: an id must be unique
    /// across their files.
    pub across_files: HashMap<String, usize>,
    /// Tracks of one-task-per-file plans by name (a milestone, an epic folder).
    pub named_tracks: HashMap<String, usize>,
}

/// Task keys end to end in one string, with each task's file and range: the id index
/// borrows its keys from here (one allocation, not one per task).
#[derive(Default)]
pub struct KeyText {
    text: String,
    keys: Vec<(usize, usize, std::ops::Range<usize>)>,
    /// Tasks per file, counting every task (to size the maps once).
    pub per_file: Vec<usize>,
    /// The tasks whose id is to be derived, in plan order.
    pub derived: Vec<usize>,
}

impl KeyText {
    /// A new task `i`: its key, or a place among the tasks to derive an id for.
    pub fn add_task(&mut self, i: usize, t: &Task) {
        if self.per_file.len() <= t.span.file {
            self.per_file.resize(t.span.file + 1, 0);
        }
        self.per_file[t.span.file] += 1;
        if t.derived_id {
            self.derived.push(i);
        } else if !t.id.0.is_empty() {
            self.push(i, t);
        }
    }

    pub fn push(&mut self, i: usize, t: &Task) {
        let start = self.text.len();
        self.text.push_str(t.key());
        self.keys.push((i, t.span.file, start..self.text.len()));
    }

    /// (task, file, key), in plan order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, &str)> {
        self.keys
            .iter()
            .map(|(i, f, r)| (*i, *f, &self.text[r.clone()]))
    }
}

impl Refs {
    /// Record the ids of a dependency text (`5.1.2, 5.1.3`, `2.1.2-4`, `5.2.1~5.2.4`) for
    /// task `t`. Returns how many were found.
    pub fn push_deps(&mut self, t: usize, text: &str, line: u32) -> usize {
        let text = match text.contains(['`', '*']) {
            true => Cow::Owned(text.replace(['`', '*'], "")),
            false => Cow::Borrowed(text),
        };
        let mut n = 0;
        vocab::each_id(&text, |a, b| {
            n += 1;
            match b.map(|b| vocab::expand_short_end(a, b)) {
                None => self.push_id(t, a, line),
                Some(end) => match numeric_range(a, &end) {
                    Some(ids) => ids.iter().for_each(|id| self.push_id(t, id, line)),
                    None => self.push_id(t, &format!("{a}~{end}"), line),
                },
            }
        });
        n
    }

    pub fn push_id(&mut self, t: usize, id: &str, line: u32) {
        let start = self.dep_ids.len();
        self.dep_ids.push_str(id);
        self.deps.push((t, start..self.dep_ids.len(), line));
    }
}

/// What a section's lists hold.
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
    /// A priority the heading gives the tasks under it, where headings are not tracks
    /// (a Spec Kit story's `(Priority: P1)`).
    priority: Option<Priority>,
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
    /// A plain section; its track is made when its first task appears.
    Section(Option<usize>),
    Task(usize),
    /// A heading led by an id (`#### T0.1 Title`): a task when the list right under it
    /// writes the task's fields (`- 状态：…`, `- Depends on: …`), else a section.
    MaybeTask(String, String),
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
    refs: &'p mut Refs,
    /// The repository's files, to check touch points against.
    files: Option<&'p dyn FileIndex>,
    file: usize,
    /// The headings enclosing the current block, outermost first.
    stack: Vec<Heading>,
    /// The track of tasks under no heading.
    file_track: Option<usize>,
    pending: Pending,
    /// What `pending` was for the list being read (a long list comes in pieces).
    list_pending: Pending,
    /// Status words a legend taught (`⬜ 待开发`), lower case.
    legend: Vec<(String, Status)>,
    /// Track letters of this file → track index (workstream list and headings meet here).
    letters: HashMap<String, usize>,
    seen_content: bool,
    /// The tool that wrote the file.
    format: Format,
    /// The track of a spec-tool file: its feature or change directory.
    dir_track: Option<usize>,
    /// The phase checkpoint the current heading opened (index into `Plan::checkpoints`).
    phase: Option<usize>,
    /// Top-level tasks in order, by the group they follow each other in (a phase, else
    /// a section); subtasks by parent. Used for the order `[P]` marks imply.
    sequences: Vec<(SeqKey, Vec<usize>)>,
    /// Where each group's run is in `sequences`.
    sequence_of: HashMap<SeqKey, usize>,
    /// The heading level of the current phase.
    phase_level: u8,
    /// Tasks of this file by id key (flat Kiro subtasks find their parents here).
    ids_here: HashMap<String, usize>,
    /// The row numbers of `#` tables read so far in the file.
    row_numbers: std::collections::HashSet<String>,
    /// `T010-T011 depend on T001-T009` statements: (subjects, objects, line).
    statements: Vec<(String, String, u32)>,
    /// Some task of the file carries a parallel mark.
    any_parallel: bool,
    /// The first task of this file (index into `Plan::tasks`).
    first_task: usize,
    /// Tables whose rows carry states but that have no id column: (line of the first
    /// such row, how many rows, the state words seen). Said when the file holds no task.
    idless_tables: Vec<(u32, usize, Vec<String>)>,
}

/// What a run of tasks that follow each other is keyed by.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
enum SeqKey {
    Phase(usize),
    Section(Option<u32>),
    Under(usize),
}

impl<'p> FileBuilder<'p> {
    pub fn new(
        plan: &'p mut Plan,
        refs: &'p mut Refs,
        files: Option<&'p dyn FileIndex>,
        file: usize,
        format: Format,
        title: Option<&str>,
    ) -> Self {
        let plan_tasks = plan.tasks.len();
        let mut b = FileBuilder {
            plan,
            refs,
            files,
            file,
            stack: Vec::new(),
            file_track: None,
            pending: Pending::None,
            list_pending: Pending::None,
            legend: Vec::new(),
            letters: HashMap::new(),
            seen_content: false,
            format,
            dir_track: None,
            phase: None,
            sequences: Vec::new(),
            sequence_of: HashMap::new(),
            phase_level: 0,
            ids_here: HashMap::new(),
            row_numbers: Default::default(),
            statements: Vec::new(),
            any_parallel: false,
            first_task: plan_tasks,
            idless_tables: Vec::new(),
        };
        b.plan.files[file].format = format;
        if matches!(
            format,
            Format::SpecKit | Format::Kiro | Format::OpenSpec | Format::Gsd
        ) {
            // The feature (or change) directory is the track, named by its spec's title.
            let path = b.plan.files[file].path.clone();
            let dir = super::format::track_dir(&path).unwrap_or(&path).to_string();
            let name = title.map_or_else(|| dir.clone(), str::to_string);
            let t = b.new_track(None, None, name, None, TrackKind::Track, b.span(1));
            b.plan.tracks[t].key = match format {
                Format::Gsd => "roadmap".into(),
                _ => dir,
            };
            b.dir_track = Some(t);
        }
        b
    }

    /// Headings are sections, never tracks: the file's directory is its track.
    fn dir_format(&self) -> bool {
        self.dir_track.is_some()
    }

    /// After the last block: what needs the whole file (the order parallel marks imply,
    /// dependency statements, an archived change's state).
    pub fn finish(&mut self) {
        if self.plan.tasks.len() == self.first_task {
            // A file of tables and no task: say why its rows were not read.
            for (line, rows, words) in std::mem::take(&mut self.idless_tables) {
                let msg = format!(
                    "{rows} table rows carry states ({}) but the table has no id column, so they are not read as tasks; give it an `ID`, `编号` or `#` column to track them",
                    words.join(", ")
                );
                self.diag(line, msg);
            }
        }
        // Spec Kit says what `[P]` means in every file; Kiro and OpenSpec files order
        // their tasks only when they use the mark.
        if self.any_parallel || self.format == Format::SpecKit {
            self.sequence_of.clear();
            for (_, seq) in std::mem::take(&mut self.sequences) {
                // A task without a parallel mark follows every task before it since the
                // previous such task (and that one); a marked task waits for nothing.
                let mut run: Vec<usize> = Vec::new();
                for t in seq {
                    // Optional work holds nothing back.
                    if self.plan.tasks[t].optional {
                        continue;
                    }
                    if self.plan.tasks[t].parallel {
                        run.push(t);
                        continue;
                    }
                    add_deps(&mut self.plan.tasks[t].deps, &run);
                    run.clear();
                    run.push(t);
                }
            }
        }
        for (subjects, objects, line) in std::mem::take(&mut self.statements) {
            let objs = self.ids_of(&objects);
            let subs = self.ids_of(&subjects);
            // (`T1, …, T5000 depend on T1, …, T5000` in one line would be 25 million
            // edges: a statement that large is said, not followed.)
            if subs.len().saturating_mul(objs.len()) > MAX_STATEMENT_EDGES {
                self.diag(
                    line,
                    format!(
                        "dependency statement names {} × {} tasks; more than {MAX_STATEMENT_EDGES} dependencies in one line are not read",
                        subs.len(),
                        objs.len()
                    ),
                );
                continue;
            }
            for s in subs {
                let objs: Vec<usize> = objs.iter().copied().filter(|&o| o != s).collect();
                add_deps(&mut self.plan.tasks[s].deps, &objs);
            }
            if objs.is_empty() {
                self.diag(
                    line,
                    format!("dependency statement names no task of this file: `{objects}`"),
                );
            }
        }
        if self.format == Format::Gsd {
            // A phase's box is ticked when its last plan is done: until then its state
            // comes from its plans.
            for task in self
                .plan
                .tasks
                .iter_mut()
                .filter(|t| t.span.file == self.file)
            {
                if task.status == Status::Pending && !task.subtasks.is_empty() {
                    task.status_written = false;
                }
            }
        }
        if self.format == Format::OpenSpec
            && super::format::is_archived_change(&self.plan.files[self.file].path)
        {
            for task in self
                .plan
                .tasks
                .iter_mut()
                .filter(|t| t.span.file == self.file)
            {
                if !task.status.is_closed() {
                    task.status = Status::Done;
                    task.notes.push("archived change: finished".into());
                }
            }
        }
    }

    /// The tasks of this file a statement names (`T001-T009`, `T010, T011`).
    fn ids_of(&self, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let cleaned = text.replace(['`', '*'], "");
        vocab::each_id(&cleaned, |a, b| {
            let ids = match b {
                Some(b) => prefixed_range(a, &vocab::expand_short_end(a, b))
                    .unwrap_or_else(|| vec![a.to_string(), b.to_string()]),
                None => vec![a.to_string()],
            };
            for id in ids {
                if let Some(&t) = self.ids_here.get(&id_key(&id)) {
                    if seen.insert(t) {
                        out.push(t);
                    }
                }
            }
        });
        out
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

    fn diag(&mut self, line: u32, message: String) {
        let file = self.plan.files[self.file].path.clone();
        self.plan.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            file,
            line,
            message,
        });
    }

    /// One top-level block, in document order. The answer: an id-led heading still
    /// waiting to learn whether it is a task has the whole list under it handed over at
    /// once, since any of its items may settle it.
    pub fn block(&mut self, b: &Block) -> NextList {
        self.read_block(b);
        match self.stack.last() {
            Some(h) if matches!(h.kind, HKind::MaybeTask(..)) => NextList::Whole,
            _ => NextList::Pieces,
        }
    }

    fn read_block(&mut self, b: &Block) {
        if !matches!(b, Block::Heading { .. }) {
            self.settle_heading(Some(b));
        }
        let pending = std::mem::replace(&mut self.pending, Pending::None);
        match b {
            Block::Heading { level, line } => self.heading(*level, line),
            Block::Para(lines) => lines.iter().for_each(|l| self.para_line(l)),
            Block::List(items) => {
                self.list(items, &pending);
                self.list_pending = pending;
            }
            // The rest of a long list: what came before its first piece still holds.
            Block::MoreItems(items) => {
                let announced = std::mem::replace(&mut self.list_pending, Pending::None);
                self.list(items, &announced);
                self.list_pending = announced;
            }
            Block::Table { head, rows } => self.table(head, rows, None),
            Block::Quote(lines) => self.quote(lines),
        }
        self.seen_content |= matches!(b, Block::List(_) | Block::Table { .. } | Block::Para(_));
    }

    // ---------------------------------------------------------------- headings

    fn heading(&mut self, level: u8, line: &Line) {
        while self.stack.last().is_some_and(|h| h.level >= level) {
            self.stack.pop();
        }
        // A heading right under an id-led one: that one was a section.
        self.settle_heading(None);
        let text = line.plain();
        let text = text.trim();
        let section = self.plan.sections.len() as u32;
        self.plan.sections.push(Section {
            name: text.to_string(),
            parent: self.stack.last().map(|h| h.section),
            span: self.span(line.line),
            parked: vocab::parked_mark(text).map(str::to_string),
        });
        let parent_mode = self.mode();
        let (mode, kind) = if let Some((id, title)) = task_heading(text) {
            let t = self.heading_task(&id, title, text, line.line);
            (Mode::Normal, HKind::Task(t))
        } else if let Some(id) = subtask_block_label(text) {
            (Mode::Normal, HKind::SubtasksOf(id))
        } else if self.dir_format() && phase_heading(text).is_some() {
            // `Phase 3: User Story 1 - Resolve sync conflicts`: a phase, whatever its
            // title's words.
            (Mode::Normal, HKind::Section(None))
        } else if vocab::is_criteria_heading(text) || vocab::is_progress_label(text) {
            (Mode::Criteria, HKind::Other)
        } else if vocab::is_questions_heading(text) {
            (Mode::Questions, HKind::Other)
        } else if vocab::is_conflicts_heading(text) {
            (Mode::Conflicts, HKind::Other)
        } else if vocab::is_workstreams_heading(text) && {
            // `## 9.1 Workstream 1（P1）` is a track; `## 2. Workstreams` lists them.
            let h = parse_heading(text);
            h.letter.is_none() && h.priority.is_none()
        } {
            (Mode::Workstreams, HKind::Other)
        } else if let Some(t) = (!self.dir_format())
            .then(|| self.track_heading(text, line.line))
            .flatten()
        {
            (Mode::Normal, HKind::Track(t))
        } else {
            let mode = match parent_mode {
                Mode::Workstreams => Mode::Normal,
                m => m,
            };
            let led_by_id = (mode == Mode::Normal && !self.dir_format())
                .then(|| vocab::leading_id(text))
                .flatten()
                .filter(|(_, title)| !title.is_empty());
            match led_by_id {
                Some((id, title)) => (mode, HKind::MaybeTask(id.into(), title.into())),
                None => (mode, HKind::Section(None)),
            }
        };
        let mut priority = None;
        let mut kind = kind;
        if self.format == Format::Gsd {
            if level == 1 {
                if let (Some(t), Some(name)) = (self.dir_track, text.strip_prefix("Roadmap:")) {
                    self.plan.tracks[t].name = name.trim().to_string();
                }
            } else if let Some((label, title)) = phase_heading(text) {
                kind = HKind::Task(self.gsd_phase(&label, &title, line.line));
            }
        } else if self.dir_format() {
            priority = story_priority(text);
            if let Some(label) = phase_heading(text) {
                self.phase_level = level;
                self.phase = Some(self.plan.checkpoints.len());
                self.plan.checkpoints.push(Checkpoint {
                    id: label.0,
                    label: Some(label.1).filter(|l| !l.is_empty()),
                    task_ids: Vec::new(),
                    tasks: Vec::new(),
                    span: self.span(line.line),
                    gate: vocab::says_it_blocks(text),
                    scope: Some(self.file),
                });
            } else if level <= self.phase_level.max(2) {
                self.phase = None;
            }
        }
        self.stack.push(Heading {
            level,
            priority,
            mode,
            kind,
            name: text.to_string(),
            line: line.line,
            section,
        });
    }

    /// A heading that is a task (`## Task 2.4: Title`), in the group of the headings
    /// around it. A milestone-like state on the heading sets its status when no field
    /// does.
    fn heading_task(&mut self, id: &str, title: &str, text: &str, line: u32) -> usize {
        let group = self.group_for_new_task();
        let t = self.new_task(
            Some(id.into()),
            title.to_string(),
            line,
            TaskForm::Heading,
            None,
            group,
        );
        for g in vocab::trailing_groups(text).1 {
            if let Some(s) = milestone_state(g.inner) {
                self.set_status(t, s);
            }
        }
        t
    }

    /// The first block under an id-led heading (`None`: another heading) decides what
    /// it is: a list writing a task's fields makes it a task, anything else a section.
    fn settle_heading(&mut self, first: Option<&Block>) {
        if !matches!(self.stack.last(), Some(h) if matches!(h.kind, HKind::MaybeTask(..))) {
            return;
        }
        // (Taken off the stack while its task is made: the task goes in the group of the
        // headings around it, as the heading's own kind would.)
        let Some(mut h) = self.stack.pop() else {
            return;
        };
        let writes_fields =
            matches!(first, Some(Block::List(items)) if items.iter().any(writes_task_field));
        h.kind = match std::mem::replace(&mut h.kind, HKind::Section(None)) {
            HKind::MaybeTask(id, title) if writes_fields => {
                HKind::Task(self.heading_task(&id, &title, &h.name, h.line))
            }
            HKind::MaybeTask(..) => HKind::Section(None),
            kind => kind,
        };
        self.stack.push(h);
    }

    /// A heading that names a track (`Track B`) or carries a priority.
    fn track_heading(&mut self, text: &str, line: u32) -> Option<usize> {
        let h = parse_heading(text);
        if h.letter.is_none() && h.priority.is_none() {
            return None;
        }
        let span = self.span(line);
        if let Some(&t) = h.letter.as_ref().and_then(|l| self.letters.get(l)) {
            // The workstream list named it first; the heading completes it.
            let tr = &mut self.plan.tracks[t];
            tr.id = tr.id.take().or(h.id);
            if !h.name.is_empty() {
                tr.name = h.name;
            }
            tr.priority = h.priority.or(tr.priority);
            tr.remark = h.remark.or(tr.remark.take());
            tr.span = span;
            return Some(t);
        }
        let t = self.new_track(h.letter, h.id, h.name, h.priority, TrackKind::Track, span);
        self.plan.tracks[t].remark = h.remark;
        Some(t)
    }

    fn new_track(
        &mut self,
        letter: Option<String>,
        id: Option<String>,
        name: String,
        priority: Option<Priority>,
        kind: TrackKind,
        span: Span,
    ) -> usize {
        let t = self.plan.tracks.len();
        if let Some(l) = &letter {
            self.letters.insert(l.clone(), t);
        }
        self.plan.tracks.push(Track {
            key: String::new(),
            letter,
            id,
            name,
            priority,
            kind,
            remark: None,
            span,
            tasks: Vec::new(),
            parallel: false,
        });
        t
    }

    /// Some enclosing heading's text satisfies `f`.
    fn under_heading(&self, f: impl Fn(&str) -> bool) -> bool {
        self.stack
            .iter()
            .any(|h| f(&self.plan.sections[h.section as usize].name))
    }

    /// The track a new top-level task joins: the enclosing track heading, else the
    /// nearest section heading, else the file's own group.
    fn group_for_new_task(&mut self) -> usize {
        if let Some(t) = self.dir_track {
            return t;
        }
        if let Some(t) = self.stack.iter().rev().find_map(|h| match h.kind {
            HKind::Track(t) => Some(t),
            _ => None,
        }) {
            return t;
        }
        for i in (0..self.stack.len()).rev() {
            match self.stack[i].kind {
                HKind::Section(Some(t)) => return t,
                HKind::Section(None) => {
                    let h = parse_heading(&self.stack[i].name);
                    let span = self.span(self.stack[i].line);
                    let t = self.new_track(None, h.id, h.name, None, TrackKind::Section, span);
                    self.plan.tracks[t].remark = h.remark;
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
        let path = self.plan.files[self.file].path.clone();
        let t = self.new_track(None, None, path, None, TrackKind::File, self.span(1));
        self.file_track = Some(t);
        t
    }

    /// The innermost heading's text (a checklist's section).
    fn heading_name(&self) -> String {
        self.stack
            .last()
            .map(|h| h.name.clone())
            .unwrap_or_default()
    }

    /// The task a heading task opens, if one encloses us.
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
        let text = line.plain();
        let t = text.trim();
        if t.is_empty() || self.checkpoint(t, line.line) {
            return;
        }
        if let Some(id) = subtask_block_label(t) {
            self.pending = Pending::SubtasksOf(id, line.line);
            return;
        }
        let label = t.trim_end_matches([':', '：']).trim();
        if t.ends_with([':', '：'])
            && (vocab::is_criteria_heading(label) || vocab::is_progress_label(label))
        {
            self.pending = Pending::Criteria(label.to_string());
            return;
        }
        if self.legend_line(t) {
            return;
        }
        if self.dir_format() {
            if let Some(c) = self.phase {
                // (Once a gate, the phase's other lines need not be read for it.)
                if !self.plan.checkpoints[c].gate && vocab::says_it_blocks(t) {
                    self.plan.checkpoints[c].gate = true;
                }
            }
            if self.statement(t, line.line) {
                return;
            }
            if let Some(c) = self.phase {
                if let Some(rest) = checkpoint_line(t) {
                    let cp = &mut self.plan.checkpoints[c];
                    if cp.label.is_none() {
                        cp.label = Some(rest.to_string());
                    }
                    return;
                }
            }
        }
        match self.mode() {
            Mode::Questions => {
                if t.ends_with(['?', '？']) || vocab::has_tbd(t) {
                    self.question(t, None, QuestionSource::Section, line.line);
                }
            }
            Mode::Conflicts => self.declared_conflict(line),
            Mode::Criteria => {}
            Mode::Normal | Mode::Workstreams => {
                if self.arrow_chain(t) {
                    return;
                }
                if let Some(task) = self.enclosing_heading_task() {
                    self.task_line(task, line);
                } else if vocab::has_tbd(t) {
                    self.question(t, None, QuestionSource::Tbd, line.line);
                }
            }
        }
    }

    /// `T1.1 → T1.2 → T1.3` in prose: each depends on the one before.
    fn arrow_chain(&mut self, text: &str) -> bool {
        if !text.contains(['→', '⇒']) && !text.contains("->") {
            return false;
        }
        let ids: Vec<Option<&str>> = text
            .split(['→', '⇒'])
            .flat_map(|p| p.split("->"))
            .map(|p| {
                let p = p.trim().trim_matches(['`', '*', ' ']);
                let n = vocab::id_len(p)?;
                // The id must be the whole step, or the step must end with it.
                let last = p.rsplit([' ', '`', '*']).next().unwrap_or(p);
                if n == p.len() {
                    Some(&p[..n])
                } else {
                    (vocab::id_len(last) == Some(last.len())).then_some(last)
                }
            })
            .collect();
        let mut found = false;
        for w in ids.windows(2) {
            if let [Some(a), Some(b)] = w {
                let chain = (self.file, a.to_string(), b.to_string());
                self.refs.chains.push(chain);
                found = true;
            }
        }
        found
    }

    /// A legend line teaches the team's own status words.
    fn legend_line(&mut self, t: &str) -> bool {
        if !vocab::is_legend_line(t) {
            return false;
        }
        let body = vocab::split_at_colon(t).map_or(t, |(_, b)| b);
        for part in body.split(['/', '|', ',', '，', ';', '；', '、']) {
            if let Some((s, word)) = vocab::status_word(part) {
                let w = word.trim().to_lowercase();
                if !w.is_empty() {
                    self.legend.retain(|(x, _)| *x != w);
                    self.legend.push((w, s));
                }
            }
        }
        true
    }

    fn quote(&mut self, lines: &[Line]) {
        // `> **暂缓**：…` under a heading sets that section aside.
        if let (Some(h), Some(first)) = (self.stack.last(), lines.first()) {
            let text = first.plain();
            if vocab::parks_section(&text) {
                let section = h.section as usize;
                self.plan.sections[section].parked = Some(text.trim().to_string());
            }
        }
        for l in lines {
            let text = l.plain();
            let t = text.trim();
            if self.legend_line(t) || self.seen_content {
                continue;
            }
            // `> 状态：进行中` at the top of the file: metadata.
            if let Some((k, v)) = vocab::split_at_colon(t) {
                let k = k.trim();
                if !k.is_empty() && k.chars().count() <= 24 {
                    let meta = (k.to_string(), v.trim().to_string());
                    self.plan.files[self.file].meta.push(meta);
                }
            }
        }
    }

    // ---------------------------------------------------------------- lists

    fn list(&mut self, items: &[Item], pending: &Pending) {
        for item in items {
            match pending {
                Pending::Criteria(section) => self.criteria_item(item, section),
                Pending::SubtasksOf(id, line) => match self.marked_task(item, None, true) {
                    Some(t) => self.refs.parents.push((t, id.clone(), *line)),
                    None => self.top_item(item),
                },
                Pending::None => self.top_item(item),
            }
        }
    }

    fn top_item(&mut self, item: &Item) {
        let Some(first) = item.lines.first() else {
            self.nested_top(item);
            return;
        };
        let text = first.plain();
        match self.mode() {
            Mode::Criteria => {
                self.criteria_item(item, &self.heading_name());
                return;
            }
            Mode::Questions => {
                let q: Vec<Cow<str>> = item.lines.iter().map(Line::plain).collect();
                self.question(q.join(" ").trim(), None, QuestionSource::Section, item.line);
                return;
            }
            Mode::Conflicts => {
                self.declared_conflict(first);
                return;
            }
            Mode::Workstreams | Mode::Normal => {}
        }
        if self.checkpoint(text.trim(), first.line) {
            return;
        }
        if item.checkbox.is_none() {
            if let Some((letter, name)) = vocab::workstream_entry(&text) {
                self.workstream(letter, name, item.line);
                return;
            }
        }
        if let Some(parent) = self.enclosing_heading_task() {
            // Under a `## Task 2.4:` heading: fields and subtasks of that task.
            self.child_item(parent, item);
            return;
        }
        // Every Spec Kit task has its `T001` id: a box without one is a checklist item.
        if self.format == Format::SpecKit
            && item.checkbox.is_some()
            && line_id(first, false).0.is_none()
        {
            self.criteria_item(item, &self.heading_name());
            return;
        }
        let block = self.enclosing_subtask_block();
        if let Some(t) = self.marked_task(item, None, block.is_some()) {
            if let Some((id, line)) = block {
                self.refs.parents.push((t, id, line));
            }
            return;
        }
        let label = text.trim().trim_end_matches([':', '：']).trim();
        if text.trim_end().ends_with([':', '：'])
            && (vocab::is_progress_label(label) || vocab::is_criteria_heading(label))
        {
            self.nested_criteria(item, label);
            return;
        }
        if self.dir_format() && self.statement(text.trim(), item.line) {
            return;
        }
        if vocab::has_tbd(&text) {
            self.question(text.trim(), None, QuestionSource::Tbd, item.line);
        }
        self.nested_top(item);
    }

    /// `T010-T011 depend on T001-T009`: a line whose subject is a list of task ids.
    fn statement(&mut self, text: &str, line: u32) -> bool {
        let lower = text.to_ascii_lowercase();
        // ` depends on `, ` depend on `, ` depends on:`, ` depend on:`: one search for
        // what they share.
        let Some((at, cue)) = lower.match_indices(" depend").find_map(|(at, d)| {
            let rest = &lower[at + d.len()..];
            ["s on ", " on ", "s on:", " on:"]
                .iter()
                .find(|tail| rest.starts_with(*tail))
                .map(|tail| (at, d.len() + tail.len()))
        }) else {
            return false;
        };
        let subject = text[..at].trim().trim_matches(['*', '`', '-', ' ']);
        let object = text[at + cue..].trim();
        // The subject is ids and what joins them, nothing else.
        let only_ids = subject
            .split([' ', ',', '、', '，', '-', '–', '—', '~', '&'])
            .filter(|w| !w.is_empty() && *w != "and")
            .all(|w| {
                let w = w.trim_matches(['*', '`']);
                vocab::id_len(w) == Some(w.len())
            });
        if subject.is_empty() || !only_ids {
            return false;
        }
        self.statements
            .push((subject.to_string(), object.to_string(), line));
        true
    }

    /// A plain bullet: its nested lists are read as if they stood at the top.
    fn nested_top(&mut self, item: &Item) {
        for child in &item.children {
            match child {
                Block::List(items) => items.iter().for_each(|c| self.top_item(c)),
                Block::Table { head, rows } => self.table(head, rows, None),
                _ => {}
            }
        }
    }

    fn workstream(&mut self, letter: String, name: &str, line: u32) {
        if self.letters.contains_key(&letter) {
            return;
        }
        let (base, groups) = vocab::trailing_groups(name);
        let priority = groups.iter().find_map(|g| vocab::find_priority(g.inner));
        let name = base.trim().to_string();
        let span = self.span(line);
        let t = self.new_track(Some(letter), None, name, priority, TrackKind::Track, span);
        self.plan.tracks[t].parallel = self.under_heading(vocab::says_parallel);
    }

    fn criteria_item(&mut self, item: &Item, section: &str) {
        if let Some(first) = item.lines.first() {
            let text = first.plain();
            let (status, rest) = match item.checkbox {
                Some(done) => (Some(checkbox_status(done)), &*text),
                None => match vocab::status_mark(&text) {
                    Some((s, rest, _)) => (Some(s), rest),
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
        self.nested_criteria(item, section);
    }

    /// The items of an item's nested lists, as criteria of `section`.
    fn nested_criteria(&mut self, item: &Item, section: &str) {
        for child in &item.children {
            if let Block::List(items) = child {
                items.iter().for_each(|c| self.criteria_item(c, section));
            }
        }
    }

    /// An item with a checkbox (or a box written as text, `[~]`, or a status emoji before
    /// an id) is a task. With `id_suffices`, an id alone makes it one (under a subtasks
    /// label).
    fn marked_task(
        &mut self,
        item: &Item,
        parent: Option<usize>,
        id_suffices: bool,
    ) -> Option<usize> {
        let first = item.lines.first()?;
        let (status, written) = match item.checkbox {
            Some(done) => (checkbox_status(done), true),
            None => {
                // A mark starts with `[` or is an emoji: other lines (most fields and
                // notes) need not be joined into one text to know they hold none.
                let text = match first.first_char() {
                    Some(c) if c == '[' || !c.is_ascii() => first.plain(),
                    _ => Cow::Borrowed(""),
                };
                match vocab::status_mark(&text) {
                    Some((s, rest, is_box)) if is_box || vocab::leading_id(rest).is_some() => {
                        (s, true)
                    }
                    _ if id_suffices && line_id(first, true).0.is_some() => {
                        (Status::Pending, false)
                    }
                    _ => return None,
                }
            }
        };
        let (mut id, mut title) = id_and_title(first, item.checkbox.is_none());
        let mut gsd_note = None;
        if self.format == Format::Gsd {
            // `02.1-01:` reads as id `02.1` and a title starting `-01:`.
            let whole = match &id {
                Some(i) if title.starts_with('-') => Some(format!("{i}{title}")),
                Some(_) => None,
                None => Some(title.clone()),
            };
            if let Some((i, rest)) = whole.as_deref().and_then(gsd_id) {
                id = Some(i.into());
                title = rest;
                // `Phase 2: Ingestion - Reliable intake…`: the name, then what it does.
                if let Some((name, what)) = title.split_once(" - ") {
                    let (name, what) = (name.trim().to_string(), what.trim().to_string());
                    title = name;
                    gsd_note = Some(what);
                }
            }
        }
        if self.format == Format::SpecKit && id.is_none() {
            // `T002a`: a task inserted after T002.
            if let Some((i, rest)) = lettered_id(&title) {
                id = Some(i.into());
                title = rest;
            }
        }
        let mut status = status;
        let mut parent = parent;
        let mut marks = Marks::default();
        if self.dir_format() {
            marks = take_marks(
                &mut title,
                self.format == Format::Kiro,
                self.format == Format::SpecKit,
            );
            if self.format == Format::Kiro {
                // `[ ]* 2.3` (or `[ ]\* 2.3`): optional.
                let raw = first.plain();
                let after_box = match item.checkbox {
                    Some(_) => raw.trim_start(),
                    None => vocab::status_mark(&raw).map_or("", |(_, r, _)| r),
                };
                marks.optional |= after_box.trim_start().starts_with('*');
                // `[-]` is work under way here, not dropped work.
                if item.checkbox.is_none() && first.plain().trim_start().starts_with("[-]") {
                    status = Status::InProgress;
                }
                // Flat `1.1` beside `1`: a subtask of it.
                if parent.is_none() {
                    parent = id
                        .as_deref()
                        .and_then(|i| i.rsplit_once('.'))
                        .and_then(|(head, _)| self.ids_here.get(&id_key(head)).copied());
                }
            }
        }
        let track = match parent {
            Some(p) => self.plan.tasks[p].track,
            None => self.group_for_new_task(),
        };
        let t = self.new_task(id, title, item.line, TaskForm::ListItem, parent, track);
        if self.dir_format() {
            self.spec_task(t, marks, item.line);
        }
        let task = &mut self.plan.tasks[t];
        task.status = status;
        task.status_written = written;
        if let Some(n) = gsd_note {
            task.notes.push(n);
        }
        // `- [ ] **D3-02** `WIP` …`: a status word in code right after the id says more
        // than the empty box.
        if item.checkbox == Some(false) {
            let said = task.title.strip_prefix('`').and_then(|r| r.split_once('`'));
            if let Some((word, rest)) = said {
                if let Some(s) = vocab::status_exact(word.trim()).filter(|s| *s != Status::Pending)
                {
                    task.status = s;
                    task.title = rest.trim_start().to_string();
                }
            }
        }
        if first.struck && !task.status.is_closed() {
            task.status = Status::Dropped;
        }
        for l in &item.lines[1..] {
            self.task_line(t, l);
        }
        for child in &item.children {
            match child {
                Block::List(items) => items.iter().for_each(|c| self.child_item(t, c)),
                Block::Para(lines) => lines.iter().for_each(|l| self.task_line(t, l)),
                Block::Table { head, rows } => self.table(head, rows, Some(t)),
                _ => {}
            }
        }
        Some(t)
    }

    /// A new task with its title read: inline dependencies, a priority (in a trailing
    /// group or leading the title), a TBD.
    fn new_task(
        &mut self,
        id: Option<CompactString>,
        mut title: String,
        line: u32,
        form: TaskForm,
        parent: Option<usize>,
        track: usize,
    ) -> usize {
        let t = self.plan.tasks.len();
        let derived = id.is_none();
        let id = TaskId(id.unwrap_or_default());
        let mut task = Task::new(id, derived, String::new(), self.span(line), form);
        task.track = track;
        task.parent = parent;
        task.section = self.stack.last().map(|h| h.section);
        title.truncate(title.trim_end().len());
        // (Draining nothing would still move the whole title onto itself.)
        let lead = title.len() - title.trim_start().len();
        if lead > 0 {
            title.drain(..lead);
        }
        let refs = &mut *self.refs;
        if self.format == Format::Gsd {
            // GSD names phases and `02-01` plans; `#8` there is a pull request.
            if vocab::inline_dependency_texts(&title).is_empty() {
            } else {
                for id in gsd_refs(&title) {
                    refs.push_id(t, &id, line);
                }
            }
        } else {
            vocab::each_inline_dependency(&title, |d| {
                refs.push_deps(t, d, line);
            });
            if self.dir_track.is_some() {
                vocab::each_suffix_dependency(&title, |d| {
                    refs.push_deps(t, d, line);
                });
            }
        }
        if let Some(words) = vocab::parked_mark(&title) {
            task.extra_mut().parked = Some(words.to_string());
        }
        // A priority in a trailing group (the first one written counts), else `[P0] Fix …`
        // or `P1: …` at the start.
        let mut only_priority_group = false;
        for g in vocab::groups_from_end(&title) {
            // (A group that is only a priority holds one: most groups are let go here.)
            if let Some(p) = vocab::find_priority(g.inner) {
                task.priority = Some(p);
                only_priority_group |= vocab::priority_token(g.inner).is_some();
            }
        }
        if task.priority.is_none() {
            let s = title.trim_start_matches('[');
            if let (Some(p), Some(rest)) =
                (vocab::priority_token(s.get(..2).unwrap_or("")), s.get(2..))
            {
                if rest.starts_with([']', ':', ' ', '：']) {
                    task.priority = Some(p);
                }
            }
        }
        // A group holding only the priority is not part of the title.
        let cut = only_priority_group.then(|| {
            let (_, groups) = vocab::trailing_groups(&title);
            vocab::without_groups(&title, &groups, |g| vocab::priority_token(g).is_some())
        });
        if task.priority.is_none() && parent.is_none() {
            task.priority = self.stack.iter().rev().find_map(|h| h.priority);
        }
        let tbd = vocab::has_tbd(&title);
        task.title = cut.unwrap_or(title);
        let tbd = tbd.then(|| format!("{}: {}", display_id(&task), task.title));
        self.refs.ids.add_task(t, &task);
        self.plan.tasks.push(task);
        if let Some(p) = parent {
            self.plan.tasks[p].subtasks.push(t);
        }
        if let Some(q) = tbd {
            self.question(&q, Some(t), QuestionSource::Tbd, line);
        }
        t
    }

    /// Paths just added to a task's touch points (or as-built list) from index `from`
    /// on, that lie outside the repository or name no file in it: recorded for a
    /// diagnostic once ids are final (checked now, while the paths are in the cache).
    fn check_paths(&mut self, t: usize, as_built: bool, from: usize) {
        self.check_paths_of(t, as_built, from, true);
    }

    /// [`Self::check_paths`]; without `exist`, only paths outside the repository are
    /// reported (paths in a spec task's text mostly name files still to be written).
    fn check_paths_of(&mut self, t: usize, as_built: bool, from: usize, exist: bool) {
        let task = &self.plan.tasks[t];
        let list = if as_built {
            &task.as_built
        } else {
            &task.touch_points
        };
        for (i, p) in list.iter().enumerate().skip(from) {
            let outside = outside_repo(&p.path);
            if outside || (exist && self.files.is_some_and(|ix| !ix.matches(&p.path))) {
                self.refs.bad_paths.push((t, as_built, i, outside));
            }
        }
    }

    /// What a spec-tool task says beyond a plain one: its marks, the paths in its text,
    /// its phase, and its place in the order of its group.
    fn spec_task(&mut self, t: usize, marks: Marks, line: u32) {
        self.any_parallel |= marks.parallel;
        let task = &mut self.plan.tasks[t];
        task.parallel = marks.parallel;
        task.optional = marks.optional;
        if let Some(story) = marks.story {
            task.extra_mut().story = Some(story);
        }
        let mut found = Vec::new();
        paths_in_text(&task.title, line, &mut found);
        self.add_text_paths(t, found);
        let task = &self.plan.tasks[t];
        let key = match task.parent {
            Some(p) => SeqKey::Under(p),
            None => match self.phase {
                Some(c) => SeqKey::Phase(c),
                None => SeqKey::Section(task.section),
            },
        };
        match self.sequence_of.get(&key) {
            Some(&i) => self.sequences[i].1.push(t),
            None => {
                self.sequence_of.insert(key, self.sequences.len());
                self.sequences.push((key, vec![t]));
            }
        }
        if let (None, Some(c)) = (task.parent, self.phase) {
            let id = task.id.to_string();
            let cp = &mut self.plan.checkpoints[c];
            cp.tasks.push(t);
            cp.task_ids.push(id);
        }
        let task = &self.plan.tasks[t];
        if !task.id.0.is_empty() {
            self.ids_here.entry(task.key().to_string()).or_insert(t);
        }
    }

    /// The task of GSD phase `Phase 2` (from the phase list), or a new one when the list
    /// does not name it.
    fn gsd_phase(&mut self, label: &str, title: &str, line: u32) -> usize {
        let num = label.trim_start_matches("Phase ").to_string();
        if let Some(&t) = self.ids_here.get(&id_key(&num)) {
            return t;
        }
        let track = self.group_for_new_task();
        let t = self.new_task(
            Some(num.into()),
            title.to_string(),
            line,
            TaskForm::Heading,
            None,
            track,
        );
        self.spec_task(t, Marks::default(), line);
        t
    }

    /// Paths found in a spec task's text, as its touch points (absolute ones made
    /// relative; only those outside the repository are reported, as the rest may be
    /// files still to be written).
    fn add_text_paths(&mut self, t: usize, found: Vec<PathRef>) {
        let before = self.plan.tasks[t].touch_points.len();
        for mut p in found {
            if p.path.starts_with('/') {
                p.path = self.rebase_absolute(&p.path);
            }
            let task = &mut self.plan.tasks[t];
            if !task.touch_points.iter().any(|q| q.path == p.path) {
                task.touch_points.push(p);
            }
        }
        self.check_paths_of(t, false, before, false);
    }

    /// An absolute path in a spec (`/src/api/routes.rs`, `/home/ana/app/src/x.rs`): the
    /// shortest tail of it that names files of the repository, else it without the
    /// leading `/`.
    fn rebase_absolute(&self, path: &str) -> String {
        let rel = path.trim_start_matches('/');
        // (Each try may scan the repository's files: a few tails of a plain path only.)
        let plain = !rel.contains(['*', '?', '[', '{']) && rel.len() <= 512;
        if let (Some(ix), true) = (self.files, plain) {
            let mut tail = rel;
            for _ in 0..12 {
                if ix.matches(tail) {
                    return tail.to_string();
                }
                match tail.split_once('/') {
                    Some((_, rest)) if !rest.is_empty() => tail = rest,
                    _ => break,
                }
            }
        }
        rel.to_string()
    }

    fn set_status(&mut self, t: usize, s: Status) {
        let task = &mut self.plan.tasks[t];
        task.status = s;
        task.status_written = true;
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
        // A field's label sits in the first text piece (emphasis is already flattened):
        // the colon must be inside it.
        let text = match first.segs.first() {
            Some(Seg::Text(s)) => s.as_ref(),
            _ => "",
        };
        if let Some((field, value, at)) = vocab::split_field_at(&first.text()) {
            if at < text.len() {
                self.field_value(t, field, value, first.line);
                for l in &item.lines[1..] {
                    self.task_line(t, l);
                }
                self.field_children(t, field, item);
                return;
            }
        }
        if vocab::is_progress_label(text) {
            self.nested_criteria(item, text.trim_end_matches([':', '：']));
            return;
        }
        for l in &item.lines {
            self.task_line(t, l);
        }
        // Nested checklists under a plain bullet are still subtasks.
        for child in &item.children {
            if let Block::List(items) = child {
                items.iter().for_each(|c| self.child_item(t, c));
            }
        }
    }

    /// Nested items continuing a field's value.
    fn field_children(&mut self, t: usize, field: Field, item: &Item) {
        for child in &item.children {
            let Block::List(items) = child else {
                continue;
            };
            for c in items {
                match field {
                    Field::Subtasks => {
                        if self.marked_task(c, Some(t), true).is_none() {
                            self.child_item(t, c);
                        }
                    }
                    Field::Dod => {
                        let s = c.lines.first().map(Line::plain).unwrap_or_default();
                        let mark = match c.checkbox {
                            Some(true) => "[x] ",
                            Some(false) => "[ ] ",
                            None => "",
                        };
                        self.plan.tasks[t].dod.push(format!("{mark}{}", s.trim()));
                    }
                    _ => {
                        for l in &c.lines {
                            self.field_value(t, field, &l.text(), l.line);
                        }
                        self.field_children(t, field, c);
                    }
                }
            }
        }
    }

    /// A continuation line of a task: a field, or a note.
    fn task_line(&mut self, t: usize, line: &Line) {
        if let Some((field, value)) = vocab::split_field(&line.text()) {
            self.field_value(t, field, value, line.line);
            return;
        }
        let p = line.plain();
        let p = p.trim();
        if p.is_empty() {
            return;
        }
        let refs = &mut *self.refs;
        vocab::each_inline_dependency(p, |d| {
            refs.push_deps(t, d, line.line);
        });
        if self.dir_track.is_some() {
            vocab::each_suffix_dependency(p, |d| {
                refs.push_deps(t, d, line.line);
            });
        }
        if self.dir_format() {
            // A spec task's detail lines name the files it works in.
            let text = line.text();
            let mut found = Vec::new();
            paths_in_text(&text, line.line, &mut found);
            self.add_text_paths(t, found);
        }
        if vocab::has_tbd(p) {
            let q = format!("{}: {p}", display_id(&self.plan.tasks[t]));
            self.question(&q, Some(t), QuestionSource::Tbd, line.line);
        }
        self.plan.tasks[t].notes.push(p.to_string());
    }

    /// A field's value, from a `Label: value` line or a table cell.
    fn field_value(&mut self, t: usize, field: Field, value: &str, line: u32) {
        let value = value.trim();
        if vocab::has_tbd(value) {
            let q = format!(
                "{}: {} {value}",
                display_id(&self.plan.tasks[t]),
                field_name(field)
            );
            self.question(&q, Some(t), QuestionSource::Tbd, line);
        }
        let task = &mut self.plan.tasks[t];
        match field {
            Field::TouchPoints | Field::AsBuilt | Field::References => {
                let target = match field {
                    Field::TouchPoints => &mut task.touch_points,
                    Field::AsBuilt => &mut task.as_built,
                    _ => &mut task.references,
                };
                let before = target.len();
                paths_into(value, line, true, target, &mut task.mentions);
                if field != Field::References {
                    self.check_paths(t, field == Field::AsBuilt, before);
                }
            }
            Field::Depends => {
                let v = match value.contains('`') {
                    true => Cow::Owned(value.replace('`', "")),
                    false => Cow::Borrowed(value),
                };
                let v = v.trim();
                if self.format == Format::Gsd {
                    // `Phase 1 + Phase 2 (PR #8 deps on #1)`: the phases, not the PRs.
                    let ids = gsd_refs(v);
                    for id in &ids {
                        self.refs.push_id(t, id, line);
                    }
                    if ids.is_empty() && !vocab::is_none_word(v) {
                        task.notes.push(format!("depends on: {v}"));
                    }
                } else {
                    // `T0.1。可与 T1.2 一起完成。`: the ids end with the first sentence; what
                    // follows is a remark, kept with the whole value.
                    let (ids, remark) = v.split_once('。').unwrap_or((v, ""));
                    let ids = ids.trim();
                    let none = vocab::is_none_word(ids);
                    let found = !none && self.refs.push_deps(t, ids, line) > 0;
                    // `Phase 1 完成` and other prose: kept, not resolved.
                    if !remark.trim().is_empty() || (!none && !found) {
                        self.plan.tasks[t].notes.push(format!("depends on: {v}"));
                    }
                }
            }
            Field::Dod if !value.is_empty() => task.dod.push(value.to_string()),
            Field::Background if !value.is_empty() => task.background.push(value.to_string()),
            Field::Status => {
                let v = value.replace('`', "");
                match self.status_text(&v) {
                    Some((s, rest)) => {
                        // `[x] Done (2026-01-02)`: the word after the box says it again.
                        let rest = vocab::status_word(rest).map_or(rest, |(_, r)| r);
                        let rest = rest.trim().trim_start_matches(['-', '—']).trim();
                        if !rest.is_empty() {
                            self.plan.tasks[t].notes.push(format!("status: {rest}"));
                        }
                        self.set_status(t, s);
                    }
                    None if v.trim().is_empty() => {}
                    None => self.unknown_status(t, &v, line, ""),
                }
            }
            Field::Priority => {
                if let Some(p) = vocab::find_priority(value) {
                    task.priority = Some(p);
                }
            }
            // (Id, title and notes are never labels; see `Field`.)
            Field::Id | Field::Title | Field::Notes => {}
            Field::Requirements => {
                for r in value.split([',', '、', '，', ';', '；']) {
                    let r = r.trim().trim_matches(['_', '*', '`', ' ']);
                    if !r.is_empty() {
                        task.extra_mut().requirements.push(r.to_string());
                    }
                }
                // In a hand-written plan the line is as often prose (`Requirements:
                // Node 18 and Postgres`): it stays with the task's notes too.
                if self.dir_track.is_none() && !value.is_empty() {
                    self.plan.tasks[t]
                        .notes
                        .push(format!("requirements: {value}"));
                }
            }
            Field::Subtasks | Field::Dod | Field::Background => {}
        }
    }

    /// A status word, the legend's words first.
    fn status_text<'s>(&self, text: &'s str) -> Option<(Status, &'s str)> {
        let t = text.trim().trim_matches('*').trim();
        let lower = t.to_lowercase();
        // The longest word the text starts with, as in the vocabulary.
        let taught = self
            .legend
            .iter()
            .filter(|(w, _)| lower.starts_with(w.as_str()));
        match taught.max_by_key(|(w, _)| w.len()) {
            Some((w, s)) => Some((*s, t.get(w.len()..).unwrap_or(""))),
            None => vocab::status_word(t),
        }
    }

    // ---------------------------------------------------------------- tables

    /// A table whose header names an id column defines one task per row; its other
    /// columns are fields, found by [`vocab::field_of`] like field labels.
    fn table(&mut self, head: &[Cell], rows: &[Row], parent: Option<usize>) {
        let cols: Vec<Option<Field>> = head
            .iter()
            .map(|c| vocab::field_of(&segs_plain(c)))
            .collect();
        let col = |f: Field| cols.iter().position(|c| *c == Some(f));
        let Some(id_col) = col(Field::Id) else {
            // Audit and review tables: no id column, no tasks.
            if let Some(found) = state_rows(rows) {
                self.idless_tables.push(found);
            }
            return;
        };
        // With no title column, the first column after the id that names no field
        // (`| 编号 | 页面 | 开发状态 |`).
        let title_col =
            col(Field::Title).or_else(|| (id_col + 1..cols.len()).find(|&i| cols[i].is_none()));
        if col(Field::Status).is_none() && is_checklist(rows, id_col) {
            // `| # | 检查项 | 说明 |` numbered 1, 2, 3…: a checklist, not tasks.
            let section = self
                .stack
                .last()
                .map(|h| self.plan.sections[h.section as usize].name.clone())
                .unwrap_or_default();
            for row in rows {
                let cell = |i: Option<usize>| -> &[Seg] {
                    i.and_then(|i| row.cells.get(i))
                        .map_or(&[], |c| c.as_slice())
                };
                let text = segs_plain(cell(title_col.or(Some(id_col + 1))));
                if !text.trim().is_empty() {
                    self.plan.criteria.push(Criterion {
                        section: section.clone(),
                        text: text.trim().to_string(),
                        status: None,
                        span: self.span(row.line),
                    });
                }
            }
            return;
        }
        // `| # | Task | Status |` tables numbering their rows from 1 each, one per
        // section: numbers an earlier such table used are this table's row numbers, not
        // ids, and its tasks get ids of their own (`step-2#1`).
        let numbers: Option<Vec<String>> = (segs_plain(&head[id_col]).trim() == "#")
            .then(|| {
                rows.iter()
                    .map(|r| cell_word(r, id_col))
                    .collect::<Vec<_>>()
            })
            .filter(|ns| {
                ns.iter()
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            });
        let local_numbers = numbers.is_some_and(|ns| {
            let reused = ns.iter().any(|n| self.row_numbers.contains(n));
            self.row_numbers.extend(ns);
            reused
        });
        for row in rows {
            if row.written != head.len() {
                let msg = format!(
                    "malformed table row: {} cells where the header has {}; missing cells read as empty, extra cells ignored",
                    row.written,
                    head.len()
                );
                self.diag(row.line, msg);
            }
            let cell = |i: Option<usize>| -> &[Seg] {
                i.and_then(|i| row.cells.get(i))
                    .map_or(&[], |c| c.as_slice())
            };
            let id_text = cell_word(row, id_col);
            let id_text = id_text.trim_start_matches('#').trim();
            let title_all = segs_text(cell(title_col));
            let mut title_lines = title_all.split('\n');
            let title = title_lines.next().unwrap_or("").trim();
            if id_text.is_empty() && title.is_empty() {
                continue;
            }
            let id = (!id_text.is_empty() && !local_numbers).then(|| id_text.to_string());
            let track = match parent {
                Some(p) => self.plan.tasks[p].track,
                None => self.group_for_new_task(),
            };
            let t = self.new_task(
                id.map(Into::into),
                title.to_string(),
                row.line,
                TaskForm::TableRow,
                parent,
                track,
            );
            let task = &mut self.plan.tasks[t];
            task.notes.extend(
                title_lines
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from),
            );
            // Paths written in the title cell (`file.ts:241-247`) are touch points.
            let before = task.touch_points.len();
            paths_into(
                &title_all,
                row.line,
                false,
                &mut task.touch_points,
                &mut Vec::new(),
            );
            self.check_paths(t, false, before);
            // The other columns, always in this order (a row's paths, dependencies and
            // notes come out the same whatever order the columns are in).
            for f in [
                Field::Status,
                Field::Depends,
                Field::Priority,
                Field::TouchPoints,
                Field::AsBuilt,
                Field::References,
                Field::Dod,
                Field::Background,
                Field::Requirements,
                Field::Notes,
            ] {
                let Some(segs) = col(f).map(|i| cell(Some(i))) else {
                    continue;
                };
                match f {
                    Field::Status => self.status_cell(t, segs, row.line),
                    Field::Depends => {
                        let v = segs_plain(segs).replace('\n', ",");
                        self.field_value(t, f, &v, row.line);
                    }
                    Field::Priority => {
                        if let Some(p) = vocab::find_priority(&segs_plain(segs)) {
                            self.plan.tasks[t].priority = Some(p);
                        }
                    }
                    Field::TouchPoints | Field::AsBuilt | Field::References => {
                        let v = segs_text(segs).replace('\n', "、");
                        self.field_value(t, f, &v, row.line);
                    }
                    Field::Notes => {
                        for part in segs_text(segs).split('\n') {
                            self.notes_value(t, part.trim(), row.line);
                        }
                    }
                    _ => {
                        for part in segs_text(segs).split('\n') {
                            self.field_value(t, f, part, row.line);
                        }
                    }
                }
            }
        }
    }

    fn status_cell(&mut self, t: usize, segs: &[Seg], line: u32) {
        let st = segs_plain(segs);
        let st = st.trim();
        if st.is_empty() {
            return;
        }
        match self.status_text(st) {
            Some((s, _)) => self.set_status(t, s),
            None => self.unknown_status(t, st, line, " in table row"),
        }
    }

    /// A state the vocabulary does not know: pending, and set aside when it says so
    /// (`⏸️ Deferred`, `on hold`), else with a diagnostic (`place`: ` in table row`, or
    /// nothing for a field).
    fn unknown_status(&mut self, t: usize, text: &str, line: u32, place: &str) {
        match vocab::parked_state(text) {
            Some(words) => {
                let words = words.to_string();
                self.plan.tasks[t].extra_mut().parked = Some(words);
            }
            None => self.diag(
                line,
                format!("unknown status `{}`{place}; read as pending", text.trim()),
            ),
        }
        self.set_status(t, Status::Pending);
    }

    /// Notes: fields written inline (`as-built: …`), path spans (touch points),
    /// inline dependencies and TBDs; the text is kept as a note unless it held only paths.
    fn notes_value(&mut self, t: usize, p: &str, line: u32) {
        if p.is_empty() {
            return;
        }
        if let Some((field, value)) = vocab::split_field(p) {
            return self.field_value(t, field, value, line);
        }
        let task = &mut self.plan.tasks[t];
        let before = task.touch_points.len();
        paths_into(p, line, false, &mut task.touch_points, &mut task.mentions);
        let only_paths = task.touch_points.len() > before
            && p.split('`').step_by(2).all(|s| s.trim().is_empty());
        self.check_paths(t, false, before);
        let refs = &mut *self.refs;
        vocab::each_inline_dependency(p, |d| {
            refs.push_deps(t, d, line);
        });
        if vocab::has_tbd(p) {
            let q = format!("{}: {p}", display_id(&self.plan.tasks[t]));
            self.question(&q, Some(t), QuestionSource::Tbd, line);
        }
        if !only_paths {
            self.plan.tasks[t].notes.push(p.to_string());
        }
    }

    // ---------------------------------------------------------------- the rest

    /// `CP1（beta ready）：完成 5.2.1~5.2.4 + 5.4.1~5.4.3`; a gate when it, or a heading
    /// above it, says that what follows waits.
    fn checkpoint(&mut self, t: &str, line: u32) -> bool {
        let b = t.as_bytes();
        if !(b.len() > 2 && b[..2].eq_ignore_ascii_case(b"CP") && b[2].is_ascii_digit()) {
            return false;
        }
        let n = 2 + b[2..].iter().take_while(|c| c.is_ascii_digit()).count();
        let Some((before, after)) = vocab::split_at_colon(&t[n..]) else {
            return false;
        };
        let mut value = after.trim();
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
        let items = vocab::id_list(&cleaned);
        if items.is_empty() {
            return false;
        }
        let label = before.trim().trim_matches(['(', ')', '（', '）', ' ']);
        let c = self.plan.checkpoints.len();
        let gate = vocab::says_it_blocks(t) || self.under_heading(vocab::says_it_blocks);
        self.plan.checkpoints.push(Checkpoint {
            id: t[..n].to_uppercase(),
            label: (!label.is_empty()).then(|| label.to_string()),
            task_ids: Vec::new(),
            tasks: Vec::new(),
            span: self.span(line),
            gate,
            scope: None,
        });
        for (a, b) in items {
            let end = b.map(|b| vocab::expand_short_end(a, b).into_owned());
            self.refs.checkpoint_items.push((c, a.to_string(), end));
        }
        true
    }

    /// `Track B <-> Track C：shared `routing/service.ts``
    fn declared_conflict(&mut self, line: &Line) {
        let text = line.text();
        let head = vocab::split_at_colon(&text).map_or(&*text, |(h, _)| h);
        let lower = head.to_ascii_lowercase();
        let mut tracks = Vec::new();
        for (p, _) in lower.match_indices("track") {
            let letters = head[p + 5..].trim_start();
            let n = letters
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '/'))
                .unwrap_or(letters.len());
            let found = letters[..n].split('/').filter(|l| !l.is_empty());
            tracks.extend(found.map(str::to_uppercase));
        }
        if tracks.is_empty() {
            return;
        }
        let paths = text
            .split('`')
            .skip(1)
            .step_by(2)
            .filter_map(|s| vocab::as_path(s).map(|(p, _)| p))
            .collect();
        self.plan.declared_conflicts.push(DeclaredConflict {
            tracks,
            text: line.plain().trim().to_string(),
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

fn checkbox_status(done: bool) -> Status {
    if done {
        Status::Done
    } else {
        Status::Pending
    }
}

/// The id at the start of a task line (a code span, or the start of the text, after any
/// status mark when `marks`) and the title that follows it, code spans in backticks.
fn id_and_title(line: &Line, marks: bool) -> (Option<CompactString>, String) {
    let (id, head, next) = line_id(line, marks);
    let tail = line.segs.get(next..).unwrap_or(&[]);
    let mut title = String::with_capacity(head.len() + segs_text_len(tail));
    title.push_str(head);
    push_segs_text(&mut title, tail);
    if id.is_some() {
        let start = title.len() - title.trim_start_matches([':', '：', '—', '–', ' ']).len();
        if start > 0 {
            title.drain(..start);
        }
    }
    (id, title)
}

/// The id at the start of a task line, the text after it in the id's own segment, and
/// the index of the segment the rest of the title starts at.
fn line_id<'l>(line: &'l Line, marks: bool) -> (Option<CompactString>, &'l str, usize) {
    let segs = &line.segs;
    let mut i = segs
        .iter()
        .position(|s| !matches!(s, Seg::Text(t) if t.trim().is_empty()))
        .unwrap_or(segs.len());
    let whole_id = |c: &str| {
        (vocab::id_len(c.trim()) == Some(c.trim().len())).then(|| CompactString::from(c.trim()))
    };
    let mut id = None;
    let mut head = "";
    match segs.get(i) {
        Some(Seg::Text(t)) => {
            let mut rest: &str = t;
            if marks {
                if let Some((_, r, _)) = vocab::status_mark(rest) {
                    rest = r;
                }
            }
            // (`[ ]* 2.3`: Kiro's optional mark after the box.)
            let rest = match marks {
                true => rest.trim_start().trim_start_matches('*'),
                false => rest,
            };
            let rest = rest.trim_start();
            if let Some((found, r)) = vocab::leading_id(rest) {
                id = Some(CompactString::from(found));
                head = r;
            } else if rest.is_empty() {
                // `- [ ] `T4.6.3.1` 烘烤…`: the id is the code span after the mark.
                if let Some(Seg::Code(c)) = segs.get(i + 1) {
                    id = whole_id(c);
                    i += id.is_some() as usize;
                }
            } else {
                head = rest;
            }
            i += 1;
        }
        Some(Seg::Code(c)) => {
            id = whole_id(c);
            i += id.is_some() as usize;
        }
        None => {}
    }
    (id, head, i)
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

/// Paths of a value: its code spans that name paths (a parenthesis right after a span
/// is its note); other spans are mentions. Outside spans, words that clearly are paths
/// (with a `/` or a `:line`) count too; with `bare_paths`, a value without spans is
/// split into words and every path-looking one kept.
fn paths_into(
    value: &str,
    line: u32,
    bare_paths: bool,
    paths: &mut Vec<PathRef>,
    mentions: &mut Vec<String>,
) {
    // (Counting bytes is several times faster than a search per backtick.)
    let n_parts = value.bytes().filter(|&b| b == b'`').count() + 1;
    let has_spans = n_parts >= 3;
    let mut parts = value.split('`').enumerate().peekable();
    while let Some((i, part)) = parts.next() {
        let inside = i % 2 == 1 && i + 1 < n_parts;
        if inside {
            let Some((path, range)) = vocab::as_path(part) else {
                mentions.push(part.trim().to_string());
                continue;
            };
            let after = parts.peek().map_or("", |(_, s)| s.trim_start());
            let note = after
                .strip_prefix(['(', '（'])
                .and_then(|a| a.find([')', '）']).map(|c| a[..c].trim().to_string()));
            paths.push(PathRef {
                path,
                range,
                note,
                line,
            });
        } else if !has_spans || !bare_paths {
            let words = part.split(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '、' | ',' | '，' | ';' | '；' | '+' | '（' | '）' | '(' | ')'
                    )
            });
            for word in words {
                let w = word.trim_matches(['.', '。']);
                let clear = w.contains('/')
                    || w.rsplit_once(':').is_some_and(|(_, r)| {
                        !r.is_empty() && r.bytes().all(|c| c.is_ascii_digit() || c == b'-')
                    });
                let take = clear || (bare_paths && !has_spans && vocab::as_path(w).is_some());
                if take && !w.starts_with("http") {
                    if let Some((path, range)) = vocab::prose_path(w) {
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
        Field::Id => "id",
        Field::Title => "title",
        Field::Notes => "notes",
        Field::TouchPoints => "touch points",
        Field::Depends => "depends on",
        Field::Dod => "DoD",
        Field::AsBuilt => "as-built",
        Field::References => "references",
        Field::Background => "background",
        Field::Subtasks => "subtasks",
        Field::Status => "status",
        Field::Priority => "priority",
        Field::Requirements => "requirements",
    }
}

fn display_id(t: &Task) -> String {
    if t.id.0.is_empty() {
        t.title.chars().take(30).collect()
    } else {
        t.id.to_string()
    }
}

/// A list item that writes one of a task's own fields (`- 状态：已完成`, `- Depends on:
/// 1.2`), its label in the item's first plain text.
fn writes_task_field(item: &Item) -> bool {
    let Some(first) = item.lines.first() else {
        return false;
    };
    let plain = match first.segs.first() {
        Some(Seg::Text(s)) => s.as_ref(),
        _ => "",
    };
    vocab::split_field_at(&first.text()).is_some_and(|(field, _, at)| {
        at < plain.len() && !matches!(field, Field::Id | Field::Title | Field::Notes)
    })
}

/// `## Task 2.4: Title`, `### 3.4 Task 2.4: Title`, `## 任务 2.4：Title`.
fn task_heading(text: &str) -> Option<(String, &str)> {
    // `### TASK-001: Title`: the word and its number are the id.
    if text
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("task-"))
    {
        let n = vocab::id_len(text).filter(|&n| n > 5)?;
        let title = text[n..].trim_start().strip_prefix([':', '：'])?;
        return Some((text[..n].to_string(), title.trim()));
    }
    let lower = text.to_ascii_lowercase();
    for cue in ["task ", "任务 ", "任务"] {
        for (start, _) in lower.match_indices(cue) {
            if start > 0 && lower.as_bytes()[start - 1].is_ascii_alphanumeric() {
                continue;
            }
            let after = text[start + cue.len()..].trim_start();
            let n = vocab::id_len(after)?;
            if let Some(title) = after[n..].trim_start().strip_prefix([':', '：']) {
                // What comes before `Task` must be a section number or nothing.
                let before = text[..start].trim();
                if before.is_empty() || vocab::id_len(before) == Some(before.len()) {
                    return Some((after[..n].to_string(), title.trim()));
                }
            }
        }
    }
    None
}

/// `**T2.3 子任务**：` or a heading `T2.3 Subtasks`: the id whose subtasks follow.
fn subtask_block_label(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches([':', '：']).trim();
    let n = vocab::id_len(t)?;
    let rest = t[n..].trim();
    let rest = rest.strip_prefix("的").unwrap_or(rest);
    (vocab::field_of(rest) == Some(Field::Subtasks)).then(|| t[..n].to_string())
}

/// A milestone state in a heading group: its first word is a status (`DONE, 2026-01-05`,
/// `IN_PROGRESS`, `已完成`).
fn milestone_state(group: &str) -> Option<Status> {
    vocab::status_exact(group.split([',', '，', ' ']).next().unwrap_or(""))
}

fn is_state_group(g: &str) -> bool {
    milestone_state(g).is_some()
        || g.eq_ignore_ascii_case("TBD")
        || g.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("POST "))
}

struct HeadingParts {
    id: Option<String>,
    letter: Option<String>,
    name: String,
    priority: Option<Priority>,
    remark: Option<String>,
}

/// `5.2 Track B — Onboarding（可选，P1）(IN_PROGRESS)` → id, letter, name, priority, remark.
fn parse_heading(text: &str) -> HeadingParts {
    let mut t = text.trim();
    let mut id = None;
    if let Some(n) = vocab::id_len(t) {
        if t.starts_with(|c: char| c.is_ascii_digit()) {
            id = Some(t[..n].to_string());
            t = t[n..].trim_start_matches(['.', ' ', '、']).trim_start();
        }
    }
    // A status emoji suffix: `M3 Beta ✅ 已完成 (2026-01-05)`.
    let mut remark = None;
    if let Some(p) = t.find(vocab::starts_emoji).filter(|&p| p > 0) {
        remark = Some(t[p..].trim().to_string());
        t = t[..p].trim_end();
    }
    let (_, groups) = vocab::trailing_groups(t);
    let mut priority = None;
    for g in &groups {
        if let Some(p) = vocab::find_priority(g.inner) {
            priority = priority.or(Some(p));
            // `（可选，P1）`: the words besides the priority are a remark.
            let others: Vec<&str> = g
                .inner
                .split([',', '，', ' ', '、'])
                .filter(|w| !w.is_empty() && vocab::priority_token(w).is_none())
                .collect();
            if !others.is_empty() {
                remark = Some(others.join(", "));
            }
        } else if is_state_group(g.inner) {
            remark = Some(g.inner.to_string());
        }
    }
    let kept = vocab::without_groups(t, &groups, |g| {
        vocab::find_priority(g).is_some() || is_state_group(g)
    });
    let (letter, name) = match vocab::track_letter(&kept) {
        Some((letter, before, after)) => {
            let name = if after.is_empty() {
                before
                    .trim()
                    .trim_end_matches(['—', '–', '-', ':', '：'])
                    .trim()
            } else {
                after
            };
            (Some(letter), name.trim().to_string())
        }
        None => (None, kept.trim().to_string()),
    };
    HeadingParts {
        id,
        letter,
        name,
        priority,
        remark,
    }
}

/// The column of `rows` most of whose cells are state words (`已完成`, `done`, `✅`),
/// when there is one: (line of its first such row, how many such rows, the distinct
/// words, at most three).
fn state_rows(rows: &[Row]) -> Option<(u32, usize, Vec<String>)> {
    let width = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let mut best: Option<(u32, usize, Vec<String>)> = None;
    for col in 0..width {
        let (mut first, mut n, mut words) = (None, 0, Vec::<String>::new());
        for row in rows {
            let word = cell_word(row, col);
            let word = word.as_str();
            if vocab::status_exact(word).is_none() {
                continue;
            }
            first.get_or_insert(row.line);
            n += 1;
            if words.len() < 3 && !words.iter().any(|w| w == word) {
                words.push(word.to_string());
            }
        }
        let enough = n >= 2 && n * 2 >= rows.len();
        if enough && best.as_ref().is_none_or(|b| n > b.1) {
            best = first.map(|line| (line, n, words));
        }
    }
    best
}

/// A cell's plain text without surrounding spaces or bold stars (empty past the row's
/// end).
fn cell_word(row: &Row, col: usize) -> String {
    let text = row
        .cells
        .get(col)
        .map(|c| segs_plain(c))
        .unwrap_or_default();
    text.trim().trim_matches('*').trim().to_string()
}

/// Every id cell of the table is a row number (`1`, `2`, …, or empty).
fn is_checklist(rows: &[Row], id_col: usize) -> bool {
    let mut numbered = 0;
    for row in rows {
        let id = cell_word(row, id_col);
        if id.is_empty() {
            continue;
        }
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        numbered += 1;
    }
    numbered > 0
}

/// A dependency statement adds at most this many dependencies.
const MAX_STATEMENT_EDGES: usize = 10_000;

/// Add `more` to `deps`, each once (a set when there are many: a long run of `[P]`
/// tasks before one without the mark must not cost its square).
fn add_deps(deps: &mut super::model::TaskRefs, more: &[usize]) {
    if deps.len() + more.len() <= 32 {
        for &d in more {
            if !deps.contains(&d) {
                deps.push(d);
            }
        }
        return;
    }
    let mut have: std::collections::HashSet<usize> = deps.iter().copied().collect();
    for &d in more {
        if have.insert(d) {
            deps.push(d);
        }
    }
}

/// The marks a spec tool writes before a task's title.
#[derive(Default, Debug)]
struct Marks {
    parallel: bool,
    optional: bool,
    story: Option<String>,
}

/// Take `[P]`, `(P)`, with `stories` a story tag (`[US1]`, `[API]`) and, with `stars`,
/// an optional mark (`*` after the box or the id) off the start of a title.
fn take_marks(title: &mut String, stars: bool, stories: bool) -> Marks {
    let mut m = Marks::default();
    // (One cut at the end: a title of many marks costs its length, not its square.)
    let mut at = 0;
    loop {
        let rest = &title[at..];
        let t = rest.trim_start();
        let lead = rest.len() - t.len();
        let cut = if stars && t.starts_with('*') {
            m.optional = true;
            1
        } else if t.starts_with("[P]") || t.starts_with("(P)") {
            m.parallel = true;
            3
        } else if t.starts_with("（P）") {
            m.parallel = true;
            "（P）".len()
        } else if let Some(tag) = story_tag(t).filter(|_| stories) {
            if m.story.is_none() {
                m.story = Some(tag.to_string());
            }
            tag.len() + 2
        } else {
            at += lead;
            break;
        };
        at += lead + cut;
    }
    title.drain(..at);
    // `T016 Models in `src/models/` [P]`: the mark written last.
    let t = title.trim_end();
    if let Some(rest) = t.strip_suffix("[P]").or_else(|| t.strip_suffix("(P)")) {
        if rest.ends_with(' ') {
            m.parallel = true;
            title.truncate(rest.trim_end().len());
        }
    }
    m
}

/// `[US1]`, `[API]`, `[Story-2]` at the start of `t`: a short tag without spaces that is
/// not a status box.
fn story_tag(t: &str) -> Option<&str> {
    let inner = t.strip_prefix('[')?;
    let end = inner.find(']')?;
    let tag = &inner[..end];
    let ok = (2..=16).contains(&tag.len())
        && tag.starts_with(|c: char| c.is_ascii_alphabetic())
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    ok.then_some(tag)
}

/// The priority a story heading gives (`User Story 1 - Export (Priority: P1) 🎯 MVP`).
fn story_priority(text: &str) -> Option<Priority> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("priority")?;
    vocab::find_priority(
        text.get(at + "priority".len()..)?
            .split([')', '）'])
            .next()?,
    )
}

/// `Phase 2: Foundational`, `Phase 3.1: Setup`: ("Phase 2", "Foundational").
fn phase_heading(text: &str) -> Option<(String, String)> {
    let t = text.trim();
    let rest = t
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("phase "))
        .map(|_| &t[6..])?;
    let n = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let num = rest[..n].trim_end_matches('.');
    if num.is_empty() {
        return None;
    }
    let label = rest[n..]
        .trim_start_matches([':', '：', ' ', '-', '—', '–'])
        .trim();
    Some((format!("Phase {num}"), label.to_string()))
}

/// `T002a Title`: a Spec Kit id with a letter after its number.
fn lettered_id(title: &str) -> Option<(String, String)> {
    let t = title.trim_start();
    let b = t.as_bytes();
    let digits = b.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
    let end = 1 + digits + 1;
    let ok = b.first() == Some(&b'T')
        && digits > 0
        && b.get(end - 1).is_some_and(u8::is_ascii_lowercase)
        && b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
    ok.then(|| (t[..end].to_string(), t[end..].trim_start().to_string()))
}

/// GSD's ids: a phase line `Phase 2.1: Title - what` (id `2.1`) or a plan `02-01: Title`.
fn gsd_id(title: &str) -> Option<(String, String)> {
    let t = title.trim();
    if let Some((label, rest)) = phase_heading(t) {
        return Some((label.trim_start_matches("Phase ").to_string(), rest));
    }
    let n = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(t.len());
    let id = t[..n].trim_end_matches('-');
    let (phase, plan) = id.split_once('-')?;
    let ok = !phase.is_empty()
        && !plan.is_empty()
        && plan.bytes().all(|b| b.is_ascii_digit())
        && phase.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    // `01-01: Title`, `01-01-PLAN.md — Title`.
    let rest = t[id.len()..].trim_start_matches('-');
    let rest = rest
        .strip_prefix("PLAN.md")
        .or_else(|| rest.strip_prefix("plan.md"))
        .unwrap_or(rest);
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix([':', '：'])
        .or_else(|| rest.strip_prefix('—'))
        .or_else(|| rest.strip_prefix("- "))
        .or_else(|| rest.is_empty().then_some(""))?;
    ok.then(|| (id.to_string(), rest.trim().to_string()))
}

/// What GSD text depends on: phases (`Phase 2.1`; `Phase 1 through Phase 5` is a
/// range) and plans (`02-01`).
fn gsd_refs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut last_phase: Option<(String, usize)> = None;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        if let Some(num) = rest.strip_prefix("Phase ") {
            let n = num
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(num.len());
            let id = num[..n].trim_end_matches('.');
            if !id.is_empty() {
                // `Phase 1 through Phase 5`, `Phase 1–Phase 5`.
                let between = last_phase.as_ref().map(|(_, end)| text[*end..i].trim());
                match (between, &last_phase) {
                    (Some("through" | "to" | "-" | "–" | "—" | "~"), Some((first, _))) => {
                        let first = first.clone();
                        out.retain(|x| *x != first);
                        out.push(format!("{first}~{id}"));
                    }
                    _ => out.push(id.to_string()),
                }
                last_phase = Some((id.to_string(), i + 6 + n));
            }
            i += 6 + n;
            continue;
        }
        let at_word = i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'#';
        if at_word && b[i].is_ascii_digit() {
            let n = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .unwrap_or(rest.len());
            let id = rest[..n].trim_end_matches(['-', '.']);
            if let Some((p, q)) = id.split_once('-') {
                let plan_like = !p.is_empty()
                    && !q.is_empty()
                    && q.bytes().all(|c| c.is_ascii_digit())
                    && p.bytes().all(|c| c.is_ascii_digit() || c == b'.');
                if plan_like && !out.iter().any(|x| x == id) {
                    out.push(id.to_string());
                }
            }
            i += n.max(1);
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// `**Checkpoint**: User Story 1 works on its own` → the text after the label.
fn checkpoint_line(t: &str) -> Option<&str> {
    let t = t.trim_start_matches(['*', ' ']);
    t.get(..10)
        .filter(|p| p.eq_ignore_ascii_case("checkpoint"))?;
    let r = t[10..].trim_start_matches(['*', ' ']);
    r.strip_prefix([':', '：'])
        .map(|r| r.trim_start_matches(['*', ' ']).trim())
}

/// `T001`..`T009` (same prefix, same width): every id between, as written.
fn prefixed_range(a: &str, b: &str) -> Option<Vec<String>> {
    if let Some(v) = numeric_range(a, b) {
        return Some(v);
    }
    fn split(s: &str) -> Option<(&str, &str)> {
        let d = s.find(|c: char| c.is_ascii_digit())?;
        let (p, n) = s.split_at(d);
        n.bytes().all(|c| c.is_ascii_digit()).then_some((p, n))
    }
    let ((pa, na), (pb, nb)) = (split(a)?, split(b)?);
    if pa != pb || na.len() > 9 || nb.len() > 9 {
        return None;
    }
    let (x, y): (u32, u32) = (na.parse().ok()?, nb.parse().ok()?);
    if x > y || y - x > 500 {
        return None;
    }
    let w = na.len();
    Some((x..=y).map(|n| format!("{pa}{n:0w$}")).collect())
}

/// File paths written in a spec task's text: code spans that name paths, and plain
/// words that clearly are files (a `/` and a file extension, a directory ending in `/`,
/// a glob).
fn paths_in_text(text: &str, line: u32, out: &mut Vec<PathRef>) {
    let n_parts = text.bytes().filter(|&b| b == b'`').count() + 1;
    for (i, part) in text.split('`').enumerate() {
        let inside = i % 2 == 1 && i + 1 < n_parts;
        if inside {
            // In prose a code span is as often an identifier or a key (`toolbar.*`,
            // `**…**`) as a path: only file-shaped ones count.
            let span = part.trim();
            if !(file_like(span) || bare_file_name(span)) {
                continue;
            }
            if let Some((path, range)) = vocab::as_path(span) {
                out.push(PathRef {
                    path,
                    range,
                    note: None,
                    line,
                });
            }
            continue;
        }
        // Every path outside a code span has a `/` (`file_like`): most prose has none.
        if !part.contains('/') {
            continue;
        }
        for word in part.split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | ';' | '(' | ')' | '（' | '）' | '，' | '、' | '"' | '\''
                )
        }) {
            let w = word.trim_end_matches(['.', ':', '。', '：']);
            // (The cheap test first: most words have no `/`.)
            if !file_like(w) || w.contains("://") {
                continue;
            }
            if let Some((path, range)) = vocab::as_path(w) {
                out.push(PathRef {
                    path,
                    range,
                    note: None,
                    line,
                });
            }
        }
    }
}

/// A file name without a directory whose extension is a common source, config or
/// document one (`schema.rs`, `package.json`); not an identifier (`config.timeout`).
fn bare_file_name(w: &str) -> bool {
    const EXT: &[&str] = &[
        "rs", "py", "ts", "tsx", "js", "jsx", "mjs", "cjs", "go", "java", "kt", "swift", "rb",
        "php", "cs", "c", "h", "cc", "cpp", "hpp", "vue", "svelte", "css", "scss", "html", "md",
        "json", "yaml", "yml", "toml", "sql", "sh", "proto", "graphql", "tf", "dart", "ex", "exs",
        "lua", "mjml", "xml", "ini", "lock", "gradle", "conf",
    ];
    if w.contains(['/', '*', '?', ' ', '…']) {
        return false;
    }
    match w.rsplit_once('.') {
        Some((stem, ext)) => !stem.is_empty() && EXT.contains(&ext.to_ascii_lowercase().as_str()),
        None => false,
    }
}

/// A plain word that is a file path: it has a `/` and ends in a file name with an
/// extension (`src/models/user.py`), or a directory (`src/models/`), or a glob.
fn file_like(w: &str) -> bool {
    if !w.contains('/') || w.len() < 3 {
        return false;
    }
    let w = w.split(':').next().unwrap_or(w);
    if w.ends_with('/') {
        return w.len() > 1
            && w.bytes().filter(|&b| b == b'/').count() >= 1
            && !w.starts_with("//");
    }
    if w.contains('*') {
        return true;
    }
    let last = w.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && (1..=6).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric())
                && ext.bytes().any(|b| b.is_ascii_alphabetic())
        }
        None => false,
    }
}
