//! The commands about the repository itself: `status` (the checkout) and `worktrees`
//! (every linked worktree, the tasks each is doing, predicted merge conflicts). Both work
//! without a plan; with one they say more.

use super::session::Session;
use super::AppError;
use crate::plan::Plan;
use crate::repo::CheckoutStatus;
use crate::triage::{self, Flight};
use std::sync::Arc;

/// The checkout: branch or detached HEAD, upstream distance, counts, untracked files,
/// uncommitted plan edits (when a plan can be read).
#[derive(Debug, Clone)]
pub struct Status {
    pub checkout: CheckoutStatus,
    pub plan: Option<Arc<Plan>>,
}

pub fn status(s: &mut Session) -> Result<Status, AppError> {
    let (checkout, plan) = s.checkout()?;
    Ok(Status { checkout, plan })
}

/// Every worktree, in flight or safe to remove, with the tasks each is doing and the
/// conflicts with work in flight. A plan that cannot be read only leaves the tasks out.
pub fn worktrees(s: &mut Session) -> Result<Flight, AppError> {
    s.begin();
    s.scanner()?;
    let (state, files) = s.scan()?;
    let Some(state) = state else {
        return Err(s.scanner().err().unwrap_or(AppError::NotARepository {
            path: s.config().root.clone(),
            why: String::new(),
        }));
    };
    let plan = s.read_plan(&files).ok();
    let worktree_plans = match &plan {
        Some(p) => super::session::worktree_plans(p, &state),
        None => Default::default(),
    };
    let prediction = s.predict(&state);
    Ok(triage::flight(
        plan,
        s.config(),
        state,
        &worktree_plans,
        prediction,
    ))
}
