//! The bot's own state in SQLite: questions, decisions, picks, notes written, posted
//! triage messages, digests and digest subscriptions. WAL journal, versioned migrations,
//! every write in one immediate transaction, so a crash mid-write leaves either the whole
//! row or nothing. A locked or read-only database is a clear error and nothing is lost.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Schema migrations, in order; `PRAGMA user_version` is the number applied.
pub const MIGRATIONS: &[&str] = &[
    // v1: the state of the first release.
    "CREATE TABLE questions (
        id        TEXT PRIMARY KEY,
        text      TEXT NOT NULL,
        asked_by  TEXT NOT NULL,
        asked_at  TEXT NOT NULL
    );
    CREATE TABLE decisions (
        id          INTEGER PRIMARY KEY,
        question_id TEXT,
        text        TEXT NOT NULL,
        decided_by  TEXT NOT NULL,
        decided_at  TEXT NOT NULL
    );
    CREATE TABLE notes (
        id          INTEGER PRIMARY KEY,
        path        TEXT NOT NULL UNIQUE,
        topic       TEXT NOT NULL,
        written_at  TEXT NOT NULL,
        candidates  TEXT NOT NULL
    );
    CREATE TABLE posted_messages (
        message_id  TEXT PRIMARY KEY,
        channel_id  TEXT NOT NULL,
        kind        TEXT NOT NULL,
        note_path   TEXT,
        candidates  TEXT NOT NULL,
        posted_at   TEXT NOT NULL
    );
    CREATE TABLE picks (
        id          INTEGER PRIMARY KEY,
        source      TEXT NOT NULL,
        rank        INTEGER NOT NULL,
        task_id     TEXT NOT NULL,
        track       TEXT NOT NULL,
        picked_by   TEXT NOT NULL,
        picked_at   TEXT NOT NULL,
        UNIQUE (source, picked_by, task_id)
    );
    CREATE TABLE digests (
        channel_id  TEXT NOT NULL,
        day         TEXT NOT NULL,
        posted_at   TEXT NOT NULL,
        message_id  TEXT,
        PRIMARY KEY (channel_id, day)
    );",
    // v2: digest subscriptions per channel; where a decision was taken.
    "CREATE TABLE digest_subscriptions (
        channel_id     TEXT PRIMARY KEY,
        guild_id       TEXT,
        subscribed_by  TEXT NOT NULL,
        subscribed_at  TEXT NOT NULL
    );
    ALTER TABLE decisions ADD COLUMN via TEXT NOT NULL DEFAULT 'cli';
    CREATE INDEX decisions_by_question ON decisions (question_id);",
    // v3: what the worktrees looked like at each digest (what appeared, merged, went away).
    "CREATE TABLE worktree_marks (
        taken_at  TEXT PRIMARY KEY,
        marks     TEXT NOT NULL
    );",
    // v4: a pick claims its task (one claimer per task until released).
    "CREATE TABLE claims (
        task_id     TEXT PRIMARY KEY,
        claimed_by  TEXT NOT NULL,
        claimed_at  TEXT NOT NULL,
        source      TEXT NOT NULL
    );",
];

/// How long a write waits for another writer before giving up with [`StoreError::Locked`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path} is locked by another process (waited {ms} ms); nothing was written: try again when it is done")]
    Locked { path: PathBuf, ms: u128 },
    #[error("database {path} is read-only ({detail}); nothing was written: make it writable or point `database` in the config at a writable file")]
    ReadOnly { path: PathBuf, detail: String },
    #[error("cannot open database {path}: {detail}; set `database` in the config or pass --database FILE")]
    Open { path: PathBuf, detail: String },
    #[error("database {path} has schema v{found}, newer than this shortlist knows (v{known}); upgrade shortlist")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database {path} is damaged ({detail}); keep a copy and start a new one with --database FILE")]
    Corrupt { path: PathBuf, detail: String },
    #[error("database {path}: {detail}")]
    Sql { path: PathBuf, detail: String },
    #[error("{0}")]
    Invalid(String),
}

