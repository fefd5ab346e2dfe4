//! Presenting a triage: markdown for people, versioned JSON for programs. Decides nothing.

pub mod json;
pub mod md;
pub mod note;
pub mod repo;

use crate::plan::Plan;
use crate::repo::RepoReport;
use crate::store::DecisionRow;
use crate::triage::conflicts::Conflict;
use crate::triage::inflight::WorktreeTasks;
use crate::triage::questions::OpenQuestion;
use crate::triage::shortlist::Shortlist;
use crate::triage::Remaining;

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
    /// The candidates (`shortlist next`); absent for a plain triage.
    pub shortlist: Option<&'a Shortlist>,
    /// Open questions from plan, notes and store; `None`: the plan's only.
    pub questions: Option<&'a [OpenQuestion]>,
    /// Decisions recorded so far.
    pub decisions: &'a [DecisionRow],
    /// Also say why the other ready units are not on the shortlist.
    pub explain: bool,
    /// Worktrees in flight and the tasks they are doing.
    pub in_flight: &'a [WorktreeTasks],
}

impl View<'_> {
    /// The worktree doing `t` (or an ancestor of it): (name, branch).
    pub fn in_flight_of(&self, t: usize) -> Option<(&str, &str)> {
        let mut cur = Some(t);
        while let Some(i) = cur {
            for w in self.in_flight {
                if w.tasks.iter().any(|(x, _)| *x == i) {
                    return Some((&w.name, &w.branch));
                }
            }
            cur = self.plan.tasks[i].parent;
        }
        None
    }
}

/// `1 task`, `3 tasks`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `1 candidate`, `2 candidates` (regular plurals).
pub(crate) fn count(n: usize, word: &str) -> String {
    plural(n, word, &format!("{word}s"))
}
