//! The state of the main checkout and of every linked worktree, read in process with
//! git2. A [`Scanner`] keeps the `Repository` objects open between scans (libgit2 caches
//! the index and the HEAD tree on an open repository) and scans worktrees in parallel.

use super::GitError;
use chrono::{DateTime, FixedOffset, TimeZone};
use git2::{BranchType, ErrorCode, Oid, Repository, Status, StatusOptions, WorktreeLockStatus};
use globset::{GlobBuilder, GlobMatcher};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// How many untracked paths a status report lists (the total is always given).
pub const UNTRACKED_CAP: usize = 20;

/// Bases tried, in order, when the config names none.
pub const DEFAULT_BASES: &[&str] = &["main", "master", "origin/main", "origin/master"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub staged: usize,
    pub unstaged: usize,
    pub untracked: usize,
    pub conflicted: usize,
}

impl Counts {
    pub fn dirty(&self) -> bool {
        self.staged + self.unstaged + self.untracked + self.conflicted > 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upstream {
    /// `origin/main`
    pub name: String,
    pub ahead: usize,
    pub behind: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// Seven-digit short id.
    pub id: String,
    pub subject: String,
    pub author: String,
    /// RFC 3339 with the committer's offset.
    pub time: String,
}

/// Where HEAD points.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Head {
    /// Branch name; `None` when detached.
    pub branch: Option<String>,
    /// Short sha of the commit HEAD is detached at.
    pub detached_at: Option<String>,
    /// True when the branch has no commit yet.
    pub unborn: bool,
    /// Full id of the HEAD commit.
    #[serde(skip)]
    pub oid: Option<Oid>,
}

impl Head {
    /// `main`, `detached at abc1234`, `main (no commits yet)`.
    pub fn describe(&self) -> String {
        match (&self.branch, &self.detached_at) {
            (Some(b), _) if self.unborn => format!("{b} (no commits yet)"),
            (Some(b), _) => b.clone(),
            (None, Some(s)) => format!("detached at {s}"),
            (None, None) => "unknown HEAD".to_string(),
        }
    }
}

/// The checkout the command runs in (the repository root given by `--repo`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckoutStatus {
    pub path: String,
    #[serde(flatten)]
    pub head: Head,
    pub upstream: Option<Upstream>,
    pub counts: Counts,
    /// Untracked files, at most [`UNTRACKED_CAP`]; `untracked_total` has the count.
    pub untracked_paths: Vec<String>,
    pub untracked_total: usize,
    /// Plan files with uncommitted edits (the triage reads the working-tree version).
    pub plan_modified: Vec<String>,
    /// What could not be read, one line each (the rest of the report still stands).
    pub problems: Vec<String>,
}

/// What a worktree amounts to for the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorktreeState {
    /// The checkout this command runs in.
    Current,
    /// Dirty, or ahead of the base: work in progress.
    InFlight,
    /// Clean, and the base reached its tip through a merge: nothing left, safe to remove.
    Merged,
    /// Clean, and its tip is already on the base's own line (never worked on, or
    /// fast-forwarded): nothing left, safe to remove.
    NothingLeft,
    /// Clean but there is no base to compare against.
    Clean,
    /// Its directory is gone; `git worktree prune` would remove the entry.
    Missing,
    /// It could not be read (see `error`).
    Unreadable,
}

