//! Conversation notes: the exact text for a real plan, slugs, collisions, traversal
//! attempts, decisions carried into later notes, questions read back, `## Selected`.

mod common;

use chrono::{TimeZone, Utc};
use common::{commit_in, open_session, shortlist, write_at, Repo};
use shortlist::app::{self, NoteAsk, Offer, PickRequest, Session};
use shortlist::note::{append_selected, slug, write_new};
use shortlist::store::Store;
use std::path::{Path, PathBuf};

const CONFIG: &str = "timezone = \"Asia/Shanghai\"\nnotes_dir = \"conversation\"\n";

/// The phase 5 plan, a worktree in flight on the seed script, an untracked file.
fn repo() -> Repo {
    let r = Repo::new();
    r.fixture("phase5.md", "docs/plan/phase5.md");
    r.write("shortlist.toml", CONFIG);
    r.write("apps/server/scripts/seed.ts", "export {}\n");
    r.write("user_docs/billing.md", "# Billing\n");
    let base = commit_in(&r.git, "plan", "Alice", 1_767_000_000);
    let wt = r.add_worktree("wt-seed", "feat/5.2.1-seed", base);
    let root = wt.workdir().expect("workdir").to_path_buf();
    write_at(
        &root,
        "apps/server/scripts/seed.ts",
        "export const tenants = 3;\n",
    );
    commit_in(&wt, "5.2.1 seed tenants", "Bob", 1_767_000_100);
    r.write("scratch.txt", "untracked\n");
    r
}

/// The database the tests use, outside the working tree.
fn db(r: &Repo) -> PathBuf {
    r.wt_dir.path().join("db.sqlite3")
}

/// A session as the CLI and the bot open one (index refresh off, database beside).
fn open(r: &Repo) -> Session {
    open_session(r.path(), db(r), |_| {})
}

/// Write a triage note about `topic` as alice.
fn note(s: &mut Session, topic: &str) -> PathBuf {
    let ask = NoteAsk {
        topic: topic.to_string(),
        by: "alice".to_string(),
        at: at(),
    };
    app::note(s, ask).expect("note").note.path
}

fn pick(s: &mut Session, n: usize) -> Result<app::Picked, app::AppError> {
    app::pick(
        s,
        PickRequest {
            offer: Offer::Note(None),
            n,
            by: "bob".to_string(),
            at: at(),
        },
    )
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 1, 2, 3)
        .single()
        .expect("time")
}

#[test]
fn a_note_has_the_seed_shape_for_a_real_plan() {
    let r = repo();
    let mut s = open(&r);
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    let path = note(&mut s, "Phase 5 triage：剩余工作");
    let store = Store::open(&db(&r)).expect("store");
    // The name: local time of the configured zone (UTC+8), then the slug.
    assert_eq!(
        path,
        r.path()
            .join("conversation/2026-11-28_090203_Phase_5_triage剩余工作.md")
    );
    let text = std::fs::read_to_string(&path).expect("read");
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(
        headings,
        [
            "# Phase 5 triage：剩余工作",
            "## Context",
            "## Decisions",
            "## Plan",
            "## Open Questions",
            "## References"
        ]
    );
    insta::assert_snapshot!("note_phase5", r.redact(&text));
    // The store knows the note and its numbered candidates.
    let row = store.note(None).expect("read").expect("recorded");
    assert_eq!(
        row.path,
        "conversation/2026-11-28_090203_Phase_5_triage剩余工作.md"
    );
    assert_eq!(row.candidates.len(), t.shortlist.candidates.len());
    assert!(row.candidates.len() >= 3);
}

#[test]
fn slugs_keep_letters_digits_and_dashes_and_nothing_else() {
    assert_eq!(
        slug("mes-triage phase3   remaining"),
        "mes-triage_phase3_remaining"
    );
    assert_eq!(slug("剩余 工作：第三阶段！"), "剩余_工作第三阶段");
    assert_eq!(slug("../../etc/passwd"), "etcpasswd");
    assert_eq!(slug("/tmp/x"), "tmpx");
    assert_eq!(slug("C:\\Windows\\win.ini"), "CWindowswinini");
    assert_eq!(slug("a\0b"), "ab");
    assert_eq!(slug("  \t "), "note");
    assert_eq!(slug("!!! ???"), "note");
    assert_eq!(slug(".."), "note");
    assert_eq!(slug(&"长".repeat(500)).chars().count(), 64);
    assert_eq!(slug(&"ab ".repeat(100)).chars().count(), 64);
    assert!(!slug(&"ab ".repeat(100)).ends_with('_'));
}

