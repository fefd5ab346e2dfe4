//! The walking status reader against libgit2's full status, on random sequences of what
//! people do in a worktree: edits (same size or not, right after the index was written
//! or not), deletions, staging and unstaging, commits, mode changes, ignored files,
//! directories appearing and vanishing. Both readers must give the same status.

#![cfg(unix)]

mod common;

use common::{commit_in, Repo};
use proptest::prelude::*;
use shortlist::repo::{status, ScanOptions, Scanner, StatusReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const PATHS: &[&str] = &[
    "a.txt",
    "src/b.rs",
    "src/deep/c.rs",
    "src/deep/more/d.rs",
    "docs/计划.md",
    "build/out.o",
    "x.log",
    "src/deep/keep.log",
    "notes/new.md",
];

const TEXTS: &[&str] = &["one\n", "two\n", "three 3\n", "", "任务\n"];

#[derive(Debug, Clone)]
enum Op {
    Write(usize, usize),
    Delete(usize),
    Stage(usize),
    Unstage(usize),
    Commit,
    Touch(usize),
    Chmod(usize),
    RemoveDir,
    Ignore(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..PATHS.len();
    prop_oneof![
        4 => (p.clone(), 0..TEXTS.len()).prop_map(|(a, b)| Op::Write(a, b)),
        1 => p.clone().prop_map(Op::Delete),
        2 => p.clone().prop_map(Op::Stage),
        1 => p.clone().prop_map(Op::Unstage),
        1 => Just(Op::Commit),
        1 => p.clone().prop_map(Op::Touch),
        1 => p.clone().prop_map(Op::Chmod),
        1 => Just(Op::RemoveDir),
        1 => p.prop_map(Op::Ignore),
    ]
}

fn apply(r: &Repo, op: &Op) {
    let at = |i: usize| r.path().join(PATHS[i]);
    match *op {
        Op::Write(i, t) => {
            r.write(PATHS[i], TEXTS[t]);
        }
        Op::Delete(i) => {
            let _ = std::fs::remove_file(at(i));
        }
        Op::Stage(i) => {
            let mut idx = r.git.index().expect("index");
            let p = Path::new(PATHS[i]);
            let _ = if at(i).exists() {
                idx.add_path(p)
            } else {
                idx.remove_path(p)
            };
            idx.write().expect("write index");
        }
        Op::Unstage(i) => {
            let mut idx = r.git.index().expect("index");
            let _ = idx.remove_path(Path::new(PATHS[i]));
            idx.write().expect("write index");
        }
        Op::Commit => {
            commit_in(&r.git, "step", "Ada", 1_790_000_000);
        }
        Op::Touch(i) => {
            let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3);
            let _ = common::set_mtime(&at(i), later);
        }
        Op::Chmod(i) => {
            if let Ok(m) = std::fs::metadata(at(i)) {
                let mode = m.permissions().mode() ^ 0o111;
                let _ = std::fs::set_permissions(at(i), std::fs::Permissions::from_mode(mode));
            }
        }
        Op::RemoveDir => {
            let _ = std::fs::remove_dir_all(r.path().join("src/deep"));
        }
        Op::Ignore(i) => {
            let old = std::fs::read_to_string(r.path().join(".gitignore")).unwrap_or_default();
            r.write(".gitignore", format!("{old}{}\n", PATHS[i]));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn the_walk_and_libgit2_give_one_status(ops in prop::collection::vec(op(), 1..14)) {
        let r = Repo::new();
        r.write(".gitignore", "build/\n*.log\n");
        r.write("a.txt", "zero\n");
        r.write("src/b.rs", "fn b() {}\n");
        r.write("src/deep/c.rs", "fn c() {}\n");
        commit_in(&r.git, "Initial", "Ada", 1_790_000_000);
        for op in &ops {
            apply(&r, op);
        }
        let opts = |status| ScanOptions { refresh_index: false, status, ..ScanOptions::default() };
        let walked = Scanner::open(r.path()).expect("open").scan(&opts(StatusReader::Walk));
        let full = Scanner::open(r.path()).expect("open").scan(&opts(StatusReader::Libgit2));
        prop_assert_eq!(&walked.checkout.counts, &full.checkout.counts);
        prop_assert_eq!(&walked.checkout.untracked_paths, &full.checkout.untracked_paths);
        prop_assert_eq!(&walked.worktrees[0].dirty_files, &full.worktrees[0].dirty_files);
        let repo = git2::Repository::open(r.path()).expect("open");
        let paths = status::read(&repo, false, false);
        prop_assert!(paths.is_some(), "the walk handed this state to libgit2");
    }
}
