//! The pacing rules' tests: examples across time zones and daylight-saving changes, and
//! properties over random histories.

use super::*;
use chrono_tz::{America, Asia, Europe, Pacific};
use proptest::prelude::*;
use std::collections::{HashMap, VecDeque};

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// The instant at a wall-clock reading that occurs exactly once.
fn at_local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn in_zone(tz: Tz) -> PacingPolicy {
    PacingPolicy {
        time_zone: tz,
        ..PacingPolicy::default()
    }
}

/// Every `n` minutes from `start`, `count` times.
fn every(start: DateTime<Utc>, minutes: i64, count: i64) -> Vec<DateTime<Utc>> {
    (0..count)
        .map(|i| start + Duration::minutes(minutes * i))
        .collect()
}

fn error_fields(p: &PacingPolicy) -> Vec<String> {
    p.validate()
        .unwrap_err()
        .0
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn defaults_are_the_documented_policy() {
    let p = PacingPolicy::default();
    assert_eq!(p.hourly_cap, 50);
    assert_eq!(p.daily_cap, 100);
    assert_eq!(p.min_gap, Duration::seconds(120));
    assert_eq!(p.max_gap, Duration::seconds(900));
    assert_eq!((p.window_start, p.window_end), (hm(8, 0), hm(20, 0)));
    assert_eq!(p.time_zone, Tz::UTC);
    assert_eq!(p.warmup_started_at, None);
    assert_eq!(p.warmup_weeks, 4);
    p.validate().unwrap();
}

#[test]
fn sends_now_when_nothing_blocks() {
    let now = utc("2024-05-06T10:00:00Z");
    let state = PacingState {
        recent_sends: every(utc("2024-05-06T08:00:00Z"), 10, 6),
        next_send_at: Some(now - Duration::minutes(1)),
        paused_until: Some(now - Duration::hours(1)),
    };
    assert_eq!(earliest_send(&PacingPolicy::default(), &state, now), now);
    let empty = PacingState::default();
    assert_eq!(earliest_send(&PacingPolicy::default(), &empty, now), now);
}

#[test]
fn waits_for_next_send_at() {
    let now = utc("2024-05-06T10:00:00Z");
    let next = now + Duration::seconds(317);
    let state = PacingState {
        next_send_at: Some(next),
        ..PacingState::default()
    };
    assert_eq!(earliest_send(&PacingPolicy::default(), &state, now), next);
}

#[test]
fn waits_for_pause() {
    let now = utc("2024-05-06T10:00:00Z");
    let state = PacingState {
        next_send_at: Some(now + Duration::minutes(5)),
        paused_until: Some(now + Duration::hours(2)),
        ..PacingState::default()
    };
    let expected = now + Duration::hours(2);
    assert_eq!(
        earliest_send(&PacingPolicy::default(), &state, now),
        expected
    );
    // A pause past the window's end waits for the next opening.
    let late = PacingState {
        paused_until: Some(utc("2024-05-06T21:00:00Z")),
        ..PacingState::default()
    };
    let opening = utc("2024-05-07T08:00:00Z");
    assert_eq!(earliest_send(&PacingPolicy::default(), &late, now), opening);
}

#[test]
fn before_window_waits_for_todays_opening() {
    let p = in_zone(Europe::Berlin);
    let now = at_local(Europe::Berlin, 2024, 5, 6, 6, 30);
    let opening = at_local(Europe::Berlin, 2024, 5, 6, 8, 0);
    assert_eq!(opening, utc("2024-05-06T06:00:00Z"));
    assert_eq!(earliest_send(&p, &PacingState::default(), now), opening);
}

#[test]
fn after_window_waits_for_tomorrows_opening() {
    for tz in [Europe::Berlin, America::New_York] {
        let p = in_zone(tz);
        let now = at_local(tz, 2024, 5, 6, 20, 0);
        let opening = at_local(tz, 2024, 5, 7, 8, 0);
        assert_eq!(earliest_send(&p, &PacingState::default(), now), opening);
        // 23:30 local in New York is already the next day in UTC: still tomorrow's opening.
        let now = at_local(tz, 2024, 5, 6, 23, 30);
        assert_eq!(earliest_send(&p, &PacingState::default(), now), opening);
    }
}

#[test]
fn hourly_cap_waits_for_oldest_send_to_leave() {
    let p = PacingPolicy {
        hourly_cap: 3,
        ..PacingPolicy::default()
    };
    let now = utc("2024-05-06T10:00:00Z");
    // Four sends in the last hour; the three newest must stay below the cap of 3, so the
    // second oldest (09:20) has to leave: at 10:20.
    let state = PacingState {
        recent_sends: every(utc("2024-05-06T09:10:00Z"), 10, 4),
        ..PacingState::default()
    };
    let expected = utc("2024-05-06T10:20:00Z");
    assert_eq!(earliest_send(&p, &state, now), expected);
    // The window is half-open: a send exactly 60 minutes ago no longer counts.
    let state = PacingState {
        recent_sends: every(utc("2024-05-06T09:00:00Z"), 10, 3),
        ..PacingState::default()
    };
    assert_eq!(earliest_send(&p, &state, now), now);
}

#[test]
fn daily_cap_waits_for_next_local_day() {
    let tz = America::New_York;
    let p = PacingPolicy {
        daily_cap: 5,
        ..in_zone(tz)
    };
    let first = at_local(tz, 2024, 5, 6, 9, 0);
    let state = PacingState {
        recent_sends: every(first, 30, 5),
        ..PacingState::default()
    };
    let now = at_local(tz, 2024, 5, 6, 14, 0);
    let opening = at_local(tz, 2024, 5, 7, 8, 0);
    assert_eq!(earliest_send(&p, &state, now), opening);
    // Sends on the previous local day do not count, although they fall on today's UTC date.
    let state = PacingState {
        recent_sends: every(at_local(tz, 2024, 5, 5, 20, 0), 10, 5),
        ..PacingState::default()
    };
    assert_eq!(earliest_send(&p, &state, now), now);
}

#[test]
fn old_and_unsorted_sends_are_handled() {
    let p = PacingPolicy {
        hourly_cap: 2,
        daily_cap: 3,
        ..PacingPolicy::default()
    };
    let now = utc("2024-05-06T10:00:00Z");
    let mut sends = every(utc("2024-05-04T09:00:00Z"), 5, 200);
    sends.push(utc("2024-05-06T09:30:00Z"));
    sends.push(utc("2024-05-06T09:10:00Z"));
    let state = PacingState {
        recent_sends: sends,
        ..PacingState::default()
    };
    assert_eq!(earliest_send(&p, &state, now), utc("2024-05-06T10:10:00Z"));
}

#[test]
fn warm_up_ramps_the_daily_cap() {
    let start = utc("2024-05-06T10:00:00Z");
    let p = PacingPolicy {
        warmup_started_at: Some(start),
        ..PacingPolicy::default()
    };
    let on_day = |d: i64| p.daily_cap_at(start + Duration::days(d));
    assert_eq!(on_day(0), 25);
    assert_eq!(on_day(6), 25);
    assert_eq!(on_day(7), 50);
    assert_eq!(on_day(14), 75);
    assert_eq!(on_day(21), 100);
    assert_eq!(on_day(35), 100);
    assert_eq!(on_day(-1), 100);
    // Earlier on the starting day is still week 0.
    assert_eq!(p.daily_cap_at(utc("2024-05-06T00:00:00Z")), 25);
    // The ramp never falls below one send, and a zero-week ramp is no ramp.
    let tiny = PacingPolicy {
        daily_cap: 3,
        warmup_weeks: 10,
        ..p.clone()
    };
    assert_eq!(tiny.daily_cap_at(start), 1);
    let none = PacingPolicy {
        warmup_weeks: 0,
        ..p.clone()
    };
    assert_eq!(none.daily_cap_at(start), 100);
    // The ramp applies in earliest_send too: 25 sends on day 0 close the day.
    let state = PacingState {
        recent_sends: every(utc("2024-05-06T08:00:00Z"), 3, 25),
        ..PacingState::default()
    };
    assert_eq!(
        earliest_send(&p, &state, utc("2024-05-06T12:00:00Z")),
        utc("2024-05-07T08:00:00Z")
    );
}

#[test]
fn new_york_clock_changes_stay_in_window() {
    let tz = America::New_York;
    // 2024-03-10: 02:00 EST jumps to 03:00 EDT, so a 02:30 opening happens at 03:00.
    let spring = PacingPolicy {
        window_start: hm(2, 30),
        window_end: hm(10, 0),
        ..in_zone(tz)
    };
    let now = at_local(tz, 2024, 3, 10, 1, 0);
    assert_eq!(
        earliest_send(&spring, &PacingState::default(), now),
        utc("2024-03-10T07:00:00Z")
    );
    // 2024-11-03: 01:00-02:00 happens twice; from 01:15 EST the next 01:30 is EST's.
    let autumn = PacingPolicy {
        window_start: hm(1, 30),
        window_end: hm(9, 0),
        ..in_zone(tz)
    };
    let empty = PacingState::default();
    let first_145 = utc("2024-11-03T05:45:00Z");
    assert_eq!(earliest_send(&autumn, &empty, first_145), first_145);
    let second_115 = utc("2024-11-03T06:15:00Z");
    assert_eq!(
        earliest_send(&autumn, &empty, second_115),
        utc("2024-11-03T06:30:00Z")
    );
    // Every ten minutes across both transition days, with caps binding, the answer is in
    // the window and never earlier than asked.
    for policy in [&spring, &autumn] {
        for day in ["2024-03-09T00:00:00Z", "2024-11-02T00:00:00Z"] {
            let state = PacingState {
                recent_sends: every(utc(day), 7, 500),
                ..PacingState::default()
            };
            for now in every(utc(day), 10, 6 * 72) {
                let t = earliest_send(policy, &state, now);
                assert!(t >= now);
                assert!(
                    in_window(policy, t.with_timezone(&tz).time()),
                    "{now} -> {t}"
                );
            }
        }
    }
}

#[test]
fn skipped_midnight_starts_the_day_at_the_first_valid_time() {
    // São Paulo went from 2018-11-04 00:00 straight to 01:00.
    let tz = America::Sao_Paulo;
    let p = PacingPolicy {
        window_start: NaiveTime::MIN,
        window_end: hm(6, 0),
        daily_cap: 2,
        ..in_zone(tz)
    };
    let now = at_local(tz, 2018, 11, 3, 23, 30);
    let expected = utc("2018-11-04T03:00:00Z");
    assert_eq!(earliest_send(&p, &PacingState::default(), now), expected);
    // Two sends that day fill it, however the day's start was resolved.
    let state = PacingState {
        recent_sends: vec![expected, expected + Duration::minutes(5)],
        ..PacingState::default()
    };
    assert_eq!(
        earliest_send(&p, &state, expected + Duration::minutes(10)),
        at_local(tz, 2018, 11, 5, 0, 0)
    );
}

#[test]
fn extreme_instants_do_not_panic() {
    let p = in_zone(Pacific::Auckland);
    let state = PacingState {
        recent_sends: vec![DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC],
        next_send_at: Some(DateTime::<Utc>::MAX_UTC),
        paused_until: Some(DateTime::<Utc>::MIN_UTC),
    };
    for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        assert!(earliest_send(&p, &state, now) >= now);
        assert!(earliest_send(&p, &PacingState::default(), now) >= now);
    }
    let ramp = PacingPolicy {
        warmup_started_at: Some(DateTime::<Utc>::MIN_UTC),
        ..p
    };
    assert_eq!(ramp.daily_cap_at(DateTime::<Utc>::MAX_UTC), 100);
}

