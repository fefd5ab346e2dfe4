//! When a daily digest is due: one per local day at the configured time and zone
//! (chrono-tz, so DST changes move the instant, not the local time). After downtime only
//! the latest missed day is due. (Claiming a day in the store is `app::claim_day`.)

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// `HH:MM` → a time of day.
pub fn parse_time(s: &str) -> Result<NaiveTime, super::DigestError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| super::DigestError::BadTime(s.to_string()))
}

/// The instant of `time` on local day `day` in `tz`. In a spring-forward gap the digest
/// goes out at the first instant after the gap; in a fall-back overlap, at the first of
/// the two.
pub fn instant_of(day: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let naive = day.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            // Walk forward minute by minute out of the gap (at most a few hours).
            let mut n = naive;
            for _ in 0..(24 * 60) {
                n += chrono::Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&n).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&naive)
        }
    }
}

/// The local day whose digest is due at `now`, if any: today when its time has passed
/// and today was not posted yet. `last_posted` is the latest day posted (`YYYY-MM-DD`).
/// Days missed while the bot was down are not posted one by one: only the latest.
pub fn due(
    now: DateTime<Utc>,
    time: NaiveTime,
    tz: Tz,
    last_posted: Option<&str>,
) -> Option<NaiveDate> {
    let today = now.with_timezone(&tz).date_naive();
    let candidate = if now >= instant_of(today, time, tz) {
        today
    } else {
        today.checked_sub_days(Days::new(1))?
    };
    let last = last_posted.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    match last {
        Some(l) if l >= candidate => None,
        _ => Some(candidate),
    }
}

/// The next instant a digest falls due after `now` (for sleeping until then).
pub fn next_after(now: DateTime<Utc>, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let t = instant_of(today, time, tz);
    if t > now {
        t
    } else {
        instant_of(today.succ_opt().unwrap_or(today), time, tz)
    }
}

/// `YYYY-MM-DD`.
pub fn day_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}
