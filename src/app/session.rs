//! A `Session`: what stays open for one repository between requests (config, the
//! scanner with its repositories, the store) and the one snapshot step that reads
//! everything a triage needs. The CLI opens one for a single request; the bot keeps one
//! for its whole life. A kept session re-reads what may have changed on every request
//! (the working tree's status, plan texts, notes, store rows) but never reopens what it
//! holds.

use super::AppError;
use crate::config::{Config, FileConfig, CONFIG_NAMES};
use crate::note;
use crate::plan::{self, FileIndex, Plan, PlanText};
use crate::repo::{self, merge, staleness, Areas, RepoFiles, RepoReport, RepoState, ScanOptions};
use crate::sources;
use crate::store::{Store, StoreError};
use crate::triage::Snapshot;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// How a session reads the repository, whichever front end opened it.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Save refreshed stat data into the git indexes (as `git status` does).
    pub refresh_index: bool,
    /// Predict merge conflicts between worktrees in flight (in-memory merges).
    pub predict_merges: bool,
    /// Keep worktree repositories open between scans (a long-lived session does).
    pub keep_open: bool,
    /// Watch the repository through file notifications and answer from what the
    /// session holds while nothing changed (the bot's sessions do).
    pub watch: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            refresh_index: true,
            predict_merges: true,
            keep_open: false,
            watch: false,
        }
    }
}

/// Where the repository, its config, its plan and its database are.
#[derive(Debug, Clone, Default)]
pub struct OpenRequest {
    /// The repository (default: the current directory; the root is found upward).
    pub repo: Option<PathBuf>,
    /// A config file (default: `shortlist.toml` or `.shortlist.toml` at the root).
    pub config: Option<PathBuf>,
    /// Plan globs replacing the config's.
    pub plan_globs: Vec<String>,
    /// The database: absolute, or relative to the repository root (default: the
    /// config's `database`, else the platform data directory).
    pub database: Option<PathBuf>,
    pub options: Options,
}

pub struct Session {
    config: Config,
    options: Options,
    database: PathBuf,
    /// `None` for a plain directory (no git): then there is no repository state.
    scanner: Option<repo::Scanner>,
    /// Why there is no scanner.
    no_repo: Option<String>,
    store: Option<Store>,
    /// Where the time of the last request went: (phase, milliseconds).
    timings: Vec<(String, f64)>,
    /// The plan the last request read.
    latest_plan: Option<Arc<Plan>>,
    /// The repository watch of a session opened with `Options::watch`.
    watch: Option<repo::Watch>,
    /// Why the session scans on every request although it was asked to watch (said
    /// once in the log, and by `status`).
    watch_off: Option<String>,
    /// What the last reads found, answered again while the watch says nothing changed.
    held: Held,
    /// The plan read during the last scan, from the files that scan listed (dropped by
    /// any other listing of the files, so it is never read from other files).
    early_plan: Option<Result<Plan, AppError>>,
    /// The plan's versions counted for progress series so far.
    version_counts: super::history::VersionCounts,
}

/// A command needs a git repository and the session has none (`why`: what opening it
/// said).
fn no_repository(config: &Config, why: &Option<String>) -> AppError {
    AppError::NotARepository {
        path: config.root.clone(),
        why: why.clone().unwrap_or_default(),
    }
}

/// What a scan hands over as soon as the checkout is read: its files, the plan read
/// from them (when none is held) and how long that took (ms).
type EarlyRead = (RepoFiles, Option<Result<Plan, AppError>>, f64);

/// What the watch says of what a session holds.
enum Fresh {
    /// All of it still holds.
    All,
    /// Some worktrees changed: see [`Touched`].
    Partly(Touched),
    Not,
}

/// Which worktrees (canonical paths) changed paths touch. Those in neither set are
/// read whole (a git file of theirs changed).
#[derive(Debug, Default)]
struct Touched {
    /// Nothing of theirs changed: what was read stands.
    unchanged: HashSet<PathBuf>,
    /// Only these files (relative paths) changed: read again one by one.
    files: HashMap<PathBuf, Vec<String>>,
}