#[test]
fn names_never_collide_and_never_leave_the_notes_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("conversation");
    let a = write_new(&notes, "2026-11-28_090203", "triage", "first\n").expect("a");
    let b = write_new(&notes, "2026-11-28_090203", "triage", "second\n").expect("b");
    let c = write_new(&notes, "2026-11-28_090203", "triage", "third\n").expect("c");
    let names: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "2026-11-28_090203_triage.md",
            "2026-11-28_090203_triage_1.md",
            "2026-11-28_090203_triage_2.md"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(&a).expect("a"),
        "first\n",
        "never overwritten"
    );
    for topic in [
        "../../outside",
        "/etc/passwd",
        "a/../../b",
        "x\0y",
        &"../".repeat(200),
    ] {
        let p = write_new(&notes, "2026-11-28_090203", topic, "t\n").expect("write");
        assert_eq!(
            p.parent(),
            Some(notes.as_path()),
            "{topic:?} → {}",
            p.display()
        );
    }
    // Only notes are left behind: no temp files.
    let stray: Vec<_> = std::fs::read_dir(&notes)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    assert!(!dir.path().join("outside.md").exists());
}

#[test]
fn selected_is_appended_once_per_pick_by_rename() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("n.md");
    std::fs::write(&p, "# t\n\n## References\n- `PLAN.md`\n").expect("write");
    append_selected(&p, "alice picked candidate 2: `3.2.4` x").expect("append");
    append_selected(&p, "bob picked candidate 1: `3.5.1` y").expect("append");
    assert_eq!(
        std::fs::read_to_string(&p).expect("read"),
        "# t\n\n## References\n- `PLAN.md`\n\n## Selected\n- alice picked candidate 2: `3.2.4` x\n- bob picked candidate 1: `3.5.1` y\n"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "no temp left"
    );
}

#[test]
fn picking_records_once_and_appends_to_that_note() {
    let r = repo();
    let mut s = open(&r);
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    let path = note(&mut s, "triage");
    let second = &t.shortlist.candidates[1];
    let id = t.plan.tasks[second.task].id.to_string();
    let o = pick(&mut s, 2).expect("pick");
    assert!(o.new);
    assert_eq!(o.candidate.id, id);
    assert_eq!(o.note.as_deref(), Some(path.as_path()));
    let again = pick(&mut s, 2).expect("again");
    assert!(!again.new);
    let text = std::fs::read_to_string(&path).expect("read");
    let selected = text
        .split("\n## Selected\n")
        .nth(1)
        .expect("selected section");
    let lines: Vec<&str> = selected.lines().collect();
    assert_eq!(lines.len(), 1, "{selected}");
    assert!(
        lines[0].starts_with(&format!("- bob picked candidate 2: `{id}` ")),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with("on 2026-11-28 09:02 CST"),
        "{}",
        lines[0]
    );
    let store = Store::open(&db(&r)).expect("store");
    assert_eq!(store.picks(None).expect("picks").len(), 1);
    // A number the note does not offer is refused with what it does offer.
    let err = pick(&mut s, 9).expect_err("no 9");
    assert!(err.to_string().contains("no candidate 9"), "{err}");
    assert!(err.to_string().contains(&format!("2. {id}")), "{err}");
}

