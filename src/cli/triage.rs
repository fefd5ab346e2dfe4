//! `shortlist triage [TRACK]`: remaining work by track, with the repository's state.

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render::{self, View};

pub fn run(ctx: &Ctx, track: Option<&str>) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let req = app::TriageRequest {
        track: track.map(str::to_string),
    };
    let t = app::triage(&mut s, &req)?;
    ctx.finish(&s, &t.warnings);
    let view = View::of(&t);
    Ok(Output::ok(if ctx.json() {
        pretty(render::json::triage(&view))
    } else {
        render::md::triage(&view)
    }))
}
