//! `shortlist next [--explain]`: the shortlist and the recommended next.

use super::{pretty, CliError, Ctx, Output};
use crate::app::{self, NextRequest};
use crate::render::{self, View};

pub fn run(ctx: &Ctx, explain: bool) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let answer = app::next(&mut s, NextRequest { note: None })?;
    let t = &answer.triage;
    ctx.finish(&s, &t.warnings);
    let mut view = View::of(t);
    view.explain = explain;
    Ok(Output::ok(if ctx.json() {
        pretty(render::json::triage(&view))
    } else {
        render::md::next(&view)
    }))
}
