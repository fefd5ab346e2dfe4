//! A watching session (the bot's) answers from what it holds while nothing changed,
//! and never from stale state: each kind of change made on disk just before a request
//! is in that request's answer. A session that scans every time gives the same
//! answers.

mod common;

use common::{commit_in, open_session, write_at, Repo};
use shortlist::app::{self, Session};
use shortlist::repo::{RepoState, Worktree, WorktreeState};

/// A change made on disk between two requests.
type Step = Box<dyn Fn(&Repo)>;

fn session(r: &Repo, watch: bool) -> Session {
    open_session(r.path(), r.path().join(".git/no-database.sqlite"), |o| {
        o.keep_open = watch;
        o.watch = watch;
    })
}

/// A repository with a plan, on `main`, and a linked worktree `wt-a` on `feat/a`.
fn repo() -> Repo {
    let r = Repo::new();
    r.write(
        "PLAN.md",
        "# Plan\n\n## Track A — Core（P0）\n- [ ] 1.1 Parser\n  - Touch points：`src/a.rs`\n- [ ] 1.2 Writer\n  - Touch points：`src/b.rs`\n",
    );
    r.write("src/a.rs", "fn a() {}\n");
    r.write("src/b.rs", "fn b() {}\n");
    let base = r.commit_all("plan");
    r.add_worktree("wt-a", "feat/a", base);
    r
}

fn state(s: &mut Session) -> RepoState {
    app::worktrees(s).expect("worktrees").state
}

fn wt<'a>(st: &'a RepoState, name: &str) -> &'a Worktree {
    st.worktrees
        .iter()
        .find(|w| w.name == name)
        .unwrap_or_else(|| panic!("worktree {name}"))
}

/// The last request read again only what changed, keeping `n` worktrees.
fn kept_worktrees(s: &Session, n: usize) -> bool {
    s.timings()
        .iter()
        .any(|(name, _)| name.contains(&format!("{n} worktree(s) unchanged, kept")))
}

/// The last request read again only the changed files of some worktree.
fn read_files_again(s: &Session) -> bool {
    s.timings()
        .iter()
        .any(|(name, _)| name.contains("changed file(s) read again"))
}

fn answered_from_watch(s: &Session) -> bool {
    s.timings()
        .iter()
        .any(|(name, _)| name.contains("nothing changed (watched)"))
}

/// What a user reads of the state (timings and scan times left out).
fn shown(st: &RepoState) -> Vec<String> {
    st.worktrees
        .iter()
        .map(|w| {
            format!(
                "{} {:?} {:?} dirty={} ahead={:?} behind={:?} changed={:?} counts={:?}/{:?}/{:?}",
                w.name,
                w.state,
                w.head.branch,
                w.dirty,
                w.ahead,
                w.behind,
                w.changed_files,
                w.counts.staged,
                w.counts.unstaged,
                w.counts.untracked
            )
        })
        .collect()
}

#[test]
fn a_watching_session_answers_from_what_it_holds_until_something_changes() {
    let r = repo();
    let mut s = session(&r, true);
    let first = state(&mut s);
    assert!(!answered_from_watch(&s));
    // The scan that started the watch is not held (a change made while it read, before
    // the watch began, would go unseen): the next request reads again, watched.
    let second = state(&mut s);
    assert!(!answered_from_watch(&s), "{:?}", s.timings());
    assert_eq!(shown(&first), shown(&second));
    // Nothing changed: answered without a scan, the same answer.
    let again = state(&mut s);
    assert!(answered_from_watch(&s), "{:?}", s.timings());
    assert_eq!(shown(&first), shown(&again));
    assert!(s.watch_unavailable().is_none());

    // An edit in the linked worktree, just before the request: only it is read again.
    write_at(&r.wt_path("wt-a"), "src/a.rs", "fn a() { 1 }\n");
    let st = state(&mut s);
    assert!(!answered_from_watch(&s));
    assert!(kept_worktrees(&s, 1), "{:?}", s.timings());
    assert!(read_files_again(&s), "{:?}", s.timings());
    assert!(wt(&st, "wt-a").dirty);
    assert_eq!(wt(&st, "wt-a").changed_files, ["src/a.rs"]);

    // A new untracked file in the main checkout.
    r.write("notes.txt", "x\n");
    let st = state(&mut s);
    assert!(!answered_from_watch(&s));
    assert_eq!(wt(&st, "main").counts.untracked, 1);

    // A commit in the linked worktree.
    let git = git2::Repository::open(r.wt_path("wt-a")).expect("open wt");
    commit_in(&git, "parser", "Bob", 1_767_000_100);
    let st = state(&mut s);
    assert_eq!(wt(&st, "wt-a").ahead, Some(1));
    assert!(!wt(&st, "wt-a").dirty);

    // A branch switch in the linked worktree.
    {
        let head = git.head().expect("head").peel_to_commit().expect("commit");
        git.branch("feat/b", &head, false).expect("branch");
        git.set_head("refs/heads/feat/b").expect("switch");
    }
    let st = state(&mut s);
    assert_eq!(wt(&st, "wt-a").head.branch.as_deref(), Some("feat/b"));

    // Still nothing new: from the watch again.
    let st2 = state(&mut s);
    assert!(answered_from_watch(&s));
    assert_eq!(shown(&st), shown(&st2));

    // The worktree removed from disk.
    drop(git);
    std::fs::remove_dir_all(r.wt_path("wt-a")).expect("remove worktree");
    let st = state(&mut s);
    assert_eq!(wt(&st, "wt-a").state, WorktreeState::Missing);
}

