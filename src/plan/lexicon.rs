//! The words and marks of plan files: task ids, field labels, status words and emoji,
//! priorities, dependency phrases and path-looking spans, in English and Chinese.

use super::model::{Priority, Status};

/// The meaning of a field label (`Touch points：`, `依赖:` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    TouchPoints,
    Depends,
    Dod,
    AsBuilt,
    References,
    Background,
    Subtasks,
    Status,
    Priority,
}

const LABELS: &[(&str, Field)] = &[
    ("touch points", Field::TouchPoints),
    ("touch point", Field::TouchPoints),
    ("touchpoints", Field::TouchPoints),
    ("touches", Field::TouchPoints),
    ("files", Field::TouchPoints),
    ("涉及文件", Field::TouchPoints),
    ("改动点", Field::TouchPoints),
    ("触点", Field::TouchPoints),
    ("depends on", Field::Depends),
    ("depends", Field::Depends),
    ("dependencies", Field::Depends),
    ("deps", Field::Depends),
    ("blocked by", Field::Depends),
    ("依赖", Field::Depends),
    ("前置", Field::Depends),
    ("前置依赖", Field::Depends),
    ("dod", Field::Dod),
    ("done when", Field::Dod),
    ("definition of done", Field::Dod),
    ("验收", Field::Dod),
    ("完成标准", Field::Dod),
    ("as-built", Field::AsBuilt),
    ("as built", Field::AsBuilt),
    ("implemented in", Field::AsBuilt),
    ("实现入口", Field::AsBuilt),
    ("references", Field::References),
    ("refs", Field::References),
    ("参考", Field::References),
    ("background", Field::Background),
    ("context", Field::Background),
    ("goal", Field::Background),
    ("背景", Field::Background),
    ("目标", Field::Background),
    ("subtasks", Field::Subtasks),
    ("子任务", Field::Subtasks),
    ("status", Field::Status),
    ("状态", Field::Status),
    ("priority", Field::Priority),
    ("优先级", Field::Priority),
];

/// A `Label（note）：value` line split into its field and value. Returns `None` when the
/// text before the colon is not a known label.
pub fn split_field(text: &str) -> Option<(Field, &str)> {
    split_field_at(text).map(|(f, v, _)| (f, v))
}

/// [`split_field`], with the byte offset of the colon in `text`.
pub fn split_field_at(text: &str) -> Option<(Field, &str, usize)> {
    let t = trim_start(text);
    let b = t.as_bytes();
    // The first colon, ASCII or full-width (`：` is EF BC 9A; 0x9A alone is also a
    // continuation byte of other characters).
    let mut from = 0;
    let colon = loop {
        let i = from + memchr::memchr2(b':', 0x9A, &b[from..])?;
        if b[i] == b':' {
            break i;
        }
        if i >= 2 && b[i - 2] == 0xEF && b[i - 1] == 0xBC {
            break i - 2;
        }
        from = i + 1;
    };
    // A label is at most 40 characters: a letter as the 41st character or later before
    // the colon makes the trimmed label too long.
    if colon > 40 && t[..colon].chars().skip(40).any(|c| !c.is_whitespace()) {
        return None;
    }
    let head = trim(&t[..colon]);
    if head.is_empty() {
        return None;
    }
    // Drop a parenthesised label note: `As-built（实现入口）`.
    let open = head.bytes().enumerate().position(|(i, c)| {
        c == b'(' || (c == 0xEF && head.as_bytes()[i + 1..].starts_with(&[0xBC, 0x88]))
    });
    let label = match open {
        Some(p) if head.ends_with([')', '）']) => trim(&head[..p]),
        _ => head,
    };
    // Labels are lower case (Chinese ones have no case): compare a lower-cased copy.
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..label.len())?;
    for (d, s) in lower.iter_mut().zip(label.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    let field = LABELS
        .iter()
        .find(|(l, _)| l.as_bytes() == &*lower)
        .map(|(_, f)| *f)?;
    let sep = if b[colon] == b':' {
        1
    } else {
        '：'.len_utf8()
    };
    Some((field, trim(&t[colon + sep..]), text.len() - t.len() + colon))
}

