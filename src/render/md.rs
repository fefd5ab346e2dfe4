//! Markdown for a terminal or a chat message: tracks, units, what blocks them, where they
//! are written.

use super::{count, View};
use crate::plan::{Plan, Severity, Status};
use crate::repo::RepoReport;
use crate::triage::conflicts::{Conflict, ConflictKind};
use crate::triage::inflight::Evidence;
use crate::triage::questions::{OpenQuestion, Origin};
use crate::triage::shortlist::Shortlist;
use crate::triage::{CheckpointState, Flight, TaskFacts, TrackFacts, TrackWork, Unit};
use std::fmt::Write;

fn loc(plan: &Plan, span: crate::plan::Span) -> String {
    format!("{}:{}", plan.file_of(span), span.line)
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pending => "pending",
        Status::InProgress => "in progress",
        Status::Blocked => "blocked",
        Status::Done => "done",
        Status::Dropped => "dropped",
    }
}

pub fn track_title(plan: &Plan, ti: usize) -> String {
    plan.track_title(ti)
}

fn ids(plan: &Plan, v: &[usize], max: usize) -> String {
    let mut parts: Vec<String> = v
        .iter()
        .take(max)
        .map(|&t| {
            format!(
                "{} ({})",
                plan.tasks[t].id,
                status_word(plan.tasks[t].status)
            )
        })
        .collect();
    if v.len() > max {
        parts.push(format!("and {} more", v.len() - max));
    }
    parts.join(", ")
}

