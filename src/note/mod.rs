//! Conversation notes, the only writes into the repository: the note's name (time stamp
//! and slug), its create-new write, reading earlier notes back (open questions, decisions,
//! candidates) and the `## Selected` append by temp file + rename.

pub mod layout;

use crate::plan::question_id;
use crate::triage::questions::NoteQuestion;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("cannot create the notes directory {dir}: {source}")]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write note {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read note {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Outside(String),
}

/// Most characters a slug keeps.
pub const SLUG_MAX: usize = 64;

/// Most bytes a slug keeps: with the time stamp, a `_NN` suffix and `.md`, the file name
/// stays well under the 255 bytes file systems allow.
const SLUG_MAX_BYTES: usize = 200;

/// SPEC §4.1: Unicode letters and digits, `_` and `-` are kept, runs of white space become
/// `_`, everything else is dropped; at most 64 characters; `note` when nothing is left.
/// The result never holds a path separator, a dot or a NUL, so it cannot leave a directory.
pub fn slug(topic: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    let mut gap = false;
    for c in topic.chars() {
        // Characters and bytes are both bounded: 64 four-byte letters would make a name
        // longer than file systems allow (255 bytes).
        if n >= SLUG_MAX || out.len() + usize::from(gap) + c.len_utf8() > SLUG_MAX_BYTES {
            break;
        }
        if c.is_whitespace() {
            gap = !out.is_empty();
            continue;
        }
        if !(c.is_alphanumeric() || c == '_' || c == '-') {
            continue;
        }
        if gap {
            out.push('_');
            n += 1;
            gap = false;
            if n >= SLUG_MAX {
                break;
            }
        }
        out.push(c);
        n += 1;
    }
    if out.is_empty() {
        "note".to_string()
    } else {
        out
    }
}

/// `YYYY-MM-DD_HHMMSS` of `at` in the time zone (IANA name, else the machine's zone).
pub fn stamp(at: DateTime<Utc>, tz: Option<&str>) -> String {
    crate::config::local_format(at, tz, "%Y-%m-%d_%H%M%S")
}

/// Write a new note: `<dir>/<stamp>_<slug>.md`, or with `_1`, `_2`… when that name is
/// taken. The file appears whole (written to a temp file, then linked to its name, which
/// fails rather than replace anything) and nothing existing is ever overwritten.
pub fn write_new(dir: &Path, stamp: &str, topic: &str, text: &str) -> Result<PathBuf, NoteError> {
    std::fs::create_dir_all(dir).map_err(|source| NoteError::Dir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let base = format!("{stamp}_{}", slug(topic));
    let tmp = dir.join(format!(".{base}.{}.tmp", std::process::id()));
    let werr = |path: &Path, source| NoteError::Write {
        path: path.to_path_buf(),
        source,
    };
    write_synced(&tmp, text.as_bytes()).map_err(|e| werr(&tmp, e))?;
    let result = (|| {
        for n in 0..10_000u32 {
            let name = if n == 0 {
                format!("{base}.md")
            } else {
                format!("{base}_{n}.md")
            };
            let path = dir.join(&name);
            match std::fs::hard_link(&tmp, &path) {
                Ok(()) => return Ok(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                // File systems without hard links: create-new and write in place.
                Err(_) => match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                {
                    Ok(mut f) => {
                        f.write_all(text.as_bytes())
                            .and_then(|_| f.sync_all())
                            .map_err(|e| werr(&path, e))?;
                        return Ok(path);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(werr(&path, e)),
                },
            }
        }
        Err(NoteError::Outside(format!(
            "10,000 notes named {base} already exist in {}",
            dir.display()
        )))
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// One `## Selected` entry: who picked which candidate of which track, and when (a
/// local time already formatted). Both front ends write exactly this line.
pub fn selected_entry(
    by: &str,
    rank: usize,
    id: &str,
    title: &str,
    track: &str,
    when: &str,
) -> String {
    format!("{by} picked candidate {rank}: `{id}` {title} ({track}) on {when}")
}

/// Guards read-modify-write of notes inside this process (the bot's handlers run at once).
static APPEND_LOCK: Mutex<()> = Mutex::new(());

/// Append one `## Selected` entry: under the note's last section when it already is
/// `## Selected`, else as a new section. Written to a temp file and renamed over the
/// note, so a reader sees the old note or the new one, never half of it.
pub fn append_selected(path: &Path, entry: &str) -> Result<(), NoteError> {
    let _guard = APPEND_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let text = std::fs::read_to_string(path).map_err(|source| NoteError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let last_heading = text
        .lines()
        .rev()
        .find(|l| l.starts_with("## ") || l.starts_with("# "));
    let mut out = text.clone();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if last_heading.map(str::trim_end) != Some("## Selected") {
        out.push_str("\n## Selected\n");
    }
    out.push_str(&format!("- {entry}\n"));
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let werr = |source| NoteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let _ = std::fs::remove_file(&tmp);
    write_synced(&tmp, out.as_bytes()).map_err(werr)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        werr(e)
    })
}

/// What earlier notes say: their open questions, the question ids their `## Decisions`
/// answer, and (for picking) their numbered candidates.
#[derive(Debug, Clone, Default)]
pub struct NotesRead {
    pub questions: Vec<NoteQuestion>,
    pub decided: HashSet<String>,
}

/// Read every `*.md` note in the notes directory (oldest name first): the decisions of
/// all of them, the open questions of triage notes only (those shortlist wrote, and those
/// whose file name matches one of `question_notes`: design notes and troubleshooting logs
/// have "open questions" that nobody means to decide here). A missing directory is no
/// notes; an unreadable file is skipped.
pub fn read_notes(root: &Path, notes_dir: &str, question_notes: &[String]) -> NotesRead {
    let mut globs = globset::GlobSetBuilder::new();
    for g in question_notes {
        if let Ok(glob) = globset::GlobBuilder::new(g).case_insensitive(true).build() {
            globs.add(glob);
        }
    }
    let globs = globs.build().unwrap_or_else(|_| globset::GlobSet::empty());
    let dir = root.join(notes_dir);
    let mut out = NotesRead::default();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "md")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f
            .strip_prefix(root)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let triage = text.contains(WRITTEN_BY) || globs.is_match(&name);
        let before = out.questions.len();
        read_note_text(&rel, &text, &mut out);
        if !triage {
            out.questions.truncate(before);
        }
        let at = note_time(&name);
        for q in &mut out.questions[before..] {
            q.at = at;
        }
    }
    out
}

/// What every note shortlist writes says in its context (how its notes are told apart
/// from notes people write).
pub const WRITTEN_BY: &str = "written by shortlist for";

/// When a note was written, from its name (`2026-11-28_090203_…`, `2026-11-28-…`).
fn note_time(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name
        .get(..17)
        .and_then(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d_%H%M%S").ok());
    let day = || {
        name.get(..10)
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    };
    stamp.or_else(day).map(|n| n.and_utc())
}

/// One note's questions and decided ids.
pub fn read_note_text(rel: &str, text: &str, out: &mut NotesRead) {
    let mut section = String::new();
    let mut in_fence = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_lowercase();
            continue;
        }
        if line.starts_with("# ") {
            section.clear();
            continue;
        }
        let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) else {
            continue;
        };
        match section.as_str() {
            "open questions" | "open question" | "待定问题" | "开放问题" => {
                let (id, text) = split_question(item);
                if text.is_empty()
                    || text.starts_with("(none")
                    || text.starts_with("… and ")
                    || crate::triage::questions::is_placeholder(&text)
                {
                    continue;
                }
                let id = id.unwrap_or_else(|| question_id(&text, &HashSet::new()));
                if out.questions.iter().any(|q| q.id == id) {
                    continue;
                }
                out.questions.push(NoteQuestion {
                    id,
                    text,
                    path: rel.to_string(),
                    line: i as u32 + 1,
                    at: None,
                });
            }
            "decisions" | "决定" | "决策" => {
                for id in question_ids_in(item) {
                    out.decided.insert(id);
                }
            }
            _ => {}
        }
    }
}

/// `` `Q-7f3a` text — `plan.md:12` `` → (Some("Q-7f3a"), "text").
fn split_question(item: &str) -> (Option<String>, String) {
    let item = item.trim();
    let mut rest = item;
    let mut id = None;
    let bare = item.trim_start_matches('`');
    if let Some(found) = question_ids_in(bare).into_iter().next() {
        if bare.starts_with(&found) {
            id = Some(found.clone());
            rest = bare[found.len()..].trim_start_matches('`').trim_start();
            rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
        }
    }
    // What we append after the text: ` — source`.
    let text = match rest.rsplit_once(" — ") {
        Some((t, src)) if src.starts_with('`') || src.starts_with("asked") => t,
        _ => rest,
    };
    (id, text.trim().to_string())
}

/// Every `Q-` id in a line (`Q-` then 4 to 16 hex digits, on word boundaries).
pub fn question_ids_in(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < b.len() {
        let start_ok = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-');
        if start_ok && b[i] == b'Q' && b[i + 1] == b'-' {
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_hexdigit() && !b[j].is_ascii_uppercase() {
                j += 1;
            }
            let n = j - (i + 2);
            let end_ok = j == b.len() || !(b[j].is_ascii_alphanumeric() || b[j] == b'_');
            if (4..=16).contains(&n) && end_ok {
                out.push(s[i..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The numbered candidates of a note's selection prompt: `1. `3.5.1` …` → (1, "3.5.1").
pub fn candidates_in(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_prompt = false;
    for line in text.lines() {
        let t = line.trim();
        if line.starts_with("## ") {
            in_prompt = false;
        }
        if t.starts_with("- Selection prompt") {
            in_prompt = true;
            continue;
        }
        if !in_prompt {
            continue;
        }
        let Some((n, rest)) = t.split_once(". ") else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        let Some(rest) = rest.strip_prefix('`') else {
            continue;
        };
        if let Some((id, _)) = rest.split_once('`') {
            out.push((n, id.to_string()));
        }
    }
    out
}

/// Resolve a note path given on the command line (relative to the current directory or
/// to the repository root) to one inside the repository, as stored (`/` separators).
pub fn relative_to_root(root: &Path, given: &Path) -> Option<String> {
    let cands = [
        std::env::current_dir().ok().map(|c| c.join(given)),
        Some(root.join(given)),
    ];
    for c in cands.into_iter().flatten() {
        if let (Ok(abs), Ok(r)) = (c.canonicalize(), root.canonicalize()) {
            if let Ok(rel) = abs.strip_prefix(&r) {
                return Some(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_need_hex_and_boundaries() {
        assert_eq!(question_ids_in("answers Q-7f3a: yes"), vec!["Q-7f3a"]);
        assert!(question_ids_in("XQ-7f3a").is_empty());
        assert!(question_ids_in("Q-7f3").is_empty());
        assert!(question_ids_in("Q-7f3az").is_empty());
        assert_eq!(
            question_ids_in("`Q-00ab12`, Q-1234"),
            vec!["Q-00ab12", "Q-1234"]
        );
    }

    #[test]
    fn question_items_keep_their_id() {
        let (id, text) = split_question("`Q-7f3a` Should we waive? — `plan.md:12`");
        assert_eq!(id.as_deref(), Some("Q-7f3a"));
        assert_eq!(text, "Should we waive?");
        let (id, text) = split_question("Plain question — with a dash inside");
        assert_eq!(id, None);
        assert_eq!(text, "Plain question — with a dash inside");
    }
}
