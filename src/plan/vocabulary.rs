//! The words and marks of plan files, in English and Chinese: one table of field labels
//! and column headers ([`FIELDS`]), one table of status marks and words ([`STATUSES`]),
//! and the shapes of task ids, priorities, dependency phrases and path-looking spans.
//!
//! A convention is added as one word in a table: every place a label, header or status
//! can be written (a `Label: value` line, a table header, a checkbox, a status cell, a
//! `Status:` field, a legend, a milestone heading) reads the same table, and the tests
//! in tests/plan_vocabulary.rs walk every word through every such place.

use super::model::{Format, Priority, Status};

/// What a field label or column header stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Id, title and notes only name table columns: a `Notes: …` line under a task is
    /// itself a note, and a `Task: …` line is not a second title.
    Id,
    Title,
    Notes,
    Status,
    Priority,
    Depends,
    TouchPoints,
    AsBuilt,
    References,
    Dod,
    Background,
    Subtasks,
    /// Requirement numbers a task serves (Kiro's `_Requirements: 1.2, 3.4_`).
    Requirements,
}

/// Field labels and column headers, by field. Compared case-insensitively (ASCII), after
/// a parenthesised note (`As-built（实现入口）`) is dropped.
#[rustfmt::skip]
pub const FIELDS: &[(Field, &[&str])] = &[
    (Field::Id, &["id", "#", "no.", "task id", "编号", "任务编号"]),
    (Field::Title, &["task", "title", "name", "description", "任务", "名称", "任务名称", "描述",
        "问题描述", "タスク", "タスク名"]),
    (Field::Notes, &["notes", "note", "remarks", "备注", "说明", "メモ", "備考"]),
    (Field::Status, &["status", "state", "状态", "开发状态", "完成状态", "当前状态", "状態",
        "ステータス"]),
    (Field::Priority, &["priority", "prio", "优先级", "優先度"]),
    (Field::Depends, &["depends on", "depends", "dependencies", "dependency", "deps", "blocked by",
        "依赖", "前置", "前置依赖", "依存", "依存関係"]),
    (Field::TouchPoints, &["touch points", "touch point", "touchpoints", "touches",
        "files", "涉及文件", "改动点", "触点"]),
    (Field::AsBuilt, &["as-built", "as built", "implemented in",
        "implementation entry points", "实现入口"]),
    (Field::References, &["references", "refs", "参考"]),
    (Field::Dod, &["dod", "done when", "definition of done", "验收", "完成标准", "完了条件"]),
    (Field::Background, &["background", "context", "goal", "背景", "目标"]),
    (Field::Subtasks, &["subtasks", "sub-tasks", "子任务"]),
    (Field::Requirements, &["requirements", "requirement", "reqs", "需求", "要件"]),
];

/// Status marks and words, by status. Boxes (`[~]`) and emoji are marks: they may lead a
/// list item. Words (`done`, `完成`) are read in status cells, `Status:` fields, legends
/// and milestone headings, never at the start of a bullet, where they are prose.
/// Matching is case-insensitive (ASCII); the longest word that matches wins.
#[rustfmt::skip]
pub const STATUSES: &[(Status, &[&str])] = &[
    (Status::Done, &["[x]", "✅", "☑", "☑️", "✔", "✔️", "done", "completed", "complete",
        "完成", "已完成", "完了", "完了済み"]),
    (Status::InProgress, &["[~]", "🚧", "🔄", "in progress", "in_progress", "in-progress",
        "wip", "进行中", "進行中", "対応中", "作業中"]),
    (Status::Pending, &["[ ]", "⏳", "⬜", "📝", "todo", "to do", "pending", "planned",
        "not started", "未开始", "待开始", "未完成", "待开发", "待办", "未着手", "未対応"]),
    (Status::Dropped, &["[-]", "❌", "⏭", "⏭️", "dropped", "cancelled", "canceled", "skipped",
        "superseded", "取消", "废弃", "中止"]),
    (Status::Blocked, &["[!]", "⛔", "blocked", "阻塞", "ブロック中"]),
];

/// Status words the tools write in their own files, read in those files on top of
/// [`STATUSES`] (which every format reads): (format, status, keep the word as a note,
/// words). A Taskmaster `review` or `deferred` says more than the state it maps to, so
/// the word is kept.
#[rustfmt::skip]
pub const TOOL_STATUSES: &[(Format, Status, bool, &[&str])] = &[
    (Format::Taskmaster, Status::Pending, false, &["to-do"]),
    (Format::Taskmaster, Status::InProgress, true, &["review", "in-review"]),
    (Format::Taskmaster, Status::Blocked, true, &["deferred"]),
    (Format::BacklogMd, Status::Pending, false, &["backlog", "open", "new", "ready"]),
    (Format::BacklogMd, Status::InProgress, false, &["doing", "review", "in review"]),
    (Format::BacklogMd, Status::Done, false, &["closed"]),
    (Format::BacklogMd, Status::Blocked, false, &["on hold"]),
    (Format::BacklogMd, Status::Dropped, false, &["won't do", "wont do", "archived"]),
    (Format::Bmad, Status::Pending, false, &["backlog", "drafted", "ready-for-dev", "contexted",
        "optional"]),
    (Format::Bmad, Status::InProgress, false, &["review", "partial"]),
];

