//! The repository's state read with git2: the checkout, linked worktrees in every
//! condition a team leaves them in, and the bad inputs that must not stop a scan.

mod common;

use common::{commit_in, set_mtime, shortlist, write_at, Repo};
use serde_json::Value;
use shortlist::repo::{
    Areas, Counts, RepoState, ScanError, ScanOptions, Scanner, StatusReader, WorktreeState,
};
use std::collections::BTreeMap;
use std::path::Path;

const DAY: i64 = 86_400;
const T0: i64 = 1_790_000_000; // 2026-09-21

fn opts() -> ScanOptions {
    let mut areas = BTreeMap::new();
    areas.insert("apps/web/".to_string(), "web".to_string());
    areas.insert("apps/server/**/*.ts".to_string(), "server".to_string());
    areas.insert("docs".to_string(), "docs".to_string());
    ScanOptions {
        areas: Areas::new(&areas),
        plan_paths: vec!["docs/plan/phase5.md".to_string()],
        ..ScanOptions::default()
    }
}

/// The worktree called `name` in a scan.
fn worktree<'s>(s: &'s RepoState, name: &str) -> &'s shortlist::repo::Worktree {
    s.worktrees
        .iter()
        .find(|w| w.name == name)
        .unwrap_or_else(|| panic!("no worktree {name}"))
}

/// Scan `root` with the walking status reader, then again with libgit2's full status on a
/// fresh scanner, and require the same answer (timings aside): every fixture here pins
/// both readers.
fn scan(root: &Path, o: &ScanOptions) -> RepoState {
    let walked = Scanner::open(root).expect("open").scan(o);
    let full = Scanner::open(root).expect("open").scan(&ScanOptions {
        status: StatusReader::Libgit2,
        ..o.clone()
    });
    assert_eq!(
        answer(&walked),
        answer(&full),
        "the two status readers disagree"
    );
    // The walk really read the readable ones (a corrupt index goes to libgit2, which
    // says what is wrong).
    for w in walked
        .worktrees
        .iter()
        .filter(|w| w.exists && w.error.is_none())
    {
        let repo = git2::Repository::open(&w.path).expect("open worktree");
        assert!(
            shortlist::repo::status::read(&repo, false, false).is_some(),
            "the walk handed {} to libgit2",
            w.path
        );
    }
    walked
}

/// A scan's answer without its timings.
fn answer(s: &RepoState) -> Value {
    let mut v = serde_json::to_value(s).expect("json");
    v.as_object_mut().expect("object").remove("phases");
    for w in v["worktrees"].as_array_mut().expect("worktrees") {
        w.as_object_mut().expect("worktree").remove("scan_ms");
    }
    v
}

