//! `shortlist decide QID TEXT`: record a decision on a question.

use super::{pretty, CliError, Ctx, Output};
use crate::app;

pub fn run(ctx: &Ctx, qid: &str, text: &[String], by: &Option<String>) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let by = ctx.actor(&s, by);
    let req = app::DecideRequest {
        question: qid.to_string(),
        decision: text.join(" "),
        by,
        via: "cli".into(),
    };
    let d = app::decide(&mut s, &req)?;
    ctx.finish(&s, &[]);
    let (dec, q) = (&d.decision, &d.question);
    Ok(Output::ok(if ctx.json() {
        pretty(serde_json::json!({
            "schema": "shortlist.decision/1",
            "decision": dec,
            "question": q,
        }))
    } else {
        format!(
            "Decided {}: {}\n  question: {}\n  by {} on {}\n",
            q.id,
            dec.text,
            q.text,
            dec.decided_by,
            dec.decided_at.format("%Y-%m-%d %H:%M UTC")
        )
    }))
}