/// A whole status word in a file of `format`: the tool's own words first, then
/// [`STATUSES`]; and whether the word is worth keeping as a note.
pub fn tool_status(format: Format, word: &str) -> Option<(Status, bool)> {
    let w = word.trim();
    TOOL_STATUSES
        .iter()
        .filter(|row| row.0 == format)
        .find(|row| row.3.iter().any(|x| x.eq_ignore_ascii_case(w)))
        .map(|row| (row.1, row.2))
        .or_else(|| status_exact(w).map(|s| (s, false)))
}

/// Every (word, meaning) of a table.
fn words<T: Copy>(
    table: &'static [(T, &'static [&'static str])],
) -> impl Iterator<Item = (&'static str, T)> {
    table
        .iter()
        .flat_map(|&(m, ws)| ws.iter().map(move |&w| (w, m)))
}

/// The field a label or column header names (see [`FIELDS`]).
pub fn field_of(label: &str) -> Option<Field> {
    let l = label.trim_matches(|c: char| c.is_whitespace() || c == '*');
    // Drop a parenthesised note: `As-built（实现入口）`.
    let l = match groups_from_end(l).last() {
        Some(g) if !l[..g.outer.start].trim_end().is_empty() => l[..g.outer.start].trim_end(),
        _ => l,
    };
    // A label is compared with the words of its length only (in table order).
    static BY_LENGTH: std::sync::OnceLock<Vec<Vec<(&str, Field)>>> = std::sync::OnceLock::new();
    let by_length = BY_LENGTH.get_or_init(|| {
        let mut v: Vec<Vec<(&str, Field)>> = Vec::new();
        for (w, f) in words(FIELDS) {
            if v.len() <= w.len() {
                v.resize(w.len() + 1, Vec::new());
            }
            v[w.len()].push((w, f));
        }
        v
    });
    let same_length = by_length.get(l.len())?;
    // (Every word is lower case: most are let go at their first byte.)
    let first = l.as_bytes().first()?.to_ascii_lowercase();
    same_length
        .iter()
        .find(|(w, _)| w.as_bytes()[0] == first && w.eq_ignore_ascii_case(l))
        .map(|&(_, f)| f)
}

/// A `Label（note）：value` line of a task, split into its field and value; `None` when
/// the text before the first colon (ASCII or full-width) names no field a line can set.
pub fn split_field(text: &str) -> Option<(Field, &str)> {
    split_field_at(text).map(|(f, v, _)| (f, v))
}

/// `text` split at its first colon, ASCII or full-width (`：`, EF BC 9A): the text before
/// it and after it. (One vectorised search for `:` or the first byte of `：`; a search
/// for either character decodes every character before it.)
pub fn split_at_colon(text: &str) -> Option<(&str, &str)> {
    let b = text.as_bytes();
    let at = memchr::memchr2_iter(b':', 0xEF, b)
        .find(|&i| b[i] == b':' || b[i + 1..].starts_with(&[0xBC, 0x9A]))?;
    let width = if b[at] == b':' { 1 } else { '：'.len_utf8() };
    Some((&text[..at], &text[at + width..]))
}

/// [`split_field`], with the byte offset of the colon in `text`.
pub fn split_field_at(text: &str) -> Option<(Field, &str, usize)> {
    let (label, value) = split_at_colon(text)?;
    let field = field_of(label)?;
    if matches!(field, Field::Id | Field::Title | Field::Notes) {
        return None;
    }
    Some((field, value.trim(), label.len()))
}

/// Whether a status row is a mark (a box or an emoji) rather than a word.
fn is_mark(row: &str) -> bool {
    !row.starts_with(char::is_alphanumeric)
}

/// The longest status row `text` starts with (after spaces), among rows `which`
/// accepts, and the rest of the text. A word must end at a word boundary (`done` but
/// not `doneness`).
fn status_row(text: &str, which: impl Fn(&str) -> bool) -> Option<(Status, &str)> {
    let t = text.trim_start();
    let first = t.as_bytes().first()?.to_ascii_lowercase();
    let mut best: Option<(usize, Status)> = None;
    for (w, s) in words(STATUSES) {
        // (Every word is lower case: most are let go at their first byte.)
        if w.as_bytes()[0] != first {
            continue;
        }
        let Some(rest) = strip_prefix_ci(t, w) else {
            continue;
        };
        if !which(w) || best.is_some_and(|(n, _)| n >= w.len()) {
            continue;
        }
        let ascii_word = w.bytes().all(|c| c.is_ascii_alphabetic() || c == b' ');
        if ascii_word && rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        best = Some((w.len(), s));
    }
    best.map(|(n, s)| (s, t[n..].trim_start()))
}

/// A status written as a mark or word at the start of `text` (table cells, `Status:`
/// fields, legends): the status and the rest of the text.
pub fn status_word(text: &str) -> Option<(Status, &str)> {
    status_row(text, |_| true)
}

/// A status mark leading a list item (`[~] 5.2.1 …`, `✅ 1.1 …`): the status, the rest
/// of the text, and whether the mark is a box (a box makes a task; an emoji only in
/// front of an id).
pub fn status_mark(text: &str) -> Option<(Status, &str, bool)> {
    let t = text.trim_start();
    if !t.starts_with(|c: char| c == '[' || !c.is_ascii()) {
        return None;
    }
    status_row(t, is_mark).map(|(s, rest)| (s, rest, t.starts_with('[')))
}

/// A whole word (`DONE`, `进行中`, `✅`) that is a status: milestone states in heading
/// groups such as `(DONE, 2026-01-05)`.
pub fn status_exact(word: &str) -> Option<Status> {
    words(STATUSES)
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|(_, s)| s)
}

