//! The daily digest's bookkeeping: which channels subscribe, which day is due in each
//! (the store is the lock, so a day is claimed by one instance only), and giving a day
//! back when posting failed.

use super::session::Session;
use super::AppError;
use crate::digest::schedule;
use crate::store::{Store, StoreError};
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
        if let Some(day) = claim_day(store, &sub.channel_id, now, time, tz)? {
            out.push((sub.channel_id, day));
        }
    }
    Ok(out)
}

/// Claim the digest due in `channel` at `now`, if one is: `Some(day)` for exactly one
/// caller across every process sharing the database (the store is the lock), and never
/// a day posted already.
pub fn claim_day(
    store: &mut Store,
    channel: &str,
    now: DateTime<Utc>,
    time: NaiveTime,
    tz: Tz,
) -> Result<Option<String>, StoreError> {
    let last = store.last_digest_day(channel)?;
    let Some(day) = schedule::due(now, time, tz, last.as_deref()) else {
        return Ok(None);
    };
    let key = schedule::day_key(day);
    Ok(store.claim_digest(channel, &key)?.then_some(key))
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