/// `str::trim`, answering at once for text that starts and ends with a visible ASCII
/// character (most field values and labels).
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// `str::trim_start`, answering at once for text that starts with a visible ASCII
/// character.
pub fn trim_start(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(a) if a.is_ascii_graphic() => s,
        _ => s.trim_start(),
    }
}

/// Sections whose checklists are criteria, not tasks.
pub fn is_criteria_heading(text: &str) -> bool {
    let l = text.to_lowercase();
    [
        "acceptance",
        "go/no-go",
        "go-no-go",
        "go / no-go",
        "no-go",
        "验收",
        "exit criteria",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// Labels that introduce a progress report (`* **当前进度**:`), whose bullets are not tasks.
pub fn is_progress_label(text: &str) -> bool {
    let l = text
        .trim()
        .trim_end_matches([':', '：'])
        .trim()
        .to_lowercase();
    [
        "当前进度",
        "进度",
        "progress",
        "current progress",
        "as-built summary",
        "完成情况",
    ]
    .contains(&l.as_str())
}

pub fn is_questions_heading(text: &str) -> bool {
    let l = text.to_lowercase();
    l.contains("open question")
        || l.contains("questions")
        || l.contains("open issues")
        || [
            "开放问题",
            "待决问题",
            "未决问题",
            "待确认",
            "疑问",
            "问题清单",
        ]
        .iter()
        .any(|w| l.contains(w))
}

pub fn is_conflicts_heading(text: &str) -> bool {
    let l = text.to_lowercase();
    l.contains("conflict") || l.contains("shared touch points") || l.contains("冲突")
}

pub fn is_workstreams_heading(text: &str) -> bool {
    let l = text.to_lowercase();
    l.contains("workstream") || l.contains("工作流") || l.contains("并行轨道")
}

/// A status written as a word, emoji or checkbox (table cells, `Status:` fields,
/// milestone suffixes). Returns the status and the rest of the text.
pub fn status_word(text: &str) -> Option<(Status, &str)> {
    let t = text.trim();
    // Longest forms first so `已完成` wins over `完成`.
    const WORDS: &[(&str, Status)] = &[
        ("[x]", Status::Done),
        ("[X]", Status::Done),
        ("[~]", Status::InProgress),
        ("[ ]", Status::Pending),
        ("[-]", Status::Dropped),
        ("[!]", Status::Blocked),
        ("✅", Status::Done),
        ("☑️", Status::Done),
        ("☑", Status::Done),
        ("✔️", Status::Done),
        ("✔", Status::Done),
        ("🚧", Status::InProgress),
        ("🔄", Status::InProgress),
        ("⏳", Status::Pending),
        ("⬜", Status::Pending),
        ("❌", Status::Dropped),
        ("⛔", Status::Blocked),
        ("已完成", Status::Done),
        ("完成", Status::Done),
        ("进行中", Status::InProgress),
        ("未开始", Status::Pending),
        ("待开发", Status::Pending),
        ("待办", Status::Pending),
        ("取消", Status::Dropped),
        ("废弃", Status::Dropped),
        ("阻塞", Status::Blocked),
        ("in progress", Status::InProgress),
        ("in_progress", Status::InProgress),
        ("in-progress", Status::InProgress),
        ("wip", Status::InProgress),
        ("done", Status::Done),
        ("completed", Status::Done),
        ("complete", Status::Done),
        ("todo", Status::Pending),
        ("to do", Status::Pending),
        ("pending", Status::Pending),
        ("planned", Status::Pending),
        ("not started", Status::Pending),
        ("dropped", Status::Dropped),
        ("cancelled", Status::Dropped),
        ("canceled", Status::Dropped),
        ("blocked", Status::Blocked),
    ];
    for (w, s) in WORDS {
        if let Some(rest) = strip_prefix_ci(t, w) {
            // A word must end at a word boundary (`done` but not `doneness`).
            let ascii_word = w.chars().all(|c| c.is_ascii_alphabetic() || c == ' ');
            if ascii_word && rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            return Some((*s, rest.trim_start()));
        }
    }
    None
}

fn strip_prefix_ci<'a>(t: &'a str, w: &str) -> Option<&'a str> {
    if t.len() >= w.len() && t.is_char_boundary(w.len()) && t[..w.len()].eq_ignore_ascii_case(w) {
        Some(&t[w.len()..])
    } else {
        None
    }
}