/// Whether `c` starts a status mark: `[` or a status emoji.
pub fn starts_mark(c: char) -> bool {
    // The first characters of the marks in [`STATUSES`], gathered once (headings and
    // legend lines ask about each of their characters).
    static STARTS: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    let starts = STARTS.get_or_init(|| {
        let mut v: Vec<char> = words(STATUSES)
            .filter(|(w, _)| is_mark(w))
            .filter_map(|(w, _)| w.chars().next())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    // (No mark starts with a letter or digit: most characters are let go at once.)
    !c.is_ascii_alphanumeric() && starts.contains(&c)
}

/// Whether `c` starts a status emoji (`M3 Beta ✅ 已完成` has a state suffix).
pub fn starts_emoji(c: char) -> bool {
    c != '[' && starts_mark(c)
}

fn strip_prefix_ci<'a>(t: &'a str, w: &str) -> Option<&'a str> {
    match (t.get(..w.len()), t.get(w.len()..)) {
        (Some(head), Some(rest)) if head.eq_ignore_ascii_case(w) => Some(rest),
        _ => None,
    }
}

/// The smaller word lists: words in a heading that say what its lists hold (any case,
/// anywhere in the heading), progress labels, and values meaning "no dependencies".
#[rustfmt::skip]
mod word_lists {
    pub const CRITERIA: &[&str] = &["acceptance", "go/no-go", "go-no-go", "go / no-go", "no-go",
        "验收", "exit criteria"];
    pub const QUESTIONS: &[&str] = &["open question", "questions", "open issues", "开放问题",
        "待决问题", "未决问题", "待确认", "疑问", "问题清单"];
    pub const CONFLICTS: &[&str] = &["conflict", "shared touch points", "冲突"];
    pub const WORKSTREAMS: &[&str] = &["workstream", "工作流", "并行轨道"];
    /// Words that make a checkpoint or phase a gate: what follows waits for it
    /// (PLAN_FORMAT §6). Without them, order is only a preference.
    pub const BLOCKING: &[&str] = &["blocking", "blocks ", "blocks all", "must finish before",
        "must complete before", "must be complete before", "must be done before",
        "must be finished before", "must land first", "must land before",
        "can begin until", "can start until", "必须先", "阻塞"];
    /// Words that set a section aside when a quote under its heading starts with one.
    pub const PARKED: &[&str] = &["暂缓", "搁置", "暂停", "暂不", "延期", "後日", "deferred",
        "on hold", "postponed", "parked", "not now"];
    /// Words that set a task or section aside when a group in its title starts with one
    /// (`Stake 插件下单（暂缓）`, `（暂缓，DB 迁移时实现）`, `— 後日実装`, `[deferred]`).
    /// Not `暂停` (pause) nor `not now`: titles name pause buttons and say "not now" in
    /// prose.
    pub const PARKED_MARKS: &[&str] = &["暂缓", "搁置", "暂不", "延期", "後日", "deferred",
        "on hold", "postponed", "parked"];
    /// Words that declare a workstream list's tracks independent.
    pub const PARALLEL: &[&str] = &["parallel", "并行"];
    /// Whole labels (`* **当前进度**:`) that introduce a progress report.
    pub const PROGRESS: &[&str] = &["当前进度", "进度", "progress", "current progress",
        "as-built summary", "完成情况"];
    /// Values meaning "no dependencies".
    pub const NONE: &[&str] = &["", "-", "—", "–", "无", "none", "n/a", "/"];
    /// Words that make a line a legend of the team's own status marks.
    pub const LEGEND: &[&str] = &["legend", "图例"];
}

fn mentions_any(text: &str, words: &[&str]) -> bool {
    // Every listed word is lower-case ASCII or has no case (中文): lowering the ASCII
    // letters is enough, and much cheaper than Unicode lowering.
    let l = text.to_ascii_lowercase();
    words.iter().any(|w| l.contains(w))
}

fn is_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| w.eq_ignore_ascii_case(text))
}

/// A line that teaches status marks: it says "legend" (`图例`), or it starts with a word
/// of the status field (`Status: ✅ done / 🚧 doing`, `状态：…`) and shows two marks or more.
pub fn is_legend_line(text: &str) -> bool {
    let starts_status = FIELDS
        .iter()
        .filter(|(f, _)| *f == Field::Status)
        .flat_map(|(_, words)| words.iter())
        .any(|w| strip_prefix_ci(text, w).is_some());
    mentions_any(text, word_lists::LEGEND)
        || (starts_status && text.chars().filter(|&c| starts_mark(c)).count() >= 2)
}

/// Sections whose checklists are criteria, not tasks.
pub fn is_criteria_heading(text: &str) -> bool {
    mentions_any(text, word_lists::CRITERIA)
}

/// Labels that introduce a progress report, whose bullets are not tasks.
pub fn is_progress_label(text: &str) -> bool {
    is_any(
        text.trim().trim_end_matches([':', '：']).trim(),
        word_lists::PROGRESS,
    )
}

pub fn is_questions_heading(text: &str) -> bool {
    mentions_any(text, word_lists::QUESTIONS)
}

pub fn is_conflicts_heading(text: &str) -> bool {
    mentions_any(text, word_lists::CONFLICTS)
}

pub fn is_workstreams_heading(text: &str) -> bool {
    mentions_any(text, word_lists::WORKSTREAMS)
}

/// The text says that what follows waits for it: a gate, not just an order.
pub fn says_it_blocks(text: &str) -> bool {
    mentions_any(text, word_lists::BLOCKING)
}

