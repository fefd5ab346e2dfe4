//! Opening a workspace: find the repository root, read the config, list the files, find
//! and parse the plan. The one entry point both front ends use before asking anything.

use crate::config::{Config, ConfigError, FileConfig, CONFIG_NAMES};
use crate::plan::FileIndex;
use crate::plan::{self, Plan};
use crate::repo::{
    self, staleness, Areas, RepoError, RepoFiles, RepoReport, RepoState, ScanOptions, Scanner,
};
use crate::sources::{self, SourceError};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("cannot tell the current directory: {0}")]
    Cwd(std::io::Error),
}

/// What the command line (or the bot's settings) asks for.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub repo: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub plan_globs: Vec<String>,
    /// Do not write refreshed stat data back to the git index.
    pub no_index_refresh: bool,
}

pub struct Workspace {
    pub config: Config,
    pub files: RepoFiles,
    pub plan: Plan,
    /// The scanner that listed the files, holding the checkout's status for the scan
    /// (so the working tree is walked once per command).
    scanner: RefCell<Option<Scanner>>,
    /// The scan made while opening ([`Workspace::open_scanned`]), for `repo_report`.
    scanned: RefCell<Option<RepoState>>,
}

impl Workspace {
    pub fn open(opts: &OpenOptions) -> Result<Workspace, OpenError> {
        let config = Self::config(opts)?;
        let (files, scanner) = match Scanner::open(&config.root) {
            Ok(mut sc) => (sc.files(!opts.no_index_refresh)?, Some(sc)),
            Err(_) => (repo::list_files(&config.root)?, None),
        };
        let plan = Self::read_plan(&config, &files)?;
        Ok(Workspace {
            config,
            files,
            plan,
            scanner: RefCell::new(scanner),
            scanned: RefCell::new(None),
        })
    }

    /// Open for a triage: scan the repository first (the checkout on this thread while
    /// workers take the worktrees), then list the files from that same status read and
    /// parse the plan. The working tree is walked once.
    pub fn open_scanned(opts: &OpenOptions) -> Result<Workspace, OpenError> {
        let config = Self::config(opts)?;
        let refresh = !opts.no_index_refresh;
        let Ok(mut scanner) = Scanner::open(&config.root) else {
            return Self::open(opts);
        };
        let mut state = scanner.scan(&scan_options(&config, None, refresh));
        let files = scanner.files(refresh)?;
        let plan = Self::read_plan(&config, &files)?;
        let plan_paths: Vec<String> = plan.files.iter().map(|f| f.path.clone()).collect();
        state.checkout.plan_modified = scanner.plan_modified(&plan_paths);
        Ok(Workspace {
            config,
            files,
            plan,
            scanner: RefCell::new(Some(scanner)),
            scanned: RefCell::new(Some(state)),
        })
    }

    /// Root, config and file list, without reading the plan.
    pub fn locate(opts: &OpenOptions) -> Result<(Config, RepoFiles), OpenError> {
        let config = Self::config(opts)?;
        let files = repo::list_files(&config.root)?;
        Ok((config, files))
    }

    /// Root and config only: no file list, no plan (for `shortlist worktrees`).
    pub fn config(opts: &OpenOptions) -> Result<Config, OpenError> {
        let cwd = std::env::current_dir().map_err(OpenError::Cwd)?;
        let explicit = match &opts.config {
            Some(p) => Some((p.clone(), FileConfig::load(p)?)),
            None => None,
        };
        let start = match (&opts.repo, &explicit) {
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
        config.override_plan_globs(&opts.plan_globs);
        Ok(config)
    }

    pub fn read_plan(config: &Config, files: &RepoFiles) -> Result<Plan, OpenError> {
        let src = sources::load(config, files)?;
        let mut plan = plan::parse(&src.texts, Some(files));
        let mut diags = src.diagnostics;
        diags.append(&mut plan.diagnostics);
        // File by file in plan order (globs and config first), then by line.
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
}

/// How the repository is scanned, from the config.
pub fn scan_options(config: &Config, plan: Option<&Plan>, refresh_index: bool) -> ScanOptions {
    ScanOptions {
        base_ref: config.base_ref.clone(),
        areas: Areas::new(&config.areas),
        plan_paths: plan
            .map(|p| p.files.iter().map(|f| f.path.clone()).collect())
            .unwrap_or_default(),
        refresh_index,
        // One scan per process here; the bot keeps its own scanner with repos open.
        keep_open: false,
        ..ScanOptions::default()
    }
}

impl Workspace {
    /// The repository's state and the open tasks whose code may already exist. A plain
    /// directory (no git) gives a report saying so; nothing here fails the command.
    pub fn repo_report(&self, refresh_index: bool) -> RepoReport {
        let kept = self.scanner.borrow_mut().take();
        let mut scanner = match kept.map_or_else(|| Scanner::open(&self.config.root), Ok) {
            Ok(s) => s,
            Err(e) => {
                return RepoReport {
                    unavailable: Some(e.to_string()),
                    ..RepoReport::default()
                }
            }
        };
        let done = self.scanned.borrow_mut().take();
        let state = done.unwrap_or_else(|| {
            scanner.scan(&scan_options(&self.config, Some(&self.plan), refresh_index))
        });
        let mut working = HashMap::new();
        for p in &state.checkout.plan_modified {
            if let Ok(text) = std::fs::read_to_string(self.config.root.join(p)) {
                working.insert(p.clone(), text);
            }
        }
        let files = &self.files;
        let exists = |p: &str| files.matches(p);
        let (stale, problems) =
            staleness::find(scanner.repository(), &self.plan, &working, &exists);
        RepoReport {
            state: Some(state),
            unavailable: None,
            stale,
            problems,
        }
    }
}
