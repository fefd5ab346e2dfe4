//! The bot's own sending path: channel posts, interaction follow-ups and reactions over
//! Discord's REST API. A 429 is honoured here: the request waits the `retry_after` the
//! response gives (body or `Retry-After` header) and is sent again, a few times at most.
//! A 5xx is retried with a bounded backoff (Discord's edge answers 502/503 now and then;
//! the answer must not be lost to one). Every JSON body sets `allowed_mentions` (nothing
//! it echoes may ping anyone) unless the caller set it. The token only ever goes into the
//! `Authorization` header; errors never carry it.

use serde_json::Value;
use std::time::Duration;

/// How many times one request is tried when Discord keeps answering 429.
const ATTEMPTS: usize = 5;
/// Longest single wait honoured (a longer `retry_after` fails the send instead).
const MAX_WAIT: Duration = Duration::from_secs(60);
/// First wait after a 5xx; doubled on each further one.
const BACKOFF: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("Discord answered {status} to {method} {route}: {message}")]
    Status {
        status: u16,
        method: &'static str,
        route: String,
        message: String,
    },
    #[error("still rate limited or failing after {ATTEMPTS} tries: {method} {route}")]
    RateLimited { method: &'static str, route: String },
    #[error("cannot reach Discord for {method} {route}: {detail}")]
    Transport {
        method: &'static str,
        route: String,
        detail: String,
    },
}

/// One rate-limit wait that happened (tests and logs).
#[derive(Debug, Clone)]
pub struct Waited {
    pub route: String,
    pub seconds: f64,
}

#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    /// `https://discord.com/api/v10`, or the fake's `http://127.0.0.1:PORT/api/v10`.
    base: String,
    auth: String,
    waited: std::sync::Arc<std::sync::Mutex<Vec<Waited>>>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("Sender").field("base", &self.base).finish()
    }
}

impl Sender {
    /// `api_root`: `https://discord.com` in production, the fake's address in tests.
    pub fn new(api_root: &str, token: &str) -> Sender {
        let token = token.trim();
        let auth = if token.starts_with("Bot ") {
            token.to_string()
        } else {
            format!("Bot {token}")
        };
        Sender {
            client: reqwest::Client::new(),
            base: format!("{}/api/v10", api_root.trim_end_matches('/')),
            auth,
            waited: Default::default(),
        }
    }

    /// Rate-limit waits so far.
    pub fn waited(&self) -> Vec<Waited> {
        self.waited.lock().map(|w| w.clone()).unwrap_or_default()
    }

    /// POST a message to a channel; the created message.
    pub async fn post(&self, channel: u64, body: &Value) -> Result<Value, SendError> {
        self.send("POST", &format!("/channels/{channel}/messages"), Some(body))
            .await
    }

    /// A follow-up message of an interaction (after its initial response).
    pub async fn followup(&self, app: u64, token: &str, body: &Value) -> Result<Value, SendError> {
        self.send("POST", &format!("/webhooks/{app}/{token}"), Some(body))
            .await
    }

    /// POST a message with one file attached (multipart: `payload_json` + `files[0]`).
    pub async fn post_file(
        &self,
        channel: u64,
        body: &Value,
        filename: &str,
        bytes: &[u8],
    ) -> Result<Value, SendError> {
        self.send_file(
            &format!("/channels/{channel}/messages"),
            body,
            filename,
            bytes,
        )
        .await
    }

    /// A follow-up with one file attached.
    pub async fn followup_file(
        &self,
        app: u64,
        token: &str,
        body: &Value,
        filename: &str,
        bytes: &[u8],
    ) -> Result<Value, SendError> {
        self.send_file(&format!("/webhooks/{app}/{token}"), body, filename, bytes)
            .await
    }

    async fn send_file(
        &self,
        route: &str,
        body: &Value,
        filename: &str,
        bytes: &[u8],
    ) -> Result<Value, SendError> {
        let mut payload = quiet(body);
        payload["attachments"] = serde_json::json!([{"id": 0, "filename": filename}]);
        let boundary = format!(
            "shortlist-{:016x}",
            bytes.len() as u64 ^ 0x5eed_5eed_5eed_5eed
        );
        let mut data: Vec<u8> = Vec::new();
        data.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{payload}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        data.extend_from_slice(bytes);
        data.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send_raw(
            "POST",
            route,
            Some((format!("multipart/form-data; boundary={boundary}"), data)),
        )
        .await
    }

