//! `shortlist triage [TRACK]`: remaining work by track, with the repository's state.

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render::{self, View};

pub fn run(ctx: &Ctx, track: Option<&str>) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let t = app::triage(&mut s)?;
    let filter = match track {
        Some(q) => Some(crate::triage::track_named(&t.plan, q).map_err(app::AppError::from)?),
        None => None,
    };
    ctx.finish(&s, &t.warnings);
    let view = View::of(&t, filter);
    Ok(Output::ok(if ctx.json() {
        pretty(render::json::triage(&view))
    } else {
        render::md::triage(&view)
    }))
}
