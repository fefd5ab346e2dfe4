//! The operations both front ends call: the full triage (plan + repository + store +
//! earlier notes), writing a note, picking a candidate, deciding, asking. The CLI and the
//! bot differ only in how they present the results.

use crate::note::{self, NoteError};
use crate::plan::PlanText;
use crate::render::{self, View};
use crate::repo::merge::{self, Prediction};
use crate::repo::RepoReport;
use crate::store::{DecisionRow, PickRow, QuestionRow, Store, StoreError, StoredCandidate};
use crate::triage::conflicts::{self, Conflict, Occupied};
use crate::triage::inflight::{self, WorktreeInput, WorktreeTasks};
use crate::triage::questions::{self, OpenQuestion};
use crate::triage::shortlist::{self, Exclusions, Shortlist};
use crate::triage::{self, DocGlobs, Remaining};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("{0}")]
    Invalid(String),
}

/// How a triage reads the repository.
#[derive(Debug, Clone, Copy)]
pub struct TriageOptions {
    /// Save refreshed stat data into the git indexes (as `git status` does).
    pub refresh_index: bool,
    /// Predict merge conflicts between worktrees in flight.
    pub predict_merges: bool,
}

impl Default for TriageOptions {
    fn default() -> Self {
        TriageOptions {
            refresh_index: true,
            predict_merges: true,
        }
    }
}

/// Everything a triage shows.
pub struct Triage {
    pub remaining: Remaining,
    pub report: RepoReport,
    /// Each worktree in flight and the tasks it is doing.
    pub in_flight: Vec<WorktreeTasks>,
    /// Predicted merge conflicts (also in `conflicts`, kind `merge`).
    pub prediction: Prediction,
    pub conflicts: Vec<Conflict>,
    pub shortlist: Shortlist,
    /// Questions no decision answers yet, from the plan, notes and the store.
    pub questions: Vec<OpenQuestion>,
    /// Every question known, decided or not.
    pub all_questions: Vec<OpenQuestion>,
    pub decisions: Vec<DecisionRow>,
    /// Markdown files holding open tasks when the chosen plan holds none.
    pub open_elsewhere: Vec<(String, usize)>,
    /// What could not be read but did not stop the triage (the database, say).
    pub warnings: Vec<String>,
}

impl Triage {
    pub fn view<'a>(&'a self, ws: &'a Workspace, track_filter: Option<usize>) -> View<'a> {
        View {
            plan: &ws.plan,
            remaining: &self.remaining,
            track_filter,
            open_elsewhere: &self.open_elsewhere,
            repo: Some(&self.report),
            conflicts: &self.conflicts,
            shortlist: Some(&self.shortlist),
            questions: Some(&self.questions),
            decisions: &self.decisions,
            explain: false,
            in_flight: &self.in_flight,
        }
    }

    /// The shortlist as stored with a note or message, so that a pick maps back.
    pub fn stored_candidates(&self, ws: &Workspace) -> Vec<StoredCandidate> {
        let plan = &ws.plan;
        self.shortlist
            .candidates
            .iter()
            .map(|c| StoredCandidate {
                rank: c.rank,
                id: plan.tasks[c.task].id.0.clone(),
                track: plan.tracks[c.track].key.clone(),
                title: plan.tasks[c.task].title.clone(),
            })
            .collect()
    }
}

/// The database this workspace uses: `--database`, else the config's `database`
/// (relative to the repository root), else the platform data directory.
pub fn database_path(ws_root: &Path, configured: Option<&Path>) -> Result<PathBuf, StoreError> {
    match configured {
        Some(p) if p.is_absolute() => Ok(p.to_path_buf()),
        Some(p) => Ok(ws_root.join(p)),
        None => crate::store::default_path(ws_root),
    }
}

/// Open the store for reading: a database that does not exist yet is simply empty.
pub fn open_for_read(path: &Path) -> Result<Option<Store>, StoreError> {
    if !path.exists() {
        return Ok(None);
    }
    Store::open(path).map(Some)
}