/// A unit and what is known about it; `v` (a triage view) adds where it is in flight.
fn write_unit(
    out: &mut String,
    plan: &Plan,
    u: &Unit,
    indent: usize,
    repo: Option<&RepoReport>,
    v: Option<&View>,
) {
    let t = &plan.tasks[u.task];
    let pad = "  ".repeat(indent);
    let prio = match (t.priority, plan.effective_priority(u.task)) {
        (Some(p), _) => format!(" · {p}"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "{pad}- {} {} {}{prio}  ({})",
        t.status.checkbox(),
        t.id,
        t.title,
        loc(plan, t.span)
    );
    if let Some((name, branch)) = v.and(u.in_flight.as_ref()) {
        let _ = writeln!(out, "{pad}  in flight in `{name}` (`{branch}`)");
    }
    if let Some(c) = v.and(u.claim.as_ref()) {
        let _ = writeln!(out, "{pad}  {}", super::claim_text(c));
    }
    if !u.blocked_by.is_empty() {
        let _ = writeln!(out, "{pad}  blocked by: {}", ids(plan, &u.blocked_by, 6));
    } else if t.status == Status::Blocked {
        let _ = writeln!(out, "{pad}  marked blocked in the plan");
    }
    let other_deps: Vec<usize> = t
        .deps
        .iter()
        .copied()
        .filter(|d| !u.blocked_by.contains(d))
        .collect();
    if !other_deps.is_empty() {
        let deps: Vec<String> = other_deps
            .iter()
            .map(|&d| {
                let mark = if plan.is_finished(d) { " ✓" } else { "" };
                format!("{}{mark}", plan.tasks[d].id)
            })
            .collect();
        let _ = writeln!(out, "{pad}  depends on: {}", deps.join(", "));
    }
    if !u.touch.is_empty() {
        let shown: Vec<String> = u.touch.iter().map(|p| format!("`{p}`")).collect();
        let _ = writeln!(out, "{pad}  touch points: {}", shown.join(", "));
    }
    if let Some(st) = repo.and_then(|r| r.stale_for(u.task)) {
        let _ = writeln!(out, "{pad}  {}", super::repo::stale_line(st));
    }
    for sub in &t.subtasks {
        let s = &plan.tasks[*sub];
        let _ = writeln!(out, "{pad}  - {} {} {}", s.status.checkbox(), s.id, s.title);
        write_nested(out, plan, *sub, indent + 2);
    }
}

/// Deeper subtasks than this are written at this depth (each line still names its
/// task): a plan nested thousands deep would otherwise give a quadratic answer.
const MAX_INDENT: usize = 12;

/// The subtasks below `t`, nested by indentation, in plan order.
fn write_nested(out: &mut String, plan: &Plan, t: usize, indent: usize) {
    let mut todo: Vec<(usize, usize)> = plan.tasks[t]
        .subtasks
        .iter()
        .rev()
        .map(|&c| (c, indent))
        .collect();
    while let Some((c, indent)) = todo.pop() {
        let s = &plan.tasks[c];
        let pad = "  ".repeat(indent.min(MAX_INDENT));
        let _ = writeln!(out, "{pad}- {} {} {}", s.status.checkbox(), s.id, s.title);
        todo.extend(s.subtasks.iter().rev().map(|&g| (g, indent + 1)));
    }
}

/// A track's units, each under the in-progress parents it came from.
fn write_track_units(
    out: &mut String,
    plan: &Plan,
    w: &TrackWork,
    repo: Option<&RepoReport>,
    v: Option<&View>,
) {
    let mut shown_parents: Vec<usize> = Vec::new();
    for u in &w.units {
        // Ancestors from the top down; print the ones not printed yet.
        let mut chain = Vec::new();
        let mut cur = plan.tasks[u.task].parent;
        while let Some(p) = cur {
            chain.push(p);
            cur = plan.tasks[p].parent;
        }
        chain.reverse();
        for (depth, &p) in chain.iter().enumerate() {
            if shown_parents.contains(&p) {
                continue;
            }
            shown_parents.push(p);
            let t = &plan.tasks[p];
            let done = t.subtasks.iter().filter(|&&c| plan.is_finished(c)).count();
            let _ = writeln!(
                out,
                "{}- {} {} {} — {}, {done} of {} subtasks done  ({})",
                "  ".repeat(depth),
                t.status.checkbox(),
                t.id,
                t.title,
                status_word(t.status),
                t.subtasks.len(),
                loc(plan, t.span)
            );
        }
        write_unit(out, plan, u, chain.len(), repo, v);
    }
}

pub fn triage(v: &View) -> String {
    let plan = v.plan;
    let mut out = String::new();
    let shown: Vec<&TrackWork> = v
        .remaining
        .tracks
        .iter()
        .filter(|w| v.track_filter.is_none_or(|f| f == w.track))
        .collect();
    let open: usize = shown.iter().map(|w| w.open).sum();
    let _ = writeln!(
        out,
        "# Remaining work: {open} open task{} in {} track{}\n",
        if open == 1 { "" } else { "s" },
        shown.len(),
        if shown.len() == 1 { "" } else { "s" }
    );
    for f in &plan.files {
        let meta: Vec<String> = f.meta.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        if meta.is_empty() {
            let _ = writeln!(out, "Plan: `{}`", f.path);
        } else {
            let _ = writeln!(out, "Plan: `{}` ({})", f.path, meta.join(" · "));
        }
    }
    out.push('\n');
    if let Some(r) = v.repo {
        super::repo::triage_section(&mut out, r, v.medium);
    }
    if v.remaining.open == 0 {
        let _ = writeln!(out, "The plan files above hold no open task.");
        if v.open_elsewhere.is_empty() {
            let _ = writeln!(
                out,
                "No other markdown file in the repository holds open tasks either."
            );
        } else {
            let _ = writeln!(
                out,
                "These markdown files in the repository do hold open tasks; is one of them the live plan? (use --plan PATH or `plan = [...]` in shortlist.toml)"
            );
            for (p, n) in v.open_elsewhere.iter().take(20) {
                let _ = writeln!(out, "- `{p}`: {n} open");
            }
        }
        out.push('\n');
    }
    for w in &shown {
        let tr = &plan.tracks[w.track];
        let mut notes = vec![format!("{} open", w.open)];
        if w.doc_only {
            notes.push("doc-only: parallel with anything".into());
        }
        if let Some(r) = &tr.remark {
            notes.push(r.clone());
        }
        let _ = writeln!(
            out,
            "## {} · {}\n",
            track_title(plan, w.track),
            notes.join(" · ")
        );
        write_track_units(&mut out, plan, w, v.repo, Some(v));
        out.push('\n');
    }
    if v.track_filter.is_none() {
        write_checkpoints(&mut out, plan, &v.remaining.checkpoints);
        write_questions(&mut out, v);
        write_decisions(&mut out, v);
        write_conflicts(&mut out, v, false);
    }
    write_diagnostic_summary(&mut out, plan, v.medium);
    out
}

fn write_checkpoints(out: &mut String, plan: &Plan, states: &[CheckpointState]) {
    if plan.checkpoints.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Checkpoints\n");
    for (c, st) in plan.checkpoints.iter().zip(states) {
        let open = &st.open;
        let label = c
            .label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        let state = if open.is_empty() {
            "done".to_string()
        } else {
            format!(
                "{} of {} open: {}",
                open.len(),
                c.tasks.len(),
                ids(plan, open, 8)
            )
        };
        let wait = if st.waits {
            " — waits for the earlier checkpoint"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "- {}{label}: {state}{wait}  ({})",
            c.id,
            loc(plan, c.span)
        );
    }
    out.push('\n');
}

fn write_questions(out: &mut String, v: &View) {
    let lines = question_lines(v);
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Open questions\n");
    for l in shown_questions(&lines, v.medium) {
        let _ = writeln!(out, "- {l}");
    }
    out.push('\n');
}

/// The first [`super::QUESTIONS_SHOWN`] question lines and, when there are more, a line
/// counting the rest.
pub fn shown_questions(lines: &[String], medium: super::Medium) -> Vec<String> {
    let n = super::QUESTIONS_SHOWN;
    let mut out: Vec<String> = lines.iter().take(n).cloned().collect();
    if lines.len() > n {
        out.push(format!(
            "… and {} more ({} lists them)",
            lines.len() - n,
            medium.say("`shortlist questions`", "/question list")
        ));
    }
    out
}

/// `` `Q-7f3a` text — where `` for every open question.
pub fn question_lines(v: &View) -> Vec<String> {
    let plan = v.plan;
    match v.questions {
        None => plan
            .questions
            .iter()
            .map(|q| format!("`{}` {} — `{}`", q.id, q.text, loc(plan, q.span)))
            .collect(),
        Some(qs) => qs
            .iter()
            .map(|q| format!("`{}` {} — {}", q.id, q.text, origin_text(&q.origins)))
            .collect(),
    }
}

fn origin_text(origins: &[Origin]) -> String {
    origins
        .iter()
        .map(|o| match o {
            Origin::Plan { file, line, .. } | Origin::Note { file, line } => {
                format!("`{file}:{line}`")
            }
            Origin::Chat { by, at } => format!("asked by {by} on {}", at.format("%Y-%m-%d")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who has claimed what (a pick claims its task until it is done or released).
fn write_claims(out: &mut String, v: &View) {
    if v.claims.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Claimed\n");
    for l in claim_lines(v) {
        let _ = writeln!(out, "- {l}");
    }
    out.push('\n');
}

/// One line per claim: `` `6.1.1` Invoice PDF export — claimed by alice (2026-12-06) ``.
pub fn claim_lines(v: &View) -> Vec<String> {
    v.claims
        .iter()
        .map(|c| {
            format!(
                "`{}` {} — {}",
                c.task_id,
                v.plan.tasks[c.task].title,
                super::claim_text(c)
            )
        })
        .collect()
}

fn write_decisions(out: &mut String, v: &View) {
    if v.decisions.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Decisions\n");
    for l in decision_lines(v) {
        let _ = writeln!(out, "- {l}");
    }
    out.push('\n');
}

/// One line per recorded decision, oldest first, with the question it answers.
pub fn decision_lines(v: &View) -> Vec<String> {
    v.decisions
        .iter()
        .map(|d| {
            let q = d.question_id.as_deref().map(|id| {
                let text = v
                    .questions
                    .into_iter()
                    .flatten()
                    .find(|q| q.id == id)
                    .map(|q| q.text.clone());
                match text {
                    Some(t) => format!(" (answers `{id}`: {t})"),
                    None => format!(" (answers `{id}`)"),
                }
            });
            format!(
                "{} — {}, {}{}",
                d.text,
                d.decided_by,
                d.decided_at.format("%Y-%m-%d"),
                q.unwrap_or_default()
            )
        })
        .collect()
}

/// `shortlist next`: the candidates with their reasons, the recommended next, and with
/// `explain` why every other ready unit was left out.
pub fn next(v: &View) -> String {
    let plan = v.plan;
    let mut out = String::new();
    let Some(sl) = v.shortlist else {
        return triage(v);
    };
    let ntracks = {
        let mut t: Vec<usize> = sl.candidates.iter().map(|c| c.track).collect();
        t.sort_unstable();
        t.dedup();
        t.len()
    };
    let _ = writeln!(
        out,
        "# Next: {} over {}\n",
        count(sl.candidates.len(), "candidate"),
        count(ntracks, "track")
    );
    for f in &plan.files {
        let _ = writeln!(out, "Plan: `{}`", f.path);
    }
    out.push('\n');
    if let Some(r) = v.repo {
        super::repo::triage_section(&mut out, r, v.medium);
    }
    if sl.candidates.is_empty() {
        let blocked = sl.passed.len();
        let _ = writeln!(
            out,
            "Nothing is ready to pick: {} open, {} held back ({} says why).\n",
            count(v.remaining.open, "task"),
            count(blocked, "unit"),
            v.medium
                .say("`shortlist next --explain`", "“Why not others?”")
        );
    } else {
        let _ = writeln!(out, "## Shortlist\n");
        for line in candidate_lines(v, sl) {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
        let _ = writeln!(out, "{}\n", recommended_line(plan, sl));
    }
    write_claims(&mut out, v);
    if v.explain {
        if !sl.passed.is_empty() {
            let _ = writeln!(out, "## Not on the shortlist\n");
            for p in &sl.passed {
                let t = &plan.tasks[p.task];
                let _ = writeln!(
                    out,
                    "- `{}` {} ({}): {}",
                    t.id,
                    t.title,
                    super::super::triage::shortlist::track_name(plan, p.track),
                    p.why.join("; ")
                );
            }
            out.push('\n');
        }
    } else if !sl.passed.is_empty() {
        let _ = writeln!(
            out,
            "{} not on the shortlist; {} says why.\n",
            count(sl.passed.len(), "other open unit"),
            v.medium
                .say("`shortlist next --explain`", "“Why not others?”")
        );
    }
    write_conflicts(&mut out, v, true);
    write_questions(&mut out, v);
    write_decisions(&mut out, v);
    out
}

/// The numbered candidates, each with its reasons, touch points and cautions.
pub fn candidate_lines(v: &View, sl: &Shortlist) -> Vec<String> {
    let plan = v.plan;
    let mut out = Vec::new();
    for c in &sl.candidates {
        let t = &plan.tasks[c.task];
        let star = if c.recommended { " · recommended" } else { "" };
        out.push(format!(
            "{}. `{}` {} — {}{star}  ({})",
            c.rank,
            t.id,
            t.title,
            track_title(plan, c.track),
            loc(plan, t.span)
        ));
        out.push(format!("   - why: {}", c.reasons.join("; ")));
        let deps: Vec<String> = t
            .deps
            .iter()
            .map(|&d| {
                format!(
                    "`{}` ({})",
                    plan.tasks[d].id,
                    status_word(plan.tasks[d].status)
                )
            })
            .collect();
        if !deps.is_empty() {
            out.push(format!("   - depends on: {}", deps.join(", ")));
        }
        if !c.touch.is_empty() {
            let shown: Vec<String> = c.touch.iter().map(|p| format!("`{p}`")).collect();
            out.push(format!("   - touch points: {}", shown.join(", ")));
        }
        if let Some(st) = v.repo.and_then(|r| r.stale_for(c.task)) {
            out.push(format!("   - {}", super::repo::stale_line(st)));
        }
        for m in &c.cautions {
            out.push(format!("   - mind: {m}"));
        }
    }
    out
}

/// `Recommended next (P0): `3.5.1` or `3.2.4`.`
pub fn recommended_line(plan: &Plan, sl: &Shortlist) -> String {
    let rec: Vec<String> = sl
        .recommended()
        .map(|c| format!("`{}`", plan.tasks[c.task].id))
        .collect();
    let prio = sl
        .recommended()
        .next()
        .and_then(|c| plan.effective_priority(c.task))
        .map(|p| format!(" {p}"))
        .unwrap_or_default();
    format!("Recommended next{prio}: {}.", rec.join(" or "))
}

/// Up to eight task ids, then how many more.
fn task_ids(plan: &Plan, v: &[usize]) -> String {
    const SHOWN: usize = 8;
    let mut out: Vec<String> = v
        .iter()
        .take(SHOWN)
        .map(|&t| format!("`{}`", plan.tasks[t].id))
        .collect();
    if v.len() > SHOWN {
        out.push(format!("{} more", v.len() - SHOWN));
    }
    out.join(", ")
}

fn path_pairs(c: &Conflict) -> String {
    c.paths
        .iter()
        .map(|p| {
            if p.left == p.right {
                format!("`{}`", p.left)
            } else {
                format!("`{}` ↔ `{}` ({})", p.left, p.right, p.why.describe())
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The conflicts section: all of them (`triage`) or in proportion (`next`).
fn write_conflicts(out: &mut String, v: &View, focused: bool) {
    let lines = if focused {
        focused_conflict_lines(v)
    } else {
        conflict_lines(v)
    };
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Conflicts\n");
    for l in lines {
        let _ = writeln!(out, "- {l}");
    }
    out.push('\n');
}

/// One line per conflict, then one per doc-only track; empty when there is nothing to say.
/// Every conflict, one line each, then the doc-only tracks (`triage`, `check`).
pub fn conflict_lines(v: &View) -> Vec<String> {
    let all: Vec<usize> = (0..v.conflicts.len()).collect();
    lines_of(v, &all)
}

/// The conflicts in proportion (`next`, notes, chat): work in flight, predicted merges
/// and the plan's words about a candidate's track one by one; per candidate, what it
/// overlaps; every other overlap as one line of track pairs.
pub fn focused_conflict_lines(v: &View) -> Vec<String> {
    let Some(focus) = v.conflict_focus else {
        return conflict_lines(v);
    };
    let plan = v.plan;
    let mut out = lines_of(v, focus);
    // The doc-only lines close the list.
    let doc_only: Vec<String> = out
        .iter()
        .filter(|l| l.ends_with("is doc-only: parallel with anything"))
        .cloned()
        .collect();
    out.retain(|l| !doc_only.contains(l));
    let ids = |ts: &[usize]| {
        let mut shown: Vec<String> = ts
            .iter()
            .take(6)
            .map(|&t| format!("`{}`", plan.tasks[t].id))
            .collect();
        if ts.len() > 6 {
            shown.push(format!("{} more", ts.len() - 6));
        }
        shown.join(", ")
    };
    for o in v.candidate_overlaps {
        let paths: Vec<String> = o.paths.iter().take(4).map(|p| format!("`{p}`")).collect();
        out.push(format!(
            "`{}` overlaps {} on {}",
            plan.tasks[o.task].id,
            ids(&o.others),
            paths.join(", ")
        ));
    }
    if !v.conflict_pairs.is_empty() {
        let key = |t: usize| plan.tracks[t].key.clone();
        let pairs: Vec<String> = v
            .conflict_pairs
            .iter()
            .map(|p| {
                let n = count(p.paths, "path");
                if p.left == p.right {
                    format!("inside {} ({n})", key(p.left))
                } else {
                    format!("{}↔{} ({n})", key(p.left), key(p.right))
                }
            })
            .collect();
        out.push(format!("Tracks that overlap: {}", pairs.join(", ")));
    }
    out.extend(doc_only);
    out
}

fn lines_of(v: &View, shown: &[usize]) -> Vec<String> {
    let plan = v.plan;
    let doc_only: Vec<usize> = v
        .remaining
        .tracks
        .iter()
        .filter(|w| w.doc_only)
        .map(|w| w.track)
        .collect();
    let mut out = Vec::new();
    if v.conflicts.is_empty() && doc_only.is_empty() {
        return out;
    }
    if v.conflicts.iter().all(|c| c.kind == ConflictKind::Declared) {
        out.push("No two remaining tasks touch the same files.".to_string());
    }
    for c in shown.iter().filter_map(|&i| v.conflicts.get(i)) {
        out.push(conflict_line(plan, c));
    }
    for t in doc_only {
        out.push(format!(
            "{} is doc-only: parallel with anything",
            track_title(plan, t)
        ));
    }
    out
}

/// One conflict, naming its tasks and paths.
fn conflict_line(plan: &Plan, c: &Conflict) -> String {
    match c.kind {
        ConflictKind::Tracks => format!(
            "{} and {} cannot run in parallel: {} and {} touch {}",
            track_title(plan, c.left_track.unwrap_or(0)),
            track_title(plan, c.right_track.unwrap_or(0)),
            task_ids(plan, &c.left_tasks),
            task_ids(plan, &c.right_tasks),
            path_pairs(c)
        ),
        ConflictKind::InTrack => format!(
            "Inside {}: {} and {} touch {}",
            track_title(plan, c.left_track.unwrap_or(0)),
            task_ids(plan, &c.left_tasks),
            task_ids(plan, &c.right_tasks),
            path_pairs(c)
        ),
        ConflictKind::Worktree => {
            let (name, branch) = c.worktree.clone().unwrap_or_default();
            format!(
                "{} against worktree `{name}` (`{branch}`, in flight): {} touch what it works on: {}",
                track_title(plan, c.left_track.unwrap_or(0)),
                task_ids(plan, &c.left_tasks),
                path_pairs(c)
            )
        }
        ConflictKind::Merge => {
            let (a, b) = c.merge.clone().unwrap_or_default();
            format!(
                "Merging `{}` (`{}`) and `{}` (`{}`) would conflict (predicted) in {}",
                a.name,
                a.branch,
                b.name,
                b.branch,
                path_pairs(c)
            )
        }
        ConflictKind::Declared => {
            let mut l = format!("Declared by the plan: {}", c.text.as_deref().unwrap_or(""));
            if let Some(sp) = c.span {
                let _ = write!(l, "  ({})", loc(plan, sp));
            }
            l
        }
    }
}

fn write_diagnostic_summary(out: &mut String, plan: &Plan, medium: super::Medium) {
    let errors = plan.error_count();
    let warnings = plan.diagnostics.len() - errors;
    if errors + warnings == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "## Diagnostics\n\n{errors} error{}, {warnings} warning{}{}.",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
        medium.say("; `shortlist check` lists them all", "")
    );
    for d in plan
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .take(10)
    {
        let _ = writeln!(out, "- error {}:{}: {}", d.file, d.line, d.message);
    }
}

/// `shortlist check`: every diagnostic, then a summary line.
pub fn check(plan: &Plan) -> String {
    let mut out = String::new();
    for d in &plan.diagnostics {
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if d.line > 0 {
            let _ = writeln!(out, "{}:{}: {sev}: {}", d.file, d.line, d.message);
        } else {
            let _ = writeln!(out, "{}: {sev}: {}", d.file, d.message);
        }
    }
    for (f, n) in plan.files.iter().zip(plan.tasks_per_file()) {
        let _ = writeln!(
            out,
            "{}: read as {} ({})",
            f.path,
            f.format.name(),
            count(n, "task")
        );
    }
    let done = plan.finished_count();
    let errors = plan.error_count();
    let _ = writeln!(
        out,
        "{} plan file{}: {}, {} ({} open, {} finished), {} checkpoint{}, {} open question{}; {} error{}, {} warning{}",
        plan.files.len(),
        if plan.files.len() == 1 { "" } else { "s" },
        count(plan.tracks.len(), "track"),
        count(plan.tasks.len(), "task"),
        plan.tasks.len() - done,
        done,
        plan.checkpoints.len(),
        if plan.checkpoints.len() == 1 { "" } else { "s" },
        plan.questions.len(),
        if plan.questions.len() == 1 { "" } else { "s" },
        errors,
        if errors == 1 { "" } else { "s" },
        plan.diagnostics.len() - errors,
        if plan.diagnostics.len() - errors == 1 { "" } else { "s" },
    );
    out
}

/// `shortlist task ID`: everything known about one task.
pub fn task(f: &TaskFacts) -> String {
    let (plan, t) = (&*f.plan, f.task);
    let task = &plan.tasks[t];
    let mut out = String::new();
    let _ = writeln!(out, "# {} {}\n", task.id, task.title);
    let mut row = |k: &str, v: String| {
        if !v.is_empty() {
            let _ = writeln!(out, "- {k}: {v}");
        }
    };
    let finished = plan.is_finished(t);
    row(
        "status",
        format!(
            "{}{}{}",
            status_word(task.status),
            match (task.status_written, task.subtasks.is_empty()) {
                (true, _) => "",
                (false, false) => " (from its subtasks)",
                (false, true) => " (no state written)",
            },
            if task.status.is_closed() && !finished {
                "; counts as open: a subtask is open"
            } else {
                ""
            }
        ),
    );
    row(
        "priority",
        plan.effective_priority(t)
            .map(|p| {
                if task.priority.is_some() {
                    p.to_string()
                } else {
                    format!("{p} (inherited)")
                }
            })
            .unwrap_or_default(),
    );
    row("track", track_title(plan, task.track));
    row("source", loc(plan, task.span));
    if task.derived_id {
        row(
            "id",
            "derived from track and position (the plan gives none)".into(),
        );
    }
    if let Some(p) = task.parent {
        row(
            "parent",
            format!("{} {}", plan.tasks[p].id, plan.tasks[p].title),
        );
    }
    row("checkpoint", f.checkpoint.clone().unwrap_or_default());
    let deps: Vec<String> = task
        .deps
        .iter()
        .map(|&d| {
            format!(
                "{} ({})",
                plan.tasks[d].id,
                status_word(plan.tasks[d].status)
            )
        })
        .collect();
    row("depends on", deps.join(", "));
    if !finished {
        let blocked = f.blocked.get(&t).map_or(&[][..], Vec::as_slice);
        row("blocked by", ids(plan, blocked, 20));
    }
    let dependents: Vec<String> = f
        .dependents
        .iter()
        .map(|&o| plan.tasks[o].id.to_string())
        .collect();
    row("needed by", dependents.join(", "));
    let fmt_paths = |v: &[crate::plan::PathRef]| -> String {
        v.iter()
            .map(|p| {
                let mut s = format!("`{}`", p.path);
                if let Some(r) = &p.range {
                    let _ = write!(s, " lines {r}");
                }
                if let Some(n) = &p.note {
                    let _ = write!(s, " ({n})");
                }
                s
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    row("touch points", fmt_paths(&task.touch_points));
    row("as-built", fmt_paths(&task.as_built));
    row("references", fmt_paths(&task.references));
    row(
        "mentions",
        task.mentions
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    row("definition of done", task.dod.join("; "));
    row("background", task.background.join(" "));
    row("notes", task.notes.join("; "));
    if !finished && f.units != [t] {
        row(
            "actionable now",
            f.units
                .iter()
                .map(|&u| plan.tasks[u].id.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    for q in f.questions.iter().map(|&q| &plan.questions[q]) {
        let _ = writeln!(out, "- open question {}: {}", q.id, q.text);
    }
    if !task.subtasks.is_empty() {
        let _ = writeln!(out, "\n## Subtasks\n");
        write_nested(&mut out, plan, t, 0);
    }
    out
}

/// `shortlist track ID`: the track's remaining work, then what is already finished.
pub fn track(f: &TrackFacts) -> String {
    let (plan, ti, work) = (&*f.plan, f.track, f.work.as_ref());
    let tr = &plan.tracks[ti];
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", track_title(plan, ti));
    let _ = writeln!(out, "- source: {}", loc(plan, tr.span));
    if let Some(r) = &tr.remark {
        let _ = writeln!(out, "- remark: {r}");
    }
    let total: usize = tr.tasks.len();
    let finished = &f.finished;
    let _ = writeln!(
        out,
        "- tasks: {total} top-level, {} finished",
        finished.len()
    );
    match work {
        Some(w) => {
            if w.doc_only {
                let _ = writeln!(out, "- doc-only: parallel with anything");
            }
            let _ = writeln!(out, "\n## Remaining ({} open)\n", w.open);
            write_track_units(&mut out, plan, w, None, None);
        }
        None => {
            let _ = writeln!(out, "\nNothing remains in this track.");
        }
    }
    if !finished.is_empty() {
        let _ = writeln!(out, "\n## Finished\n");
        for &t in finished {
            let task = &plan.tasks[t];
            let _ = writeln!(
                out,
                "- {} {} {}",
                task.status.checkbox(),
                task.id,
                task.title
            );
        }
    }
    out
}

/// `shortlist questions`: the open ones with where they were asked; with `all`, the
/// decided ones and their decisions too.
pub fn questions(k: &crate::triage::questions::Known, all: bool, medium: super::Medium) -> String {
    let (open, every, decisions) = (&k.open, &k.every, &k.decisions);
    let mut out = String::new();
    let _ = writeln!(out, "# Open questions: {}\n", open.len());
    if open.is_empty() {
        let _ = writeln!(
            out,
            "None open. {} asks one.\n",
            medium.say("`shortlist question add TEXT`", "/question add")
        );
    }
    for q in open {
        let _ = writeln!(out, "- `{}` {} — {}", q.id, q.text, origin_text(&q.origins));
    }
    if !open.is_empty() {
        let _ = writeln!(
            out,
            "\nDecide one with {}.\n",
            medium.say("`shortlist decide Q-xxxx TEXT`", "/decide")
        );
    }
    if !all && !k.stale.is_empty() {
        let _ = writeln!(
            out,
            "{} asked long ago not shown{}.\n",
            count(k.stale.len(), "open question"),
            medium.say(" (`shortlist questions --all`)", "")
        );
    }
    if all {
        if !k.stale.is_empty() {
            let _ = writeln!(out, "## Open, asked long ago: {}\n", k.stale.len());
            for q in &k.stale {
                let age = q
                    .age_days
                    .map(|d| format!(", {d} days ago"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- `{}` {} — {}{age}",
                    q.id,
                    q.text,
                    origin_text(&q.origins)
                );
            }
            out.push('\n');
        }
        let decided: Vec<&OpenQuestion> = every
            .iter()
            .filter(|q| !open.iter().chain(&k.stale).any(|o| o.id == q.id))
            .collect();
        let _ = writeln!(out, "## Decided: {}\n", decided.len());
        for q in decided {
            let _ = writeln!(out, "- `{}` {} — {}", q.id, q.text, origin_text(&q.origins));
            for d in decisions
                .iter()
                .filter(|d| d.question_id.as_deref() == Some(q.id.as_str()))
            {
                let _ = writeln!(
                    out,
                    "  - decided: {} — {}, {}",
                    d.text,
                    d.decided_by,
                    d.decided_at.format("%Y-%m-%d")
                );
            }
        }
    }
    out
}

/// One piece of evidence, for a person.
pub fn evidence_text(e: &Evidence) -> String {
    match e {
        Evidence::Branch { branch } => format!("branch `{branch}`"),
        Evidence::Commit { id, subject } => format!("commit `{id}` “{subject}”"),
        Evidence::Plan { file, line, status } => {
            format!("its plan marks it {} ({file}:{line})", status.checkbox())
        }
    }
}

/// `shortlist worktrees`, after the scan: each worktree's tasks, remaining work that
/// touches what worktrees work on, predicted merge conflicts.
pub fn flight(f: &Flight) -> String {
    let plan = f.plan.as_deref();
    let mut out = String::new();
    if let Some(plan) = plan {
        let _ = writeln!(out, "## Tasks in flight\n");
        if f.in_flight.is_empty() {
            let _ = writeln!(out, "- No worktree is in flight.");
        }
        for w in &f.in_flight {
            if w.tasks.is_empty() {
                let _ = writeln!(
                    out,
                    "- `{}` (`{}`): no task of the plan — work outside the plan",
                    w.name, w.branch
                );
                continue;
            }
            let _ = writeln!(out, "- `{}` (`{}`):", w.name, w.branch);
            for (t, ev) in &w.tasks {
                let task = &plan.tasks[*t];
                let why: Vec<String> = ev.iter().map(evidence_text).collect();
                let _ = writeln!(
                    out,
                    "  - `{}` {} ({}) — {}",
                    task.id,
                    task.title,
                    loc(plan, task.span),
                    why.join("; ")
                );
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Conflicts with work in flight\n");
    if f.conflicts.is_empty() {
        let _ = writeln!(
            out,
            "- None: no remaining task touches what a worktree works on, and no two branches would conflict ({} merged in memory; the others share no changed path).",
            super::count(f.prediction.merged_pairs, "pair")
        );
    }
    for c in &f.conflicts {
        let line = match (c.kind, plan) {
            (ConflictKind::Merge, _) => {
                let (a, b) = c.merge.clone().unwrap_or_default();
                format!(
                    "Predicted: merging `{}` (`{}`) and `{}` (`{}`) conflicts in {}",
                    a.name,
                    a.branch,
                    b.name,
                    b.branch,
                    path_pairs(c)
                )
            }
            (_, Some(plan)) => {
                let (name, branch) = c.worktree.clone().unwrap_or_default();
                format!(
                    "{} touches what `{name}` (`{branch}`) works on: {} — {}",
                    track_title(plan, c.left_track.unwrap_or(0)),
                    task_ids(plan, &c.left_tasks),
                    path_pairs(c)
                )
            }
            (_, None) => continue,
        };
        let _ = writeln!(out, "- {line}");
    }
    for p in &f.prediction.problems {
        let _ = writeln!(out, "- Problem: {p}");
    }
    out.push('\n');
    out
}

/// `shortlist check`: the conflicts that make it exit 2.
pub fn check_conflicts(v: &View) -> String {
    if v.conflicts.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n## Conflicts ({})\n",
        count(v.conflicts.len(), "conflict")
    );
    for l in conflict_lines(v) {
        let _ = writeln!(out, "- {l}");
    }
    out
}

/// `Track A — Core (P0): 7 done, 3 open` per track: (title, done, total) each.
pub fn progress_by_track(tracks: &[(String, usize, usize)]) -> String {
    let mut out = String::from("**Progress by track**\n");
    for (title, done, total) in tracks {
        out.push_str(&format!("- {title}: {done} done, {} open\n", total - done));
    }
    out
}

/// The daily digest: what changed, what is in flight, open questions, the recommended
/// next.
pub fn digest(c: &crate::digest::Changes, v: &View, tz: Option<&str>) -> String {
    use crate::plan::EventKind;
    let plan = v.plan;
    let mut out = String::new();
    let fmt =
        |t: chrono::DateTime<chrono::Utc>| crate::config::local_format(t, tz, "%Y-%m-%d %H:%M %Z");
    let _ = writeln!(out, "# Digest: {} → {}\n", fmt(c.since), fmt(c.until));
    let kinds = [
        (EventKind::Done, "Done"),
        (EventKind::Started, "Started"),
        (EventKind::Added, "Added"),
        (EventKind::Reopened, "Reopened"),
        (EventKind::Removed, "Removed"),
        (EventKind::Dropped, "Dropped"),
    ];
    if c.events.is_empty() {
        let _ = writeln!(out, "No task changed in the plan since then.\n");
    }
    for (kind, title) in kinds {
        let evs = crate::digest::of_kind(c, kind);
        if evs.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title} ({})\n", evs.len());
        for e in evs {
            let by = match (&e.commit, &e.subject) {
                (Some(id), Some(s)) => format!("{}, `{id}` “{s}”", e.author),
                _ => "uncommitted in the working tree".to_string(),
            };
            let _ = writeln!(out, "- `{}` {} — {by}", e.change.id, e.change.title);
        }
        out.push('\n');
    }
    if !c.decisions.is_empty() {
        let _ = writeln!(out, "## Decisions ({})\n", c.decisions.len());
        for d in &c.decisions {
            let q = d
                .question_id
                .as_deref()
                .map(|q| format!(" (`{q}`)"))
                .unwrap_or_default();
            let _ = writeln!(out, "- {}{q} — {}", d.text, d.decided_by);
        }
        out.push('\n');
    }
    if !c.questions_opened.is_empty() {
        let _ = writeln!(out, "## Questions asked ({})\n", c.questions_opened.len());
        for q in &c.questions_opened {
            let _ = writeln!(out, "- `{}` {} — {}", q.id, q.text, q.asked_by);
        }
        out.push('\n');
    }
    if !c.worktrees.is_empty() {
        let _ = writeln!(out, "## Worktrees\n");
        for w in &c.worktrees {
            let what = match w.change {
                "appeared" => "appeared",
                "merged" => "merged (safe to remove)",
                _ => "went away",
            };
            let _ = writeln!(out, "- `{}` (`{}`) {what}", w.name, w.branch);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## In flight\n");
    if v.in_flight.is_empty() {
        let _ = writeln!(out, "- No worktree is in flight.");
    }
    for w in v.in_flight {
        let _ = writeln!(out, "- {}", in_flight_line(plan, w));
    }
    out.push('\n');
    write_claims(&mut out, v);
    let qs = question_lines(v);
    let _ = writeln!(out, "## Open questions ({})\n", qs.len());
    for q in shown_questions(&qs, v.medium) {
        let _ = writeln!(out, "- {q}");
    }
    out.push('\n');
    if let Some(sl) = v.shortlist {
        let _ = writeln!(out, "## Next\n");
        if sl.candidates.is_empty() {
            let _ = writeln!(out, "Nothing is ready to pick.");
        } else {
            for c in &sl.candidates {
                let t = &plan.tasks[c.task];
                let _ = writeln!(
                    out,
                    "{}. `{}` {} — {}",
                    c.rank,
                    t.id,
                    t.title,
                    track_title(plan, c.track)
                );
            }
            let _ = writeln!(out, "\n{}", recommended_line(plan, sl));
        }
    }
    out
}

/// `` `wt-seed` (`feat/5.2.1-seed`): `5.2.1` Seed… `` — or "work outside the plan".
pub fn in_flight_line(plan: &Plan, w: &crate::triage::inflight::WorktreeTasks) -> String {
    let ids: Vec<String> = w
        .tasks
        .iter()
        .map(|(t, _)| format!("`{}` {}", plan.tasks[*t].id, plan.tasks[*t].title))
        .collect();
    let what = if ids.is_empty() {
        "no task of the plan (work outside the plan)".to_string()
    } else {
        ids.join(", ")
    };
    format!("`{}` (`{}`): {what}", w.name, w.branch)
}