/// A status emoji at the start of a bullet (`- ✅ 5.2.1 …`).
pub fn status_emoji_prefix(text: &str) -> Option<(Status, &str)> {
    let t = text.trim_start();
    if t.starts_with(|c: char| c.is_ascii()) && !t.starts_with('[') {
        return None;
    }
    match status_word(t) {
        Some((s, rest)) if !t.starts_with(|c: char| c.is_alphabetic() && !is_cjk(c)) => {
            // Chinese words like `完成` at the start of a bullet are prose, not markers.
            if t.starts_with(is_cjk) {
                None
            } else {
                Some((s, rest))
            }
        }
        _ => None,
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// A priority token `P0`–`P3` (optionally bold, as the whole text).
pub fn priority_token(text: &str) -> Option<Priority> {
    let t = text.trim().trim_matches('*').trim();
    let b = t.as_bytes();
    if b.len() == 2 && (b[0] == b'P' || b[0] == b'p') && (b'0'..=b'3').contains(&b[1]) {
        Some(Priority(b[1] - b'0'))
    } else {
        None
    }
}

/// The first `P0`–`P3` standing as a word inside `text`.
pub fn find_priority(text: &str) -> Option<Priority> {
    memchr::memchr2(b'P', b'p', text.as_bytes())?;
    words(text).find_map(priority_token)
}

/// Words split on anything that is not a letter, digit, `_`, `-` or `.`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .filter(|w| !w.is_empty())
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
    let mut end = text.trim_end().len();
    let mut groups = Vec::new();
    loop {
        let rest = &text[..end];
        let close = if rest.ends_with(')') {
            1
        } else if rest.ends_with('）') {
            '）'.len_utf8()
        } else {
            break;
        };
        let body = &rest[..rest.len() - close];
        let Some((p, opener_len)) = rfind_open(body) else {
            break;
        };
        groups.push(Group {
            outer: p..end,
            inner: body[p + opener_len..].trim(),
        });
        end = text[..p].trim_end().len();
    }
    groups.reverse();
    (&text[..end], groups)
}

/// The last `(` or `（` in `text`: its byte offset and length.
fn rfind_open(text: &str) -> Option<(usize, usize)> {
    const FULL: &[u8] = "（".as_bytes();
    let b = text.as_bytes();
    let mut end = b.len();
    // `（` ends in 0x88: look for either last byte, then check what precedes it.
    while let Some(i) = memchr::memrchr2(b'(', FULL[2], &b[..end]) {
        if b[i] == b'(' {
            return Some((i, 1));
        }
        if i >= 2 && b[i - 2..i] == FULL[..2] {
            return Some((i - 2, FULL.len()));
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
/// `.`/`:`/`、`, or an upper-case prefix (`T4.6.3`, `WP-3`). Bold and backticks are
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

/// Length in bytes of an id token at the start of `t` (see [`leading_id`]).
pub fn id_len(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    let mut i = 0;
    // Prefix letters: 1–4 ASCII upper case, optional `-`.
    while i < b.len() && i < 5 && b[i].is_ascii_uppercase() {
        i += 1;
    }
    if i > 4 {
        return None;
    }
    let prefixed = i > 0;
    if prefixed && i < b.len() && b[i] == b'-' {
        i += 1;
    }
    let digits_start = i;
    let mut dots = 0;
    loop {
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            if dots == 0 {
                return None;
            }
            // `5.` : keep the dot out of the id.
            i -= 1;
            break;
        }
        if i < b.len() && b[i] == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            i += 1;
            dots += 1;
            continue;
        }
        break;
    }
    if i == digits_start {
        return None;
    }
    // An id ends at a word boundary: `5.2.1a` or `T4x` are not ids.
    if i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        return None;
    }
    let id = &t[..i];
    if prefixed {
        // `P0`..`P3` are priorities; `CP1` is a checkpoint, allowed only where asked for.
        if priority_token(id).is_some() {
            return None;
        }
    }
    Some(i)
}

/// Every id mentioned in a dependency list: `5.1.2, 5.1.3`, `T5.3.1、T5.3.2`,
/// ranges `5.2.1~5.2.4` / `5.2.1-5.2.4` / `5.2.1–5.2.4`, short ranges `2.1.2-4`.
/// Returns items; a range is `(first, Some(last))`, `last` as written (`4` in `2.1.2-4`;
/// see [`expand_short_end`]).
pub fn id_list(text: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    each_id(text, |a, b| out.push((a, b)));
    out
}

/// [`id_list`] without collecting: `f(first, last)` for every item, in order.
pub fn each_id<'a>(text: &'a str, mut f: impl FnMut(&'a str, Option<&'a str>)) {
    // One item is held back until we know whether a range follows it.
    let mut held: Option<(&'a str, Option<&'a str>)> = None;
    let mut i = 0;
    let mut pending_range = false;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        let at_boundary = i == 0 || {
            let prev = text[..i].chars().next_back().unwrap_or(' ');
            !(prev.is_ascii_alphanumeric() || prev == '_' || prev == '.')
        };
        if at_boundary && (c.is_ascii_digit() || c.is_ascii_uppercase()) {
            if let Some(n) = id_len(rest) {
                let id = &rest[..n];
                match (&mut held, pending_range) {
                    (Some(h), true) => h.1 = Some(id),
                    _ => {
                        if let Some((a, b)) = held.take() {
                            f(a, b);
                        }
                        held = Some((id, None));
                    }
                }
                pending_range = false;
                i += n;
                continue;
            }
        }
        if matches!(c, '~' | '～' | '–' | '-' | '—') {
            // A range joins two ids with nothing but spaces around the dash.
            let before = text[..i].trim_end();
            if held.is_some_and(|(a, b)| b.is_none() && before.ends_with(a)) {
                pending_range = true;
            }
        } else if !c.is_whitespace() && !matches!(c, '`' | '*') {
            pending_range = false;
        }
        i += c.len_utf8();
    }
    if let Some((a, b)) = held {
        f(a, b);
    }
}

