//! The command line: clap subcommands mapping one to one onto library calls, rendered as
//! markdown or JSON.

use crate::render::{self, View};
use crate::repo::{RepoState, Scanner};
use crate::sources;
use crate::triage::conflicts::{self, Occupied};
use crate::triage::{self, DocGlobs};
use crate::workspace::{scan_options, OpenOptions, Workspace};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the command itself failed (no repository, no plan, unknown task or track, bad config)
  2  `check --strict` found error-level diagnostics";

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
    /// Repository to read (default: the current directory; the root is found upward).
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
    /// which are in flight and which are merged (safe to remove).
    Worktrees,
    /// Everything known about one task, with its source file and line.
    Task {
        /// Task id as written (`5.2.1`, `T4.6.3`, `WP-3`); `file.md:ID` when ids repeat.
        id: String,
    },
}

/// A failure with the message to print; exit code 1.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// Run a parsed command line; returns the text to print and the exit code.
pub fn run(cli: &Cli) -> Result<(String, i32), Failure> {
    let opts = OpenOptions {
        repo: cli.repo.clone(),
        config: cli.config.clone(),
        plan_globs: cli.plan.clone(),
    };
    let json = cli.format == Format::Json;
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    let refresh = !cli.no_index_refresh;
    let started = Instant::now();
    if let Command::Worktrees = cli.command {
        // Config only: no file list and no plan, so that the scan is all the time spent.
        let config = Workspace::config(&opts)?;
        let t_open = ms(started);
        let mut scanner = Scanner::open(&config.root)?;
        let state = scanner.scan(&scan_options(&config, None, refresh));
        let t_render = Instant::now();
        let out = if json {
            pretty(render::repo::worktrees_json(&state))
        } else {
            render::repo::worktrees_md(&state)
        };
        if cli.timings {
            let mut phases = vec![("config".to_string(), t_open)];
            phases.extend(state.phases.iter().map(|p| (p.name.clone(), p.ms)));
            phases.push(("render".into(), ms(t_render)));
            print_timings(&phases, Some(&state), ms(started));
        }
        return Ok((out, 0));
    }
    if let Command::Status = cli.command {
        // The plan is optional here: it only names the files whose edits are called out.
        let (config, files) = Workspace::locate(&opts)?;
        let plan = Workspace::read_plan(&config, &files).ok();
        let t_open = ms(started);
        let mut scanner = Scanner::open(&config.root)?;
        let status = scanner.checkout(&scan_options(&config, plan.as_ref(), refresh));
        let out = if json {
            pretty(render::repo::status_json(&status))
        } else {
            render::repo::status_md(&status)
        };
        if cli.timings {
            print_timings(&[("open + plan".into(), t_open)], None, ms(started));
        }
        return Ok((out, 0));
    }
    let ws = Workspace::open(&opts)?;
    let plan = &ws.plan;
    let t_open = ms(started);
    match &cli.command {
        Command::Worktrees | Command::Status => unreachable!("handled above"),
        Command::Check { strict } => {
            let out = if json {
                pretty(render::json::check(plan))
            } else {
                render::md::check(plan)
            };
            let code = if *strict && plan.error_count() > 0 {
                2
            } else {
                0
            };
            Ok((out, code))
        }
        Command::Triage { track } => {
            let docs = DocGlobs::new(&ws.config.doc_globs);
            let remaining = triage::remaining(plan, &docs);
            let track_filter = match track {
                Some(q) => Some(pick_track(plan, q)?),
                None => None,
            };
            let elsewhere = if remaining.open == 0 {
                let chosen: Vec<String> = plan.files.iter().map(|f| f.path.clone()).collect();
                sources::open_elsewhere(&ws.config, &ws.files, &chosen)
            } else {
                Vec::new()
            };
            let t_repo = Instant::now();
            let report = ws.repo_report(refresh);
            let t_repo = ms(t_repo);
            let occupied: Vec<Occupied> = report
                .state
                .iter()
                .flat_map(|s| s.in_flight())
                .map(|w| Occupied {
                    name: w.name.clone(),
                    branch: w.head.describe(),
                    files: w.changed_files.clone(),
                })
                .collect();
            let found = conflicts::conflicts(plan, &remaining, &occupied);
            let view = View {
                plan,
                remaining: &remaining,
                track_filter,
                open_elsewhere: &elsewhere,
                repo: Some(&report),
                conflicts: &found,
            };
            if cli.timings {
                let mut phases = vec![("open + plan".to_string(), t_open)];
                if let Some(s) = &report.state {
                    phases.extend(s.phases.iter().map(|p| (p.name.clone(), p.ms)));
                }
                phases.push(("repo total (with staleness)".into(), t_repo));
                print_timings(&phases, report.state.as_ref(), ms(started));
            }
            let out = if json {
                pretty(render::json::triage(&view))
            } else {
                render::md::triage(&view)
            };
            Ok((out, 0))
        }
        Command::Track { id } => {
            let ti = pick_track(plan, id)?;
            let docs = DocGlobs::new(&ws.config.doc_globs);
            let remaining = triage::remaining(plan, &docs);
            let work = remaining.tracks.iter().find(|w| w.track == ti);
            let out = if json {
                pretty(render::json::track(plan, ti, work))
            } else {
                render::md::track(plan, ti, work)
            };
            Ok((out, 0))
        }
        Command::Task { id } => {
            let found = plan.find_tasks(id);
            let t = match found.as_slice() {
                [t] => *t,
                [] => {
                    return Err(Failure(format!(
                        "no task `{id}` in the plan ({} tasks in {}); `shortlist triage` lists the open ones",
                        plan.tasks.len(),
                        plan.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", ")
                    )))
                }
                many => {
                    let places: Vec<String> = many
                        .iter()
                        .map(|&t| format!("{}:{}", plan.file_of(plan.tasks[t].span), plan.tasks[t].span.line))
                        .collect();
                    return Err(Failure(format!(
                        "task `{id}` is defined in several places ({}); name one as FILE:ID, e.g. `shortlist task {}:{id}`",
                        places.join(", "),
                        plan.file_of(plan.tasks[many[0]].span)
                    )));
                }
            };
            let out = if json {
                pretty(render::json::task(plan, t))
            } else {
                render::md::task(plan, t)
            };
            Ok((out, 0))
        }
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn print_timings(phases: &[(String, f64)], state: Option<&RepoState>, total: f64) {
    for (name, ms) in phases {
        eprintln!("timing {name:<28} {ms:>9.1} ms");
    }
    if let Some(s) = state {
        for w in &s.worktrees {
            eprintln!(
                "timing   worktree {:<19} {:>9.1} ms  ({} changed files)",
                w.name,
                w.scan_ms,
                w.changed_files.len()
            );
        }
    }
    eprintln!("timing {:<28} {total:>9.1} ms", "total");
}

fn pick_track(plan: &crate::plan::Plan, q: &str) -> Result<usize, Failure> {
    triage::find_track(plan, q).map_err(|cands| {
        if cands.is_empty() {
            let all: Vec<String> = plan
                .tracks
                .iter()
                .map(|t| format!("{} ({})", t.key, t.name))
                .collect();
            Failure(format!("no track `{q}`; tracks: {}", all.join(", ")))
        } else {
            let names: Vec<String> = cands
                .iter()
                .map(|&t| format!("{} ({})", plan.tracks[t].key, plan.tracks[t].name))
                .collect();
            Failure(format!(
                "track `{q}` is ambiguous: {}; use the key",
                names.join(", ")
            ))
        }
    })
}