/// The whole triage. The store is optional: without one, questions and decisions come
/// from the plan and the notes only.
pub fn triage(ws: &Workspace, store: Option<&Store>, opts: TriageOptions) -> Triage {
    let plan = &ws.plan;
    let docs = DocGlobs::new(&ws.config.doc_globs);
    let remaining = triage::remaining(plan, &docs);
    let open_elsewhere = if remaining.open == 0 {
        let chosen: Vec<String> = plan.files.iter().map(|f| f.path.clone()).collect();
        crate::sources::open_elsewhere(&ws.config, &ws.files, &chosen)
    } else {
        Vec::new()
    };
    let report = ws.repo_report(opts.refresh_index);
    let in_flight = report
        .state
        .as_ref()
        .map(|s| worktree_tasks(plan, s))
        .unwrap_or_default();
    let prediction = match (&report.state, opts.predict_merges) {
        (Some(state), true) => merge::predict(&ws.config.root, state),
        _ => Prediction::default(),
    };
    let occupied = occupied(plan, &report, &in_flight);
    let mut conflicts = conflicts::conflicts(plan, &remaining, &occupied);
    conflicts.extend(conflicts::merge_conflicts(&prediction.conflicts));
    let mut ex = Exclusions {
        parked: triage::parked(plan, &ws.config.parking_sections),
        ..Exclusions::default()
    };
    for w in &in_flight {
        for (t, _) in &w.tasks {
            ex.in_flight
                .entry(*t)
                .or_insert_with(|| (w.name.clone(), w.branch.clone()));
        }
    }
    let shortlist = shortlist::shortlist(plan, &remaining, &occupied, &ws.config.shortlist, &ex);
    let mut warnings = Vec::new();
    let q = questions_known(ws, store).unwrap_or_else(|e| {
        warnings.push(format!("questions and decisions left out: {e}"));
        questions_known(ws, None).unwrap_or_default()
    });
    let (questions, all_questions, decisions) = (q.open, q.every, q.decisions);
    Triage {
        remaining,
        report,
        in_flight,
        prediction,
        conflicts,
        shortlist,
        questions,
        all_questions,
        decisions,
        open_elsewhere,
        warnings,
    }
}

/// Which tasks each worktree in flight is doing: ids in its branch name and commit
/// subjects, and its own copy of the plan files (read from its working tree).
pub fn worktree_tasks(
    plan: &crate::plan::Plan,
    state: &crate::repo::RepoState,
) -> Vec<WorktreeTasks> {
    let flying: Vec<&crate::repo::Worktree> = state.in_flight().collect();
    let plans: Vec<Option<crate::plan::Plan>> = flying
        .iter()
        .map(|w| {
            let texts: Vec<PlanText> = plan
                .files
                .iter()
                .filter_map(|f| {
                    let text = std::fs::read(Path::new(&w.path).join(&f.path)).ok()?;
                    Some(PlanText {
                        path: f.path.clone(),
                        text: String::from_utf8_lossy(&text).into_owned(),
                    })
                })
                .collect();
            (!texts.is_empty()).then(|| crate::plan::parse(&texts, None))
        })
        .collect();
    let inputs: Vec<WorktreeInput> = flying
        .iter()
        .zip(&plans)
        .map(|(w, p)| WorktreeInput {
            name: &w.name,
            path: &w.path,
            branch: w.head.branch.as_deref().unwrap_or(""),
            commits: w
                .commits
                .iter()
                .map(|c| (c.id.as_str(), c.subject.as_str()))
                .collect(),
            plan: p.as_ref(),
        })
        .collect();
    let mut out = inflight::map(plan, &inputs);
    for (o, w) in out.iter_mut().zip(&flying) {
        o.branch = w.head.describe();
    }
    out
}

/// Every question known (plan, notes, store), the open ones, and the decisions.
#[derive(Debug, Clone, Default)]
pub struct Questions {
    pub open: Vec<OpenQuestion>,
    pub every: Vec<OpenQuestion>,
    pub decisions: Vec<DecisionRow>,
}