/// A quote that sets its section aside: it starts with a parking word (`**暂缓**：…`).
pub fn parks_section(text: &str) -> bool {
    let t = text
        .trim_start_matches(['*', '_', ' ', '【', '['])
        .to_ascii_lowercase();
    word_lists::PARKED.iter().any(|w| t.starts_with(w))
}

/// The words of a title that set its task (or a heading's section) aside: a group in
/// parentheses or brackets anywhere in it, or the clause after its last dash, that
/// starts with a word of [`word_lists::PARKED_MARKS`] (`（暂缓）`, `（暂缓，DB 迁移时实现）`,
/// `【搁置】`, `— 後日実装`, `(deferred until v2)`). An English word must stand alone
/// or be followed by punctuation, `until`, `till` or `to`: `(deferred rendering)` names
/// a technique.
pub fn parked_mark(title: &str) -> Option<&str> {
    fn marks(inner: &str) -> Option<&str> {
        let inner = inner.trim().trim_matches(['*', '_']).trim();
        word_lists::PARKED_MARKS
            .iter()
            .any(|w| {
                let Some(rest) = strip_prefix_ci(inner, w) else {
                    return false;
                };
                !w.is_ascii()
                    || rest.is_empty()
                    || rest.starts_with([':', '：', ',', '，', ';', '；', '-', '—', '(', '（', '.'])
                    || [" until ", " till ", " to "]
                        .iter()
                        .any(|p| strip_prefix_ci(rest, p).is_some())
            })
            .then_some(inner)
    }
    // Titles are read by the thousand and most hold neither a group nor a dash: the
    // openers and dashes are found with byte searches.
    let b = title.as_bytes();
    // Where the next closer of each kind is (`)`, `]`, `）`, `】`), once looked for: a
    // line of openers and no closers is searched once, not once per opener.
    const CLOSERS: [char; 4] = [')', ']', '）', '】'];
    let mut ends: [Option<Option<usize>>; 4] = [None; 4];
    let mut group = |at: usize, open: usize, kind: usize| {
        let from = at + open;
        // (Most groups are let go on their first letter, before their end is looked for.)
        let first = *title[from..]
            .trim_start_matches([' ', '*', '_'])
            .as_bytes()
            .first()?;
        if !word_lists::PARKED_MARKS
            .iter()
            .any(|w| w.as_bytes()[0].eq_ignore_ascii_case(&first))
        {
            return None;
        }
        let end = match ends[kind] {
            Some(Some(end)) if end >= from => Some(end),
            Some(None) => None,
            _ => {
                let end = title[from..].find(CLOSERS[kind]).map(|e| from + e);
                ends[kind] = Some(end);
                end
            }
        }?;
        marks(&title[from..end])
    };
    for i in memchr::memchr3_iter(b'(', b'[', 0xEF, b) {
        let found = match b[i] {
            b'(' => group(i, 1, 0),
            b'[' => group(i, 1, 1),
            _ if title[i..].starts_with('（') => group(i, 3, 2),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    // `【` is E3 80 90 (its last byte is common inside CJK characters).
    let found = memchr::memchr_iter(0xE3, b)
        .filter(|&i| b.get(i + 1..i + 3) == Some(&[0x80, 0x90]))
        .find_map(|i| group(i, 3, 3));
    if found.is_some() {
        return found;
    }
    let spaced = |i: usize, len: usize| {
        (i > 0 && b[i - 1] == b' ' && b.get(i + len) == Some(&b' ')).then_some(i + len)
    };
    // `—` and `–` are E2 80 94 and E2 80 93: found by their first byte, which CJK text
    // rarely holds (their last bytes are common inside CJK characters).
    let dash_end = [
        memchr::memrchr_iter(0xE2, b).find_map(|i| match b.get(i + 1..i + 3) {
            Some([0x80, 0x94]) => Some(i + 3),
            Some([0x80, 0x93]) => spaced(i, 3),
            _ => None,
        }),
        memchr::memrchr_iter(b'-', b).find_map(|i| spaced(i, 1)),
    ]
    .into_iter()
    .flatten()
    .max()?;
    marks(title[dash_end..].trim_start_matches(['—', ' ']))
}

/// A state written as a deferral (`⏸️ Deferred`, `on hold`, `暂缓`, `⏸`) in a status cell
/// or field: the task is set aside, not in an unknown state. The text as written. The
/// pause sign parks whatever words follow it (`⏸ 保留`, `⏸ post-release`).
pub fn parked_state(text: &str) -> Option<&str> {
    let t = text.trim().trim_matches('*').trim();
    let word = t.trim_start_matches(['⏸', '\u{fe0f}', ' ']);
    let parks = t.starts_with('⏸')
        || word_lists::PARKED
            .iter()
            .any(|w| strip_prefix_ci(word, w).is_some());
    parks.then_some(t)
}

/// The text declares its tracks parallel (`Workstreams（可并行 Tracks）`).
pub fn says_parallel(text: &str) -> bool {
    mentions_any(text, word_lists::PARALLEL)
}

/// A value meaning "no dependencies" (`-`, `无`, `none`).
pub fn is_none_word(v: &str) -> bool {
    is_any(v.trim(), word_lists::NONE)
}

/// A priority token `P0`–`P3` (optionally bold, as the whole text).
pub fn priority_token(text: &str) -> Option<Priority> {
    let t = text.trim().trim_matches('*').trim();
    match t.as_bytes() {
        [b'P' | b'p', d @ b'0'..=b'3'] => Some(Priority(d - b'0')),
        _ => None,
    }
}

/// The first `P0`–`P3` standing as a word inside `text`.
pub fn find_priority(text: &str) -> Option<Priority> {
    memchr::memchr2(b'P', b'p', text.as_bytes())?;
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .find_map(priority_token)
}

/// A parenthesised group at the end of a title: its byte range (with the brackets) in
/// the text and its inner text.
pub struct Group<'a> {
    pub outer: std::ops::Range<usize>,
    pub inner: &'a str,
}

/// Trailing parenthesised groups of a title (`Name（可选，P1）(DONE)`), ASCII or full-width.
/// Returns the title without them and the groups, in order.
pub fn trailing_groups(text: &str) -> (&str, Vec<Group<'_>>) {
    let mut groups: Vec<Group> = groups_from_end(text).collect();
    groups.reverse();
    let end = groups.first().map_or(text.trim_end().len(), |g| {
        text[..g.outer.start].trim_end().len()
    });
    (&text[..end], groups)
}

/// [`trailing_groups`] one by one, the last first.
pub fn groups_from_end(text: &str) -> impl Iterator<Item = Group<'_>> {
    let mut end = text.trim_end().len();
    std::iter::from_fn(move || {
        let body = text[..end].strip_suffix([')', '）'])?;
        let p = last_opener(body)?;
        let opener = if body[p..].starts_with('(') {
            1
        } else {
            '（'.len_utf8()
        };
        let group = Group {
            outer: p..end,
            inner: body[p + opener..].trim(),
        };
        end = text[..p].trim_end().len();
        Some(group)
    })
}