#[test]
fn invalid_policies_do_not_panic() {
    let p = PacingPolicy {
        hourly_cap: 0,
        daily_cap: 0,
        min_gap: Duration::MAX,
        max_gap: Duration::MIN,
        window_start: hm(20, 0),
        window_end: hm(8, 0),
        ..PacingPolicy::default()
    };
    let now = utc("2024-05-06T10:00:00Z");
    let state = PacingState {
        recent_sends: every(now - Duration::hours(2), 1, 200),
        ..PacingState::default()
    };
    assert!(earliest_send(&p, &state, now) >= now);
    assert_eq!(p.gap(0.5), Duration::MAX);
}

#[test]
fn gaps_are_drawn_between_min_and_max() {
    let p = PacingPolicy::default();
    assert_eq!(p.gap(0.0), Duration::seconds(120));
    assert_eq!(p.gap(0.5), Duration::milliseconds(510_000));
    assert_eq!(p.gap(0.123_456_789), Duration::milliseconds(216_296));
    assert_eq!(p.gap(BELOW_ONE), Duration::milliseconds(899_999));
    assert_eq!(p.gap(1.0), p.gap(BELOW_ONE));
    assert_eq!(p.gap(7.0), p.gap(BELOW_ONE));
    assert_eq!(p.gap(-3.0), p.min_gap);
    assert_eq!(p.gap(f64::NAN), p.min_gap);
    let fixed = PacingPolicy {
        max_gap: Duration::seconds(120),
        ..p
    };
    assert_eq!(fixed.gap(0.7), Duration::seconds(120));
}

