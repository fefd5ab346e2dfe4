//! The plan model: files → tracks → tasks, with checkpoints, questions, criteria and
//! diagnostics. Every item keeps the file and line it was read from.

use serde::Serialize;
use std::fmt;

/// Where something was read: a plan file (index into `Plan::files`) and a 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: usize,
    pub line: u32,
}

/// A task id as written in the plan (`5.2.1`, `T4.6.3`, `WP-3`) or derived (`A#3`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TaskId(pub compact_str::CompactString);

impl TaskId {
    /// The form two mentions of one task share inside a file: upper case, and a `T`
    /// prefix in front of dotted numbers dropped (`T1.1` and `1.1` are the same task).
    pub fn key(&self) -> String {
        id_key(&self.0)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for TaskId {
    fn from(s: String) -> Self {
        TaskId(s.into())
    }
}

impl From<&str> for TaskId {
    fn from(s: &str) -> Self {
        TaskId(s.into())
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// See [`TaskId::key`].
pub fn id_key(id: &str) -> String {
    let up = id.trim().to_uppercase();
    if let Some(rest) = up.strip_prefix('T') {
        if rest.starts_with(|c: char| c.is_ascii_digit())
            && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            return rest.to_string();
        }
    }
    up
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    InProgress,
    Blocked,
    Done,
    Dropped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InProgress => "in_progress",
            Status::Blocked => "blocked",
            Status::Done => "done",
            Status::Dropped => "dropped",
        }
    }
    /// Finished one way or another: nothing left to do for it.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Done | Status::Dropped)
    }
    /// The checkbox a person would write for this state.
    pub fn checkbox(self) -> &'static str {
        match self {
            Status::Pending => "[ ]",
            Status::InProgress => "[~]",
            Status::Blocked => "[!]",
            Status::Done => "[x]",
            Status::Dropped => "[-]",
        }
    }
}

/// `P0` (most urgent) to `P3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(pub u8);

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.0)
    }
}

impl Serialize for Priority {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A path named by a task (touch point, as-built entry point or reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    /// File, directory (trailing `/`) or glob, relative to the repository root.
    pub path: String,
    /// A line range written after the path (`file.ts:241-247`).
    pub range: Option<String>,
    /// A parenthesised note after the span (`（或新增文档）`).
    pub note: Option<String>,
    pub line: u32,
}

/// The tool a plan file was written with: it decides how the file is read
/// (PLAN_FORMAT.md §7). Hand-written plans are `Markdown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Markdown,
    /// GitHub Spec Kit: `specs/NNN-feature/tasks.md`.
    SpecKit,
    /// Kiro or cc-sdd: `.kiro/specs/<name>/tasks.md`.
    Kiro,
    /// OpenSpec: `openspec/changes/<change>/tasks.md`.
    #[serde(rename = "openspec")]
    OpenSpec,
    /// Backlog.md: one task per file with YAML front matter.
    BacklogMd,
    /// Taskmaster: `tasks.json`, tagged or legacy.
    Taskmaster,
    /// BMAD: `sprint-status.yaml`.
    Bmad,
    /// GSD: `.planning/ROADMAP.md`.
    Gsd,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::SpecKit => "spec_kit",
            Format::Kiro => "kiro",
            Format::OpenSpec => "openspec",
            Format::BacklogMd => "backlog_md",
            Format::Taskmaster => "taskmaster",
            Format::Bmad => "bmad",
            Format::Gsd => "gsd",
        }
    }
    /// How people name it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "markdown plan",
            Format::SpecKit => "Spec Kit tasks",
            Format::Kiro => "Kiro spec tasks",
            Format::OpenSpec => "OpenSpec change tasks",
            Format::BacklogMd => "Backlog.md task",
            Format::Taskmaster => "Taskmaster tasks",
            Format::Bmad => "BMAD sprint status",
            Format::Gsd => "GSD roadmap",
        }
    }
}

