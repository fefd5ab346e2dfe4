//! The commands that write: `note` (a conversation note, the only write into the
//! repository), `pick` (a candidate of a note's or a posted message's shortlist, with
//! its `## Selected` entry) and recording a posted shortlist so that picks map back.

use super::plan::{self as plan_cmds, NoteAsk};
use super::session::Session;
use super::AppError;
use crate::note::{self, NoteError};
use crate::plan::Plan;
use crate::store::{ClaimRow, MessageRow, PickRow, StoredCandidate};
use crate::triage::Triage;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// A note written into the notes directory.
#[derive(Debug, Clone)]
pub struct WrittenNote {
    pub path: PathBuf,
    /// Relative to the repository root, with `/`.
    pub rel: String,
    /// Its numbered candidates, as recorded for picking.
    pub candidates: Vec<StoredCandidate>,
}

/// `note`: the triage written into a new note.
#[derive(Debug, Clone)]
pub struct Noted {
    pub note: WrittenNote,
    /// What went wrong without losing the note (the database, say).
    pub warnings: Vec<String>,
}

/// Write a conversation note of the whole triage.
pub fn note(s: &mut Session, ask: NoteAsk) -> Result<Noted, AppError> {
    let mut t = plan_cmds::triage(s, &Default::default())?;
    let written = write(s, &mut t, &ask.topic, &ask.by, ask.at)?;
    Ok(Noted {
        note: written,
        warnings: t.warnings,
    })
}

/// The shortlist as stored with a note or message, so that a pick maps back.
fn stored_candidates(t: &Triage) -> Vec<StoredCandidate> {
    let plan = &t.plan;
    t.shortlist
        .candidates
        .iter()
        .map(|c| StoredCandidate {
            rank: c.rank,
            id: plan.tasks[c.task].id.to_string(),
            track: plan.tracks[c.track].key.clone(),
            title: plan.tasks[c.task].title.clone(),
        })
        .collect()
}