/// `2.1.2-4` → `2.1.4`; a full id is returned as is.
pub fn expand_short_end<'a>(first: &str, end: &'a str) -> std::borrow::Cow<'a, str> {
    if !end.contains('.') && first.contains('.') && end.chars().all(|c| c.is_ascii_digit()) {
        if let Some((head, _)) = first.rsplit_once('.') {
            return std::borrow::Cow::Owned(format!("{head}.{end}"));
        }
    }
    std::borrow::Cow::Borrowed(end)
}

/// Inline dependency phrases in a title or value: `（依赖 5.1.2）`, `(depends on 5.1.2,
/// 5.1.3)`, `after 5.2.1`, `blocked by 3.1`. Returns the id text after each phrase.
pub fn inline_dependency_texts(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    each_inline_dependency(text, |d| out.push(d));
    out
}

/// [`inline_dependency_texts`] without collecting.
pub fn each_inline_dependency<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    const ASCII_CUES: &[&str] = &["depends on", "depend on", "blocked by", "after"];
    const CJK_CUES: &[&str] = &["依赖", "前置", "需先完成", "需要先完成"];
    // The bytes a cue can start with (`d`, `b`, `a` in either case; 依, 前, 需).
    const STARTS: [bool; 256] = {
        let mut t = [false; 256];
        let mut k = 0;
        let bytes = *b"dDbBaA\xE4\xE5\xE9";
        while k < bytes.len() {
            t[bytes[k] as usize] = true;
            k += 1;
        }
        t
    };
    let b = text.as_bytes();
    let mut i = 0;
    // One pass: only positions whose byte can start a cue are examined.
    while i < b.len() {
        match b[i..].iter().position(|&c| STARTS[c as usize]) {
            Some(k) => i += k,
            None => break,
        }
        let cue_len = match b[i] {
            b'd' | b'D' | b'b' | b'B' | b'a' | b'A' => {
                let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
                ASCII_CUES
                    .iter()
                    .find(|c| {
                        word_start
                            && b.len() >= i + c.len()
                            && b[i..i + c.len()].eq_ignore_ascii_case(c.as_bytes())
                    })
                    .map(|c| c.len())
            }
            0xE4 | 0xE5 | 0xE9 => CJK_CUES
                .iter()
                .find(|c| b[i..].starts_with(c.as_bytes()))
                .map(|c| c.len()),
            _ => None,
        };
        let Some(n) = cue_len else {
            i += 1;
            continue;
        };
        let end = i + n;
        i = end;
        let tail = text[end..].trim_start_matches([':', '：', ' ']);
        // The ids run until a closing parenthesis, a sentence end or a new clause.
        let stop = tail
            .find([')', '）', ';', '；', '。', '\n'])
            .unwrap_or(tail.len());
        let seg = &tail[..stop];
        let starts_with_id = {
            let s = seg.trim_start().trim_start_matches(['`', '*']);
            id_len(s).is_some()
        };
        if starts_with_id {
            f(seg);
        }
    }
}

