//! `shortlist note [TOPIC]`: write a conversation note and print its path.

use super::{pretty, CliError, Ctx, Output};
use crate::app::{self, NoteAsk};
use chrono::Utc;

pub fn run(ctx: &Ctx, topic: &[String], by: &Option<String>) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let topic = if topic.is_empty() {
        "triage".to_string()
    } else {
        topic.join(" ")
    };
    let by = ctx.actor(&s, by);
    let n = app::note(
        &mut s,
        NoteAsk {
            topic,
            by,
            at: Utc::now(),
        },
    )?;
    ctx.finish(&s, &n.warnings);
    Ok(Output::ok(if ctx.json() {
        pretty(serde_json::json!({
            "schema": "shortlist.note/1",
            "path": n.note.path,
            "candidates": n.note.candidates,
        }))
    } else {
        format!("{}\n", n.note.path.display())
    }))
}
