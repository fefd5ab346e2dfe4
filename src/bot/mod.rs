//! The Discord bot: poise slash commands over the same library calls as the CLI, picking
//! by numbered reaction or button, writer roles, and long answers as numbered pages. Every
//! interaction is deferred before any work, the work runs off the async threads
//! (`spawn_blocking`), and the answer follows through [`send::Sender`], which honours 429s.

pub mod pages;
pub mod send;

use crate::app::{self, AppError, NextRequest, NoteAsk, Offer, OpenRequest, PickRequest, Session};
use crate::render::short;
use crate::render::{self, Medium};
use chrono::Utc;
use poise::serenity_prelude as serenity;
use send::Sender;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

pub use crate::render::discord::KEYCAPS;
use crate::render::discord::{self as chat, Detail};

/// What the bot needs to run.
#[derive(Clone)]
pub struct Settings {
    /// The repositories served: each opened like every other command (the same flags:
    /// `--no-merge-prediction`, `--no-index-refresh`) and answering in its channels.
    pub repos: Vec<ServedRepo>,
    pub token: String,
    /// `https://discord.com`, or a fake Discord's `http://127.0.0.1:PORT` in tests (then
    /// serenity's own rate limiter must be off; the bot's sending path still waits 429s).
    pub api_root: String,
    pub test_server: bool,
    pub guilds: Vec<u64>,
    pub channels: Vec<u64>,
    /// Role ids or names allowed to write; empty: everyone may.
    pub writer_roles: Vec<String>,
    /// The daily digest's local time and zone.
    pub digest_time: chrono::NaiveTime,
    pub digest_tz: chrono_tz::Tz,
    /// How often subscriptions are checked for a due digest.
    pub digest_tick: Duration,
}

/// One repository the bot serves.
#[derive(Clone, Debug)]
pub struct ServedRepo {
    /// How the `repo` option names it.
    pub name: String,
    pub open: OpenRequest,
    /// Channels that answer for it (empty: every channel without a repository of its own).
    pub channels: Vec<u64>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("repos", &self.repos)
            .field("api_root", &self.api_root)
            .field("guilds", &self.guilds)
            .finish_non_exhaustive()
    }
}

/// The repository's session, kept for the bot's whole life. Its lock is taken only on
/// blocking threads and never held across an `.await`.
type Shared = Arc<Mutex<Session>>;

pub struct Data {
    pub settings: Settings,
    pub sender: Sender,
    repos: Vec<Served>,
    /// Paged answers by message id: their pages and the one shown (Prev/Next edit the
    /// message). Kept in memory: after a restart the buttons say to ask again.
    paged: Mutex<HashMap<u64, Paged>>,
}

/// A repository being served: its kept session and what autocomplete reads.
struct Served {
    name: String,
    channels: Vec<u64>,
    session: Shared,
    /// The plan autocomplete reads, and when it was read.
    plan_cache: Mutex<Option<(Instant, Arc<crate::plan::Plan>)>>,
    /// A settling of the session is queued: answers in a burst queue one, not one each.
    settling: Arc<std::sync::atomic::AtomicBool>,
}

/// The repositories a channel answers for: those naming it, else those naming no channel.
fn served_in(data: &Data, channel: u64) -> Vec<&Served> {
    let own: Vec<&Served> = data
        .repos
        .iter()
        .filter(|r| r.channels.contains(&channel))
        .collect();
    if !own.is_empty() {
        return own;
    }
    data.repos
        .iter()
        .filter(|r| r.channels.is_empty())
        .collect()
}