/// Write the note of triage `t` and record it (with its candidates) in the store. The
/// note is written first: if the store then fails, the note stays and `t` carries a
/// warning saying so.
pub(crate) fn write(
    s: &mut Session,
    t: &mut Triage,
    topic: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<WrittenNote, AppError> {
    let config = s.config();
    let tz = config.timezone.as_deref();
    let stamp = note::stamp(at, tz);
    let dir = config.root.join(&config.notes_dir);
    let text = note::layout::note(&note::layout::NoteView {
        triage: t,
        topic,
        by,
        at,
        tz,
        root: &config.root,
        notes_dir: &config.notes_dir,
    });
    let path = note::write_new(&dir, &stamp, topic, &text)?;
    let rel = relative(&config.root, &path);
    let candidates = stored_candidates(t);
    let recorded = s
        .store_for_write()
        .and_then(|store| store.record_note(&rel, topic, &candidates));
    if let Err(e) = recorded {
        t.warnings.push(format!(
            "note {rel} written but not recorded in the database (picks cannot name it): {e}"
        ));
    }
    Ok(WrittenNote {
        path,
        rel,
        candidates,
    })
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Record a shortlist posted as a chat message, so that a reaction or button on it
/// picks from the same candidates and names the same note.
pub fn record_posted(
    s: &mut Session,
    message_id: u64,
    channel_id: u64,
    note: &WrittenNote,
) -> Result<(), AppError> {
    let row = MessageRow {
        message_id: message_id.to_string(),
        channel_id: channel_id.to_string(),
        kind: "next".into(),
        note_path: Some(note.rel.clone()),
        candidates: note.candidates.clone(),
        posted_at: Utc::now(),
    };
    Ok(s.store_for_write()?.record_message(&row)?)
}

/// Where a pick's candidates come from.
#[derive(Debug, Clone)]
pub enum Offer {
    /// A note: a path as given (relative to the current directory or to the root);
    /// `None`: the latest note recorded.
    Note(Option<PathBuf>),
    /// A posted message (the bot).
    Message(u64),
}

#[derive(Debug, Clone)]
pub struct PickRequest {
    pub offer: Offer,
    /// The candidate's number.
    pub n: usize,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// What a pick did.
#[derive(Debug, Clone)]
pub struct Picked {
    pub pick: PickRow,
    pub candidate: StoredCandidate,
    /// The candidate's track as the plan names it now (its key when the plan no longer
    /// has it).
    pub track_title: String,
    /// False when the same person had already picked it: nothing changed.
    pub new: bool,
    /// The note that got (or already had) the `## Selected` entry.
    pub note: Option<PathBuf>,
    /// The claim in effect on the task: this picker's, or an earlier one that holds.
    pub claim: ClaimRow,
}

/// Record that `by` picks candidate `n` of an offer, and append `## Selected` to the
/// offer's note. Picking the same candidate twice records it once.
pub fn pick(s: &mut Session, req: PickRequest) -> Result<Picked, AppError> {
    // The plan names the track in the `## Selected` line; a plan that cannot be read
    // leaves the track's key there instead of failing the pick.
    let plan = s.plan().ok();
    let root = s.config().root.clone();
    let tz = s.config().timezone.clone();
    let (source, note_rel, candidates) = offered(s, &req.offer, plan.as_deref(), &root)?;
    let Some(c) = candidates.iter().find(|c| c.rank == req.n).cloned() else {
        if candidates.is_empty() {
            return Err(AppError::NothingOffered {
                source_name: source,
            });
        }
        let list: Vec<String> = candidates
            .iter()
            .map(|c| format!("{}. {}", c.rank, c.id))
            .collect();
        return Err(AppError::NoSuchCandidate {
            n: req.n,
            source_name: source,
            offered: list.join(", "),
        });
    };
    let claim_days = i64::from(s.config().claim_days);
    let store = s.store_for_write()?;
    let (row, new) = store.record_pick(&source, &c, &req.by)?;
    // A pick claims its task; an earlier claim by someone else holds unless it is stale.
    let stale = |cl: &ClaimRow| req.at - cl.claimed_at > chrono::Duration::days(claim_days);
    if let Some(old) = store.claims()?.into_iter().find(|cl| cl.task_id == c.id) {
        if old.claimed_by != req.by && stale(&old) {
            store.release(&c.id)?;
        }
    }
    let (claim, _) = store.claim(&c.id, &req.by, &source, req.at)?;
    let track_title = plan
        .as_deref()
        .and_then(|p| {
            p.tracks
                .iter()
                .position(|t| t.key == c.track)
                .map(|i| (p, i))
        })
        .map(|(p, i)| p.track_title(i))
        .unwrap_or_else(|| c.track.clone());
    let mut note_path = None;
    if let Some(rel) = note_rel {
        let abs = root.join(&rel);
        if new {
            let when = crate::config::local_format(req.at, tz.as_deref(), "%Y-%m-%d %H:%M %Z");
            let entry = note::selected_entry(&req.by, c.rank, &c.id, &c.title, &track_title, &when);
            note::append_selected(&abs, &entry)?;
        }
        note_path = Some(abs);
    }
    Ok(Picked {
        pick: row,
        candidate: c,
        track_title,
        new,
        note: note_path,
        claim,
    })
}

/// `unpick`: the task whose claim to release, who asks, and whether they may release
/// others' claims (`any`: a writer in chat; anyone on the command line).
#[derive(Debug, Clone)]
pub struct UnpickRequest {
    pub task: String,
    pub by: String,
    pub any: bool,
}

/// Release the claim on a task: the claimer may, and so may anyone allowed to release
/// others' claims.
pub fn unpick(s: &mut Session, req: &UnpickRequest) -> Result<ClaimRow, AppError> {
    let (task_id, by, any) = (req.task.as_str(), req.by.as_str(), req.any);
    // The id as the plan writes it (`t4.6.3` finds `T4.6.3`).
    let id = s
        .plan()
        .ok()
        .and_then(|p| {
            p.find_tasks(task_id)
                .first()
                .map(|&t| p.tasks[t].id.to_string())
        })
        .unwrap_or_else(|| task_id.to_string());
    let store = s.store_for_write()?;
    let Some(claim) = store.claims()?.into_iter().find(|c| c.task_id == id) else {
        return Err(AppError::NotClaimed { id });
    };
    if claim.claimed_by != by && !any {
        return Err(AppError::NotYourClaim {
            id,
            by: claim.claimed_by,
        });
    }
    store.release(&id)?;
    Ok(claim)
}

/// The offer's name (`note:PATH`, `message:ID`), its note and its candidates.
fn offered(
    s: &mut Session,
    offer: &Offer,
    plan: Option<&Plan>,
    root: &Path,
) -> Result<(String, Option<String>, Vec<StoredCandidate>), AppError> {
    match offer {
        Offer::Message(id) => {
            let id = id.to_string();
            let m = s
                .store_for_write()?
                .message(&id)?
                .ok_or_else(|| AppError::NotAShortlist { id: id.clone() })?;
            Ok((format!("message:{id}"), m.note_path, m.candidates))
        }
        Offer::Note(given) => {
            let rel =
                match given {
                    Some(p) => Some(note::relative_to_root(root, p).ok_or_else(|| {
                        AppError::NoteOutside {
                            given: p.clone(),
                            root: root.to_path_buf(),
                        }
                    })?),
                    None => None,
                };
            let row = s.store_for_write()?.note(rel.as_deref())?;
            match (row, rel) {
                (Some(r), _) => Ok((format!("note:{}", r.path), Some(r.path), r.candidates)),
                (None, Some(p)) => {
                    // A note this database has not seen (written elsewhere, committed):
                    // its selection prompt still numbers the candidates.
                    let abs = root.join(&p);
                    let text = std::fs::read_to_string(&abs)
                        .map_err(|source| NoteError::Read { path: abs, source })?;
                    let cands = note::candidates_in(&text)
                        .into_iter()
                        .map(|(rank, id)| candidate_of(plan, rank, id))
                        .collect();
                    Ok((format!("note:{p}"), Some(p), cands))
                }
                (None, None) => Err(AppError::NoNoteYet),
            }
        }
    }
}

/// A candidate named only by rank and id: its track and title from the plan.
fn candidate_of(plan: Option<&Plan>, rank: usize, id: String) -> StoredCandidate {
    let (track, title) = plan
        .and_then(|plan| {
            plan.find_tasks(&id).first().map(|&t| {
                let task = &plan.tasks[t];
                (plan.tracks[task.track].key.clone(), task.title.clone())
            })
        })
        .unwrap_or_default();
    StoredCandidate {
        rank,
        id,
        track,
        title,
    }
}
