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
    let mut add = |id: &str, text: &str, origin: Origin| match out.iter_mut().find(|q| q.id == id) {
        Some(q) => {
            if !q.origins.contains(&origin) {
                q.origins.push(origin);
            }
        }
        None => out.push(OpenQuestion {
            id: id.to_string(),
            text: text.to_string(),
            origins: vec![origin],
        }),
    };
    for q in &plan.questions {
        add(
            &q.id,
            &q.text,
            Origin::Plan {
                file: plan.file_of(q.span).to_string(),
                line: q.span.line,
                task: q.task.map(|t| plan.tasks[t].id.0.clone()),
                tbd: q.source == QuestionSource::Tbd,
            },
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
    pub open: Vec<OpenQuestion>,
    pub every: Vec<OpenQuestion>,
    pub decisions: Vec<DecisionRow>,
    /// What could not be read (the database, say).
    pub warnings: Vec<String>,
}

/// The questions of a snapshot: decided ones (by a decision in the store or in a note)
/// are not open.
pub fn known(snap: &super::Snapshot) -> Known {
    let every = all_questions(&snap.plan, &snap.note_questions, &snap.chat_questions);
    let decided = decided_ids(&snap.decisions, &snap.decided_in_notes);
    let open = every
        .iter()
        .filter(|q| !decided.contains(&q.id))
        .cloned()
        .collect();
    Known {
        open,
        every,
        decisions: snap.decisions.clone(),
        warnings: snap.warnings.clone(),
    }
}
