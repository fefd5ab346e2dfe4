//! The command line's arguments: global flags and one subcommand per user-facing
//! command (clap derive).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success; for `check` and `worktrees`: nothing to report
  1  the command itself failed (no repository, no plan, unknown task or track, bad config,
     locked database)
  2  `check`: conflicts exist (planned: between tasks, declared by the plan, against work
     in flight; or predicted: worktrees whose merge would conflict), or with --strict
     error-level diagnostics; `worktrees`: remaining work touches what a worktree works
     on, or a predicted merge conflict";

#[derive(Parser, Debug)]
#[command(
    name = "shortlist",
    version,
    about = "What is left in the plan, what is in flight, what to pick next.",
    long_about = "shortlist reads the markdown plan kept in a git repository and answers what is \
left, what blocks what, and what to pick next. Plan files are found by globs relative to the \
repository root (config `plan`, or --plan).",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Repository to read: a path (default: the current directory; the root is found
    /// upward) or the name of a `[[repos]]` entry of the config.
    #[arg(long, global = true, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Config file (default: shortlist.toml at the repository root, if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Plan file or glob relative to the repository root; repeatable; replaces the config's.
    #[arg(long = "plan", global = true, value_name = "GLOB")]
    pub plan: Vec<String>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Do not write refreshed stat data back to the git indexes (by default shortlist,
    /// like `git status`, saves it so the next scan does not hash files again).
    #[arg(long, global = true)]
    pub no_index_refresh: bool,
    /// SQLite database for questions, decisions, picks and notes (default: the config's
    /// `database`, else the platform data directory, one file per repository).
    #[arg(long, global = true, value_name = "FILE", env = "SHORTLIST_DATABASE")]
    pub database: Option<PathBuf>,
    /// Do not predict merge conflicts between worktrees in flight (in-memory merges).
    #[arg(long, global = true)]
    pub no_merge_prediction: bool,
    /// Print where the time went (per phase and per worktree) to stderr.
    #[arg(long, global = true)]
    pub timings: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Md,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse the plan and list every diagnostic with file and line.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// Exit 2 when error-level diagnostics exist.
        #[arg(long)]
        strict: bool,
    },
    /// Remaining work by track (priority, then plan order), with what blocks what.
    Triage {
        /// Show one track only (letter, key, numeric id or part of its name).
        track: Option<String>,
    },
    /// One track: its remaining work and what is already finished.
    Track {
        /// Letter, key, numeric id or part of the name.
        id: String,
    },
    /// The checkout: branch or detached HEAD, upstream distance, staged/unstaged/untracked
    /// counts, untracked files, uncommitted plan edits.
    Status,
    /// Every linked worktree: branch, dirty, ahead/behind the base, changed files, areas;
    /// which are in flight and which are merged (safe to remove); the tasks each one is
    /// doing and predicted merge conflicts.
    #[command(after_help = EXIT_CODES)]
    Worktrees,
    /// The shortlist: 3–5 candidates over 2–4 tracks with the reasons each was chosen, and
    /// the recommended next. With --format json: the whole shortlist.triage/1 document.
    Next {
        /// Also say why every other open unit is not on the shortlist.
        #[arg(long)]
        explain: bool,
    },
    /// Write a conversation note (context, decisions, plan, open questions, references)
    /// into the notes directory and print its path.
    Note {
        /// What the conversation is about; it names the file (default: triage).
        topic: Vec<String>,
        /// Who asked for it (default: git user.name, else $USER).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Open questions from the plan, earlier notes and the database, each with its Q- id.
    Questions {
        /// Also list the decided ones.
        #[arg(long)]
        all: bool,
    },
    /// Ask a question: `shortlist question add TEXT` prints its new id.
    Question {
        #[command(subcommand)]
        action: QuestionAction,
    },
    /// Record a decision on a question: `shortlist decide Q-7f3a use fresh DB per run`.
    Decide {
        /// The question's id (`Q-7f3a`; the `Q-` may be left out).
        qid: String,
        /// The decision.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Pick candidate N of a note's shortlist (default: the latest note written); the note
    /// gets a `## Selected` entry. Picking the same candidate again changes nothing.
    Pick {
        /// The candidate's number in the shortlist.
        n: usize,
        /// The note whose shortlist is meant (relative to here or to the repository root).
        #[arg(long, value_name = "PATH")]
        note: Option<PathBuf>,
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Release the claim on a task (a pick claims it), so that it is offered again.
    Unpick {
        /// The task's id.
        id: String,
        /// Who releases it (default: git user.name, else $USER).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// What changed since the last digest (or --since), what is in flight, open
    /// questions and the recommended next.
    Digest {
        /// A date or time in the configured zone (2026-10-02, 2026-10-02 14:30), an RFC
        /// 3339 instant or a git revision. Default: the last digest posted, else a day ago.
        #[arg(long, value_name = "DATE|REV")]
        since: Option<String>,
    },
    /// The progress chart (done and remaining tasks per track over time) as a PNG.
    Progress {
        /// Where to write the PNG (default: progress.png in the current directory).
        #[arg(long, value_name = "FILE.png")]
        out: Option<PathBuf>,
        /// Start of the chart (default: the plan's whole history).
        #[arg(long, value_name = "DATE|REV")]
        since: Option<String>,
    },
    /// Connect to Discord and serve the slash commands until SIGINT/SIGTERM. The token
    /// comes from DISCORD_TOKEN or the config's `[discord] token_file`.
    Serve,
    /// Everything known about one task, with its source file and line.
    Task {
        /// Task id as written (`5.2.1`, `T4.6.3`, `WP-3`); `file.md:ID` when ids repeat.
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum QuestionAction {
    /// Record a new open question; prints its id.
    Add {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Same as `shortlist questions`.
    List,
}