#[test]
fn validate_names_the_bad_fields() {
    let base = PacingPolicy::default();
    let cases: Vec<(PacingPolicy, Vec<&str>)> = vec![
        (
            PacingPolicy {
                hourly_cap: 0,
                daily_cap: 10_001,
                ..base.clone()
            },
            vec!["hourly_cap", "daily_cap"],
        ),
        (
            PacingPolicy {
                hourly_cap: 1_001,
                daily_cap: 0,
                ..base.clone()
            },
            vec!["hourly_cap", "daily_cap"],
        ),
        (
            PacingPolicy {
                min_gap: Duration::seconds(-1),
                max_gap: Duration::hours(25),
                ..base.clone()
            },
            vec!["min_gap_seconds", "max_gap_seconds"],
        ),
        (
            PacingPolicy {
                min_gap: Duration::seconds(600),
                max_gap: Duration::seconds(599),
                ..base.clone()
            },
            vec!["max_gap_seconds"],
        ),
        (
            PacingPolicy {
                window_start: hm(20, 0),
                window_end: hm(20, 0),
                ..base.clone()
            },
            vec!["window_end"],
        ),
        (
            PacingPolicy {
                window_start: NaiveTime::from_hms_milli_opt(7, 59, 59, 1_500).unwrap(),
                warmup_weeks: 53,
                ..base.clone()
            },
            vec!["window_start", "warmup_weeks"],
        ),
    ];
    for (policy, fields) in cases {
        assert_eq!(error_fields(&policy), fields);
    }
    let edges = PacingPolicy {
        hourly_cap: 1_000,
        daily_cap: 10_000,
        min_gap: Duration::zero(),
        max_gap: Duration::hours(24),
        window_start: NaiveTime::MIN,
        window_end: hm(23, 59),
        warmup_weeks: 52,
        ..base
    };
    edges.validate().unwrap();
}

