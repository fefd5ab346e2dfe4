//! Test support: git repositories built with git2 in temp dirs, and running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Repo {
    pub dir: tempfile::TempDir,
    pub git: git2::Repository,
    /// Where linked worktrees go (outside the main working tree).
    pub wt_dir: tempfile::TempDir,
}

impl Repo {
    /// An empty repository with a fixed identity.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        // The branch name is fixed so results do not depend on the machine's git config.
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let git = git2::Repository::init_opts(dir.path(), &opts).expect("git init");
        let mut cfg = git.config().expect("config");
        cfg.set_str("user.name", "Test").expect("name");
        cfg.set_str("user.email", "test@example.com")
            .expect("email");
        Repo {
            dir,
            git,
            wt_dir: tempfile::tempdir().expect("worktree dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Output with this repository's temp paths replaced by `[REPO]` and `[WT]` (for
    /// snapshots).
    pub fn redact(&self, s: &str) -> String {
        let mut out = s.to_string();
        let wt = self.wt_dir.path();
        if let Ok(c) = std::fs::canonicalize(wt) {
            out = out.replace(c.to_string_lossy().as_ref(), "[WT]");
        }
        out = out.replace(wt.to_string_lossy().as_ref(), "[WT]");
        if let Some(name) = self.path().file_name() {
            out = out.replace(&format!("`{}`", name.to_string_lossy()), "`[REPO_NAME]`");
        }
        if let Ok(c) = std::fs::canonicalize(self.path()) {
            out = out.replace(c.to_string_lossy().as_ref(), "[REPO]");
        }
        out.replace(self.path().to_string_lossy().as_ref(), "[REPO]")
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }

    pub fn fixture(&self, name: &str, rel: &str) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        self.write(rel, std::fs::read(src).expect("fixture"));
    }

    /// Stage everything (ignores honoured) and commit.
    pub fn commit_all(&self, message: &str) -> git2::Oid {
        let mut index = self.git.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        index.write().expect("write index");
        let tree_id = index.write_tree().expect("tree");
        let tree = self.git.find_tree(tree_id).expect("find tree");
        let sig = git2::Signature::now("Test", "test@example.com").expect("sig");
        let parents: Vec<git2::Commit> = match self.git.head() {
            Ok(h) => vec![h.peel_to_commit().expect("head commit")],
            Err(_) => vec![],
        };
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        self.git
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &refs)
            .expect("commit")
    }
}

/// Stage everything in `git`'s working tree and commit on HEAD as `author` at `secs`
/// (seconds since the epoch, UTC).
pub fn commit_in(git: &git2::Repository, message: &str, author: &str, secs: i64) -> git2::Oid {
    let mut index = git.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.update_all(["*"], None).expect("update (deletions)");
    index.write().expect("write index");
    let tree = git
        .find_tree(index.write_tree().expect("tree"))
        .expect("find tree");
    let sig = git2::Signature::new(
        author,
        &format!("{}@example.com", author.to_lowercase()),
        &git2::Time::new(secs, 0),
    )
    .expect("sig");
    let parents: Vec<git2::Commit> = match git.head() {
        Ok(h) => vec![h.peel_to_commit().expect("head commit")],
        Err(_) => vec![],
    };
    let refs: Vec<&git2::Commit> = parents.iter().collect();
    git.commit(Some("HEAD"), &sig, &sig, message, &tree, &refs)
        .expect("commit")
}

/// A session on `root` as the CLI opens one (index refresh off), its database at
/// `database`, with `options` changed from that.
pub fn open_session(
    root: &Path,
    database: PathBuf,
    options: impl FnOnce(&mut shortlist::app::Options),
) -> shortlist::app::Session {
    let mut opts = shortlist::app::Options {
        refresh_index: false,
        ..shortlist::app::Options::default()
    };
    options(&mut opts);
    shortlist::app::Session::open(&shortlist::app::OpenRequest {
        repo: Some(root.to_path_buf()),
        database: Some(database),
        options: opts,
        ..shortlist::app::OpenRequest::default()
    })
    .expect("session")
}

/// Write a file under a working tree (any repository or worktree path).
pub fn write_at(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
}

impl Repo {
    /// A linked worktree `name` on a new branch `branch` made at `at`; returns its
    /// repository.
    pub fn add_worktree(&self, name: &str, branch: &str, at: git2::Oid) -> git2::Repository {
        let commit = self.git.find_commit(at).expect("commit");
        let b = self.git.branch(branch, &commit, false).expect("branch");
        let path = self.wt_dir.path().join(name);
        let mut opts = git2::WorktreeAddOptions::new();
        let reference = b.into_reference();
        opts.reference(Some(&reference));
        let wt = self
            .git
            .worktree(name, &path, Some(&opts))
            .expect("worktree");
        git2::Repository::open_from_worktree(&wt).expect("open worktree")
    }

    pub fn wt_path(&self, name: &str) -> PathBuf {
        self.wt_dir.path().join(name)
    }
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Run the `shortlist` binary in `cwd`.
pub fn shortlist(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DISCORD_TOKEN")
        .env_remove("SHORTLIST_DATABASE")
        // A default database never lands in the real data directory.
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("shortlist-test-data"),
        )
        .output()
        .expect("run shortlist");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Set a file's modification time (a touch that changes no content).
pub fn set_mtime(path: &Path, at: std::time::SystemTime) -> std::io::Result<()> {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(at))
}