/// main with two commits; worktrees: dirty, ahead, merged (through a merge commit),
/// idle (never worked on), locked, and one whose directory was deleted.
fn team_repo() -> Repo {
    let r = Repo::new();
    r.fixture("phase5.md", "docs/plan/phase5.md");
    r.write("apps/web/src/routes/mes/execution.tsx", "export {}\n");
    r.write("apps/server/src/mes/service.ts", "export const a = 1;\n");
    r.write("README.md", "# demo\n");
    let c1 = commit_in(&r.git, "Initial layout", "Ada", T0);
    r.write("README.md", "# demo\n\nmore\n");
    let c2 = commit_in(&r.git, "README", "Ada", T0 + DAY);

    // dirty: one staged edit, one unstaged edit, one untracked file
    let dirty = r.add_worktree("wt-dirty", "feat/dirty", c2);
    let dp = r.wt_path("wt-dirty");
    write_at(
        &dp,
        "apps/web/src/routes/mes/execution.tsx",
        "export const x = 1;\n",
    );
    let mut idx = dirty.index().expect("index");
    idx.add_path(std::path::Path::new(
        "apps/web/src/routes/mes/execution.tsx",
    ))
    .expect("stage");
    idx.write().expect("write");
    write_at(&dp, "README.md", "# changed\n");
    write_at(&dp, "notes/scratch.txt", "todo\n");

    // ahead: two commits on its branch
    let ahead = r.add_worktree("wt-ahead", "feat/5.2.1-seed", c2);
    let ap = r.wt_path("wt-ahead");
    write_at(
        &ap,
        "apps/server/src/mes/service.ts",
        "export const a = 2;\n",
    );
    commit_in(&ahead, "5.2.1 seed service", "Bo", T0 + 2 * DAY);
    write_at(&ap, "apps/server/src/mes/seed.ts", "export {}\n");
    commit_in(&ahead, "5.2.1 seed script", "Bo", T0 + 3 * DAY);

    // merged: a commit on its branch, merged into main by a merge commit
    let merged = r.add_worktree("wt-merged", "feat/merged", c2);
    write_at(&r.wt_path("wt-merged"), "docs/guide.md", "guide\n");
    let m = commit_in(&merged, "guide", "Cy", T0 + 2 * DAY);
    {
        let sig = git2::Signature::new("Ada", "ada@example.com", &git2::Time::new(T0 + 4 * DAY, 0))
            .expect("sig");
        let main_tip = r.git.find_commit(c2).expect("c2");
        let theirs = r.git.find_commit(m).expect("m");
        let tree = theirs.tree().expect("tree");
        r.git
            .commit(
                Some("HEAD"),
                &sig,
                &sig,
                "Merge feat/merged",
                &tree,
                &[&main_tip, &theirs],
            )
            .expect("merge commit");
        // keep the main checkout's index and files in step with HEAD
        r.git
            .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
            .expect("checkout");
    }

    // idle: a branch at an older main commit, never worked on
    r.add_worktree("wt-idle", "feat/idle", c1);

    // locked, with a reason
    r.add_worktree("wt-locked", "feat/locked", c2);
    let wt = r.git.find_worktree("wt-locked").expect("find");
    wt.lock(Some("on a USB disk")).expect("lock");

    // deleted directory
    r.add_worktree("wt-gone", "feat/gone", c2);
    std::fs::remove_dir_all(r.wt_path("wt-gone")).expect("rm");
    r
}

#[test]
fn worktrees_are_classified_with_their_facts() {
    let r = team_repo();
    let s = scan(r.path(), &opts());
    assert_eq!(s.base.as_ref().map(|b| b.name.as_str()), Some("main"));
    let names: Vec<&str> = s.worktrees.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "main",
            "wt-ahead",
            "wt-dirty",
            "wt-gone",
            "wt-idle",
            "wt-locked",
            "wt-merged"
        ]
    );
    let get = |n: &str| worktree(&s, n);

    let main = get("main");
    assert!(main.main && main.current);
    assert_eq!(main.state, WorktreeState::Current);
    assert!(!main.in_flight);

    let d = get("wt-dirty");
    assert_eq!(d.state, WorktreeState::InFlight);
    assert!(d.in_flight && d.dirty);
    assert_eq!(d.head.branch.as_deref(), Some("feat/dirty"));
    assert_eq!(
        d.counts,
        Counts {
            staged: 1,
            unstaged: 1,
            untracked: 1,
            conflicted: 0
        }
    );
    // behind by the merge commit main gained later
    assert_eq!((d.ahead, d.behind), (Some(0), Some(2)));
    assert_eq!(
        d.changed_files,
        [
            "README.md",
            "apps/web/src/routes/mes/execution.tsx",
            "notes/scratch.txt"
        ]
    );
    assert_eq!(d.areas, ["web"]);
    assert_eq!(d.path, r.wt_path("wt-dirty").to_string_lossy());

    let a = get("wt-ahead");
    assert_eq!(a.state, WorktreeState::InFlight);
    assert!(!a.dirty);
    assert_eq!((a.ahead, a.behind), (Some(2), Some(2)));
    assert_eq!(
        a.changed_files,
        [
            "apps/server/src/mes/seed.ts",
            "apps/server/src/mes/service.ts"
        ]
    );
    assert_eq!(a.committed_files, 2);
    assert_eq!(a.areas, ["server"]);
    let last = a.last_commit.as_ref().expect("last commit");
    assert_eq!(last.subject, "5.2.1 seed script");
    assert_eq!(last.author, "Bo");
    assert_eq!(last.time, "2026-09-24T14:13:20+00:00");

    let m = get("wt-merged");
    assert_eq!(m.state, WorktreeState::Merged);
    assert!(!m.in_flight);
    assert!(m.state.safe_to_remove());
    assert_eq!(m.ahead, Some(0));

    let i = get("wt-idle");
    assert_eq!(i.state, WorktreeState::NothingLeft);
    assert!(!i.in_flight && i.state.safe_to_remove());
    assert_eq!((i.ahead, i.behind), (Some(0), Some(3)));

    let l = get("wt-locked");
    assert!(l.locked);
    assert_eq!(l.lock_reason.as_deref(), Some("on a USB disk"));
    assert_eq!(l.state, WorktreeState::NothingLeft);

    let g = get("wt-gone");
    assert_eq!(g.state, WorktreeState::Missing);
    assert!(!g.exists && g.prunable && !g.in_flight);
    assert!(g
        .error
        .as_deref()
        .unwrap_or("")
        .contains("no longer exists"));

    let flying: Vec<&str> = s.in_flight().map(|w| w.name.as_str()).collect();
    assert_eq!(flying, ["wt-ahead", "wt-dirty"]);
}

