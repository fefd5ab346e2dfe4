//! Watching a repository through the platform's file notifications (inotify,
//! FSEvents, ReadDirectoryChangesW, by the `notify` crate), so that a long-lived
//! session answers from what it holds while nothing changed.
//!
//! Never stale: before an answer, [`Watch::changes`] writes a cookie file into the git
//! directory and waits for its own notification. Notifications of one watcher arrive
//! in order, so every change made before the cookie is in by then. Where notifications
//! cannot be had, stall or overflow, the answer is "unknown" and the caller scans.

use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Cookie files start with this (and are never a change themselves).
const COOKIE: &str = ".shortlist-cookie-";

/// Past this many changed paths, telling which worktrees they are in is not worth it.
const MAX_PATHS: usize = 4096;

/// How long a cookie may take to come back before the watch is not trusted.
const COOKIE_WAIT: Duration = Duration::from_secs(2);

/// Why a watch could not be set up. The session then scans on every request.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("file notifications are not available: {0}")]
    Unavailable(notify::Error),
    #[error("cannot watch {}: {source}", path.display())]
    Root {
        path: PathBuf,
        source: notify::Error,
    },
}

/// What happened since the last look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Nothing: what was read last is still true.
    Nothing,
    /// These paths changed (files, directories, git files), each once.
    Some(Vec<PathBuf>),
    /// The watch cannot tell this time (notifications overflowed or failed): scan.
    Unknown(String),
    /// Notifications stopped coming (a network filesystem, a dead watcher): the watch
    /// cannot be trusted any more.
    Stalled(String),
}

pub struct Watch {
    watcher: notify::RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    /// Where cookies are written (the common git directory).
    cookie_dir: PathBuf,
    cookies: u64,
    /// The watched roots (worktrees and the git directory), canonical.
    roots: BTreeSet<PathBuf>,
}

fn canon(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn is_cookie(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(COOKIE))
}

impl Watch {
    /// Watch `roots` (each recursively) and the common git directory `git_dir`.
    pub fn start(roots: &[PathBuf], git_dir: &Path) -> Result<Watch, WatchError> {
        let (tx, events) = mpsc::channel();
        let watcher = notify::recommended_watcher(move |e| {
            let _ = tx.send(e);
        })
        .map_err(WatchError::Unavailable)?;
        let cookie_dir = canon(git_dir);
        let mut w = Watch {
            watcher,
            events,
            cookie_dir,
            cookies: 0,
            roots: BTreeSet::new(),
        };
        // (The git directory is among the roots `follow` watches.)
        w.follow(roots)?;
        Ok(w)
    }

    /// Watch `root`; whether it was not watched before.
    fn add(&mut self, root: &Path) -> Result<bool, WatchError> {
        let root = canon(root);
        // A root inside another watched root is watched already.
        if self.roots.iter().any(|r| root.starts_with(r)) {
            return Ok(false);
        }
        self.watcher
            .watch(&root, RecursiveMode::Recursive)
            .map_err(|source| WatchError::Root {
                path: root.clone(),
                source,
            })?;
        self.roots.insert(root);
        Ok(true)
    }

    /// Watch these worktree roots (besides the git directory), and no others: the list
    /// changes as worktrees are added and removed. Says how many were not watched
    /// before: a change there made before this call went unseen.
    pub fn follow(&mut self, roots: &[PathBuf]) -> Result<usize, WatchError> {
        let wanted: BTreeSet<PathBuf> = roots
            .iter()
            .map(|r| canon(r))
            .chain([self.cookie_dir.clone()])
            .collect();
        let gone: Vec<PathBuf> = self
            .roots
            .iter()
            .filter(|r| !wanted.contains(*r))
            .cloned()
            .collect();
        for r in gone {
            // (A removed directory is unwatched by the platform already.)
            let _ = self.watcher.unwatch(&r);
            self.roots.remove(&r);
        }
        let mut added = 0;
        for r in wanted {
            if r.exists() && !self.roots.contains(&r) && self.add(&r)? {
                added += 1;
            }
        }
        Ok(added)
    }

    /// What changed since the last call, every change made before this call included.
    pub fn changes(&mut self) -> Changes {
        self.cookies += 1;
        let name = format!("{COOKIE}{}-{}", std::process::id(), self.cookies);
        let cookie = self.cookie_dir.join(name);
        if let Err(e) = std::fs::write(&cookie, b"") {
            return Changes::Unknown(format!("cannot write {}: {e}", cookie.display()));
        }
        let deadline = Instant::now() + COOKIE_WAIT;
        let mut changed: BTreeSet<PathBuf> = BTreeSet::new();
        let mut unknown = None;
        let mut stalled = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Ok(event)) => {
                    if event.paths.contains(&cookie) {
                        break;
                    }
                    if event.need_rescan() {
                        unknown = Some("notifications overflowed".to_string());
                        continue;
                    }
                    if matches!(event.kind, EventKind::Access(_)) {
                        continue;
                    }
                    for p in event.paths.iter().filter(|p| !is_cookie(p)) {
                        if changed.len() < MAX_PATHS {
                            changed.insert(p.clone());
                        } else {
                            unknown = Some(format!("more than {MAX_PATHS} paths changed"));
                        }
                    }
                }
                Ok(Err(e)) => unknown = Some(format!("notification error: {e}")),
                Err(RecvTimeoutError::Timeout) => {
                    stalled = Some(format!(
                        "file notifications did not come back within {} s",
                        COOKIE_WAIT.as_secs()
                    ));
                    break;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    stalled = Some("file notifications stopped".into());
                    break;
                }
            }
        }
        let _ = std::fs::remove_file(&cookie);
        match (stalled, unknown, changed.is_empty()) {
            (Some(why), _, _) => Changes::Stalled(why),
            (None, Some(why), _) => Changes::Unknown(why),
            (None, None, true) => Changes::Nothing,
            (None, None, false) => Changes::Some(changed.into_iter().collect()),
        }
    }
}
