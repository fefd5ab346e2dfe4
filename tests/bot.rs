//! The bot on the real serenity + poise client against a fake Discord on 127.0.0.1:
//! deferred answers, pages within limits, picks by reaction and button (once), writer
//! roles, autocomplete, 429s waited out, RESUME without losing a pick, the token kept out
//! of logs, and a burst of 500 reactions.

mod common;
mod fake_discord;

use chrono::Utc;
use common::{commit_in, Repo};
use fake_discord::{assert_parses, Fake, Req, CHANNEL};
use serde_json::{json, Value};
use shortlist::app::{OpenRequest, Options};
use shortlist::bot::{self, ServedRepo, Settings, KEYCAPS};
use shortlist::store::Store;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const TOKEN: &str = "test-token-DO-NOT-LOG-7f3a9c";

/// Every log line of every test, to check the token never appears.
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let w = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || LogWriter(w.clone()))
            .with_ansi(false)
            .try_init();
        buf
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Bot {
    fake: Fake,
    repo: Repo,
    db: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task.abort();
    }
}

const PLAN: &str = "# Phase 6 计划

## 6.1 Track A — 计费 Billing（P0）
- [ ] 6.1.1 Invoice PDF export
  - Touch points：`apps/server/src/billing/pdf.ts`
- [ ] 6.1.2 Tax rounding
  - Touch points：`apps/server/src/billing/tax.ts`

## 6.2 Track B — Onboarding（P1）
- [ ] 6.2.1 Signup wizard
  - Touch points：`apps/web/src/signup.tsx`

## 6.3 Track C — Docs（P1）
- [ ] 6.3.1 User guide
  - Touch points：`user_docs/guide.md`

## Open questions
- Should invoices support multiple languages?
";

fn repo_with(plan: &str) -> Repo {
    let r = Repo::new();
    r.write("docs/plan/phase6.md", plan);
    r.write("apps/server/src/billing/pdf.ts", "export {}\n");
    commit_in(&r.git, "plan", "Alice", 1_767_000_000);
    r
}

/// Settings for a bot on `repo` and `db`, talking to the fake at `api`.
fn settings(repo: &Repo, db: &std::path::Path, api: &str, writer_roles: &[&str]) -> Settings {
    Settings {
        repos: vec![ServedRepo {
            name: "phase6".to_string(),
            open: OpenRequest {
                repo: Some(repo.path().to_path_buf()),
                database: Some(db.to_path_buf()),
                options: Options {
                    refresh_index: false,
                    ..Options::default()
                },
                ..OpenRequest::default()
            },
            channels: Vec::new(),
        }],
        token: TOKEN.to_string(),
        api_root: api.to_string(),
        test_server: true,
        guilds: vec![200],
        channels: Vec::new(),
        writer_roles: writer_roles.iter().map(|s| s.to_string()).collect(),
        digest_time: chrono::NaiveTime::from_hms_opt(0, 0, 0).expect("midnight"),
        digest_tz: chrono_tz::UTC,
        digest_tick: Duration::from_millis(200),
    }
}

async fn start(repo: Repo, writer_roles: &[&str]) -> Bot {
    let _ = logs();
    let fake = Fake::start().await;
    let db = repo.wt_dir.path().join("bot.sqlite3");
    let settings = settings(&repo, &db, &fake.rest, writer_roles);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        if let Err(e) = bot::run(settings, async move {
            let _ = rx.await;
        })
        .await
        {
            tracing::error!("bot stopped: {e}");
        }
    });
    fake.registered().await;
    Bot {
        fake,
        repo,
        db,
        stop: Some(tx),
        task,
    }
}

fn is_callback(r: &Req, id: &str) -> bool {
    r.method == "POST"
        && r.path.starts_with(&format!("/interactions/{id}/"))
        && r.path.ends_with("/callback")
}

/// Any answer posted for interaction `id`: its initial callback or a follow-up.
fn answers(r: &Req, id: &str) -> bool {
    let tok = format!("tok-{id}");
    r.method == "POST" && (r.path.ends_with(&tok) || r.path.contains(&format!("{tok}/")))
}

fn is_followup(r: &Req, id: &str) -> bool {
    r.method == "POST"
        && r.path.starts_with("/webhooks/")
        && r.path.ends_with(&format!("tok-{id}"))
        && r.status == 200
}

/// `/next` by alice (with `roles`); the follow-up that carries the buttons, once the bot
/// has recorded it (its reactions come after that).
async fn shortlist_posted(fake: &Fake, roles: &[&str]) -> Req {
    let id = fake.command("next", json!([]), alice(), roles);
    let offer = fake
        .wait_for("the shortlist", |r| {
            is_followup(r, &id) && r.body["components"].is_array()
        })
        .await;
    let message_id = offer.reply["id"].as_str().unwrap_or("").to_string();
    fake.wait_for("the keycap reactions", |r| {
        r.method == "PUT"
            && r.path
                .contains(&format!("/messages/{message_id}/reactions/"))
    })
    .await;
    offer
}

/// Wait until the bot says something starting with `prefix` (a pick answered in the
/// channel, by a post or a button's callback).
async fn said_by_bot(fake: &Fake, prefix: &str) -> Req {
    fake.wait_for(prefix, |r| {
        r.body["content"]
            .as_str()
            .is_some_and(|c| c.starts_with(prefix))
    })
    .await
}

fn alice() -> (&'static str, &'static str) {
    ("700", "alice")
}

#[test]
fn every_payload_the_fake_sends_parses_in_serenity() {
    let msg = fake_discord::message_json("1", CHANNEL, &json!({"content": "x"}));
    assert_parses(
        "INTERACTION_CREATE",
        &fake_discord::interaction(
            "1",
            2,
            json!({"id": "9", "name": "status", "type": 1}),
            alice(),
            &[],
            None,
        ),
    );
    assert_parses(
        "INTERACTION_CREATE",
        &fake_discord::interaction(
            "2",
            4,
            json!({"id": "9", "name": "task", "type": 1, "options": [{"name": "id", "type": 3, "value": "6", "focused": true}]}),
            alice(),
            &[],
            None,
        ),
    );
    assert_parses(
        "INTERACTION_CREATE",
        &fake_discord::interaction(
            "3",
            3,
            json!({"custom_id": "pick:1", "component_type": 2}),
            alice(),
            &[],
            Some(msg),
        ),
    );
    assert_parses(
        "MESSAGE_REACTION_ADD",
        &json!({"user_id": "700", "channel_id": CHANNEL, "message_id": "1", "guild_id": "200", "burst": false, "type": 0, "emoji": {"id": null, "name": "1️⃣"}, "member": {"user": {"id": "700", "username": "alice"}, "roles": [], "deaf": false, "mute": false, "flags": 0}}),
    );
}