/// The repository a command in `channel` is about: the one the channel serves, or the one
/// the `repo` option names among several.
fn served<'a>(data: &'a Data, channel: u64, repo: Option<&str>) -> Result<&'a Served, Error> {
    let here = served_in(data, channel);
    if let Some(name) = repo {
        return here
            .into_iter()
            .find(|r| r.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| AppError::UnknownRepo {
                name: name.to_string(),
                known: served_in(data, channel)
                    .iter()
                    .map(|r| r.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .map_err(Error::from);
    }
    match here.as_slice() {
        [one] => Ok(one),
        [] => Err(AppError::NoRepoHere.into()),
        many => Err(AppError::WhichRepo {
            known: many
                .iter()
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into()),
    }
}

/// A long answer shown one page at a time in one message.
struct Paged {
    pages: Vec<String>,
    at: usize,
}

/// The Prev/Next buttons of page `at` of `n`.
fn page_buttons(at: usize, n: usize) -> Value {
    json!([{"type": 1, "components": [
        {"type": 2, "style": 2, "custom_id": "page:prev", "label": "◀ Prev", "disabled": at == 0},
        {"type": 2, "style": 2, "custom_id": "page:next", "label": "Next ▶", "disabled": at + 1 >= n},
    ]}])
}

/// The first page of `text` as a message body, and the pages when there are several.
fn paged_body(text: &str) -> (Value, Option<Vec<String>>) {
    let pages = pages::pages(text, pages::CONTENT_LIMIT);
    let mut body = json!({"content": pages[0], "allowed_mentions": {"parse": []}});
    if pages.len() == 1 {
        return (body, None);
    }
    body["components"] = page_buttons(0, pages.len());
    (body, Some(pages))
}

/// Run the bot until `shutdown` resolves (SIGINT/SIGTERM in `shortlist serve`).
pub async fn run(
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let mut repos = Vec::new();
    for r in &settings.repos {
        let mut open = r.open.clone();
        open.options.keep_open = true;
        open.options.watch = true;
        let session = tokio::task::spawn_blocking(move || Session::open(&open))
            .await
            .map_err(|e| format!("the work stopped: {e}"))?
            .map_err(|e| format!("repository `{}`: {e}", r.name))?;
        repos.push(Served {
            name: r.name.clone(),
            channels: r.channels.clone(),
            session: Arc::new(Mutex::new(session)),
            plan_cache: Mutex::new(None),
            settling: Arc::default(),
        });
    }
    let sender = Sender::new(&settings.api_root, &settings.token);
    let mut hb = serenity::HttpBuilder::new(&settings.token);
    if settings.test_server {
        hb = hb
            .proxy(settings.api_root.clone())
            .ratelimiter_disabled(true);
    }
    let http = hb.build();
    register(&http, &settings.guilds).await?;
    let sessions: Vec<Shared> = repos.iter().map(|r| r.session.clone()).collect();
    let scheduler = (settings.clone(), sender.clone(), sessions);
    let data = Data {
        settings,
        sender,
        repos,
        paged: Mutex::new(HashMap::new()),
    };
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands(),
            on_error: |e| Box::pin(on_error(e)),
            command_check: Some(|ctx| Box::pin(channel_check(ctx))),
            event_handler: |fw, event| Box::pin(event_handler(fw, event)),
            ..Default::default()
        })
        .setup(move |_ctx, _ready, _framework| {
            Box::pin(async move {
                tracing::info!("connected; serving");
                let (settings, sender, sessions) = scheduler;
                for session in sessions {
                    tokio::spawn(digest_schedule(settings.clone(), sender.clone(), session));
                }
                Ok(data)
            })
        })
        .build();
    let intents = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::GUILD_MESSAGE_REACTIONS;
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .map_err(|e| format!("cannot start the Discord client: {e}"))?;
    let manager = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down");
        manager.shutdown_all().await;
    });
    client
        .start()
        .await
        .map_err(|e| format!("the Discord connection ended: {e}"))?;
    Ok(())
}

/// Check the token and register the slash commands before connecting: a bot Discord
/// refuses (a bad token, a guild it has no access to) would otherwise stay connected and
/// answer nothing, which a supervisor cannot tell from a working one.
async fn register(http: &serenity::Http, guilds: &[u64]) -> Result<(), Error> {
    // An unreachable Discord is waited for (with a growing backoff, said once per step);
    // an answer that refuses the token is an error at once.
    let mut wait = Duration::from_secs(1);
    let app = loop {
        match http.get_current_application_info().await {
            Ok(app) => break app,
            Err(serenity::Error::Http(e)) if e.status_code().is_some() => {
                return Err(format!(
                    "Discord refused the bot token ({e}); check DISCORD_TOKEN or the token file"
                )
                .into());
            }
            Err(e) => {
                tracing::warn!("Discord is unreachable ({e}); trying again in {wait:?}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        }
    };
    http.set_application_id(app.id);
    let cmds = poise::builtins::create_application_commands(&commands());
    if guilds.is_empty() {
        serenity::Command::set_global_commands(http, cmds.clone())
            .await
            .map_err(|e| format!("Discord refused to register the commands globally: {e}"))?;
    }
    for &g in guilds {
        serenity::GuildId::new(g)
            .set_commands(http, cmds.clone())
            .await
            .map_err(|e| {
                format!(
                    "Discord refused to register the commands in guild {g}: {e}. Invite the bot to that guild with the `bot` and `applications.commands` scopes, or fix `guilds` under [discord] in the config"
                )
            })?;
    }
    tracing::info!(guilds = guilds.len(), "commands registered");
    Ok(())
}

pub fn commands() -> Vec<poise::Command<Data, Error>> {
    vec![
        next(),
        triage(),
        track(),
        task(),
        worktrees(),
        status(),
        question(),
        decide(),
        note_cmd(),
        unpick(),
        progress(),
        digest(),
    ]
}

/// What a person is told when a command fails: a mistake of theirs (an unknown id, a
/// claim that is not theirs) in the application's words; anything else only as a
/// failure, its cause in the log (no HTTP details or paths in chat).
fn failure_text(error: &Error) -> String {
    match error.downcast_ref::<AppError>() {
        Some(e) => format!("Sorry, that failed: {e}"),
        None => "Sorry, that failed on our side; the cause is in the bot's log.".to_string(),
    }
}

async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().name, "command failed: {error}");
            let text = short(&failure_text(&error), 1900);
            let poise::Context::Application(a) = ctx else {
                return;
            };
            if a.has_sent_initial_response
                .load(std::sync::atomic::Ordering::SeqCst)
            {
                // The deferral was public, and the first follow-up would take its
                // visibility: remove the placeholder, then answer privately.
                let (app, token) = interaction_of(ctx);
                let sender = &ctx.data().sender;
                if let Err(e) = sender.delete_original(app, &token).await {
                    tracing::warn!("could not remove the placeholder: {e}");
                }
                let body = json!({"content": text, "flags": 64});
                if let Err(e) = sender.followup(app, &token, &body).await {
                    tracing::error!("could not tell the user: {e}");
                }
            } else {
                let reply = poise::CreateReply::default()
                    .content(text)
                    .ephemeral(true)
                    .allowed_mentions(serenity::CreateAllowedMentions::new());
                let _ = ctx.send(reply).await;
            }
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!("while handling an error: {e}");
            }
        }
    }
}

