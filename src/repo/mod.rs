//! The repository through git2 (never a `git` process): finding the root and listing
//! the working tree's files (tracked + untracked, ignores honoured).

mod files;

pub use files::{find_root, list_files, RepoFiles};

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
