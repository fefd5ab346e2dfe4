//! The commands that answer from the plan and the repository: `next`, `triage`,
//! `check`, `track`, `task`.

use super::notes::{self, WrittenNote};
use super::session::{Depth, Session};
use super::AppError;
use crate::triage::{self, DocGlobs, TaskFacts, TrackFacts, Triage};
use chrono::{DateTime, Utc};

/// `next`: the shortlist; with `note`, also the conversation note it is written into
/// (the bot's `/next` asks for one, so that a pick can name it).
#[derive(Debug, Clone)]
pub struct NextRequest {
    pub note: Option<NoteAsk>,
}

/// Write the triage into a note: about `topic`, asked by `by` at `at`.
#[derive(Debug, Clone)]
pub struct NoteAsk {
    pub topic: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The shortlist, and the note it was written into when one was asked for.
#[derive(Debug, Clone)]
pub struct Next {
    pub triage: Triage,
    pub note: Option<WrittenNote>,
}

/// The shortlist (with the whole triage it comes from).
pub fn next(s: &mut Session, req: NextRequest) -> Result<Next, AppError> {
    let mut t = triage(s, &TriageRequest::default())?;
    let note = match req.note {
        Some(ask) => Some(notes::write(s, &mut t, &ask.topic, &ask.by, ask.at)?),
        None => None,
    };
    Ok(Next { triage: t, note })
}

/// `triage`: the whole triage, or with `track`, the triage focused on that track
/// (letter, key, numeric id or part of its name).
#[derive(Debug, Clone, Default)]
pub struct TriageRequest {
    pub track: Option<String>,
}

/// Remaining work by track, the repository's state, conflicts, questions.
pub fn triage(s: &mut Session, req: &TriageRequest) -> Result<Triage, AppError> {
    let snap = s.snapshot(Depth::Repository)?;
    let mut t = triage::triage(snap);
    if let Some(q) = &req.track {
        t.focus = Some(triage::track_named(&t.plan, q)?);
    }
    Ok(t)
}

/// `check`: the plan's diagnostics and every conflict (the triage carries both).
pub fn check(s: &mut Session) -> Result<Triage, AppError> {
    triage(s, &TriageRequest::default())
}

/// The plan as it is now (for autocomplete and other lookups).
pub fn plan_now(s: &mut Session) -> Result<std::sync::Arc<crate::plan::Plan>, AppError> {
    s.plan()
}

/// `track`: one track by key, letter, numeric id or part of its name.
#[derive(Debug, Clone)]
pub struct TrackRequest {
    pub track: String,
}

/// The track's tasks, open and finished, with what each waits for.
pub fn track(s: &mut Session, req: &TrackRequest) -> Result<TrackFacts, AppError> {
    let plan = s.plan()?;
    let ti = triage::track_named(&plan, &req.track)?;
    let docs = DocGlobs::new(&s.config().doc_globs);
    Ok(triage::track_facts(plan, ti, &docs))
}

/// `task`: one task by id (`FILE:ID` when ids repeat).
#[derive(Debug, Clone)]
pub struct TaskRequest {
    pub id: String,
}

/// The task with its fields, what it waits for and what waits for it.
pub fn task(s: &mut Session, req: &TaskRequest) -> Result<TaskFacts, AppError> {
    let id = req.id.as_str();
    let plan = s.plan()?;
    let found = plan.find_tasks(id);
    let t = match found.as_slice() {
        [t] => *t,
        [] => {
            return Err(AppError::UnknownTask {
                id: id.to_string(),
                tasks: plan.tasks.len(),
                files: plan
                    .files
                    .iter()
                    .map(|f| f.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
        many => {
            let places: Vec<String> = many
                .iter()
                .map(|&t| {
                    format!(
                        "{}:{}",
                        plan.file_of(plan.tasks[t].span),
                        plan.tasks[t].span.line
                    )
                })
                .collect();
            return Err(AppError::AmbiguousTask {
                id: id.to_string(),
                places: places.join(", "),
                first: plan.file_of(plan.tasks[many[0]].span).to_string(),
            });
        }
    };
    Ok(triage::task_facts(plan, t))
}
