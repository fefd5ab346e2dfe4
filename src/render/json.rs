//! Versioned JSON documents (`shortlist.triage/1`, `shortlist.task/1`, `shortlist.track/1`,
//! `shortlist.check/1`); docs/json-schema.md describes them. Keys are only ever added.

use super::View;
use crate::plan::{PathRef, Plan, Severity, Task};
use crate::triage::conflicts::ConflictKind;
use crate::triage::questions::{OpenQuestion, Origin};
use crate::triage::shortlist::Shortlist;
use crate::triage::{self, CheckpointState, Flight, TaskFacts, TrackFacts, Unit};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

pub const TRIAGE_SCHEMA: &str = "shortlist.triage/1";

#[derive(Serialize)]
struct TaskJson {
    id: String,
    title: String,
    status: &'static str,
    priority: Option<String>,
    parent: Option<String>,
    parent_title: Option<String>,
    track: String,
    depends_on: Vec<String>,
    blocked_by: Vec<String>,
    touch_points: Vec<String>,
    as_built: Vec<String>,
    references: Vec<String>,
    mentions: Vec<String>,
    dod: Vec<String>,
    notes: Vec<String>,
    checkpoint: Option<String>,
    derived_id: bool,
    file: String,
    line: u32,
    /// Marked parallel-safe (`[P]`, `(P)`).
    parallel: bool,
    /// Marked optional (`[ ]*`).
    optional: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    story: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    requirements: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assignee: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels: Vec<String>,
    /// Its paths changed after its line was committed (the triage's stale marks).
    #[serde(skip_serializing_if = "Option::is_none")]
    code_may_exist: Option<Vec<crate::repo::staleness::StalePath>>,
    subtasks: Vec<TaskJson>,
}

/// What a task's JSON shows besides the plan: what holds back each task, and, in a
/// triage, the repository's stale marks.
struct Held<'a> {
    blocked: &'a HashMap<usize, Vec<usize>>,
    stale: Option<&'a crate::repo::RepoReport>,
}

fn paths(p: &[PathRef]) -> Vec<String> {
    p.iter()
        .map(|p| match &p.range {
            Some(r) => format!("{}:{r}", p.path),
            None => p.path.clone(),
        })
        .collect()
}

/// Subtasks nest this deep in the JSON; deeper ones are listed, in plan order, among
/// the subtasks at this depth (each names its `parent`). Readers of the JSON, and its
/// writer, then never recurse as deep as a hostile plan nests.
const MAX_JSON_DEPTH: usize = 32;

/// A task and its subtasks; `blocked` holds what holds back each of them.
fn task_json(plan: &Plan, t: usize, held: &Held) -> TaskJson {
    let own = Inherited {
        priority: plan.effective_priority(t),
        checkpoint: triage::checkpoint_of(plan, t),
    };
    task_json_at(plan, t, held, 0, own)
}

/// What a task passes down to its subtasks: its priority (its own, else its
/// parent's, else its track's) and its checkpoint (likewise). Handing them down
/// spares every subtask a walk to the root, which on a deeply nested plan is
/// quadratic.
#[derive(Clone)]
struct Inherited {
    priority: Option<crate::plan::Priority>,
    checkpoint: Option<String>,
}

impl Inherited {
    fn below(&self, plan: &Plan, c: usize) -> Inherited {
        let task = &plan.tasks[c];
        Inherited {
            priority: task.priority.or(self.priority),
            checkpoint: match task.checkpoint {
                Some(k) => plan.checkpoints.get(k).map(|cp| cp.id.clone()),
                None => self.checkpoint.clone(),
            },
        }
    }
}

