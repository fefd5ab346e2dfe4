//! `shortlist worktrees`: every linked worktree, the tasks each is doing and the
//! predicted merge conflicts; exits 2 when there is a conflict with work in flight.

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render;

pub fn run(ctx: &Ctx) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let f = app::worktrees(&mut s)?;
    ctx.finish(&s, &[]);
    let text = if ctx.json() {
        let mut v = render::repo::worktrees_json(&f.state);
        if let serde_json::Value::Object(m) = &mut v {
            m.extend(render::json::flight(&f));
        }
        pretty(v)
    } else {
        render::repo::worktrees_md(&f.state, render::Medium::Terminal) + &render::md::flight(&f)
    };
    let code = if f.conflicts.is_empty() { 0 } else { 2 };
    Ok(Output { text, code })
}
