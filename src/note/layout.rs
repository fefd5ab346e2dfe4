//! A conversation note's text (SPEC §4.1): `# topic`, `## Context`, `## Decisions`,
//! `## Plan`, `## Open Questions`, `## References`, in the shape teams write by hand.

use crate::render::md::{
    candidate_lines, decision_lines, focused_conflict_lines, question_lines, recommended_line,
    track_title,
};
use crate::render::{count, View};
use crate::triage::Triage;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

pub struct NoteView<'a> {
    pub triage: &'a Triage,
    pub topic: &'a str,
    pub by: &'a str,
    pub at: DateTime<Utc>,
    /// IANA zone of the time stamps, else the machine's.
    pub tz: Option<&'a str>,
    pub root: &'a Path,
    pub notes_dir: &'a str,
}

/// Most units listed per track as candidates (a track's shortlist candidates are always
/// listed); the rest are follow-ons.
const UNITS_PER_TRACK: usize = 2;

/// Most follow-on ids named per track; the rest are counted.
const FOLLOW_ONS: usize = 6;

pub fn note(n: &NoteView) -> String {
    let v = &View::of(n.triage);
    let plan = v.plan;
    let mut out = String::new();
    let topic = n.topic.trim();
    let title: String = topic
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let _ = writeln!(
        out,
        "# {}\n",
        if title.is_empty() { "note" } else { &title }
    );

    let _ = writeln!(out, "## Context");
    let when = crate::config::local_format(n.at, n.tz, "%Y-%m-%d %H:%M:%S %Z");
    let repo_name = n
        .root
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "- Triage of `{repo_name}` written by shortlist for {} on {when}.",
        n.by
    );
    let files: Vec<String> = plan.files.iter().map(|f| format!("`{}`", f.path)).collect();
    let _ = writeln!(
        out,
        "- Plan: {} ({} open in {}).",
        if files.is_empty() {
            "no plan file".to_string()
        } else {
            files.join(", ")
        },
        count(v.remaining.open, "task"),
        count(v.remaining.tracks.len(), "track")
    );
    out.push('\n');

    let _ = writeln!(out, "## Decisions");
    let decisions = decision_lines(v);
    if decisions.is_empty() {
        let _ = writeln!(out, "- None recorded yet (`shortlist decide QID TEXT`).");
    }
    for d in decisions {
        let _ = writeln!(out, "- {d}");
    }
    out.push('\n');

    let _ = writeln!(out, "## Plan");
    if let Some(r) = v.repo {
        crate::render::repo::repo_bullets(&mut out, r, crate::render::Medium::Terminal);
    }
    if !v.in_flight.is_empty() {
        let _ = writeln!(out, "- Tasks in flight:");
        for w in v.in_flight {
            let _ = writeln!(out, "  - {}", crate::render::md::in_flight_line(plan, w));
        }
    }
    if !v.claims.is_empty() {
        let _ = writeln!(out, "- Claimed:");
        for l in crate::render::md::claim_lines(v) {
            let _ = writeln!(out, "  - {l}");
        }
    }
    let _ = writeln!(out, "- Remaining tracks and candidates:");
    if v.remaining.tracks.is_empty() {
        let _ = writeln!(out, "  - Nothing open in the plan.");
    }
    for w in &v.remaining.tracks {
        let mut head = track_title(plan, w.track);
        if w.doc_only {
            head.push_str(" · doc-only");
        }
        let _ = writeln!(out, "  - {head}");
        // The track's shortlist candidates, else its first ready units, and the rest
        // counted: the note is read in a minute; `triage` keeps the full list.
        let offered: Vec<usize> = v
            .shortlist
            .map(|sl| {
                sl.candidates
                    .iter()
                    .filter(|c| c.track == w.track)
                    .map(|c| c.task)
                    .collect()
            })
            .unwrap_or_default();
        let mut shown: Vec<&crate::triage::Unit> = w
            .units
            .iter()
            .filter(|u| offered.contains(&u.task))
            .collect();
        for u in &w.units {
            if shown.len() >= UNITS_PER_TRACK {
                break;
            }
            if u.blocked_by.is_empty()
                && u.claim.is_none()
                && !shown.iter().any(|s| s.task == u.task)
            {
                shown.push(u);
            }
        }
        if shown.is_empty() {
            shown.extend(w.units.iter().take(1));
        }
        let _ = writeln!(out, "    - Candidates:");
        for u in &shown {
            let t = &plan.tasks[u.task];
            let mut line = format!("`{}` {}", t.id, t.title);
            let deps: Vec<String> = t
                .deps
                .iter()
                .map(|&d| {
                    let mark = if plan.is_finished(d) { " ✓" } else { "" };
                    format!("`{}`{mark}", plan.tasks[d].id)
                })
                .collect();
            if !deps.is_empty() {
                let _ = write!(line, "; depends on {}", deps.join(", "));
            }
            if !u.blocked_by.is_empty() {
                let by: Vec<String> = u
                    .blocked_by
                    .iter()
                    .take(4)
                    .map(|&b| format!("`{}`", plan.tasks[b].id))
                    .collect();
                let _ = write!(line, "; blocked by {}", by.join(", "));
            }
            if !u.works_on.is_empty() {
                let tp: Vec<String> = u.works_on.iter().map(|p| format!("`{p}`")).collect();
                let _ = write!(line, "; touch points {}", tp.join(", "));
            }
            line.push('.');
            let _ = writeln!(out, "      - {line}");
        }
        let rest: Vec<String> = w
            .units
            .iter()
            .filter(|u| !shown.iter().any(|s| s.task == u.task))
            .map(|u| format!("`{}`", plan.tasks[u.task].id))
            .collect();
        if !rest.is_empty() {
            let listed: Vec<String> = rest.iter().take(FOLLOW_ONS).cloned().collect();
            let more = if rest.len() > FOLLOW_ONS {
                format!(" and {} more", rest.len() - FOLLOW_ONS)
            } else {
                String::new()
            };
            let _ = writeln!(out, "      - Follow-ons: {}{more}.", listed.join(", "));
        }
    }
    let _ = writeln!(out, "- Conflicts:");
    let conflicts = focused_conflict_lines(v);
    if conflicts.is_empty() {
        let _ = writeln!(
            out,
            "  - None: no two remaining tasks touch the same files."
        );
    }
    for c in conflicts {
        let _ = writeln!(out, "  - {c}");
    }
    let _ = writeln!(out, "- Selection prompt:");
    match v.shortlist {
        Some(sl) if !sl.candidates.is_empty() => {
            let rel = n.notes_dir.trim_end_matches('/');
            let _ = writeln!(
                out,
                "  - Pick one next implementation target (react with its number, or `shortlist pick N --note {rel}/<this file>`):"
            );
            for l in candidate_lines(v, sl) {
                let _ = writeln!(out, "    {l}");
            }
            let _ = writeln!(out, "  - {}", recommended_line(plan, sl));
        }
        _ => {
            let _ = writeln!(
                out,
                "  - Nothing is ready to pick (`shortlist next --explain` says why)."
            );
        }
    }
    out.push('\n');

    let _ = writeln!(out, "## Open Questions");
    let qs = question_lines(v);
    if qs.is_empty() {
        let _ = writeln!(out, "- (none open)");
    }
    let n = crate::render::QUESTIONS_SHOWN;
    for q in qs.iter().take(n) {
        let _ = writeln!(out, "- {q}");
    }
    if qs.len() > n {
        let _ = writeln!(out, "- … and {} more open questions.", qs.len() - n);
    }
    out.push('\n');

    let _ = writeln!(out, "## References");
    let mut lines: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    let mut mark = |span: crate::plan::Span| {
        let e = lines.entry(span.file).or_default();
        if !e.contains(&span.line) {
            e.push(span.line);
        }
    };
    for w in &v.remaining.tracks {
        mark(plan.tracks[w.track].span);
        for u in w.units.iter().take(UNITS_PER_TRACK) {
            mark(plan.tasks[u.task].span);
        }
    }
    for q in &plan.questions {
        mark(q.span);
    }
    for (i, f) in plan.files.iter().enumerate() {
        let mut ls = lines.remove(&i).unwrap_or_default();
        ls.sort_unstable();
        if ls.is_empty() {
            let _ = writeln!(out, "- `{}`", f.path);
        } else {
            let shown: Vec<String> = ls.iter().map(u32::to_string).collect();
            let _ = writeln!(out, "- `{}`: lines {}", f.path, shown.join(", "));
        }
    }
    out
}
