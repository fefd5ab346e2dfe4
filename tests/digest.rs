//! The digest: events from the plan's history with commit and author, the working tree
//! for "now", dates in the configured zone, the DST-correct daily schedule, one post per
//! day across instances and restarts, and the progress chart as a real PNG.

mod common;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use common::{commit_in, open_session, shortlist, write_at, Repo};
use shortlist::app::{self, Session};
use shortlist::digest::{self, schedule};
use shortlist::plan::EventKind;
use shortlist::render::chart;
use shortlist::repo::history;
use shortlist::store::Store;

const DAY: i64 = 86_400;
/// 2026-11-20 00:00 UTC.
const T0: i64 = 1_795_132_800;

fn plan(tasks: &str) -> String {
    format!("# 计划\n\n## Track A — 计费 Billing（P0）\n{tasks}\n## Track B — 文档 Docs（P1）\n- [ ] 2.1 User guide\n")
}

/// Three days of plan history by three people, then an uncommitted edit.
fn history() -> Repo {
    let r = Repo::new();
    r.write(
        "PLAN.md",
        plan("- [ ] 1.1 Invoice PDF\n- [ ] 1.2 Tax rounding\n"),
    );
    commit_in(&r.git, "plan for the phase", "Alice", T0 + 9 * 3600);
    r.write(
        "PLAN.md",
        plan("- [x] 1.1 Invoice PDF\n- [~] 1.2 Tax rounding\n"),
    );
    commit_in(&r.git, "1.1 done, 1.2 started", "Bob", T0 + DAY + 10 * 3600);
    r.write(
        "PLAN.md",
        plan("- [x] 1.1 Invoice PDF\n- [~] 1.2 Tax rounding\n- [ ] 1.3 Credit notes\n"),
    );
    commit_in(&r.git, "add 1.3", "Carol", T0 + 2 * DAY + 11 * 3600);
    write_at(
        r.path(),
        "PLAN.md",
        plan("- [x] 1.1 Invoice PDF\n- [x] 1.2 Tax rounding\n- [ ] 1.3 Credit notes\n"),
    );
    r
}

/// A session on `r`, its database inside `.git`.
fn session(r: &Repo) -> Session {
    open_session(r.path(), r.path().join(".git/digest-test.sqlite"), |_| {})
}

fn working(r: &Repo) -> shortlist::plan::Plan {
    let text = std::fs::read_to_string(r.path().join("PLAN.md")).expect("plan");
    shortlist::plan::parse_str("PLAN.md", &text)
}

#[test]
fn events_since_a_point_carry_their_commit_and_author() {
    let r = history();
    let since = Utc.timestamp_opt(T0 + DAY, 0).single().expect("t");
    let now = Utc.timestamp_opt(T0 + 4 * DAY, 0).single().expect("t");
    let read = history::events_since(&r.git, &working(&r), since, &mut Default::default())
        .expect("history");
    let c = digest::changes(read, since, now, &[], &[], None, None);
    let line = |k: EventKind| -> Vec<(String, String, Option<String>)> {
        digest::of_kind(&c, k)
            .iter()
            .map(|e| (e.change.id.clone(), e.author.clone(), e.subject.clone()))
            .collect()
    };
    assert_eq!(
        line(EventKind::Done)[0],
        (
            "1.1".into(),
            "Bob".into(),
            Some("1.1 done, 1.2 started".into())
        )
    );
    assert_eq!(
        line(EventKind::Started),
        [(
            "1.2".into(),
            "Bob".into(),
            Some("1.1 done, 1.2 started".into())
        )]
    );
    assert_eq!(
        line(EventKind::Added),
        [("1.3".into(), "Carol".into(), Some("add 1.3".into()))]
    );
    // The working tree finished 1.2: "now" includes it, without a commit.
    let done = digest::of_kind(&c, EventKind::Done);
    assert_eq!(done.len(), 2);
    assert_eq!(done[1].change.id, "1.2");
    assert_eq!(done[1].commit, None);
    // Alice's commit is before the window.
    assert!(c.events.iter().all(|e| e.author != "Alice"));
    assert_eq!(c.plans_parsed, 3, "each distinct plan content parsed once");
}

