//! Times one worktree's status read both ways: the walk and libgit2's full status.
//! Usage: cargo run --release --example status_walk -- PATH [RUNS]
use shortlist::repo::{status, ScanOptions, Scanner, StatusReader};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: status_walk PATH [RUNS]");
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let repo = git2::Repository::open(&path).expect("open");
    let t = Instant::now();
    let walked = status::read(&repo, false, false);
    println!(
        "walk: {} ({:.1} ms)",
        match &walked {
            Some(p) => format!(
                "{} staged, {} unstaged, {} untracked",
                p.staged.len(),
                p.unstaged.len(),
                p.untracked.len()
            ),
            None => "handed to libgit2".into(),
        },
        t.elapsed().as_secs_f64() * 1e3
    );
    for reader in [StatusReader::Walk, StatusReader::Libgit2] {
        let opts = ScanOptions {
            status: reader,
            refresh_index: false,
            threads: 1,
            ..ScanOptions::default()
        };
        let mut times = Vec::new();
        for _ in 0..runs {
            let mut scanner = Scanner::open(std::path::Path::new(&path)).expect("open");
            let t = Instant::now();
            scanner.checkout(&opts);
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{reader:?}: checkout status median {:.1} ms, min {:.1} ms",
            times[runs / 2],
            times[0]
        );
    }
}
