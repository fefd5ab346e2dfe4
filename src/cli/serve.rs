//! `shortlist serve`: the Discord bot, opened with the same session options as every
//! other command (`--no-merge-prediction`, `--no-index-refresh` hold for it too).

use super::{CliError, Ctx, Output};
use crate::app::Session;
use crate::config::Config;

pub fn run(ctx: &Ctx) -> Result<Output, CliError> {
    let mut open = ctx.open_request()?;
    open.options.keep_open = true;
    open.options.watch = true;
    // Several `[[repos]]` in the config (and no --repo): one bot serves them all.
    let entries = if ctx.cli.repo.is_none() {
        crate::app::repo_entries(ctx.cli.config.as_deref())?
    } else {
        Vec::new()
    };
    let mut repos = Vec::new();
    for (file, e) in &entries {
        let mut o = open.clone();
        o.repo = Some(std::path::PathBuf::from(&e.name));
        o.config = Some(file.clone());
        // Opened here to fail early on a bad repository or config; the bot opens its own.
        Session::open(&o)?;
        repos.push(crate::bot::ServedRepo {
            name: e.name.clone(),
            open: o,
            channels: e.channels.clone(),
        });
    }
    let config = match entries.first() {
        Some((file, e)) => {
            let mut o = open.clone();
            o.repo = Some(std::path::PathBuf::from(&e.name));
            o.config = Some(file.clone());
            Session::open(&o)?.config().clone()
        }
        None => Session::open(&open)?.config().clone(),
    };
    let token = token(&config)?;
    // A fake Discord for local testing: `SHORTLIST_DISCORD_API=http://127.0.0.1:PORT`.
    let (api_root, test_server) = match std::env::var("SHORTLIST_DISCORD_API") {
        Ok(u) if !u.trim().is_empty() => (u.trim().to_string(), true),
        _ => ("https://discord.com".to_string(), false),
    };
    if repos.is_empty() {
        open.repo = Some(config.root.clone());
        repos.push(crate::bot::ServedRepo {
            name: crate::render::short_path(&config.root.to_string_lossy()).to_string(),
            open,
            channels: Vec::new(),
        });
    }
    let settings = crate::bot::Settings {
        repos,
        token,
        api_root,
        test_server,
        guilds: config.discord.guilds.clone(),
        channels: config.discord.channels.clone(),
        writer_roles: config.discord.writer_roles.clone(),
        digest_time: crate::digest::schedule::parse_time(&config.digest.time)?,
        digest_tz: match config.digest.timezone.as_ref().or(config.timezone.as_ref()) {
            Some(z) => z.parse().map_err(|_| CliError::BadZone(z.clone()))?,
            None => local_tz(),
        },
        digest_tick: std::time::Duration::from_secs(30),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHORTLIST_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,serenity=warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    rt.block_on(run_until_stopped(settings))
        .map_err(|e| CliError::Bot(e.to_string()))?;
    Ok(Output::ok(String::new()))
}

/// Serve until SIGINT/SIGTERM. Connected, the bot shuts its shards down cleanly; still
/// connecting or waiting for an unreachable Discord, it is stopped within 5 s anyway.
async fn run_until_stopped(settings: crate::bot::Settings) -> Result<(), crate::bot::Error> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let run = crate::bot::run(settings, stopped(rx.clone()));
    tokio::pin!(run);
    tokio::select! {
        r = &mut run => r,
        _ = stopped(rx) => {
            match tokio::time::timeout(std::time::Duration::from_secs(5), run).await {
                Ok(r) => r,
                Err(_) => {
                    tracing::info!("stopped before the connection was up");
                    Ok(())
                }
            }
        }
    }
}

/// The bot token: DISCORD_TOKEN, else the file the config names. Never echoed.
fn token(config: &Config) -> Result<String, CliError> {
    if let Ok(t) = std::env::var("DISCORD_TOKEN") {
        if !t.trim().is_empty() {
            return Ok(t.trim().to_string());
        }
    }
    let Some(f) = &config.discord.token_file else {
        return Err(CliError::NoToken);
    };
    let path = config.root.join(f);
    let t = std::fs::read_to_string(&path).map_err(|e| CliError::TokenFile {
        path: path.clone(),
        kind: e.kind(),
    })?;
    if t.trim().is_empty() {
        return Err(CliError::EmptyToken { path });
    }
    Ok(t.trim().to_string())
}

/// The machine's zone as an IANA name (TZ, else /etc/localtime), else UTC.
fn local_tz() -> chrono_tz::Tz {
    let from_env = std::env::var("TZ").ok().and_then(|t| t.parse().ok());
    let from_link = std::fs::read_link("/etc/localtime").ok().and_then(|p| {
        let s = p.to_string_lossy().into_owned();
        s.split("zoneinfo/").nth(1).and_then(|z| z.parse().ok())
    });
    from_env.or(from_link).unwrap_or(chrono_tz::UTC)
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