impl WorktreeState {
    pub fn safe_to_remove(self) -> bool {
        matches!(self, WorktreeState::Merged | WorktreeState::NothingLeft)
    }
    pub fn describe(self) -> &'static str {
        match self {
            WorktreeState::Current => "current checkout",
            WorktreeState::InFlight => "in flight",
            WorktreeState::Merged => "merged — nothing left, safe to remove",
            WorktreeState::NothingLeft => "nothing left — safe to remove",
            WorktreeState::Clean => "clean (no base to compare with)",
            WorktreeState::Missing => "directory deleted — prunable",
            WorktreeState::Unreadable => "unreadable",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Worktree {
    /// The worktree's name (`main` for the main worktree).
    pub name: String,
    pub path: String,
    pub main: bool,
    pub current: bool,
    pub exists: bool,
    pub prunable: bool,
    pub locked: bool,
    pub lock_reason: Option<String>,
    #[serde(flatten)]
    pub head: Head,
    pub counts: Counts,
    pub dirty: bool,
    /// The base compared against (`main`), when one exists.
    pub base: Option<String>,
    pub ahead: Option<usize>,
    pub behind: Option<usize>,
    /// Staged + unstaged + untracked + committed since the merge base, sorted, unique.
    pub changed_files: Vec<String>,
    /// How many of `changed_files` come from commits since the merge base.
    pub committed_files: usize,
    /// Areas (config `areas`) the changed files fall in.
    pub areas: Vec<String>,
    pub last_commit: Option<CommitInfo>,
    /// Commits since the merge base with the base, newest first (at most
    /// [`COMMITS_CAP`]); their subjects say which tasks the work is for.
    pub commits: Vec<CommitInfo>,
    /// The merge base with the base (full id), when there is a base.
    pub merge_base: Option<String>,
    /// Uncommitted paths (staged, unstaged, untracked), sorted.
    pub dirty_files: Vec<String>,
    pub state: WorktreeState,
    pub in_flight: bool,
    pub error: Option<String>,
    /// Milliseconds spent scanning this worktree.
    pub scan_ms: f64,
}

/// One phase of a scan and how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: String,
    pub ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaseRef {
    pub name: String,
    #[serde(skip)]
    pub oid: Oid,
}

/// Everything the repository says about work in progress.
#[derive(Debug, Clone, Serialize)]
pub struct RepoState {
    pub root: String,
    pub checkout: CheckoutStatus,
    pub base: Option<BaseRef>,
    /// Every worktree including the main one and the current one, main first then by name.
    pub worktrees: Vec<Worktree>,
    /// Repository-wide problems (no base ref, unreadable worktree list…).
    pub problems: Vec<String>,
    #[serde(skip)]
    pub phases: Vec<Phase>,
}

impl RepoState {
    pub fn in_flight(&self) -> impl Iterator<Item = &Worktree> {
        self.worktrees.iter().filter(|w| w.in_flight)
    }
}

/// Maps changed paths to area names (config `areas`: path prefix or glob → area).
#[derive(Debug, Clone, Default)]
pub struct Areas {
    rules: Vec<(AreaRule, String)>,
}

#[derive(Debug, Clone)]
enum AreaRule {
    Prefix(String),
    Glob(GlobMatcher),
}

impl Areas {
    pub fn new(map: &BTreeMap<String, String>) -> Areas {
        let mut rules = Vec::new();
        for (pat, name) in map {
            let pat = pat.trim_start_matches("./");
            let rule = if pat.contains(['*', '?', '[', '{']) {
                match GlobBuilder::new(pat).literal_separator(true).build() {
                    Ok(g) => AreaRule::Glob(g.compile_matcher()),
                    Err(_) => AreaRule::Prefix(pat.to_string()),
                }
            } else {
                AreaRule::Prefix(pat.to_string())
            };
            rules.push((rule, name.clone()));
        }
        Areas { rules }
    }

    /// The areas a path falls in (a glob also covers what is inside a matching directory).
    pub fn of<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.rules.iter().filter_map(move |(rule, name)| {
            let hit = match rule {
                AreaRule::Prefix(p) => {
                    let p = p.trim_end_matches('/');
                    path == p || (path.starts_with(p) && path[p.len()..].starts_with('/'))
                }
                AreaRule::Glob(g) => {
                    g.is_match(path) || path.match_indices('/').any(|(i, _)| g.is_match(&path[..i]))
                }
            };
            hit.then_some(name.as_str())
        })
    }
}

/// What a scan should do.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Base ref from the config; else the first of [`DEFAULT_BASES`] that exists.
    pub base_ref: Option<String>,
    pub areas: Areas,
    /// Plan files (relative to the root) whose uncommitted edits are called out.
    pub plan_paths: Vec<String>,
    /// Write refreshed stat data back to each index (as `git status` does), so that the
    /// next scan does not hash files again. Skipped for a locked index.
    pub refresh_index: bool,
    /// Threads for scanning worktrees (default: the machine's cores).
    pub threads: usize,
    /// Keep each worktree's `Repository` open for the next scan (the bot does; a one-shot
    /// command does not, so that memory is given back as soon as a worktree is done).
    pub keep_open: bool,
    /// How each worktree's status is read.
    pub status: StatusReader,
}

/// How a worktree's status is read. Both give the same answer; the walk does less work
/// and hands to libgit2 whatever it does not model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusReader {
    /// One walk of the directories, stat'ing each file from its directory's handle; the
    /// index's cached tree ids limit the HEAD comparison to what changed.
    #[default]
    Walk,
    /// libgit2's full status.
    Libgit2,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            base_ref: None,
            areas: Areas::default(),
            plan_paths: Vec::new(),
            refresh_index: true,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            keep_open: true,
            status: StatusReader::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path} is not inside a git repository")]
    NotARepo { path: PathBuf },
    #[error("{path} is a bare repository with no working tree; point --repo at a checkout")]
    Bare { path: PathBuf },
    #[error("cannot open the repository at {path}: {message}")]
    Open { path: PathBuf, message: String },
}

/// Keeps the repository and its worktrees open between scans.
pub struct Scanner {
    root: PathBuf,
    repo: Repository,
    /// Open worktree repositories by path.
    worktrees: HashMap<PathBuf, Repository>,
    /// The checkout's status when [`Scanner::files`] already read it; the next scan
    /// uses it instead of walking the working tree a second time.
    checkout_read: Option<Result<StatusRead, GitError>>,
    /// The checkout's status as the last scan read it, for [`Scanner::files`] and
    /// [`Scanner::plan_modified`] after that scan.
    last_scan_read: Option<StatusRead>,
    /// The last scan's results, by worktree (canonical path), and its read of the
    /// checkout: what [`Scanner::rescan`] keeps for the worktrees that did not change.
    kept: HashMap<PathBuf, Worktree>,
    kept_read: Option<StatusRead>,
    /// Each linked worktree's last status read (a rescan patches it path by path).
    reads: HashMap<PathBuf, StatusRead>,
}

