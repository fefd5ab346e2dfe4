//! Worktree scan on the small benchmark repository (1,100 files, main + 5 linked
//! worktrees, generated with git2 in a temp dir): a fresh scanner per scan (what one CLI
//! run does) and a scanner kept open between scans (what the bot does). The big
//! repository and the `git status` anchors are in benches/worktrees.sh; set
//! SHORTLIST_BENCH_REPO to also bench a repository of your own.

use criterion::{criterion_group, criterion_main, Criterion};
use shortlist::repo::{ScanOptions, Scanner};

#[path = "support/gen_repo.rs"]
mod gen_repo;

fn worktrees(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let main = gen_repo::build(dir.path(), &gen_repo::SMALL);
    let opts = ScanOptions::default();
    // First scan refreshes the stat data the generator left stale.
    let first = Scanner::open(&main).expect("open").scan(&opts);
    assert_eq!(first.in_flight().count(), 5);
    let mut g = c.benchmark_group("worktrees_small");
    g.sample_size(40);
    g.bench_function("fresh_scanner", |b| {
        b.iter(|| {
            let mut s = Scanner::open(&main).expect("open");
            s.scan(&ScanOptions {
                keep_open: false,
                ..ScanOptions::default()
            })
        })
    });
    let mut kept = Scanner::open(&main).expect("open");
    g.bench_function("kept_open", |b| b.iter(|| kept.scan(&opts)));
    g.bench_function("kept_open_one_thread", |b| {
        let one = ScanOptions {
            threads: 1,
            ..ScanOptions::default()
        };
        b.iter(|| kept.scan(&one))
    });
    g.finish();
    // A repository of your own (e.g. the big one built by benches/worktrees.sh):
    // SHORTLIST_BENCH_REPO=/tmp/shortlist-bench/big/main cargo bench --bench worktrees
    if let Ok(path) = std::env::var("SHORTLIST_BENCH_REPO") {
        let mut g = c.benchmark_group("worktrees_given");
        g.sample_size(10);
        let mut kept = Scanner::open(std::path::Path::new(&path)).expect("open");
        g.bench_function("kept_open", |b| b.iter(|| kept.scan(&opts)));
        g.bench_function("fresh_scanner", |b| {
            b.iter(|| {
                Scanner::open(std::path::Path::new(&path))
                    .expect("open")
                    .scan(&ScanOptions {
                        keep_open: false,
                        ..ScanOptions::default()
                    })
            })
        });
        g.finish();
    }
}

criterion_group!(benches, worktrees);
criterion_main!(benches);
