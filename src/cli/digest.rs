//! `shortlist digest [--since DATE|REV]`: what changed, what is in flight, open
//! questions and the recommended next.

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render::{self, View};

pub fn run(ctx: &Ctx, since: Option<&str>) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let req = app::DigestRequest {
        since: since.map(str::to_string),
        chart: false,
    };
    let d = app::digest(&mut s, &req)?;
    ctx.finish(&s, &d.triage.warnings);
    let tz = s.config().timezone.clone();
    let text = render::md::digest(&d.changes, &View::of(&d.triage), tz.as_deref());
    Ok(Output::ok(if ctx.json() {
        pretty(serde_json::json!({
            "schema": "shortlist.digest/1",
            "changes": d.changes,
            "text": text,
        }))
    } else {
        text
    }))
}
