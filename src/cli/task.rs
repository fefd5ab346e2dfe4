//! `shortlist task ID`: everything known about one task, with its source.

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render;

pub fn run(ctx: &Ctx, id: &str) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let f = app::task(&mut s, &app::TaskRequest { id: id.into() })?;
    ctx.finish(&s, &[]);
    Ok(Output::ok(if ctx.json() {
        pretty(render::json::task(&f))
    } else {
        render::md::task(&f)
    }))
}
