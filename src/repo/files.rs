//! Repository root discovery and the file list used to find plan files and to check that
//! touch points name real files.

use super::RepoError;
use crate::plan::FileIndex;
use std::path::{Path, PathBuf};

/// The working tree's files, sorted, as `/`-separated paths relative to the root.
#[derive(Debug, Clone, Default)]
pub struct RepoFiles {
    pub files: Vec<String>,
}

/// The repository root at or above `start` (its working tree), or `start` itself when it
/// is not inside a git repository (plain directories work too).
pub fn find_root(start: &Path) -> Result<PathBuf, RepoError> {
    if !start.exists() {
        return Err(RepoError::Missing {
            path: start.to_path_buf(),
        });
    }
    match git2::Repository::discover(start) {
        Ok(repo) => match repo.workdir() {
            Some(w) => Ok(w.to_path_buf()),
            None => Err(RepoError::Bare {
                path: start.to_path_buf(),
            }),
        },
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(start.to_path_buf()),
        Err(e) => Err(RepoError::Git {
            path: start.to_path_buf(),
            message: e.message().to_string(),
        }),
    }
}

/// Tracked files still present plus untracked files git does not ignore; outside a git
/// repository, every file below `root` except build output and hidden directories other
/// than the planning tools' own at the root (`.kiro`, `.taskmaster`: those the default
/// plan globs name).
pub fn list_files(root: &Path) -> Result<RepoFiles, RepoError> {
    let mut files = match git2::Repository::open(root) {
        Ok(repo) => git_files(&repo, root)?,
        Err(_) => {
            let mut out = Vec::new();
            walk(root, "", &mut out).map_err(|source| RepoError::Io {
                path: root.to_path_buf(),
                source,
            })?;
            out
        }
    };
    files.sort();
    files.dedup();
    Ok(RepoFiles { files })
}

fn git_files(repo: &git2::Repository, root: &Path) -> Result<Vec<String>, RepoError> {
    let err = |e: git2::Error| RepoError::Git {
        path: root.to_path_buf(),
        message: e.message().to_string(),
    };
    let mut out = Vec::new();
    let index = repo.index().map_err(err)?;
    for entry in index.iter() {
        if let Ok(p) = std::str::from_utf8(&entry.path) {
            out.push(p.to_string());
        }
    }
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .include_unmodified(false)
        .exclude_submodules(true)
        .show(git2::StatusShow::Workdir);
    let statuses = repo.statuses(Some(&mut opts)).map_err(err)?;
    let mut deleted = Vec::new();
    for s in statuses.iter() {
        let Some(p) = s.path() else { continue };
        let st = s.status();
        if st.contains(git2::Status::WT_NEW) {
            out.push(p.to_string());
        } else if st.contains(git2::Status::WT_DELETED) {
            deleted.push(p.to_string());
        }
    }
    if !deleted.is_empty() {
        deleted.sort();
        out.retain(|p| deleted.binary_search(p).is_err());
    }
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        let ft = entry.file_type()?;
        if ft.is_dir() {
            let tools_own = prefix.is_empty()
                && crate::config::DEFAULT_PLAN_GLOBS
                    .iter()
                    .any(|g| g.split('/').next() == Some(name));
            if (name.starts_with('.') && !tools_own) || matches!(name, "target" | "node_modules") {
                continue;
            }
            // An unreadable directory is skipped, not fatal.
            let _ = walk(&entry.path(), &rel, out);
        } else if ft.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

impl RepoFiles {
    /// Files under a directory prefix (`dir/`).
    fn any_under(&self, dir: &str) -> bool {
        let i = self.files.partition_point(|f| f.as_str() < dir);
        self.files.get(i).is_some_and(|f| f.starts_with(dir))
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files
            .binary_search_by(|f| f.as_str().cmp(path))
            .is_ok()
    }
}

impl FileIndex for RepoFiles {
    fn matches(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        if path.contains(['*', '?', '[']) {
            let Ok(glob) = globset::GlobBuilder::new(path)
                .literal_separator(true)
                .build()
            else {
                return false;
            };
            let m = glob.compile_matcher();
            // A glob that names a directory (`src/*`) also covers what is inside it.
            return self
                .files
                .iter()
                .any(|f| m.is_match(f) || f.match_indices('/').any(|(i, _)| m.is_match(&f[..i])));
        }
        if let Some(dir) = path.strip_suffix('/') {
            return self.any_under(&format!("{dir}/"));
        }
        self.contains(path) || self.any_under(&format!("{path}/"))
    }
}
