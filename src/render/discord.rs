//! Answers as Discord messages: written for a chat (short entries, names instead of
//! server paths, buttons instead of command-line hints), within Discord's limits, with
//! the components that go with them. The shortlist is one message; its details sit
//! behind buttons and are answered to the presser alone.

use super::md::{claim_lines, focused_conflict_lines, question_lines, recommended_line};
use super::short;
use super::{Medium, View};
use crate::triage::Triage;
use serde_json::{json, Value};

/// Discord's limit on a message's `content`, in characters.
pub const CONTENT_LIMIT: usize = 2000;

/// Keycap emoji 1️⃣–5️⃣: reacting with one picks that candidate.
pub const KEYCAPS: [&str; 5] = [
    "1\u{fe0f}\u{20e3}",
    "2\u{fe0f}\u{20e3}",
    "3\u{fe0f}\u{20e3}",
    "4\u{fe0f}\u{20e3}",
    "5\u{fe0f}\u{20e3}",
];

/// The details a shortlist message offers behind its buttons (`more:<kind>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Conflicts,
    Passed,
    Questions,
}

impl Detail {
    pub fn custom_id(self) -> &'static str {
        match self {
            Detail::Conflicts => "more:conflicts",
            Detail::Passed => "more:passed",
            Detail::Questions => "more:questions",
        }
    }

    pub fn from_custom_id(id: &str) -> Option<Detail> {
        [Detail::Conflicts, Detail::Passed, Detail::Questions]
            .into_iter()
            .find(|d| d.custom_id() == id)
    }

    fn label(self) -> &'static str {
        match self {
            Detail::Conflicts => "Conflicts",
            Detail::Passed => "Why not others?",
            Detail::Questions => "Questions",
        }
    }
}

/// The view a chat answer is drawn from.
pub fn chat_view(t: &Triage) -> View<'_> {
    let mut v = View::of(t);
    v.medium = Medium::Chat;
    v
}

/// Warnings of an answer as lines a reader can see (the database could not be read…).
pub fn with_warnings(mut text: String, warnings: &[String]) -> String {
    for w in warnings {
        text.push_str(&format!("\n⚠️ {w}"));
    }
    text
}

/// `/next` as one message: a title naming the repository and plan, one compact entry
/// per candidate (id, title, track and priority, one line of why, the first caution),
/// the recommended next and the pick prompt; the numbered buttons and the detail
/// buttons on it. `repo` is the repository's name; `several`: the channel serves more
/// than one repository, so the detail buttons name the one they are about
/// (`more:conflicts@repo`). The triage's warnings end the text.
pub fn next_message(t: &Triage, repo: &str, several: bool) -> Value {
    let v = chat_view(t);
    let plan = &t.plan;
    let sl = &t.shortlist;
    let files: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
    let plan_name = match files.as_slice() {
        [] => "no plan file".to_string(),
        [one] => format!("`{one}`"),
        [one, rest @ ..] => format!("`{one}` and {} more", rest.len()),
    };
    let mut head = vec![format!("**Next in `{repo}`** · plan {plan_name}")];
    let mut entries: Vec<Vec<String>> = Vec::new();
    for c in &sl.candidates {
        let task = &plan.tasks[c.task];
        // The track as the plan names it (`Track A — Billing`, `1.6 验证`); the priority
        // follows separately, the task's own.
        let mut track = plan.track_title(c.track);
        if let Some(p) = plan.tracks[c.track].priority {
            if let Some(cut) = track.strip_suffix(&format!(" ({p})")) {
                track = cut.to_string();
            }
        }
        let prio = plan
            .effective_priority(c.task)
            .map(|p| format!(" · {p}"))
            .unwrap_or_default();
        let star = if c.recommended { " ⭐" } else { "" };
        let mut e = vec![format!(
            "**{}.** `{}` {} — {track}{prio}{star}",
            c.rank,
            task.id,
            short(&task.title, 120)
        )];
        // One line of why: the reasons that say something, as many as fit.
        let why: Vec<&str> = c
            .reasons
            .iter()
            .map(String::as_str)
            .filter(|r| *r != "no priority given")
            .collect();
        if !why.is_empty() {
            e.push(format!("   {}", short(&why.join("; "), 150)));
        }
        if let Some(mind) = c.cautions.first() {
            let more = c.cautions.len() - 1;
            let more = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            e.push(format!("   ⚠️ {}{more}", short(mind, 160)));
        }
        entries.push(e);
    }
    let mut tail = Vec::new();
    let n = sl.candidates.len().min(KEYCAPS.len());
    if sl.candidates.is_empty() {
        tail.push(format!(
            "Nothing is ready to pick: {} open, {} held back.",
            t.remaining.open,
            sl.passed.len()
        ));
    } else {
        tail.push(recommended_line(plan, sl));
        tail.push(if n == 1 {
            "Pick it: react 1️⃣ or press its button.".to_string()
        } else {
            format!("Pick one: react 1️⃣–{} or press a button.", KEYCAPS[n - 1])
        });
    }
    let claims = claim_lines(&v);
    if !claims.is_empty() {
        head.push(format!("Claimed: {}", short(&claims.join("; "), 300)));
    }
    let mut content = fit(&head, &mut entries, &tail);
    if !t.warnings.is_empty() {
        content = short(&with_warnings(content, &t.warnings), CONTENT_LIMIT);
    }
    let mut rows = Vec::new();
    if n > 0 {
        let buttons: Vec<Value> = sl
            .candidates
            .iter()
            .take(n)
            .map(|c| {
                json!({"type": 2, "style": 1, "custom_id": format!("pick:{}", c.rank),
                       "label": short(&format!("{} {}", c.rank, plan.tasks[c.task].id), 80)})
            })
            .collect();
        rows.push(json!({"type": 1, "components": buttons}));
    }
    let details: Vec<Value> = [
        (Detail::Conflicts, !focused_conflict_lines(&v).is_empty()),
        (Detail::Passed, !sl.passed.is_empty()),
        (Detail::Questions, !t.questions.is_empty()),
    ]
    .into_iter()
    .filter(|(_, any)| *any)
    .map(|(d, _)| {
        let id = if several {
            format!("{}@{repo}", d.custom_id())
        } else {
            d.custom_id().to_string()
        };
        json!({"type": 2, "style": 2, "custom_id": id, "label": d.label()})
    })
    .collect();
    if !details.is_empty() {
        rows.push(json!({"type": 1, "components": details}));
    }
    json!({"content": content, "components": rows, "allowed_mentions": {"parse": []}})
}