#[test]
fn a_second_scan_on_the_open_scanner_sees_new_changes() {
    let r = team_repo();
    let mut scanner = Scanner::open(r.path()).expect("open");
    let first = scanner.scan(&opts());
    let idle = worktree(&first, "wt-idle");
    assert!(!idle.dirty);
    write_at(&r.wt_path("wt-idle"), "apps/web/new.tsx", "x\n");
    let second = scanner.scan(&opts());
    let idle = worktree(&second, "wt-idle");
    assert!(idle.dirty && idle.in_flight);
    assert_eq!(idle.changed_files, ["apps/web/new.tsx"]);
    assert_eq!(idle.areas, ["web"]);
}

#[test]
fn scanning_from_a_linked_worktree_marks_it_current_and_main_as_other() {
    let r = team_repo();
    let s = scan(&r.wt_path("wt-ahead"), &opts());
    let cur: Vec<&str> = s
        .worktrees
        .iter()
        .filter(|w| w.current)
        .map(|w| w.name.as_str())
        .collect();
    assert_eq!(cur, ["wt-ahead"]);
    let main = s.worktrees.iter().find(|w| w.main).expect("main");
    assert_eq!(main.state, WorktreeState::NothingLeft);
    assert_eq!(s.checkout.head.branch.as_deref(), Some("feat/5.2.1-seed"));
}