/// The questions of the plan, of earlier notes and of the store; decided ones (by a
/// decision in the store or in a later note) are not open.
pub fn questions_known(ws: &Workspace, store: Option<&Store>) -> Result<Questions, StoreError> {
    let (chat, decisions) = match store {
        Some(s) => (s.questions()?, s.decisions()?),
        None => (Vec::new(), Vec::new()),
    };
    let notes = note::read_notes(&ws.config.root, &ws.config.notes_dir);
    let decided = questions::decided_ids(&decisions, &notes.decided);
    let every = questions::all_questions(&ws.plan, &notes.questions, &chat);
    let open = every
        .iter()
        .filter(|q| !decided.contains(&q.id))
        .cloned()
        .collect();
    Ok(Questions {
        open,
        every,
        decisions,
    })
}

/// Worktrees in flight as the conflicts see them: their changed files plus the touch
/// points of the tasks they are doing.
pub fn occupied(
    plan: &crate::plan::Plan,
    report: &RepoReport,
    in_flight: &[WorktreeTasks],
) -> Vec<Occupied> {
    report
        .state
        .iter()
        .flat_map(|s| s.in_flight())
        .map(|w| {
            let mut files = w.changed_files.clone();
            let mut tasks = Vec::new();
            if let Some(m) = in_flight.iter().find(|m| m.path == w.path) {
                for (t, _) in &m.tasks {
                    tasks.push(*t);
                    triage::unit_touch_points(plan, *t, &mut files);
                }
            }
            files.sort();
            files.dedup();
            Occupied {
                name: w.name.clone(),
                path: w.path.clone(),
                branch: w.head.describe(),
                files,
                tasks,
            }
        })
        .collect()
}

