//! `shortlist track ID`: one track's remaining work and what is finished.

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render;

pub fn run(ctx: &Ctx, id: &str) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let f = app::track(&mut s, &app::TrackRequest { track: id.into() })?;
    ctx.finish(&s, &[]);
    Ok(Output::ok(if ctx.json() {
        pretty(render::json::track(&f))
    } else {
        render::md::track(&f)
    }))
}
