//! A pick is a claim: the task is shown as claimed and not offered to anyone else until
//! it is released, taken up by a worktree, or the claim goes stale (`claim_days`).

mod common;

use common::{commit_in, shortlist, Repo};

const PLAN: &str = "# Phase 6 计划

## 6.1 Track A — 计费 Billing（P0）
- [ ] 6.1.1 Invoice PDF export
  - Touch points：`apps/server/src/billing/pdf.ts`
- [ ] 6.1.2 Tax rounding
  - Touch points：`apps/server/src/billing/tax.ts`

## 6.2 Track B — Onboarding（P1）
- [ ] 6.2.1 Signup wizard
  - Touch points：`apps/web/src/signup.tsx`
- [ ] 6.2.2 Invite teammates
  - Touch points：`apps/web/src/invite.tsx`
";

fn repo(config: &str) -> Repo {
    let r = Repo::new();
    r.write("docs/plan/phase6.md", PLAN);
    r.write("shortlist.toml", config);
    commit_in(&r.git, "plan", "Alice", 1_767_000_000);
    r
}

/// The candidates' ids in order (`1. `6.1.1` …`).
fn offered(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let (n, rest) = l.split_once(". `")?;
            n.trim().parse::<usize>().ok()?;
            Some(rest.split('`').next()?.to_string())
        })
        .collect()
}

struct Cli<'a> {
    r: &'a Repo,
    db: String,
}

impl Cli<'_> {
    fn run(&self, args: &[&str]) -> common::Run {
        let mut all = vec!["--no-index-refresh", "--database", &self.db];
        all.extend_from_slice(args);
        let run = shortlist(self.r.path(), &all);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run
    }
}

#[test]
fn a_pick_claims_its_task_until_released() {
    let r = repo("");
    let db = r.wt_dir.path().join("claims.sqlite3");
    let cli = Cli {
        r: &r,
        db: db.to_string_lossy().into_owned(),
    };
    let first = offered(&cli.run(&["next"]).stdout);
    assert_eq!(first[0], "6.1.1", "{first:?}");
    cli.run(&["note", "--by", "alice"]);
    let picked = cli.run(&["pick", "1", "--by", "alice"]);
    assert!(
        picked.stdout.starts_with("alice picked 1. `6.1.1`"),
        "{}",
        picked.stdout
    );

    // Claimed: shown with who and when, and offered to nobody else.
    let next = cli.run(&["next", "--explain"]).stdout;
    assert!(!offered(&next).contains(&"6.1.1".to_string()), "{next}");
    assert!(next.contains("## Claimed"), "{next}");
    assert!(
        next.contains("`6.1.1` Invoice PDF export — claimed by alice ("),
        "{next}"
    );
    assert!(
        next.contains("claimed by alice"),
        "--explain says why: {next}"
    );
    let triage = cli.run(&["triage"]).stdout;
    assert!(triage.contains("  claimed by alice ("), "{triage}");
    let json: serde_json::Value =
        serde_json::from_str(&cli.run(&["--format", "json", "next"]).stdout).expect("json");
    assert_eq!(json["claims"][0]["task_id"], "6.1.1");
    assert_eq!(json["claims"][0]["by"], "alice");
    assert_eq!(json["claims"][0]["stale"], false);

    // Another person picking it from the same note: recorded, but the claim holds.
    let bob = cli.run(&["pick", "1", "--by", "bob"]);
    assert!(
        bob.stdout.contains("stays claimed by alice"),
        "{}",
        bob.stdout
    );

    // Released: offered again.
    let released = cli.run(&["unpick", "6.1.1", "--by", "carol"]);
    assert!(
        released
            .stdout
            .contains("Released `6.1.1` (claimed by alice"),
        "{}",
        released.stdout
    );
    let again = cli.run(&["next"]).stdout;
    assert_eq!(offered(&again)[0], "6.1.1", "{again}");
    assert!(!again.contains("## Claimed"), "{again}");
    let none = shortlist(r.path(), &["--database", &cli.db, "unpick", "6.1.1"]);
    assert_eq!(none.code, 1);
    assert!(
        none.stderr.contains("nobody has claimed `6.1.1`"),
        "{}",
        none.stderr
    );
}

#[test]
fn a_claim_older_than_claim_days_is_stale_and_offered_again() {
    let r = repo("claim_days = 0\n");
    let db = r.wt_dir.path().join("claims.sqlite3");
    let cli = Cli {
        r: &r,
        db: db.to_string_lossy().into_owned(),
    };
    cli.run(&["note", "--by", "alice"]);
    cli.run(&["pick", "1", "--by", "alice"]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let next = cli.run(&["next"]).stdout;
    assert_eq!(
        offered(&next)[0],
        "6.1.1",
        "a stale claim holds nothing: {next}"
    );
    assert!(next.contains("stale claim by alice ("), "{next}");
    // A stale claim passes to whoever picks the task next.
    cli.run(&["note", "--by", "bob"]);
    let bob = cli.run(&["pick", "1", "--by", "bob"]);
    assert!(!bob.stdout.contains("stays claimed"), "{}", bob.stdout);
}

#[test]
fn a_claim_taken_up_by_a_worktree_shows_that_worktree() {
    let r = repo("");
    let db = r.wt_dir.path().join("claims.sqlite3");
    let cli = Cli {
        r: &r,
        db: db.to_string_lossy().into_owned(),
    };
    cli.run(&["note", "--by", "alice"]);
    cli.run(&["pick", "1", "--by", "alice"]);
    let base = r.git.head().expect("head").target().expect("oid");
    let wt = r.add_worktree("wt-pdf", "feat/6.1.1-pdf", base);
    let root = wt.workdir().expect("workdir").to_path_buf();
    common::write_at(&root, "apps/server/src/billing/pdf.ts", "export {}\n");
    commit_in(&wt, "6.1.1 pdf", "Alice", 1_767_000_100);
    let next = cli.run(&["next"]).stdout;
    assert!(
        next.contains("claimed by alice (") && next.contains("now in flight in `wt-pdf`"),
        "{next}"
    );
    assert!(!offered(&next).contains(&"6.1.1".to_string()), "{next}");
}