#[test]
fn since_is_read_in_the_configured_zone_or_as_a_revision() {
    let r = history();
    let t = digest::parse_when("2026-10-02", Some("Asia/Shanghai")).expect("date");
    assert_eq!(
        t,
        Utc.with_ymd_and_hms(2026, 10, 1, 16, 0, 0)
            .single()
            .expect("t")
    );
    let t = digest::parse_when("2026-10-02 14:30", Some("Europe/Berlin")).expect("time");
    assert_eq!(
        t,
        Utc.with_ymd_and_hms(2026, 10, 2, 12, 30, 0)
            .single()
            .expect("t")
    );
    // A revision is read as its commit's time, through the digest command itself.
    let mut s = session(&r);
    let since = |text: &str| app::DigestRequest {
        since: Some(text.into()),
        chart: false,
    };
    let d = app::digest(&mut s, &since("HEAD~1")).expect("rev");
    assert_eq!(d.changes.since.timestamp(), T0 + DAY + 10 * 3600);
    let err = app::digest(&mut s, &since("last tuesday")).expect_err("bad");
    assert!(err.to_string().contains("neither a date"), "{err}");
}

#[test]
fn the_cli_digest_lists_who_did_what() {
    let r = history();
    let db = r.wt_dir.path().join("d.sqlite3");
    let run = shortlist(
        r.path(),
        &[
            "--database",
            db.to_str().expect("utf8"),
            "digest",
            "--since",
            "2026-11-21 00:00",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("## Done (2)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("- `1.1` Invoice PDF — Bob, `"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("- `1.2` Tax rounding — uncommitted in the working tree"));
    assert!(run.stdout.contains("## Added (1)"));
    assert!(run.stdout.contains("## Next"));
    let json = shortlist(
        r.path(),
        &[
            "--database",
            db.to_str().expect("utf8"),
            "--format",
            "json",
            "digest",
            "--since",
            "HEAD~2",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["schema"], "shortlist.digest/1");
    assert!(v["changes"]["events"].as_array().expect("events").len() >= 3);
}

fn at(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    tz.with_ymd_and_hms(y, m, d, h, min, 0)
        .earliest()
        .expect("local")
        .with_timezone(&Utc)
}

#[test]
fn the_schedule_follows_the_local_clock_across_dst() {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("t");
    let berlin: Tz = "Europe/Berlin".parse().expect("tz");
    // Spring forward on 2026-03-29: 09:00 is 08:00Z the day before, 07:00Z that day.
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
    assert_eq!(
        schedule::instant_of(d(2026, 3, 28), nine, berlin),
        Utc.with_ymd_and_hms(2026, 3, 28, 8, 0, 0)
            .single()
            .expect("t")
    );
    assert_eq!(
        schedule::instant_of(d(2026, 3, 29), nine, berlin),
        Utc.with_ymd_and_hms(2026, 3, 29, 7, 0, 0)
            .single()
            .expect("t")
    );
    // A time in the gap goes out right after it.
    let half_two = NaiveTime::from_hms_opt(2, 30, 0).expect("t");
    assert_eq!(
        schedule::instant_of(d(2026, 3, 29), half_two, berlin),
        Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0)
            .single()
            .expect("t")
    );
    // Fall back in New York on 2026-11-01: 01:30 happens twice, the first counts.
    let ny: Tz = "America/New_York".parse().expect("tz");
    let one_thirty = NaiveTime::from_hms_opt(1, 30, 0).expect("t");
    assert_eq!(
        schedule::instant_of(d(2026, 11, 1), one_thirty, ny),
        Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0)
            .single()
            .expect("t")
    );
    assert_eq!(
        schedule::instant_of(d(2026, 11, 1), nine, ny),
        Utc.with_ymd_and_hms(2026, 11, 1, 14, 0, 0)
            .single()
            .expect("t")
    );
    assert_eq!(
        schedule::instant_of(d(2026, 10, 31), nine, ny),
        Utc.with_ymd_and_hms(2026, 10, 31, 13, 0, 0)
            .single()
            .expect("t")
    );
    // Shanghai has no DST: always 01:00Z.
    let sh: Tz = "Asia/Shanghai".parse().expect("tz");
    assert_eq!(
        schedule::next_after(at(sh, 2026, 11, 28, 9, 30), nine, sh),
        at(sh, 2026, 11, 29, 9, 0)
    );
    assert_eq!(
        schedule::due(at(sh, 2026, 11, 28, 8, 59), nine, sh, Some("2026-11-27")),
        None
    );
    assert_eq!(
        schedule::due(at(sh, 2026, 11, 28, 9, 0), nine, sh, Some("2026-11-27")),
        Some(d(2026, 11, 28))
    );
}

#[test]
fn a_restart_after_missed_days_posts_once_and_two_instances_never_both_post() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("db.sqlite3");
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("t");
    let sh: Tz = "Asia/Shanghai".parse().expect("tz");
    let mut a = Store::open(&path).expect("a");
    let mut b = Store::open(&path).expect("b");
    assert_eq!(
        app::claim_day(&mut a, "600", at(sh, 2026, 11, 25, 9, 5), nine, sh)
            .expect("claim")
            .as_deref(),
        Some("2026-11-25")
    );
    assert_eq!(
        app::claim_day(&mut b, "600", at(sh, 2026, 11, 25, 9, 6), nine, sh).expect("claim"),
        None,
        "posted today already"
    );
    // Down for three days, back on the 28th at noon: one digest, for the 28th.
    let back = at(sh, 2026, 11, 28, 12, 0);
    let first = app::claim_day(&mut b, "600", back, nine, sh).expect("claim");
    let second = app::claim_day(&mut a, "600", back, nine, sh).expect("claim");
    assert_eq!((first.as_deref(), second), (Some("2026-11-28"), None));
    assert_eq!(
        app::claim_day(&mut a, "600", at(sh, 2026, 11, 28, 23, 0), nine, sh).expect("claim"),
        None
    );
    // Back before nine: yesterday's, once.
    assert_eq!(
        app::claim_day(&mut a, "601", at(sh, 2026, 11, 28, 8, 0), nine, sh)
            .expect("claim")
            .as_deref(),
        Some("2026-11-27")
    );
    // Two instances racing on many threads: exactly one claim per channel-day.
    let winners: usize = (0..6)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(&path).expect("open");
                usize::from(
                    app::claim_day(&mut s, "602", at(sh, 2026, 11, 28, 10, 0), nine, sh)
                        .expect("claim")
                        .is_some(),
                )
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .sum();
    assert_eq!(winners, 1);
}

/// (done, total) of track A at each point of a series.
fn track_a(series: &[digest::Point]) -> Vec<(usize, usize)> {
    series
        .iter()
        .map(|p| p.tracks.first().map_or((0, 0), |&(_, d, t)| (d, t)))
        .collect()
}

#[test]
fn a_kept_session_answers_progress_again_with_the_commits_made_since() {
    let r = history();
    let mut s = session(&r);
    let all = app::ProgressRequest::default();
    let first = app::progress(&mut s, &all).expect("progress");
    assert_eq!(track_a(&first.series), [(0, 2), (1, 2), (1, 3), (2, 3)]);
    // Asked again with nothing committed: the same series.
    let again = app::progress(&mut s, &all).expect("again");
    assert_eq!(track_a(&again.series), track_a(&first.series));
    // A commit since: it is in the series, the earlier versions unchanged; a version
    // whose content an earlier commit already had (a revert) is counted as that one.
    commit_in(&r.git, "1.2 done", "Dana", T0 + 3 * DAY);
    r.write(
        "PLAN.md",
        plan("- [x] 1.1 Invoice PDF\n- [~] 1.2 Tax rounding\n- [ ] 1.3 Credit notes\n"),
    );
    commit_in(&r.git, "revert: 1.2 not done", "Dana", T0 + 3 * DAY + 3600);
    let later = app::progress(&mut s, &all).expect("later");
    assert_eq!(
        track_a(&later.series),
        [(0, 2), (1, 2), (1, 3), (2, 3), (1, 3), (1, 3)]
    );
    // With `since`, the plan as it was then comes first.
    let since = app::ProgressRequest {
        since: Some("HEAD~1".into()),
    };
    let part = app::progress(&mut s, &since).expect("since");
    assert_eq!(track_a(&part.series), [(2, 3), (1, 3), (1, 3)]);
    // A session opened afresh counts every version itself: the same answer.
    let fresh = app::progress(&mut session(&r), &all).expect("fresh");
    assert_eq!(track_a(&fresh.series), track_a(&later.series));
}

#[test]
fn a_long_history_is_counted_in_commit_order_each_content_once() {
    // 70 commits (more than one batch of parses, on several threads): commit c has
    // c % 40 of 80 tasks done, so the last 30 repeat earlier contents.
    let r = Repo::new();
    let text = |done: usize| {
        let mut t = String::from("# Plan\n\n## Track A — 长历史 Long history\n");
        for i in 0..80 {
            let mark = if i < done { 'x' } else { ' ' };
            t.push_str(&format!("- [{mark}] 1.{} Step {i}\n", i + 1));
        }
        t
    };
    for c in 0..70 {
        r.write("PLAN.md", text(c % 40));
        commit_in(
            &r.git,
            &format!("commit {c}"),
            "Alice",
            T0 + c as i64 * 3600,
        );
    }
    let series = app::progress(&mut session(&r), &app::ProgressRequest::default())
        .expect("progress")
        .series;
    let want: Vec<(usize, usize)> = (0..70).map(|c| (c % 40, 80)).chain([(29, 80)]).collect();
    assert_eq!(track_a(&series), want);
    assert_eq!(
        series[5].at.timestamp(),
        T0 + 5 * 3600,
        "each point at its commit"
    );
}

#[test]
fn the_chart_is_a_png_of_the_expected_size_with_cjk_names_and_lines() {
    let r = history();
    let series = app::progress(&mut session(&r), &app::ProgressRequest::default())
        .expect("progress")
        .series;
    assert_eq!(series.len(), 4, "three commits and now");
    assert_eq!(
        series[3].tracks[0],
        ("Track A — 计费 Billing (P0)".to_string(), 2, 3)
    );
    let (font, path) = chart::load_font().expect("a font (.ci/run installs fonts-noto-cjk)");
    use ab_glyph::Font;
    assert_ne!(
        font.glyph_id('计').0,
        0,
        "{} has CJK glyphs",
        path.display()
    );
    let png_bytes = chart::render("进度 Progress", &digest::burnup(&series)).expect("png");
    let decoder = png::Decoder::new(std::io::Cursor::new(&png_bytes));
    let mut reader = decoder.read_info().expect("a valid PNG");
    let (w, h) = (reader.info().width, reader.info().height);
    assert!(w >= 800 && h >= 400, "{w}x{h}");
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).expect("frame");
    let px = &buf[..frame.buffer_size()];
    // Non-white pixels inside the plot area (lines, bands), and in the legend (names).
    let count = |x0: u32, y0: u32, x1: u32, y1: u32| {
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                let i = ((y * w + x) * 3) as usize;
                if px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200 {
                    n += 1;
                }
            }
        }
        n
    };
    assert!(
        count(80, 60, w - 310, h - 70) > 2_000,
        "lines in the plot area"
    );
    assert!(count(w - 280, 80, w, 110) > 50, "a legend name");
    let out = r.wt_dir.path().join("p.png");
    let run = shortlist(
        r.path(),
        &["progress", "--out", out.to_str().expect("utf8")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::read(&out)
        .expect("written")
        .starts_with(b"\x89PNG"));
}

/// A series of `tracks` tracks (CJK names, one letter shared by two files) over a week
/// of changes, then a quiet month until now.
fn many_tracks(tracks: usize) -> Vec<digest::Point> {
    let day = |d: i64| Utc.timestamp_opt(T0 + d * DAY, 0).single().expect("t");
    let mut series = Vec::new();
    for d in 0..7 {
        let tracks = (0..tracks)
            .map(|t| {
                (
                    format!("Track {t} — 工作流 {t}"),
                    (d as usize).min(t + 1),
                    t + 4,
                )
            })
            .collect();
        series.push(digest::Point { at: day(d), tracks });
    }
    let last = series[6].tracks.clone();
    series.push(digest::Point {
        at: day(40),
        tracks: last,
    });
    series
}

#[test]
fn the_burnup_keeps_six_tracks_and_sums_the_rest() {
    let b = digest::burnup(&many_tracks(15));
    insta::assert_snapshot!(
        "burnup_15_tracks",
        serde_json::to_string_pretty(&b).expect("json")
    );
    assert_eq!(b.tracks.len(), 7);
    assert_eq!(b.tracks[6].name, "other (9 tracks)");
    assert_eq!(b.scope.last(), Some(&(0..15).map(|t| t + 4).sum::<usize>()));
    let one = digest::burnup(&many_tracks(1));
    assert_eq!(one.tracks.len(), 1);
    assert_eq!(one.tracks[0].name, "Track 0 — 工作流 0");
}

#[test]
fn the_chart_of_fifteen_tracks_stays_within_its_bounds_and_spans_the_data() {
    for n in [1, 15] {
        let png_bytes =
            chart::render("进度 Progress", &digest::burnup(&many_tracks(n))).expect("png");
        let out = std::env::temp_dir().join(format!("shortlist-chart-{n}.png"));
        std::fs::write(&out, &png_bytes).expect("write");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png_bytes));
        let mut reader = decoder.read_info().expect("a valid PNG");
        let (w, h) = (reader.info().width, reader.info().height);
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut buf).expect("frame");
        let px = &buf[..frame.buffer_size()];
        let ink = |x0: u32, y0: u32, x1: u32, y1: u32| {
            let mut k = 0;
            for y in y0..y1 {
                for x in x0..x1 {
                    let i = ((y * w + x) * 3) as usize;
                    if px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200 {
                        k += 1;
                    }
                }
            }
            k
        };
        // The legend ends above the bottom edge: nothing drawn in the last rows there.
        assert_eq!(ink(w - 300, h - 30, w, h), 0, "{n} tracks: the legend fits");
        // The data is not squeezed into the left edge: the done band reaches the middle.
        assert!(
            ink((w - 300) / 2, 60, (w - 300) / 2 + 40, h - 70) > 50,
            "{n} tracks"
        );
    }
}