#[test]
fn the_fake_refuses_command_lists_discord_refuses_and_ours_pass() {
    let bad = json!([{"name": "task", "description": "One task", "options": [
        {"name": "repo", "description": "Repository", "type": 3},
        {"name": "id", "description": "Task id", "type": 3, "required": true},
        {"name": "repo", "description": "Again", "type": 3},
    ]}]);
    let mut problems = Vec::new();
    fake_discord::check_commands(&bad, &mut problems);
    assert_eq!(
        problems,
        [
            "/task.id: required option after an optional one (required options must be placed before non-required options)",
            "/task: option name `repo` repeated",
        ]
    );
    // Choices of at most 100 characters, and 8,000 characters in a whole command.
    let long = "长".repeat(101);
    let choice = |i: usize| json!({"name": format!("choice {i} {}", "x".repeat(80)), "value": "y".repeat(100)});
    let options: Vec<Value> = (0..25)
        .map(|o| {
            json!({"name": format!("o{o}"), "description": "d", "type": 3,
            "choices": (0..4).map(choice).collect::<Vec<_>>()})
        })
        .collect();
    let bad = json!([
        {"name": "pick", "description": "Pick", "options": [
            {"name": "id", "description": "Task", "type": 3, "choices": [{"name": long, "value": "a"}, {"name": "b", "value": long}]}]},
        {"name": "big", "description": "Big", "options": options},
    ]);
    let mut problems = Vec::new();
    fake_discord::check_commands(&bad, &mut problems);
    assert_eq!(
        problems,
        [
            "/pick.id: choice name of 101 chars (1-100)",
            "/pick.id: choice value over 100 chars",
            "/big: 18996 chars of names, descriptions and values together (max 8000)",
        ]
    );
    let ours = serde_json::to_value(poise::builtins::create_application_commands(
        &shortlist::bot::commands(),
    ))
    .expect("json");
    let mut problems = Vec::new();
    fake_discord::check_commands(&ours, &mut problems);
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn the_fake_checks_buttons_rows_and_files_as_discord_does() {
    let problems = |body: Value| {
        let mut p = Vec::new();
        fake_discord::check_message(&body, &mut p, fake_discord::INTERACTION_FILE_LIMIT);
        p
    };
    let row = |c: Value| json!({"content": "x", "components": [{"type": 1, "components": c}]});
    assert_eq!(
        problems(row(
            json!([{"type": 2, "style": 5, "label": "docs", "custom_id": "d"}])
        )),
        ["a link button needs a url and no custom_id"]
    );
    assert_eq!(
        problems(row(json!([{"type": 2, "style": 2, "custom_id": "b"}]))),
        ["a button with neither label nor emoji"]
    );
    assert_eq!(
        problems(row(json!([
            {"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}]},
            {"type": 2, "style": 2, "label": "go", "custom_id": "b"}
        ]))),
        ["a select shares its action row"]
    );
    let file = |bytes: u64| json!({"name": "progress.png", "bytes": bytes, "png": true});
    assert_eq!(
        problems(json!({"_files": [file(1000)]})),
        Vec::<String>::new(),
        "a file alone is a message"
    );
    assert_eq!(
        problems(json!({"_files": vec![file(1000); 11]})),
        ["11 files (max 10)"]
    );
    assert_eq!(
        problems(json!({"_files": [file(26 * 1024 * 1024)]})),
        [
            "file `progress.png` over 25 MiB (code 40005)",
            "files of 26 MiB together (max 25 MiB, code 40005)"
        ]
    );
    assert_eq!(
        problems(json!({"_files": [file(13 * 1024 * 1024), file(13 * 1024 * 1024)]})),
        ["files of 26 MiB together (max 25 MiB, code 40005)"]
    );
    // Posted in a channel, a file may not pass Discord's default 10 MiB.
    let mut p = Vec::new();
    let eleven = json!({"_files": [file(11 * 1024 * 1024)]});
    fake_discord::check_message(&eleven, &mut p, fake_discord::CHANNEL_FILE_LIMIT);
    assert_eq!(p, ["file `progress.png` over 10 MiB (code 40005)"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_refuses_what_discord_refuses_and_shows_nothing_of_it() {
    let fake = Fake::start().await;
    let send = shortlist::bot::send::Sender::new(&fake.rest, TOKEN);
    let channel: u64 = CHANNEL.parse().expect("id");
    let button =
        |i: usize| json!({"type": 2, "style": 2, "label": "x", "custom_id": format!("b{i}")});
    let row = |i: usize| json!({"type": 1, "components": [button(i)]});
    // Six action rows: Discord allows five.
    let rows: Vec<Value> = (0..6).map(row).collect();
    let err = send
        .post(
            channel,
            &json!({"content": "too many rows", "components": rows}),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            shortlist::bot::send::SendError::Status { status: 400, .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("Invalid Form Body"), "{err}");
    // Nothing at all: Discord's own code for it.
    let err = send
        .post(channel, &json!({"content": "  "}))
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("Cannot send an empty message"),
        "{err}"
    );
    assert!(fake.shown().is_empty(), "nothing refused is shown");
    // A button that could never be pressed: no custom_id.
    let err = send
        .post(
            channel,
            &json!({"content": "x", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "go"}]}]}),
        )
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("Invalid Form Body"), "{err}");
    assert!(fake.shown().is_empty(), "nothing refused is shown");
    // Within the limits it is shown.
    let m = send
        .post(channel, &json!({"content": "ok", "components": [row(0)]}))
        .await
        .expect("sent");
    assert_eq!(fake.shown().len(), 1);
    // Reactions: emoji only, and at most 20 distinct on a message.
    let mid: u64 = m["id"].as_str().expect("id").parse().expect("id");
    let err = send
        .react(channel, mid, "1")
        .await
        .expect_err("not an emoji");
    assert!(err.to_string().contains("Unknown Emoji"), "{err}");
    for i in 0..20 {
        let e = char::from_u32(0x1F600 + i).expect("emoji").to_string();
        send.react(channel, mid, &e).await.expect("reacted");
    }
    send.react(channel, mid, "\u{1F600}")
        .await
        .expect("one already there");
    let err = send.react(channel, mid, "✅").await.expect_err("a 21st");
    assert!(err.to_string().contains("(20)"), "{err}");
    // A callback must fit its interaction: a command cannot update a message, and the
    // refused answer leaves it unanswered.
    fake.dispatch(
        "INTERACTION_CREATE",
        fake_discord::interaction(
            "77",
            2,
            json!({"id": "9", "name": "status", "type": 1}),
            alice(),
            &[],
            None,
        ),
    );
    let callback = |body: Value| {
        reqwest::Client::new()
            .post(format!(
                "{}/api/v10/interactions/77/tok-77/callback",
                fake.rest
            ))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let r = callback(json!({"type": 7, "data": {"content": "x"}}))
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 400);
    let r = callback(json!({"type": 5})).await.expect("sent");
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(fake.violations().len(), 6, "{:#?}", fake.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_registered_within_limits_and_status_is_deferred_then_answered() {
    let b = start(repo_with(PLAN), &[]).await;
    let reg = b
        .fake
        .wait_for("registration", |r| r.path.ends_with("/commands"))
        .await;
    let names: Vec<&str> = reg
        .body
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for n in [
        "next",
        "triage",
        "track",
        "task",
        "worktrees",
        "status",
        "question",
        "decide",
        "note",
        "progress",
        "digest",
    ] {
        assert!(names.contains(&n), "/{n} registered: {names:?}");
    }
    let id = b.fake.command("status", json!([]), alice(), &[]);
    let cb = b
        .fake
        .wait_for("the deferral", |r| is_callback(r, &id))
        .await;
    assert_eq!(cb.body["type"], 5, "deferred first");
    let f = b
        .fake
        .wait_for("the follow-up", |r| is_followup(r, &id))
        .await;
    assert!(cb.n < f.n, "deferral before the answer");
    assert!(
        f.body["content"]
            .as_str()
            .expect("content")
            .contains("Branch `main`"),
        "{}",
        f.body
    );
    assert_eq!(b.fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_offers_candidates_and_a_reaction_picks_once() {
    let b = start(repo_with(PLAN), &[]).await;
    let id = b.fake.command("next", json!([]), alice(), &[]);
    b.fake
        .wait_for("the deferral", |r| is_callback(r, &id))
        .await;
    let offer = b
        .fake
        .wait_for("the shortlist with buttons", |r| {
            is_followup(r, &id) && r.body["components"].is_array()
        })
        .await;
    let buttons = offer.body["components"][0]["components"]
        .as_array()
        .expect("buttons")
        .clone();
    assert!((3..=5).contains(&buttons.len()), "{buttons:?}");
    assert_eq!(buttons[0]["custom_id"], "pick:1");
    let message_id = offer.reply["id"].as_str().expect("id").to_string();
    // Numbered reactions on that message.
    let n = buttons.len();
    let last = KEYCAPS[n - 1];
    let enc: String = last.bytes().map(|x| format!("%{x:02X}")).collect();
    b.fake
        .wait_for("the keycap reactions", |r| {
            r.method == "PUT"
                && r.path
                    .contains(&format!("/messages/{message_id}/reactions/{enc}"))
        })
        .await;
    // The mapping is stored: a reaction picks candidate 2.
    b.fake
        .react(&message_id, KEYCAPS[1], ("701", "bob"), false, &[]);
    let said = b
        .fake
        .wait_for("the pick answered in the channel", |r| {
            r.path == format!("/channels/{CHANNEL}/messages")
                && r.body["content"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("bob picked 2."))
        })
        .await;
    // Ignored: a bot's reaction, another emoji, an unknown message, the same pick again.
    b.fake
        .react(&message_id, KEYCAPS[0], ("999", "otherbot"), true, &[]);
    b.fake.react(&message_id, "👍", ("701", "bob"), false, &[]);
    b.fake
        .react("424242", KEYCAPS[0], ("701", "bob"), false, &[]);
    b.fake
        .react(&message_id, KEYCAPS[1], ("701", "bob"), false, &[]);
    // A later, different pick proves the ones before were handled (events are in order).
    b.fake
        .react(&message_id, KEYCAPS[0], ("702", "carol"), false, &[]);
    said_by_bot(&b.fake, "carol picked 1.").await;
    let posts: Vec<Req> = b
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.n > said.n && r.path == format!("/channels/{CHANNEL}/messages"))
        .collect();
    assert_eq!(
        posts.len(),
        1,
        "only carol's pick was announced: {posts:#?}"
    );
    let store = Store::open(&b.db).expect("store");
    let picks = store
        .picks(Some(&format!("message:{message_id}")))
        .expect("picks");
    let who: Vec<(&str, usize)> = picks
        .iter()
        .map(|p| (p.picked_by.as_str(), p.rank))
        .collect();
    assert_eq!(who, [("bob", 2), ("carol", 1)]);
    // The triage's note got both picks.
    let msg = store
        .message(&message_id)
        .expect("read")
        .expect("mapping stored");
    let note =
        std::fs::read_to_string(b.repo.path().join(msg.note_path.expect("note"))).expect("note");
    let selected = note.split("## Selected\n").nth(1).expect("selected");
    assert_eq!(
        selected.lines().filter(|l| l.starts_with("- ")).count(),
        2,
        "{selected}"
    );
    assert_eq!(b.fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_pick_for_writers_and_explain_to_others() {
    let b = start(repo_with(PLAN), &["planner"]).await;
    let offer = shortlist_posted(&b.fake, &["801"]).await;
    let msg = offer.reply.clone();
    let press = b.fake.press(&msg, "pick:1", ("703", "dave"), &[]);
    let refused = b
        .fake
        .wait_for("the refusal", |r| is_callback(r, &press))
        .await;
    assert_eq!(refused.body["type"], 4);
    assert_eq!(refused.body["data"]["flags"], 64, "ephemeral");
    assert!(refused.body["data"]["content"]
        .as_str()
        .expect("content")
        .contains("planner"));
    let press = b.fake.press(&msg, "pick:1", alice(), &["801"]);
    let ok = b
        .fake
        .wait_for("the pick", |r| is_callback(r, &press))
        .await;
    assert!(
        ok.body["data"]["content"]
            .as_str()
            .expect("content")
            .starts_with("alice picked 1."),
        "{}",
        ok.body
    );
    // A non-writer's /decide is refused without deferring; a writer's reaction counts.
    let d = b.fake.command("decide", json!([{"name": "question", "type": 3, "value": "Q-0000"}, {"name": "decision", "type": 3, "value": "yes"}]), ("703", "dave"), &[]);
    let cb = b
        .fake
        .wait_for("decide refused", |r| is_callback(r, &d))
        .await;
    assert_eq!(cb.body["data"]["flags"], 64);
    assert_eq!(b.fake.violations(), Vec::<String>::new());
    let store = Store::open(&b.db).expect("store");
    assert_eq!(store.picks(None).expect("picks").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_offers_at_most_25_fuzzy_choices() {
    let mut plan = String::from("## Track A — Big（P0）\n");
    for i in 1..=60 {
        let _ = writeln!(
            plan,
            "- [ ] 7.{i} Feature number {i} with a long enough title to matter"
        );
    }
    let b = start(repo_with(&plan), &[]).await;
    let id = b.fake.autocomplete("task", "id", "7.");
    let cb = b.fake.wait_for("choices", |r| is_callback(r, &id)).await;
    assert_eq!(cb.body["type"], 8);
    let choices = cb.body["data"]["choices"].as_array().expect("choices");
    assert_eq!(choices.len(), 25);
    let id = b.fake.autocomplete("task", "id", "ftr 42");
    let cb = b
        .fake
        .wait_for("fuzzy choices", |r| is_callback(r, &id))
        .await;
    let first = &cb.body["data"]["choices"][0];
    assert_eq!(first["value"], "7.42", "{}", cb.body);
    assert_eq!(b.fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_300_task_plan_comes_in_pages_within_the_limits() {
    let mut plan = String::new();
    for t in 0..6 {
        let _ = writeln!(
            plan,
            "## Track {} — 工作流 {t}（P{}）",
            (b'A' + t as u8) as char,
            t % 3
        );
        for i in 1..=50 {
            let _ = writeln!(
                plan,
                "- [ ] {}.{i} 任务 Task {i} of track {t}: make the thing work end to end",
                t + 1
            );
            let _ = writeln!(
                plan,
                "  - Touch points：`apps/m{t}/src/f{i}.ts`、`apps/m{t}/src/*`"
            );
        }
    }
    let b = start(repo_with(&plan), &[]).await;
    let id = b.fake.command("triage", json!([]), alice(), &[]);
    let first = b
        .fake
        .wait_for("the first page", |r| is_followup(r, &id))
        .await;
    let content = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut pages = vec![content(&first.body["content"])];
    let n: usize = pages[0]
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("(page 1/"))
        .and_then(|l| l.strip_suffix(')'))
        .and_then(|l| l.parse().ok())
        .expect("a page mark");
    assert!(n > 3, "{n} pages");
    // Next turns the page in place: the same message, edited.
    for k in 2..=n {
        let press = b
            .fake
            .press(&first.reply, "page:next", ("703", "dave"), &[]);
        let cb = b
            .fake
            .wait_for("the next page", |r| is_callback(r, &press))
            .await;
        assert_eq!(cb.body["type"], 7, "the message is updated");
        let page = content(&cb.body["data"]["content"]);
        assert!(page.ends_with(&format!("(page {k}/{n})")), "{page}");
        pages.push(page);
    }
    let answers: Vec<_> = b
        .fake
        .shown()
        .into_iter()
        .filter(|m| m.interaction.as_deref() == Some(id.as_str()))
        .collect();
    assert_eq!(answers.len(), 1, "one message");
    let total = pages.join("\n");
    for i in 1..=50 {
        assert!(
            total.contains(&format!("6.{i} 任务 Task {i} of track 5")),
            "task 6.{i} shown"
        );
    }
    for page in &pages {
        // No item is split: a task's touch points are on its own page.
        let first_line = page.lines().next().unwrap_or("");
        assert!(
            !first_line.starts_with("  "),
            "a page starts with a whole item: {page}"
        );
    }
    assert_eq!(
        b.fake.violations(),
        Vec::<String>::new(),
        "every page within Discord's limits"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_and_the_answer_still_arrives() {
    let b = start(repo_with(PLAN), &[]).await;
    b.fake.rate_limit("/webhooks/", 1, 0.4);
    let id = b.fake.command("progress", json!([]), alice(), &[]);
    let limited = b
        .fake
        .wait_for("the 429", |r| {
            r.path.starts_with("/webhooks/") && r.status == 429
        })
        .await;
    let ok = b
        .fake
        .wait_for("the retried follow-up", |r| is_followup(r, &id))
        .await;
    assert!(
        ok.at.duration_since(limited.at) >= Duration::from_millis(400),
        "waited retry_after: {:?}",
        ok.at.duration_since(limited.at)
    );
    assert!(ok.body["content"]
        .as_str()
        .expect("content")
        .contains("Track A"));
    let answers = b
        .fake
        .requests()
        .into_iter()
        .filter(|r| is_followup(r, &id))
        .count();
    assert_eq!(answers, 1, "sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_drop_resumes_and_the_pick_is_recorded_once() {
    let b = start(repo_with(PLAN), &[]).await;
    let offer = shortlist_posted(&b.fake, &[]).await;
    let message_id = offer.reply["id"].as_str().expect("id").to_string();
    b.fake.reconnect();
    // Events sent while the socket is down are replayed after RESUME.
    b.fake
        .react(&message_id, KEYCAPS[2], ("704", "erin"), false, &[]);
    b.fake.wait_gateway("RESUME").await;
    said_by_bot(&b.fake, "erin picked 3.").await;
    b.fake
        .react(&message_id, KEYCAPS[2], ("704", "erin"), false, &[]);
    b.fake
        .react(&message_id, KEYCAPS[0], ("705", "finn"), false, &[]);
    said_by_bot(&b.fake, "finn picked 1.").await;
    let store = Store::open(&b.db).expect("store");
    let erin = store
        .picks(None)
        .expect("picks")
        .into_iter()
        .filter(|p| p.picked_by == "erin")
        .count();
    assert_eq!(erin, 1);
    assert_eq!(
        b.fake
            .gateway_log()
            .iter()
            .filter(|g| *g == "IDENTIFY")
            .count(),
        1,
        "resumed, not re-identified"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_command_answers_briefly_keeps_running_and_never_shows_the_token() {
    let b = start(repo_with(PLAN), &[]).await;
    let id = b.fake.command(
        "task",
        json!([{"name": "id", "type": 3, "value": "99.99"}]),
        alice(),
        &[],
    );
    let err = b
        .fake
        .wait_for("the error", |r| {
            answers(r, &id) && r.body.to_string().contains("no task `99.99`")
        })
        .await;
    assert!(!err.body.to_string().contains(TOKEN));
    // Still serving.
    let id = b.fake.command("progress", json!([]), alice(), &[]);
    b.fake
        .wait_for("the next answer", |r| is_followup(r, &id))
        .await;
    let log = String::from_utf8_lossy(&logs().lock().expect("logs")).into_owned();
    assert!(log.contains("no task `99.99`"), "the cause is logged");
    assert!(!log.contains(TOKEN), "the token never appears in the logs");
    assert!(!format!("{:?}", shortlist::bot::send::Sender::new("http://x", TOKEN)).contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_500_reactions_records_each_pick_once_and_status_stays_answered() {
    let b = start(repo_with(PLAN), &[]).await;
    let offer = shortlist_posted(&b.fake, &[]).await;
    let message_id = offer.reply["id"].as_str().expect("id").to_string();
    let n = offer.body["components"][0]["components"]
        .as_array()
        .expect("buttons")
        .len();
    let started = Instant::now();
    let mut sent = 0;
    let mut status_id = String::new();
    for round in 0..2 {
        for u in 0..50 {
            for k in 0..5 {
                let user = (format!("{}", 1000 + u), format!("user{u}"));
                b.fake.react(
                    &message_id,
                    KEYCAPS[k % n.max(1)],
                    (&user.0, &user.1),
                    false,
                    &[],
                );
                sent += 1;
                if round == 0 && u == 25 && k == 0 {
                    status_id = b.fake.command("status", json!([]), alice(), &[]);
                }
            }
        }
    }
    assert_eq!(sent, 500);
    let expected = 50 * n.min(5);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let picks = Store::open(&b.db)
            .expect("store")
            .picks(None)
            .expect("picks")
            .len();
        if picks >= expected || Instant::now() > deadline {
            assert_eq!(picks, expected, "each (user, candidate) once");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let wall = started.elapsed();
    let cb = b
        .fake
        .wait_for("status acknowledged", |r| is_callback(r, &status_id))
        .await;
    let acked = cb.at.duration_since(started);
    // (A pick is stored before its announcement is sent: wait for the last one too.)
    let announced = || {
        b.fake
            .requests()
            .into_iter()
            .filter(|r| {
                r.path == format!("/channels/{CHANNEL}/messages")
                    && r.body["content"]
                        .as_str()
                        .is_some_and(|c| c.contains(" picked "))
            })
            .count()
    };
    while announced() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(announced(), expected, "one announcement per new pick");
    assert_eq!(
        b.fake.violations(),
        Vec::<String>::new(),
        "every interaction inside 3 s"
    );
    eprintln!("burst: 500 reactions from 50 users → {expected} picks in {wall:?}; /status acknowledged {acked:?} after the burst began");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_cleanly_on_sigterm_and_never_prints_the_token() {
    let repo = repo_with(PLAN);
    let fake = Fake::start().await;
    let db = repo.wt_dir.path().join("serve.sqlite3");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .args(["--database", db.to_str().expect("utf8"), "serve"])
        .current_dir(repo.path())
        .env("DISCORD_TOKEN", TOKEN)
        .env("SHORTLIST_DISCORD_API", &fake.rest)
        .env("SHORTLIST_LOG", "debug")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn serve");
    // Drained as it comes: a debug log fills a pipe nobody reads and blocks the server.
    let mut stderr = child.stderr.take().expect("stderr");
    let drained = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
        err
    });
    fake.registered().await;
    let id = fake.command("status", json!([]), alice(), &[]);
    fake.wait_for("an answer", |r| is_followup(r, &id)).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let err = drained.join().expect("stderr");
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(err.contains("shutting down"), "{err}");
    assert!(!err.contains(TOKEN), "token in the logs: {err}");

    // No token at all: a clear error, exit 1.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .arg("serve")
        .current_dir(repo.path())
        .env_remove("DISCORD_TOKEN")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no bot token: set DISCORD_TOKEN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_now_and_progress_attach_the_chart_within_limits() {
    let b = start(repo_with(PLAN), &[]).await;
    let id = b.fake.command(
        "digest",
        json!([{"name": "now", "type": 1, "options": []}]),
        alice(),
        &[],
    );
    let with_chart = b
        .fake
        .wait_for("the digest with its chart", |r| {
            is_followup(r, &id) && r.body["_files"].is_array()
        })
        .await;
    assert_eq!(with_chart.body["_files"][0]["name"], "progress.png");
    assert_eq!(with_chart.body["_files"][0]["png"], true);
    let text: String = b
        .fake
        .requests()
        .into_iter()
        .filter(|r| is_followup(r, &id))
        .map(|r| r.body["content"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        text.contains("# Digest:") && text.contains("## Next"),
        "{text}"
    );
    let id = b.fake.command("progress", json!([]), alice(), &[]);
    let p = b.fake.wait_for("the chart", |r| is_followup(r, &id)).await;
    assert_eq!(p.body["_files"][0]["png"], true, "{}", p.body);
    assert!(p.body["content"]
        .as_str()
        .expect("content")
        .contains("Track A"));
    assert_eq!(b.fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_now_and_progress_take_since_as_the_cli_does() {
    let b = start(repo_with(PLAN), &[]).await;
    // The plan was committed on 2025-12-29: a digest since the 1st lists its tasks.
    let since = |value: &str| json!([{"name": "since", "type": 3, "value": value}]);
    let id = b.fake.command(
        "digest",
        json!([{"name": "now", "type": 1, "options": since("2025-12-01")}]),
        alice(),
        &[],
    );
    let d = b.fake.wait_for("the digest", |r| is_followup(r, &id)).await;
    let text = d.body["content"].as_str().expect("content");
    assert!(text.starts_with("# Digest: 2025-12-01 00:00"), "{text}");
    assert!(text.contains("## Added (4)"), "{text}");
    // Neither a date nor a revision: refused, saying what is wrong.
    let id = b
        .fake
        .command("progress", since("last tuesday"), alice(), &[]);
    b.fake
        .wait_for("the refusal", |r| {
            answers(r, &id)
                && r.body
                    .to_string()
                    .contains("`last tuesday` is neither a date")
        })
        .await;
    // A revision is a since too.
    let id = b.fake.command("progress", since("HEAD"), alice(), &[]);
    let p = b.fake.wait_for("the chart", |r| is_followup(r, &id)).await;
    assert_eq!(p.body["_files"][0]["png"], true, "{}", p.body);
    assert_eq!(b.fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribed_channel_gets_one_digest_a_day_even_with_two_instances() {
    let repo = repo_with(PLAN);
    let db = repo.wt_dir.path().join("bot.sqlite3");
    // Subscribed before the bots start (as after a restart): the day's digest is due.
    Store::open(&db)
        .expect("store")
        .subscribe(CHANNEL, Some("200"), "alice")
        .expect("subscribe");
    let a = start(repo, &[]).await;
    // A second instance on the same database, talking to its own fake.
    let fake2 = Fake::start().await;
    let settings = settings(&a.repo, &db, &fake2.rest, &[]);
    let second = tokio::spawn(async move {
        let _ = bot::run(settings, std::future::pending()).await;
    });
    fake2
        .wait_for("registration", |r| {
            r.method == "PUT" && r.path.ends_with("/commands")
        })
        .await;
    let posts = |f: &Fake| {
        f.requests()
            .into_iter()
            .filter(|r| {
                r.path == format!("/channels/{CHANNEL}/messages") && r.body["_files"].is_array()
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while posts(&a.fake) + posts(&fake2) == 0 {
        assert!(Instant::now() < deadline, "no digest posted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Several more ticks of both schedulers: still one.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        posts(&a.fake) + posts(&fake2),
        1,
        "one digest for the day across both instances"
    );
    let day = Store::open(&db)
        .expect("store")
        .last_digest_day(CHANNEL)
        .expect("day");
    assert_eq!(day, Some(Utc::now().format("%Y-%m-%d").to_string()));
    assert_eq!(a.fake.violations(), Vec::<String>::new());
    assert_eq!(fake2.violations(), Vec::<String>::new());
    second.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn picks_work_after_a_restart() {
    let mut first = start(repo_with(PLAN), &[]).await;
    let offer = shortlist_posted(&first.fake, &[]).await;
    let message_id = offer.reply["id"].as_str().expect("id").to_string();
    // Stop the bot; start a new process-like instance on the same database.
    if let Some(s) = first.stop.take() {
        let _ = s.send(());
    }
    first.task.abort();
    let repo = std::mem::replace(&mut first.repo, Repo::new());
    let db = first.db.clone();
    drop(first);
    let again = start(repo, &[]).await;
    assert_eq!(again.db, db);
    again
        .fake
        .react(&message_id, KEYCAPS[0], ("706", "gina"), false, &[]);
    said_by_bot(&again.fake, "gina picked 1.").await;
    let picks = Store::open(&db).expect("store").picks(None).expect("picks");
    assert_eq!(picks.len(), 1);
}

// ---- one answer, whichever front end asks ----------------------------------------------

/// A `shortlist serve` child that is killed when the test ends, even by a panic.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The bot's whole answer to a command: its follow-ups' contents in order, page marks
/// dropped (waits for every page of a paged answer).
async fn bot_answer(fake: &Fake, name: &str, options: serde_json::Value) -> String {
    bot_answer_as(fake, name, options, alice(), &[]).await
}

/// [`bot_answer`] for a command by `user` with `roles`.
async fn bot_answer_as(
    fake: &Fake,
    name: &str,
    options: serde_json::Value,
    user: (&str, &str),
    roles: &[&str],
) -> String {
    let id = fake.command(name, options, user, roles);
    let first = fake
        .wait_for("the first page", |r| is_followup(r, &id))
        .await;
    let text = first.body["content"].as_str().unwrap_or("").to_string();
    let pages = text
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("(page 1/"))
        .and_then(|l| l.strip_suffix(')'))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got: Vec<Req> = fake
            .requests()
            .into_iter()
            .filter(|r| is_followup(r, &id))
            .collect();
        if got.len() >= pages {
            return got
                .iter()
                .filter_map(|r| r.body["content"].as_str())
                .map(|c| {
                    c.lines()
                        .filter(|l| !l.starts_with("(page "))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
        assert!(Instant::now() < deadline, "all {pages} pages of /{name}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The candidates offered, in order: `1. `6.1.1` …` lines (`**1.** `6.1.1` …` in chat).
fn candidate_ids(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start().replacen("**", "", 2);
            let (n, rest) = l.split_once(". `")?;
            n.parse::<usize>().ok()?;
            Some(rest.split('`').next()?.to_string())
        })
        .collect()
}

/// Every task line shown with its state: (`[ ]`, `6.1.1`).
fn task_states(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix("- ")?;
            let mark = rest
                .get(..3)
                .filter(|m| m.starts_with('[') && m.ends_with(']'))?;
            let id = rest.get(3..)?.split_whitespace().next()?;
            Some((mark.to_string(), id.to_string()))
        })
        .collect()
}

/// The worktrees and tasks in flight each line names (paths aside: chat shows none).
fn flight_facts(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.contains("`wt-") || l.starts_with("- `6."))
        .map(|l| {
            l.split('`')
                .skip(1)
                .step_by(2)
                .filter(|t| t.starts_with("wt-") || t.starts_with("6.") || t.starts_with("feat/"))
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The phase 6 plan, a worktree in flight on 6.1.2, and an uncommitted plan edit.
fn shared_repo() -> Repo {
    let r = repo_with(PLAN);
    let base = r.git.head().expect("head").target().expect("oid");
    let wt = r.add_worktree("wt-tax", "feat/6.1.2-tax", base);
    let root = wt.workdir().expect("workdir").to_path_buf();
    common::write_at(&root, "apps/server/src/billing/tax.ts", "export {}\n");
    commit_in(&wt, "6.1.2 tax rounding", "Bob", 1_767_000_100);
    r.write(
        "docs/plan/phase6.md",
        PLAN.replace("- [ ] 6.3.1 User guide", "- [~] 6.3.1 User guide"),
    );
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_and_the_bot_give_the_same_answer() {
    let b = start(shared_repo(), &[]).await;
    let cli_db = b.repo.wt_dir.path().join("cli.sqlite3");
    let cli = |args: &[&str]| {
        let mut all = vec![
            "--no-index-refresh",
            "--database",
            cli_db.to_str().expect("utf8"),
        ];
        all.extend_from_slice(args);
        let run = common::shortlist(b.repo.path(), &all);
        assert!(run.code == 0 || run.code == 2, "{args:?}: {}", run.stderr);
        run.stdout
    };

    let (c, d) = (cli(&["next"]), bot_answer(&b.fake, "next", json!([])).await);
    let ids = candidate_ids(&c);
    assert!(ids.len() >= 3, "{c}");
    assert!(
        !ids.contains(&"6.1.2".to_string()),
        "in flight: not offered"
    );
    assert_eq!(ids, candidate_ids(&d), "next\nCLI:\n{c}\nbot:\n{d}");

    let (c, d) = (
        cli(&["triage"]),
        bot_answer(&b.fake, "triage", json!([])).await,
    );
    assert!(
        task_states(&c).contains(&("[~]".into(), "6.3.1".into())),
        "{c}"
    );
    assert_eq!(
        task_states(&c),
        task_states(&d),
        "triage\nCLI:\n{c}\nbot:\n{d}"
    );

    // One track: both show Track C's work and nothing of the others.
    let opt = json!([{"name": "track", "type": 3, "value": "C"}]);
    let (c, d) = (
        cli(&["triage", "C"]),
        bot_answer(&b.fake, "triage", opt).await,
    );
    assert_eq!(
        task_states(&c),
        vec![("[~]".to_string(), "6.3.1".to_string())],
        "{c}"
    );
    assert_eq!(
        task_states(&c),
        task_states(&d),
        "triage C\nCLI:\n{c}\nbot:\n{d}"
    );

    let opt = json!([{"name": "id", "type": 3, "value": "6.1.2"}]);
    let (c, d) = (
        cli(&["task", "6.1.2"]),
        bot_answer(&b.fake, "task", opt).await,
    );
    let head = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("# ") || l.starts_with("- status:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(head(&c).len(), 2, "{c}");
    assert_eq!(head(&c), head(&d), "task\nCLI:\n{c}\nbot:\n{d}");

    // Both read the plan for status: its uncommitted edit is called out in both.
    let (c, d) = (
        cli(&["status"]),
        bot_answer(&b.fake, "status", json!([])).await,
    );
    let facts = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.contains("Branch `") || l.contains("Plan has uncommitted edits"))
            .map(str::to_string)
            .collect()
    };
    assert!(
        c.contains("Plan has uncommitted edits: docs/plan/phase6.md")
            || c.contains("Plan has uncommitted edits: `docs/plan/phase6.md`"),
        "{c}"
    );
    assert_eq!(facts(&c), facts(&d), "status\nCLI:\n{c}\nbot:\n{d}");

    let (c, d) = (
        cli(&["worktrees"]),
        bot_answer(&b.fake, "worktrees", json!([])).await,
    );
    assert!(
        flight_facts(&c)
            .iter()
            .any(|l| l.first().is_some_and(|t| t == "6.1.2")),
        "{c}"
    );
    assert_eq!(
        flight_facts(&c),
        flight_facts(&d),
        "worktrees\nCLI:\n{c}\nbot:\n{d}"
    );
    assert_eq!(b.fake.violations(), Vec::<String>::new());
}

/// The `## Selected` lines of every note in the notes directory, without their time.
fn selected_lines(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["conversation", "docs/notes", "notes"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            if let Some(sel) = text.split("## Selected\n").nth(1) {
                out.extend(
                    sel.lines()
                        .filter(|l| l.starts_with("- "))
                        .map(|l| l.rsplit_once(" on ").map_or(l, |(a, _)| a).to_string()),
                );
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pick_writes_the_same_selected_line_from_either_front_end() {
    let b = start(repo_with(PLAN), &[]).await;
    let cli_db = b.repo.wt_dir.path().join("cli.sqlite3");
    let db = cli_db.to_str().expect("utf8");
    let note = common::shortlist(b.repo.path(), &["--database", db, "note"]);
    assert_eq!(note.code, 0, "{}", note.stderr);
    let pick = common::shortlist(
        b.repo.path(),
        &["--database", db, "pick", "1", "--by", "alice"],
    );
    assert_eq!(pick.code, 0, "{}", pick.stderr);
    let from_cli = selected_lines(b.repo.path());
    assert_eq!(from_cli.len(), 1, "{from_cli:?}");

    let offer = shortlist_posted(&b.fake, &[]).await;
    let message = offer.reply.clone();
    let message_id = message["id"].as_str().expect("id").to_string();
    // The reactions follow the recording of the shortlist.
    b.fake
        .wait_for("the keycap reactions", |r| {
            r.method == "PUT"
                && r.path
                    .contains(&format!("/messages/{message_id}/reactions/"))
        })
        .await;
    let press = b.fake.press(&message, "pick:1", alice(), &[]);
    b.fake
        .wait_for("the pick's answer", |r| is_callback(r, &press))
        .await;
    let both = selected_lines(b.repo.path());
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(
        from_cli[0].contains("(Track A — 计费 Billing (P0))"),
        "the track's title, not its key: {}",
        from_cli[0]
    );
    assert_eq!(both[0], both[1], "the same line from the CLI and the bot");
}

/// Two worktrees whose merge conflicts in one file.
fn conflicting_repo() -> Repo {
    let r = repo_with(PLAN);
    let base = r.git.head().expect("head").target().expect("oid");
    for (name, branch, text) in [
        ("wt-a", "feat/6.1.1-a", "export const a = 1;\n"),
        ("wt-b", "feat/6.1.1-b", "export const b = 2;\n"),
    ] {
        let wt = r.add_worktree(name, branch, base);
        let root = wt.workdir().expect("workdir").to_path_buf();
        common::write_at(&root, "apps/server/src/billing/pdf.ts", text);
        commit_in(&wt, &format!("{name} pdf"), "Bob", 1_767_000_100);
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_honours_no_merge_prediction() {
    let repo = conflicting_repo();
    let db = repo.wt_dir.path().join("serve.sqlite3");
    let db = db.to_str().expect("utf8");
    let predicted = common::shortlist(repo.path(), &["--database", db, "worktrees"]);
    assert!(
        predicted.stdout.contains("Predicted: merging"),
        "{}",
        predicted.stdout
    );
    let fake = Fake::start().await;
    let _child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_shortlist"))
            .args(["--database", db, "--no-merge-prediction", "serve"])
            .current_dir(repo.path())
            .env("DISCORD_TOKEN", TOKEN)
            .env("SHORTLIST_DISCORD_API", &fake.rest)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn serve"),
    );
    fake.registered().await;
    let answer = bot_answer(&fake, "worktrees", json!([])).await;
    assert!(answer.contains("`wt-a`"), "{answer}");
    assert!(!answer.contains("Predicted: merging"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_session_sees_what_changed_between_commands() {
    let b = start(repo_with(PLAN), &[]).await;
    let opt = || json!([{"name": "id", "type": 3, "value": "6.1.1"}]);
    let before = bot_answer(&b.fake, "task", opt()).await;
    assert!(before.contains("- status: pending"), "{before}");
    let none = bot_answer(&b.fake, "worktrees", json!([])).await;
    assert!(!none.contains("`wt-pdf`"), "{none}");
    // Between two commands: the plan is edited and a worktree starts on 6.1.2.
    b.repo.write(
        "docs/plan/phase6.md",
        PLAN.replace("- [ ] 6.1.1 Invoice", "- [x] 6.1.1 Invoice"),
    );
    let base = b.repo.git.head().expect("head").target().expect("oid");
    let wt = b.repo.add_worktree("wt-pdf", "feat/6.1.2-pdf", base);
    let root = wt.workdir().expect("workdir").to_path_buf();
    common::write_at(&root, "apps/server/src/billing/tax.ts", "export {}\n");
    commit_in(&wt, "6.1.2 tax", "Bob", 1_767_000_100);
    let after = bot_answer(&b.fake, "task", opt()).await;
    assert!(after.contains("- status: done"), "{after}");
    let flying = bot_answer(&b.fake, "worktrees", json!([])).await;
    assert!(flying.contains("`wt-pdf`"), "{flying}");
    let next = bot_answer(&b.fake, "next", json!([])).await;
    let ids = candidate_ids(&next);
    assert!(
        !ids.contains(&"6.1.1".to_string()) && !ids.contains(&"6.1.2".to_string()),
        "{next}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watching_bot_answers_again_without_a_scan_and_sees_each_change() {
    let repo = repo_with(PLAN);
    let base = repo.git.head().expect("head").target().expect("oid");
    let wt = repo.add_worktree("wt-tax", "feat/6.1.2-tax", base);
    let root = wt.workdir().expect("workdir").to_path_buf();
    common::write_at(&root, "apps/server/src/billing/tax.ts", "export {}\n");
    let b = start(repo, &[]).await;
    let first = bot_answer(&b.fake, "worktrees", json!([])).await;
    assert!(first.contains("`wt-tax`"), "{first}");
    // Nothing changed: the same answer (from what the session holds).
    let again = bot_answer(&b.fake, "worktrees", json!([])).await;
    assert_eq!(flight_facts(&first), flight_facts(&again));
    // One more file in the worktree, just before the command: in its answer.
    common::write_at(&root, "apps/server/src/billing/rates.ts", "export {}\n");
    let after = bot_answer(&b.fake, "worktrees", json!([])).await;
    assert!(
        after.contains("rates.ts") || after.contains("2 untracked"),
        "{after}"
    );
    assert_ne!(first, after);
    // The status says nothing of a watch that failed.
    let status = bot_answer(&b.fake, "status", json!([])).await;
    assert!(!status.contains("Not watching"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pick_in_chat_claims_the_task_until_its_claimer_releases_it() {
    let b = start(repo_with(PLAN), &["planner"]).await;
    let offer = shortlist_posted(&b.fake, &["801"]).await;
    let message = offer.reply.clone();
    let message_id = message["id"].as_str().expect("id").to_string();
    b.fake
        .wait_for("the keycap reactions", |r| {
            r.method == "PUT"
                && r.path
                    .contains(&format!("/messages/{message_id}/reactions/"))
        })
        .await;
    let first = candidate_ids(offer.body["content"].as_str().unwrap_or(""));
    let press = b.fake.press(&message, "pick:1", alice(), &["801"]);
    b.fake
        .wait_for("the pick", |r| is_callback(r, &press))
        .await;
    let claimed = &first[0];

    // Not offered to the next person who asks; shown as claimed.
    let next = bot_answer_as(&b.fake, "next", json!([]), ("703", "dave"), &[]).await;
    assert!(!candidate_ids(&next).contains(claimed), "{next}");
    assert!(
        next.contains(&format!("`{claimed}`")) && next.contains("claimed by alice ("),
        "{next}"
    );

    // Released only by the claimer or a writer: dave is neither.
    let opt = json!([{"name": "id", "type": 3, "value": claimed}]);
    let refused = bot_answer_as(&b.fake, "unpick", opt.clone(), ("703", "dave"), &[]).await;
    assert!(
        refused.contains("claimed by alice; only they or a writer"),
        "{refused}"
    );
    let released = bot_answer_as(&b.fake, "unpick", opt, alice(), &["801"]).await;
    assert!(
        released.starts_with(&format!("Released `{claimed}` (claimed by alice")),
        "{released}"
    );
    let again = bot_answer_as(&b.fake, "next", json!([]), ("703", "dave"), &[]).await;
    assert_eq!(&candidate_ids(&again)[0], claimed, "offered again: {again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_exits_non_zero_when_discord_refuses_the_registration() {
    let repo = repo_with(PLAN);
    repo.write("shortlist.toml", "[discord]\nguilds = [999]\n");
    let fake = Fake::start().await;
    fake.refuse_guild("999");
    let db = repo.wt_dir.path().join("serve.sqlite3");
    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_shortlist"))
            .args(["--database", db.to_str().expect("utf8"), "serve"])
            .current_dir(repo.path())
            .env("DISCORD_TOKEN", TOKEN)
            .env("SHORTLIST_DISCORD_API", &fake.rest)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn serve"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.0.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not exit after the refusal"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut err = String::new();
    std::io::Read::read_to_string(child.0.stderr.as_mut().expect("stderr"), &mut err)
        .expect("read");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("Discord refused to register the commands in guild 999")
            && err.contains("Missing Access"),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistakes_are_answered_privately_and_nothing_echoed_pings_anyone() {
    let b = start(repo_with(PLAN), &[]).await;
    let cases = [
        (
            "task",
            json!([{"name": "id", "type": 3, "value": "9.9.9"}]),
            "no task `9.9.9`",
        ),
        (
            "track",
            json!([{"name": "id", "type": 3, "value": "zz"}]),
            "no track `zz`",
        ),
        (
            "decide",
            json!([{"name": "question", "type": 3, "value": "Q-0000"}, {"name": "decision", "type": 3, "value": "yes"}]),
            "no question `Q-0000`",
        ),
        (
            "task",
            json!([{"name": "id", "type": 3, "value": "<@123> <@&456> @everyone"}]),
            "no task `<@123>",
        ),
    ];
    for (name, options, says) in cases {
        let id = b.fake.command(name, options, alice(), &[]);
        b.fake
            .wait_for(says, |r| {
                is_followup(r, &id) && r.body["content"].as_str().is_some_and(|c| c.contains(says))
            })
            .await;
        let shown: Vec<_> = b
            .fake
            .shown()
            .into_iter()
            .filter(|m| m.interaction.as_deref() == Some(id.as_str()))
            .collect();
        assert!(!shown.is_empty(), "/{name}: an answer is shown");
        assert!(
            shown.iter().all(|m| m.ephemeral),
            "/{name}: the mistake is private: {shown:#?}"
        );
    }
    assert!(
        b.fake
            .public_messages()
            .iter()
            .all(|m| !m.content.contains("Sorry")),
        "{:#?}",
        b.fake.public_messages()
    );
    // An argument that mentions people is echoed without pinging them.
    let id = b.fake.command(
        "question",
        json!([{"name": "add", "type": 1, "options": [{"name": "text", "type": 3, "value": "Ask <@123> and @everyone about invoices?"}]}]),
        alice(),
        &[],
    );
    b.fake
        .wait_for("the question", |r| is_followup(r, &id))
        .await;
    assert_eq!(b.fake.pings(), Vec::<String>::new());
    assert_eq!(b.fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_on_a_follow_up_is_retried_and_the_answer_arrives() {
    let b = start(repo_with(PLAN), &[]).await;
    b.fake.fail_with_5xx("/webhooks/", 2);
    let answer = bot_answer(&b.fake, "status", json!([])).await;
    assert!(answer.contains("Branch `main`"), "{answer}");
    let failed = b
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/webhooks/") && r.status == 502)
        .count();
    assert_eq!(failed, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_on_an_unknown_shortlist_says_so_and_a_non_writers_reaction_is_removed() {
    let b = start(repo_with(PLAN), &["planner"]).await;
    let stranger = fake_discord::message_json(
        "424242",
        CHANNEL,
        &json!({"content": "old", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "pick:1", "label": "1"}]}]}),
    );
    let press = b.fake.press(&stranger, "pick:1", alice(), &["801"]);
    let cb = b
        .fake
        .wait_for("the answer", |r| is_callback(r, &press))
        .await;
    assert_eq!(cb.body["data"]["flags"], 64);
    assert_eq!(
        cb.body["data"]["content"],
        "This shortlist is no longer known; run /next again."
    );
    let offer = shortlist_posted(&b.fake, &["801"]).await;
    let message_id = offer.reply["id"].as_str().expect("id").to_string();
    b.fake
        .react(&message_id, KEYCAPS[0], ("703", "dave"), false, &[]);
    b.fake
        .wait_for("the reaction taken back", |r| {
            r.method == "DELETE"
                && r.path
                    .contains(&format!("/messages/{message_id}/reactions/"))
                && r.path.ends_with("/703")
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_is_one_message_and_its_details_answer_the_presser_alone() {
    let b = start(shared_repo(), &[]).await;
    let id = b.fake.command("next", json!([]), alice(), &[]);
    let offer = b
        .fake
        .wait_for("the shortlist", |r| is_followup(r, &id))
        .await;
    let message_id = offer.reply["id"].as_str().expect("id").to_string();
    b.fake
        .wait_for("the keycap reactions", |r| {
            r.method == "PUT"
                && r.path
                    .contains(&format!("/messages/{message_id}/reactions/"))
        })
        .await;
    let answers: Vec<_> = b
        .fake
        .shown()
        .into_iter()
        .filter(|m| m.interaction.as_deref() == Some(id.as_str()))
        .collect();
    assert_eq!(answers.len(), 1, "one message: {answers:#?}");
    let msg = &answers[0];
    assert!(!msg.ephemeral);
    assert!(msg.content.starts_with("**Next in `"), "{}", msg.content);
    assert!(
        msg.content
            .contains("**1.** `6.1.1` Invoice PDF export — Track A — 计费 Billing · P0"),
        "{}",
        msg.content
    );
    assert!(
        msg.content.contains("Pick one: react 1️⃣–"),
        "{}",
        msg.content
    );
    for hint in ["shortlist ", "/tmp/", "--explain"] {
        assert!(
            !msg.content.contains(hint),
            "no `{hint}` in chat: {}",
            msg.content
        );
    }
    let ids: Vec<&str> = msg
        .components
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|r| r["components"].as_array().into_iter().flatten())
        .filter_map(|c| c["custom_id"].as_str())
        .collect();
    assert!(
        ids.contains(&"pick:1") && ids.contains(&"more:passed"),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"more:conflicts"),
        "the plan's overlaps are a button away: {ids:?}"
    );
    // A detail is answered to the presser alone, every page of it.
    let press = b
        .fake
        .press(&offer.reply, "more:passed", ("703", "dave"), &[]);
    b.fake
        .wait_for("the detail", |r| is_followup(r, &press))
        .await;
    let detail: Vec<_> = b
        .fake
        .shown()
        .into_iter()
        .filter(|m| m.interaction.as_deref() == Some(press.as_str()))
        .collect();
    assert!(
        !detail.is_empty() && detail.iter().all(|m| m.ephemeral),
        "{detail:#?}"
    );
    assert!(
        detail[0].content.contains("`6.1.2`")
            && detail[0].content.contains("in flight in worktree `wt-tax`"),
        "{}",
        detail[0].content
    );
    for (button, says) in [
        ("more:conflicts", "is doc-only: parallel with anything"),
        (
            "more:questions",
            "Should invoices support multiple languages?",
        ),
    ] {
        assert!(ids.contains(&button), "{ids:?}");
        let press = b.fake.press(&offer.reply, button, ("703", "dave"), &[]);
        b.fake.wait_for(button, |r| is_followup(r, &press)).await;
        let shown: Vec<_> = b
            .fake
            .shown()
            .into_iter()
            .filter(|m| m.interaction.as_deref() == Some(press.as_str()))
            .collect();
        assert!(shown.iter().all(|m| m.ephemeral), "{button}: private");
        assert!(
            shown[0].content.contains(says),
            "{button}: {}",
            shown[0].content
        );
    }
    assert_eq!(b.fake.violations(), Vec::<String>::new());
    assert_eq!(b.fake.pings(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bot_serves_two_repositories_each_in_its_own_channel() {
    let _ = logs();
    let billing = repo_with(PLAN);
    let web = repo_with(
        "# Web\n\n## 9.1 Track W — 网站 Website（P0）\n- [ ] 9.1.1 Landing page\n- [ ] 9.1.2 Pricing page\n",
    );
    let fake = Fake::start().await;
    let mut s = settings(
        &billing,
        &billing.wt_dir.path().join("billing.sqlite3"),
        &fake.rest,
        &[],
    );
    s.repos[0].name = "billing".into();
    s.repos[0].channels = vec![600];
    let mut other = s.repos[0].clone();
    other.name = "web".into();
    other.channels = vec![601];
    other.open.repo = Some(web.path().to_path_buf());
    other.open.database = Some(web.wt_dir.path().join("web.sqlite3"));
    s.repos.push(other);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = bot::run(s, async move {
            let _ = rx.await;
        })
        .await;
    });
    fake.registered().await;
    let in_billing = bot_answer(&fake, "next", json!([])).await;
    assert!(
        candidate_ids(&in_billing).contains(&"6.1.1".to_string()),
        "{in_billing}"
    );
    // A channel of a bot serving several repositories: the detail buttons name theirs.
    let id = fake.command_in("600", "next", json!([]), alice(), &[]);
    let billing_offer = fake
        .wait_for("the billing shortlist", |r| is_followup(r, &id))
        .await;
    let details: Vec<String> = billing_offer.body["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
        .filter(|id| id.starts_with("more:"))
        .collect();
    assert!(!details.is_empty(), "{}", billing_offer.body);
    assert!(
        details.iter().all(|d| d.ends_with("@billing")),
        "{details:?}"
    );
    let id = fake.command_in("601", "next", json!([]), alice(), &[]);
    let offer = fake
        .wait_for("the web shortlist", |r| is_followup(r, &id))
        .await;
    let web_ids = candidate_ids(offer.body["content"].as_str().unwrap_or(""));
    assert_eq!(web_ids[..2], ["9.1.1".to_string(), "9.1.2".to_string()]);
    // A pick in the web channel writes the web repository's note and database only.
    let message_id = offer.reply["id"].as_str().expect("id").to_string();
    fake.wait_for("the keycap reactions", |r| {
        r.method == "PUT"
            && r.path
                .contains(&format!("/messages/{message_id}/reactions/"))
    })
    .await;
    let press = fake.press(&offer.reply, "pick:1", alice(), &[]);
    let cb = fake.wait_for("the pick", |r| is_callback(r, &press)).await;
    assert!(
        cb.body["data"]["content"]
            .as_str()
            .unwrap_or("")
            .starts_with("alice picked 1. `9.1.1`"),
        "{}",
        cb.body
    );
    let web_store = Store::open(&web.wt_dir.path().join("web.sqlite3")).expect("web db");
    assert_eq!(web_store.picks(None).expect("picks").len(), 1);
    let billing_store =
        Store::open(&billing.wt_dir.path().join("billing.sqlite3")).expect("billing db");
    assert_eq!(billing_store.picks(None).expect("picks").len(), 0);
    let notes = |r: &Repo| -> String {
        std::fs::read_dir(r.path().join("conversation"))
            .map(|d| {
                d.flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(notes(&web).contains("## Selected"));
    assert!(!notes(&billing).contains("## Selected"));
    let _ = tx.send(());
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_waits_for_an_unreachable_discord_and_still_stops_on_sigterm() {
    let repo = repo_with(PLAN);
    let db = repo.wt_dir.path().join("serve.sqlite3");
    // Nothing listens there: every connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_shortlist"))
            .args(["--database", db.to_str().expect("utf8"), "serve"])
            .current_dir(repo.path())
            .env("DISCORD_TOKEN", TOKEN)
            .env("SHORTLIST_DISCORD_API", format!("http://{addr}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn serve"),
    );
    let mut stderr = child.0.stderr.take().expect("stderr");
    let drained = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
        err
    });
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(child.0.try_wait().expect("wait").is_none(), "still trying");
    let sent = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = loop {
        if let Some(s) = child.0.try_wait().expect("wait") {
            break s;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(6),
            "serve did not stop within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let err = drained.join().expect("stderr");
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(err.contains("Discord is unreachable"), "{err}");
    assert!(
        err.contains("trying again in 1s") && err.contains("trying again in 2s"),
        "a growing backoff: {err}"
    );
    assert!(!err.contains(TOKEN));
}