#[test]
fn decisions_appear_in_every_later_note_and_close_their_question() {
    let r = repo();
    let mut s = open(&r);
    let q = app::ask(
        &mut s,
        &app::AskRequest {
            text: "发票模板要不要多语言？".into(),
            by: "alice".into(),
        },
    )
    .expect("ask")
    .question;
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    assert!(t.questions.iter().any(|x| x.id == q.id));
    let first = note(&mut s, "before");
    assert!(std::fs::read_to_string(&first)
        .expect("read")
        .contains(&format!(
            "- `{}` 发票模板要不要多语言？ — asked by alice",
            q.id
        )));
    // Re-reading the notes finds the same id, not a new question.
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    assert_eq!(
        t.questions
            .iter()
            .filter(|x| x.text.contains("发票模板"))
            .count(),
        1
    );

    let req = app::DecideRequest {
        question: q.id.to_lowercase(),
        decision: "只做中英两种".into(),
        by: "carol".into(),
        via: "cli".into(),
    };
    app::decide(&mut s, &req).expect("decide");
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    assert!(
        !t.questions.iter().any(|x| x.id == q.id),
        "decided questions are closed"
    );
    let later = note(&mut s, "after");
    let text = std::fs::read_to_string(&later).expect("read");
    let decisions = text
        .split("## Decisions\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("decisions section");
    assert!(
        decisions.contains(&format!(
            "只做中英两种 — carol, 2026-11-28 (answers `{}`",
            q.id
        )) || decisions.contains("只做中英两种 — carol, "),
        "{decisions}"
    );
    assert!(
        decisions.contains(&format!("answers `{}`", q.id)),
        "{decisions}"
    );
}

#[test]
fn questions_in_hand_written_notes_are_open_until_decided() {
    let r = repo();
    // Dated yesterday: a question older than `question_days` is only listed on request.
    let day = (Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%d");
    r.write(
        &format!("conversation/{day}_121135_mes-triage.md"),
        "# mes-triage\n\n## Decisions\n- Use phase3_tasks.md as the source of truth.\n\n## Open Questions\n- Should we treat `3.2.4` as script-only?\n- Fresh DB per run (fast path via seed + unique IDs)?\n",
    );
    let mut s = open(&r);
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    let from_note: Vec<_> = t
        .questions
        .iter()
        .filter(|q| {
            q.origins
                .iter()
                .any(|o| matches!(o, shortlist::triage::questions::Origin::Note { .. }))
        })
        .collect();
    assert_eq!(from_note.len(), 2, "{:#?}", t.questions);
    assert_eq!(from_note[0].text, "Should we treat `3.2.4` as script-only?");
    // A later note whose decisions name the id closes it.
    let id = from_note[0].id.clone();
    r.write(
        &format!("conversation/{day}_130000_follow-up.md"),
        format!("# follow-up\n\n## Decisions\n- Script-only for now (answers `{id}`).\n"),
    );
    // The same session reads the notes again: the later note is seen.
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    assert!(!t.questions.iter().any(|q| q.id == id));
    assert_eq!(t.all_questions.iter().filter(|q| q.id == id).count(), 1);
}

#[test]
fn the_cli_asks_decides_notes_and_picks() {
    let r = repo();
    let db = r.wt_dir.path().join("cli.sqlite3");
    let db = db.to_string_lossy().into_owned();
    let run = |args: &[&str]| {
        let mut all = vec!["--database", db.as_str()];
        all.extend_from_slice(args);
        shortlist(r.path(), &all)
    };
    let asked = run(&[
        "question", "add", "Who", "owns", "the", "seed?", "--by", "alice",
    ]);
    assert_eq!(asked.code, 0, "{}", asked.stderr);
    let qid = asked.stdout.trim().to_string();
    assert!(qid.starts_with("Q-"), "{qid}");
    let listed = run(&["questions"]);
    assert!(
        listed
            .stdout
            .contains(&format!("- `{qid}` Who owns the seed? — asked by alice")),
        "{}",
        listed.stdout
    );

    let decided = run(&["decide", &qid, "Bob", "owns", "it", "--by", "carol"]);
    assert_eq!(decided.code, 0, "{}", decided.stderr);
    assert!(decided
        .stdout
        .starts_with(&format!("Decided {qid}: Bob owns it")));
    let unknown = run(&["decide", "Q-ffff", "x"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("no question `Q-ffff`"),
        "{}",
        unknown.stderr
    );

    let next = run(&["next", "--format", "json"]);
    assert_eq!(next.code, 0, "{}", next.stderr);
    let doc: serde_json::Value = serde_json::from_str(&next.stdout).expect("json");
    assert_eq!(doc["schema"], "shortlist.triage/1");
    let sl = doc["shortlist"].as_array().expect("shortlist");
    assert!((3..=5).contains(&sl.len()), "{sl:?}");
    assert_eq!(sl[0]["rank"], 1);
    assert!(sl
        .iter()
        .all(|c| !c["reasons"].as_array().expect("reasons").is_empty()));
    assert_eq!(doc["decisions"][0]["text"], "Bob owns it");
    assert!(doc["worktrees"].is_array());
    assert!(doc["conflicts"].is_array());
    // 5.2.1 is being done in wt-seed (its branch and commit say so): its open subtasks
    // are not offered, and its touch points occupy billing/* for Track A.
    assert!(sl
        .iter()
        .all(|c| !c["id"].as_str().expect("id").starts_with("5.2.1")));
    let passed = doc["not_shortlisted"].as_array().expect("passed");
    let seed = passed
        .iter()
        .find(|p| p["id"] == "5.2.1.3")
        .expect("5.2.1.3");
    assert!(
        seed["why"][0]
            .as_str()
            .expect("why")
            .starts_with("in flight in worktree `wt-seed` (`feat/5.2.1-seed`)"),
        "{seed}"
    );
    let wt_conflict = doc["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .find(|c| c["kind"] == "worktree")
        .expect("a worktree conflict");
    assert_eq!(wt_conflict["a"], "A");
    assert!(wt_conflict["b"]
        .as_str()
        .expect("worktree path")
        .ends_with("wt-seed"));
    assert!(wt_conflict["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .any(|p| p == "apps/server/src/billing/*"));

    let pick_first = run(&["pick", "1"]);
    assert_eq!(pick_first.code, 1, "no note yet");
    assert!(
        pick_first.stderr.contains("run `shortlist note` first"),
        "{}",
        pick_first.stderr
    );

    let note = run(&["note", "Phase 5", "triage"]);
    assert_eq!(note.code, 0, "{}", note.stderr);
    let note_path = Path::new(note.stdout.trim()).to_path_buf();
    assert!(
        note_path.starts_with(r.path().join("conversation"))
            || note_path.starts_with(
                std::fs::canonicalize(r.path())
                    .expect("canon")
                    .join("conversation")
            )
    );
    let text = std::fs::read_to_string(&note_path).expect("note");
    assert!(
        text.contains("Bob owns it — carol"),
        "decisions carried into the note"
    );

    let picked = run(&[
        "pick",
        "2",
        "--by",
        "dave",
        "--note",
        note_path.to_str().expect("utf8"),
    ]);
    assert_eq!(picked.code, 0, "{}", picked.stderr);
    assert!(
        picked.stdout.starts_with("dave picked 2. `"),
        "{}",
        picked.stdout
    );
    assert!(picked.stdout.contains("## Selected appended to"));
    let again = run(&["pick", "2", "--by", "dave"]);
    assert!(
        again.stdout.contains("already recorded; nothing changed"),
        "{}",
        again.stdout
    );
    let text = std::fs::read_to_string(&note_path).expect("note");
    assert_eq!(text.matches("dave picked candidate 2").count(), 1);
}

#[test]
fn next_explains_what_it_left_out() {
    let r = repo();
    let run = shortlist(r.path(), &["next", "--explain"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("next_phase5_explain", r.redact(&run.stdout));
}

#[test]
fn only_questions_that_are_questions_are_open() {
    let r = repo();
    let recent = (Utc::now() - chrono::Duration::days(2)).format("%Y-%m-%d");
    let old = (Utc::now() - chrono::Duration::days(90)).format("%Y-%m-%d");
    // A design note and a troubleshooting log: their "open questions" are not the team's.
    r.write(
        &format!("conversation/{recent}_dns-troubleshooting.md"),
        "# DNS\n\n## Open Questions\n- Is the resolver caching NXDOMAIN?\n",
    );
    // A triage note: placeholders are not questions; real ones are.
    r.write(
        &format!("conversation/{recent}_090000_triage.md"),
        "# triage\n\n## Open Questions\n- None.\n- 无\n- N/A\n- -\n- 暂无\n- Who owns the invoice template?\n",
    );
    // An old triage note: its question is open but listed only with --all.
    r.write(
        &format!("conversation/{old}_090000_triage.md"),
        "# triage\n\n## Open Questions\n- Keep the legacy export?\n",
    );
    let mut s = open(&r);
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    let texts: Vec<&str> = t.questions.iter().map(|q| q.text.as_str()).collect();
    assert!(
        texts.contains(&"Who owns the invoice template?"),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|q| q.contains("NXDOMAIN")), "{texts:?}");
    for p in ["None.", "无", "N/A", "-", "暂无"] {
        assert!(!texts.contains(&p), "placeholder {p} in {texts:?}");
    }
    assert!(!texts.contains(&"Keep the legacy export?"), "{texts:?}");
    let stale: Vec<&str> = t.stale_questions.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(stale, ["Keep the legacy export?"]);
    assert!(t.stale_questions[0].age_days.is_some_and(|d| d >= 89));

    let db = db(&r);
    let db = db.to_str().expect("utf8");
    let listed = shortlist(r.path(), &["--database", db, "questions"]);
    assert!(
        !listed.stdout.contains("Keep the legacy export?"),
        "{}",
        listed.stdout
    );
    assert!(
        listed
            .stdout
            .contains("1 open question asked long ago not shown"),
        "{}",
        listed.stdout
    );
    let all = shortlist(r.path(), &["--database", db, "questions", "--all"]);
    assert!(
        all.stdout.contains("Keep the legacy export?"),
        "{}",
        all.stdout
    );
    let json: serde_json::Value = serde_json::from_str(
        &shortlist(r.path(), &["--database", db, "--format", "json", "next"]).stdout,
    )
    .expect("json");
    let qs = json["open_questions"].as_array().expect("questions");
    let legacy = qs
        .iter()
        .find(|q| q["text"] == "Keep the legacy export?")
        .expect("JSON keeps stale questions");
    assert_eq!(legacy["stale"], true);
    assert!(legacy["age_days"].as_i64().is_some_and(|d| d >= 89));
}

#[test]
fn a_chat_answer_lists_five_questions_and_counts_the_rest() {
    let r = repo();
    let db = db(&r);
    let db = db.to_str().expect("utf8");
    for i in 1..=8 {
        let q = format!("Question number {i}?");
        let run = shortlist(r.path(), &["--database", db, "question", "add", &q]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let next = shortlist(r.path(), &["--database", db, "next"]).stdout;
    let section = next
        .split("## Open questions\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("questions section");
    let items: Vec<&str> = section.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(items.len(), 6, "five and a count: {section}");
    assert!(
        items[5].contains("more (`shortlist questions` lists them)"),
        "{section}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &shortlist(r.path(), &["--database", db, "--format", "json", "next"]).stdout,
    )
    .expect("json");
    let n = json["open_questions"].as_array().expect("questions").len();
    assert!(n >= 8, "JSON keeps every question: {n}");
}

#[test]
fn a_tbd_left_in_a_finished_task_is_not_a_question() {
    let r = Repo::new();
    r.write(
        "PLAN.md",
        "# Plan\n\n## 1.1 Track A — Core（P0）\n- [x] 1.1.1 Export format TBD, settled on CSV\n- [ ] 1.1.2 Retention period TBD\n",
    );
    commit_in(&r.git, "plan", "Alice", 1_767_000_000);
    let mut s = open(&r);
    let t = app::triage(&mut s, &Default::default()).expect("triage");
    let texts: Vec<&str> = t.questions.iter().map(|q| q.text.as_str()).collect();
    assert!(
        texts.iter().any(|q| q.contains("Retention period")),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|q| q.contains("Export format")),
        "{texts:?}"
    );
}

#[test]
fn a_slug_of_four_byte_letters_still_makes_a_file_name_that_fits() {
    let topic = "𠀀".repeat(64);
    let s = slug(&topic);
    assert!(s.len() <= 200, "{} bytes", s.len());
    assert!(!s.is_empty());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_new(dir.path(), "2026-11-28_090203", &topic, "text\n").expect("written");
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(name.len() <= 255, "{} bytes", name.len());
}
