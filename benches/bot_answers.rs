//! The bot's answer time, measured as a user waits for it: from the interaction the
//! fake Discord sends on its gateway to the answer's arrival at the fake's REST API
//! (the first follow-up), with the real serenity client and a watching session.
//!
//! Run by benches/worktrees.sh on the generated repositories, or by hand:
//! `BOT_BENCH_REPO=/tmp/shortlist-bench/big/main BOT_BENCH_CHANGE=/tmp/shortlist-bench/big/wt-0/CHANGES.md \
//!  cargo bench --bench bot_answers`
//! (`BOT_BENCH_ROUNDS`, default 50). Prints p50, p95 and the worst time of each kind of
//! request, and the process's resident memory.

#[path = "../tests/fake_discord/mod.rs"]
mod fake_discord;

use fake_discord::{Fake, Req};
use serde_json::json;
use shortlist::app::{OpenRequest, Options};
use shortlist::bot::{self, ServedRepo, Settings};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn settings(repo: PathBuf, db: PathBuf, api: &str) -> Settings {
    Settings {
        repos: vec![ServedRepo {
            name: "bench".to_string(),
            open: OpenRequest {
                repo: Some(repo),
                database: Some(db),
                options: Options {
                    refresh_index: false,
                    ..Options::default()
                },
                ..OpenRequest::default()
            },
            channels: Vec::new(),
        }],
        token: "bench-token".to_string(),
        api_root: api.to_string(),
        test_server: true,
        guilds: vec![200],
        channels: Vec::new(),
        writer_roles: Vec::new(),
        digest_time: chrono::NaiveTime::from_hms_opt(0, 0, 0).expect("midnight"),
        digest_tz: chrono_tz::UTC,
        digest_tick: Duration::from_secs(3600),
    }
}

fn is_answer(r: &Req, id: &str) -> bool {
    r.method == "POST"
        && r.path.starts_with("/webhooks/")
        && r.path.ends_with(&format!("tok-{id}"))
        && r.status == 200
}

/// A person's pause between two commands (the bot settles what its answer wrote in the
/// meantime).
const PAUSE: Duration = Duration::from_millis(100);

/// Send one slash command; milliseconds until its answer reached the fake.
async fn ask(fake: &Fake, name: &str) -> f64 {
    tokio::time::sleep(PAUSE).await;
    let sent = Instant::now();
    let id = fake.command(name, json!([]), ("700", "alice"), &[]);
    let answer = fake.wait_for("the answer", |r| is_answer(r, &id)).await;
    answer.at.duration_since(sent).as_secs_f64() * 1000.0
}

fn report(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "  {label:<52} p50 {:>8.1} ms   p95 {:>8.1} ms   max {:>8.1} ms   ({} runs)",
        at(0.5),
        at(0.95),
        ms[ms.len() - 1],
        ms.len()
    );
}

fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or("?".to_string(), |kb| format!("{} MB", kb / 1024))
    };
    format!("resident {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let Some(repo) = std::env::var_os("BOT_BENCH_REPO").map(PathBuf::from) else {
        println!("bot_answers: set BOT_BENCH_REPO to a repository (see benches/worktrees.sh)");
        return;
    };
    let change = std::env::var_os("BOT_BENCH_CHANGE").map(PathBuf::from);
    let rounds: usize = std::env::var("BOT_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50)
        .max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // The notes the bot writes go where the repository's config says; the bench takes
    // its own away afterwards, so that runs do not pile up untracked files.
    let notes_dir = shortlist::app::Session::open(&OpenRequest {
        repo: Some(repo.clone()),
        ..OpenRequest::default()
    })
    .map(|s| s.config().root.join(&s.config().notes_dir))
    .ok();
    let listed = |dir: &Option<PathBuf>| -> Vec<PathBuf> {
        dir.as_ref()
            .and_then(|d| std::fs::read_dir(d).ok())
            .map(|l| l.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let before = listed(&notes_dir);
    runtime.block_on(async move {
        let fake = Fake::start().await;
        let db_dir = tempfile::tempdir().expect("temp dir");
        let settings = settings(repo, db_dir.path().join("bench.sqlite3"), &fake.rest);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let bot = tokio::spawn(async move {
            let _ = bot::run(settings, async move {
                let _ = stopped.await;
            })
            .await;
        });
        fake.registered().await;
        println!(
            "  {:<52} {:>8.1} ms",
            "first /triage (the session's first scan)",
            ask(&fake, "triage").await
        );
        for name in ["triage", "worktrees", "next"] {
            ask(&fake, name).await;
            let mut times = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                times.push(ask(&fake, name).await);
            }
            let label = match name {
                "next" => "/next, nothing changed but its own note".to_string(),
                _ => format!("/{name}, nothing changed"),
            };
            report(&label, times);
        }
        let mut after_next = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            ask(&fake, "next").await;
            after_next.push(ask(&fake, "triage").await);
        }
        report("/triage right after a /next wrote its note", after_next);
        if let Some(path) = &change {
            for name in ["worktrees", "triage"] {
                let mut times = Vec::with_capacity(rounds);
                for i in 0..rounds {
                    let mut f = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .expect("the file to change");
                    writeln!(f, "bench change {i}").expect("append");
                    drop(f);
                    times.push(ask(&fake, name).await);
                }
                report(&format!("/{name}, one file changed in one worktree"), times);
            }
        }
        println!("  bot process memory: {}", memory());
        let violations = fake.violations();
        if !violations.is_empty() {
            println!("  the fake Discord refused payloads: {violations:?}");
        }
        let _ = stop.send(());
        bot.abort();
    });
    for note in listed(&notes_dir) {
        if !before.contains(&note) {
            let _ = std::fs::remove_file(note);
        }
    }
    if let Some(dir) = &notes_dir {
        // Gone again when the bench made it (and left it empty).
        let _ = std::fs::remove_dir(dir);
    }
}
