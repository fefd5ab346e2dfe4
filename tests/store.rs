//! The SQLite store: migrations from nothing and from v1, idempotent picks, digests claimed
//! once, concurrent writers, a locked and a read-only database, a writer killed mid-loop.

use shortlist::store::{default_path, MessageRow, Store, StoreError, StoredCandidate, MIGRATIONS};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn cand(rank: usize, id: &str) -> StoredCandidate {
    StoredCandidate {
        rank,
        id: id.into(),
        track: "B".into(),
        title: format!("任务 {id}"),
    }
}

#[test]
fn a_new_database_has_the_latest_schema_and_keeps_what_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/dir/shortlist.sqlite3");
    let mut s = Store::open(&path).expect("open");
    assert_eq!(s.version().expect("version"), MIGRATIONS.len() as i64);
    let (q, new) = s
        .add_question(
            "  Fresh DB per run, or one shared DB?  ",
            "alice",
            &HashSet::new(),
        )
        .expect("add");
    assert!(new);
    assert!(q.id.starts_with("Q-") && q.id.len() == 6, "{}", q.id);
    assert_eq!(q.text, "Fresh DB per run, or one shared DB?");
    // The same question again (spacing and case aside) is the same record.
    let (again, new) = s
        .add_question(
            "fresh db per run,   or one shared db?",
            "bob",
            &HashSet::new(),
        )
        .expect("add again");
    assert!(!new);
    assert_eq!(again, q);
    let d = s
        .decide(Some(&q.id), "Fresh DB per run", "carol", "discord")
        .expect("decide");
    assert_eq!(d.question_id.as_deref(), Some(q.id.as_str()));
    assert_eq!(s.decisions().expect("decisions"), vec![d]);

    s.record_note(
        "conversation/2026-11-28_090000_triage.md",
        "triage",
        &[cand(1, "3.5.1"), cand(2, "3.2.4")],
    )
    .expect("note");
    let latest = s.note(None).expect("read").expect("a note");
    assert_eq!(latest.candidates.len(), 2);
    assert_eq!(latest.candidates[1].id, "3.2.4");

    let m = MessageRow {
        message_id: "1001".into(),
        channel_id: "77".into(),
        kind: "next".into(),
        note_path: Some(latest.path.clone()),
        candidates: latest.candidates.clone(),
        posted_at: chrono::Utc::now(),
    };
    s.record_message(&m).expect("message");
    assert_eq!(
        s.message("1001").expect("read").expect("row").candidates,
        m.candidates
    );
    assert!(s.message("999").expect("read").is_none());
}

#[test]
fn a_question_id_never_reuses_one_taken_elsewhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    let text = "Who owns the seed data?";
    let plain = shortlist::plan::question_id(text, &HashSet::new());
    let taken: HashSet<String> = [plain.clone()].into();
    let (q, _) = s.add_question(text, "alice", &taken).expect("add");
    assert_ne!(q.id, plain);
    assert!(q.id.starts_with(&plain), "{} extends {plain}", q.id);
}

#[test]
fn picks_are_recorded_once_per_person_and_candidate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    let (p1, new1) = s
        .record_pick("message:1001", &cand(2, "3.2.4"), "alice")
        .expect("pick");
    let (p2, new2) = s
        .record_pick("message:1001", &cand(2, "3.2.4"), "alice")
        .expect("again");
    let (_, new3) = s
        .record_pick("message:1001", &cand(2, "3.2.4"), "bob")
        .expect("bob");
    let (_, new4) = s
        .record_pick("message:1002", &cand(2, "3.2.4"), "alice")
        .expect("other offer");
    assert!(new1 && !new2 && new3 && new4);
    assert_eq!(p1, p2);
    assert_eq!(s.picks(Some("message:1001")).expect("picks").len(), 2);
    assert_eq!(s.picks(None).expect("all").len(), 3);
}

