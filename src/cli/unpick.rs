//! `shortlist unpick ID`: release the claim on a task so that it is offered again.

use super::{pretty, CliError, Ctx, Output};
use crate::app;

pub fn run(ctx: &Ctx, id: &str, by: &Option<String>) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let by = ctx.actor(&s, by);
    // On the command line whoever runs it may release any claim (as a writer in chat).
    let req = app::UnpickRequest {
        task: id.to_string(),
        by: by.clone(),
        any: true,
    };
    let c = app::unpick(&mut s, &req)?;
    ctx.finish(&s, &[]);
    Ok(Output::ok(if ctx.json() {
        pretty(serde_json::json!({"schema": "shortlist.unpick/1", "released": c, "by": by}))
    } else {
        format!(
            "Released `{}` (claimed by {} on {}).\n",
            c.task_id,
            c.claimed_by,
            c.claimed_at.format("%Y-%m-%d")
        )
    }))
}
