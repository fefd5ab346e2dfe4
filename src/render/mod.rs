//! Presenting a triage: markdown for people, versioned JSON for programs. Decides nothing.

pub mod json;
pub mod md;
pub mod repo;

use crate::plan::Plan;
use crate::repo::RepoReport;
use crate::triage::conflicts::Conflict;
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
}
