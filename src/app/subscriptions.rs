//! The daily digest's bookkeeping: which channels subscribe, which day is due in each
//! (the store is the lock, so a day is claimed by one instance only), and giving a day
//! back when posting failed.

use super::session::Session;
use super::AppError;
use crate::digest::schedule;
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;

/// Subscribe a channel to the daily digest (`on`), or unsubscribe it. True when that
/// changed something.
pub fn subscribe(
    s: &mut Session,
    channel: &str,
    guild: Option<&str>,
    by: &str,
    on: bool,
) -> Result<bool, AppError> {
    let store = s.store_for_write()?;
    Ok(if on {
        store.subscribe(channel, guild, by)?
    } else {
        store.unsubscribe(channel)?
    })
}

/// Claim every subscribed channel's due day: (channel, day key).
pub fn claim_due(
    s: &mut Session,
    now: DateTime<Utc>,
    time: NaiveTime,
    tz: Tz,
) -> Result<Vec<(String, String)>, AppError> {
    let store = s.store_for_write()?;
    let mut out = Vec::new();
    for sub in store.subscriptions()? {
        if let Some(day) = schedule::claim(store, &sub.channel_id, now, time, tz)? {
            out.push((sub.channel_id, day));
        }
    }
    Ok(out)
}

/// After posting a claimed day: record the message, or (`None`) give the day back so
/// that the next tick tries again.
pub fn digest_done(
    s: &mut Session,
    channel: &str,
    day: &str,
    message: Option<u64>,
) -> Result<(), AppError> {
    let store = s.store_for_write()?;
    match message {
        Some(id) => store.digest_posted(channel, day, &id.to_string())?,
        None => store.release_digest(channel, day)?,
    }
    Ok(())
}