/// Commands answer only in the configured channels (all, when none are configured).
async fn channel_check(ctx: Context<'_>) -> Result<bool, Error> {
    let allowed = &ctx.data().settings.channels;
    if allowed.is_empty() || allowed.contains(&ctx.channel_id().get()) {
        return Ok(true);
    }
    let list: Vec<String> = allowed.iter().map(|c| format!("<#{c}>")).collect();
    let reply = poise::CreateReply::default()
        .content(format!("shortlist answers in {}.", list.join(", ")))
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    ctx.send(reply).await?;
    Ok(false)
}

/// Whether a member with `roles` may write (decide, note, pick, ask, digest settings).
fn may_write(
    data: &Data,
    ctx: &serenity::Context,
    guild: Option<serenity::GuildId>,
    roles: &[serenity::RoleId],
) -> bool {
    let wanted = &data.settings.writer_roles;
    if wanted.is_empty() {
        return true;
    }
    let names: Vec<String> = guild
        .and_then(|g| {
            ctx.cache.guild(g).map(|g| {
                roles
                    .iter()
                    .filter_map(|r| g.roles.get(r).map(|role| role.name.to_lowercase()))
                    .collect()
            })
        })
        .unwrap_or_default();
    wanted.iter().any(|w| {
        roles.iter().any(|r| r.get().to_string() == *w) || names.contains(&w.to_lowercase())
    })
}

/// Refuse a write with an ephemeral explanation; true when refused.
async fn refuse_unless_writer(ctx: Context<'_>) -> Result<bool, Error> {
    let roles: Vec<serenity::RoleId> = ctx
        .author_member()
        .await
        .map(|m| m.roles.clone())
        .unwrap_or_default();
    if may_write(ctx.data(), ctx.serenity_context(), ctx.guild_id(), &roles) {
        return Ok(false);
    }
    let reply = poise::CreateReply::default()
        .content(format!(
            "Only members with one of these roles can change things: {}. Reading is open to everyone.",
            ctx.data().settings.writer_roles.join(", ")
        ))
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    ctx.send(reply).await?;
    Ok(true)
}

/// Run `f` on the repository's session, off the async threads.
async fn on_session<T: Send + 'static>(
    session: &Shared,
    f: impl FnOnce(&mut Session) -> Result<T, AppError> + Send + 'static,
) -> Result<T, Error> {
    let session = session.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut s = session.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s)
    })
    .await
    .map_err(|e| format!("the work stopped: {e}"))??;
    Ok(out)
}

/// Defer (inside Discord's 3 s), answer from the session off the async threads, then
/// follow up with the pages of the text.
async fn answer_with(
    ctx: Context<'_>,
    repo: Option<String>,
    work: impl FnOnce(&mut Session) -> Result<String, AppError> + Send + 'static,
) -> Result<(), Error> {
    let served = served(ctx.data(), ctx.channel_id().get(), repo.as_deref())?;
    ctx.defer().await?;
    let text = on_session(&served.session, work).await?;
    answer_pages(ctx, text).await?;
    settle(served);
    Ok(())
}

/// Once an answer is out, let the session read in what changed (its own note, say) in
/// the background, so that the next command is answered from what it holds. One
/// settling at a time is queued: a burst of answers settles once, after them.
fn settle(served: &Served) {
    use std::sync::atomic::Ordering;
    if served.settling.swap(true, Ordering::AcqRel) {
        return;
    }
    let (session, settling) = (served.session.clone(), served.settling.clone());
    tokio::task::spawn_blocking(move || {
        let mut s = session.lock().unwrap_or_else(|e| e.into_inner());
        // Cleared first: an answer that comes after this point queues the next one.
        settling.store(false, Ordering::Release);
        s.settle();
    });
}

/// The application id and the interaction token, for follow-ups.
fn interaction_of(ctx: Context<'_>) -> (u64, String) {
    let app = ctx
        .serenity_context()
        .http
        .application_id()
        .map(|a| a.get())
        .unwrap_or(0);
    let token = match ctx {
        poise::Context::Application(a) => a.interaction.token.clone(),
        poise::Context::Prefix(_) => String::new(),
    };
    (app, token)
}

/// Follow up with `text` as one message; a long one shows its first page with Prev/Next
/// buttons that turn the pages in place.
async fn answer_pages(ctx: Context<'_>, text: String) -> Result<Value, Error> {
    let (app, token) = interaction_of(ctx);
    let (body, pages) = paged_body(&text);
    let m = ctx.data().sender.followup(app, &token, &body).await?;
    remember_pages(ctx.data(), &m, pages);
    Ok(m)
}

fn remember_pages(data: &Data, message: &Value, pages: Option<Vec<String>>) {
    if let (Some(pages), Some(id)) = (pages, id_of(message)) {
        if let Ok(mut p) = data.paged.lock() {
            p.insert(id, Paged { pages, at: 0 });
        }
    }
}

