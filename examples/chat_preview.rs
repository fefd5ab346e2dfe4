//! What the bot would post for a repository, without Discord: the `/next` message as a
//! user sees it, and how many messages and characters `/next`, `/triage` and the digest
//! take. `cargo run --example chat_preview -- REPO [PLAN_GLOB]`.

use shortlist::app::{self, NextRequest, OpenRequest, Options, Session};
use shortlist::bot::pages;
use shortlist::render::{self, discord};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(repo) = args.next() else {
        eprintln!("usage: chat_preview REPO [PLAN_GLOB]");
        std::process::exit(2);
    };
    let db = std::env::temp_dir().join(format!("chat-preview-{}.sqlite3", std::process::id()));
    let req = OpenRequest {
        repo: Some(repo.into()),
        plan_globs: args.collect(),
        database: Some(db.clone()),
        options: Options {
            refresh_index: false,
            ..Options::default()
        },
        ..OpenRequest::default()
    };
    let run = || -> Result<(), app::AppError> {
        let mut s = Session::open(&req)?;
        let name = render::short_path(&s.config().root.to_string_lossy()).to_string();
        let next = app::next(&mut s, NextRequest { note: None })?;
        let body = discord::next_message(&next.triage, &name, false);
        let content = body["content"].as_str().unwrap_or("");
        println!("{content}\n");
        let buttons: Vec<&str> = body["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["components"].as_array().into_iter().flatten())
            .filter_map(|b| b["label"].as_str())
            .collect();
        println!("[buttons: {}]\n", buttons.join(" | "));
        println!("/next: 1 message, {} characters", content.chars().count());
        let triage = render::md::triage(&discord::chat_view(&next.triage));
        let p = pages::pages(&triage, pages::CONTENT_LIMIT);
        println!(
            "/triage: 1 message of {} pages (Prev/Next), {} characters",
            p.len(),
            triage.chars().count()
        );
        if let Ok(d) = app::digest(&mut s, &app::DigestRequest::default()) {
            let tz = s.config().timezone.clone();
            let text =
                render::md::digest(&d.changes, &discord::chat_view(&d.triage), tz.as_deref());
            let p = pages::pages(&text, pages::CONTENT_LIMIT);
            println!(
                "digest: 1 message of {} pages with the chart, {} characters",
                p.len(),
                text.chars().count()
            );
        }
        Ok(())
    };
    let out = run();
    let _ = std::fs::remove_file(&db);
    if let Err(e) = out {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
