//! How long a watching session (the bot's) takes to answer, against a session that
//! scans every time, in one run: `cargo run --release --example warm_answers -- REPO
//! [ROUNDS] [WORKTREE_FILE]`. Each round asks for the triage; the watching session is
//! asked with nothing changed (right after the scanning session read every file, and
//! again), after one file changed in one worktree (`WORKTREE_FILE`, a path to append
//! to), and the scanning session every time.
//! Prints p50 and p95 in milliseconds.

use shortlist::app::{self, OpenRequest, Options, Session};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn session(repo: &Path, watch: bool) -> Session {
    Session::open(&OpenRequest {
        repo: Some(repo.to_path_buf()),
        database: Some(std::env::temp_dir().join("warm-answers-none.sqlite")),
        options: Options {
            keep_open: true,
            watch,
            refresh_index: false,
            ..Options::default()
        },
        ..OpenRequest::default()
    })
    .expect("session")
}

fn ms(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1000.0
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let repo = PathBuf::from(args.first().expect("REPO"));
    let rounds: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(50);
    let touch = args.get(2).map(PathBuf::from);
    let mut watching = session(&repo, true);
    let mut scanning = session(&repo, false);
    let first = ms(|| {
        app::triage(&mut watching, &Default::default()).expect("triage");
    });
    let (mut same, mut changed, mut cold) = (Vec::new(), Vec::new(), Vec::new());
    let mut after_reads = Vec::new();
    for i in 0..rounds {
        // Right after another process read the whole repository (the scanning session
        // below, in the round before): the watch drains its file-open notifications.
        after_reads.push(ms(|| {
            app::triage(&mut watching, &Default::default()).expect("triage");
        }));
        same.push(ms(|| {
            app::triage(&mut watching, &Default::default()).expect("triage");
        }));
        if let Some(f) = &touch {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(f)
                .expect("worktree file");
            writeln!(file, "// {i}").expect("append");
            drop(file);
            changed.push(ms(|| {
                app::triage(&mut watching, &Default::default()).expect("triage");
            }));
        }
        cold.push(ms(|| {
            app::triage(&mut scanning, &Default::default()).expect("triage");
        }));
    }
    // Where an answer with nothing changed goes (the session's own phases).
    app::triage(&mut watching, &Default::default()).expect("triage");
    for (phase, ms) in watching.timings() {
        println!("  nothing changed, phase {phase}: {ms:.1} ms");
    }
    // The shortlist with its note written, twice: the second pays for the first's note.
    for _ in 0..3 {
        let req = app::NextRequest {
            note: Some(app::NoteAsk {
                topic: "warm answers".into(),
                by: "bench".into(),
                at: chrono::Utc::now(),
            }),
        };
        let t = ms(|| {
            app::next(&mut watching, req).expect("next");
        });
        println!("  next with its note: {t:.1} ms");
    }
    for (phase, ms) in watching.timings() {
        println!("  next with its note, phase {phase}: {ms:.1} ms");
    }
    println!("first answer of the watching session: {first:.1} ms");
    let rows = [
        ("nothing changed (watching)", same),
        (
            "nothing changed, right after another process read every file (watching)",
            after_reads,
        ),
        ("one file changed in one worktree (watching)", changed),
        ("scanning session, every time", cold),
    ];
    for (what, mut times) in rows {
        if !times.is_empty() {
            let (p50, p95) = (pct(&mut times, 0.5), pct(&mut times, 0.95));
            println!("{what}: p50 {p50:.1} ms, p95 {p95:.1} ms");
        }
    }
}
