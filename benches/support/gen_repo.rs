//! Builds the benchmark repositories with git2 (no `git` process):
//! - small: 1,100 files in 55 directories, 5 linked worktrees (6 with the main one);
//! - big: 100,000 files in 5,000 directories, 10 linked worktrees (11 with the main one).
//!
//! Every linked worktree is 2 commits ahead of `main` and has 10 unstaged, 3 staged and
//! 5 untracked files; the main checkout has 500 modified and 1,000 untracked files (5 and
//! 10 in the small repository).

#![allow(dead_code)]

use git2::{
    IndexAddOption, Repository, RepositoryInitOptions, Signature, Time, WorktreeAddOptions,
};
use std::path::{Path, PathBuf};

pub struct Shape {
    pub files: usize,
    pub dirs: usize,
    pub worktrees: usize,
    pub main_modified: usize,
    pub main_untracked: usize,
}

pub const SMALL: Shape = Shape {
    files: 1_100,
    dirs: 55,
    worktrees: 5,
    main_modified: 5,
    main_untracked: 10,
};

pub const BIG: Shape = Shape {
    files: 100_000,
    dirs: 5_000,
    worktrees: 10,
    main_modified: 500,
    main_untracked: 1_000,
};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

fn file_name(i: usize, dirs: usize) -> String {
    let d = i % dirs;
    format!("src/m{:02}/d{d:04}/f{i:06}.rs", d % 50)
}

fn commit(repo: &Repository, msg: &str, secs: i64) {
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("write index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let sig = Signature::new("Bench", "bench@example.com", &Time::new(secs, 0)).expect("sig");
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let refs: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &refs)
        .expect("commit");
}

fn stage(repo: &Repository, rels: &[String]) {
    let mut index = repo.index().expect("index");
    for r in rels {
        index.add_path(Path::new(r)).expect("stage");
    }
    index.write().expect("write index");
}

/// Build the repository under `dir` (main checkout at `dir/main`, worktrees at
/// `dir/wt-N`). Returns the main checkout's path.
pub fn build(dir: &Path, shape: &Shape) -> PathBuf {
    let main = dir.join("main");
    std::fs::create_dir_all(&main).expect("mkdir");
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = Repository::init_opts(&main, &opts).expect("init");
    write(&main, ".gitignore", "target/\n*.log\n");
    write(
        &main,
        "docs/plan/PLAN.md",
        "# Plan\n\n## Track A — Core（P0）\n- [ ] 1.1 Something\n  - Touch points：`src/m00/`\n",
    );
    for i in 0..shape.files {
        write(
            &main,
            &file_name(i, shape.dirs),
            &format!("// file {i}\npub fn f{i}() -> usize {{ {i} }}\n"),
        );
    }
    commit(&repo, "initial import", 1_790_000_000);
    // Ignored build output the scan must not descend into.
    for i in 0..200 {
        write(&main, &format!("target/debug/obj{i}.o"), "bin");
    }
    let base = repo.head().expect("head").peel_to_commit().expect("commit");
    for w in 0..shape.worktrees {
        let name = format!("wt-{w}");
        let branch = repo
            .branch(&format!("feat/{w}.1-work"), &base, true)
            .expect("branch");
        let reference = branch.into_reference();
        let mut o = WorktreeAddOptions::new();
        o.reference(Some(&reference));
        let path = dir.join(&name);
        let wt = repo.worktree(&name, &path, Some(&o)).expect("worktree");
        let wrepo = Repository::open_from_worktree(&wt).expect("open worktree");
        let at = |k: usize| file_name((w * 997 + k * 31) % shape.files, shape.dirs);
        for c in 0..2 {
            write(
                &path,
                &at(100 + c),
                &format!("// changed by {name} commit {c}\n"),
            );
            commit(
                &wrepo,
                &format!("{w}.1 step {c}"),
                1_790_000_100 + (w * 10 + c) as i64,
            );
        }
        for k in 0..10 {
            write(&path, &at(k), &format!("// unstaged edit {k}\n"));
        }
        let staged: Vec<String> = (10..13).map(at).collect();
        for s in &staged {
            write(&path, s, "// staged edit\n");
        }
        stage(&wrepo, &staged);
        for k in 0..5 {
            write(&path, &format!("scratch/new{k}.txt"), "untracked\n");
        }
    }
    for k in 0..shape.main_modified {
        write(
            &main,
            &file_name((k * 7919) % shape.files, shape.dirs),
            "// modified in main\n",
        );
    }
    for k in 0..shape.main_untracked {
        write(
            &main,
            &format!("untracked/u{:02}/n{k}.txt", k % 20),
            "new\n",
        );
    }
    main
}
