//! Answers in proportion: on a five-track plan with overlaps everywhere, `next` and the
//! note show the conflicts that matter to the candidates one by one and count the rest;
//! JSON keeps every conflict.

mod common;

use common::{commit_in, shortlist, Repo};

fn five_tracks() -> Repo {
    let r = Repo::new();
    r.fixture("five_tracks.md", "PLAN.md");
    commit_in(&r.git, "plan", "Alice", 1_767_000_000);
    r
}

/// The lines of a `## ` section of markdown output.
fn section<'a>(out: &'a str, heading: &str) -> Vec<&'a str> {
    out.split(&format!("## {heading}\n"))
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .map(|s| s.lines().filter(|l| l.starts_with("- ")).collect())
        .unwrap_or_default()
}

#[test]
fn next_shows_each_candidates_overlaps_and_one_line_of_track_pairs() {
    let r = five_tracks();
    let db = r.wt_dir.path().join("db.sqlite3");
    let db = db.to_str().expect("utf8");
    let run = shortlist(r.path(), &["--database", db, "next"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let conflicts = section(&run.stdout, "Conflicts");
    assert!(
        conflicts.len() <= 6,
        "one line per candidate and one of track pairs: {conflicts:#?}"
    );
    assert!(
        conflicts.contains(
            &"- `7.1.1` overlaps `7.1.3`, `7.2.1`, `7.3.1`, `7.5.2` on `apps/server/src/settlement/*`, `packages/db/schema.prisma`"
        ),
        "{conflicts:#?}"
    );
    let pairs = conflicts.last().expect("pairs line");
    assert!(
        pairs.starts_with("- Tracks that overlap: ")
            && pairs.contains("A↔B (3 paths)")
            && pairs.contains("D↔E (2 paths)"),
        "{pairs}"
    );
    // `triage` and JSON keep every conflict.
    let triage = shortlist(r.path(), &["--database", db, "triage"]);
    assert!(
        section(&triage.stdout, "Conflicts").len() >= 14,
        "{}",
        triage.stdout
    );
    let json: serde_json::Value = serde_json::from_str(
        &shortlist(r.path(), &["--database", db, "--format", "json", "next"]).stdout,
    )
    .expect("json");
    assert_eq!(json["conflicts"].as_array().expect("conflicts").len(), 14);
}

#[test]
fn the_note_lists_candidates_per_track_and_counts_the_rest() {
    let r = five_tracks();
    let db = r.wt_dir.path().join("db.sqlite3");
    let run = shortlist(
        r.path(),
        &["--database", db.to_str().expect("utf8"), "note"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(run.stdout.trim()).expect("note");
    let track_a = text
        .split("  - Track A — 结算 Settlement (P0)\n")
        .nth(1)
        .and_then(|s| s.split("\n  - Track ").next())
        .expect("track A");
    let items: Vec<&str> = track_a
        .lines()
        .filter(|l| l.starts_with("      - "))
        .collect();
    assert_eq!(
        items,
        [
            "      - `7.1.1` Settlement run API; touch points `apps/server/src/settlement/*`, `packages/db/schema.prisma`.",
            "      - `7.1.2` Settlement web page; touch points `apps/web/src/routes/settlement/*`, `apps/web/src/lib/api.ts`.",
            "      - Follow-ons: `7.1.3`.",
        ]
    );
    assert!(
        text.len() < 6_000,
        "a note read in a minute: {} bytes",
        text.len()
    );
}
