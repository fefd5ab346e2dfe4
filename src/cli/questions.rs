//! `shortlist questions [--all]`: the open questions with their ids (and the decided
//! ones with their decisions).

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render;

pub fn run(ctx: &Ctx, all: bool) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let k = app::questions(&mut s)?;
    ctx.finish(&s, &k.warnings);
    Ok(Output::ok(if ctx.json() {
        pretty(render::json::questions_doc(&k, all))
    } else {
        render::md::questions(&k, all, render::Medium::Terminal)
    }))
}