/// Which worktrees of `state` the changed `paths` touch, and how. A path in the git
/// directory names its worktree (`worktrees/<name>/…`, the checkout's own `HEAD` and
/// `index`), which is then read whole; objects and logs change nothing by themselves;
/// any other git file (refs, config) may change every worktree (`None`).
fn touched_worktrees(
    state: &RepoState,
    scanner: &repo::Scanner,
    paths: &[PathBuf],
) -> Option<Touched> {
    let common = repo::Scanner::key_of(scanner.repository().commondir());
    let trees: Vec<(PathBuf, &str, bool)> = state
        .worktrees
        .iter()
        .filter(|w| w.exists)
        .map(|w| {
            (
                repo::Scanner::key_of(Path::new(&w.path)),
                w.name.as_str(),
                w.main,
            )
        })
        .collect();
    let mut whole: HashSet<&PathBuf> = HashSet::new();
    let mut files: HashMap<PathBuf, Vec<String>> = HashMap::new();
    for p in paths {
        if let Ok(rest) = p.strip_prefix(&common) {
            let mut parts = rest.components().map(|c| c.as_os_str().to_string_lossy());
            let first = parts.next();
            let hit = match first.as_deref() {
                Some("objects" | "logs") => continue,
                Some("HEAD" | "index" | "index.lock") => trees.iter().find(|t| t.2),
                Some("worktrees") => match parts.next() {
                    Some(name) => trees.iter().find(|t| t.1 == name),
                    None => None,
                },
                _ => None,
            };
            whole.insert(&hit?.0);
            continue;
        }
        // The deepest worktree holding the path (a linked one may sit inside another).
        let holder = trees
            .iter()
            .filter(|t| p.starts_with(&t.0))
            .max_by_key(|t| t.0.as_os_str().len())?;
        let rel = p.strip_prefix(&holder.0).ok()?;
        let first = rel.components().next().map(|c| c.as_os_str());
        match rel.to_str() {
            Some(r) if !r.is_empty() && first != Some(std::ffi::OsStr::new(".git")) => files
                .entry(holder.0.clone())
                .or_default()
                .push(r.to_string()),
            // The worktree itself, its `.git`, or a name that is not UTF-8.
            _ => {
                whole.insert(&holder.0);
            }
        }
    }
    files.retain(|k, _| !whole.contains(k));
    Some(Touched {
        unchanged: trees
            .iter()
            .filter(|t| !whole.contains(&t.0) && !files.contains_key(&t.0))
            .map(|t| t.0.clone())
            .collect(),
        files,
    })
}

/// What a watching session holds from its last reads.
#[derive(Default)]
struct Held {
    files: Option<RepoFiles>,
    state: Option<RepoState>,
    plan: Option<Arc<Plan>>,
    /// The repository report and predicted merges made from `state` and `plan`.
    report: Option<(RepoReport, HashMap<String, Plan>)>,
    prediction: Option<merge::Prediction>,
}

/// What a request reads of the repository besides the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// Plan, notes and store rows only.
    Plan,
    /// Also the repository: checkout and worktrees, stale marks, worktree plan copies,
    /// predicted merges.
    Repository,
}