/// Where the last `(` or `（` of `text` starts. (One vectorised search backwards for `(`
/// or the last byte of `（`, EF BC 88: titles are long.)
fn last_opener(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut end = b.len();
    while let Some(i) = memchr::memrchr2(b'(', 0x88, &b[..end]) {
        if b[i] == b'(' {
            return Some(i);
        }
        if i >= 2 && b[i - 2..i] == [0xEF, 0xBC] {
            return Some(i - 2);
        }
        end = i;
    }
    None
}

/// The text with the groups for which `cut` says yes removed, everything else verbatim.
pub fn without_groups(text: &str, groups: &[Group], cut: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut at = 0;
    for g in groups {
        if cut(g.inner) {
            out.push_str(&text[at..g.outer.start]);
            at = g.outer.end;
        }
    }
    out.push_str(&text[at..]);
    out.trim().to_string()
}

/// A task id at the start of `text`: dotted numbers (`5.2.1`), a bare number followed by
/// `.`/`:`/`、`, or an upper-case prefix (`T4.6.3`, `WP-3`, `D1-01`). Bold and backticks are
/// already gone. Returns the id and the rest.
pub fn leading_id(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_start();
    let n = id_len(t)?;
    let (id, rest) = t.split_at(n);
    let id = id.trim_end_matches('.');
    // A bare number (`3 retries`) is only an id when punctuation marks it as one.
    if !id.contains(['.', '-']) && id.starts_with(|c: char| c.is_ascii_digit()) {
        let r = &t[id.len()..];
        if !(r.starts_with(['.', ':', '：', '、', ')']) || r.is_empty()) {
            return None;
        }
    }
    let rest = rest.trim_start_matches(['.', ':', '：', '、', ')', ' ', '\t', '—', '–']);
    let rest = rest.strip_prefix("- ").unwrap_or(rest).trim_start();
    Some((id, rest))
}

/// The longest id prefix read (`TOOL-PYTEST-CACHE` is 17 bytes).
const MAX_ID_PREFIX: usize = 24;

/// Length in bytes of an id token at the start of `t` (see [`leading_id`]).
pub fn id_len(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    // Prefix: 1–4 ASCII upper-case letters, `-` optional (`T4.6`, `WP-3`); or a longer
    // word, or words joined by `-`, then `-` (`GUARD-001`, `UI-LANGUAGE-001`). At most
    // [`MAX_ID_PREFIX`] bytes: a long run of capitals is a shout, not an id.
    let upper = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .count()
    };
    let mut prefix = upper(0);
    let mut words = usize::from(prefix > 0);
    while prefix > 0
        && b.get(prefix) == Some(&b'-')
        && b.get(prefix + 1).is_some_and(u8::is_ascii_uppercase)
        && prefix <= MAX_ID_PREFIX
    {
        prefix += 1 + upper(prefix + 1);
        words += 1;
    }
    if prefix > MAX_ID_PREFIX {
        return None;
    }
    let mut i = prefix;
    if prefix > 0 && b.get(i) == Some(&b'-') {
        i += 1;
    } else if words > 1 || prefix > 4 {
        return None;
    }
    let digits_start = i;
    loop {
        let s = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == s {
            break;
        }
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            continue;
        }
        break;
    }
    if i == digits_start {
        return None;
    }
    // A day- or sprint-numbered id: `D1-01`, `S2-14` (a prefix, then two numbers joined by
    // `-`; two digits after it, so that `T5-7` stays a short range).
    if prefix > 0 && b.get(i) == Some(&b'-') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n >= 2 {
            i += 1 + n;
        }
    }
    // An id ends at a word boundary: `5.2.1a` or `T4x` are not ids.
    if b.get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return None;
    }
    // `P0`..`P3` are priorities.
    if prefix > 0 && priority_token(&t[..i]).is_some() {
        return None;
    }
    Some(i)
}