/// Whether a code span names a path (file, directory or glob) rather than a command or
/// an identifier. Returns the path and an optional `:line` range.
pub fn as_path(span: &str) -> Option<(String, Option<String>)> {
    let s = span.trim();
    // One pass over the bytes: what disqualifies a span, and where its colons and last
    // slash are. Non-ASCII text is rare in paths; only then are its characters decoded
    // to look for Unicode spaces.
    let (mut first_colon, mut last_colon, mut last_slash) = (None, None, None);
    let (mut glob, mut non_ascii) = (false, false);
    for (i, &b) in s.as_bytes().iter().enumerate() {
        match b {
            b'(' | b')' | b'=' | b'<' | b'>' => return None,
            b if b.is_ascii_whitespace() || b == 0x0b => return None,
            b':' => {
                first_colon.get_or_insert(i);
                last_colon = Some(i);
            }
            b'/' => last_slash = Some(i),
            b'*' | b'?' => glob = true,
            b if b >= 0x80 => non_ascii = true,
            _ => {}
        }
    }
    if s.is_empty() || (non_ascii && s.contains(char::is_whitespace)) {
        return None;
    }
    // `file.ts:241-247` keeps the range apart.
    let range_at = last_colon.filter(|&c| {
        let r = &s.as_bytes()[c + 1..];
        !r.is_empty() && r.iter().all(|b| b.is_ascii_digit() || *b == b'-')
    });
    let p = range_at.map_or(s, |c| &s[..c]);
    // Another colon in the path part: `db:seed`, `mes:trace` — script names, not paths.
    let colon_in_p = match range_at {
        Some(c) => first_colon.is_some_and(|f| f < c),
        None => first_colon.is_some(),
    };
    if colon_in_p && !p.starts_with('/') {
        return None;
    }
    // (A range holds only digits and dashes: the slashes and globs seen are in `p`.)
    let file = last_slash.map_or(p, |i| &p[i + 1..]);
    let has_ext = file.rsplit_once('.').is_some_and(|(stem, ext)| {
        !ext.is_empty()
            && ext.len() <= 10
            && ext.bytes().all(|c| c.is_ascii_alphanumeric())
            && ext.bytes().any(|c| c.is_ascii_alphabetic())
            && (!stem.is_empty() || file.starts_with('.'))
    });
    let dotfile = file.starts_with('.') && file.len() > 1 && !file.starts_with("..");
    if last_slash.is_some() || glob || has_ext || dotfile {
        // An identifier like `foo.bar` with no slash and a code-ish ext is still a file.
        let range = range_at.map(|c| s[c + 1..].to_string());
        Some((p.to_string(), range))
    } else {
        None
    }
}

