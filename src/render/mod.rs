//! Presenting answers: markdown for people, versioned JSON for programs, the progress
//! chart as a PNG. Decides nothing: every value shown is in the answer.

pub mod chart;
pub mod discord;
pub mod json;
pub mod md;
pub mod repo;

use crate::plan::Plan;
use crate::repo::RepoReport;
use crate::store::DecisionRow;
use crate::triage::conflicts::Conflict;
use crate::triage::inflight::WorktreeTasks;
use crate::triage::questions::OpenQuestion;
use crate::triage::shortlist::Shortlist;
use crate::triage::{CandidateOverlap, Claim, PairSummary, Remaining, Triage};

/// Where the text is read: a terminal (commands and paths help) or a chat (they do not:
/// buttons and slash commands instead, names instead of server paths).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Medium {
    #[default]
    Terminal,
    Chat,
}

impl Medium {
    /// The terminal's words or the chat's.
    pub fn say<'s>(self, terminal: &'s str, chat: &'s str) -> &'s str {
        match self {
            Medium::Terminal => terminal,
            Medium::Chat => chat,
        }
    }
}

/// The last component of a path, for chat (`/srv/git/acme` → `acme`).
pub fn short_path(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(path)
}

/// What a triage rendering needs.
pub struct View<'a> {
    pub plan: &'a Plan,
    pub remaining: &'a Remaining,
    /// Show one track only (`shortlist triage B`).
    pub track_filter: Option<usize>,
    /// When the plan holds nothing open: other markdown files that do (path, open tasks).
    pub open_elsewhere: &'a [(String, usize)],
    /// The repository's state and stale-task marks (absent for plain plan renders).
    pub repo: Option<&'a RepoReport>,
    /// Conflicts of the remaining work (computed, worktree and declared).
    pub conflicts: &'a [Conflict],
    /// The conflicts shown one by one in proportioned views (`None`: all of them).
    pub conflict_focus: Option<&'a [usize]>,
    /// Every overlap between tracks, summarised per track pair.
    pub conflict_pairs: &'a [PairSummary],
    /// Per candidate, the other open work it overlaps.
    pub candidate_overlaps: &'a [CandidateOverlap],
    /// The candidates (`shortlist next`); absent for a plain triage.
    pub shortlist: Option<&'a Shortlist>,
    /// Open questions from plan, notes and store; `None`: the plan's only.
    pub questions: Option<&'a [OpenQuestion]>,
    /// Open questions older than `question_days`.
    pub stale_questions: &'a [OpenQuestion],
    /// Decisions recorded so far.
    pub decisions: &'a [DecisionRow],
    /// Also say why the other ready units are not on the shortlist.
    pub explain: bool,
    /// Worktrees in flight and the tasks they are doing.
    pub in_flight: &'a [WorktreeTasks],
    /// Claims on open tasks.
    pub claims: &'a [Claim],
    pub medium: Medium,
}

impl<'a> View<'a> {
    /// The view of a whole triage (optionally of one track).
    pub fn of(t: &'a Triage) -> View<'a> {
        View {
            plan: &t.plan,
            remaining: &t.remaining,
            track_filter: t.focus,
            open_elsewhere: &t.open_elsewhere,
            repo: Some(&t.report),
            conflicts: &t.conflicts,
            conflict_focus: Some(&t.conflict_focus),
            conflict_pairs: &t.conflict_pairs,
            candidate_overlaps: &t.candidate_overlaps,
            shortlist: Some(&t.shortlist),
            questions: Some(&t.questions),
            stale_questions: &t.stale_questions,
            decisions: &t.decisions,
            explain: false,
            in_flight: &t.in_flight,
            claims: &t.claims,
            medium: Medium::Terminal,
        }
    }
}

/// `claimed by alice (2026-12-06)`, `stale claim by bob (2026-11-02): offered again`,
/// `claimed by carol; now in flight in `wt-x``.
pub fn claim_text(c: &Claim) -> String {
    let day = c.at.format("%Y-%m-%d");
    match (&c.worktree, c.stale) {
        (Some((name, _)), _) => format!("claimed by {} ({day}); now in flight in `{name}`", c.by),
        (None, true) => format!("stale claim by {} ({day}): offered again", c.by),
        (None, false) => format!("claimed by {} ({day})", c.by),
    }
}

/// Most open questions a chat answer, a note or a digest lists (the rest are counted;
/// JSON and `questions` list them all).
pub const QUESTIONS_SHOWN: usize = 5;

/// `1 task`, `3 tasks`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `1 candidate`, `2 candidates` (regular plurals).
pub(crate) fn count(n: usize, word: &str) -> String {
    plural(n, word, &format!("{word}s"))
}

/// `s` cut to at most `max` characters, an ellipsis marking the cut.
pub fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}