/// Every id mentioned in a dependency list: `5.1.2, 5.1.3`, `T5.3.1、T5.3.2`,
/// ranges `5.2.1~5.2.4` / `5.2.1-5.2.4` / `5.2.1–5.2.4`, short ranges `2.1.2-4`.
/// A range is `(first, Some(last))`, `last` as written (`4` in `2.1.2-4`; see
/// [`expand_short_end`]).
pub fn id_list(text: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    each_id(text, |a, b| out.push((a, b)));
    out
}

/// [`id_list`] without collecting: `f(first, last)` for every item, in order.
pub fn each_id<'a>(text: &'a str, mut f: impl FnMut(&'a str, Option<&'a str>)) {
    // The last id is held back until it is known whether a range follows it.
    let mut held: Option<(&str, Option<&str>)> = None;
    // Whether a dash since the held id may join it to the next one as a range.
    let mut range_open = false;
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let at_boundary = text[..i]
            .chars()
            .next_back()
            .is_none_or(|p| !(p.is_ascii_alphanumeric() || p == '_' || p == '.'));
        if at_boundary && (c.is_ascii_digit() || c.is_ascii_uppercase()) {
            if let Some(n) = id_len(&text[i..]) {
                let id = &text[i..i + n];
                match &mut held {
                    Some(h) if range_open => h.1 = Some(id),
                    _ => {
                        if let Some((a, b)) = held.replace((id, None)) {
                            f(a, b);
                        }
                    }
                }
                range_open = false;
                i += n;
                continue;
            }
        }
        if matches!(c, '~' | '～' | '–' | '-' | '—') {
            // A range joins two ids with nothing but spaces around the dash.
            let before = text[..i].trim_end();
            if held.is_some_and(|(a, b)| b.is_none() && before.ends_with(a)) {
                range_open = true;
            }
        } else if !c.is_whitespace() && !matches!(c, '`' | '*') {
            range_open = false;
        }
        i += c.len_utf8();
    }
    if let Some((a, b)) = held {
        f(a, b);
    }
}

/// `2.1.2-4` → `2.1.4`, `GOV-001–003` → `GOV-003`, `T02–07` → `T07`: a number alone
/// at the end of a range takes the first id's prefix. A full id is returned as is.
pub fn expand_short_end<'a>(first: &str, end: &'a str) -> std::borrow::Cow<'a, str> {
    if end.contains('.') || !end.bytes().all(|c| c.is_ascii_digit()) {
        return std::borrow::Cow::Borrowed(end);
    }
    let head = match first.rsplit_once('.') {
        Some((head, _)) => format!("{head}."),
        // The first id's own number goes: `GOV-` of `GOV-001`, `T` of `T02`.
        None => first
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_string(),
    };
    match head.is_empty() || head.len() == first.len() {
        true => std::borrow::Cow::Borrowed(end),
        false => std::borrow::Cow::Owned(format!("{head}{end}")),
    }
}

/// `INV-001-008`, a range written with a hyphen, as its ends (`INV-001`, `INV-008`):
/// read so only when the whole is no id (the caller asks after a failed lookup), and
/// both numbers have the same width.
pub fn hyphen_range(id: &str) -> Option<(&str, String)> {
    let (first, end) = id.rsplit_once('-')?;
    let (_, n) = first.rsplit_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    (digits(n) && digits(end) && n.len() == end.len())
        .then(|| (first, expand_short_end(first, end).into_owned()))
}

/// Phrases before the ids a title or value depends on (English ones start a word and
/// take any case).
const ASCII_CUES: &[&str] = &["depends on", "depend on", "blocked by", "after"];
const CJK_CUES: &[&str] = &["依赖", "前置", "需先完成", "需要先完成"];

/// The bytes a cue can start with.
const CUE_START: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    while k < ASCII_CUES.len() {
        let c = ASCII_CUES[k].as_bytes()[0];
        t[c.to_ascii_lowercase() as usize] = true;
        t[c.to_ascii_uppercase() as usize] = true;
        k += 1;
    }
    let mut k = 0;
    while k < CJK_CUES.len() {
        t[CJK_CUES[k].as_bytes()[0] as usize] = true;
        k += 1;
    }
    t
};

/// Inline dependency phrases in a title or value: `（依赖 5.1.2）`, `(depends on 5.1.2,
/// 5.1.3)`, `after 5.2.1`, `blocked by 3.1`. Returns the id text after each phrase.
pub fn inline_dependency_texts(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    each_inline_dependency(text, |d| out.push(d));
    out
}

/// [`inline_dependency_texts`] without collecting: `f(ids)` for every phrase, in order
/// (most subtask titles hold one, and a vector each was an allocation per task).
pub fn each_inline_dependency<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    let b = text.as_bytes();
    let mut i = 0;
    // Only bytes that can start a cue are looked at (titles are long and rarely hold one).
    while let Some(k) = b[i..].iter().position(|&c| CUE_START[usize::from(c)]) {
        i += k;
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let cue = if b[i].is_ascii() {
            ASCII_CUES.iter().find(|c| {
                word_start
                    && b.get(i..i + c.len())
                        .is_some_and(|s| s.eq_ignore_ascii_case(c.as_bytes()))
            })
        } else {
            CJK_CUES.iter().find(|c| b[i..].starts_with(c.as_bytes()))
        };
        let Some(cue) = cue else {
            i += 1;
            continue;
        };
        i += cue.len();
        let tail = text[i..].trim_start_matches([':', '：', ' ']);
        // The ids run until a closing parenthesis, a sentence end or a new clause.
        let stop = tail
            .find([')', '）', ';', '；', '。', '\n'])
            .unwrap_or(tail.len());
        let seg = &tail[..stop];
        let first = seg.trim_start().trim_start_matches(['`', '*']);
        if let Some(n) = id_len(first) {
            // `after 8 attempts`: after a bare number, a word (not a joiner) makes it a
            // quantity. (Only after `after`: `depends on 3 and 4` names tasks.)
            let next = first[n..].trim_start();
            let word = next
                .split(|c: char| !c.is_ascii_alphabetic())
                .next()
                .unwrap_or("");
            let quantity = *cue == "after"
                && first[..n].bytes().all(|b| b.is_ascii_digit())
                && first[n..].starts_with(' ')
                && !word.is_empty()
                && !matches!(
                    word,
                    "and" | "or" | "is" | "are" | "has" | "lands" | "ships"
                );
            if !quantity {
                f(seg);
            }
        }
    }
}

