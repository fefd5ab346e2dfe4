//! `shortlist question add TEXT` (prints the new id) and `question list`.

use super::{pretty, CliError, Ctx, Output, QuestionAction};
use crate::app;

pub fn run(ctx: &Ctx, action: &QuestionAction) -> Result<Output, CliError> {
    let (text, by) = match action {
        QuestionAction::List => return super::questions::run(ctx, false),
        QuestionAction::Add { text, by } => (text.join(" "), by),
    };
    let mut s = ctx.session()?;
    let by = ctx.actor(&s, by);
    let a = app::ask(&mut s, &app::AskRequest { text, by })?;
    ctx.finish(&s, &[]);
    let q = &a.question;
    Ok(Output::ok(if ctx.json() {
        pretty(serde_json::json!({
            "schema": "shortlist.question/1",
            "id": q.id,
            "text": q.text,
            "asked_by": q.asked_by,
            "asked_at": q.asked_at,
            "new": a.new,
        }))
    } else if a.new {
        format!("{}\n", q.id)
    } else {
        format!(
            "{}\n(already asked by {} on {})\n",
            q.id,
            q.asked_by,
            q.asked_at.format("%Y-%m-%d")
        )
    }))
}
