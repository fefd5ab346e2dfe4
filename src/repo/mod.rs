//! The repository through git2 (never a `git` process): finding the root and listing
//! the working tree's files (tracked + untracked, ignores honoured), the state of the
//! checkout and its linked worktrees, and the plan's history.

mod files;
pub mod history;
pub mod merge;
pub mod staleness;
mod state;
pub mod status;
mod trees;
mod watch;

pub use files::{find_root, list_files, RepoFiles};
pub use state::*;
pub use watch::{Changes, Watch, WatchError};

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{path} does not exist")]
    Missing { path: PathBuf },
    #[error("{path} is a bare repository with no working tree; point --repo at a checkout")]
    Bare { path: PathBuf },
    #[error("cannot read the repository at {path}: {message}")]
    Git { path: PathBuf, message: String },
    #[error("cannot list files under {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The repository's `user.name` (its config, then the user's and the system's), when
/// one is set.
pub fn user_name(repo: &git2::Repository) -> Option<String> {
    repo.config()
        .ok()
        .and_then(|c| c.get_string("user.name").ok())
        .filter(|s| !s.trim().is_empty())
}

/// A git2 call that failed, with git's message. Scans report it as a problem of the
/// worktree or repository they were reading, and carry on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GitError(pub String);

impl From<git2::Error> for GitError {
    fn from(e: git2::Error) -> Self {
        GitError(e.message().to_string())
    }
}

/// What the triage shows about the repository: its state (when it is a git repository)
/// and the open tasks whose code may already exist.
#[derive(Debug, Clone, Default)]
pub struct RepoReport {
    pub state: Option<RepoState>,
    /// Why there is no state (not a git repository, unreadable…).
    pub unavailable: Option<String>,
    pub stale: Vec<staleness::Stale>,
    /// Problems met while looking for stale tasks.
    pub problems: Vec<String>,
}

impl RepoReport {
    pub fn stale_for(&self, task: usize) -> Option<&staleness::Stale> {
        self.stale.iter().find(|s| s.task == task)
    }
}