/// What some formats say of a task beyond the common fields (boxed: most tasks of a
/// hand-written plan have none of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskExtra {
    /// The user story or module tag (`[US1]`, `[API]`).
    pub story: Option<String>,
    /// Requirement numbers it serves (`_Requirements: 1.2, 3.4_`).
    pub requirements: Vec<String>,
    /// The Taskmaster tag it is filed under.
    pub tag: Option<String>,
    pub assignee: Vec<String>,
    pub labels: Vec<String>,
    /// The plan's own words setting the task aside (`暂缓`, `deferred until v2`).
    pub parked: Option<String>,
}

/// Tasks named by index (a task's subtasks, its dependencies): most tasks name none or
/// one or two, which are kept in place rather than allocated.
pub type TaskRefs = smallvec::SmallVec<[usize; 2]>;

/// How a task came to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskForm {
    ListItem,
    TableRow,
    Heading,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: TaskId,
    /// `id.key()` when it differs from the id (`T1.1` → `1.1`); see [`Task::key`].
    key: Option<String>,
    /// True when the plan gave no id and `id` was derived from track and position.
    pub derived_id: bool,
    pub title: String,
    /// The state written in the plan (derived from subtasks where the plan gives none).
    pub status: Status,
    /// Whether `status` was written (checkbox, status cell or field) or derived.
    pub status_written: bool,
    pub priority: Option<Priority>,
    pub track: usize,
    pub parent: Option<usize>,
    pub subtasks: TaskRefs,
    /// Resolved explicit dependencies (task indices).
    pub deps: TaskRefs,
    pub touch_points: Vec<PathRef>,
    pub as_built: Vec<PathRef>,
    pub references: Vec<PathRef>,
    /// Code spans that are not paths (commands, identifiers).
    pub mentions: Vec<String>,
    /// Definition of done: most tasks that have one write it on one line, kept in place.
    pub dod: smallvec::SmallVec<[String; 1]>,
    pub background: Vec<String>,
    /// Other text kept with the task: remarks, notes cells, unrecognised fields.
    pub notes: Vec<String>,
    pub span: Span,
    pub form: TaskForm,
    /// Checkpoint the task belongs to (directly or through its parent).
    pub checkpoint: Option<usize>,
    /// The innermost heading it is written under (index into `Plan::sections`); u32
    /// keeps the task as small as it was (it is moved around a lot while parsing).
    pub section: Option<u32>,
    /// The plan marks it safe to do alongside its neighbours (`[P]`, `(P)`).
    pub parallel: bool,
    /// The plan marks it optional (`[ ]*`, `1.2*`): listed, never ahead of required
    /// work, and its parent is done without it.
    pub optional: bool,
    pub extra: Option<Box<TaskExtra>>,
}

impl Task {
    /// The format-specific facts, made on first write.
    pub fn extra_mut(&mut self) -> &mut TaskExtra {
        self.extra.get_or_insert_with(Default::default)
    }

    /// How other mentions in the file find this task (`T1.1` and `1.1` alike).
    pub fn key(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.id.0)
    }

    /// Change the id (derived ids are given after parsing).
    pub fn set_id(&mut self, id: TaskId) {
        self.key = Task::key_of(&id);
        self.id = id;
    }

    fn key_of(id: &TaskId) -> Option<String> {
        let simple = !id.0.starts_with(['T', 't'])
            && !id.0.bytes().any(|b| b.is_ascii_lowercase() || b == b' ');
        if simple {
            None
        } else {
            let k = id.key();
            (k != id.0).then_some(k)
        }
    }

    pub fn new(id: TaskId, derived_id: bool, title: String, span: Span, form: TaskForm) -> Self {
        Task {
            key: Task::key_of(&id),
            id,
            derived_id,
            title,
            status: Status::Pending,
            status_written: false,
            priority: None,
            track: 0,
            parent: None,
            subtasks: Default::default(),
            deps: Default::default(),
            touch_points: Vec::new(),
            as_built: Vec::new(),
            references: Vec::new(),
            mentions: Vec::new(),
            dod: Default::default(),
            background: Vec::new(),
            notes: Vec::new(),
            span,
            form,
            checkpoint: None,
            section: None,
            parallel: false,
            optional: false,
            extra: None,
        }
    }
}