#[test]
fn a_digest_day_is_claimed_once_and_a_failed_post_gives_it_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    let mut a = Store::open(&path).expect("a");
    let mut b = Store::open(&path).expect("b");
    assert!(a.claim_digest("77", "2026-11-28").expect("claim"));
    assert!(!b.claim_digest("77", "2026-11-28").expect("second instance"));
    assert!(b.claim_digest("78", "2026-11-28").expect("other channel"));
    a.release_digest("77", "2026-11-28").expect("release");
    assert!(b
        .claim_digest("77", "2026-11-28")
        .expect("claim after release"));
    b.digest_posted("77", "2026-11-28", "555").expect("posted");
    a.release_digest("77", "2026-11-28")
        .expect("no-op once posted");
    assert!(!a.claim_digest("77", "2026-11-28").expect("still claimed"));
    assert_eq!(
        a.last_digest_day("77").expect("last").as_deref(),
        Some("2026-11-28")
    );
    assert!(a.subscribe("77", Some("9"), "alice").expect("sub"));
    assert!(!a.subscribe("77", Some("9"), "alice").expect("sub again"));
    assert_eq!(b.subscriptions().expect("subs").len(), 1);
    assert!(b.unsubscribe("77").expect("unsub"));
    assert!(a.subscriptions().expect("subs").is_empty());
}

#[test]
fn a_v1_database_is_migrated_with_its_rows_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.sqlite3");
    {
        let s = Store::open_at_version(&path, 1).expect("v1");
        assert_eq!(s.version().expect("version"), 1);
    }
    {
        // Rows as the first release wrote them.
        let c = rusqlite::Connection::open(&path).expect("raw");
        c.execute_batch(
            "INSERT INTO questions VALUES ('Q-1a2b', '要不要保留旧接口？', 'alice', '2026-10-01T08:00:00.000Z');
             INSERT INTO decisions (question_id, text, decided_by, decided_at) VALUES ('Q-1a2b', '保留到 v3', 'bob', '2026-10-02T08:00:00.000Z');
             INSERT INTO picks (source, rank, task_id, track, picked_by, picked_at) VALUES ('note:n.md', 1, '3.5.1', 'E', 'carol', '2026-10-03T08:00:00.000Z');",
        )
        .expect("v1 rows");
    }
    let s = Store::open(&path).expect("migrate");
    assert_eq!(s.version().expect("version"), MIGRATIONS.len() as i64);
    let q = s.questions().expect("questions");
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].text, "要不要保留旧接口？");
    let d = s.decisions().expect("decisions");
    assert_eq!(d[0].text, "保留到 v3");
    assert_eq!(d[0].via, "cli", "the new column gets its default");
    assert_eq!(s.picks(None).expect("picks")[0].task_id, "3.5.1");
    assert!(s.subscriptions().expect("v2 table").is_empty());
    assert_eq!(s.integrity_check().expect("check"), "ok");
}

#[test]
fn a_database_from_a_newer_shortlist_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.sqlite3");
    drop(Store::open(&path).expect("open"));
    rusqlite::Connection::open(&path)
        .expect("raw")
        .pragma_update(None, "user_version", 99)
        .expect("bump");
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("upgrade shortlist"));
}

#[test]
fn concurrent_writers_all_land() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    drop(Store::open(&path).expect("create"));
    let threads: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(&path).expect("open");
                for i in 0..40 {
                    s.decide(None, &format!("writer {w} decision {i}"), "bot", "cli")
                        .expect("write");
                    s.record_pick(&format!("message:{w}"), &cand(1, &format!("{i}.1")), "u")
                        .expect("pick");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer thread");
    }
    let s = Store::open(&path).expect("reopen");
    assert_eq!(s.decisions().expect("decisions").len(), 160);
    assert_eq!(s.picks(None).expect("picks").len(), 160);
}