/// A tiny deterministic generator (splitmix64), so gap draws are reproducible per case.
struct SplitMix(u64);

impl SplitMix {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

const ZONES: [Tz; 5] = [
    Tz::UTC,
    Europe::Berlin,
    America::New_York,
    Asia::Kolkata,
    Pacific::Auckland,
];

/// Simulation starts chosen to include clock changes in the zones above.
const STARTS: [&str; 7] = [
    "2024-03-09T00:00:00Z",
    "2024-03-30T00:00:00Z",
    "2024-04-06T00:00:00Z",
    "2024-06-14T00:00:00Z",
    "2024-09-28T00:00:00Z",
    "2024-10-26T00:00:00Z",
    "2024-11-02T00:00:00Z",
];

#[derive(Debug)]
struct Case {
    policy: PacingPolicy,
    start: DateTime<Utc>,
    accounts: usize,
    /// (account, arrival) per DM.
    dms: Vec<(usize, DateTime<Utc>)>,
    /// Account 0 starts paused until then.
    pause: Option<DateTime<Utc>>,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    let policy = (
        (1..=60u32, 1..=150u32, 0..=900i64, 0..=900i64),
        (0..=12u32, 2..=12u32, 0..ZONES.len()),
        proptest::option::of((0..=40 * 24 * 60i64, 0..=6u32)),
    );
    (
        policy,
        (0..STARTS.len(), 0..=2 * 24 * 60i64),
        1..=4usize,
        proptest::collection::vec((0..4usize, 0..3 * 24 * 3_600_000i64), 1..=200),
        proptest::option::of(0..=12 * 60i64),
        any::<u64>(),
    )
        .prop_map(
            |(
                ((hourly, daily, min_s, extra_s), (hour, len, zone), warmup),
                (start_i, start_min),
                accounts,
                dms,
                pause,
                seed,
            )| {
                let start = utc(STARTS[start_i]) + Duration::minutes(start_min);
                let end_hour = hour + len;
                let policy = PacingPolicy {
                    hourly_cap: hourly,
                    daily_cap: daily,
                    min_gap: Duration::seconds(min_s),
                    max_gap: Duration::seconds(min_s + extra_s),
                    window_start: hm(hour, 0),
                    // A window reaching midnight ends at the last second of the day.
                    window_end: if end_hour == 24 {
                        NaiveTime::from_hms_opt(23, 59, 59).unwrap()
                    } else {
                        hm(end_hour, 0)
                    },
                    time_zone: ZONES[zone],
                    warmup_started_at: warmup.map(|(before, _)| start - Duration::minutes(before)),
                    warmup_weeks: warmup.map_or(4, |(_, weeks)| weeks),
                };
                let dms = dms
                    .into_iter()
                    .map(|(a, ms)| (a % accounts, start + Duration::milliseconds(ms)))
                    .collect();
                let pause = pause.map(|m| start + Duration::minutes(m));
                Case {
                    policy,
                    start,
                    accounts,
                    dms,
                    pause,
                    seed,
                }
            },
        )
}

/// One simulated LinkedIn account.
#[derive(Default)]
struct Account {
    /// Arrived-or-future DMs in arrival order: (id, arrival).
    queue: VecDeque<(usize, DateTime<Utc>)>,
    state: PacingState,
    /// Local date of each send in `state.recent_sends`.
    dates: Vec<NaiveDate>,
}

/// A brute-force statement of the rules, independent of the implementation's search.
fn allowed(p: &PacingPolicy, a: &Account, t: DateTime<Utc>) -> bool {
    let s = &a.state;
    let local = t.with_timezone(&p.time_zone).naive_local();
    let last_hour = s
        .recent_sends
        .iter()
        .filter(|x| t - HOUR < **x && **x <= t)
        .count();
    let today = a.dates.iter().filter(|d| **d == local.date()).count();
    s.next_send_at.is_none_or(|n| t >= n)
        && s.paused_until.is_none_or(|n| t >= n)
        && in_window(p, local.time())
        && last_hour < p.hourly_cap as usize
        && today < p.daily_cap_at(t) as usize
}

// One policy per case, shared by all accounts: the accounts then compete for the same
// windows, which is the harder schedule for the chooser.
proptest! {
    #[test]
    fn simulated_schedules_keep_every_rule(case in case()) {
        let p = &case.policy;
        prop_assert!(p.validate().is_ok());
        let mut rng = SplitMix(case.seed);
        let mut accounts: Vec<Account> = (0..case.accounts).map(|_| Account::default()).collect();
        let mut dms = case.dms.clone();
        dms.sort_by_key(|(_, arrival)| *arrival);
        for (id, (account, arrival)) in dms.iter().enumerate() {
            accounts[*account].queue.push_back((id, *arrival));
        }
        accounts[0].state.paused_until = case.pause;
        // (account, dm id, arrival, sent at)
        let mut log = Vec::new();
        let mut now = case.start;
        loop {
            let mut best: Option<(DateTime<Utc>, usize)> = None;
            for (i, a) in accounts.iter().enumerate() {
                let Some(&(_, arrival)) = a.queue.front() else { continue };
                let asked = arrival.max(now);
                let t = earliest_send(p, &a.state, asked);
                // (f) never earlier than asked.
                prop_assert!(t >= asked, "{asked} -> {t}");
                if best.is_none_or(|(b, _)| t < b) {
                    best = Some((t, i));
                }
            }
            let Some((t, i)) = best else { break };
            let asked = now.max(accounts[i].queue.front().map_or(now, |q| q.1));
            let a = &mut accounts[i];
            // The answer is allowed, and the millisecond before it was not.
            prop_assert!(allowed(p, a, t), "send at {t} breaks a rule");
            let before = t - Duration::milliseconds(1);
            prop_assert!(t == asked || !allowed(p, a, before), "{before} was allowed too");
            now = t;
            let Some((id, arrival)) = a.queue.pop_front() else { break };
            a.state.recent_sends.push(t);
            a.dates.push(t.with_timezone(&p.time_zone).date_naive());
            a.state.next_send_at = Some(t + p.gap(rng.unit()));
            log.push((i, id, arrival, t));
        }
        // (e) every DM sent exactly once, never before it arrived.
        let mut ids: Vec<usize> = log.iter().map(|(_, id, _, _)| *id).collect();
        ids.sort_unstable();
        prop_assert_eq!(ids, (0..dms.len()).collect::<Vec<_>>());
        for (_, id, arrival, t) in &log {
            prop_assert!(t >= arrival, "dm {id} sent at {t} before arriving at {arrival}");
        }
        for a in &accounts {
            let sends = &a.state.recent_sends;
            let mut per_day: HashMap<NaiveDate, usize> = HashMap::new();
            for d in &a.dates {
                *per_day.entry(*d).or_default() += 1;
            }
            for (k, s) in sends.iter().enumerate() {
                // (a) rolling hour.
                let in_hour = sends.iter().filter(|x| *s - HOUR < **x && **x <= *s).count();
                prop_assert!(in_hour <= p.hourly_cap as usize, "{in_hour} sends in the hour to {s}");
                // (b) gap.
                if let Some(prev) = k.checked_sub(1).map(|j| sends[j]) {
                    prop_assert!(*s - prev >= p.min_gap, "{prev} then {s}");
                }
                // (c) window.
                let local = s.with_timezone(&p.time_zone).time();
                prop_assert!(in_window(p, local), "{s} is {local} locally");
                // (d) day.
                let day = per_day[&a.dates[k]];
                prop_assert!(day <= p.daily_cap_at(*s) as usize, "{day} sends on {}", a.dates[k]);
                // Pause.
                prop_assert!(a.state.paused_until.is_none_or(|u| *s >= u));
            }
        }
    }
}