#[test]
fn checkout_status_counts_upstream_and_plan_edits() {
    let r = Repo::new();
    r.fixture("phase5.md", "docs/plan/phase5.md");
    r.write("a.txt", "a\n");
    let c1 = commit_in(&r.git, "one", "Ada", T0);
    r.write("b.txt", "b\n");
    commit_in(&r.git, "two", "Ada", T0 + 60);
    r.write("c.txt", "c\n");
    commit_in(&r.git, "three", "Ada", T0 + 120);
    // origin/main: one commit of its own on top of c1 → ahead 2, behind 1
    let tree = r.git.find_commit(c1).expect("c1").tree().expect("tree");
    let sig =
        git2::Signature::new("Zed", "z@example.com", &git2::Time::new(T0 + 200, 0)).expect("sig");
    let parent = r.git.find_commit(c1).expect("c1");
    let remote_tip = r
        .git
        .commit(None, &sig, &sig, "remote work", &tree, &[&parent])
        .expect("remote commit");
    r.git
        .remote("origin", "https://example.invalid/demo.git")
        .expect("remote");
    r.git
        .reference("refs/remotes/origin/main", remote_tip, true, "test")
        .expect("ref");
    let mut main = r
        .git
        .find_branch("main", git2::BranchType::Local)
        .expect("main");
    main.set_upstream(Some("origin/main")).expect("upstream");

    // working tree: plan edited, one staged new file, 25 untracked files
    r.write("docs/plan/phase5.md", "# edited\n- [ ] 9.9 New\n");
    r.write("staged.txt", "s\n");
    let mut idx = r.git.index().expect("index");
    idx.add_path(std::path::Path::new("staged.txt"))
        .expect("add");
    idx.write().expect("write");
    for i in 0..25 {
        r.write(&format!("scratch/u{i:02}.txt"), "u\n");
    }
    let mut scanner = Scanner::open(r.path()).expect("open");
    let c = scanner.checkout(&opts());
    assert_eq!(c.head.branch.as_deref(), Some("main"));
    let up = c.upstream.as_ref().expect("upstream");
    assert_eq!(
        (up.name.as_str(), up.ahead, up.behind),
        ("origin/main", 2, 1)
    );
    assert_eq!(
        c.counts,
        Counts {
            staged: 1,
            unstaged: 1,
            untracked: 25,
            conflicted: 0
        }
    );
    assert_eq!(c.untracked_total, 25);
    assert_eq!(c.untracked_paths.len(), 20);
    assert_eq!(c.untracked_paths[0], "scratch/u00.txt");
    assert_eq!(c.plan_modified, ["docs/plan/phase5.md"]);

    let run = shortlist(r.path(), &["status"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Branch `main` is ahead of `origin/main` by 2 commits and behind `origin/main` by 1 commit"), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("Untracked: 25 files: `scratch/u00.txt`"));
    assert!(run.stdout.contains("and 5 more"));
    assert!(run
        .stdout
        .contains("Plan has uncommitted edits: `docs/plan/phase5.md`"));
    // The triage (which scans before it knows the plan) calls it out too.
    let run = shortlist(r.path(), &["triage"]);
    assert!(
        run.stdout
            .contains("Plan has uncommitted edits: `docs/plan/phase5.md`"),
        "{}",
        run.stdout
    );
    let run = shortlist(r.path(), &["status", "--format", "json"]);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["schema"], "shortlist.status/1");
    assert_eq!(v["branch"], "main");
    assert_eq!(v["upstream"]["ahead"], 2);
    assert_eq!(v["counts"]["untracked"], 25);
    assert_eq!(v["plan_modified"][0], "docs/plan/phase5.md");
}

#[test]
fn detached_head_is_named_by_its_short_sha() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    let c = commit_in(&r.git, "one", "Ada", T0);
    r.git.set_head_detached(c).expect("detach");
    let s = scan(r.path(), &opts());
    assert_eq!(s.checkout.head.branch, None);
    assert_eq!(
        s.checkout.head.detached_at.as_deref(),
        Some(&c.to_string()[..7])
    );
    let run = shortlist(r.path(), &["status"]);
    assert!(run
        .stdout
        .contains(&format!("HEAD is detached at `{}`", &c.to_string()[..7])));
}

#[test]
fn a_repository_without_commits_reports_an_unborn_branch() {
    let r = Repo::new();
    r.write("PLAN.md", "# Plan\n- [ ] 1.1 First\n");
    let s = scan(r.path(), &opts());
    assert!(s.checkout.head.unborn);
    assert_eq!(s.checkout.head.branch.as_deref(), Some("main"));
    assert_eq!(s.checkout.counts.untracked, 1);
    assert!(s.base.is_none());
    assert_eq!(s.worktrees.len(), 1);
    let run = shortlist(r.path(), &["triage"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Branch `main` has no commits yet"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1.1 First"));
}

#[test]
fn bare_repositories_and_plain_directories_get_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    git2::Repository::init_bare(dir.path()).expect("bare");
    match Scanner::open(dir.path()) {
        Err(e @ ScanError::Bare { .. }) => assert!(e.to_string().contains("bare repository")),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a bare repository has no checkout"),
    }
    let plain = tempfile::tempdir().expect("tmp");
    std::fs::write(plain.path().join("PLAN.md"), "- [ ] 1 One\n").expect("write");
    assert!(matches!(
        Scanner::open(plain.path()),
        Err(ScanError::NotARepo { .. })
    ));
    let run = shortlist(plain.path(), &["worktrees"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("is not inside a git repository"),
        "{}",
        run.stderr
    );
    // the triage of a plain directory still works, and says why there is no git state
    let run = shortlist(plain.path(), &["triage"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("No git state:"), "{}", run.stdout);
}

#[test]
fn missing_base_ref_is_said_and_the_scan_goes_on() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    let c = commit_in(&r.git, "one", "Ada", T0);
    r.add_worktree("wt", "feat/x", c);
    write_at(&r.wt_path("wt"), "b.txt", "b\n");
    let mut o = opts();
    o.base_ref = Some("release/9".to_string());
    let s = scan(r.path(), &o);
    assert!(s.base.is_none());
    assert!(
        s.problems[0].contains("base ref `release/9`"),
        "{:?}",
        s.problems
    );
    let wt = worktree(&s, "wt");
    assert!(wt.in_flight, "a dirty worktree is always in flight");
    assert_eq!(wt.ahead, None);
}

