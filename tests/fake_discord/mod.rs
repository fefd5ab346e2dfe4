//! A fake Discord on 127.0.0.1 for tests: the REST routes the bot uses (axum) and a
//! gateway websocket (HELLO, IDENTIFY/READY, heartbeats, dispatches, RECONNECT/RESUME).
//! It records every request in order, checks every payload against Discord's limits
//! (LIMITS.md) and the 3-second / once-only rules of interaction callbacks, and can
//! answer 429s on demand. No internet, no real token.

#![allow(dead_code)]

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message as Ws;

pub const APP: &str = "300";
pub const GUILD: &str = "200";
pub const CHANNEL: &str = "600";
pub const BOT: &str = "100";

#[derive(Debug, Clone)]
pub struct Req {
    pub n: usize,
    pub method: String,
    pub path: String,
    pub body: Value,
    pub at: Instant,
    pub status: u16,
    /// The message created, for routes that create one.
    pub reply: Value,
}

#[derive(Default)]
struct State {
    requests: Vec<Req>,
    violations: Vec<String>,
    /// Interaction id → (when it was dispatched, callbacks so far).
    interactions: HashMap<String, (Instant, usize)>,
    /// Interaction id → its type (2 command, 3 component, 4 autocomplete, 5 modal).
    kind_of: HashMap<String, u64>,
    /// Message id → the distinct emoji the bot has put on it.
    reactions: HashMap<String, Vec<String>>,
    next_id: u64,
    /// (route substring, 429s still to give, retry_after seconds)
    limits: Vec<(String, usize, f64)>,
    gateway: Vec<String>,
    /// Dispatches sent, for RESUME replays: (seq, frame).
    sent: Vec<(u64, String)>,
    seq: u64,
    /// Drop the connection after sending dispatches (simulating a lost socket).
    gw_addr: String,
    /// Guilds the bot has no access to: registering commands there gets 403.
    refused_guilds: Vec<String>,
    /// Interaction id → the deferral's visibility (ephemeral?) while its placeholder
    /// waits for the first follow-up (Discord: that follow-up resolves the placeholder
    /// and takes the deferral's visibility; its own flags are ignored).
    deferred: HashMap<String, bool>,
    /// Interaction id → the message a component interaction was on.
    component_of: HashMap<String, String>,
    /// Interaction id → its channel.
    channel_of: HashMap<String, String>,
    /// What Discord would show: every message created, with its final text.
    shown: Vec<Shown>,
    /// Messages whose content would ping someone (no `allowed_mentions` restricting it).
    pings: Vec<String>,
    /// Follow-ups to answer with a 5xx (path substring, how many).
    fail_5xx: Vec<(String, usize)>,
}

/// A message as the channel (or only its asker, when ephemeral) sees it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub id: String,
    pub content: String,
    pub ephemeral: bool,
    pub components: Value,
    pub embeds: Value,
    /// The interaction it answers, if any.
    pub interaction: Option<String>,
}

enum GwCmd {
    Dispatch(String, Value),
    Reconnect,
}

pub struct Fake {
    pub rest: String,
    state: Arc<Mutex<State>>,
    notify: Arc<Notify>,
    gw: mpsc::UnboundedSender<GwCmd>,
}