/// Who is acting, when no name is given: git's `user.name`, else `$USER`.
pub fn default_actor(root: &Path) -> String {
    git2::Repository::open(root)
        .ok()
        .and_then(|r| r.config().ok())
        .and_then(|c| c.get_string("user.name").ok())
        .filter(|s| !s.trim().is_empty())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// Write a conversation note for this triage and record it (with its candidates) in the
/// store. The note is written first: if the store then fails, the note stays and the
/// error says so.
pub fn write_note(
    ws: &Workspace,
    t: &Triage,
    store: &mut Store,
    topic: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<PathBuf, OpError> {
    let tz = ws.config.timezone.as_deref();
    let stamp = note::stamp(at, tz);
    let dir = ws.config.root.join(&ws.config.notes_dir);
    let text = render::note::note(&render::note::NoteView {
        view: t.view(ws, None),
        topic,
        by,
        at,
        tz,
        root: &ws.config.root,
        notes_dir: &ws.config.notes_dir,
    });
    let path = note::write_new(&dir, &stamp, topic, &text)?;
    let rel = path
        .strip_prefix(&ws.config.root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/");
    store
        .record_note(&rel, topic, &t.stored_candidates(ws))
        .map_err(|e| {
            OpError::Invalid(format!(
                "note written to {} but not recorded: {e}",
                path.display()
            ))
        })?;
    Ok(path)
}

/// What a pick did.
#[derive(Debug, Clone)]
pub struct PickOutcome {
    pub pick: PickRow,
    pub candidate: StoredCandidate,
    /// False when the same person had already picked it: nothing changed.
    pub new: bool,
    /// The note that got the `## Selected` entry.
    pub note: Option<PathBuf>,
}

/// Where a pick's candidates come from.
pub enum Offer<'a> {
    /// A note (path relative to the repository root); `None`: the latest note recorded.
    Note(Option<&'a str>),
    /// A posted message (the bot).
    Message(&'a str),
}

/// Record that `by` picks candidate `n` of an offer, and append `## Selected` to the
/// offer's note. Picking the same candidate twice records it once.
pub fn pick(
    ws: &Workspace,
    store: &mut Store,
    offer: Offer,
    n: usize,
    by: &str,
    at: DateTime<Utc>,
) -> Result<PickOutcome, OpError> {
    pick_in(
        &ws.config.root,
        ws.config.timezone.as_deref(),
        Some(&ws.plan),
        store,
        offer,
        n,
        by,
        at,
    )
}

/// [`pick`] without a parsed workspace (the bot, on a reaction): the plan, when given,
/// names tracks in the `## Selected` entry and reads candidates of unrecorded notes.
#[allow(clippy::too_many_arguments)]
pub fn pick_in(
    root: &Path,
    tz: Option<&str>,
    plan: Option<&crate::plan::Plan>,
    store: &mut Store,
    offer: Offer,
    n: usize,
    by: &str,
    at: DateTime<Utc>,
) -> Result<PickOutcome, OpError> {
    let empty = crate::plan::Plan::default();
    let plan = plan.unwrap_or(&empty);
    let (source, note_rel, candidates) = match offer {
        Offer::Message(id) => {
            let m = store.message(id)?.ok_or_else(|| {
                OpError::Invalid(format!("message {id} is not a shortlist this bot posted"))
            })?;
            (format!("message:{id}"), m.note_path, m.candidates)
        }
        Offer::Note(path) => {
            let row = store.note(path)?;
            match (row, path) {
                (Some(r), _) => (format!("note:{}", r.path), Some(r.path), r.candidates),
                (None, Some(p)) => {
                    // A note this database has not seen (written elsewhere, committed):
                    // its selection prompt still numbers the candidates.
                    let abs = root.join(p);
                    let text = std::fs::read_to_string(&abs).map_err(|source| {
                        NoteError::Read {
                            path: abs.clone(),
                            source,
                        }
                    })?;
                    let cands = note::candidates_in(&text)
                        .into_iter()
                        .map(|(rank, id)| {
                            let (track, title) = plan
                                .find_tasks(&id)
                                .first()
                                .map(|&t| {
                                    let task = &plan.tasks[t];
                                    (plan.tracks[task.track].key.clone(), task.title.clone())
                                })
                                .unwrap_or_default();
                            StoredCandidate {
                                rank,
                                id,
                                track,
                                title,
                            }
                        })
                        .collect();
                    (format!("note:{p}"), Some(p.to_string()), cands)
                }
                (None, None) => {
                    return Err(OpError::Invalid(
                        "no triage note recorded yet: run `shortlist note` first, or name one with --note PATH".into(),
                    ))
                }
            }
        }
    };
    let Some(c) = candidates.iter().find(|c| c.rank == n).cloned() else {
        let list: Vec<String> = candidates
            .iter()
            .map(|c| format!("{}. {}", c.rank, c.id))
            .collect();
        return Err(OpError::Invalid(if list.is_empty() {
            format!("{source} offers no candidates to pick")
        } else {
            format!(
                "no candidate {n} in {source}; it offers {}",
                list.join(", ")
            )
        }));
    };
    let (row, new) = store.record_pick(&source, &c, by)?;
    let mut note_path = None;
    if let Some(rel) = note_rel {
        let abs = root.join(&rel);
        if new {
            let when = note::local_format(at, tz, "%Y-%m-%d %H:%M %Z");
            let track = plan
                .tracks
                .iter()
                .position(|t| t.key == c.track)
                .map(|i| render::md::track_title(plan, i))
                .unwrap_or_else(|| c.track.clone());
            let entry = format!(
                "{by} picked candidate {}: `{}` {} ({track}) on {when}",
                c.rank, c.id, c.title
            );
            note::append_selected(&abs, &entry)?;
        }
        note_path = Some(abs);
    }
    Ok(PickOutcome {
        pick: row,
        candidate: c,
        new,
        note: note_path,
    })
}

/// Add a question; its id never collides with one the plan or notes already use.
pub fn add_question(
    ws: &Workspace,
    store: &mut Store,
    text: &str,
    by: &str,
) -> Result<(QuestionRow, bool), OpError> {
    let notes = note::read_notes(&ws.config.root, &ws.config.notes_dir);
    let mut taken: HashSet<String> = ws.plan.questions.iter().map(|q| q.id.clone()).collect();
    taken.extend(notes.questions.iter().map(|q| q.id.clone()));
    Ok(store.add_question(text, by, &taken)?)
}

/// Record a decision on a known question.
pub fn decide(
    ws: &Workspace,
    store: &mut Store,
    qid: &str,
    text: &str,
    by: &str,
    via: &str,
) -> Result<(DecisionRow, OpenQuestion), OpError> {
    let chat = store.questions()?;
    let notes = note::read_notes(&ws.config.root, &ws.config.notes_dir);
    let all = questions::all_questions(&ws.plan, &notes.questions, &chat);
    let Some(q) = questions::find(&all, qid).cloned() else {
        let known: Vec<String> = all.iter().take(10).map(|q| q.id.clone()).collect();
        return Err(OpError::Invalid(if known.is_empty() {
            format!("no question `{qid}`: none are open (`shortlist question add TEXT` asks one)")
        } else {
            format!(
                "no question `{qid}`; known: {} (`shortlist questions` lists them)",
                known.join(", ")
            )
        }));
    };
    let row = store.decide(Some(&q.id), text, by, via)?;
    Ok((row, q))
}

/// What `shortlist worktrees` adds to the scan: each worktree's tasks, the remaining
/// work that touches what a worktree works on, and the predicted merge conflicts.
pub struct Flight {
    pub in_flight: Vec<WorktreeTasks>,
    pub prediction: Prediction,
    /// `worktree` and `merge` conflicts.
    pub conflicts: Vec<Conflict>,
}

pub fn flight(
    config: &crate::config::Config,
    plan: Option<&crate::plan::Plan>,
    state: &crate::repo::RepoState,
    predict_merges: bool,
) -> Flight {
    let in_flight = plan.map(|p| worktree_tasks(p, state)).unwrap_or_default();
    let prediction = if predict_merges {
        merge::predict(&config.root, state)
    } else {
        Prediction::default()
    };
    let mut conflicts = Vec::new();
    if let Some(plan) = plan {
        let report = RepoReport {
            state: Some(state.clone()),
            ..RepoReport::default()
        };
        let remaining = triage::remaining(plan, &DocGlobs::new(&config.doc_globs));
        let occupied = occupied(plan, &report, &in_flight);
        conflicts = conflicts::conflicts(plan, &remaining, &occupied)
            .into_iter()
            .filter(|c| c.kind == conflicts::ConflictKind::Worktree)
            .collect();
    }
    conflicts.extend(conflicts::merge_conflicts(&prediction.conflicts));
    Flight {
        in_flight,
        prediction,
        conflicts,
    }
}

/// The digest since `since` (a date, time or revision; default: the last digest posted,
/// else a day ago): its changes and markdown. The worktrees as seen now are remembered in
/// the database for the next digest's "appeared / merged / went away".
pub fn digest(
    ws: &Workspace,
    db: &Path,
    since: Option<&str>,
    opts: TriageOptions,
) -> Result<(crate::digest::Changes, String), String> {
    let repo = git2::Repository::open(&ws.config.root)
        .map_err(|e| format!("the digest needs a git repository: {}", e.message()))?;
    let tz = ws.config.timezone.as_deref();
    let store = open_for_read(db).map_err(|e| e.to_string())?;
    let now = Utc::now();
    let since = match since {
        Some(s) => crate::digest::parse_since(s, tz, Some(&repo))?,
        None => store
            .as_ref()
            .and_then(|s| s.last_digest_at().ok().flatten())
            .unwrap_or(now - chrono::Duration::days(1)),
    };
    let t = triage(ws, store.as_ref(), opts);
    let before: Option<Vec<crate::digest::WorktreeMark>> = store
        .as_ref()
        .and_then(|s| s.marks_before(since).ok().flatten())
        .and_then(|j| serde_json::from_str(&j).ok());
    let changes = crate::digest::changes(
        &repo,
        &ws.plan,
        since,
        now,
        store.as_ref(),
        t.report.state.as_ref(),
        before.as_deref(),
    )?;
    if let (Some(state), Ok(mut s)) = (&t.report.state, Store::open(db)) {
        let marks = serde_json::to_string(&crate::digest::marks(state)).unwrap_or_default();
        let _ = s.save_marks(now, &marks);
    }
    let text = render::md::digest(&changes, &t.view(ws, None), tz);
    Ok((changes, text))
}

/// The progress chart of the plan's whole history (or since `since`), as PNG bytes, and
/// the number of points drawn.
pub fn progress_png(
    ws: &Workspace,
    since: Option<DateTime<Utc>>,
) -> Result<(Vec<u8>, usize), String> {
    let repo = git2::Repository::open(&ws.config.root)
        .map_err(|e| format!("the progress chart needs a git repository: {}", e.message()))?;
    let series = crate::digest::progress_series(&repo, &ws.plan, since, Utc::now())?;
    let png = crate::digest::chart::render("Progress by track: done and remaining tasks", &series)?;
    Ok((png, series.len()))
}