/// Prev/Next on a paged answer: the message is edited to show the other page.
async fn turn_page(
    data: &Data,
    ctx: &serenity::Context,
    ci: &serenity::ComponentInteraction,
    forward: bool,
) -> Result<(), Error> {
    let turn = || {
        data.paged.lock().ok().and_then(|mut all| {
            let p = all.get_mut(&ci.message.id.get())?;
            p.at = if forward {
                (p.at + 1).min(p.pages.len() - 1)
            } else {
                p.at.saturating_sub(1)
            };
            Some((p.pages[p.at].clone(), p.at, p.pages.len()))
        })
    };
    // A press can arrive while the message's pages are still being remembered (the
    // message is on screen as soon as Discord has it): give that a moment.
    let mut shown = turn();
    for _ in 0..20 {
        if shown.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        shown = turn();
    }
    let reply = match shown {
        Some((page, at, n)) => {
            let rows: Vec<serenity::CreateActionRow> = serde_json::from_value(page_buttons(at, n))
                .map(|rows: Vec<serenity::ActionRow>| {
                    rows.iter()
                        .map(|r| {
                            serenity::CreateActionRow::Buttons(
                                r.components
                                    .iter()
                                    .filter_map(|c| match c {
                                        serenity::ActionRowComponent::Button(b) => {
                                            Some(serenity::CreateButton::from(b.clone()))
                                        }
                                        _ => None,
                                    })
                                    .collect(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            serenity::CreateInteractionResponse::UpdateMessage(
                serenity::CreateInteractionResponseMessage::new()
                    .content(page)
                    .components(rows)
                    .allowed_mentions(serenity::CreateAllowedMentions::new()),
            )
        }
        None => serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .content("This answer is no longer known; ask again.")
                .ephemeral(true)
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        ),
    };
    ci.create_response(&ctx.http, reply).await?;
    Ok(())
}

/// The shortlist: react with a number or press a button to pick one.
#[poise::command(slash_command)]
async fn next(
    ctx: Context<'_>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    let served = served(ctx.data(), ctx.channel_id().get(), repo.as_deref())?;
    ctx.defer().await?;
    let by = ctx.author().name.clone();
    let name = served.name.clone();
    let several = ctx.data().repos.len() > 1;
    let (body, note) = on_session(&served.session, move |s| {
        let ask = NoteAsk {
            topic: "triage".into(),
            by,
            at: Utc::now(),
        };
        let answer = app::next(s, NextRequest { note: Some(ask) })?;
        let body = chat::next_message(&answer.triage, &name, several);
        Ok((body, answer.note))
    })
    .await?;
    // One message: the candidates, the buttons and (below) the reactions.
    let (app_id, token) = interaction_of(ctx);
    let sender = &ctx.data().sender;
    let msg = sender.followup(app_id, &token, &body).await?;
    let message_id = id_of(&msg).ok_or("Discord did not return the message id")?;
    let channel_id = ctx.channel_id().get();
    let n = note
        .as_ref()
        .map_or(0, |n| n.candidates.len().min(KEYCAPS.len()));
    if let Some(note) = note {
        on_session(&served.session, move |s| {
            app::record_posted(s, message_id, channel_id, &note)
        })
        .await?;
    }
    for emoji in KEYCAPS.iter().take(n) {
        sender.react(channel_id, message_id, emoji).await?;
    }
    settle(served);
    Ok(())
}

/// A shortlist's detail button: the conflicts, why the others were left out, or the open
/// questions, answered to the presser alone (deferred ephemerally, so that every page of
/// the answer stays private).
async fn answer_detail(
    data: &Data,
    ctx: &serenity::Context,
    ci: &serenity::ComponentInteraction,
    detail: Detail,
    repo: Option<&str>,
) -> Result<(), Error> {
    let served = served(data, ci.channel_id.get(), repo)?;
    ci.create_response(
        &ctx.http,
        serenity::CreateInteractionResponse::Defer(
            serenity::CreateInteractionResponseMessage::new().ephemeral(true),
        ),
    )
    .await?;
    let pages = on_session(&served.session, move |s| {
        let t = app::triage(s, &app::TriageRequest::default())?;
        Ok(chat::detail_pages(&t, detail))
    })
    .await;
    let pages = match pages {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("detail failed: {e}");
            vec![failure_text(&e)]
        }
    };
    let app_id = ctx.http.application_id().map(|a| a.get()).unwrap_or(0);
    for p in pages {
        // The first follow-up takes the deferral's (private) visibility; the flag keeps
        // the later ones private too.
        let body = json!({"content": p, "flags": 64});
        data.sender.followup(app_id, &ci.token, &body).await?;
    }
    Ok(())
}

fn id_of(v: &Value) -> Option<u64> {
    match &v["id"] {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// Remaining work by track, with what blocks what.
#[poise::command(slash_command)]
async fn triage(
    ctx: Context<'_>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
    #[description = "One track only (letter, key or part of its name)"]
    #[autocomplete = "complete_track"]
    track: Option<String>,
) -> Result<(), Error> {
    answer_with(ctx, repo, move |s| {
        let t = app::triage(s, &app::TriageRequest { track })?;
        Ok(chat::with_warnings(
            render::md::triage(&chat::chat_view(&t)),
            &t.warnings,
        ))
    })
    .await
}

/// One track: its remaining work and what is finished.
#[poise::command(slash_command)]
async fn track(
    ctx: Context<'_>,
    #[description = "Letter, key, numeric id or part of the name"]
    #[autocomplete = "complete_track"]
    id: String,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    answer_with(ctx, repo, move |s| {
        Ok(render::md::track(&app::track(
            s,
            &app::TrackRequest { track: id },
        )?))
    })
    .await
}

/// Everything known about one task, with its source.
#[poise::command(slash_command)]
async fn task(
    ctx: Context<'_>,
    #[description = "Task id (5.2.1, T4.6.3, WP-3)"]
    #[autocomplete = "complete_task"]
    id: String,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    answer_with(ctx, repo, move |s| {
        Ok(render::md::task(&app::task(s, &app::TaskRequest { id })?))
    })
    .await
}

/// Worktrees in flight with their tasks, safe to remove, predicted merge conflicts.
#[poise::command(slash_command)]
async fn worktrees(
    ctx: Context<'_>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    answer_with(ctx, repo, move |s| {
        let f = app::worktrees(s)?;
        Ok(render::repo::worktrees_md(&f.state, Medium::Chat) + &render::md::flight(&f))
    })
    .await
}

/// The checkout: branch, upstream, uncommitted and untracked files.
#[poise::command(slash_command)]
async fn status(
    ctx: Context<'_>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    answer_with(ctx, repo, move |s| {
        let mut text = render::repo::status_md(&app::status(s)?.checkout, Medium::Chat);
        // A session that cannot watch scans on every command: said here.
        if let Some(why) = s.watch_unavailable() {
            text.push_str(&format!(
                "\n_Not watching the repository ({why}): every command scans it._\n"
            ));
        }
        Ok(text)
    })
    .await
}

/// Open questions: ask one, or list them.
#[poise::command(slash_command, subcommands("question_add", "question_list"))]
async fn question(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Ask a question; its id is printed.
#[poise::command(slash_command, rename = "add")]
async fn question_add(
    ctx: Context<'_>,
    #[description = "The question"] text: String,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    if refuse_unless_writer(ctx).await? {
        return Ok(());
    }
    let by = ctx.author().name.clone();
    answer_with(ctx, repo, move |s| {
        let a = app::ask(s, &app::AskRequest { text, by })?;
        let q = a.question;
        Ok(if a.new {
            format!("Asked `{}`: {}", q.id, q.text)
        } else {
            format!("Already asked as `{}` by {}: {}", q.id, q.asked_by, q.text)
        })
    })
    .await
}

/// List the open questions.
#[poise::command(slash_command, rename = "list")]
async fn question_list(
    ctx: Context<'_>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    answer_with(ctx, repo, move |s| {
        let k = app::questions(s)?;
        Ok(chat::with_warnings(
            render::md::questions(&k, false, Medium::Chat),
            &k.warnings,
        ))
    })
    .await
}

