//! The commands about questions: `questions` (open ones, and with `all` the decided),
//! `ask` (record one) and `decide` (record a decision on one).

use super::session::{Depth, Session};
use super::AppError;
use crate::store::{DecisionRow, QuestionRow};
use crate::triage::questions::{self, Known, OpenQuestion};
use std::collections::HashSet;

/// Every question known (plan, earlier notes, the store), the open ones and the
/// decisions. A database that cannot be read leaves its rows out, with a warning.
pub fn questions(s: &mut Session) -> Result<Known, AppError> {
    let snap = s.snapshot(Depth::Plan)?;
    Ok(questions::known(&snap))
}

/// A question recorded (or found already asked).
#[derive(Debug, Clone)]
pub struct Asked {
    pub question: QuestionRow,
    /// False when the same text was asked before: nothing changed.
    pub new: bool,
}

/// `ask`: the question, and who asks it.
#[derive(Debug, Clone)]
pub struct AskRequest {
    pub text: String,
    pub by: String,
}

/// Ask a question; its id never collides with one the plan or the notes already use.
pub fn ask(s: &mut Session, req: &AskRequest) -> Result<Asked, AppError> {
    let snap = s.snapshot(Depth::Plan)?;
    let mut taken: HashSet<String> = snap.plan.questions.iter().map(|q| q.id.clone()).collect();
    taken.extend(snap.note_questions.iter().map(|q| q.id.clone()));
    let (question, new) = s
        .store_for_write()?
        .add_question(&req.text, &req.by, &taken)?;
    Ok(Asked { question, new })
}

/// A decision recorded on a known question.
#[derive(Debug, Clone)]
pub struct Decided {
    pub decision: DecisionRow,
    pub question: OpenQuestion,
}

/// `decide`: the question (`Q-7f3a`; the `Q-` may be left out), the decision, who took
/// it and through which front end (`cli`, `discord`).
#[derive(Debug, Clone)]
pub struct DecideRequest {
    pub question: String,
    pub decision: String,
    pub by: String,
    pub via: String,
}

/// Record a decision on a known question.
pub fn decide(s: &mut Session, req: &DecideRequest) -> Result<Decided, AppError> {
    let qid = req.question.as_str();
    let snap = s.snapshot(Depth::Plan)?;
    let chat = s.store_for_write()?.questions()?;
    let all = questions::all_questions(&snap.plan, &snap.note_questions, &chat);
    let Some(q) = questions::find(&all, qid).cloned() else {
        if all.is_empty() {
            return Err(AppError::NoQuestions {
                id: qid.to_string(),
            });
        }
        let known: Vec<String> = all.iter().take(10).map(|q| q.id.clone()).collect();
        return Err(AppError::UnknownQuestion {
            id: qid.to_string(),
            known: known.join(", "),
        });
    };
    let decision = s
        .store_for_write()?
        .decide(Some(&q.id), &req.decision, &req.by, &req.via)?;
    Ok(Decided {
        decision,
        question: q,
    })
}