/// Phrases written after the ids a task depends on (`1.2に依存`, `1.1、1.2の完了後`).
const SUFFIX_CUES: &[&str] = &["に依存", "の完了後"];

/// Ids written before a phrase of [`SUFFIX_CUES`]: `f(ids)` for each. (Read in the
/// spec tools' files, where Kiro writes them; hand-written plans use the cues before
/// the ids.)
pub fn each_suffix_dependency<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    if text.is_ascii() {
        return;
    }
    for cue in SUFFIX_CUES {
        for (at, _) in text.match_indices(cue) {
            // `1.2に依存しない`: does not depend.
            let after = &text[at + cue.len()..];
            if after.starts_with("しない")
                || after.starts_with("せず")
                || after.starts_with("しません")
            {
                continue;
            }
            let before = &text[..at];
            // Back over ids and what joins them (`1.1、1.2`, `1.1 と 1.2`).
            let start = before
                .char_indices()
                .rev()
                // (Only what ids are made of: `indexer 1.2に依存` stops before `indexer`.)
                .take_while(|&(_, c)| {
                    c.is_ascii_digit()
                        || c.is_ascii_uppercase()
                        || matches!(
                            c,
                            '.' | '-' | ',' | '、' | '，' | ' ' | 'と' | '和' | '`' | '*'
                        )
                })
                .last()
                .map_or(at, |(i, _)| i);
            let seg = before[start..].trim_start_matches([',', '、', '，', ' ', 'と', '和']);
            if id_len(seg.trim_start_matches(['`', '*'])).is_some() {
                f(seg);
            }
        }
    }
}

/// Whether a code span names a path (file, directory or glob) rather than a command or
/// an identifier. Returns the path and an optional `:line` range.
/// [`as_path`] for a word of prose (not a code span), which must look like a path more
/// plainly: a file with an extension (`src/a.rs`, `file.ts:241-247`), a directory
/// written with its slash (`docs/archive/`), a glob, or two slashes or more
/// (`apps/web/routes`). `CI/CD`, `OTLP/gRPC`, `read/write`, `前端/后端` and a lone `/` are
/// prose.
pub fn prose_path(word: &str) -> Option<(String, Option<String>)> {
    let (path, range) = as_path(word)?;
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let has_ext = last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && !ext.is_empty() && ext.bytes().any(|c| c.is_ascii_alphabetic())
    });
    let plain = has_ext
        || (path.ends_with('/') && path.len() > 1)
        || path.contains(['*', '?'])
        || path.matches('/').count() >= 2;
    (plain && path != "/").then_some((path, range))
}

pub fn as_path(span: &str) -> Option<(String, Option<String>)> {
    let s = span.trim();
    // One pass over the bytes: what rules the span out, and where its colons and its last
    // slash are (non-ASCII spaces are looked for only in non-ASCII spans).
    let (mut colons, mut last_colon, mut slash, mut glob) = (0, None, None, false);
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'(' | b')' | b'=' | b'<' | b'>' | 0x0b => return None,
            b if b.is_ascii_whitespace() => return None,
            b':' => (colons, last_colon) = (colons + 1, Some(i)),
            b'/' => slash = Some(i),
            b'*' | b'?' => glob = true,
            _ => {}
        }
    }
    if s.is_empty() || (!s.is_ascii() && s.contains(char::is_whitespace)) {
        return None;
    }
    // `file.ts:241-247` keeps the range apart.
    let range_at = last_colon.filter(|&c| {
        let r = &s[c + 1..];
        !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    });
    let p = range_at.map_or(s, |c| &s[..c]);
    // Another colon in the path part: `db:seed`, `mes:trace` — script names, not paths.
    if colons > usize::from(range_at.is_some()) && !p.starts_with('/') {
        return None;
    }
    // (A range holds no slash: the last slash is in the path part.)
    let file = slash.map_or(p, |i| &p[i + 1..]);
    let has_ext = file.rsplit_once('.').is_some_and(|(stem, ext)| {
        !ext.is_empty()
            && ext.len() <= 10
            && ext.bytes().all(|c| c.is_ascii_alphanumeric())
            && ext.bytes().any(|c| c.is_ascii_alphabetic())
            && (!stem.is_empty() || file.starts_with('.'))
    });
    let dotfile = file.starts_with('.') && file.len() > 1 && !file.starts_with("..");
    (slash.is_some() || glob || has_ext || dotfile)
        .then(|| (p.to_string(), range_at.map(|c| s[c + 1..].to_string())))
}