fn canon(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn display(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.trim_end_matches('/').to_string()
}

fn short(oid: Oid) -> String {
    let s = oid.to_string();
    s[..7.min(s.len())].to_string()
}

/// RFC 3339 in the commit's own offset (UTC when the recorded offset is invalid).
fn time_of(t: git2::Time) -> String {
    let local = FixedOffset::east_opt(t.offset_minutes() * 60)
        .and_then(|off| off.timestamp_opt(t.seconds(), 0).single());
    match local {
        Some(dt) => dt.to_rfc3339(),
        None => DateTime::from_timestamp(t.seconds(), 0)
            .map(|d| d.fixed_offset().to_rfc3339())
            .unwrap_or_default(),
    }
}

/// A commit's time as a chrono value in its own offset.
pub fn commit_time(c: &git2::Commit) -> Option<DateTime<FixedOffset>> {
    let t = c.time();
    let off = FixedOffset::east_opt(t.offset_minutes() * 60)?;
    off.timestamp_opt(t.seconds(), 0).single()
}

pub(crate) fn commit_info(c: &git2::Commit) -> CommitInfo {
    CommitInfo {
        id: short(c.id()),
        subject: c.summary().unwrap_or("").to_string(),
        author: c.author().name().unwrap_or("").to_string(),
        time: time_of(c.time()),
    }
}

impl Scanner {
    /// Open the repository whose working tree is `root`.
    pub fn open(root: &Path) -> Result<Scanner, ScanError> {
        let repo = match Repository::open(root) {
            Ok(r) => r,
            Err(e) if e.code() == ErrorCode::NotFound => {
                return Err(ScanError::NotARepo {
                    path: root.to_path_buf(),
                })
            }
            Err(e) => {
                return Err(ScanError::Open {
                    path: root.to_path_buf(),
                    message: e.message().to_string(),
                })
            }
        };
        if repo.is_bare() {
            return Err(ScanError::Bare {
                path: root.to_path_buf(),
            });
        }
        Ok(Scanner {
            root: canon(root),
            repo,
            worktrees: HashMap::new(),
            checkout_read: None,
            last_scan_read: None,
            kept: HashMap::new(),
            kept_read: None,
            reads: HashMap::new(),
        })
    }

    /// The repository's files (index entries and untracked files, ignores honoured,
    /// deleted ones left out), from one status read of the checkout that the next
    /// [`Scanner::scan`] or [`Scanner::checkout`] reuses.
    pub fn files(&mut self, refresh_index: bool) -> Result<super::RepoFiles, super::RepoError> {
        let err = |message: String| super::RepoError::Git {
            path: self.root.clone(),
            message,
        };
        // Right after a scan its status read is the working tree's; else read it now and
        // keep it for the next scan.
        let (read, for_next_scan) = match &self.last_scan_read {
            Some(r) => (Ok(r.clone()), false),
            None => (
                read_status(&self.repo, refresh_index, StatusReader::default(), true),
                true,
            ),
        };
        let status = read.as_ref().map_err(|e| err(e.0.clone()))?;
        let files = file_list(&self.repo, status).map_err(|e| err(e.message().to_string()))?;
        if for_next_scan {
            self.checkout_read = Some(read);
        }
        Ok(super::RepoFiles { files })
    }

    /// Drop the status reads kept from the last request: the working tree may have
    /// changed since (a long-lived session calls this before each request).
    pub fn forget_reads(&mut self) {
        self.checkout_read = None;
        self.last_scan_read = None;
    }

    /// Which of `plan_paths` the last scan found edited or untracked in the checkout.
    pub fn plan_modified(&self, plan_paths: &[String]) -> Vec<String> {
        self.last_scan_read
            .as_ref()
            .map(|s| modified_plans(s, plan_paths))
            .unwrap_or_default()
    }

    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The base ref to compare worktrees with.
    pub fn base(&self, configured: Option<&str>) -> Result<Option<BaseRef>, GitError> {
        let find = |name: &str| -> Option<Oid> {
            let obj = self
                .repo
                .resolve_reference_from_short_name(name)
                .ok()
                .and_then(|r| r.peel_to_commit().ok())
                .map(|c| c.id());
            obj.or_else(|| {
                self.repo
                    .revparse_single(name)
                    .ok()
                    .and_then(|o| o.peel_to_commit().ok())
                    .map(|c| c.id())
            })
        };
        match configured {
            Some(name) => match find(name) {
                Some(oid) => Ok(Some(BaseRef {
                    name: name.to_string(),
                    oid,
                })),
                None => Err(GitError(format!(
                    "base ref `{name}` (config `base_ref`) does not exist; ahead/behind not computed"
                ))),
            },
            None => Ok(DEFAULT_BASES.iter().find_map(|n| {
                find(n).map(|oid| BaseRef {
                    name: n.to_string(),
                    oid,
                })
            })),
        }
    }

    /// The main checkout's status (the repository at the root).
    pub fn checkout(&mut self, opts: &ScanOptions) -> CheckoutStatus {
        let pre = self.checkout_read.take();
        checkout_status(&self.repo, &self.root, opts, pre).0
    }

    /// Scan the checkout and every worktree.
    pub fn scan(&mut self, opts: &ScanOptions) -> RepoState {
        self.rescan(opts, &HashSet::new(), &HashMap::new(), None)
    }

    /// The canonical path the scanner knows a worktree by.
    pub fn key_of(path: &Path) -> PathBuf {
        canon(path)
    }

    /// Scan again, reading only the worktrees not in `unchanged` (canonical paths): the
    /// others keep what the last scan read of them. Of a worktree in `touched`, only
    /// the paths listed (relative to it; files changed on disk, its index and HEAD not)
    /// are read again, where its last read allows. The worktree list, HEADs, base and
    /// branches are read again in any case (they cost little). `on_files`, when given,
    /// gets the repository's files (as [`Scanner::files`] lists them) as soon as the
    /// checkout is read, on this thread, while other threads still scan worktrees: work
    /// that needs only the files (reading the plan) overlaps the scan.
    pub fn rescan(
        &mut self,
        opts: &ScanOptions,
        unchanged: &HashSet<PathBuf>,
        touched: &HashMap<PathBuf, Vec<String>>,
        on_files: Option<&mut dyn FnMut(super::RepoFiles)>,
    ) -> RepoState {
        let mut phases = Vec::new();
        let mut problems = Vec::new();
        let t1 = Instant::now();
        let base = match self.base(opts.base_ref.as_deref()) {
            Ok(Some(b)) => Some(b),
            Ok(None) => {
                if read_head(&self.repo).oid.is_some() {
                    problems.push(format!(
                        "no base ref: none of {} exists (set `base_ref` in the config); ahead/behind not computed",
                        DEFAULT_BASES.join(", ")
                    ));
                }
                None
            }
            Err(e) => {
                problems.push(e.0);
                None
            }
        };
        let list = self.list_worktrees(&mut problems);
        phases.push(Phase {
            name: "list worktrees".into(),
            ms: ms(t1),
        });

        // Open (or reuse) each existing worktree's repository.
        let t2 = Instant::now();
        let mut jobs: Vec<Job> = Vec::new();
        let mut kept = std::mem::take(&mut self.kept);
        let mut reads = std::mem::take(&mut self.reads);
        for entry in list {
            let key = canon(&entry.path);
            let is_current = key == self.root;
            let read = reads.remove(&key);
            // Unchanged since the last scan: what it read stands.
            if !is_current && entry.exists && unchanged.contains(&key) {
                if let Some(w) = kept.remove(&key) {
                    let repo = self.worktrees.remove(&key).map(Ok);
                    jobs.push(Job {
                        entry,
                        key,
                        current: false,
                        repo,
                        result: Some(w),
                        patch: None,
                        read,
                    });
                    continue;
                }
            }
            // Some of its files changed: its last read, to patch.
            let patch = touched.get(&key).zip(read).map(|(p, r)| (r, p.clone()));
            let repo = if is_current || !entry.exists {
                None
            } else if let Some(r) = self.worktrees.remove(&key) {
                Some(Ok(r))
            } else {
                Some(Repository::open(&entry.path).map_err(GitError::from))
            };
            jobs.push(Job {
                entry,
                key,
                current: is_current,
                repo,
                result: None,
                patch,
                read: None,
            });
        }
        phases.push(Phase {
            name: "open worktrees".into(),
            ms: ms(t2),
        });

        let t3 = Instant::now();
        let threads = opts.threads.max(1);
        let base_ref = base.as_ref();
        // A shared queue, so a slow worktree does not hold up a thread's whole share.
        let mut current: Option<&mut Job> = None;
        let mut queue: Vec<&mut Job> = Vec::new();
        for job in jobs.iter_mut() {
            if job.current {
                current = Some(job);
            } else if job.result.is_none() {
                queue.push(job);
            }
        }
        queue.reverse();
        let queue = std::sync::Mutex::new(queue);
        let drain = || loop {
            let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
            match next {
                Some(job) => run_job(job, None, base_ref, opts),
                None => break,
            }
        };
        let mut pre = self.checkout_read.take();
        // The checkout unchanged: its last read stands; some files changed: patched.
        if pre.is_none() && unchanged.contains(&self.root) {
            pre = self.kept_read.clone().map(Ok);
        }
        if let (None, Some(paths), Some(last)) =
            (&pre, touched.get(&self.root), self.kept_read.clone())
        {
            pre = patch(&self.repo, last, paths).map(Ok);
        }
        self.last_scan_read = None;
        let repo = &self.repo;
        let root = &self.root;
        let mut checkout_ms = 0.0;
        let mut kept_read = None;
        // Repository objects are Send, not Sync: each one is used by one thread at a time.
        // The checkout (main `Repository`) is read on this thread while workers take
        // worktrees from the queue.
        let checkout = std::thread::scope(|s| {
            for _ in 1..threads {
                s.spawn(drain);
            }
            let t0 = Instant::now();
            let (checkout, own_status) = checkout_status(repo, root, opts, pre);
            checkout_ms = ms(t0);
            kept_read = own_status.clone();
            if let (Some(f), Some(read)) = (on_files, &own_status) {
                if let Ok(files) = file_list(repo, read) {
                    f(super::RepoFiles { files });
                }
            }
            if let Some(job) = current {
                run_job(job, Some((repo, own_status)), base_ref, opts);
            }
            drain();
            checkout
        });
        self.kept_read = kept_read.clone();
        self.last_scan_read = kept_read;
        phases.push(Phase {
            name: "checkout status".into(),
            ms: checkout_ms,
        });
        phases.push(Phase {
            name: "scan worktrees".into(),
            ms: ms(t3),
        });

        let mut worktrees = Vec::new();
        for job in jobs {
            if let Some(Ok(r)) = job.repo {
                self.worktrees.insert(job.key.clone(), r);
            }
            if let Some(w) = job.result {
                if w.exists {
                    if let Some(read) = job.read {
                        self.reads.insert(job.key.clone(), read);
                    }
                    self.kept.insert(job.key, w.clone());
                }
                worktrees.push(w);
            }
        }
        worktrees.sort_by(|a, b| b.main.cmp(&a.main).then_with(|| a.name.cmp(&b.name)));
        RepoState {
            root: display(&self.root),
            checkout,
            base,
            worktrees,
            problems,
            phases,
        }
    }

    fn list_worktrees(&self, problems: &mut Vec<String>) -> Vec<Entry> {
        let mut out = Vec::new();
        // The main worktree: the common directory's working tree.
        let common = self.repo.commondir().to_path_buf();
        let main_path = if self.repo.is_worktree() {
            common.parent().map(Path::to_path_buf)
        } else {
            self.repo.workdir().map(Path::to_path_buf)
        };
        if let Some(p) = main_path {
            out.push(Entry {
                name: "main".into(),
                exists: p.exists(),
                path: p,
                main: true,
                prunable: false,
                lock: None,
            });
        }
        let names = match self.repo.worktrees() {
            Ok(n) => n,
            Err(e) => {
                problems.push(format!("cannot list linked worktrees: {}", e.message()));
                return out;
            }
        };
        for name in names.iter().flatten() {
            let wt = match self.repo.find_worktree(name) {
                Ok(w) => w,
                Err(e) => {
                    problems.push(format!("worktree `{name}`: {}", e.message()));
                    continue;
                }
            };
            let path = wt.path().to_path_buf();
            let exists = wt.validate().is_ok() && path.exists();
            let lock = match wt.is_locked() {
                Ok(WorktreeLockStatus::Locked(reason)) => Some(
                    reason
                        .map(|r| r.trim().to_string())
                        .filter(|r| !r.is_empty()),
                ),
                _ => None,
            };
            let prunable = !exists && wt.is_prunable(None).unwrap_or(false);
            out.push(Entry {
                name: name.to_string(),
                path,
                main: false,
                exists,
                prunable,
                lock,
            });
        }
        out
    }
}

struct Entry {
    name: String,
    path: PathBuf,
    main: bool,
    exists: bool,
    prunable: bool,
    /// `Some(reason)` when locked.
    lock: Option<Option<String>>,
}

struct Job {
    entry: Entry,
    key: PathBuf,
    current: bool,
    repo: Option<Result<Repository, GitError>>,
    result: Option<Worktree>,
    /// The last status read and the paths changed since, to read again.
    patch: Option<(StatusRead, Vec<String>)>,
    /// The status read this scan used (kept by a long-lived scanner).
    read: Option<StatusRead>,
}

fn run_job(
    job: &mut Job,
    main: Option<(&Repository, Option<StatusRead>)>,
    base: Option<&BaseRef>,
    opts: &ScanOptions,
) {
    let started = Instant::now();
    let last = job.patch.take();
    let (mut wt, read) = match (&job.repo, main) {
        (_, Some((r, pre))) => scan_worktree(r, &job.entry, true, pre, base, opts),
        (Some(Ok(r)), None) => {
            let pre = last.and_then(|(read, paths)| patch(r, read, &paths));
            scan_worktree(r, &job.entry, false, pre, base, opts)
        }
        (Some(Err(e)), _) => (unreadable(&job.entry, e.0.clone()), None),
        (None, _) => (missing(&job.entry), None),
    };
    wt.scan_ms = ms(started);
    job.result = Some(wt);
    if opts.keep_open {
        job.read = read;
    } else {
        job.repo = None;
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn blank(entry: &Entry, state: WorktreeState) -> Worktree {
    Worktree {
        name: entry.name.clone(),
        path: display(&entry.path),
        main: entry.main,
        current: false,
        exists: entry.exists,
        prunable: entry.prunable,
        locked: entry.lock.is_some(),
        lock_reason: entry.lock.clone().flatten(),
        head: Head::default(),
        counts: Counts::default(),
        dirty: false,
        base: None,
        ahead: None,
        behind: None,
        changed_files: Vec::new(),
        committed_files: 0,
        areas: Vec::new(),
        last_commit: None,
        commits: Vec::new(),
        merge_base: None,
        dirty_files: Vec::new(),
        state,
        in_flight: false,
        error: None,
        scan_ms: 0.0,
    }
}

fn missing(entry: &Entry) -> Worktree {
    let mut w = blank(entry, WorktreeState::Missing);
    w.error = Some(format!(
        "{} no longer exists{}",
        display(&entry.path),
        if entry.lock.is_some() {
            " (locked, so it is kept)"
        } else {
            "; `git worktree prune` removes the entry"
        }
    ));
    w
}

fn unreadable(entry: &Entry, message: String) -> Worktree {
    let mut w = blank(entry, WorktreeState::Unreadable);
    w.error = Some(format!("cannot open {}: {message}", display(&entry.path)));
    w
}

/// Where HEAD points, never failing.
pub fn read_head(repo: &Repository) -> Head {
    match repo.head() {
        Ok(r) => {
            let oid = r.target();
            if repo.head_detached().unwrap_or(false) {
                Head {
                    branch: None,
                    detached_at: oid.map(short),
                    unborn: false,
                    oid,
                }
            } else {
                Head {
                    branch: r.shorthand().map(str::to_string),
                    detached_at: None,
                    unborn: false,
                    oid,
                }
            }
        }
        Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => {
            // HEAD names a branch that has no commit yet.
            let branch = repo
                .find_reference("HEAD")
                .ok()
                .and_then(|r| r.symbolic_target().map(str::to_string))
                .map(|t| t.trim_start_matches("refs/heads/").to_string());
            Head {
                branch,
                detached_at: None,
                unborn: true,
                oid: None,
            }
        }
        Err(_) => Head::default(),
    }
}

/// The files a status read of the checkout lists: index entries and untracked files,
/// deleted ones left out, sorted.
fn file_list(repo: &Repository, status: &StatusRead) -> Result<Vec<String>, git2::Error> {
    let mut files: Vec<String> = match &status.tracked {
        Some(tracked) => tracked.to_vec(),
        None => repo
            .index()?
            .iter()
            .filter_map(|e| String::from_utf8(e.path).ok())
            .collect(),
    };
    files.extend(status.untracked.iter().cloned());
    files.sort();
    files.dedup();
    if !status.deleted.is_empty() {
        files.retain(|p| !status.deleted.contains(p));
    }
    Ok(files)
}

/// One worktree's status, path by path, each path in at most one of untracked and
/// conflicted, and then in neither staged nor unstaged.
#[derive(Clone, Default)]
struct StatusRead {
    staged: BTreeSet<String>,
    unstaged: BTreeSet<String>,
    untracked: BTreeSet<String>,
    conflicted: BTreeSet<String>,
    /// Tracked files gone from the working tree (also unstaged).
    deleted: BTreeSet<String>,
    problem: Option<String>,
    /// The index's paths, when the read had them at hand (shared: a kept read is
    /// cloned for each scan).
    tracked: Option<Arc<Vec<String>>>,
}

impl StatusRead {
    fn counts(&self) -> Counts {
        Counts {
            staged: self.staged.len(),
            unstaged: self.unstaged.len(),
            untracked: self.untracked.len(),
            conflicted: self.conflicted.len(),
        }
    }

    /// Paths changed in the index or the working tree (not untracked), sorted.
    fn changed(&self) -> impl Iterator<Item = &String> {
        let all: BTreeSet<&String> = self
            .staged
            .iter()
            .chain(&self.unstaged)
            .chain(&self.conflicted)
            .collect();
        all.into_iter()
    }

    /// File `path` under libgit2's status `st`, as its status list counts it.
    fn add(&mut self, path: String, st: Status) {
        let staged_bits = Status::INDEX_NEW
            | Status::INDEX_MODIFIED
            | Status::INDEX_DELETED
            | Status::INDEX_RENAMED
            | Status::INDEX_TYPECHANGE;
        let unstaged_bits =
            Status::WT_MODIFIED | Status::WT_DELETED | Status::WT_RENAMED | Status::WT_TYPECHANGE;
        if st.contains(Status::CONFLICTED) {
            self.conflicted.insert(path);
            return;
        }
        if st.contains(Status::WT_NEW) {
            self.untracked.insert(path);
            return;
        }
        if st.contains(Status::WT_DELETED) {
            self.deleted.insert(path.clone());
        }
        if st.intersects(staged_bits) {
            self.staged.insert(path.clone());
        }
        if st.intersects(unstaged_bits) {
            self.unstaged.insert(path);
        }
    }

    fn forget(&mut self, path: &str) {
        for set in [
            &mut self.staged,
            &mut self.unstaged,
            &mut self.untracked,
            &mut self.conflicted,
            &mut self.deleted,
        ] {
            set.remove(path);
        }
    }

    /// Whether any path it lists lies under the directory `dir` (no slash).
    fn lists_under(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        [
            &self.staged,
            &self.unstaged,
            &self.untracked,
            &self.conflicted,
        ]
        .iter()
        .any(|set| {
            set.range(prefix.clone()..)
                .next()
                .is_some_and(|p| p.starts_with(&prefix))
        })
    }
}

/// Most changed paths read one by one before reading the worktree whole is simpler.
const PATCH_CAP: usize = 256;

/// The status `kept` with `paths` (relative to the worktree, changed on disk since, the
/// index and HEAD not) read again one by one. `None` when a path needs more than its own
/// status: a directory (new, or gone with what it held), an ignore or attributes file, a
/// conflict; the worktree is then read whole.
fn patch(repo: &Repository, mut kept: StatusRead, paths: &[String]) -> Option<StatusRead> {
    if paths.len() > PATCH_CAP || !kept.conflicted.is_empty() {
        return None;
    }
    let root = repo.workdir()?;
    for path in paths {
        let name = path.rsplit('/').next().unwrap_or(path);
        if path.is_empty() || matches!(name, ".gitignore" | ".gitattributes") {
            return None;
        }
        match std::fs::symlink_metadata(root.join(path)) {
            Ok(m) if m.is_dir() => return None,
            _ => {}
        }
        kept.forget(path);
        match repo.status_file(Path::new(path)) {
            Ok(st) if st.contains(Status::IGNORED) => {}
            Ok(st) => kept.add(path.clone(), st),
            // Not on disk, in the index or in HEAD: a file come and gone, or a
            // directory gone (whose paths then need the whole read).
            Err(e) if e.code() == ErrorCode::NotFound => {
                let index = repo.index().ok()?;
                if kept.lists_under(path) || index.find_prefix(format!("{path}/")).is_ok() {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
    Some(kept)
}

fn index_locked(repo: &Repository) -> bool {
    repo.path().join("index.lock").exists()
}

fn read_status(
    repo: &Repository,
    refresh: bool,
    reader: StatusReader,
    list_tracked: bool,
) -> Result<StatusRead, GitError> {
    let locked = index_locked(repo);
    let mut problem = None;
    if locked {
        problem = Some(format!(
            "the index is locked ({} exists: another git process is running, or one crashed); status read without refreshing it",
            repo.path().join("index.lock").display()
        ));
    }
    if reader == StatusReader::Walk {
        if let Some(paths) = super::status::read(repo, refresh && !locked, list_tracked) {
            return Ok(from_paths(paths, problem));
        }
    }
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .exclude_submodules(true)
        .renames_head_to_index(false)
        .update_index(refresh && !locked);
    let statuses = match repo.statuses(Some(&mut opts)) {
        Ok(s) => s,
        Err(e) if refresh && !locked && e.code() == ErrorCode::Locked => {
            opts.update_index(false);
            repo.statuses(Some(&mut opts)).map_err(GitError::from)?
        }
        Err(e) => return Err(e.into()),
    };
    let mut read = StatusRead {
        problem,
        ..StatusRead::default()
    };
    for e in statuses.iter() {
        read.add(
            String::from_utf8_lossy(e.path_bytes()).into_owned(),
            e.status(),
        );
    }
    Ok(read)
}

/// The walk's paths as libgit2's status list would count them: an untracked path only
/// untracked (even when HEAD has it and the index does not).
fn from_paths(p: super::status::Paths, problem: Option<String>) -> StatusRead {
    let untracked: BTreeSet<String> = p.untracked.into_iter().collect();
    StatusRead {
        staged: p
            .staged
            .into_iter()
            .filter(|s| !untracked.contains(s))
            .collect(),
        unstaged: p.unstaged.into_iter().collect(),
        untracked,
        conflicted: BTreeSet::new(),
        deleted: p.deleted.into_iter().collect(),
        problem,
        tracked: p.tracked.map(Arc::new),
    }
}

fn upstream_of(repo: &Repository, head: &Head) -> Option<Upstream> {
    let name = head.branch.as_ref()?;
    let local = repo.find_branch(name, BranchType::Local).ok()?;
    let up = local.upstream().ok()?;
    let up_name = up.name().ok().flatten()?.to_string();
    let (ahead, behind) = match (head.oid, up.get().target()) {
        (Some(a), Some(b)) => repo.graph_ahead_behind(a, b).ok()?,
        _ => (0, 0),
    };
    Some(Upstream {
        name: up_name,
        ahead,
        behind,
    })
}

/// Plan files edited (staged or not) or untracked in a status read.
fn modified_plans(s: &StatusRead, plan_paths: &[String]) -> Vec<String> {
    let plan: BTreeSet<&str> = plan_paths.iter().map(String::as_str).collect();
    let mut out: Vec<String> = s
        .changed()
        .chain(&s.untracked)
        .filter(|p| plan.contains(p.as_str()))
        .cloned()
        .collect();
    out.sort();
    out
}

fn checkout_status(
    repo: &Repository,
    root: &Path,
    opts: &ScanOptions,
    pre: Option<Result<StatusRead, GitError>>,
) -> (CheckoutStatus, Option<StatusRead>) {
    let head = read_head(repo);
    let mut out = CheckoutStatus {
        path: display(root),
        upstream: upstream_of(repo, &head),
        head,
        ..CheckoutStatus::default()
    };
    let mut kept = None;
    match pre.unwrap_or_else(|| read_status(repo, opts.refresh_index, opts.status, true)) {
        Ok(s) => {
            out.counts = s.counts();
            out.untracked_total = s.untracked.len();
            let mut untracked: Vec<String> = s.untracked.iter().cloned().collect();
            out.plan_modified = modified_plans(&s, &opts.plan_paths);
            untracked.truncate(UNTRACKED_CAP);
            out.untracked_paths = untracked;
            out.problems.extend(s.problem.clone());
            kept = Some(s);
        }
        Err(e) => out
            .problems
            .push(format!("cannot read the status of {}: {e}", display(root))),
    }
    (out, kept)
}

fn scan_worktree(
    repo: &Repository,
    entry: &Entry,
    current: bool,
    pre: Option<StatusRead>,
    base: Option<&BaseRef>,
    opts: &ScanOptions,
) -> (Worktree, Option<StatusRead>) {
    let mut w = blank(entry, WorktreeState::Clean);
    w.current = current;
    w.head = read_head(repo);
    let mut problems: Vec<String> = Vec::new();
    let mut files: BTreeSet<String> = BTreeSet::new();
    let mut read = None;
    let status = match pre {
        Some(s) => Ok(s),
        None => read_status(repo, opts.refresh_index, opts.status, false),
    };
    match status {
        Ok(s) => {
            w.counts = s.counts();
            files.extend(s.changed().cloned());
            files.extend(s.untracked.iter().cloned());
            w.dirty_files = files.iter().cloned().collect();
            problems.extend(s.problem.clone());
            read = Some(s);
        }
        Err(e) => problems.push(format!("cannot read the status: {e}")),
    }
    w.dirty = w.counts.dirty();
    if let Some(oid) = w.head.oid {
        if let Ok(c) = repo.find_commit(oid) {
            w.last_commit = Some(commit_info(&c));
        }
    }
    let mut contained = false;
    let mut via_merge = false;
    if let (Some(base), Some(head)) = (base, w.head.oid) {
        w.base = Some(base.name.clone());
        match repo.graph_ahead_behind(head, base.oid) {
            Ok((a, b)) => {
                w.ahead = Some(a);
                w.behind = Some(b);
                contained = a == 0;
                if let Ok(mb) = repo.merge_base(head, base.oid) {
                    w.merge_base = Some(mb.to_string());
                    if a > 0 {
                        w.commits = commits_since(repo, head, mb);
                    }
                }
                if a > 0 {
                    match committed_since_base(repo, head, base.oid) {
                        Ok(list) => {
                            w.committed_files = list.len();
                            files.extend(list);
                        }
                        Err(e) => problems.push(format!("cannot diff against {}: {e}", base.name)),
                    }
                } else if head != base.oid {
                    via_merge = !on_first_parent_line(repo, base.oid, head);
                }
            }
            Err(e) => problems.push(format!(
                "cannot compare with {}: {}",
                base.name,
                e.message()
            )),
        }
    }
    w.changed_files = files.into_iter().collect();
    let mut areas: BTreeSet<&str> = BTreeSet::new();
    for f in &w.changed_files {
        areas.extend(opts.areas.of(f));
    }
    w.areas = areas.into_iter().map(str::to_string).collect();
    w.state = if current {
        WorktreeState::Current
    } else if w.dirty || w.ahead.unwrap_or(0) > 0 {
        WorktreeState::InFlight
    } else if contained && via_merge {
        WorktreeState::Merged
    } else if contained {
        WorktreeState::NothingLeft
    } else {
        WorktreeState::Clean
    };
    w.in_flight = w.state == WorktreeState::InFlight;
    if !problems.is_empty() {
        w.error = Some(problems.join("; "));
    }
    (w, read)
}

/// Most commits kept per worktree (subjects name the tasks; the rest adds nothing).
pub const COMMITS_CAP: usize = 200;

/// Commits reachable from `head` and not from `base`, newest first.
fn commits_since(repo: &Repository, head: Oid, base: Oid) -> Vec<CommitInfo> {
    let Ok(mut walk) = repo.revwalk() else {
        return Vec::new();
    };
    if walk.push(head).is_err() || walk.hide(base).is_err() {
        return Vec::new();
    }
    walked_commits(repo, walk)
}

/// The commits a walk yields, up to [`COMMITS_CAP`]. The walk ends at its first error:
/// once objects are gone (a repository removed while it is read) it yields the same
/// error again forever.
fn walked_commits(repo: &Repository, walk: git2::Revwalk) -> Vec<CommitInfo> {
    walk.map_while(Result::ok)
        .take(COMMITS_CAP)
        .filter_map(|oid| repo.find_commit(oid).ok())
        .map(|c| commit_info(&c))
        .collect()
}

/// Files changed by the commits between the merge base of `head` and `base`, and `head`.
fn committed_since_base(repo: &Repository, head: Oid, base: Oid) -> Result<Vec<String>, GitError> {
    let mb = repo.merge_base(head, base).map_err(GitError::from)?;
    let old = repo
        .find_commit(mb)
        .and_then(|c| c.tree())
        .map_err(GitError::from)?;
    let new = repo
        .find_commit(head)
        .and_then(|c| c.tree())
        .map_err(GitError::from)?;
    super::trees::changed_paths(repo, Some(&old), Some(&new)).map_err(GitError::from)
}

/// Whether `target` lies on the first-parent line of `tip` (so the base reached it
/// without a merge). The walk stops once commits are a day older than `target`.
fn on_first_parent_line(repo: &Repository, tip: Oid, target: Oid) -> bool {
    let Ok(t) = repo.find_commit(target) else {
        return false;
    };
    let floor = t.time().seconds() - 86_400;
    let mut cur = repo.find_commit(tip).ok();
    let mut steps = 0usize;
    while let Some(c) = cur {
        if c.id() == target {
            return true;
        }
        steps += 1;
        if steps > 100_000 || c.time().seconds() < floor {
            return false;
        }
        cur = c.parent(0).ok();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A walk over a repository whose objects vanish after it started (the bot's
    /// background scan of a repository being removed) ends, where skipping its errors
    /// spun forever.
    #[test]
    fn a_walk_ends_when_objects_vanish_under_it() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let repo = Repository::init(dir.path())?;
        let sig = git2::Signature::now("Ana", "ana@example.com")?;
        let tree = repo.find_tree(repo.index()?.write_tree()?)?;
        let mut commits: Vec<Oid> = Vec::new();
        for message in ["1", "2", "3"] {
            let parent = match commits.last() {
                Some(&p) => vec![repo.find_commit(p)?],
                None => Vec::new(),
            };
            let refs: Vec<&git2::Commit> = parent.iter().collect();
            commits.push(repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &refs)?);
        }
        let mut walk = repo.revwalk()?;
        walk.push(commits[2])?;
        walk.hide(commits[0])?;
        std::fs::remove_dir_all(dir.path().join(".git/objects"))?;
        assert!(walked_commits(&repo, walk).is_empty());
        Ok(())
    }
}