/// `own` is the task's own [`Inherited`].
fn task_json_at(plan: &Plan, t: usize, held: &Held, depth: usize, own: Inherited) -> TaskJson {
    let task: &Task = &plan.tasks[t];
    let ids = |v: &[usize]| v.iter().map(|&d| plan.tasks[d].id.to_string()).collect();
    let blocked_by = ids(held.blocked.get(&t).map_or(&[][..], Vec::as_slice));
    let subtasks = match depth + 1 {
        d if d < MAX_JSON_DEPTH => task
            .subtasks
            .iter()
            .map(|&c| task_json_at(plan, c, held, d, own.below(plan, c)))
            .collect(),
        // The last level lists everything below it; those carry no subtasks.
        d if d == MAX_JSON_DEPTH => descendants(plan, t, &own)
            .into_iter()
            .map(|(c, inherited)| task_json_at(plan, c, held, d, inherited))
            .collect(),
        _ => Vec::new(),
    };
    TaskJson {
        id: task.id.to_string(),
        title: task.title.clone(),
        status: task.status.as_str(),
        priority: own.priority.map(|p| p.to_string()),
        parent: task.parent.map(|p| plan.tasks[p].id.to_string()),
        parent_title: task.parent.map(|p| plan.tasks[p].title.clone()),
        track: plan.tracks[task.track].key.clone(),
        depends_on: ids(&task.deps),
        blocked_by,
        touch_points: paths(&task.touch_points),
        as_built: paths(&task.as_built),
        references: paths(&task.references),
        mentions: task.mentions.clone(),
        dod: task.dod.to_vec(),
        notes: task.notes.clone(),
        checkpoint: own.checkpoint,
        derived_id: task.derived_id,
        file: plan.file_of(task.span).to_string(),
        line: task.span.line,
        parallel: task.parallel,
        optional: task.optional,
        story: task.extra.as_ref().and_then(|e| e.story.clone()),
        requirements: task
            .extra
            .as_ref()
            .map_or_else(Vec::new, |e| e.requirements.clone()),
        tag: task.extra.as_ref().and_then(|e| e.tag.clone()),
        assignee: task
            .extra
            .as_ref()
            .map_or_else(Vec::new, |e| e.assignee.clone()),
        labels: task
            .extra
            .as_ref()
            .map_or_else(Vec::new, |e| e.labels.clone()),
        code_may_exist: held
            .stale
            .and_then(|r| r.stale_for(t))
            .map(|st| st.paths.clone()),
        subtasks,
    }
}

/// Every task below `t` with what it inherits, in plan order (pre-order), walked with
/// a stack of its own.
fn descendants(plan: &Plan, t: usize, own: &Inherited) -> Vec<(usize, Inherited)> {
    let mut out = Vec::new();
    let mut todo: Vec<(usize, Inherited)> = plan.tasks[t]
        .subtasks
        .iter()
        .rev()
        .map(|&c| (c, own.below(plan, c)))
        .collect();
    while let Some((c, inherited)) = todo.pop() {
        todo.extend(
            plan.tasks[c]
                .subtasks
                .iter()
                .rev()
                .map(|&g| (g, inherited.below(plan, g))),
        );
        out.push((c, inherited));
    }
    out
}

fn unit_json(plan: &Plan, u: &Unit, held: &Held) -> TaskJson {
    task_json(plan, u.task, held)
}

