//! The application layer: one function per user-facing command, each taking a
//! [`Session`] and a typed request and returning a typed answer that the renderers read.
//! The CLI and the bot only turn arguments into requests and answers into text; neither
//! composes operations itself, so both give the same answer. All reading happens in the
//! session's snapshot step; the triage and the digest compute from what it read.

mod history;
mod notes;
mod plan;
mod questions;
mod repository;
mod session;
mod subscriptions;

pub use history::{digest, progress, Digest, DigestRequest, Progress, ProgressRequest};
pub use notes::{
    note, pick, record_posted, unpick, Noted, Offer, PickRequest, Picked, UnpickRequest,
    WrittenNote,
};
pub use plan::{
    check, next, plan_now, task, track, triage, Next, NextRequest, NoteAsk, TaskRequest,
    TrackRequest, TriageRequest,
};
pub use questions::{ask, decide, questions, AskRequest, Asked, DecideRequest, Decided};
pub use repository::{status, worktrees, Status};
pub use session::{repo_entries, OpenRequest, Options, Session};
pub use subscriptions::{claim_day, claim_due, digest_done, subscribe};

use crate::config::ConfigError;
use crate::digest::DigestError;
use crate::note::NoteError;
use crate::repo::RepoError;
use crate::sources::SourceError;
use crate::store::StoreError;
use crate::triage::TrackError;
use std::path::PathBuf;

/// Why a command could not answer. Each variant says what went wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error(transparent)]
    Track(#[from] TrackError),
    #[error(transparent)]
    Digest(#[from] DigestError),
    #[error("cannot tell the current directory: {0}")]
    Cwd(std::io::Error),
    #[error("{} is not a git repository ({why}); this needs one", path.display())]
    NotARepository { path: PathBuf, why: String },
    #[error("no task `{id}` in the plan ({tasks} tasks in {files})")]
    UnknownTask {
        id: String,
        tasks: usize,
        files: String,
    },
    #[error("task `{id}` is defined in several places ({places}); name one as FILE:ID, e.g. `{first}:{id}`")]
    AmbiguousTask {
        id: String,
        places: String,
        first: String,
    },
    #[error("no question `{id}`: none are known yet")]
    NoQuestions { id: String },
    #[error("no question `{id}`; known: {known}")]
    UnknownQuestion { id: String, known: String },
    #[error("no triage note recorded yet to pick from")]
    NoNoteYet,
    #[error("note {} not found inside the repository {}", given.display(), root.display())]
    NoteOutside { given: PathBuf, root: PathBuf },
    #[error("message {id} is not a shortlist this bot posted")]
    NotAShortlist { id: String },
    #[error("{source_name} offers no candidates to pick")]
    NothingOffered { source_name: String },
    #[error("no repository `{name}` answers here{}", if known.is_empty() { String::new() } else { format!("; this channel serves {known}") })]
    UnknownRepo { name: String, known: String },
    #[error(
        "this channel serves several repositories ({known}): choose one with the `repo` option"
    )]
    WhichRepo { known: String },
    #[error(
        "no repository answers in this channel; the config's [[repos]] entries name their channels"
    )]
    NoRepoHere,
    #[error("nobody has claimed `{id}`")]
    NotClaimed { id: String },
    #[error("`{id}` is claimed by {by}; only they or a writer can release it")]
    NotYourClaim { id: String, by: String },
    #[error("no candidate {n} in {source_name}; it offers {offered}")]
    NoSuchCandidate {
        n: usize,
        source_name: String,
        offered: String,
    },
}
