//! The command line: clap subcommands mapping one to one onto library calls, rendered as
//! markdown or JSON.

use crate::note;
use crate::ops;
use crate::render;
use crate::repo::{RepoState, Scanner};
use crate::store::Store;
use crate::triage::{self, DocGlobs};
use crate::workspace::{scan_options, OpenOptions, Workspace};
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

const EXIT_CODES: &str = "\
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
        no_index_refresh: cli.no_index_refresh,
    };
    let json = cli.format == Format::Json;
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    let refresh = !cli.no_index_refresh;
    let started = Instant::now();
    if let Command::Worktrees = cli.command {
        let config = Workspace::config(&opts)?;
        let t_open = ms(started);
        let mut scanner = Scanner::open(&config.root)?;
        let state = scanner.scan(&scan_options(&config, None, refresh));
        // The plan is optional here: it names the tasks each worktree is doing.
        let t_plan = Instant::now();
        let plan = scanner
            .files(refresh)
            .ok()
            .and_then(|files| Workspace::read_plan(&config, &files).ok());
        let t_plan = ms(t_plan);
        let t_flight = Instant::now();
        let flight = ops::flight(&config, plan.as_ref(), &state, !cli.no_merge_prediction);
        let t_flight = ms(t_flight);
        let t_render = Instant::now();
        let out = if json {
            let mut v = render::repo::worktrees_json(&state);
            if let serde_json::Value::Object(m) = &mut v {
                m.extend(render::json::flight(plan.as_ref(), &flight));
            }
            pretty(v)
        } else {
            render::repo::worktrees_md(&state) + &render::md::flight(plan.as_ref(), &flight)
        };
        if cli.timings {
            let mut phases = vec![("config".to_string(), t_open)];
            phases.extend(state.phases.iter().map(|p| (p.name.clone(), p.ms)));
            phases.push(("plan".into(), t_plan));
            phases.push((
                format!(
                    "tasks + merge prediction ({} pairs)",
                    flight.prediction.merged_pairs
                ),
                t_flight,
            ));
            phases.push(("render".into(), ms(t_render)));
            print_timings(&phases, Some(&state), ms(started));
        }
        let code = if flight.conflicts.is_empty() { 0 } else { 2 };
        return Ok((out, code));
    }
    if let Command::Status = cli.command {
        // The plan is optional here: it only names the files whose edits are called out.
        let config = Workspace::config(&opts)?;
        let mut scanner = Scanner::open(&config.root)?;
        // One walk of the working tree: the file list's status read is the checkout's.
        let files = scanner.files(refresh)?;
        let plan = Workspace::read_plan(&config, &files).ok();
        let t_open = ms(started);
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
    // Commands that show the repository scan it while opening (one walk of the tree).
    let scans = matches!(
        cli.command,
        Command::Triage { .. }
            | Command::Next { .. }
            | Command::Note { .. }
            | Command::Check { .. }
    );
    if let Command::Serve = cli.command {
        return serve(cli, &opts);
    }
    let ws = if scans {
        Workspace::open_scanned(&opts)?
    } else {
        Workspace::open(&opts)?
    };
    let plan = &ws.plan;
    let t_open = ms(started);
    match &cli.command {
        Command::Worktrees | Command::Status | Command::Serve => unreachable!("handled above"),
        Command::Check { strict } => {
            // Planned conflicts (the plan's own, computed and declared) and predicted
            // ones (worktrees in flight) make it exit 2, as do errors with --strict.
            let (t, warnings) = full_triage(cli, &ws);
            warn(&warnings);
            let view = t.view(&ws, None);
            let out = if json {
                let mut v = render::json::check(plan);
                if let serde_json::Value::Object(m) = &mut v {
                    m.insert("conflicts".into(), render::json::conflicts_of(&view));
                }
                pretty(v)
            } else {
                render::md::check(plan) + &render::md::check_conflicts(&view)
            };
            let code = if !t.conflicts.is_empty() || (*strict && plan.error_count() > 0) {
                2
            } else {
                0
            };
            Ok((out, code))
        }
        Command::Triage { track } => {
            let track_filter = match track {
                Some(q) => Some(pick_track(plan, q)?),
                None => None,
            };
            let t_repo = Instant::now();
            let (t, warnings) = full_triage(cli, &ws);
            let t_repo = ms(t_repo);
            if cli.timings {
                let mut phases = vec![("open + plan".to_string(), t_open)];
                if let Some(s) = &t.report.state {
                    phases.extend(s.phases.iter().map(|p| (p.name.clone(), p.ms)));
                }
                phases.push(("repo + triage".into(), t_repo));
                print_timings(&phases, t.report.state.as_ref(), ms(started));
            }
            warn(&warnings);
            let view = t.view(&ws, track_filter);
            let out = if json {
                pretty(render::json::triage(&view))
            } else {
                render::md::triage(&view)
            };
            Ok((out, 0))
        }
        Command::Next { explain } => {
            let t_repo = Instant::now();
            let (t, warnings) = full_triage(cli, &ws);
            if cli.timings {
                let mut phases = vec![("open + plan".to_string(), t_open)];
                if let Some(s) = &t.report.state {
                    phases.extend(s.phases.iter().map(|p| (p.name.clone(), p.ms)));
                }
                phases.push(("repo + triage".into(), ms(t_repo)));
                print_timings(&phases, t.report.state.as_ref(), ms(started));
            }
            warn(&warnings);
            let mut view = t.view(&ws, None);
            view.explain = *explain;
            let out = if json {
                pretty(render::json::triage(&view))
            } else {
                render::md::next(&view)
            };
            Ok((out, 0))
        }
        Command::Note { topic, by } => {
            let topts = triage_options(cli);
            let mut store = open_store(cli, &ws)?;
            let t = ops::triage(&ws, Some(&store), topts);
            warn(&t.warnings);
            let topic = if topic.is_empty() {
                "triage".to_string()
            } else {
                topic.join(" ")
            };
            let by = by
                .clone()
                .unwrap_or_else(|| ops::default_actor(&ws.config.root));
            let path = ops::write_note(&ws, &t, &mut store, &topic, &by, Utc::now())?;
            let out = if json {
                pretty(
                    serde_json::json!({"schema": "shortlist.note/1", "path": path, "candidates": t.stored_candidates(&ws)}),
                )
            } else {
                format!("{}\n", path.display())
            };
            Ok((out, 0))
        }
        Command::Digest { since } => {
            let (d, text) = digest_of(cli, &ws, since.as_deref())?;
            let out = if json {
                pretty(
                    serde_json::json!({"schema": "shortlist.digest/1", "changes": d, "text": text}),
                )
            } else {
                text
            };
            Ok((out, 0))
        }
        Command::Progress { out, since } => {
            let repo = git2::Repository::open(&ws.config.root).map_err(|e| {
                Failure(format!(
                    "the progress chart needs a git repository: {}",
                    e.message()
                ))
            })?;
            let since = match since {
                Some(s) => Some(
                    crate::digest::parse_since(s, ws.config.timezone.as_deref(), Some(&repo))
                        .map_err(Failure)?,
                ),
                None => None,
            };
            let (png, points) = ops::progress_png(&ws, since).map_err(Failure)?;
            let path = out.clone().unwrap_or_else(|| PathBuf::from("progress.png"));
            write_atomic(&path, &png)?;
            let out = if json {
                pretty(
                    serde_json::json!({"schema": "shortlist.progress/1", "path": path, "points": points}),
                )
            } else {
                format!("{}\n", path.display())
            };
            Ok((out, 0))
        }
        Command::Questions { all } => list_questions(cli, &ws, *all),
        Command::Question { action } => match action {
            QuestionAction::List => list_questions(cli, &ws, false),
            QuestionAction::Add { text, by } => {
                let mut store = open_store(cli, &ws)?;
                let by = by
                    .clone()
                    .unwrap_or_else(|| ops::default_actor(&ws.config.root));
                let (q, new) = ops::add_question(&ws, &mut store, &text.join(" "), &by)?;
                let out = if json {
                    pretty(
                        serde_json::json!({"schema": "shortlist.question/1", "id": q.id, "text": q.text, "asked_by": q.asked_by, "asked_at": q.asked_at, "new": new}),
                    )
                } else if new {
                    format!("{}\n", q.id)
                } else {
                    format!(
                        "{}\n(already asked by {} on {})\n",
                        q.id,
                        q.asked_by,
                        q.asked_at.format("%Y-%m-%d")
                    )
                };
                Ok((out, 0))
            }
        },
        Command::Decide { qid, text, by } => {
            let mut store = open_store(cli, &ws)?;
            let by = by
                .clone()
                .unwrap_or_else(|| ops::default_actor(&ws.config.root));
            let (d, q) = ops::decide(&ws, &mut store, qid, &text.join(" "), &by, "cli")?;
            let out = if json {
                pretty(
                    serde_json::json!({"schema": "shortlist.decision/1", "decision": d, "question": q}),
                )
            } else {
                format!(
                    "Decided {}: {}\n  question: {}\n  by {} on {}\n",
                    q.id,
                    d.text,
                    q.text,
                    d.decided_by,
                    d.decided_at.format("%Y-%m-%d %H:%M UTC")
                )
            };
            Ok((out, 0))
        }
        Command::Pick { n, note, by } => {
            let mut store = open_store(cli, &ws)?;
            let by = by
                .clone()
                .unwrap_or_else(|| ops::default_actor(&ws.config.root));
            let rel = match note {
                Some(p) => Some(note::relative_to_root(&ws.config.root, p).ok_or_else(|| {
                    Failure(format!(
                        "note {} not found inside the repository {}",
                        p.display(),
                        ws.config.root.display()
                    ))
                })?),
                None => None,
            };
            let o = ops::pick(
                &ws,
                &mut store,
                ops::Offer::Note(rel.as_deref()),
                *n,
                &by,
                Utc::now(),
            )?;
            let out = if json {
                pretty(
                    serde_json::json!({"schema": "shortlist.pick/1", "pick": o.pick, "candidate": o.candidate, "new": o.new, "note": o.note}),
                )
            } else {
                let mut s = format!(
                    "{} picked {}. `{}` {}",
                    o.pick.picked_by, o.candidate.rank, o.candidate.id, o.candidate.title
                );
                if !o.new {
                    s.push_str(" (already recorded; nothing changed)");
                }
                s.push('\n');
                if let (Some(p), true) = (&o.note, o.new) {
                    s.push_str(&format!("## Selected appended to {}\n", p.display()));
                }
                s
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

/// The bot token: DISCORD_TOKEN, else the file the config names. Never echoed.
fn token(config: &crate::config::Config) -> Result<String, Failure> {
    if let Ok(t) = std::env::var("DISCORD_TOKEN") {
        if !t.trim().is_empty() {
            return Ok(t.trim().to_string());
        }
    }
    match &config.discord.token_file {
        Some(f) => {
            let path = config.root.join(f);
            let t = std::fs::read_to_string(&path).map_err(|e| {
                Failure(format!("cannot read the token file {}: {}", path.display(), e.kind()))
            })?;
            if t.trim().is_empty() {
                return Err(Failure(format!("the token file {} is empty", path.display())));
            }
            Ok(t.trim().to_string())
        }
        None => Err(Failure(
            "no bot token: set DISCORD_TOKEN, or name a file with `token_file` under [discord] in the config".into(),
        )),
    }
}

fn serve(cli: &Cli, opts: &OpenOptions) -> Result<(String, i32), Failure> {
    let config = Workspace::config(opts)?;
    let token = token(&config)?;
    let database = {
        let configured = match cli.database.as_deref() {
            Some(p) => Some(std::env::current_dir()?.join(p)),
            None => config.database.clone(),
        };
        ops::database_path(&config.root, configured.as_deref())?
    };
    // A fake Discord for local testing: `SHORTLIST_DISCORD_API=http://127.0.0.1:PORT`.
    let (api_root, test_server) = match std::env::var("SHORTLIST_DISCORD_API") {
        Ok(u) if !u.trim().is_empty() => (u.trim().to_string(), true),
        _ => ("https://discord.com".to_string(), false),
    };
    let mut open = opts.clone();
    open.repo = Some(config.root.clone());
    let settings = crate::bot::Settings {
        open,
        database,
        token,
        api_root,
        test_server,
        guilds: config.discord.guilds.clone(),
        channels: config.discord.channels.clone(),
        writer_roles: config.discord.writer_roles.clone(),
        digest_time: crate::digest::schedule::parse_time(&config.digest.time).map_err(Failure)?,
        digest_tz: match config.digest.timezone.as_ref().or(config.timezone.as_ref()) {
            Some(z) => z
                .parse()
                .map_err(|_| Failure(format!("digest time zone `{z}` is not an IANA name")))?,
            None => local_tz(),
        },
        digest_tick: std::time::Duration::from_secs(30),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHORTLIST_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,serenity=warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(crate::bot::run(settings, shutdown_signal()))
        .map_err(|e| Failure(e.to_string()))?;
    Ok((String::new(), 0))
}

/// The machine's zone as an IANA name (TZ, else /etc/localtime), else UTC.
fn local_tz() -> chrono_tz::Tz {
    let from_env = std::env::var("TZ").ok().and_then(|t| t.parse().ok());
    let from_link = std::fs::read_link("/etc/localtime").ok().and_then(|p| {
        let s = p.to_string_lossy().into_owned();
        s.split("zoneinfo/").nth(1).and_then(|z| z.parse().ok())
    });
    from_env.or(from_link).unwrap_or(chrono_tz::UTC)
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Write a file whole: a temp file beside it, then a rename.
fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)
        .map_err(|e| Failure(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Failure(format!("cannot write {}: {e}", path.display()))
    })
}

/// The digest's changes and its markdown; remembers the worktrees for the next one.
pub fn digest_of(
    cli: &Cli,
    ws: &Workspace,
    since: Option<&str>,
) -> Result<(crate::digest::Changes, String), Failure> {
    let db = db_path(cli, ws)?;
    ops::digest(ws, &db, since, triage_options(cli)).map_err(Failure)
}

fn db_path(cli: &Cli, ws: &Workspace) -> Result<PathBuf, Failure> {
    let configured = cli.database.as_deref().or(ws.config.database.as_deref());
    // --database is relative to the current directory, the config's to the repository.
    let configured = match (cli.database.as_deref(), configured) {
        (Some(p), _) => Some(std::env::current_dir()?.join(p)),
        (None, c) => c.map(PathBuf::from),
    };
    Ok(ops::database_path(&ws.config.root, configured.as_deref())?)
}

fn open_store(cli: &Cli, ws: &Workspace) -> Result<Store, Failure> {
    Ok(Store::open(&db_path(cli, ws)?)?)
}

/// Triage with whatever the database holds; an unreadable database is a warning.
fn triage_options(cli: &Cli) -> ops::TriageOptions {
    ops::TriageOptions {
        refresh_index: !cli.no_index_refresh,
        predict_merges: !cli.no_merge_prediction,
    }
}

fn full_triage(cli: &Cli, ws: &Workspace) -> (ops::Triage, Vec<String>) {
    let mut warnings = Vec::new();
    let store = match db_path(cli, ws).and_then(|p| Ok(ops::open_for_read(&p)?)) {
        Ok(s) => s,
        Err(e) => {
            warnings.push(format!(
                "questions and decisions from the database left out: {}",
                e.0
            ));
            None
        }
    };
    let t = ops::triage(ws, store.as_ref(), triage_options(cli));
    warnings.extend(t.warnings.iter().cloned());
    (t, warnings)
}

fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn list_questions(cli: &Cli, ws: &Workspace, all: bool) -> Result<(String, i32), Failure> {
    let store = ops::open_for_read(&db_path(cli, ws)?)?;
    let ops::Questions {
        open,
        every,
        decisions,
    } = ops::questions_known(ws, store.as_ref())?;
    let decided: std::collections::HashSet<&str> = every
        .iter()
        .filter(|q| !open.iter().any(|o| o.id == q.id))
        .map(|q| q.id.as_str())
        .collect();
    if cli.format == Format::Json {
        let v = serde_json::json!({
            "schema": "shortlist.questions/1",
            "open": open,
            "decided": if all { every.iter().filter(|q| decided.contains(q.id.as_str())).cloned().collect::<Vec<_>>() } else { Vec::new() },
            "decisions": decisions,
        });
        return Ok((
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n",
            0,
        ));
    }
    Ok((render::md::questions(&open, &every, &decisions, all), 0))
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
    triage::track_named(plan, q).map_err(Failure)
}