impl Fake {
    pub async fn start() -> Fake {
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        let notify = Arc::new(Notify::new());
        let gw_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind gateway");
        let gw_addr: SocketAddr = gw_listener.local_addr().expect("addr");
        state.lock().expect("state").gw_addr = format!("ws://{gw_addr}");
        let (tx, rx) = mpsc::unbounded_channel();
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        {
            let state = state.clone();
            let notify = notify.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = gw_listener.accept().await {
                    let state = state.clone();
                    let notify = notify.clone();
                    let rx = rx.clone();
                    tokio::spawn(async move {
                        let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                            return;
                        };
                        gateway_session(ws, state, notify, rx).await;
                    });
                }
            });
        }
        let rest_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind rest");
        let rest_addr = rest_listener.local_addr().expect("addr");
        {
            let state = state.clone();
            let notify = notify.clone();
            let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
                let state = state.clone();
                let notify = notify.clone();
                async move { rest(state, notify, method, uri, body) }
            });
            tokio::spawn(async move {
                let _ = axum::serve(rest_listener, app).await;
            });
        }
        Fake {
            rest: format!("http://{rest_addr}"),
            state,
            notify,
            gw: tx,
        }
    }

    pub fn requests(&self) -> Vec<Req> {
        self.state.lock().expect("state").requests.clone()
    }

    /// Refuse command registration in `guild` (403 Missing Access, as Discord answers a
    /// bot that was not invited there).
    pub fn refuse_guild(&self, guild: &str) {
        self.state
            .lock()
            .expect("state")
            .refused_guilds
            .push(guild.to_string());
    }

    /// Every message shown so far (public and ephemeral), in order, as last edited.
    pub fn shown(&self) -> Vec<Shown> {
        self.state.lock().expect("state").shown.clone()
    }

    /// The messages the whole channel sees.
    pub fn public_messages(&self) -> Vec<Shown> {
        self.shown().into_iter().filter(|m| !m.ephemeral).collect()
    }

    /// Contents that would have pinged someone.
    pub fn pings(&self) -> Vec<String> {
        self.state.lock().expect("state").pings.clone()
    }

    /// Answer the next `n` follow-ups (and channel posts) whose path contains `route`
    /// with 502.
    pub fn fail_with_5xx(&self, route: &str, n: usize) {
        self.state
            .lock()
            .expect("state")
            .fail_5xx
            .push((route.to_string(), n));
    }

    pub fn violations(&self) -> Vec<String> {
        self.state.lock().expect("state").violations.clone()
    }

    pub fn gateway_log(&self) -> Vec<String> {
        self.state.lock().expect("state").gateway.clone()
    }

    /// Answer the next `n` requests whose path contains `route` with 429.
    pub fn rate_limit(&self, route: &str, n: usize, retry_after: f64) {
        self.state
            .lock()
            .expect("state")
            .limits
            .push((route.to_string(), n, retry_after));
    }

    /// Wait until a request matches (checking those already made first).
    pub async fn wait_for(&self, what: &str, f: impl Fn(&Req) -> bool) -> Req {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let notified = self.notify.notified();
            if let Some(r) = self.requests().into_iter().find(|r| f(r)) {
                return r;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; requests: {:#?}",
                self.requests()
                    .iter()
                    .map(|r| format!("{} {} {}", r.method, r.path, r.status))
                    .collect::<Vec<_>>()
            );
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }

    /// Wait until the bot has registered its slash commands (it is ready for them).
    pub async fn registered(&self) {
        self.wait_for("command registration", |r| {
            r.method == "PUT" && r.path.ends_with("/commands")
        })
        .await;
    }

    /// Wait until the gateway log has an entry.
    pub async fn wait_gateway(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.gateway_log().iter().any(|g| g == what) {
            assert!(
                Instant::now() < deadline,
                "no {what} on the gateway: {:?}",
                self.gateway_log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Send a dispatch (`t`, `d`) to the connected bot.
    pub fn dispatch(&self, t: &str, d: Value) {
        if t == "INTERACTION_CREATE" {
            if let Some(id) = d["id"].as_str() {
                let mut s = self.state.lock().expect("state");
                s.interactions.insert(id.to_string(), (Instant::now(), 0));
                s.kind_of
                    .insert(id.to_string(), d["type"].as_u64().unwrap_or(0));
                let channel = d["channel_id"].as_str().unwrap_or(CHANNEL).to_string();
                s.channel_of.insert(id.to_string(), channel);
            }
        }
        let _ = self.gw.send(GwCmd::Dispatch(t.to_string(), d));
    }

    /// Ask the bot to reconnect (op 7); it must come back with RESUME.
    pub fn reconnect(&self) {
        let _ = self.gw.send(GwCmd::Reconnect);
    }

    fn next_id(&self) -> String {
        let mut s = self.state.lock().expect("state");
        s.next_id += 1;
        s.next_id.to_string()
    }

    /// A slash command by `user` with `roles`; returns the interaction id.
    pub fn command(
        &self,
        name: &str,
        options: Value,
        user: (&str, &str),
        roles: &[&str],
    ) -> String {
        self.command_in(CHANNEL, name, options, user, roles)
    }

    /// [`Fake::command`] in another channel.
    pub fn command_in(
        &self,
        channel: &str,
        name: &str,
        options: Value,
        user: (&str, &str),
        roles: &[&str],
    ) -> String {
        let id = self.next_id();
        let mut i = interaction(
            &id,
            2,
            json!({"id": "900", "name": name, "type": 1, "options": options}),
            user,
            roles,
            None,
        );
        i["channel_id"] = json!(channel);
        self.dispatch("INTERACTION_CREATE", i);
        id
    }

    /// Autocomplete for `command`'s option `option` with `value` typed so far.
    pub fn autocomplete(&self, name: &str, option: &str, value: &str) -> String {
        let id = self.next_id();
        self.dispatch(
            "INTERACTION_CREATE",
            interaction(
                &id,
                4,
                json!({"id": "901", "name": name, "type": 1,
                       "options": [{"name": option, "type": 3, "value": value, "focused": true}]}),
                ("700", "alice"),
                &[],
                None,
            ),
        );
        id
    }

    /// A button press on `message`.
    pub fn press(
        &self,
        message: &Value,
        custom_id: &str,
        user: (&str, &str),
        roles: &[&str],
    ) -> String {
        let id = self.next_id();
        if let Some(mid) = message["id"].as_str() {
            self.state
                .lock()
                .expect("state")
                .component_of
                .insert(id.clone(), mid.to_string());
        }
        self.dispatch(
            "INTERACTION_CREATE",
            interaction(
                &id,
                3,
                json!({"custom_id": custom_id, "component_type": 2}),
                user,
                roles,
                Some(message.clone()),
            ),
        );
        id
    }

    /// A reaction by `user` on `message`.
    pub fn react(
        &self,
        message_id: &str,
        emoji: &str,
        user: (&str, &str),
        bot: bool,
        roles: &[&str],
    ) {
        self.dispatch(
            "MESSAGE_REACTION_ADD",
            json!({"user_id": user.0, "channel_id": CHANNEL, "message_id": message_id, "guild_id": GUILD,
                   "burst": false, "type": 0, "emoji": {"id": null, "name": emoji},
                   "member": member(user, bot, roles)}),
        );
    }
}

fn member(user: (&str, &str), bot: bool, roles: &[&str]) -> Value {
    json!({"user": {"id": user.0, "username": user.1, "bot": bot}, "roles": roles,
           "deaf": false, "mute": false, "flags": 0, "permissions": "2147483647"})
}

pub fn interaction(
    id: &str,
    kind: u8,
    data: Value,
    user: (&str, &str),
    roles: &[&str],
    message: Option<Value>,
) -> Value {
    let mut v = json!({"id": id, "application_id": APP, "type": kind, "token": format!("tok-{id}"),
        "version": 1, "locale": "en-US", "entitlements": [], "attachment_size_limit": 26214400,
        "channel_id": CHANNEL, "guild_id": GUILD, "member": member(user, false, roles),
        "app_permissions": "2147483647", "data": data});
    if let Some(m) = message {
        // A press happens in the channel of the message pressed.
        if let Some(c) = m["channel_id"].as_str() {
            v["channel_id"] = json!(c);
        }
        v["message"] = m;
    }
    v
}

/// A message as Discord returns it.
pub fn message_json(id: &str, channel: &str, body: &Value) -> Value {
    json!({"id": id, "channel_id": channel, "author": {"id": BOT, "username": "shortlist", "bot": true},
           "content": body["content"].as_str().unwrap_or(""), "timestamp": "2026-11-28T00:00:00+00:00",
           "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
           "embeds": body.get("embeds").cloned().unwrap_or(json!([])),
           "components": body.get("components").cloned().unwrap_or(json!([])),
           "pinned": false, "type": 0})
}

fn err(status: StatusCode, code: i64, message: &str) -> axum::response::Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response()
}

fn rest(
    state: Arc<Mutex<State>>,
    notify: Arc<Notify>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> axum::response::Response {
    let path = uri.path().trim_start_matches("/api/v10").to_string();
    // Multipart (a file attached): the JSON is the `payload_json` part; the files are
    // listed under `_files` as {name, bytes, png}.
    let body: Value = if body.starts_with(b"--") {
        multipart(&body)
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    let mut s = state.lock().expect("state");
    let n = s.requests.len();
    let record = |s: &mut State, status: u16, reply: Value| {
        s.requests.push(Req {
            n,
            method: method.to_string(),
            path: path.clone(),
            body: body.clone(),
            at: Instant::now(),
            status,
            reply,
        });
        notify.notify_waiters();
    };
    let mut reply = Value::Null;
    // Rate limits on demand.
    if let Some(l) = s.limits.iter_mut().find(|l| path.contains(&l.0) && l.1 > 0) {
        l.1 -= 1;
        let retry = l.2;
        record(&mut s, 429, Value::Null);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", format!("{retry}"))],
            axum::Json(json!({"message": "You are being rate limited.", "retry_after": retry, "global": false})),
        )
            .into_response();
    }
    if method == Method::POST {
        if let Some(f) = s
            .fail_5xx
            .iter_mut()
            .find(|f| path.contains(&f.0) && f.1 > 0)
        {
            f.1 -= 1;
            record(&mut s, 502, Value::Null);
            return err(StatusCode::BAD_GATEWAY, 0, "502: Bad Gateway");
        }
    }
    let mut problems = Vec::new();
    let parts: Vec<&str> = path.split('/').collect();
    let m = method.as_str();
    // Discord refuses an invalid payload whole with a 400 and shows nothing of it.
    let invalid = payload_problems(m, &parts, &body);
    if !invalid.is_empty() {
        let empty = invalid.iter().any(|p| p.contains("(code 50006)"));
        for p in invalid {
            s.violations.push(format!("{m} {path}: {p}"));
        }
        record(&mut s, 400, Value::Null);
        return match empty {
            true => err(
                StatusCode::BAD_REQUEST,
                50006,
                "Cannot send an empty message",
            ),
            false => err(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body"),
        };
    }
    pings_in(&body, &mut s.pings);
    let resp = match (m, parts.as_slice()) {
        ("GET", ["", "gateway"]) => axum::Json(json!({"url": s.gw_addr})).into_response(),
        ("GET", ["", "gateway", "bot"]) => axum::Json(json!({"url": s.gw_addr, "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})).into_response(),
        ("GET", ["", "oauth2", "applications", "@me"]) => axum::Json(json!({"id": APP, "name": "shortlist",
            "description": "", "bot_public": false, "bot_require_code_grant": false, "verify_key": "00",
            "owner": {"id": "1", "username": "owner"}})).into_response(),
        ("GET", ["", "users", "@me"]) => axum::Json(json!({"id": BOT, "username": "shortlist", "bot": true})).into_response(),
        ("PUT", ["", "applications", _, "guilds", g, "commands"]) if s.refused_guilds.iter().any(|r| r == g) => {
            err(StatusCode::FORBIDDEN, 50001, "Missing Access")
        }
        ("PUT", ["", "applications", _, "commands"]) | ("PUT", ["", "applications", _, "guilds", _, "commands"]) => {
            axum::Json(json!([])).into_response()
        }
        ("POST", ["", "interactions", id, _token, "callback"]) => {
            let id = id.to_string();
            let entry = s.interactions.get(&id).copied();
            match entry {
                None => err(StatusCode::NOT_FOUND, 10062, "Unknown interaction"),
                Some(_) if !callback_fits(s.kind_of.get(&id).copied(), body["type"].as_u64()) => {
                    // Refused, so the interaction is still unanswered.
                    problems.push(format!(
                        "interaction {id} of type {:?}: callback type {} does not answer it",
                        s.kind_of.get(&id),
                        body["type"]
                    ));
                    err(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body")
                }
                Some((at, count)) => {
                    s.interactions.insert(id.clone(), (at, count + 1));
                    if count > 0 {
                        problems.push(format!("interaction {id}: a second initial response"));
                        err(StatusCode::BAD_REQUEST, 40060, "Interaction has already been acknowledged.")
                    } else if at.elapsed() > Duration::from_secs(3) {
                        problems.push(format!("interaction {id}: answered after {:?} (> 3 s)", at.elapsed()));
                        err(StatusCode::NOT_FOUND, 10062, "Unknown interaction")
                    } else {
                        let ephemeral = body["data"]["flags"].as_u64().is_some_and(|f| f & 64 != 0);
                        match body["type"].as_u64() {
                            Some(5) => {
                                s.deferred.insert(id.clone(), ephemeral);
                            }
                            Some(4) => {
                                s.next_id += 1;
                                let mid = s.next_id.to_string();
                                s.shown.push(shown(&mid, &body["data"], ephemeral, Some(&id)));
                            }
                            Some(7) => {
                                if let Some(mid) = s.component_of.get(&id).cloned() {
                                    edit_shown(&mut s.shown, &mid, &body["data"]);
                                }
                            }
                            _ => {}
                        }
                        StatusCode::NO_CONTENT.into_response()
                    }
                }
            }
        }
        ("POST", ["", "webhooks", _app, token]) => {
            let id = token.trim_start_matches("tok-").to_string();
            if s.interactions.get(&id).is_none_or(|(_, c)| *c == 0) {
                problems.push(format!("follow-up for interaction {id} before any initial response"));
            }
            s.next_id += 1;
            let mid = s.next_id.to_string();
            // The first follow-up after a deferral resolves the placeholder and takes
            // the deferral's visibility, whatever its own flags say.
            let own = body["flags"].as_u64().is_some_and(|f| f & 64 != 0);
            let ephemeral = s.deferred.remove(&id).unwrap_or(own);
            s.shown.push(shown(&mid, &body, ephemeral, Some(&id)));
            let channel = s.channel_of.get(&id).cloned().unwrap_or_else(|| CHANNEL.to_string());
            reply = message_json(&mid, &channel, &body);
            if ephemeral {
                reply["flags"] = json!(64);
            }
            axum::Json(reply.clone()).into_response()
        }
        ("DELETE", ["", "webhooks", _, token, "messages", "@original"]) => {
            // Deleting the deferred placeholder: the next follow-up is a new message
            // with its own visibility.
            let id = token.trim_start_matches("tok-").to_string();
            s.deferred.remove(&id);
            s.shown.retain(|m| m.interaction.as_deref() != Some(&id) || m.ephemeral);
            StatusCode::NO_CONTENT.into_response()
        }
        ("PATCH", ["", "webhooks", _, _, "messages", mid]) | ("GET", ["", "webhooks", _, _, "messages", mid]) => {
            if m == "PATCH" {
                edit_shown(&mut s.shown, mid, &body);
            }
            axum::Json(message_json(mid, CHANNEL, &body)).into_response()
        }
        ("POST", ["", "channels", channel, "messages"]) => {
            s.next_id += 1;
            let mid = s.next_id.to_string();
            s.shown.push(shown(&mid, &body, false, None));
            reply = message_json(&mid, channel, &body);
            axum::Json(reply.clone()).into_response()
        }
        ("PATCH", ["", "channels", channel, "messages", mid]) => {
            edit_shown(&mut s.shown, mid, &body);
            axum::Json(message_json(mid, channel, &body)).into_response()
        }
        ("PUT", ["", "channels", _, "messages", mid, "reactions", emoji, "@me"]) => {
            // (Reaction routes carry the emoji URL-encoded: `%E2%9C%85` is `✅`.)
            let emoji = percent_encoding::percent_decode_str(emoji)
                .decode_utf8_lossy()
                .into_owned();
            let on = s.reactions.entry(mid.to_string()).or_default();
            if !emoji_ok(&emoji) {
                problems.push(format!("reaction `{emoji}` is not an emoji"));
                err(StatusCode::BAD_REQUEST, 10014, "Unknown Emoji")
            } else if !on.contains(&emoji) && on.len() >= 20 {
                problems.push(format!("a 21st distinct reaction on message {mid}"));
                err(StatusCode::BAD_REQUEST, 30010, "Maximum number of reactions reached (20)")
            } else {
                if !on.contains(&emoji) {
                    on.push(emoji);
                }
                StatusCode::NO_CONTENT.into_response()
            }
        }
        ("DELETE", ["", "channels", _, "messages", _, "reactions", _emoji, _user]) => StatusCode::NO_CONTENT.into_response(),
        _ => {
            problems.push(format!("unknown route {m} {path}"));
            err(StatusCode::NOT_FOUND, 0, "404: Not Found")
        }
    };
    let status = resp.status().as_u16();
    for p in problems {
        s.violations.push(format!("{m} {path}: {p}"));
    }
    record(&mut s, status, reply);
    resp
}

fn shown(id: &str, body: &Value, ephemeral: bool, interaction: Option<&str>) -> Shown {
    Shown {
        id: id.to_string(),
        content: body["content"].as_str().unwrap_or("").to_string(),
        ephemeral,
        components: body.get("components").cloned().unwrap_or(json!([])),
        embeds: body.get("embeds").cloned().unwrap_or(json!([])),
        interaction: interaction.map(str::to_string),
    }
}

fn edit_shown(all: &mut [Shown], id: &str, body: &Value) {
    if let Some(m) = all.iter_mut().find(|m| m.id == id) {
        if let Some(c) = body["content"].as_str() {
            m.content = c.to_string();
        }
        if let Some(c) = body.get("components") {
            m.components = c.clone();
        }
        if let Some(e) = body.get("embeds") {
            m.embeds = e.clone();
        }
    }
}

/// Discord pings whoever a message's text mentions unless `allowed_mentions` says
/// otherwise (its default parses every mention). Record the texts that would ping.
fn pings_in(body: &Value, pings: &mut Vec<String>) {
    for msg in [body, &body["data"]] {
        // Only content pings; embeds never do.
        let mut text = msg["content"].as_str().unwrap_or("").to_string();
        if text.is_empty() {
            continue;
        }
        let mentions_user = text.contains("<@");
        let mentions_all = text.contains("@everyone") || text.contains("@here");
        if !mentions_user && !mentions_all {
            continue;
        }
        let parse: Vec<String> = match msg.get("allowed_mentions") {
            None | Some(Value::Null) => vec!["users".into(), "roles".into(), "everyone".into()],
            Some(a) => {
                let mut v: Vec<String> = a["parse"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect();
                if a["users"].as_array().is_some_and(|u| !u.is_empty()) {
                    v.push("users".into());
                }
                if a["roles"].as_array().is_some_and(|u| !u.is_empty()) {
                    v.push("roles".into());
                }
                v
            }
        };
        let user_ping = mentions_user && parse.iter().any(|p| p == "users" || p == "roles");
        let all_ping = mentions_all && parse.iter().any(|p| p == "everyone");
        if user_ping || all_ping {
            text.truncate(200);
            pings.push(text);
        }
    }
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.trim().chars().count())
}

/// What is wrong with a request's payload, by Discord's documented limits (nothing for
/// routes without one).
fn payload_problems(m: &str, parts: &[&str], body: &Value) -> Vec<String> {
    let mut p = Vec::new();
    match (m, parts) {
        ("PUT", ["", "applications", _, "commands"])
        | ("PUT", ["", "applications", _, "guilds", _, "commands"]) => check_commands(body, &mut p),
        ("POST", ["", "interactions", _, _, "callback"]) => check_callback(body, &mut p),
        ("POST", ["", "webhooks", _, _]) => check_message(body, &mut p, INTERACTION_FILE_LIMIT),
        ("POST", ["", "channels", _, "messages"]) => {
            check_message(body, &mut p, CHANNEL_FILE_LIMIT)
        }
        ("PATCH", ["", "webhooks", _, _, "messages", _])
        | ("PATCH", ["", "channels", _, "messages", _]) => check_message_edit(body, &mut p),
        _ => {}
    }
    p
}

/// The callback types that answer an interaction of type `kind`: a command with a
/// message, a deferral or a modal; a component press also by updating its message; an
/// autocomplete only with choices; a modal submit not with another modal.
fn callback_fits(kind: Option<u64>, callback: Option<u64>) -> bool {
    let Some(c) = callback else {
        return false;
    };
    match kind {
        Some(2) => matches!(c, 4 | 5 | 9),
        Some(3) => matches!(c, 4 | 5 | 6 | 7 | 9),
        Some(4) => c == 8,
        Some(5) => matches!(c, 4..=7),
        _ => true,
    }
}

/// A unicode emoji (no ASCII letters or digits alone: `1` is not one, `1️⃣` is), or a
/// custom one as `name:id`.
fn emoji_ok(e: &str) -> bool {
    if let Some((name, id)) = e.split_once(':') {
        return !name.is_empty() && !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit());
    }
    !e.is_empty() && !e.is_ascii()
}

fn check_callback(body: &Value, p: &mut Vec<String>) {
    match body["type"].as_u64() {
        Some(4) | Some(7) => check_message(&body["data"], p, INTERACTION_FILE_LIMIT),
        Some(5) | Some(6) => {}
        Some(8) => {
            let c = body["data"]["choices"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if c.len() > 25 {
                p.push(format!("{} autocomplete choices (max 25)", c.len()));
            }
            for ch in c {
                let n = chars(&ch["name"]);
                if !(1..=100).contains(&n) {
                    p.push(format!("choice name of {n} chars (1-100)"));
                }
                if ch["value"].is_string() && chars(&ch["value"]) > 100 {
                    p.push("choice value over 100 chars".into());
                }
            }
        }
        other => p.push(format!("unexpected callback type {other:?}")),
    }
}

fn check_message_edit(body: &Value, p: &mut Vec<String>) {
    if body.is_object() {
        check_limits(body, p);
    }
}

const MIB: u64 = 1024 * 1024;
/// A file posted in a channel by a bot: Discord's default upload limit.
pub const CHANNEL_FILE_LIMIT: u64 = 10 * MIB;
/// A file answering an interaction: the `attachment_size_limit` the fake's interactions
/// carry.
pub const INTERACTION_FILE_LIMIT: u64 = 25 * MIB;
/// The files of one request together.
const REQUEST_FILES_LIMIT: u64 = 25 * MIB;

/// A message as Discord checks it: not empty, at most 10 files of at most `file_limit`
/// bytes each and 25 MiB together, and the text, embed and component limits.
pub fn check_message(body: &Value, p: &mut Vec<String>, file_limit: u64) {
    let files = body["_files"].as_array().cloned().unwrap_or_default();
    let empty = chars(&body["content"]) == 0
        && body["embeds"].as_array().is_none_or(|e| e.is_empty())
        && body["components"].as_array().is_none_or(|c| c.is_empty())
        && files.is_empty();
    if files.len() > 10 {
        p.push(format!("{} files (max 10)", files.len()));
    }
    let size = |f: &Value| f["bytes"].as_u64().unwrap_or(0);
    for f in &files {
        if size(f) > file_limit {
            p.push(format!(
                "file `{}` over {} MiB (code 40005)",
                f["name"].as_str().unwrap_or(""),
                file_limit / MIB
            ));
        }
    }
    let total: u64 = files.iter().map(size).sum();
    if total > REQUEST_FILES_LIMIT {
        p.push(format!(
            "files of {} MiB together (max 25 MiB, code 40005)",
            total / MIB
        ));
    }
    if empty {
        p.push("empty message (code 50006)".into());
    }
    check_limits(body, p);
}

fn check_limits(body: &Value, p: &mut Vec<String>) {
    let content = body["content"].as_str().map_or(0, |s| s.chars().count());
    if content > 2000 {
        p.push(format!("content of {content} chars (max 2000)"));
    }
    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    if embeds.len() > 10 {
        p.push(format!("{} embeds (max 10)", embeds.len()));
    }
    let mut total = 0;
    for e in &embeds {
        let lim = [("title", 256), ("description", 4096)];
        for (k, max) in lim {
            let n = chars(&e[k]);
            total += n;
            if n > max {
                p.push(format!("embed {k} of {n} chars (max {max})"));
            }
        }
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        if fields.len() > 25 {
            p.push(format!("{} embed fields (max 25)", fields.len()));
        }
        for f in fields {
            let (n, v) = (chars(&f["name"]), chars(&f["value"]));
            total += n + v;
            if n > 256 || v > 1024 {
                p.push(format!("embed field {n}/{v} chars (max 256/1024)"));
            }
        }
        let footer = chars(&e["footer"]["text"]);
        let author = chars(&e["author"]["name"]);
        total += footer + author;
        if footer > 2048 || author > 256 {
            p.push("embed footer/author too long".into());
        }
    }
    if total > 6000 {
        p.push(format!("embeds total {total} chars (max 6000)"));
    }
    let rows = body["components"].as_array().cloned().unwrap_or_default();
    if rows.len() > 5 {
        p.push(format!("{} action rows (max 5)", rows.len()));
    }
    let mut ids = Vec::new();
    for r in rows {
        let children = r["components"].as_array().cloned().unwrap_or_default();
        if children.is_empty() || children.len() > 5 {
            p.push(format!(
                "action row with {} components (1-5)",
                children.len()
            ));
        }
        let selects = children
            .iter()
            .filter(|c| matches!(c["type"].as_u64(), Some(3 | 5 | 6 | 7 | 8)))
            .count();
        if selects > 0 && children.len() > 1 {
            p.push("a select shares its action row".into());
        }
        for c in &children {
            if c["type"].as_u64() == Some(2) {
                let link = c["style"].as_u64() == Some(5);
                let (has_id, has_url) = (c["custom_id"].is_string(), c["url"].is_string());
                if link && (has_id || !has_url) {
                    p.push("a link button needs a url and no custom_id".into());
                }
                if !link && (!has_id || has_url) {
                    p.push("a button needs a custom_id and no url".into());
                }
                if chars(&c["label"]) == 0 && c["emoji"].is_null() {
                    p.push("a button with neither label nor emoji".into());
                }
            }
            if let Some(id) = c["custom_id"].as_str() {
                let n = id.chars().count();
                if !(1..=100).contains(&n) {
                    p.push(format!("custom_id of {n} chars (1-100)"));
                }
                if ids.contains(&id.to_string()) {
                    p.push(format!("custom_id `{id}` repeated"));
                }
                ids.push(id.to_string());
            }
            if chars(&c["label"]) > 80 {
                p.push("button label over 80 chars".into());
            }
        }
    }
}

/// What Discord checks in a bulk overwrite of slash commands: names and descriptions,
/// at most 25 options (and choices) per level, option names unique on their level, and
/// required options listed before optional ones.
pub fn check_commands(body: &Value, p: &mut Vec<String>) {
    let cmds = body.as_array().cloned().unwrap_or_default();
    if cmds.len() > 100 {
        p.push(format!("{} commands (max 100)", cmds.len()));
    }
    fn name_ok(n: &str) -> bool {
        let c = n.chars().count();
        (1..=32).contains(&c)
            && n.chars()
                .all(|ch| ch.is_alphanumeric() || ch == '-' || ch == '_' || ch == '\'')
            && n.to_lowercase() == n
    }
    fn check_opts(opts: &[Value], p: &mut Vec<String>, at: &str) {
        if opts.len() > 25 {
            p.push(format!("{at}: {} options (max 25)", opts.len()));
        }
        let mut names = std::collections::HashSet::new();
        let mut optional_seen = false;
        for o in opts {
            let name = o["name"].as_str().unwrap_or("");
            if !name_ok(name) {
                p.push(format!("{at}: option name `{name}`"));
            }
            if !names.insert(name) {
                p.push(format!("{at}: option name `{name}` repeated"));
            }
            let required = o["required"].as_bool().unwrap_or(false);
            if required && optional_seen {
                p.push(format!(
                    "{at}.{name}: required option after an optional one (required options must be placed before non-required options)"
                ));
            }
            optional_seen |= !required;
            let choices = o["choices"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            if choices.len() > 25 {
                p.push(format!("{at}.{name}: more than 25 choices"));
            }
            for c in choices {
                if !(1..=100).contains(&chars(&c["name"])) {
                    p.push(format!(
                        "{at}.{name}: choice name of {} chars (1-100)",
                        chars(&c["name"])
                    ));
                }
                if c["value"].as_str().is_some_and(|v| v.chars().count() > 100) {
                    p.push(format!("{at}.{name}: choice value over 100 chars"));
                }
            }
            let d = chars(&o["description"]);
            if !(1..=100).contains(&d) {
                p.push(format!("{at}.{name}: description of {d} chars (1-100)"));
            }
            if let Some(sub) = o["options"].as_array() {
                check_opts(sub, p, &format!("{at}.{name}"));
            }
        }
    }
    for c in cmds {
        let name = c["name"].as_str().unwrap_or("");
        if !name_ok(name) {
            p.push(format!("command name `{name}`"));
        }
        let d = chars(&c["description"]);
        if !(1..=100).contains(&d) {
            p.push(format!("/{name}: description of {d} chars (1-100)"));
        }
        check_opts(
            c["options"].as_array().map(Vec::as_slice).unwrap_or(&[]),
            p,
            &format!("/{name}"),
        );
        let text = command_text(&c);
        if text > 8000 {
            p.push(format!(
                "/{name}: {text} chars of names, descriptions and values together (max 8000)"
            ));
        }
    }
}

/// The characters Discord counts against a command's 8,000: its name and description,
/// and those of every option below it, with every choice's name and value.
fn command_text(c: &Value) -> usize {
    let value = |v: &Value| match v {
        Value::String(s) => s.chars().count(),
        Value::Null => 0,
        other => other.to_string().chars().count(),
    };
    let own = chars(&c["name"]) + chars(&c["description"]);
    let choices: usize = c["choices"].as_array().map_or(0, |cs| {
        cs.iter()
            .map(|ch| chars(&ch["name"]) + value(&ch["value"]))
            .sum()
    });
    let options: usize = c["options"]
        .as_array()
        .map_or(0, |os| os.iter().map(command_text).sum());
    own + choices + options
}

type WsStream = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn gateway_session(
    mut ws: WsStream,
    state: Arc<Mutex<State>>,
    notify: Arc<Notify>,
    rx: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<GwCmd>>>,
) {
    let log = |s: &str| {
        state.lock().expect("state").gateway.push(s.to_string());
        notify.notify_waiters();
    };
    if ws
        .send(Ws::Text(
            json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string(),
        ))
        .await
        .is_err()
    {
        return;
    }
    // IDENTIFY or RESUME.
    let first = loop {
        match ws.next().await {
            Some(Ok(Ws::Text(t))) => {
                break serde_json::from_str::<Value>(&t).unwrap_or(Value::Null)
            }
            Some(Ok(_)) => continue,
            _ => return,
        }
    };
    match first["op"].as_u64() {
        Some(2) => {
            log("IDENTIFY");
            let gw = state.lock().expect("state").gw_addr.clone();
            let ready = json!({"v": 10, "user": {"id": BOT, "username": "shortlist", "bot": true},
                "guilds": [], "session_id": "sess-1", "resume_gateway_url": gw,
                "application": {"id": APP, "flags": 0}});
            if send_dispatch(&mut ws, &state, "READY", ready)
                .await
                .is_err()
            {
                return;
            }
            let guild = json!({"id": GUILD, "name": "test-guild", "owner_id": "1", "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
                "nsfw_level": 0, "premium_tier": 0, "system_channel_flags": 0, "preferred_locale": "en-US",
                "premium_progress_bar_enabled": false, "features": [], "emojis": [], "stickers": [],
                "joined_at": "2024-01-01T00:00:00+00:00", "large": false, "member_count": 1,
                "voice_states": [], "presences": [], "threads": [], "stage_instances": [],
                "guild_scheduled_events": [],
                "roles": [{"id": GUILD, "name": "@everyone", "color": 0, "colors": {"primary_color": 0},
                           "hoist": false, "position": 0, "permissions": "0", "managed": false},
                          {"id": "801", "name": "planner", "color": 0, "colors": {"primary_color": 0},
                           "hoist": false, "position": 1, "permissions": "0", "managed": false}],
                "members": [], "channels": [{"id": CHANNEL, "type": 0, "name": "general"}]});
            if send_dispatch(&mut ws, &state, "GUILD_CREATE", guild)
                .await
                .is_err()
            {
                return;
            }
        }
        Some(6) => {
            log("RESUME");
            let after = first["d"]["seq"].as_u64().unwrap_or(0);
            let missed: Vec<String> = state
                .lock()
                .expect("state")
                .sent
                .iter()
                .filter(|(s, _)| *s > after)
                .map(|(_, f)| f.clone())
                .collect();
            for f in missed {
                if ws.send(Ws::Text(f)).await.is_err() {
                    return;
                }
            }
            if send_dispatch(&mut ws, &state, "RESUMED", json!({}))
                .await
                .is_err()
            {
                return;
            }
        }
        _ => return,
    }
    let mut rx = rx.lock().await;
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Ws::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if v["op"] == 1 {
                        log("HEARTBEAT");
                        if ws.send(Ws::Text(json!({"op": 11}).to_string())).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Ok(Ws::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            cmd = rx.recv() => match cmd {
                Some(GwCmd::Dispatch(t, d)) => {
                    if send_dispatch(&mut ws, &state, &t, d).await.is_err() {
                        return;
                    }
                }
                Some(GwCmd::Reconnect) => {
                    log("RECONNECT");
                    let _ = ws.send(Ws::Text(json!({"op": 7, "d": null}).to_string())).await;
                    let _ = ws.close(None).await;
                    return;
                }
                None => return,
            }
        }
    }
}

async fn send_dispatch(
    ws: &mut WsStream,
    state: &Arc<Mutex<State>>,
    t: &str,
    d: Value,
) -> Result<(), ()> {
    let frame = {
        let mut s = state.lock().expect("state");
        s.seq += 1;
        let f = json!({"op": 0, "s": s.seq, "t": t, "d": d}).to_string();
        let seq = s.seq;
        s.sent.push((seq, f.clone()));
        f
    };
    ws.send(Ws::Text(frame)).await.map_err(|_| ())
}

/// Every payload builder gives an event serenity knows (not `Event::Unknown`).
pub fn assert_parses(t: &str, d: &Value) {
    let frame = json!({"op": 0, "s": 1, "t": t, "d": d}).to_string();
    let ev: poise::serenity_prelude::GatewayEvent =
        serde_json::from_str(&frame).expect("gateway event");
    match ev {
        poise::serenity_prelude::GatewayEvent::Dispatch(_, e) => {
            assert!(
                !matches!(e, poise::serenity_prelude::Event::Unknown(_)),
                "{t} parses as Unknown: {d}"
            );
        }
        _ => panic!("{t} is not a dispatch"),
    }
}

fn multipart(raw: &[u8]) -> Value {
    let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
        return Value::Null;
    };
    let boundary = raw[..end].to_vec();
    let mut payload = Value::Null;
    let mut files = Vec::new();
    let mut rest = &raw[end + 2..];
    while let Some(hdr_end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
        let headers = String::from_utf8_lossy(&rest[..hdr_end]).into_owned();
        let content = &rest[hdr_end + 4..];
        let Some(next) = content
            .windows(boundary.len())
            .position(|w| w == boundary.as_slice())
        else {
            break;
        };
        let data = &content[..next.saturating_sub(2)];
        if headers.contains("name=\"payload_json\"") {
            payload = serde_json::from_slice(data).unwrap_or(Value::Null);
        } else if let Some(i) = headers.find("filename=\"") {
            let name: String = headers[i + 10..]
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            files.push(
                json!({"name": name, "bytes": data.len(), "png": data.starts_with(b"\x89PNG")}),
            );
        }
        rest = &content[next + boundary.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
    if let Value::Object(m) = &mut payload {
        m.insert("_files".into(), Value::Array(files));
    }
    payload
}