#[test]
fn a_locked_index_is_reported_and_left_alone() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    commit_in(&r.git, "one", "Ada", T0);
    r.write("a.txt", "changed\n");
    let lock = r.path().join(".git/index.lock");
    std::fs::write(&lock, "").expect("lock");
    let mut scanner = Scanner::open(r.path()).expect("open");
    let c = scanner.checkout(&opts());
    assert_eq!(c.counts.unstaged, 1);
    assert!(
        c.problems[0].contains("index is locked"),
        "{:?}",
        c.problems
    );
    assert!(lock.exists(), "the lock file belongs to someone else");
    assert_eq!(std::fs::read(&lock).expect("read"), b"");
}

#[test]
fn a_corrupt_index_in_one_worktree_does_not_stop_the_others() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    let c = commit_in(&r.git, "one", "Ada", T0);
    let bad = r.add_worktree("wt-bad", "feat/bad", c);
    r.add_worktree("wt-ok", "feat/ok", c);
    write_at(&r.wt_path("wt-ok"), "new.txt", "n\n");
    std::fs::write(bad.path().join("index"), b"DIRC garbage").expect("corrupt");
    let s = scan(r.path(), &opts());
    let bad = worktree(&s, "wt-bad");
    assert!(
        bad.error.as_deref().unwrap_or("").contains("status"),
        "{:?}",
        bad.error
    );
    let ok = worktree(&s, "wt-ok");
    assert!(ok.in_flight && ok.error.is_none());
}