fn track_head(plan: &Plan, ti: usize, doc_only: bool) -> serde_json::Map<String, Value> {
    let tr = &plan.tracks[ti];
    let v = json!({
        "key": tr.key,
        "letter": tr.letter,
        "id": tr.id,
        "name": tr.name,
        "priority": tr.priority.map(|p| p.to_string()),
        "kind": tr.kind,
        "remark": tr.remark,
        "file": plan.file_of(tr.span),
        "line": tr.span.line,
        "doc_only": doc_only,
    });
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

fn diagnostics(plan: &Plan) -> Value {
    Value::Array(
        plan.diagnostics
            .iter()
            .map(|d| {
                json!({
                    "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                    "file": d.file,
                    "line": d.line,
                    "message": d.message,
                })
            })
            .collect(),
    )
}

fn checkpoints(plan: &Plan, states: &[CheckpointState]) -> Value {
    Value::Array(
        plan.checkpoints
            .iter()
            .zip(states)
            .map(|(c, st)| {
                let open: Vec<&str> = st.open.iter().map(|&t| plan.tasks[t].id.as_str()).collect();
                json!({
                    "id": c.id,
                    "label": c.label,
                    "tasks": c.task_ids,
                    "open": open,
                    "done": open.is_empty(),
                    "file": plan.file_of(c.span),
                    "line": c.span.line,
                })
            })
            .collect(),
    )
}

fn questions(plan: &Plan) -> Value {
    Value::Array(
        plan.questions
            .iter()
            .map(|q| {
                json!({
                    "id": q.id,
                    "text": q.text,
                    "source": q.source,
                    "task": q.task.map(|t| plan.tasks[t].id.to_string()),
                    "file": plan.file_of(q.span),
                    "line": q.span.line,
                })
            })
            .collect(),
    )
}

fn criteria(plan: &Plan) -> Value {
    Value::Array(
        plan.criteria
            .iter()
            .map(|c| {
                json!({
                    "section": c.section,
                    "text": c.text,
                    "status": c.status,
                    "file": plan.file_of(c.span),
                    "line": c.span.line,
                })
            })
            .collect(),
    )
}

/// `shortlist.triage/1`.
pub fn triage(v: &View) -> Value {
    let plan = v.plan;
    let held = Held {
        blocked: &v.remaining.blocked,
        stale: v.repo,
    };
    let tracks: Vec<Value> = v
        .remaining
        .tracks
        .iter()
        .filter(|w| v.track_filter.is_none_or(|f| f == w.track))
        .map(|w| {
            let mut m = track_head(plan, w.track, w.doc_only);
            m.insert("open".into(), json!(w.open));
            m.insert("in_progress".into(), started(plan, w));
            m.insert(
                "remaining".into(),
                serde_json::to_value(
                    w.units
                        .iter()
                        .map(|u| unit_json(plan, u, &held))
                        .collect::<Vec<_>>(),
                )
                .unwrap_or(Value::Null),
            );
            Value::Object(m)
        })
        .collect();
    let mut doc = json!({
        "schema": TRIAGE_SCHEMA,
        "plan_files": plan.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
        "files": files(plan),
        "plan_meta": plan.files.iter().map(|f| json!({"file": f.path, "format": f.format, "meta": f.meta.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "open": v.remaining.open,
        "tracks": tracks,
        "checkpoints": checkpoints(plan, &v.remaining.checkpoints),
        "open_questions": match v.questions {
            Some(qs) => merged_questions(qs, v.stale_questions),
            None => questions(plan),
        },
        "criteria": criteria(plan),
        "declared_conflicts": plan.declared_conflicts.iter().map(|c| json!({"tracks": c.tracks, "text": c.text, "paths": c.paths, "file": plan.file_of(c.span), "line": c.span.line})).collect::<Vec<_>>(),
        "conflicts": conflicts_of(v),
        "open_elsewhere": v.open_elsewhere.iter().map(|(p, n)| json!({"file": p, "open": n})).collect::<Vec<_>>(),
        "diagnostics": diagnostics(plan),
    });
    if let Value::Object(m) = &mut doc {
        if let Some(sl) = v.shortlist {
            m.insert("shortlist".into(), shortlist(plan, sl));
            m.insert("not_shortlisted".into(), passed(plan, sl));
        }
        m.insert(
            "decisions".into(),
            serde_json::to_value(v.decisions).unwrap_or(Value::Null),
        );
        m.insert(
            "claims".into(),
            serde_json::to_value(v.claims).unwrap_or(Value::Null),
        );
    }
    if let (Some(r), Value::Object(m)) = (v.repo, &mut doc) {
        m.insert("repo".into(), super::repo::triage_repo_json(r));
        let worktrees = r
            .state
            .as_ref()
            .map(|s| serde_json::to_value(&s.worktrees).unwrap_or(Value::Null));
        m.insert(
            "worktrees".into(),
            worktrees.unwrap_or(Value::Array(Vec::new())),
        );
    }
    doc
}

fn shortlist(plan: &Plan, sl: &Shortlist) -> Value {
    Value::Array(
        sl.candidates
            .iter()
            .map(|c| {
                let t = &plan.tasks[c.task];
                json!({
                    "rank": c.rank,
                    "id": t.id,
                    "title": t.title,
                    "track": plan.tracks[c.track].key,
                    "priority": plan.effective_priority(c.task),
                    "recommended": c.recommended,
                    "reasons": c.reasons,
                    "cautions": c.cautions,
                    "file": plan.file_of(t.span),
                    "line": t.span.line,
                })
            })
            .collect(),
    )
}

fn passed(plan: &Plan, sl: &Shortlist) -> Value {
    Value::Array(
        sl.passed
            .iter()
            .map(|p| {
                let t = &plan.tasks[p.task];
                json!({
                    "id": t.id,
                    "title": t.title,
                    "track": plan.tracks[p.track].key,
                    "why": p.why,
                    "file": plan.file_of(t.span),
                    "line": t.span.line,
                })
            })
            .collect(),
    )
}

/// Open questions from every source (the stale ones last, marked); the first origin
/// fills the flat keys.
fn merged_questions(qs: &[OpenQuestion], stale: &[OpenQuestion]) -> Value {
    Value::Array(
        qs.iter()
            .map(|q| (q, false))
            .chain(stale.iter().map(|q| (q, true)))
            .map(|(q, stale)| {
                let (source, task, file, line) = match q.origins.first() {
                    Some(Origin::Plan {
                        file,
                        line,
                        task,
                        tbd,
                    }) => (
                        if *tbd { "tbd" } else { "section" },
                        task.clone(),
                        Some(file.clone()),
                        Some(*line),
                    ),
                    Some(Origin::Note { file, line }) => {
                        ("note", None, Some(file.clone()), Some(*line))
                    }
                    _ => ("chat", None, None, None),
                };
                json!({
                    "id": q.id,
                    "text": q.text,
                    "source": source,
                    "task": task,
                    "file": file,
                    "line": line,
                    "origins": q.origins,
                    "asked_at": q.asked_at,
                    "age_days": q.age_days,
                    "stale": stale,
                })
            })
            .collect(),
    )
}

/// The `conflicts` array of a triage (also in `shortlist.check/1`).
pub fn conflicts_of(v: &View) -> Value {
    let plan = v.plan;
    let ids = |ts: &[usize]| {
        ts.iter()
            .map(|&t| plan.tasks[t].id.to_string())
            .collect::<Vec<_>>()
    };
    let track = |t: Option<usize>| t.map(|t| plan.tracks[t].key.clone());
    Value::Array(
        v.conflicts
            .iter()
            .map(|c| {
                let right = match &c.worktree {
                    Some((name, branch)) => json!({"worktree": name, "branch": branch}),
                    None => json!({"track": track(c.right_track), "tasks": ids(&c.right_tasks)}),
                };
                // `a` and `b`: track keys (between tracks), task ids (inside a track),
                // a track key and a worktree path, or the tracks a declaration names.
                let (a, b) = match c.kind {
                    ConflictKind::Tracks => {
                        (json!(track(c.left_track)), json!(track(c.right_track)))
                    }
                    ConflictKind::InTrack => (
                        json!(ids(&c.left_tasks).join(", ")),
                        json!(ids(&c.right_tasks).join(", ")),
                    ),
                    ConflictKind::Worktree => (json!(track(c.left_track)), json!(c.worktree_path)),
                    ConflictKind::Merge => {
                        let (a, b) = c.merge.clone().unwrap_or_default();
                        (json!(a.path), json!(b.path))
                    }
                    ConflictKind::Declared => (
                        json!(c.declared_tracks.first()),
                        json!(c.declared_tracks.get(1)),
                    ),
                };
                let mut paths: Vec<&str> = Vec::new();
                for p in &c.paths {
                    for x in [p.left.as_str(), p.right.as_str()] {
                        if !paths.contains(&x) {
                            paths.push(x);
                        }
                    }
                }
                json!({
                    "kind": c.kind,
                    "a": a,
                    "b": b,
                    "paths": paths,
                    "overlaps": c.paths,
                    "left": {"track": track(c.left_track), "tasks": ids(&c.left_tasks)},
                    "right": right,
                    "text": c.text,
                    "tracks": c.declared_tracks,
                    "file": c.span.map(|s| plan.file_of(s).to_string()),
                    "line": c.span.map(|s| s.line),
                })
            })
            .collect(),
    )
}

/// The track's started parents, each with its open subtasks nested (ids), so that the
/// answer shows that the work is under way.
fn started(plan: &Plan, w: &triage::TrackWork) -> Value {
    Value::Array(
        w.started
            .iter()
            .map(|&p| {
                let t = &plan.tasks[p];
                let open: Vec<&str> = t
                    .subtasks
                    .iter()
                    .filter(|&&c| !plan.is_finished(c))
                    .map(|&c| plan.tasks[c].id.as_str())
                    .collect();
                json!({
                    "id": t.id,
                    "title": t.title,
                    "status": if t.status == crate::plan::Status::Pending { "in_progress" } else { t.status.as_str() },
                    "open_subtasks": open,
                    "file": plan.file_of(t.span),
                    "line": t.span.line,
                })
            })
            .collect(),
    )
}

/// `shortlist.task/1`: one task with everything known about it.
pub fn task(f: &TaskFacts) -> Value {
    let (plan, t) = (&*f.plan, f.task);
    let mut v = serde_json::to_value(task_json(
        plan,
        t,
        &Held {
            blocked: &f.blocked,
            stale: None,
        },
    ))
    .unwrap_or(Value::Null);
    let dependents: Vec<String> = f
        .dependents
        .iter()
        .map(|&o| plan.tasks[o].id.to_string())
        .collect();
    let units: Vec<String> = f
        .units
        .iter()
        .copied()
        .map(|u| plan.tasks[u].id.to_string())
        .collect();
    let questions: Vec<Value> = f
        .questions
        .iter()
        .map(|&q| &plan.questions[q])
        .map(|q| json!({"id": q.id, "text": q.text, "line": q.span.line}))
        .collect();
    if let Value::Object(m) = &mut v {
        m.insert("schema".into(), json!("shortlist.task/1"));
        m.insert("finished".into(), json!(plan.is_finished(t)));
        m.insert("dependents".into(), json!(dependents));
        m.insert("actionable".into(), json!(units));
        m.insert("open_questions".into(), Value::Array(questions));
        m.insert("background".into(), json!(plan.tasks[t].background));
    }
    v
}

/// `shortlist.track/1`: one track, every task (done ones too) and its remaining units.
pub fn track(f: &TrackFacts) -> Value {
    let (plan, ti, work) = (&*f.plan, f.track, f.work.as_ref());
    let mut m = track_head(plan, ti, work.is_some_and(|w| w.doc_only));
    m.insert("schema".into(), json!("shortlist.track/1"));
    m.insert("open".into(), json!(work.map_or(0, |w| w.open)));
    m.insert(
        "in_progress".into(),
        work.map_or(Value::Array(Vec::new()), |w| started(plan, w)),
    );
    m.insert(
        "tasks".into(),
        serde_json::to_value(
            plan.tracks[ti]
                .tasks
                .iter()
                .map(|&t| {
                    task_json(
                        plan,
                        t,
                        &Held {
                            blocked: &f.blocked,
                            stale: None,
                        },
                    )
                })
                .collect::<Vec<_>>(),
        )
        .unwrap_or(Value::Null),
    );
    m.insert(
        "remaining".into(),
        serde_json::to_value(
            work.map(|w| {
                w.units
                    .iter()
                    .map(|u| {
                        unit_json(
                            plan,
                            u,
                            &Held {
                                blocked: &f.blocked,
                                stale: None,
                            },
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
        )
        .unwrap_or(Value::Null),
    );
    Value::Object(m)
}

/// Each plan file with the format it was read as and its task count.
fn files(plan: &Plan) -> Value {
    let counts = plan.tasks_per_file();
    Value::Array(
        plan.files
            .iter()
            .zip(counts)
            .map(|(f, n)| json!({"path": f.path, "format": f.format, "tasks": n}))
            .collect(),
    )
}

/// `shortlist.check/1`.
pub fn check(plan: &Plan) -> Value {
    let done = plan.finished_count();
    json!({
        "schema": "shortlist.check/1",
        "plan_files": plan.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
        "files": files(plan),
        "tracks": plan.tracks.len(),
        "tasks": plan.tasks.len(),
        "finished": done,
        "open": plan.tasks.len() - done,
        "checkpoints": plan.checkpoints.len(),
        "open_questions": plan.questions.len(),
        "criteria": plan.criteria.len(),
        "errors": plan.error_count(),
        "warnings": plan.diagnostics.len() - plan.error_count(),
        "diagnostics": diagnostics(plan),
    })
}

/// What `shortlist worktrees` adds to `shortlist.worktrees/1`: `in_flight` (each
/// worktree's tasks with evidence), `conflicts` (worktree and merge kinds),
/// `merge_prediction` (pairs merged, problems).
pub fn flight(f: &Flight) -> serde_json::Map<String, Value> {
    let plan = f.plan.as_deref();
    let mut m = serde_json::Map::new();
    let in_flight: Vec<Value> = f
        .in_flight
        .iter()
        .map(|w| {
            let tasks: Vec<Value> = match plan {
                Some(plan) => w
                    .tasks
                    .iter()
                    .map(|(t, ev)| {
                        let task = &plan.tasks[*t];
                        json!({
                            "id": task.id,
                            "title": task.title,
                            "file": plan.file_of(task.span),
                            "line": task.span.line,
                            "evidence": ev,
                        })
                    })
                    .collect(),
                None => Vec::new(),
            };
            json!({"worktree": w.name, "path": w.path, "branch": w.branch, "tasks": tasks})
        })
        .collect();
    m.insert("in_flight".into(), Value::Array(in_flight));
    let empty = Plan::default();
    let remaining = triage::Remaining::default();
    let view = View {
        plan: plan.unwrap_or(&empty),
        remaining: &remaining,
        track_filter: None,
        open_elsewhere: &[],
        repo: None,
        conflicts: &f.conflicts,
        conflict_focus: None,
        conflict_pairs: &[],
        candidate_overlaps: &[],
        shortlist: None,
        questions: None,
        stale_questions: &[],
        decisions: &[],
        explain: false,
        in_flight: &f.in_flight,
        claims: &[],
        medium: super::Medium::Terminal,
    };
    m.insert("conflicts".into(), conflicts_of(&view));
    m.insert(
        "merge_prediction".into(),
        json!({"merged_pairs": f.prediction.merged_pairs, "problems": f.prediction.problems}),
    );
    m
}

/// `shortlist.questions/1`: the open questions, the decided ones (with `all`) and the
/// decisions.
pub fn questions_doc(k: &crate::triage::questions::Known, all: bool) -> Value {
    let decided: Vec<&OpenQuestion> = if all {
        k.every
            .iter()
            .filter(|q| !k.open.iter().chain(&k.stale).any(|o| o.id == q.id))
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "schema": "shortlist.questions/1",
        "open": k.open,
        "stale": k.stale,
        "decided": decided,
        "decisions": k.decisions,
    })
}
