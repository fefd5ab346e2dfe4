//! `shortlist pick N [--note PATH]`: pick candidate N of a note's shortlist; the note
//! gets a `## Selected` entry.

use super::{pretty, CliError, Ctx, Output};
use crate::app::{self, Offer, PickRequest};
use chrono::Utc;
use std::path::PathBuf;

pub fn run(
    ctx: &Ctx,
    n: usize,
    note: &Option<PathBuf>,
    by: &Option<String>,
) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let by = ctx.actor(&s, by);
    let o = app::pick(
        &mut s,
        PickRequest {
            offer: Offer::Note(note.clone()),
            n,
            by,
            at: Utc::now(),
        },
    )?;
    ctx.finish(&s, &[]);
    Ok(Output::ok(if ctx.json() {
        pretty(serde_json::json!({
            "schema": "shortlist.pick/1",
            "pick": o.pick,
            "candidate": o.candidate,
            "new": o.new,
            "note": o.note,
            "claim": o.claim,
        }))
    } else {
        let c = &o.candidate;
        let mut s = format!(
            "{} picked {}. `{}` {}",
            o.pick.picked_by, c.rank, c.id, c.title
        );
        if !o.new {
            s.push_str(" (already recorded; nothing changed)");
        }
        s.push('\n');
        if o.claim.claimed_by != o.pick.picked_by {
            s.push_str(&format!(
                "`{}` stays claimed by {} (since {}); `shortlist unpick {}` releases it\n",
                c.id,
                o.claim.claimed_by,
                o.claim.claimed_at.format("%Y-%m-%d"),
                c.id
            ));
        }
        if let (Some(p), true) = (&o.note, o.new) {
            s.push_str(&format!("## Selected appended to {}\n", p.display()));
        }
        s
    }))
}