/// `TBD` standing as a word (or `待定` / `待确认` in Chinese text).
pub fn has_tbd(text: &str) -> bool {
    let b = text.as_bytes();
    let alnum = |i: Option<usize>| {
        i.and_then(|i| b.get(i))
            .is_some_and(u8::is_ascii_alphanumeric)
    };
    // (Titles are long and rarely hold either: one vectorised search for the first byte
    // of either, `T` or E5, the first byte of `待` (E5 BE 85).)
    memchr::memchr2_iter(b'T', 0xE5, b).any(|i| match b[i] {
        b'T' => b[i..].starts_with(b"TBD") && !alnum(i.checked_sub(1)) && !alnum(Some(i + 3)),
        _ => b[i..].starts_with("待定".as_bytes()) || b[i..].starts_with("待确认".as_bytes()),
    })
}

/// A workstream entry naming a track: `Track A：Billing & Invoices`.
pub fn workstream_entry(text: &str) -> Option<(String, &str)> {
    let t = text.trim();
    let rest = strip_prefix_ci(t, "track ")?.trim_start();
    let letter_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    if letter_len == 0 || letter_len > 3 {
        return None;
    }
    let (letter, after) = rest.split_at(letter_len);
    let name = after
        .trim_start()
        .strip_prefix([':', '：', '—', '–', '-'])?
        .trim();
    Some((letter.to_uppercase(), name))
}

/// `Track B — Onboarding` inside a heading: the letter, what precedes `Track` and what
/// follows the letter.
pub fn track_letter(text: &str) -> Option<(String, &str, &str)> {
    let lower = text.to_ascii_lowercase();
    for (start, _) in lower.match_indices("track") {
        if start > 0 && lower.as_bytes()[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let after = &text[start + 5..];
        let trimmed = after.trim_start();
        if trimmed.len() == after.len() {
            continue;
        }
        let n = trimmed
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(trimmed.len());
        let letter = &trimmed[..n];
        if n == 0 || n > 3 || (n > 2 && !letter.starts_with(|c: char| c.is_ascii_alphabetic())) {
            continue;
        }
        let tail = trimmed[n..].trim_start();
        let tail = tail
            .strip_prefix(['—', '–', '-', ':', '：', '·'])
            .unwrap_or(tail)
            .trim_start();
        return Some((letter.to_uppercase(), &text[..start], tail));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_split_at_its_first_colon_among_other_full_width_signs() {
        // `（`, `，` and `）` share the full-width colon's first byte.
        assert_eq!(
            split_at_colon("验收（手工），见下：ok：more"),
            Some(("验收（手工），见下", "ok：more"))
        );
        assert_eq!(
            split_at_colon("Touch points（改动点）: a"),
            Some(("Touch points（改动点）", " a"))
        );
        assert_eq!(split_at_colon("说明（无冒号）"), None);
        assert_eq!(split_at_colon("ends with a first byte \u{ff08}"), None);
        assert_eq!(
            split_field("验收（手工）：页面可用"),
            Some((Field::Dod, "页面可用"))
        );
    }

    #[test]
    fn status_marks_start_with_a_bracket_or_a_symbol() {
        for c in [
            '[', '✅', '☑', '✔', '🚧', '🔄', '⏳', '⬜', '📝', '❌', '⏭', '⛔',
        ] {
            assert!(starts_mark(c), "{c}");
        }
        for c in ['完', '进', 'd', 'D', '—', '（', '：', '1', ' '] {
            assert!(!starts_mark(c), "{c}");
        }
        assert!(!starts_emoji('[') && starts_emoji('✅'));
    }

    #[test]
    fn words_found_in_any_case_are_lower_case_ascii_or_caseless() {
        // Texts are lowered by their ASCII letters only before these lists are looked
        // for: a word with an upper-case or a cased non-ASCII letter would never match.
        use word_lists::*;
        for list in [
            LEGEND,
            CRITERIA,
            QUESTIONS,
            CONFLICTS,
            WORKSTREAMS,
            BLOCKING,
            PARALLEL,
            PARKED,
        ] {
            for w in list {
                for c in w.chars() {
                    let caseless = c.to_lowercase().eq([c]) && c.to_uppercase().eq([c]);
                    assert!(
                        c.is_ascii_lowercase() || !c.is_alphabetic() || caseless,
                        "{w:?}"
                    );
                }
            }
        }
        // Labels and status words are let go at their first byte, compared lower-cased.
        let labels = words(FIELDS).map(|(w, _)| w);
        for w in labels.chain(words(STATUSES).map(|(w, _)| w)) {
            assert!(!w.bytes().any(|b| b.is_ascii_uppercase()), "{w:?}");
        }
        assert_eq!(
            field_of("**Touch Points（改动点）**"),
            Some(Field::TouchPoints)
        );
        assert_eq!(field_of("DEPENDS ON"), Some(Field::Depends));
        assert!(says_it_blocks("CP1 MUST FINISH BEFORE Track B starts"));
        assert!(is_criteria_heading("## Exit Criteria（验收）"));
        assert!(parks_section("**Deferred**: after the beta"));
    }

    #[test]
    fn dependency_phrases_are_found_in_order_in_any_case() {
        let text = "Ship it（依赖 1.2）, After 3.4; DEPENDS ON 5.6 and blocked by 7.8, \
                    safter 9.9, 需要先完成 2.1";
        assert_eq!(
            inline_dependency_texts(text),
            [
                "1.2",
                "3.4",
                "5.6 and blocked by 7.8, safter 9.9, 需要先完成 2.1",
                "7.8, safter 9.9, 需要先完成 2.1",
                "2.1"
            ]
        );
    }
}