#[test]
fn a_locked_database_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    let mut s = Store::open(&path).expect("open");
    s.decide(None, "before the lock", "alice", "cli")
        .expect("write");
    s.set_busy_timeout(Duration::from_millis(200))
        .expect("timeout");
    let holder = rusqlite::Connection::open(&path).expect("other process");
    holder.execute_batch("BEGIN EXCLUSIVE;").expect("lock");
    let err = s
        .decide(None, "during the lock", "bob", "cli")
        .expect_err("locked");
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Locked { .. }), "{msg}");
    assert!(msg.contains("is locked by another process"), "{msg}");
    assert!(msg.contains("db.sqlite3"), "{msg}");
    assert!(msg.contains("nothing was written"), "{msg}");
    holder.execute_batch("COMMIT;").expect("unlock");
    s.decide(None, "after the lock", "bob", "cli")
        .expect("write again");
    let texts: Vec<String> = s
        .decisions()
        .expect("rows")
        .into_iter()
        .map(|d| d.text)
        .collect();
    assert_eq!(texts, ["before the lock", "after the lock"]);
}

#[test]
fn a_read_only_database_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    Store::open(&path)
        .expect("open")
        .decide(None, "kept", "alice", "cli")
        .expect("write");
    // Opened read-only (as a read-only mount or file gives it to SQLite).
    let uri = format!("file:{}?mode=ro", path.display());
    let err = Store::open(Path::new(&uri))
        .err()
        .expect("read-only refused");
    let msg = err.to_string();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{msg}");
    assert!(
        msg.contains("read-only") && msg.contains("nothing was written"),
        "{msg}"
    );
    // The URI named a file: no `file:…` directory was made in the working directory.
    let made = Path::new(&uri).parent().expect("parent");
    assert!(!made.exists(), "{} was created", made.display());
    // The data is still there.
    let s = Store::open(&path).expect("reopen");
    assert_eq!(s.decisions().expect("rows")[0].text, "kept");
}

#[test]
fn the_default_database_lives_outside_the_working_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Ok(p) = default_path(dir.path()) else {
        return; // no data directory on this platform: the config must name one
    };
    assert!(!p.starts_with(dir.path()), "{}", p.display());
    assert!(p.to_string_lossy().ends_with(".sqlite3"));
    // Keyed by repository: another repository gets another file.
    let other = tempfile::tempdir().expect("tempdir");
    assert_ne!(default_path(other.path()).expect("path"), p);
}

/// The child of `a_writer_killed_mid_loop_leaves_every_committed_row`: writes decisions
/// in a loop and prints each committed id. Runs only when the parent sets the variable.
#[test]
fn child_writer_loop() {
    let Ok(path) = std::env::var("SHORTLIST_TEST_CHILD_DB") else {
        return;
    };
    let mut s = Store::open(Path::new(&path)).expect("child open");
    for i in 0.. {
        let d = s
            .decide(
                Some("Q-0000"),
                &format!("decision {i} {}", "x".repeat(i % 400)),
                "child",
                "cli",
            )
            .expect("child write");
        println!("committed {}", d.id);
    }
}

#[test]
fn a_writer_killed_mid_loop_leaves_every_committed_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    drop(Store::open(&path).expect("create"));
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "child_writer_loop",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SHORTLIST_TEST_CHILD_DB", &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let out = child.stdout.take().expect("stdout");
    let mut committed: Vec<i64> = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line.expect("line");
        if let Some(id) = line.strip_prefix("committed ") {
            committed.push(id.trim().parse().expect("id"));
            if committed.len() >= 300 {
                break;
            }
        }
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    assert!(committed.len() >= 300, "child wrote {}", committed.len());
    let s = Store::open(&path).expect("reopen after the kill");
    assert_eq!(s.integrity_check().expect("check"), "ok");
    let ids: HashSet<i64> = s
        .decisions()
        .expect("rows")
        .into_iter()
        .map(|d| d.id)
        .collect();
    for id in &committed {
        assert!(ids.contains(id), "committed row {id} lost");
    }
    // Every row is whole: the text matches its number.
    for d in s.decisions().expect("rows") {
        assert!(d.text.starts_with("decision "), "{d:?}");
    }
}