/// A candidate as offered in a note or a posted message, kept so a pick maps back to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCandidate {
    pub rank: usize,
    pub id: String,
    pub track: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionRow {
    pub id: String,
    pub text: String,
    pub asked_by: String,
    pub asked_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRow {
    pub id: i64,
    pub question_id: Option<String>,
    pub text: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    pub via: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickRow {
    pub id: i64,
    /// `note:<path>` or `message:<id>`: which offer the pick answers.
    pub source: String,
    pub rank: usize,
    pub task_id: String,
    pub track: String,
    pub picked_by: String,
    pub picked_at: DateTime<Utc>,
}

/// Who claimed a task (by picking it), when, and from which offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimRow {
    pub task_id: String,
    pub claimed_by: String,
    pub claimed_at: DateTime<Utc>,
    /// `note:<path>`, `message:<id>`.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteRow {
    pub path: String,
    pub topic: String,
    pub written_at: DateTime<Utc>,
    pub candidates: Vec<StoredCandidate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageRow {
    pub message_id: String,
    pub channel_id: String,
    pub kind: String,
    pub note_path: Option<String>,
    pub candidates: Vec<StoredCandidate>,
    pub posted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub channel_id: String,
    pub guild_id: Option<String>,
    pub subscribed_by: String,
    pub subscribed_at: DateTime<Utc>,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    busy: Duration,
}

/// The database used when the config names none: the platform data directory, one file
/// per repository (its directory name plus a hash of its absolute path), never inside the
/// working tree.
pub fn default_path(root: &Path) -> Result<PathBuf, StoreError> {
    let base = dirs::data_dir().ok_or_else(|| StoreError::Open {
        path: PathBuf::from("<data dir>"),
        detail: "this platform has no data directory (HOME unset?)".into(),
    })?;
    let canon = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut h: u64 = 0xcbf29ce484222325;
    for b in canon.to_string_lossy().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    let name: String = canon
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repo".into())
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    Ok(base
        .join("shortlist")
        .join(format!("{name}-{:08x}.sqlite3", h as u32)))
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_ts(s: String) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

impl Store {
    /// Open (creating it and its directory when missing) and migrate to the latest schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_at_version(path, MIGRATIONS.len())
    }

    /// Open and migrate up to `version` only (tests build older databases with it).
    pub fn open_at_version(path: &Path, version: usize) -> Result<Store, StoreError> {
        // A `file:` URI (SQLite reads its options) has no directory to make here: its
        // "parent" would be made as a relative `file:` directory in the working one.
        let uri = path.to_str().is_some_and(|p| p.starts_with("file:"));
        let dir = path.parent().filter(|d| !uri && !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                detail: format!("cannot create {}: {e}", dir.display()),
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            busy: BUSY_TIMEOUT,
        };
        store
            .conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| store.err(e))?;
        // A file opened read-only by the OS is reported as such by SQLite: say so plainly.
        if store.conn.is_readonly("main").unwrap_or(false) {
            return Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
                detail: "the file or its directory is not writable".into(),
            });
        }
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| store.err(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                detail: format!("cannot use the WAL journal (got {mode})"),
            });
        }
        store
            .conn
            .execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;")
            .map_err(|e| store.err(e))?;
        store.migrate(version)?;
        Ok(store)
    }

    /// How long a write waits for another writer (default [`BUSY_TIMEOUT`]).
    pub fn set_busy_timeout(&mut self, t: Duration) -> Result<(), StoreError> {
        self.busy = t;
        self.conn.busy_timeout(t).map_err(|e| self.err(e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Schema version in effect.
    pub fn version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self, target: usize) -> Result<(), StoreError> {
        let path = self.path.clone();
        let busy = self.busy;
        let found = self.version()?;
        if found > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew {
                path,
                found,
                known: MIGRATIONS.len() as i64,
            });
        }
        if found >= target as i64 {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| map_err(&path, busy, e))?;
        // Another process may have migrated while this one waited for the lock.
        let now: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| map_err(&path, busy, e))?;
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .take(target)
            .skip(now as usize)
        {
            tx.execute_batch(sql).map_err(|e| StoreError::Sql {
                path: path.clone(),
                detail: format!("migration to v{}: {e}", i + 1),
            })?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(|e| map_err(&path, busy, e))?;
        }
        tx.commit().map_err(|e| map_err(&path, busy, e))
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        map_err(&self.path, self.busy, e)
    }

    /// Run `f` in one immediate transaction: all of it is written or none.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let busy = self.busy;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| map_err(&path, busy, e))?;
        let out = f(&tx).map_err(|e| map_err(&path, busy, e))?;
        tx.commit().map_err(|e| map_err(&path, busy, e))?;
        Ok(out)
    }

    /// Every row of a query, mapped.
    fn rows<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut st = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        st.query_map(params, map)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))
    }

    // ---- questions -------------------------------------------------------------------

    /// Record a question asked in chat or on the command line. The same text asked again
    /// returns the first record. `taken` holds ids already in use elsewhere (the plan's,
    /// the notes'), so that a new question never shares one.
    pub fn add_question(
        &mut self,
        text: &str,
        by: &str,
        taken: &HashSet<String>,
    ) -> Result<(QuestionRow, bool), StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::Invalid("a question needs some text".into()));
        }
        let norm = normalise(text);
        let existing = self.questions()?;
        if let Some(q) = existing.iter().find(|q| normalise(&q.text) == norm) {
            return Ok((q.clone(), false));
        }
        let mut used: HashSet<String> = existing.into_iter().map(|q| q.id).collect();
        used.extend(taken.iter().cloned());
        let row = QuestionRow {
            id: crate::plan::question_id(text, &used),
            text: text.to_string(),
            asked_by: by.to_string(),
            // What the database keeps: milliseconds.
            asked_at: parse_ts(ts(Utc::now())),
        };
        let r = row.clone();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO questions (id, text, asked_by, asked_at) VALUES (?1, ?2, ?3, ?4)",
                params![r.id, r.text, r.asked_by, ts(r.asked_at)],
            )
        })?;
        Ok((row, true))
    }

    pub fn questions(&self) -> Result<Vec<QuestionRow>, StoreError> {
        self.rows(
            "SELECT id, text, asked_by, asked_at FROM questions ORDER BY asked_at, id",
            [],
            |r| {
                Ok(QuestionRow {
                    id: r.get(0)?,
                    text: r.get(1)?,
                    asked_by: r.get(2)?,
                    asked_at: parse_ts(r.get(3)?),
                })
            },
        )
    }

    // ---- decisions -------------------------------------------------------------------

    pub fn decide(
        &mut self,
        question_id: Option<&str>,
        text: &str,
        by: &str,
        via: &str,
    ) -> Result<DecisionRow, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::Invalid("a decision needs some text".into()));
        }
        let now = Utc::now();
        let (q, t, b, v) = (question_id, text, by, via);
        let id = self.write(|tx| {
            tx.execute(
                "INSERT INTO decisions (question_id, text, decided_by, decided_at, via) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![q, t, b, ts(now), v],
            )?;
            Ok(tx.last_insert_rowid())
        })?;
        Ok(DecisionRow {
            id,
            question_id: question_id.map(str::to_string),
            text: text.to_string(),
            decided_by: by.to_string(),
            decided_at: parse_ts(ts(now)),
            via: via.to_string(),
        })
    }

    pub fn decisions(&self) -> Result<Vec<DecisionRow>, StoreError> {
        self.rows(
            "SELECT id, question_id, text, decided_by, decided_at, via FROM decisions ORDER BY id",
            [],
            |r| {
                Ok(DecisionRow {
                    id: r.get(0)?,
                    question_id: r.get(1)?,
                    text: r.get(2)?,
                    decided_by: r.get(3)?,
                    decided_at: parse_ts(r.get(4)?),
                    via: r.get(5)?,
                })
            },
        )
    }

    // ---- notes and posted messages ---------------------------------------------------

    pub fn record_note(
        &mut self,
        path: &str,
        topic: &str,
        candidates: &[StoredCandidate],
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(candidates).unwrap_or_else(|_| "[]".into());
        let now = ts(Utc::now());
        self.write(|tx| {
            tx.execute(
                "INSERT INTO notes (path, topic, written_at, candidates) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (path) DO UPDATE SET topic = excluded.topic, candidates = excluded.candidates",
                params![path, topic, now, json],
            )
        })?;
        Ok(())
    }

    /// A note by path, or the latest note when `path` is `None`.
    pub fn note(&self, path: Option<&str>) -> Result<Option<NoteRow>, StoreError> {
        let map = |r: &rusqlite::Row| {
            let c: String = r.get(3)?;
            Ok(NoteRow {
                path: r.get(0)?,
                topic: r.get(1)?,
                written_at: parse_ts(r.get(2)?),
                candidates: serde_json::from_str(&c).unwrap_or_default(),
            })
        };
        let q = match path {
            Some(p) => self.conn.query_row(
                "SELECT path, topic, written_at, candidates FROM notes WHERE path = ?1",
                [p],
                map,
            ),
            None => self.conn.query_row(
                "SELECT path, topic, written_at, candidates FROM notes ORDER BY id DESC LIMIT 1",
                [],
                map,
            ),
        };
        q.optional().map_err(|e| self.err(e))
    }

    pub fn record_message(&mut self, m: &MessageRow) -> Result<(), StoreError> {
        let json = serde_json::to_string(&m.candidates).unwrap_or_else(|_| "[]".into());
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO posted_messages (message_id, channel_id, kind, note_path, candidates, posted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![m.message_id, m.channel_id, m.kind, m.note_path, json, ts(m.posted_at)],
            )
        })?;
        Ok(())
    }

    pub fn message(&self, message_id: &str) -> Result<Option<MessageRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT message_id, channel_id, kind, note_path, candidates, posted_at FROM posted_messages WHERE message_id = ?1",
                [message_id],
                |r| {
                    let c: String = r.get(4)?;
                    Ok(MessageRow {
                        message_id: r.get(0)?,
                        channel_id: r.get(1)?,
                        kind: r.get(2)?,
                        note_path: r.get(3)?,
                        candidates: serde_json::from_str(&c).unwrap_or_default(),
                        posted_at: parse_ts(r.get(5)?),
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    // ---- picks -----------------------------------------------------------------------

    /// Record a pick; the same person picking the same candidate of the same offer again
    /// changes nothing. Returns the row and whether it is new.
    pub fn record_pick(
        &mut self,
        source: &str,
        c: &StoredCandidate,
        by: &str,
    ) -> Result<(PickRow, bool), StoreError> {
        let now = ts(Utc::now());
        let inserted = self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO picks (source, rank, task_id, track, picked_by, picked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![source, c.rank as i64, c.id, c.track, by, now],
            )
        })?;
        let row = self
            .conn
            .query_row(
                "SELECT id, source, rank, task_id, track, picked_by, picked_at FROM picks
                 WHERE source = ?1 AND picked_by = ?2 AND task_id = ?3",
                params![source, by, c.id],
                pick_row,
            )
            .map_err(|e| self.err(e))?;
        Ok((row, inserted == 1))
    }

    /// Picks of one offer (`source`), or all when `None`, oldest first.
    pub fn picks(&self, source: Option<&str>) -> Result<Vec<PickRow>, StoreError> {
        let sql = "SELECT id, source, rank, task_id, track, picked_by, picked_at FROM picks
                   WHERE ?1 IS NULL OR source = ?1 ORDER BY id";
        self.rows(sql, [source], pick_row)
    }

    // ---- claims ----------------------------------------------------------------------

    /// Claim a task for `by` (a pick does). The first claim holds until released: the
    /// claim in effect is returned, and whether it is this one.
    pub fn claim(
        &mut self,
        task_id: &str,
        by: &str,
        source: &str,
        at: DateTime<Utc>,
    ) -> Result<(ClaimRow, bool), StoreError> {
        let at = ts(at);
        let inserted = self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO claims (task_id, claimed_by, claimed_at, source)
                 VALUES (?1, ?2, ?3, ?4)",
                params![task_id, by, at, source],
            )
        })?;
        let row = self
            .conn
            .query_row(
                "SELECT task_id, claimed_by, claimed_at, source FROM claims WHERE task_id = ?1",
                [task_id],
                claim_row,
            )
            .map_err(|e| self.err(e))?;
        Ok((row, inserted == 1))
    }

    /// Release a task's claim; the claim that was released, if there was one.
    pub fn release(&mut self, task_id: &str) -> Result<Option<ClaimRow>, StoreError> {
        let found = self.claims()?.into_iter().find(|c| c.task_id == task_id);
        if found.is_some() {
            self.write(|tx| tx.execute("DELETE FROM claims WHERE task_id = ?1", [task_id]))?;
        }
        Ok(found)
    }

    /// Every claim, oldest first.
    pub fn claims(&self) -> Result<Vec<ClaimRow>, StoreError> {
        self.rows(
            "SELECT task_id, claimed_by, claimed_at, source FROM claims ORDER BY claimed_at, task_id",
            [],
            claim_row,
        )
    }

    // ---- digests ---------------------------------------------------------------------

    /// Claim the digest of `day` for a channel. True for exactly one caller per (channel,
    /// day), across processes sharing the database: the store is the lock.
    pub fn claim_digest(&mut self, channel_id: &str, day: &str) -> Result<bool, StoreError> {
        let now = ts(Utc::now());
        let n = self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO digests (channel_id, day, posted_at) VALUES (?1, ?2, ?3)",
                params![channel_id, day, now],
            )
        })?;
        Ok(n == 1)
    }

    /// The message that carried a claimed digest.
    pub fn digest_posted(
        &mut self,
        channel_id: &str,
        day: &str,
        message_id: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE digests SET message_id = ?3 WHERE channel_id = ?1 AND day = ?2",
                params![channel_id, day, message_id],
            )
        })?;
        Ok(())
    }

    /// Give back a claim whose post failed, so that it is tried again.
    pub fn release_digest(&mut self, channel_id: &str, day: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM digests WHERE channel_id = ?1 AND day = ?2 AND message_id IS NULL",
                params![channel_id, day],
            )
        })?;
        Ok(())
    }

    /// The latest day a digest was posted in a channel (`YYYY-MM-DD`).
    pub fn last_digest_day(&self, channel_id: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT max(day) FROM digests WHERE channel_id = ?1",
                [channel_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    pub fn subscribe(
        &mut self,
        channel_id: &str,
        guild_id: Option<&str>,
        by: &str,
    ) -> Result<bool, StoreError> {
        let now = ts(Utc::now());
        let n = self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO digest_subscriptions (channel_id, guild_id, subscribed_by, subscribed_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![channel_id, guild_id, by, now],
            )
        })?;
        Ok(n == 1)
    }

    pub fn unsubscribe(&mut self, channel_id: &str) -> Result<bool, StoreError> {
        let n = self.write(|tx| {
            tx.execute(
                "DELETE FROM digest_subscriptions WHERE channel_id = ?1",
                [channel_id],
            )
        })?;
        Ok(n == 1)
    }

    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        self.rows("SELECT channel_id, guild_id, subscribed_by, subscribed_at FROM digest_subscriptions ORDER BY channel_id", [], |r| {
                Ok(Subscription {
                    channel_id: r.get(0)?,
                    guild_id: r.get(1)?,
                    subscribed_by: r.get(2)?,
                    subscribed_at: parse_ts(r.get(3)?),
                })
            })
    }

    /// Remember the worktrees (JSON) as a digest saw them at `at`.
    pub fn save_marks(&mut self, at: DateTime<Utc>, marks_json: &str) -> Result<(), StoreError> {
        let t = ts(at);
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO worktree_marks (taken_at, marks) VALUES (?1, ?2)",
                params![t, marks_json],
            )
        })?;
        Ok(())
    }

    /// The worktrees (JSON) as last seen at or before `at`.
    pub fn marks_before(&self, at: DateTime<Utc>) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT marks FROM worktree_marks WHERE taken_at <= ?1 ORDER BY taken_at DESC LIMIT 1",
                [ts(at)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// When the last digest was posted in any channel (for `digest` without `--since`).
    pub fn last_digest_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let t: Option<String> = self
            .conn
            .query_row(
                "SELECT max(posted_at) FROM digests WHERE message_id IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(t.map(parse_ts))
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

fn claim_row(r: &rusqlite::Row) -> rusqlite::Result<ClaimRow> {
    Ok(ClaimRow {
        task_id: r.get(0)?,
        claimed_by: r.get(1)?,
        claimed_at: parse_ts(r.get(2)?),
        source: r.get(3)?,
    })
}

fn pick_row(r: &rusqlite::Row) -> rusqlite::Result<PickRow> {
    Ok(PickRow {
        id: r.get(0)?,
        source: r.get(1)?,
        rank: r.get::<_, i64>(2)? as usize,
        task_id: r.get(3)?,
        track: r.get(4)?,
        picked_by: r.get(5)?,
        picked_at: parse_ts(r.get(6)?),
    })
}

fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn map_err(path: &Path, busy: Duration, e: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        let detail = msg.clone().unwrap_or_else(|| f.to_string());
        return match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Locked {
                path,
                ms: busy.as_millis(),
            },
            ErrorCode::ReadOnly => StoreError::ReadOnly { path, detail },
            ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                StoreError::Open { path, detail }
            }
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StoreError::Corrupt { path, detail }
            }
            _ => StoreError::Sql { path, detail },
        };
    }
    StoreError::Sql {
        path,
        detail: e.to_string(),
    }
}