/// How a group of tasks was named in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    /// A heading that names a track (`Track B`) or carries a priority, or a workstream entry.
    Track,
    /// The nearest section heading of tasks outside any track heading.
    Section,
    /// Tasks of a file that sit under no heading at all.
    File,
}

#[derive(Debug, Clone)]
pub struct Track {
    /// Unique across the plan: the letter, else the numeric id, else a slug of the name.
    pub key: String,
    pub letter: Option<String>,
    pub id: Option<String>,
    pub name: String,
    pub priority: Option<Priority>,
    pub kind: TrackKind,
    /// A state written on the heading (`(DONE, 2026-01-05)`, `🚧 进行中`).
    pub remark: Option<String>,
    pub span: Span,
    /// Tasks directly in the track (top-level ones, in plan order).
    pub tasks: Vec<usize>,
    /// The plan lists it among workstreams it declares parallel.
    pub parallel: bool,
}

/// A heading of a plan file, with the heading it sits under.
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub parent: Option<u32>,
    pub span: Span,
    /// The plan's own words setting the section aside, from its heading (`### S5 Admin
    /// 列表（暂缓）`) or a quote right under it (`> **暂缓**：…`, `> Deferred until …`).
    pub parked: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub id: String,
    pub label: Option<String>,
    /// Task ids as written, ranges already expanded where they could be.
    pub task_ids: Vec<String>,
    pub tasks: Vec<usize>,
    pub span: Span,
    /// The plan says in words that what follows waits for it ("blocks", "must finish
    /// before", "必须先", "阻塞"). Otherwise checkpoint order is only a preference.
    pub gate: bool,
    /// A phase of one file (a Spec Kit phase): its order and gate hold only for the
    /// tasks of that file (index into `Plan::files`).
    pub scope: Option<usize>,
}

/// Where an open question came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionSource {
    /// An item of an open-questions section.
    Section,
    /// A `TBD` in a task or field.
    Tbd,
}

#[derive(Debug, Clone)]
pub struct Question {
    /// Stable short id (`Q-7f3a`) computed from the text, so it survives re-parsing.
    pub id: String,
    pub text: String,
    pub task: Option<usize>,
    pub source: QuestionSource,
    pub span: Span,
}

/// An acceptance / go-no-go / progress checklist entry: kept, never a task.
#[derive(Debug, Clone)]
pub struct Criterion {
    pub section: String,
    pub text: String,
    pub status: Option<Status>,
    pub span: Span,
}

/// A conflict the plan itself declares (`Track B <-> Track C：…`).
#[derive(Debug, Clone)]
pub struct DeclaredConflict {
    /// Track references as written (`B`, `C`).
    pub tracks: Vec<String>,
    pub text: String,
    pub paths: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Plan file path, or the glob / config it concerns.
    pub file: String,
    /// 1-based line; 0 when the diagnostic concerns a whole file or glob.
    pub line: u32,
    pub message: String,
}

/// One plan file as given to the parser.
#[derive(Debug, Clone)]
pub struct PlanFile {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    /// `> 状态：进行中`-style metadata from the top of the file.
    pub meta: Vec<(String, String)>,
    /// How the file was read.
    pub format: Format,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub files: Vec<PlanFile>,
    pub tracks: Vec<Track>,
    pub tasks: Vec<Task>,
    pub checkpoints: Vec<Checkpoint>,
    pub questions: Vec<Question>,
    pub criteria: Vec<Criterion>,
    pub declared_conflicts: Vec<DeclaredConflict>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every heading, in plan order.
    pub sections: Vec<Section>,
}

