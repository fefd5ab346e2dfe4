//! `shortlist check`: every diagnostic of the plan with file and line, and the
//! conflicts; exits 2 on conflicts (or, with `--strict`, error-level diagnostics).

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render::{self, View};

pub fn run(ctx: &Ctx, strict: bool) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let t = app::check(&mut s)?;
    ctx.finish(&s, &t.warnings);
    let view = View::of(&t);
    let plan = &t.plan;
    let text = if ctx.json() {
        let mut v = render::json::check(plan);
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("conflicts".into(), render::json::conflicts_of(&view));
        }
        pretty(v)
    } else {
        render::md::check(plan) + &render::md::check_conflicts(&view)
    };
    let code = if !t.conflicts.is_empty() || (strict && plan.error_count() > 0) {
        2
    } else {
        0
    };
    Ok(Output { text, code })
}