#[test]
fn worktrees_command_lists_in_flight_and_safe_to_remove() {
    let r = team_repo();
    let run = shortlist(r.path(), &["worktrees"]);
    // wt-ahead works on 5.2.1, whose touch points other open work shares: exit 2.
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("- `wt-ahead` (`feat/5.2.1-seed`):\n  - `5.2.1` "),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("touches what `wt-ahead` (`feat/5.2.1-seed`) works on"));
    let out = r.redact(&run.stdout);
    assert!(
        out.starts_with("# Worktrees of `[REPO]`: 6 linked, 2 in flight (base `main`)"),
        "{out}"
    );
    let flight = out.split("## In flight").nth(1).expect("in flight section");
    let flight = flight.split("##").next().expect("section");
    assert!(flight.contains("`wt-ahead` on `feat/5.2.1-seed`"));
    assert!(flight.contains("2 ahead, 2 behind `main`"));
    assert!(flight.contains("`wt-dirty` on `feat/dirty`"));
    assert!(flight.contains("dirty (1 staged, 1 modified, 1 untracked)"));
    assert!(!flight.contains("wt-merged") && !flight.contains("wt-idle"));
    let safe = out
        .split("## Nothing left — safe to remove")
        .nth(1)
        .expect("safe section");
    let safe = safe.split("##").next().expect("section");
    assert!(safe.contains("`wt-merged` on `feat/merged`") && safe.contains("(merged)"));
    assert!(safe.contains("`wt-idle`") && safe.contains("`wt-locked`"));
    assert!(safe.contains("locked (on a USB disk)"));
    assert!(out.contains("`wt-gone` on") && out.contains("directory deleted — prunable"));

    let run = shortlist(r.path(), &["worktrees", "--format", "json", "--timings"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["schema"], "shortlist.worktrees/1");
    assert_eq!(v["base"], "main");
    let w = v["worktrees"].as_array().expect("array");
    let merged = w.iter().find(|w| w["name"] == "wt-merged").expect("merged");
    assert_eq!(merged["state"], "merged");
    assert_eq!(merged["in_flight"], false);
    assert!(
        run.stderr.contains("timing scan worktrees"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("worktree wt-ahead"));
}

#[test]
fn triage_json_gains_repo_and_worktrees_keys() {
    let r = team_repo();
    let run = shortlist(r.path(), &["triage", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["schema"], "shortlist.triage/1");
    assert!(v["tracks"].as_array().is_some_and(|t| !t.is_empty()));
    assert_eq!(v["repo"]["checkout"]["branch"], "main");
    assert_eq!(v["repo"]["base"], "main");
    let flying: Vec<&str> = v["worktrees"]
        .as_array()
        .expect("worktrees")
        .iter()
        .filter(|w| w["in_flight"] == true)
        .map(|w| w["name"].as_str().expect("name"))
        .collect();
    assert_eq!(flying, ["wt-ahead", "wt-dirty"]);
    let run = shortlist(r.path(), &["triage"]);
    assert!(
        run.stdout
            .contains("  - In-flight worktrees:\n    - `wt-ahead` on `feat/5.2.1-seed`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Nothing left, safe to remove: `wt-idle` (`feat/idle`), `wt-locked` (`feat/locked`), `wt-merged` (`feat/merged`, merged)"), "{}", run.stdout);
}

#[test]
fn an_unreadable_worktree_is_reported_and_the_rest_still_scanned() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    let c = commit_in(&r.git, "one", "Ada", T0);
    r.add_worktree("wt-broken", "feat/broken", c);
    r.add_worktree("wt-ok", "feat/ok", c);
    write_at(&r.wt_path("wt-ok"), "b.txt", "b\n");
    // Its `.git` file points nowhere (a moved disk, another machine's path).
    std::fs::write(
        r.wt_path("wt-broken").join(".git"),
        "gitdir: /nonexistent/elsewhere\n",
    )
    .expect("break");
    let s = scan(r.path(), &opts());
    let broken = worktree(&s, "wt-broken");
    assert!(
        matches!(
            broken.state,
            WorktreeState::Unreadable | WorktreeState::Missing
        ),
        "{:?}",
        broken.state
    );
    assert!(broken.error.is_some() && !broken.in_flight);
    let ok = worktree(&s, "wt-ok");
    assert!(ok.in_flight);
    let run = shortlist(r.path(), &["worktrees"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("`wt-broken`"), "{}", run.stdout);
}

#[test]
fn a_submodule_does_not_disturb_the_scan() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    let c = commit_in(&r.git, "one", "Ada", T0);
    // A gitlink entry (what `git submodule add` records) plus its .gitmodules.
    r.write(
        ".gitmodules",
        "[submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://example.invalid/lib.git\n",
    );
    std::fs::create_dir_all(r.path().join("vendor/lib")).expect("mkdir");
    let mut idx = r.git.index().expect("index");
    idx.add_path(std::path::Path::new(".gitmodules"))
        .expect("add");
    let entry = git2::IndexEntry {
        ctime: git2::IndexTime::new(0, 0),
        mtime: git2::IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o160000,
        uid: 0,
        gid: 0,
        file_size: 0,
        id: c,
        flags: 0,
        flags_extended: 0,
        path: b"vendor/lib".to_vec(),
    };
    idx.add(&entry).expect("gitlink");
    idx.write().expect("write");
    let tree = r
        .git
        .find_tree(idx.write_tree().expect("tree"))
        .expect("tree");
    let sig =
        git2::Signature::new("Ada", "ada@example.com", &git2::Time::new(T0 + 60, 0)).expect("sig");
    let parent = r.git.find_commit(c).expect("c");
    r.git
        .commit(Some("HEAD"), &sig, &sig, "add submodule", &tree, &[&parent])
        .expect("commit");
    let s = scan(r.path(), &opts());
    assert!(s.checkout.problems.is_empty(), "{:?}", s.checkout.problems);
    assert_eq!(s.checkout.counts, Counts::default());
}

/// Every kind of change a worktree can hold at once, read by both status readers: the
/// walk must give libgit2's answer path for path, including where it hands a file to
/// libgit2 (stat data changed, content the same or not).
#[test]
#[cfg(unix)]
fn the_walking_status_reader_agrees_with_libgit2_on_every_kind_of_change() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{symlink, PermissionsExt};
    let r = Repo::new();
    r.write(".gitignore", "target/\n*.log\n!keep.log\nbuild\n");
    r.write("docs/.gitignore", "draft*\n");
    r.write("docs/readme.md", "# 说明\n");
    r.write("src/a.rs", "fn a() {}\n");
    r.write("src/b.rs", "fn b() {}\n");
    r.write("src/c.rs", "fn c() {}\n");
    r.write("src/d.rs", "fn d() {}\n");
    r.write("src/deep/x/y/z.rs", "fn z() {}\n");
    r.write("中文/计划.md", "- [ ] 任务\n");
    r.write("with space.txt", "spaces\n");
    r.write("tests/kept.rs", "#[test] fn t() {}\n");
    for i in 0..40 {
        r.write(&format!("lib/m{}/f{i}.rs", i % 7), format!("// {i}\n"));
    }
    symlink("src/a.rs", r.path().join("link")).expect("symlink");
    // A name that is not UTF-8 (Latin-1 é), touched later: read unchanged.
    let latin1 = r.path().join(OsStr::from_bytes(b"caf\xe9.txt"));
    std::fs::write(&latin1, "café\n").expect("write latin-1 name");
    let c1 = commit_in(&r.git, "Initial", "Ada", T0);
    let linked = r.add_worktree("wt-side", "feat/side", c1);
    r.add_worktree("wt-clean", "feat/clean", c1);

    // Unstaged: an edit, a same-size edit with the old mtime put back (only the ctime
    // tells), a touch that changes nothing, a mode change, a whole directory deleted, an
    // edited file with a Chinese name, a retargeted symlink, a file become a symlink.
    r.write("src/a.rs", "fn a() { todo!() }\n");
    let b = r.path().join("src/b.rs");
    let mtime = std::fs::metadata(&b)
        .and_then(|m| m.modified())
        .expect("mtime");
    std::fs::write(&b, "fn B() {}\n").expect("write");
    set_mtime(&b, mtime).expect("set mtime");
    let c = r.path().join("src/c.rs");
    let later = |s| std::time::SystemTime::now() + std::time::Duration::from_secs(s);
    set_mtime(&c, later(5)).expect("touch");
    set_mtime(&latin1, later(7)).expect("touch");
    let readme = r.path().join("docs/readme.md");
    std::fs::set_permissions(&readme, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::remove_dir_all(r.path().join("src/deep")).expect("rm");
    r.write("中文/计划.md", "- [x] 任务\n");
    std::fs::remove_file(r.path().join("link")).expect("rm link");
    symlink("src/b.rs", r.path().join("link")).expect("symlink");
    std::fs::remove_file(r.path().join("src/d.rs")).expect("rm d");
    symlink("a.rs", r.path().join("src/d.rs")).expect("symlink");

    // Staged: a deletion whose file is still on disk (untracked, then), a new file edited
    // again, a new file deleted again, a staged edit of a file in a big directory.
    let mut idx = r.git.index().expect("index");
    idx.remove_path(Path::new("with space.txt"))
        .expect("unstage");
    r.write("src/new.rs", "fn new() {}\n");
    idx.add_path(Path::new("src/new.rs")).expect("add");
    r.write("src/gone.rs", "fn gone() {}\n");
    idx.add_path(Path::new("src/gone.rs")).expect("add");
    r.write("lib/m3/f3.rs", "// three\n");
    idx.add_path(Path::new("lib/m3/f3.rs")).expect("add");
    idx.write().expect("write index");
    r.write("src/new.rs", "fn new() { 1 }\n");
    std::fs::remove_file(r.path().join("src/gone.rs")).expect("rm");

    // Untracked, ignored or not: a log ignored and one let back in, ignored directories,
    // a nested ignore, an empty directory, a directory of ignored files only.
    r.write("notes/todo.md", "todo\n");
    r.write("app.log", "x\n");
    r.write("keep.log", "x\n");
    r.write("target/debug/out", "bin\n");
    r.write("build/out.o", "o\n");
    r.write("docs/draft-1.md", "draft\n");
    r.write("docs/final.md", "final\n");
    r.write("logs/a.log", "a\n");
    std::fs::create_dir_all(r.path().join("empty/inner")).expect("mkdir");
    // A socket left by a running tool is not a file: neither reader lists it.
    let _socket =
        std::os::unix::net::UnixListener::bind(r.path().join("dev.sock")).expect("socket");
    r.write("中文/新文件.md", "新\n");

    // The linked worktree: a staged edit under one directory, an untracked file.
    let sp = r.wt_path("wt-side");
    write_at(&sp, "lib/m1/f1.rs", "// one, staged\n");
    let mut sidx = linked.index().expect("index");
    sidx.add_path(Path::new("lib/m1/f1.rs")).expect("add");
    sidx.write().expect("write");
    write_at(&sp, "lib/m1/f8.rs", "// new, untracked\n");
    write_at(&sp, "tests/kept.rs", "#[test] fn t() { assert!(true) }\n");

    let o = ScanOptions {
        refresh_index: false,
        ..ScanOptions::default()
    };
    let s = scan(r.path(), &o);
    let main = s.worktrees.iter().find(|w| w.main).expect("main");
    let mut dirty = main.dirty_files.clone();
    dirty.sort();
    assert_eq!(
        dirty,
        [
            "docs/final.md",
            "docs/readme.md",
            "keep.log",
            "lib/m3/f3.rs",
            "link",
            "notes/todo.md",
            "src/a.rs",
            "src/b.rs",
            "src/d.rs",
            "src/deep/x/y/z.rs",
            "src/gone.rs",
            "src/new.rs",
            "with space.txt",
            "中文/新文件.md",
            "中文/计划.md",
        ]
    );
    assert_eq!(
        main.counts,
        Counts {
            staged: 3,
            unstaged: 9,
            untracked: 5,
            conflicted: 0
        }
    );
    let side = worktree(&s, "wt-side");
    assert_eq!(
        side.dirty_files,
        ["lib/m1/f1.rs", "lib/m1/f8.rs", "tests/kept.rs"]
    );
    let clean = worktree(&s, "wt-clean");
    assert!(clean.dirty_files.is_empty());

    // Again with the index refreshed by the libgit2 pass: still the same answer.
    scan(r.path(), &ScanOptions::default());
}

/// A branch whose history lost objects (a broken clone): the scan ends, and the
/// worktree is still listed.
#[test]
fn a_history_missing_objects_still_lists_the_worktree() {
    let r = Repo::new();
    r.fixture("phase5.md", "docs/plan/phase5.md");
    let base = r.commit_all("plan");
    let wt = r.add_worktree("wt-broken", "feat/broken", base);
    let root = r.wt_path("wt-broken");
    write_at(&root, "apps/web/a.ts", "export const a = 1;\n");
    let lost = commit_in(&wt, "5.2.1 first step", "Ana", T0);
    write_at(&root, "apps/web/b.ts", "export const b = 2;\n");
    commit_in(&wt, "5.2.1 second step", "Ana", T0 + 60);
    // Both ends of the walk lose an object: a commit of the branch, and the base.
    for lost in [lost, base] {
        let hex = lost.to_string();
        let object = r
            .path()
            .join(".git/objects")
            .join(&hex[..2])
            .join(&hex[2..]);
        std::fs::remove_file(&object).expect("the commit's loose object");
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .args(["worktrees", "--format", "json"])
        .current_dir(r.path())
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("shortlist-test-data"),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run shortlist");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().ok();
            panic!("`shortlist worktrees` still running after 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout).expect("json");
    let names: Vec<&str> = v["worktrees"]
        .as_array()
        .expect("worktrees")
        .iter()
        .filter_map(|w| w["branch"].as_str())
        .collect();
    assert!(names.contains(&"feat/broken"), "{stdout}");
}