/// `TBD` standing as a word (or `待定` / `待确认` in Chinese text).
pub fn has_tbd(text: &str) -> bool {
    use std::sync::OnceLock;
    static WAIT: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let b = text.as_bytes();
    // Byte searches: most lines hold neither, and `待`'s last byte is common in Chinese.
    let cjk = || {
        let wait = WAIT.get_or_init(|| memchr::memmem::Finder::new("待"));
        wait.find_iter(b).any(|i| {
            let rest = &b[i + "待".len()..];
            rest.starts_with("定".as_bytes()) || rest.starts_with("确认".as_bytes())
        })
    };
    let word = || {
        memchr::memchr_iter(b'T', b).any(|i| {
            b[i + 1..].starts_with(b"BD")
                && !(i > 0 && b[i - 1].is_ascii_alphanumeric())
                && !b.get(i + 3).is_some_and(|c| c.is_ascii_alphanumeric())
        })
    };
    cjk() || word()
}

/// A workstream entry naming a track: `Track A：Billing & Invoices`.
pub fn workstream_entry(text: &str) -> Option<(String, &str)> {
    let t = text.trim();
    let rest = strip_prefix_ci(t, "track ")?.trim_start();
    let letter_len = rest
        .char_indices()
        .find(|(_, c)| !c.is_ascii_alphanumeric())
        .map_or(rest.len(), |(i, _)| i);
    if letter_len == 0 || letter_len > 3 {
        return None;
    }
    let (letter, after) = rest.split_at(letter_len);
    let after = after.trim_start();
    let name = after.strip_prefix([':', '：', '—', '–', '-'])?.trim();
    Some((letter.to_uppercase(), name))
}