#[test]
fn a_plan_edit_is_in_the_next_triage_of_a_watching_session() {
    let r = repo();
    let mut s = session(&r, true);
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    assert_eq!(t.plan.tasks.len(), 2);
    // (The first read started the watch; the second is the first one held.)
    app::triage(&mut s, &Default::default()).expect("triage");
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    assert!(answered_from_watch(&s));
    assert_eq!(t.plan.tasks.len(), 2);
    r.write(
        "PLAN.md",
        "# Plan\n\n## Track A — Core（P0）\n- [x] 1.1 Parser\n- [ ] 1.2 Writer\n- [ ] 1.3 Docs\n",
    );
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    assert!(!answered_from_watch(&s));
    assert_eq!(t.plan.tasks.len(), 3);
    assert!(t.plan.is_finished(t.plan.find_tasks("1.1")[0]));
}

#[test]
fn watching_and_scanning_sessions_give_the_same_answers() {
    let r = repo();
    let mut watching = session(&r, true);
    let mut scanning = session(&r, false);
    let steps: Vec<Step> = vec![
        Box::new(|_| {}),
        Box::new(|r| write_at(&r.wt_path("wt-a"), "src/b.rs", "fn b() { 2 }\n")),
        Box::new(|r| {
            r.write("src/c.rs", "fn c() {}\n");
        }),
        // Staged in the checkout: only its index changes.
        Box::new(|r| {
            let mut index = r.git.index().expect("index");
            index
                .add_path(std::path::Path::new("src/c.rs"))
                .expect("add");
            index.write().expect("write index");
        }),
        Box::new(|r| {
            let git = git2::Repository::open(r.wt_path("wt-a")).expect("open");
            commit_in(&git, "writer", "Ann", 1_767_000_200);
        }),
        // An edit in the checkout after a commit elsewhere.
        Box::new(|r| {
            r.write("src/a.rs", "fn a() { 4 }\n");
        }),
        Box::new(|_| {}),
        // An edit undone; an untracked file come and gone.
        Box::new(|r| write_at(&r.wt_path("wt-a"), "src/b.rs", "fn b() { 3 }\n")),
        Box::new(|r| write_at(&r.wt_path("wt-a"), "src/b.rs", "fn b() { 2 }\n")),
        Box::new(|r| {
            r.write("scratch.txt", "x\n");
        }),
        Box::new(|r| std::fs::remove_file(r.path().join("scratch.txt")).expect("rm")),
        // Tracked files deleted.
        Box::new(|r| std::fs::remove_file(r.wt_path("wt-a").join("src/a.rs")).expect("rm")),
        Box::new(|r| std::fs::remove_file(r.path().join("src/a.rs")).expect("rm")),
        // A new directory with files, then gone again.
        Box::new(|r| write_at(&r.wt_path("wt-a"), "docs/new/x.md", "x\n")),
        Box::new(|r| std::fs::remove_dir_all(r.wt_path("wt-a").join("docs")).expect("rm -r")),
        // A directory of tracked files moved out of the worktree in one rename (one
        // notification, for a path that no longer exists), then one moved within.
        Box::new(|r| {
            std::fs::rename(r.wt_path("wt-a").join("src"), r.wt_path("moved-src")).expect("mv")
        }),
        Box::new(|r| std::fs::rename(r.path().join("src"), r.path().join("lib")).expect("mv")),
        // A file written the atomic way: a temporary file renamed into place.
        Box::new(|r| {
            let tmp = r.path().join("docs/.note.md.1.tmp");
            std::fs::create_dir_all(r.path().join("docs")).expect("mkdir");
            std::fs::write(&tmp, "note\n").expect("write tmp");
            std::fs::rename(&tmp, r.path().join("docs/note.md")).expect("rename");
        }),
        Box::new(|r| {
            let tmp = r.path().join("docs/.note.md.2.tmp");
            std::fs::write(&tmp, "note, again\n").expect("write tmp");
            std::fs::rename(&tmp, r.path().join("docs/note.md")).expect("rename");
        }),
        // An ignore rule that hides an untracked file.
        Box::new(|r| {
            r.write(".gitignore", "docs/\n");
        }),
        Box::new(|_| {}),
    ];
    for (i, step) in steps.iter().enumerate() {
        step(&r);
        let a = state(&mut watching);
        let b = state(&mut scanning);
        assert_eq!(shown(&a), shown(&b), "step {i}");
        let ta = app::triage(&mut watching, &Default::default()).expect("triage");
        let tb = app::triage(&mut scanning, &Default::default()).expect("triage");
        assert_eq!(ta.remaining.open, tb.remaining.open, "step {i}");
        assert_eq!(ta.in_flight.len(), tb.in_flight.len(), "step {i}");
    }
}

#[test]
fn with_watching_turned_off_every_request_scans_and_says_why() {
    let r = repo();
    r.write("shortlist.toml", "watch = false\n");
    r.commit_all("config");
    let mut s = session(&r, true);
    let first = state(&mut s);
    let again = state(&mut s);
    assert!(!answered_from_watch(&s));
    assert_eq!(shown(&first), shown(&again));
    assert_eq!(s.watch_unavailable(), Some("`watch = false` in the config"));
    write_at(&r.wt_path("wt-a"), "src/a.rs", "fn a() { 3 }\n");
    assert!(wt(&state(&mut s), "wt-a").dirty);
}
