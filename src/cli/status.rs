//! `shortlist status`: the checkout's branch, upstream distance, counts, untracked
//! files and uncommitted plan edits.

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render;

pub fn run(ctx: &Ctx) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let st = app::status(&mut s)?;
    ctx.finish(&s, &[]);
    Ok(Output::ok(if ctx.json() {
        pretty(render::repo::status_json(&st.checkout))
    } else {
        render::repo::status_md(&st.checkout, render::Medium::Terminal)
    }))
}