/// `Track B — Onboarding` inside a heading: the letter and what follows it.
pub fn track_letter(text: &str) -> Option<(String, &str, &str)> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower[from..].find("track") {
        let start = from + p;
        from = start + 5;
        if start > 0 && lower.as_bytes()[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let after = &text[start + 5..];
        let trimmed = after.trim_start();
        if trimmed.len() == after.len() {
            continue;
        }
        let n = trimmed
            .char_indices()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
            .map_or(trimmed.len(), |(i, _)| i);
        if n == 0 || n > 3 {
            continue;
        }
        let letter = &trimmed[..n];
        if !letter.starts_with(|c: char| c.is_ascii_alphabetic()) && n > 2 {
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
    fn ids_at_start() {
        assert_eq!(leading_id("5.2.1 Seed"), Some(("5.2.1", "Seed")));
        assert_eq!(leading_id("T4.6.3.1 烘烤"), Some(("T4.6.3.1", "烘烤")));
        assert_eq!(leading_id("WP-3: Billing"), Some(("WP-3", "Billing")));
        assert_eq!(leading_id("3 retries"), None);
        assert_eq!(leading_id("3. retries"), Some(("3", "retries")));
        assert_eq!(leading_id("P0 fix"), None);
        assert_eq!(leading_id("Seed tenants"), None);
        assert_eq!(leading_id("5.2.1a x"), None);
    }

    #[test]
    fn id_lists_and_ranges() {
        let l = id_list("5.2.1~5.2.4 + 5.4.1-5.4.3、T1, WP-3");
        assert_eq!(
            l,
            vec![
                ("5.2.1", Some("5.2.4")),
                ("5.4.1", Some("5.4.3")),
                ("T1", None),
                ("WP-3", None)
            ]
        );
        assert_eq!(id_list("2.1.2-4"), vec![("2.1.2", Some("4"))]);
        assert_eq!(expand_short_end("2.1.2", "4"), "2.1.4");
        assert_eq!(id_list("5.2.1 – 5.2.3")[0].1, Some("5.2.3"));
    }

    #[test]
    fn fields() {
        assert_eq!(
            split_field("As-built（实现入口）：`a.ts`"),
            Some((Field::AsBuilt, "`a.ts`"))
        );
        assert_eq!(split_field("依赖: 5.1"), Some((Field::Depends, "5.1")));
        assert_eq!(split_field("Seed: tenants"), None);
        // Any case, leading spaces, full-width colon; the colon's offset in the text.
        assert_eq!(
            split_field_at("  TOUCH POINTS：`a.ts`"),
            Some((Field::TouchPoints, "`a.ts`", 14))
        );
        // A character whose UTF-8 ends like `：` (EF BC 9A) is not a colon: `皚` is
        // E7 9A 9A.
        assert_eq!(split_field("皚 note"), None);
        assert_eq!(split_field("DoD：皚"), Some((Field::Dod, "皚")));
        assert_eq!(split_field("ＤｏＤ：x"), None);
        // A label is at most 40 characters; spaces after the 40th still count as part
        // of the gap before the colon.
        let long = format!("{}: x", "说".repeat(41));
        assert_eq!(split_field(&long), None);
        assert_eq!(
            split_field(&format!("{}{}: ok", "dod", " ".repeat(45))),
            Some((Field::Dod, "ok"))
        );
        assert_eq!(split_field("（note）：x"), None);
        assert_eq!(split_field(":"), None);
    }

    #[test]
    fn quick_trims_match_std() {
        for s in [
            "",
            " ",
            "a",
            " a ",
            "a b",
            "\u{3000}说\u{3000}",
            "x\u{3000}",
            "\tx",
            "`a` ",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
            assert_eq!(trim_start(s), s.trim_start(), "{s:?}");
        }
    }

    #[test]
    fn tbd_as_a_word() {
        assert!(has_tbd("owner TBD"));
        assert!(has_tbd("TBD"));
        assert!(has_tbd("(TBD)"));
        assert!(has_tbd("负责人待定"));
        assert!(has_tbd("接口待确认"));
        assert!(!has_tbd("TBDX"));
        assert!(!has_tbd("xTBD"));
        assert!(!has_tbd("待办"));
        assert!(!has_tbd("TB"));
    }

    #[test]
    fn paths_vs_mentions() {
        assert!(as_path("server/src/billing/*").is_some());
        assert!(as_path("user_docs/").is_some());
        assert!(as_path("README.md").is_some());
        assert_eq!(
            as_path("src/a.ts:241-247"),
            Some(("src/a.ts".into(), Some("241-247".into())))
        );
        assert!(as_path("bun run db:seed").is_none());
        assert!(as_path("DataCollectionSpec").is_none());
        assert!(as_path("db:seed").is_none());
        assert!(as_path("v1.2").is_none());
        // Any space, ASCII or not, makes it a command or prose.
        assert!(as_path("src/a b.ts").is_none());
        assert!(as_path("src/a\u{3000}b.ts").is_none());
        assert!(as_path("src/a\u{0b}b.ts").is_none());
        assert_eq!(as_path("文档/设计.md"), Some(("文档/设计.md".into(), None)));
        assert_eq!(
            as_path("/etc/x:1:2"),
            Some(("/etc/x:1".into(), Some("2".into())))
        );
        assert!(as_path("a:b/c.ts:3").is_none());
        assert!(as_path(".env").is_some());
        assert!(as_path("..").is_none());
        assert!(as_path("f(x).ts").is_none());
    }

    #[test]
    fn groups() {
        let t = "Readiness 配置（DB + API） (可选，P1)";
        let (rest, g) = trailing_groups(t);
        assert_eq!(rest, "Readiness 配置");
        let inner: Vec<&str> = g.iter().map(|g| g.inner).collect();
        assert_eq!(inner, vec!["DB + API", "可选，P1"]);
        assert_eq!(
            without_groups(t, &g, |i| find_priority(i).is_some()),
            "Readiness 配置（DB + API）"
        );
    }

    #[test]
    fn inline_deps() {
        assert_eq!(
            inline_dependency_texts("Seed invoices（依赖 5.1.2）"),
            vec!["5.1.2"]
        );
        assert_eq!(
            inline_dependency_texts("x (depends on 5.1.2, 5.1.3)"),
            vec!["5.1.2, 5.1.3"]
        );
        assert!(inline_dependency_texts("after lunch").is_empty());
        // English cues start a word and take any case; Chinese ones stand anywhere.
        assert!(inline_dependency_texts("rafter 5.1.2").is_empty());
        assert_eq!(inline_dependency_texts("Blocked By: 3.1; x"), vec!["3.1"]);
        assert_eq!(
            inline_dependency_texts("部署需要先完成 T2.1。"),
            vec!["T2.1"]
        );
        assert_eq!(
            inline_dependency_texts("A (after 1.2) B（前置：`2.3`）"),
            vec!["1.2", "`2.3`"]
        );
    }
}