impl Plan {
    /// How a track is named to people: `Track A — Billing (P0)`, `5.2 Onboarding`,
    /// `tasks.md (no section)`.
    pub fn track_title(&self, ti: usize) -> String {
        use std::fmt::Write as _;
        let tr = &self.tracks[ti];
        let mut s = String::new();
        match (&tr.letter, tr.kind) {
            (Some(l), _) => {
                let _ = write!(s, "Track {l} — {}", tr.name);
            }
            (None, TrackKind::File) => {
                let _ = write!(s, "{} (no section)", tr.name);
            }
            (None, _) => {
                if let Some(id) = &tr.id {
                    let _ = write!(s, "{id} ");
                }
                s.push_str(&tr.name);
            }
        }
        if let Some(p) = tr.priority {
            let _ = write!(s, " ({p})");
        }
        s
    }

    pub fn file_of(&self, span: Span) -> &str {
        self.files
            .get(span.file)
            .map(|f| f.path.as_str())
            .unwrap_or("")
    }

    /// The task is finished: it and every required subtask below it is done or
    /// dropped (an optional subtask left open does not hold its parent back).
    /// Walks the subtree with a stack of its own: nesting as deep as the input allows
    /// must not overflow a thread's stack.
    pub fn is_finished(&self, t: usize) -> bool {
        let task = &self.tasks[t];
        if task.subtasks.is_empty() {
            return task.status.is_closed();
        }
        let mut todo = vec![t];
        while let Some(t) = todo.pop() {
            let task = &self.tasks[t];
            if !task.status.is_closed() {
                return false;
            }
            todo.extend(
                task.subtasks
                    .iter()
                    .copied()
                    .filter(|&c| !self.tasks[c].optional),
            );
        }
        true
    }

    /// Nothing at all is left in the task's tree, optional work included.
    pub fn is_all_closed(&self, t: usize) -> bool {
        let mut todo = vec![t];
        while let Some(t) = todo.pop() {
            let task = &self.tasks[t];
            if !task.status.is_closed() {
                return false;
            }
            todo.extend_from_slice(&task.subtasks);
        }
        true
    }

    /// How many tasks each file holds (by index into `files`).
    pub fn tasks_per_file(&self) -> Vec<usize> {
        let mut n = vec![0; self.files.len()];
        for t in &self.tasks {
            if let Some(c) = n.get_mut(t.span.file) {
                *c += 1;
            }
        }
        n
    }

    /// The format a task's file was read as.
    pub fn format_of(&self, t: usize) -> Format {
        self.files
            .get(self.tasks[t].span.file)
            .map_or(Format::Markdown, |f| f.format)
    }

    /// The task's priority, else its parent's, else its track's.
    pub fn effective_priority(&self, t: usize) -> Option<Priority> {
        let mut cur = Some(t);
        while let Some(i) = cur {
            if let Some(p) = self.tasks[i].priority {
                return Some(p);
            }
            cur = self.tasks[i].parent;
        }
        self.tracks
            .get(self.tasks[t].track)
            .and_then(|tr| tr.priority)
    }

    /// Find tasks by id (any written form; `file.md:ID` narrows to one file).
    pub fn find_tasks(&self, query: &str) -> Vec<usize> {
        let (file, id) = match query.rsplit_once(':') {
            Some((f, i)) if f.ends_with(".md") => (Some(f), i),
            _ => (None, query),
        };
        let key = id_key(id);
        (0..self.tasks.len())
            .filter(|&i| self.tasks[i].key() == key)
            .filter(|&i| {
                file.is_none_or(|f| {
                    let p = self.file_of(self.tasks[i].span);
                    p == f || p.ends_with(&format!("/{f}"))
                })
            })
            .collect()
    }

    /// How many tasks are finished (done, dropped, or with every subtask finished).
    pub fn finished_count(&self) -> usize {
        (0..self.tasks.len())
            .filter(|&t| self.is_finished(t))
            .count()
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
}