/// Join the head, the entries and the tail within the limit, shortening entries to their
/// first line (then dropping the last ones, counted) when everything does not fit.
fn fit(head: &[String], entries: &mut [Vec<String>], tail: &[String]) -> String {
    let join = |entries: &[Vec<String>], dropped: usize| {
        let mut lines: Vec<String> = head.to_vec();
        lines.push(String::new());
        for e in entries {
            lines.extend(e.iter().cloned());
        }
        if dropped > 0 {
            lines.push(format!("… and {dropped} more candidates"));
        }
        lines.push(String::new());
        lines.extend(tail.iter().cloned());
        lines.join("\n")
    };
    let full = join(entries, 0);
    if full.chars().count() <= CONTENT_LIMIT {
        return full;
    }
    for e in entries.iter_mut() {
        e.truncate(1);
    }
    let mut kept = entries.len();
    loop {
        let text = join(&entries[..kept], entries.len() - kept);
        if text.chars().count() <= CONTENT_LIMIT || kept == 0 {
            return short(&text, CONTENT_LIMIT);
        }
        kept -= 1;
    }
}

/// The text behind one of the shortlist's buttons, as pages that each fit a message;
/// an item never breaks across two.
pub fn detail_pages(t: &Triage, d: Detail) -> Vec<String> {
    let v = chat_view(t);
    let plan = &t.plan;
    let (title, lines): (&str, Vec<String>) = match d {
        Detail::Conflicts => ("Conflicts", focused_conflict_lines(&v)),
        Detail::Passed => (
            "Not on the shortlist",
            t.shortlist
                .passed
                .iter()
                .map(|p| {
                    let task = &plan.tasks[p.task];
                    format!("`{}` {}: {}", task.id, task.title, p.why.join("; "))
                })
                .collect(),
        ),
        Detail::Questions => ("Open questions", question_lines(&v)),
    };
    let items: Vec<String> = lines.iter().map(|l| format!("- {l}")).collect();
    pages_of(&format!("**{title}**"), &items)
}

/// Items (each one or more lines) as pages of at most [`CONTENT_LIMIT`] characters,
/// never splitting an item (one longer than a page alone is shortened).
pub fn pages_of(title: &str, items: &[String]) -> Vec<String> {
    let room = CONTENT_LIMIT - 20;
    let mut pages: Vec<String> = Vec::new();
    let mut cur = title.to_string();
    for item in items {
        let item = short(item, room - title.chars().count() - 2);
        if cur.chars().count() + 1 + item.chars().count() > room {
            pages.push(std::mem::take(&mut cur));
            cur = format!("{title} (continued)");
        }
        cur.push('\n');
        cur.push_str(&item);
    }
    pages.push(cur);
    let n = pages.len();
    if n > 1 {
        for (i, p) in pages.iter_mut().enumerate() {
            p.push_str(&format!("\n({}/{n})", i + 1));
        }
    }
    pages
}
