//! The command line: arguments in, an application request out, its answer rendered as
//! markdown or JSON. One file per command; this one holds what they share and the
//! dispatch. Errors meet one type here, [`CliError`], which also knows what to suggest.

mod args;
mod check;
mod decide;
mod digest;
mod next;
mod note;
mod pick;
mod progress;
mod question;
mod questions;
mod serve;
mod status;
mod task;
mod track;
mod triage;
mod unpick;
mod worktrees;

pub use args::{Cli, Command, Format, QuestionAction};

use crate::app::{AppError, OpenRequest, Options, Session};
use crate::digest::DigestError;
use std::path::PathBuf;
use std::time::Instant;

/// What to print and the exit code.
#[derive(Debug)]
pub struct Output {
    pub text: String,
    pub code: i32,
}

impl Output {
    fn ok(text: String) -> Output {
        Output { text, code: 0 }
    }
}

/// Why a command failed (exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Digest(#[from] DigestError),
    #[error(transparent)]
    Chart(#[from] crate::render::chart::ChartError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot tell the current directory: {0}")]
    Cwd(std::io::Error),
    #[error("no bot token: set DISCORD_TOKEN, or name a file with `token_file` under [discord] in the config")]
    NoToken,
    #[error("cannot read the token file {}: {kind}", path.display())]
    TokenFile {
        path: PathBuf,
        kind: std::io::ErrorKind,
    },
    #[error("the token file {} is empty", path.display())]
    EmptyToken { path: PathBuf },
    #[error("digest time zone `{0}` is not an IANA name")]
    BadZone(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    Bot(String),
}

impl CliError {
    /// What to do next, where the terminal can help.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            CliError::App(AppError::UnknownTask { .. }) => {
                Some("`shortlist triage` lists the open ones")
            }
            CliError::App(AppError::UnknownQuestion { .. }) => {
                Some("`shortlist questions` lists them")
            }
            CliError::App(AppError::NoQuestions { .. }) => {
                Some("`shortlist question add TEXT` asks one")
            }
            CliError::App(AppError::NoNoteYet) => {
                Some("run `shortlist note` first, or name one with --note PATH")
            }
            _ => None,
        }
    }
}

/// What every command reads from the global flags.
pub(crate) struct Ctx<'a> {
    pub cli: &'a Cli,
    started: Instant,
}

impl Ctx<'_> {
    fn json(&self) -> bool {
        self.cli.format == Format::Json
    }

    /// The session options the flags ask for (the bot is opened with the same).
    fn options(&self) -> Options {
        Options {
            refresh_index: !self.cli.no_index_refresh,
            predict_merges: !self.cli.no_merge_prediction,
            keep_open: false,
            watch: false,
        }
    }

    fn open_request(&self) -> Result<OpenRequest, CliError> {
        // --database is relative to the current directory, the config's to the root.
        let database = match &self.cli.database {
            Some(p) => Some(std::env::current_dir().map_err(CliError::Cwd)?.join(p)),
            None => None,
        };
        Ok(OpenRequest {
            repo: self.cli.repo.clone(),
            config: self.cli.config.clone(),
            plan_globs: self.cli.plan.clone(),
            database,
            options: self.options(),
        })
    }

    fn session(&self) -> Result<Session, CliError> {
        Ok(Session::open(&self.open_request()?)?)
    }

    /// `--by NAME`, else git's `user.name`, else `$USER`.
    fn actor(&self, s: &Session, by: &Option<String>) -> String {
        by.clone().unwrap_or_else(|| s.actor())
    }

    /// Print warnings to stderr; with `--timings`, where the time went.
    fn finish(&self, s: &Session, warnings: &[String]) {
        for w in warnings {
            eprintln!("warning: {w}");
        }
        if self.cli.timings {
            for (name, ms) in s.timings() {
                eprintln!("timing {name:<36} {ms:>9.1} ms");
            }
            let total = self.started.elapsed().as_secs_f64() * 1000.0;
            eprintln!("timing {:<36} {total:>9.1} ms", "total");
        }
    }
}

fn pretty(v: serde_json::Value) -> String {
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// Run a parsed command line.
pub fn run(cli: &Cli) -> Result<Output, CliError> {
    let ctx = &Ctx {
        cli,
        started: Instant::now(),
    };
    match &cli.command {
        Command::Check { strict } => check::run(ctx, *strict),
        Command::Triage { track } => triage::run(ctx, track.as_deref()),
        Command::Track { id } => track::run(ctx, id),
        Command::Task { id } => task::run(ctx, id),
        Command::Status => status::run(ctx),
        Command::Worktrees => worktrees::run(ctx),
        Command::Next { explain } => next::run(ctx, *explain),
        Command::Note { topic, by } => note::run(ctx, topic, by),
        Command::Questions { all } => questions::run(ctx, *all),
        Command::Question { action } => question::run(ctx, action),
        Command::Decide { qid, text, by } => decide::run(ctx, qid, text, by),
        Command::Pick { n, note, by } => pick::run(ctx, *n, note, by),
        Command::Unpick { id, by } => unpick::run(ctx, id, by),
        Command::Digest { since } => digest::run(ctx, since.as_deref()),
        Command::Progress { out, since } => progress::run(ctx, out, since.as_deref()),
        Command::Serve => serve::run(ctx),
    }
}
