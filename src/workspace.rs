//! Opening a workspace: find the repository root, read the config, list the files, find
//! and parse the plan. The one entry point both front ends use before asking anything.

use crate::config::{Config, ConfigError, FileConfig, CONFIG_NAMES};
use crate::plan::{self, Plan};
use crate::repo::{self, RepoError, RepoFiles};
use crate::sources::{self, SourceError};
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
}

pub struct Workspace {
    pub config: Config,
    pub files: RepoFiles,
    pub plan: Plan,
}

impl Workspace {
    pub fn open(opts: &OpenOptions) -> Result<Workspace, OpenError> {
        let (config, files) = Self::locate(opts)?;
        let plan = Self::read_plan(&config, &files)?;
        Ok(Workspace {
            config,
            files,
            plan,
        })
    }

    /// Root, config and file list, without reading the plan.
    pub fn locate(opts: &OpenOptions) -> Result<(Config, RepoFiles), OpenError> {
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
        let files = repo::list_files(&config.root)?;
        Ok((config, files))
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