/// Record a decision on a question.
#[poise::command(slash_command)]
async fn decide(
    ctx: Context<'_>,
    #[description = "The question (Q-7f3a)"]
    #[autocomplete = "complete_question"]
    question: String,
    #[description = "The decision"] decision: String,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    if refuse_unless_writer(ctx).await? {
        return Ok(());
    }
    let by = ctx.author().name.clone();
    answer_with(ctx, repo, move |s| {
        let qid = question.split_whitespace().next().unwrap_or("").to_string();
        let req = app::DecideRequest {
            question: qid,
            decision,
            by,
            via: "discord".into(),
        };
        let d = app::decide(s, &req)?;
        Ok(format!(
            "Decided `{}` ({}): {} — {}",
            d.question.id, d.question.text, d.decision.text, d.decision.decided_by
        ))
    })
    .await
}

/// Write a conversation note into the repository.
#[poise::command(slash_command, rename = "note")]
async fn note_cmd(
    ctx: Context<'_>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
    #[description = "What it is about (names the file)"] topic: Option<String>,
) -> Result<(), Error> {
    if refuse_unless_writer(ctx).await? {
        return Ok(());
    }
    let by = ctx.author().name.clone();
    answer_with(ctx, repo, move |s| {
        let ask = NoteAsk {
            topic: topic.unwrap_or_else(|| "triage".into()),
            by,
            at: Utc::now(),
        };
        let n = app::note(s, ask)?;
        Ok(chat::with_warnings(
            format!("Note written: `{}`", n.note.rel),
            &n.warnings,
        ))
    })
    .await
}

/// Release a claim so that the task is offered again (the claimer or a writer).
#[poise::command(slash_command)]
async fn unpick(
    ctx: Context<'_>,
    #[description = "Task id (5.2.1, T4.6.3, WP-3)"]
    #[autocomplete = "complete_task"]
    id: String,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    let roles: Vec<serenity::RoleId> = ctx
        .author_member()
        .await
        .map(|m| m.roles.clone())
        .unwrap_or_default();
    let writer = may_write(ctx.data(), ctx.serenity_context(), ctx.guild_id(), &roles);
    let by = ctx.author().name.clone();
    answer_with(ctx, repo, move |s| {
        let req = app::UnpickRequest {
            task: id,
            by,
            any: writer,
        };
        let c = app::unpick(s, &req)?;
        Ok(format!(
            "Released `{}` (claimed by {} on {}); it is offered again.",
            c.task_id,
            c.claimed_by,
            c.claimed_at.format("%Y-%m-%d")
        ))
    })
    .await
}

/// Done and open tasks per track.
#[poise::command(slash_command)]
async fn progress(
    ctx: Context<'_>,
    #[description = "Chart from this date (2026-10-02) or revision on (default: the whole history)"]
    since: Option<String>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    let served = served(ctx.data(), ctx.channel_id().get(), repo.as_deref())?;
    ctx.defer().await?;
    let (text, png) = on_session(&served.session, move |s| {
        let p = app::progress(s, &app::ProgressRequest { since })?;
        let png = render::chart::render(render::chart::PROGRESS_TITLE, &p.burnup)
            .map_err(|e| e.to_string());
        Ok((render::md::progress_by_track(p.now()), png))
    })
    .await?;
    match png {
        Ok(png) => {
            let (app_id, token) = interaction_of(ctx);
            let body = json!({"content": short(&text, 1900), "allowed_mentions": {"parse": []}});
            ctx.data()
                .sender
                .followup_file(app_id, &token, &body, "progress.png", &png)
                .await?;
        }
        Err(e) => {
            tracing::warn!("no chart: {e}");
            answer_pages(ctx, format!("{text}\n(no chart: {e})")).await?;
        }
    }
    Ok(())
}