    /// Delete an interaction's original (deferred) response.
    pub async fn delete_original(&self, app: u64, token: &str) -> Result<(), SendError> {
        self.send(
            "DELETE",
            &format!("/webhooks/{app}/{token}/messages/@original"),
            None,
        )
        .await
        .map(|_| ())
    }

    /// Edit a message the bot sent in a channel.
    pub async fn edit(&self, channel: u64, message: u64, body: &Value) -> Result<Value, SendError> {
        self.send(
            "PATCH",
            &format!("/channels/{channel}/messages/{message}"),
            Some(body),
        )
        .await
    }

    /// Remove someone's reaction (needs the Manage Messages permission).
    pub async fn unreact(
        &self,
        channel: u64,
        message: u64,
        emoji: &str,
        user: u64,
    ) -> Result<(), SendError> {
        let enc: String = emoji.bytes().map(|b| format!("%{b:02X}")).collect();
        self.send(
            "DELETE",
            &format!("/channels/{channel}/messages/{message}/reactions/{enc}/{user}"),
            None,
        )
        .await
        .map(|_| ())
    }

    /// React to a message with a unicode emoji.
    pub async fn react(&self, channel: u64, message: u64, emoji: &str) -> Result<(), SendError> {
        let enc: String = emoji.bytes().map(|b| format!("%{b:02X}")).collect();
        self.send(
            "PUT",
            &format!("/channels/{channel}/messages/{message}/reactions/{enc}/@me"),
            None,
        )
        .await
        .map(|_| ())
    }

    async fn send(
        &self,
        method: &'static str,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Value, SendError> {
        let body = body.map(|b| {
            let b = quiet(b);
            ("application/json".to_string(), b.to_string().into_bytes())
        });
        self.send_raw(method, route, body).await
    }

    async fn send_raw(
        &self,
        method: &'static str,
        route: &str,
        body: Option<(String, Vec<u8>)>,
    ) -> Result<Value, SendError> {
        // The route of an interaction webhook holds its token: keep it out of errors.
        let shown = shown_route(route);
        let mut backoff = BACKOFF;
        for _ in 0..ATTEMPTS {
            let url = format!("{}{route}", self.base);
            let mut req = match method {
                "PUT" => self.client.put(&url),
                "PATCH" => self.client.patch(&url),
                "DELETE" => self.client.delete(&url),
                _ => self.client.post(&url),
            }
            .header("Authorization", &self.auth)
            .header(
                "User-Agent",
                "DiscordBot (https://example.invalid/shortlist, 0.1)",
            );
            req = match &body {
                Some((kind, bytes)) => req
                    .header("Content-Type", kind.as_str())
                    .body(bytes.clone()),
                None => req.header("Content-Length", "0"),
            };
            let resp = req.send().await.map_err(|e| SendError::Transport {
                method,
                route: shown.clone(),
                detail: e.without_url().to_string(),
            })?;
            let status = resp.status().as_u16();
            let header_wait = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<f64>().ok());
            let text = resp.text().await.unwrap_or_default();
            let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if status == 429 {
                let secs = json
                    .get("retry_after")
                    .and_then(Value::as_f64)
                    .or(header_wait)
                    .unwrap_or(1.0)
                    .max(0.0);
                let wait = Duration::from_secs_f64(secs);
                if wait > MAX_WAIT {
                    break;
                }
                tracing::warn!(route = %shown, retry_after = secs, "rate limited; waiting");
                if let Ok(mut w) = self.waited.lock() {
                    w.push(Waited {
                        route: shown.clone(),
                        seconds: secs,
                    });
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            if status >= 500 {
                tracing::warn!(route = %shown, status, "Discord failed; trying again");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(SendError::Status {
                    status,
                    method,
                    route: shown,
                    message: json
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                });
            }
            return Ok(json);
        }
        Err(SendError::RateLimited {
            method,
            route: shown,
        })
    }
}

/// `body` with `allowed_mentions` set to mention nobody, unless it says otherwise.
fn quiet(body: &Value) -> Value {
    let mut b = body.clone();
    if let Value::Object(m) = &mut b {
        m.entry("allowed_mentions")
            .or_insert_with(|| serde_json::json!({"parse": []}));
    }
    b
}

/// `/webhooks/{app}/{token}…` with the token hidden.
fn shown_route(route: &str) -> String {
    let mut parts: Vec<&str> = route.split('/').collect();
    if parts.get(1) == Some(&"webhooks") && parts.len() > 3 {
        parts[3] = "<token>";
    }
    parts.join("/")
}