impl Session {
    /// Find the root, read the config, open the repository (when it is one). Nothing is
    /// scanned yet.
    pub fn open(req: &OpenRequest) -> Result<Session, AppError> {
        let config = locate_config(req)?;
        let database = match req.database.as_deref().or(config.database.as_deref()) {
            Some(p) if p.is_absolute() => p.to_path_buf(),
            Some(p) => config.root.join(p),
            None => crate::store::default_path(&config.root)?,
        };
        let (scanner, no_repo) = match repo::Scanner::open(&config.root) {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(Session {
            config,
            options: req.options,
            database,
            scanner,
            no_repo,
            store: None,
            timings: Vec::new(),
            latest_plan: None,
            watch: None,
            watch_off: None,
            held: Held::default(),
            early_plan: None,
            version_counts: Default::default(),
        })
    }

    /// How much of what the session holds is still true, as the watch saw it (a change
    /// made just before this call is seen). A change or a watch that cannot tell drops
    /// what is held, but for the worktrees a change did not touch.
    fn freshness(&mut self) -> Fresh {
        let Some(w) = self.watch.as_mut() else {
            self.held = Held::default();
            return Fresh::Not;
        };
        let started = Instant::now();
        let changes = w.changes();
        self.phase("watch check", started);
        match changes {
            repo::Changes::Nothing => Fresh::All,
            repo::Changes::Some(paths) => {
                let touched = match (&self.held.state, &self.scanner) {
                    (Some(state), Some(s)) => touched_worktrees(state, s, &paths),
                    _ => None,
                };
                // The plan stands unless a changed file of the checkout may be one.
                let root = repo::Scanner::key_of(&self.config.root);
                let keep_plan = match &touched {
                    Some(t) if t.unchanged.contains(&root) => true,
                    Some(t) => t.files.get(&root).is_some_and(|changed| {
                        let plan_files: Vec<String> = self
                            .held
                            .plan
                            .iter()
                            .flat_map(|p| p.files.iter().map(|f| f.path.clone()))
                            .collect();
                        !sources::may_change_plan(&self.config, &plan_files, changed)
                    }),
                    None => false,
                };
                let plan = self.held.plan.take().filter(|_| keep_plan);
                self.held = Held {
                    plan,
                    ..Held::default()
                };
                match touched {
                    Some(t) => Fresh::Partly(t),
                    None => Fresh::Not,
                }
            }
            repo::Changes::Stalled(why) => {
                // Notifications that stall (a network filesystem, say) would cost the
                // wait on every command: the session stops watching, and says so.
                tracing::warn!("repository watch: {why}; every request scans from now on");
                self.watch = None;
                self.watch_off = Some(why);
                self.held = Held::default();
                Fresh::Not
            }
            repo::Changes::Unknown(why) => {
                tracing::warn!("repository watch: {why}; scanning this time");
                self.held = Held::default();
                Fresh::Not
            }
        }
    }

    /// After a scan: watch the worktrees it found (the first scan starts the watch).
    /// Whether the watch covered all of them already before the scan: only then can
    /// what the scan read be held (a change made while a worktree was read, before its
    /// watch began, would go unseen).
    fn watch_worktrees(&mut self, state: &RepoState) -> bool {
        if !self.options.watch || self.watch_off.is_some() {
            return false;
        }
        if !self.config.watch {
            tracing::info!("repository watch turned off in the config: every request scans");
            self.watch_off = Some("`watch = false` in the config".into());
            return false;
        }
        let roots: Vec<PathBuf> = state
            .worktrees
            .iter()
            .filter(|w| w.exists)
            .map(|w| PathBuf::from(&w.path))
            .collect();
        let result = match (self.watch.as_mut(), self.scanner.as_ref()) {
            (Some(w), _) => w.follow(&roots).map(|added| added == 0),
            (None, Some(s)) => repo::Watch::start(&roots, s.repository().commondir()).map(|w| {
                self.watch = Some(w);
                false
            }),
            (None, None) => Ok(false),
        };
        match result {
            Ok(covered) => covered,
            Err(why) => {
                tracing::warn!("repository watch unavailable ({why}): every request scans");
                self.watch = None;
                self.held = Held::default();
                self.watch_off = Some(why.to_string());
                false
            }
        }
    }

    /// Who is acting, when no name is given: the repository's `user.name` (read through
    /// the repository the session holds), else `$USER`.
    pub fn actor(&self) -> String {
        self.scanner
            .as_ref()
            .and_then(|s| repo::user_name(s.repository()))
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .unwrap_or_else(|| "unknown".into())
    }

    /// Why a watching session scans on every request, if it does.
    pub fn watch_unavailable(&self) -> Option<&str> {
        self.options
            .watch
            .then_some(self.watch_off.as_deref())
            .flatten()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn options(&self) -> Options {
        self.options
    }

    pub fn database(&self) -> &Path {
        &self.database
    }

    /// Where the time of the last request went.
    pub fn timings(&self) -> &[(String, f64)] {
        &self.timings
    }

    /// The plan the last request read, if any (for autocomplete).
    pub fn latest_plan(&self) -> Option<Arc<Plan>> {
        self.latest_plan.clone()
    }

    /// After an answer went out: a watching session reads in now what changed since
    /// (its own writes, a note or a pick, included), so that the next request finds
    /// what it holds ready instead of reading it then. A no-op for other sessions.
    pub fn settle(&mut self) {
        if self.watch.is_none() {
            return;
        }
        if let Err(e) = self.snapshot(Depth::Repository) {
            // The next request reads again and says what is wrong.
            tracing::debug!("settling after an answer: {e}");
        }
    }

    /// A new request: its timings start empty.
    pub(crate) fn begin(&mut self) {
        self.timings.clear();
    }

    fn phase(&mut self, name: &str, since: Instant) {
        self.timings
            .push((name.to_string(), since.elapsed().as_secs_f64() * 1000.0));
    }

    /// The store for reading: a database that does not exist yet is empty (and is not
    /// created by a read).
    pub(crate) fn store_for_read(&mut self) -> Result<Option<&Store>, StoreError> {
        if self.store.is_none() {
            if !self.database.exists() {
                return Ok(None);
            }
            self.store = Some(Store::open(&self.database)?);
        }
        Ok(self.store.as_ref())
    }

    /// The store for writing, created when missing.
    pub(crate) fn store_for_write(&mut self) -> Result<&mut Store, StoreError> {
        let store = match self.store.take() {
            Some(s) => s,
            None => Store::open(&self.database)?,
        };
        Ok(self.store.insert(store))
    }

    /// The git repository and the plan versions counted so far, for the commands over
    /// the plan's history.
    pub(crate) fn history(
        &mut self,
    ) -> Result<(&git2::Repository, &mut super::history::VersionCounts), AppError> {
        match self.scanner.as_ref() {
            Some(s) => Ok((s.repository(), &mut self.version_counts)),
            None => Err(no_repository(&self.config, &self.no_repo)),
        }
    }

    /// The git repository, for commands that need one.
    pub(crate) fn scanner(&mut self) -> Result<&mut repo::Scanner, AppError> {
        match self.scanner.as_mut() {
            Some(s) => Ok(s),
            None => Err(no_repository(&self.config, &self.no_repo)),
        }
    }

    fn scan_options(&self, plan: Option<&Plan>) -> ScanOptions {
        ScanOptions {
            base_ref: self.config.base_ref.clone(),
            areas: Areas::new(&self.config.areas),
            plan_paths: plan
                .map(|p| p.files.iter().map(|f| f.path.clone()).collect())
                .unwrap_or_default(),
            refresh_index: self.options.refresh_index,
            keep_open: self.options.keep_open,
            ..ScanOptions::default()
        }
    }

    /// The repository's files as they are now (one status read of the checkout, which
    /// the next scan reuses).
    pub(crate) fn files(&mut self) -> Result<RepoFiles, AppError> {
        // A watching session that holds a scan brings it up to date (reading again
        // only what changed) and lists the files from it.
        if self.held.state.is_some() && self.held.files.is_some() {
            return Ok(self.scan()?.1);
        }
        let refresh = self.options.refresh_index && !self.options.watch;
        self.early_plan = None;
        let files = match self.scanner.as_mut() {
            Some(s) => {
                s.forget_reads();
                s.files(refresh)?
            }
            None => repo::list_files(&self.config.root)?,
        };
        if self.watch.is_some() {
            self.held.files = Some(files.clone());
        }
        Ok(files)
    }

    /// Read and parse the plan from `files`.
    pub(crate) fn read_plan(&mut self, files: &RepoFiles) -> Result<Arc<Plan>, AppError> {
        // (What is held was read from the files as they still are.)
        if let Some(plan) = &self.held.plan {
            return Ok(plan.clone());
        }
        let started = Instant::now();
        let plan = Arc::new(match self.early_plan.take() {
            Some(plan) => plan?,
            None => read_plan(&self.config, files)?,
        });
        if self.held.files.is_some() {
            self.held.plan = Some(plan.clone());
        }
        self.phase("plan", started);
        self.latest_plan = Some(plan.clone());
        Ok(plan)
    }

    /// The plan as it is now, without scanning the repository.
    pub(crate) fn plan(&mut self) -> Result<Arc<Plan>, AppError> {
        self.timings.clear();
        let files = self.files()?;
        self.read_plan(&files)
    }

    /// Scan the checkout and every worktree, then list the files from that same status
    /// read (the working tree is walked once). `None` for a plain directory.
    pub(crate) fn scan(&mut self) -> Result<(Option<RepoState>, RepoFiles), AppError> {
        self.early_plan = None;
        let mut touched = Touched::default();
        // (With nothing held, this drains what the watch saw since it began.)
        if self.watch.is_some() {
            match self.freshness() {
                Fresh::All => {
                    if let (Some(state), Some(files)) = (&self.held.state, &self.held.files) {
                        self.timings
                            .push(("repository scan: nothing changed (watched)".into(), 0.0));
                        return Ok((Some(state.clone()), files.clone()));
                    }
                }
                Fresh::Partly(t) => touched = t,
                Fresh::Not => {}
            }
        }
        let mut opts = self.scan_options(None);
        // A watching session writes nothing into the indexes: its own writes would
        // read as changes.
        opts.refresh_index &= !self.options.watch;
        let started = Instant::now();
        // The plan is read as soon as the checkout's files are known, while other
        // threads still scan worktrees.
        let config = &self.config;
        let want_plan = self.held.plan.is_none();
        let mut early: Option<EarlyRead> = None;
        let mut on_files = |files: RepoFiles| {
            let t = Instant::now();
            let plan = want_plan.then(|| read_plan(config, &files));
            early = Some((files, plan, t.elapsed().as_secs_f64() * 1000.0));
        };
        let out = match self.scanner.as_mut() {
            Some(s) => {
                s.forget_reads();
                // Worktrees the watch saw no change in keep what the last scan read; of
                // those where only files changed, those files are read again.
                let state = s.rescan(
                    &opts,
                    &touched.unchanged,
                    &touched.files,
                    Some(&mut on_files),
                );
                let files = match early.take() {
                    Some((files, plan, ms)) => {
                        if let Some(plan) = plan {
                            self.timings
                                .push(("plan (read during the scan)".to_string(), ms));
                            self.early_plan = Some(plan);
                        }
                        files
                    }
                    None => s.files(opts.refresh_index)?,
                };
                (Some(state), files)
            }
            None => (None, repo::list_files(&self.config.root)?),
        };
        self.phase("repository scan", started);
        if !touched.unchanged.is_empty() {
            let n = touched.unchanged.len();
            self.timings
                .push((format!("  {n} worktree(s) unchanged, kept (watched)"), 0.0));
        }
        if !touched.files.is_empty() {
            let n: usize = touched.files.values().map(Vec::len).sum();
            self.timings
                .push((format!("  {n} changed file(s) read again (watched)"), 0.0));
        }
        if let Some(state) = &out.0 {
            let covered = self.watch_worktrees(state);
            // Held only when the watch saw every worktree all along this scan; else the
            // next request reads again (the bot's settling does it in the background).
            self.held = if covered && self.watch.is_some() {
                Held {
                    files: Some(out.1.clone()),
                    state: Some(state.clone()),
                    plan: self.held.plan.take(),
                    ..Held::default()
                }
            } else {
                Held::default()
            };
        }
        if let Some(state) = &out.0 {
            self.timings
                .extend(state.phases.iter().map(|p| (p.name.clone(), p.ms)));
            self.timings.extend(state.worktrees.iter().map(|w| {
                let name = format!(
                    "  worktree {} ({} changed files)",
                    w.name,
                    w.changed_files.len()
                );
                (name, w.scan_ms)
            }));
        }
        Ok(out)
    }

    /// Predicted merge conflicts between the worktrees in flight (none when the
    /// session's options turn prediction off).
    pub(crate) fn predict(&mut self, state: &RepoState) -> merge::Prediction {
        if !self.options.predict_merges {
            return merge::Prediction::default();
        }
        if let Some(p) = &self.held.prediction {
            return p.clone();
        }
        let started = Instant::now();
        let p = merge::predict(&self.config.root, state);
        if self.held.state.is_some() {
            self.held.prediction = Some(p.clone());
        }
        self.phase(
            &format!("merge prediction ({} pairs)", p.merged_pairs),
            started,
        );
        p
    }

    /// Everything a triage reads, read once.
    pub(crate) fn snapshot(&mut self, depth: Depth) -> Result<Snapshot, AppError> {
        self.timings.clear();
        let mut warnings = Vec::new();
        let (state, files, plan) = match depth {
            Depth::Plan => {
                let files = self.files()?;
                let plan = self.read_plan(&files)?;
                (None, files, plan)
            }
            Depth::Repository => {
                let (state, files) = self.scan()?;
                let plan = self.read_plan(&files)?;
                (state, files, plan)
            }
        };
        let started = Instant::now();
        let held = match (&self.held.report, &state) {
            (Some(r), Some(_)) if depth == Depth::Repository => Some(r.clone()),
            _ => None,
        };
        let (repo, worktree_plans) = match held {
            Some(r) => r,
            None => {
                let repo = match (state, depth) {
                    (Some(mut state), Depth::Repository) => {
                        let paths: Vec<String> =
                            plan.files.iter().map(|f| f.path.clone()).collect();
                        let scanner = self.scanner()?;
                        state.checkout.plan_modified = scanner.plan_modified(&paths);
                        self.report(state, &plan, &files)?
                    }
                    (_, Depth::Repository) => RepoReport {
                        unavailable: self.no_repo.clone(),
                        ..RepoReport::default()
                    },
                    (_, Depth::Plan) => RepoReport::default(),
                };
                let worktree_plans = repo
                    .state
                    .as_ref()
                    .map(|s| worktree_plans(&plan, s))
                    .unwrap_or_default();
                if self.held.state.is_some() && repo.state.is_some() {
                    self.held.report = Some((repo.clone(), worktree_plans.clone()));
                }
                (repo, worktree_plans)
            }
        };
        let prediction = match &repo.state {
            Some(state) => self.predict(state),
            None => merge::Prediction::default(),
        };
        self.phase("repository", started);
        let notes = note::read_notes(
            &self.config.root,
            &self.config.notes_dir,
            &self.config.question_notes,
        );
        let (chat_questions, decisions, claims) = match self.store_rows() {
            Ok(rows) => rows,
            Err(e) => {
                warnings.push(format!("questions, decisions and claims left out: {e}"));
                (Vec::new(), Vec::new(), Vec::new())
            }
        };
        let open_elsewhere = if (0..plan.tasks.len()).all(|t| plan.is_finished(t)) {
            let chosen: Vec<String> = plan.files.iter().map(|f| f.path.clone()).collect();
            sources::open_elsewhere(&self.config, &files, &chosen)
        } else {
            Vec::new()
        };
        Ok(Snapshot {
            plan,
            config: self.config.clone(),
            repo,
            worktree_plans,
            prediction,
            note_questions: notes.questions,
            decided_in_notes: notes.decided,
            chat_questions,
            decisions,
            claims,
            now: chrono::Utc::now(),
            open_elsewhere,
            warnings,
        })
    }

    /// The store's questions, decisions and claims (none before the database exists).
    fn store_rows(&mut self) -> Result<StoreRows, StoreError> {
        match self.store_for_read()? {
            Some(s) => Ok((s.questions()?, s.decisions()?, s.claims()?)),
            None => Ok((Vec::new(), Vec::new(), Vec::new())),
        }
    }

    /// The scan plus the open tasks whose code may already exist.
    fn report(
        &mut self,
        state: RepoState,
        plan: &Plan,
        files: &RepoFiles,
    ) -> Result<RepoReport, AppError> {
        let mut working = HashMap::new();
        for p in &state.checkout.plan_modified {
            if let Ok(text) = std::fs::read_to_string(self.config.root.join(p)) {
                working.insert(p.clone(), text);
            }
        }
        let exists = |p: &str| files.matches(p);
        let scanner = self.scanner()?;
        let (stale, problems) = staleness::find(scanner.repository(), plan, &working, &exists);
        Ok(RepoReport {
            state: Some(state),
            unavailable: None,
            stale,
            problems,
        })
    }

    /// The checkout's status, with the plan's files (when a plan can be read) so that
    /// their uncommitted edits are called out.
    pub(crate) fn checkout(
        &mut self,
    ) -> Result<(repo::CheckoutStatus, Option<Arc<Plan>>), AppError> {
        self.timings.clear();
        self.scanner()?;
        let files = self.files()?;
        let plan = self.read_plan(&files).ok();
        let opts = self.scan_options(plan.as_deref());
        let started = Instant::now();
        let status = self.scanner()?.checkout(&opts);
        self.phase("checkout", started);
        Ok((status, plan))
    }
}

type StoreRows = (
    Vec<crate::store::QuestionRow>,
    Vec<crate::store::DecisionRow>,
    Vec<crate::store::ClaimRow>,
);

/// Each in-flight worktree's own copy of the plan files, parsed (by worktree path).
pub(crate) fn worktree_plans(plan: &Plan, state: &RepoState) -> HashMap<String, Plan> {
    let mut out = HashMap::new();
    for w in state.in_flight() {
        let texts: Vec<PlanText> = plan
            .files
            .iter()
            .filter_map(|f| {
                let bytes = std::fs::read(Path::new(&w.path).join(&f.path)).ok()?;
                Some(PlanText {
                    path: f.path.clone(),
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                    title: None,
                })
            })
            .collect();
        if !texts.is_empty() {
            out.insert(w.path.clone(), plan::parse(&texts, None));
        }
    }
    out
}

/// The `[[repos]]` entries of a config file (`--config`, else the current directory's
/// `shortlist.toml`), with the file they are in.
pub fn repo_entries(
    config: Option<&Path>,
) -> Result<Vec<(PathBuf, crate::config::RepoEntry)>, AppError> {
    let path = match config {
        Some(p) => Some(p.to_path_buf()),
        None => {
            let cwd = std::env::current_dir().map_err(AppError::Cwd)?;
            CONFIG_NAMES
                .iter()
                .map(|n| cwd.join(n))
                .find(|p| p.is_file())
        }
    };
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let fc = FileConfig::load(&path)?;
    Ok(fc.repos.into_iter().map(|e| (path.clone(), e)).collect())
}

/// Root and config: `--config`, else a config file at the root, else defaults. A
/// `--repo` that names a `[[repos]]` entry of the config (and is not a directory here)
/// opens that entry.
fn locate_config(req: &OpenRequest) -> Result<Config, AppError> {
    let cwd = std::env::current_dir().map_err(AppError::Cwd)?;
    if let Some(name) = req.repo.as_ref().filter(|r| !cwd.join(r).is_dir()) {
        let name = name.to_string_lossy();
        if let Some((file, entry)) = repo_entries(req.config.as_deref())?
            .into_iter()
            .find(|(_, e)| e.name == name)
        {
            let fc = FileConfig::load(&file)?;
            let dir = file.parent().unwrap_or(Path::new("."));
            let root = repo::find_root(&cwd.join(dir).join(&entry.path))?;
            let mut config = Config::resolve(fc.for_entry(&entry), root, Some(file));
            config.override_plan_globs(&req.plan_globs);
            return Ok(config);
        }
    }
    let explicit = match &req.config {
        Some(p) => Some((p.clone(), FileConfig::load(p)?)),
        None => None,
    };
    let start = match (&req.repo, &explicit) {
        (Some(r), _) => cwd.join(r),
        (None, Some((path, fc))) => match &fc.repo {
            Some(r) => path.parent().unwrap_or(Path::new(".")).join(r),
            None => cwd.clone(),
        },
        (None, None) => cwd.clone(),
    };
    let root = repo::find_root(&start)?;
    let (file_cfg, source) = match explicit {
        Some((p, fc)) => (fc, Some(p)),
        None => match CONFIG_NAMES
            .iter()
            .map(|n| root.join(n))
            .find(|p| p.is_file())
        {
            Some(p) => (FileConfig::load(&p)?, Some(p)),
            None => (FileConfig::default(), None),
        },
    };
    let mut config = Config::resolve(file_cfg, root, source);
    config.override_plan_globs(&req.plan_globs);
    Ok(config)
}

/// Find the plan files, read and parse them; diagnostics file by file in plan order,
/// then by line.
fn read_plan(config: &Config, files: &RepoFiles) -> Result<Plan, AppError> {
    let src = sources::load(config, files)?;
    let index: &dyn FileIndex = files;
    let mut plan = plan::parse(&src.texts, Some(index));
    let mut diags = src.diagnostics;
    diags.append(&mut plan.diagnostics);
    let order = |f: &str| {
        plan.files
            .iter()
            .position(|p| p.path == f)
            .map_or(0, |i| i + 1)
    };
    diags.sort_by_key(|d| (order(&d.file), d.line));
    plan.diagnostics = diags;
    Ok(plan)
}