/// The daily digest: post it now, or (un)subscribe this channel.
#[poise::command(
    slash_command,
    subcommands("digest_now", "digest_subscribe", "digest_unsubscribe")
)]
async fn digest(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Post the digest here now.
#[poise::command(slash_command, rename = "now")]
async fn digest_now(
    ctx: Context<'_>,
    #[description = "Since this date (2026-10-02) or revision (default: the last digest)"]
    since: Option<String>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    let served = served(ctx.data(), ctx.channel_id().get(), repo.as_deref())?;
    ctx.defer().await?;
    let (text, png) = on_session(&served.session, move |s| digest_text(s, since)).await?;
    let (app_id, token) = interaction_of(ctx);
    let sender = &ctx.data().sender;
    // One message: the first page (Prev/Next turn the others) with the chart as its image.
    let (body, pages) = paged_body(&text);
    let m = match &png {
        Some(png) => {
            sender
                .followup_file(app_id, &token, &body, "progress.png", png)
                .await?
        }
        None => sender.followup(app_id, &token, &body).await?,
    };
    remember_pages(ctx.data(), &m, pages);
    Ok(())
}

/// The digest's text since `since` (else the last digest), and its chart when one can
/// be drawn.
fn digest_text(
    s: &mut Session,
    since: Option<String>,
) -> Result<(String, Option<Vec<u8>>), AppError> {
    let req = app::DigestRequest { since, chart: true };
    let d = app::digest(s, &req)?;
    let tz = s.config().timezone.clone();
    let text = chat::with_warnings(
        render::md::digest(&d.changes, &chat::chat_view(&d.triage), tz.as_deref()),
        &d.triage.warnings,
    );
    let png = d.progress.and_then(|p| {
        render::chart::render(render::chart::PROGRESS_TITLE, &p.burnup)
            .map_err(|e| tracing::warn!("digest without a chart: {e}"))
            .ok()
    });
    Ok((text, png))
}

/// Post the daily digest in every subscribed channel once per local day. The store is
/// the lock: of several instances sharing the database, one claims each day.
async fn digest_schedule(settings: Settings, sender: Sender, session: Shared) {
    loop {
        let (time, tz) = (settings.digest_time, settings.digest_tz);
        let claimed = on_session(&session, move |s| app::claim_due(s, Utc::now(), time, tz)).await;
        match claimed {
            Ok(list) => {
                for (channel, day) in list {
                    let posted = post_digest(&session, &sender, &channel).await.ok();
                    let (c, d) = (channel.clone(), day.clone());
                    let result =
                        on_session(&session, move |s| app::digest_done(s, &c, &d, posted)).await;
                    if let Err(e) = result {
                        tracing::error!(channel = %channel, "digest bookkeeping failed: {e}");
                    }
                }
            }
            Err(e) => tracing::error!("digest schedule: {e}"),
        }
        tokio::time::sleep(settings.digest_tick).await;
    }
}

async fn post_digest(session: &Shared, sender: &Sender, channel: &str) -> Result<u64, Error> {
    let channel: u64 = channel
        .parse()
        .map_err(|_| format!("bad channel id {channel}"))?;
    let (text, png) = on_session(session, |s| digest_text(s, None)).await?;
    // One message with the chart; a long digest keeps its first page here (the Prev/Next
    // of a scheduled post would need this process's memory, so it is cut at an item and
    // says how much more there is).
    let pages = pages::pages(&text, pages::CONTENT_LIMIT);
    let mut first = pages[0].clone();
    if pages.len() > 1 {
        first = first
            .rsplit_once('\n')
            .map_or(first.clone(), |(a, _)| a.to_string());
        first.push_str("\n… (/digest now shows it all)");
    }
    let body = json!({"content": first, "allowed_mentions": {"parse": []}});
    let m = match &png {
        Some(png) => sender.post_file(channel, &body, "progress.png", png).await,
        None => sender.post(channel, &body).await,
    };
    match m {
        Ok(m) => {
            tracing::info!(channel, "daily digest posted");
            Ok(id_of(&m).unwrap_or(0))
        }
        Err(e) => {
            tracing::error!(channel, "digest not posted: {e}");
            Err(e.into())
        }
    }
}

/// Post the daily digest in this channel.
#[poise::command(slash_command, rename = "subscribe")]
async fn digest_subscribe(
    ctx: Context<'_>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    digest_setting(ctx, repo, true).await
}

/// Stop the daily digest in this channel.
#[poise::command(slash_command, rename = "unsubscribe")]
async fn digest_unsubscribe(
    ctx: Context<'_>,
    #[description = "Repository (when this channel serves several)"]
    #[autocomplete = "complete_repo"]
    repo: Option<String>,
) -> Result<(), Error> {
    digest_setting(ctx, repo, false).await
}

async fn digest_setting(ctx: Context<'_>, repo: Option<String>, on: bool) -> Result<(), Error> {
    if refuse_unless_writer(ctx).await? {
        return Ok(());
    }
    let channel = ctx.channel_id().get().to_string();
    let guild = ctx.guild_id().map(|g| g.get().to_string());
    let by = ctx.author().name.clone();
    answer_with(ctx, repo, move |s| {
        let changed = app::subscribe(s, &channel, guild.as_deref(), &by, on)?;
        Ok(match (on, changed) {
            (true, true) => "This channel gets the daily digest.".to_string(),
            (true, false) => "This channel already gets the daily digest.".to_string(),
            (false, true) => "No more daily digest here.".to_string(),
            (false, false) => "This channel was not subscribed.".to_string(),
        })
    })
    .await
}

// ---- autocomplete ---------------------------------------------------------------------

/// The plan for autocomplete: what the session read last (at most a few seconds old).
/// Autocomplete must answer at once, so a session busy with a long command is not
/// waited for while an older plan is at hand.
async fn cached_plan(data: &Data, channel: u64) -> Option<Arc<crate::plan::Plan>> {
    // The first repository the channel serves (the `repo` option is not known here).
    let served = *served_in(data, channel).first()?;
    let fresh = |c: &Option<(Instant, Arc<crate::plan::Plan>)>| {
        c.as_ref()
            .filter(|(at, _)| at.elapsed() < PLAN_CACHE_TTL)
            .map(|(_, p)| p.clone())
    };
    let held = served.plan_cache.lock().ok().and_then(|c| c.clone());
    if let Some(p) = fresh(&held) {
        return Some(p);
    }
    let session = served.session.clone();
    let wait = held.is_none();
    let read = tokio::task::spawn_blocking(move || {
        let mut s = if wait {
            session.lock().unwrap_or_else(|e| e.into_inner())
        } else {
            session.try_lock().ok()?
        };
        app::plan_now(&mut s).ok()
    })
    .await
    .ok()
    .flatten();
    match read {
        Some(p) => {
            if let Ok(mut c) = served.plan_cache.lock() {
                *c = Some((Instant::now(), p.clone()));
            }
            Some(p)
        }
        None => held.map(|(_, p)| p),
    }
}

const PLAN_CACHE_TTL: Duration = Duration::from_secs(10);

/// Fuzzy: every character of the query appears in order (id or title), best first.
fn fuzzy_rank(query: &str, hay: &str) -> Option<usize> {
    let q = query.to_lowercase();
    let h = hay.to_lowercase();
    if q.is_empty() {
        return Some(1000);
    }
    if let Some(i) = h.find(&q) {
        return Some(i);
    }
    let mut it = h.chars();
    q.chars().all(|c| it.any(|x| x == c)).then_some(500)
}

/// At most 25 choices, names and values within Discord's 100 characters.
fn choices(mut scored: Vec<(usize, String, String)>) -> serenity::CreateAutocompleteResponse {
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    scored.dedup_by(|a, b| a.2 == b.2);
    let list = scored
        .into_iter()
        .take(25)
        .map(|(_, name, value)| {
            serenity::AutocompleteChoice::new(short(&name, 100), short(&value, 100))
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(list)
}

async fn complete_task(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let Some(plan) = cached_plan(ctx.data(), ctx.channel_id().get()).await else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let scored = plan
        .tasks
        .iter()
        .filter(|t| !t.derived_id)
        .filter_map(|t| {
            let label = format!("{} {}", t.id, t.title);
            fuzzy_rank(partial, &label).map(|r| {
                (
                    r + usize::from(
                        plan.is_finished(
                            plan.tasks
                                .iter()
                                .position(|x| std::ptr::eq(x, t))
                                .unwrap_or(0),
                        ),
                    ) * 100,
                    label,
                    t.id.to_string(),
                )
            })
        })
        .collect();
    choices(scored)
}

async fn complete_track(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let Some(plan) = cached_plan(ctx.data(), ctx.channel_id().get()).await else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let scored = (0..plan.tracks.len())
        .filter_map(|i| {
            let label = render::md::track_title(&plan, i);
            fuzzy_rank(partial, &label).map(|r| (r, label, plan.tracks[i].key.clone()))
        })
        .collect();
    choices(scored)
}

async fn complete_repo(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let scored = served_in(ctx.data(), ctx.channel_id().get())
        .iter()
        .filter_map(|r| fuzzy_rank(partial, &r.name).map(|k| (k, r.name.clone(), r.name.clone())))
        .collect();
    choices(scored)
}

async fn complete_question(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let Some(served) = served_in(ctx.data(), ctx.channel_id().get())
        .first()
        .copied()
    else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let session = served.session.clone();
    let partial = partial.to_string();
    let scored = tokio::task::spawn_blocking(move || {
        // A busy session is not waited for: autocomplete must answer at once.
        let Ok(mut s) = session.try_lock() else {
            return Vec::new();
        };
        app::questions(&mut s)
            .map(|k| k.open)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|q| {
                let label = format!("{} {}", q.id, q.text);
                fuzzy_rank(&partial, &label).map(|r| (r, label, q.id))
            })
            .collect()
    })
    .await
    .unwrap_or_default();
    choices(scored)
}

// ---- picking by reaction or button ------------------------------------------------------

async fn event_handler(
    fw: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let data = fw.user_data;
    let ctx = fw.serenity_context;
    match event {
        serenity::FullEvent::ReactionAdd { add_reaction: r } => {
            let Some(user) = r.user_id else { return Ok(()) };
            if user == ctx.cache.current_user().id || r.member.as_ref().is_some_and(|m| m.user.bot)
            {
                return Ok(());
            }
            let serenity::ReactionType::Unicode(name) = &r.emoji else {
                return Ok(());
            };
            let Some(rank) = KEYCAPS.iter().position(|k| k == name).map(|i| i + 1) else {
                return Ok(());
            };
            let roles = r
                .member
                .as_ref()
                .map(|m| m.roles.clone())
                .unwrap_or_default();
            if !may_write(data, ctx, r.guild_id, &roles) {
                tracing::info!(user = %user, "pick by reaction refused: not a writer");
                // Taken back, so that the message does not show a pick that is not one
                // (needs Manage Messages; without it the reaction simply stays).
                let removed = data
                    .sender
                    .unreact(r.channel_id.get(), r.message_id.get(), name, user.get())
                    .await;
                if let Err(e) = removed {
                    tracing::info!("could not remove the reaction: {e}");
                }
                return Ok(());
            }
            let by = r
                .member
                .as_ref()
                .map(|m| m.user.name.clone())
                .unwrap_or_else(|| user.get().to_string());
            if let PickAnswer::Picked(text) =
                record_pick(data, r.channel_id.get(), r.message_id.get(), rank, by).await?
            {
                data.sender
                    .post(
                        r.channel_id.get(),
                        &json!({"content": text, "allowed_mentions": {"parse": []}}),
                    )
                    .await?;
            }
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(ci),
        } if ci.data.custom_id.starts_with("page:") => {
            turn_page(data, ctx, ci, ci.data.custom_id == "page:next").await?;
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(ci),
        } if ci.data.custom_id.starts_with("more:") => {
            let (id, repo) = match ci.data.custom_id.split_once('@') {
                Some((id, repo)) => (id, Some(repo)),
                None => (ci.data.custom_id.as_str(), None),
            };
            if let Some(d) = Detail::from_custom_id(id) {
                answer_detail(data, ctx, ci, d, repo).await?;
            }
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(ci),
        } => {
            let Some(rank) = ci
                .data
                .custom_id
                .strip_prefix("pick:")
                .and_then(|n| n.parse::<usize>().ok())
            else {
                return Ok(());
            };
            let roles = ci
                .member
                .as_ref()
                .map(|m| m.roles.clone())
                .unwrap_or_default();
            let private = |text: String| {
                serenity::CreateInteractionResponseMessage::new()
                    .content(short(&text, 1900))
                    .ephemeral(true)
                    .allowed_mentions(serenity::CreateAllowedMentions::new())
            };
            let reply = if !may_write(data, ctx, ci.guild_id, &roles) {
                private(format!(
                    "Only members with one of these roles can pick: {}.",
                    data.settings.writer_roles.join(", ")
                ))
            } else {
                match record_pick(
                    data,
                    ci.channel_id.get(),
                    ci.message.id.get(),
                    rank,
                    ci.user.name.clone(),
                )
                .await
                {
                    Ok(PickAnswer::Picked(text)) => {
                        serenity::CreateInteractionResponseMessage::new()
                            .content(text)
                            .allowed_mentions(serenity::CreateAllowedMentions::new())
                    }
                    Ok(PickAnswer::Already) => {
                        private("You had already picked that one; nothing changed.".into())
                    }
                    Ok(PickAnswer::Unknown) => {
                        private("This shortlist is no longer known; run /next again.".into())
                    }
                    Err(e) => {
                        tracing::error!("pick failed: {e}");
                        private(failure_text(&e))
                    }
                }
            };
            ci.create_response(
                &ctx.http,
                serenity::CreateInteractionResponse::Message(reply),
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// What a pick in chat did.
enum PickAnswer {
    /// New: the line to say in the channel.
    Picked(String),
    /// The same person had picked it already.
    Already,
    /// Not a shortlist this database knows (or no such number on it).
    Unknown,
}

/// Record a pick of candidate `rank` of a posted shortlist.
async fn record_pick(
    data: &Data,
    channel: u64,
    message: u64,
    rank: usize,
    by: String,
) -> Result<PickAnswer, Error> {
    // The repository whose database posted the message: a pick never touches another's.
    let mut picked = None;
    for served in served_in(data, channel) {
        let req = PickRequest {
            offer: Offer::Message(message),
            n: rank,
            by: by.clone(),
            at: Utc::now(),
        };
        picked = on_session(&served.session, move |s| match app::pick(s, req) {
            Ok(o) => Ok(Some(o)),
            Err(AppError::NotAShortlist { .. } | AppError::NoSuchCandidate { .. })
            | Err(AppError::NothingOffered { .. }) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
        if picked.is_some() {
            settle(served);
            break;
        }
    }
    let Some(o) = picked else {
        return Ok(PickAnswer::Unknown);
    };
    if !o.new {
        return Ok(PickAnswer::Already);
    }
    let c = &o.candidate;
    let noted = o
        .note
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| format!(" — noted in `{}`", n.to_string_lossy()))
        .unwrap_or_default();
    let held = if o.claim.claimed_by != by {
        format!(" — still claimed by {}", o.claim.claimed_by)
    } else {
        String::new()
    };
    Ok(PickAnswer::Picked(format!(
        "{by} picked {}. `{}` {} ({}){held}{noted}",
        c.rank, c.id, c.title, o.track_title
    )))
}
