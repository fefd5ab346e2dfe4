//! Open questions from every source: the plan (open-question sections, `TBD`), earlier
//! notes' `## Open Questions`, and the store; one entry per stable `Q-` id, decided ones
//! left out.

use crate::plan::{Plan, QuestionSource};
use crate::store::{DecisionRow, QuestionRow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashSet;

/// A question found in a conversation note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteQuestion {
    pub id: String,
    pub text: String,
    /// Note path relative to the repository root.
    pub path: String,
    pub line: u32,
    /// When the note was written (from its name), if it says.
    pub at: Option<DateTime<Utc>>,
}

/// Where a question was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    Plan {
        file: String,
        line: u32,
        /// The task it sits in (a `TBD`), if any.
        task: Option<String>,
        tbd: bool,
    },
    Note {
        file: String,
        line: u32,
    },
    Chat {
        by: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenQuestion {
    pub id: String,
    pub text: String,
    /// Every place it was asked, plan first.
    pub origins: Vec<Origin>,
    /// When it was first asked, where that is known (chat, a dated note); a question
    /// in the live plan has no age.
    pub asked_at: Option<DateTime<Utc>>,
    /// Days since `asked_at`, as of the snapshot.
    pub age_days: Option<i64>,
}

/// Texts that stand for "no question" in a list: `None`, `无`, `N/A`, `-`, `暂无`.
pub fn is_placeholder(text: &str) -> bool {
    let t = text
        .trim()
        .trim_matches(|c: char| matches!(c, '.' | '。' | '(' | ')' | '（' | '）' | '*' | '_'))
        .trim()
        .to_lowercase();
    matches!(
        t.as_str(),
        "" | "none"
            | "none yet"
            | "nothing"
            | "n/a"
            | "na"
            | "-"
            | "—"
            | "–"
            | "无"
            | "暂无"
            | "没有"
            | "tbd"
    )
}

/// Ids some decision answers, from the store and from notes' `## Decisions`.
pub fn decided_ids(decisions: &[DecisionRow], from_notes: &HashSet<String>) -> HashSet<String> {
    let mut out: HashSet<String> = decisions
        .iter()
        .filter_map(|d| d.question_id.clone())
        .collect();
    out.extend(from_notes.iter().cloned());
    out
}

/// Every question, decided or not, one per id (plan, then notes, then chat).
pub fn all_questions(
    plan: &Plan,
    notes: &[NoteQuestion],
    chat: &[QuestionRow],
) -> Vec<OpenQuestion> {
    let mut out: Vec<OpenQuestion> = Vec::new();
    let mut add = |id: &str, text: &str, origin: Origin, at: Option<DateTime<Utc>>| match out
        .iter_mut()
        .find(|q| q.id == id)
    {
        Some(q) => {
            if !q.origins.contains(&origin) {
                q.origins.push(origin);
            }
            q.asked_at = match (q.asked_at, at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        None => out.push(OpenQuestion {
            id: id.to_string(),
            text: text.to_string(),
            origins: vec![origin],
            asked_at: at,
            age_days: None,
        }),
    };
    for q in &plan.questions {
        // A TBD left in a finished task is history, not an open question.
        let done_tbd =
            q.source == QuestionSource::Tbd && q.task.is_some_and(|t| plan.is_finished(t));
        if done_tbd || is_placeholder(&q.text) {
            continue;
        }
        add(
            &q.id,
            &q.text,
            Origin::Plan {
                file: plan.file_of(q.span).to_string(),
                line: q.span.line,
                task: q.task.map(|t| plan.tasks[t].id.to_string()),
                tbd: q.source == QuestionSource::Tbd,
            },
            None,
        );
    }
    for q in notes {
        add(
            &q.id,
            &q.text,
            Origin::Note {
                file: q.path.clone(),
                line: q.line,
            },
            q.at,
        );
    }
    for q in chat {
        add(
            &q.id,
            &q.text,
            Origin::Chat {
                by: q.asked_by.clone(),
                at: q.asked_at,
            },
            Some(q.asked_at),
        );
    }
    out
}

/// The questions no decision answers yet.
pub fn open_questions(
    plan: &Plan,
    notes: &[NoteQuestion],
    chat: &[QuestionRow],
    decided: &HashSet<String>,
) -> Vec<OpenQuestion> {
    all_questions(plan, notes, chat)
        .into_iter()
        .filter(|q| !decided.contains(&q.id))
        .collect()
}

/// Find a question by id, case-insensitively, `Q-` optional (`7f3a`, `q-7F3A`).
pub fn find<'a>(all: &'a [OpenQuestion], query: &str) -> Option<&'a OpenQuestion> {
    let q = query.trim();
    let q = q
        .strip_prefix("Q-")
        .or_else(|| q.strip_prefix("q-"))
        .unwrap_or(q)
        .to_lowercase();
    all.iter()
        .find(|x| x.id.strip_prefix("Q-").is_some_and(|h| h == q))
}

/// Every question known, the open ones, and the decisions.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Open and asked within `question_days`: plan questions first (in plan order),
    /// then the others newest first.
    pub open: Vec<OpenQuestion>,
    /// Open but older than `question_days` (listed only on request).
    pub stale: Vec<OpenQuestion>,
    pub every: Vec<OpenQuestion>,
    pub decisions: Vec<DecisionRow>,
    /// What could not be read (the database, say).
    pub warnings: Vec<String>,
}

/// The questions of a snapshot: decided ones (by a decision in the store or in a note)
/// are not open.
pub fn known(snap: &super::Snapshot) -> Known {
    let mut every = all_questions(&snap.plan, &snap.note_questions, &snap.chat_questions);
    for q in &mut every {
        q.age_days = q.asked_at.map(|at| (snap.now - at).num_days().max(0));
    }
    let decided = decided_ids(&snap.decisions, &snap.decided_in_notes);
    let max_age = i64::from(snap.config.question_days);
    let (mut open, stale): (Vec<OpenQuestion>, Vec<OpenQuestion>) = every
        .iter()
        .filter(|q| !decided.contains(&q.id))
        .cloned()
        .partition(|q| q.age_days.is_none_or(|d| d <= max_age));
    // Plan questions first in plan order (stable), then the newest first.
    open.sort_by_key(|q| {
        let from_plan = q.origins.iter().any(|o| matches!(o, Origin::Plan { .. }));
        (!from_plan, std::cmp::Reverse(q.asked_at))
    });
    Known {
        open,
        stale,
        every,
        decisions: snap.decisions.clone(),
        warnings: snap.warnings.clone(),
    }
}
