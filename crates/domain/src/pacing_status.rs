//! What an account's pacing means right now, for the people watching it: the limits in force
//! today (the daily cap after warm-up, not the configured one), how much of them is used, when
//! the next send may happen (inside the sending window, the same instant the worker would pick)
//! and why sending is waiting. Derived from the same rules as [`earliest_send`], so that what the
//! pages and the API show is what the worker does.

use crate::pacing::{
    PacingPolicy, PacingState, after_daily_cap, after_hourly_cap, earliest_send, into_window,
    local_day,
};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Why an account's next send is not now. The order is the order of precedence when two rules
/// hold sending back until the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaitingReason {
    /// Paused after a provider limit signal (429, restriction) until `until`.
    Paused,
    /// Today's warm-up cap (lower than the configured daily cap) is used up; sending resumes at
    /// the window's opening on the next local day, `until`.
    WarmingUp,
    /// Today's daily cap is used up; sending resumes at the window's opening on the next local
    /// day, `until`.
    DailyCap,
    /// The rolling-hour cap is used up; a slot frees at `until`.
    HourlyCap,
    /// Now is outside the local sending window, which opens at `until`.
    OutsideWindow,
    /// The drawn gap since the last send lasts until `until`.
    Gap,
    /// Nothing holds sending back: the next send may happen now.
    Ready,
}

impl WaitingReason {
    /// The reason's name in the API, e.g. `outside_window`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paused => "paused",
            Self::WarmingUp => "warming_up",
            Self::DailyCap => "daily_cap",
            Self::HourlyCap => "hourly_cap",
            Self::OutsideWindow => "outside_window",
            Self::Gap => "gap",
            Self::Ready => "ready",
        }
    }
}

/// One rule holding sending back, and until when that rule alone would.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    /// The rule.
    pub reason: WaitingReason,
    /// When the rule alone stops holding sending back.
    pub until: DateTime<Utc>,
}

/// The limits of one kind of action (DMs today) as they apply now, and what follows for the
/// next one. Built by [`pacing_status`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PacingStatus {
    /// Sends allowed in any rolling 60 minutes.
    pub hourly_cap: u32,
    /// Sends allowed on today's local calendar day: the configured daily cap, lowered by the
    /// warm-up ramp while it lasts.
    pub daily_cap: u32,
    /// The configured daily cap, reached when the warm-up ends.
    pub configured_daily_cap: u32,
    /// Whether the warm-up ramp lowers today's daily cap.
    pub warming_up: bool,
    /// Sends in the last 60 minutes.
    pub sent_last_hour: u32,
    /// Sends on today's local calendar day.
    pub sent_today: u32,
    /// Sends still allowed within the rolling hour.
    pub remaining_this_hour: u32,
    /// Sends still allowed today.
    pub remaining_today: u32,
    /// The earliest instant the next send may happen: now when ready, otherwise the first
    /// instant inside the window that satisfies every rule (as [`earliest_send`] decides).
    pub next_send_at: DateTime<Utc>,
    /// Why the next send is not now (`ready` when it is): of the rules holding it back now, the
    /// one holding it back longest.
    pub waiting_reason: WaitingReason,
    /// Until when that rule alone holds sending back; `None` when ready. The next send can be
    /// later still, when it then falls outside the window or on a full day.
    pub waiting_until: Option<DateTime<Utc>>,
    /// Every rule holding sending back now, longest first (empty when ready).
    pub held_by: Vec<Hold>,
}

/// The account's limits in force at `now` and when and why it may send next, from the policy and
/// what the database knows (`state` as for [`earliest_send`]). Each rule is asked on its own
/// whether it allows a send at `now`; `next_send_at` is [`earliest_send`]'s answer, so it is now
/// exactly when no rule holds sending back. The daily cap's hold ends at the window's opening on
/// the next local day, when sending may resume, rather than at midnight.
pub fn pacing_status(
    policy: &PacingPolicy,
    state: &PacingState,
    now: DateTime<Utc>,
) -> PacingStatus {
    let mut sends = state.recent_sends.clone();
    sends.sort_unstable();
    let hourly_cap = policy.hourly_cap.max(1);
    let daily_cap = policy.daily_cap_at(now).max(1);
    let count = |from: usize, to: usize| u32::try_from(to.saturating_sub(from)).unwrap_or(u32::MAX);
    let sent_last_hour = count(
        sends.partition_point(|s| *s <= now - Duration::hours(1)),
        sends.partition_point(|s| *s <= now),
    );
    let (day_start, day_end) = local_day(policy.time_zone, now);
    let sent_today = count(
        sends.partition_point(|s| *s < day_start),
        sends.partition_point(|s| *s < day_end),
    );
    let next_send_at = earliest_send(policy, state, now);
    let held_by = holds(policy, state, &sends, daily_cap, now);
    let first = held_by.first();
    PacingStatus {
        hourly_cap,
        daily_cap,
        configured_daily_cap: policy.daily_cap,
        warming_up: daily_cap < policy.daily_cap,
        sent_last_hour,
        sent_today,
        remaining_this_hour: hourly_cap.saturating_sub(sent_last_hour),
        remaining_today: daily_cap.saturating_sub(sent_today),
        next_send_at,
        waiting_reason: first.map_or(WaitingReason::Ready, |h| h.reason),
        waiting_until: first.map(|h| h.until),
        held_by,
    }
}

/// The rules that each on their own forbid a send at `now`, the one holding longest first (ties
/// in [`WaitingReason`]'s order). `sends` is sorted.
fn holds(
    policy: &PacingPolicy,
    state: &PacingState,
    sends: &[DateTime<Utc>],
    daily_cap: u32,
    now: DateTime<Utc>,
) -> Vec<Hold> {
    let hourly_cap = usize::try_from(policy.hourly_cap.max(1)).unwrap_or(usize::MAX);
    let daily = if daily_cap < policy.daily_cap {
        WaitingReason::WarmingUp
    } else {
        WaitingReason::DailyCap
    };
    let mut held: Vec<Hold> = [
        (WaitingReason::Paused, state.paused_until),
        (WaitingReason::Gap, state.next_send_at),
        (WaitingReason::OutsideWindow, Some(into_window(policy, now))),
        (
            WaitingReason::HourlyCap,
            Some(after_hourly_cap(sends, hourly_cap, now)),
        ),
        (daily, Some(after_daily_cap(policy, sends, now))),
    ]
    .into_iter()
    .filter_map(|(reason, until)| {
        until
            .filter(|u| *u > now)
            .map(|until| Hold { reason, until })
    })
    .collect();
    held.sort_by(|a, b| b.until.cmp(&a.until).then(a.reason.cmp(&b.reason)));
    held
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone};
    use chrono_tz::{America, Europe, Tz};
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn at_local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn every(start: DateTime<Utc>, minutes: i64, count: i64) -> Vec<DateTime<Utc>> {
        (0..count)
            .map(|i| start + Duration::minutes(minutes * i))
            .collect()
    }

    fn sends(recent_sends: Vec<DateTime<Utc>>) -> PacingState {
        PacingState {
            recent_sends,
            ..PacingState::default()
        }
    }

    fn hold(reason: WaitingReason, until: DateTime<Utc>) -> Hold {
        Hold { reason, until }
    }

    #[test]
    fn reasons_are_named_as_the_api_writes_them() {
        for r in [
            WaitingReason::Paused,
            WaitingReason::WarmingUp,
            WaitingReason::DailyCap,
            WaitingReason::HourlyCap,
            WaitingReason::OutsideWindow,
            WaitingReason::Gap,
            WaitingReason::Ready,
        ] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }

    #[test]
    fn ready_when_nothing_holds_sending_back() {
        let now = utc("2024-05-06T10:00:00Z");
        let state = PacingState {
            recent_sends: every(utc("2024-05-06T09:30:00Z"), 10, 3),
            next_send_at: Some(now - Duration::minutes(1)),
            paused_until: Some(now - Duration::hours(1)),
        };
        let s = pacing_status(&PacingPolicy::default(), &state, now);
        assert_eq!(s.next_send_at, now);
        assert_eq!(s.waiting_reason, WaitingReason::Ready);
        assert_eq!(s.waiting_until, None);
        assert!(s.held_by.is_empty());
        assert_eq!(
            (s.hourly_cap, s.daily_cap, s.configured_daily_cap),
            (50, 100, 100)
        );
        assert!(!s.warming_up);
        assert_eq!((s.sent_last_hour, s.sent_today), (3, 3));
        assert_eq!((s.remaining_this_hour, s.remaining_today), (47, 97));
    }

    /// Observed: "Daily cap 100" shown while warm-up allowed 25.
    #[test]
    fn warm_up_lowers_todays_daily_cap() {
        let start = utc("2024-05-06T09:00:00Z");
        let p = PacingPolicy {
            warmup_started_at: Some(start),
            ..PacingPolicy::default()
        };
        let now = utc("2024-05-06T12:00:00Z");
        let s = pacing_status(&p, &sends(every(start, 5, 10)), now);
        assert_eq!((s.daily_cap, s.configured_daily_cap), (25, 100));
        assert!(s.warming_up);
        assert_eq!((s.sent_today, s.remaining_today), (10, 15));
        assert_eq!(s.waiting_reason, WaitingReason::Ready);
        // In week 2 the ramp allows 75; after the ramp, the configured 100.
        let week2 = pacing_status(&p, &PacingState::default(), now + Duration::days(14));
        assert_eq!((week2.daily_cap, week2.warming_up), (75, true));
        let after = pacing_status(&p, &PacingState::default(), now + Duration::days(28));
        assert_eq!((after.daily_cap, after.warming_up), (100, false));
        // 25 sends on day 0 use the warm-up cap up: waiting for warm-up, until tomorrow's opening.
        let full = pacing_status(&p, &sends(every(start, 3, 25)), now);
        assert_eq!(full.remaining_today, 0);
        assert_eq!(full.waiting_reason, WaitingReason::WarmingUp);
        let opening = utc("2024-05-07T08:00:00Z");
        assert_eq!(
            (full.waiting_until, full.next_send_at),
            (Some(opening), opening)
        );
    }

    /// Observed: "Next send 20:03 UTC" shown with an 08:00-20:00 window.
    #[test]
    fn next_send_is_inside_the_window() {
        let p = PacingPolicy::default();
        let gap_ends = utc("2024-05-06T20:03:00Z");
        let state = PacingState {
            recent_sends: vec![utc("2024-05-06T19:55:00Z")],
            next_send_at: Some(gap_ends),
            paused_until: None,
        };
        let tomorrow = utc("2024-05-07T08:00:00Z");
        // Inside the window, the gap holds sending back, and it ends after the window closes.
        let s = pacing_status(&p, &state, utc("2024-05-06T19:58:00Z"));
        assert_eq!(s.next_send_at, tomorrow);
        assert_eq!(s.waiting_reason, WaitingReason::Gap);
        assert_eq!(s.waiting_until, Some(gap_ends));
        // Once the window has closed, it is the window, holding longest.
        let s = pacing_status(&p, &state, utc("2024-05-06T20:01:00Z"));
        assert_eq!(s.next_send_at, tomorrow);
        assert_eq!(s.waiting_reason, WaitingReason::OutsideWindow);
        assert_eq!(
            s.held_by,
            vec![
                hold(WaitingReason::OutsideWindow, tomorrow),
                hold(WaitingReason::Gap, gap_ends)
            ]
        );
    }

    #[test]
    fn pause_hourly_and_daily_caps_say_until_when() {
        let now = utc("2024-05-06T10:00:00Z");
        let paused = PacingState {
            paused_until: Some(utc("2024-05-06T21:00:00Z")),
            ..PacingState::default()
        };
        let s = pacing_status(&PacingPolicy::default(), &paused, now);
        assert_eq!(s.waiting_reason, WaitingReason::Paused);
        assert_eq!(s.waiting_until, Some(utc("2024-05-06T21:00:00Z")));
        assert_eq!(s.next_send_at, utc("2024-05-07T08:00:00Z"));

        let p = PacingPolicy {
            hourly_cap: 3,
            daily_cap: 6,
            ..PacingPolicy::default()
        };
        let s = pacing_status(&p, &sends(every(utc("2024-05-06T09:10:00Z"), 10, 4)), now);
        assert_eq!((s.sent_last_hour, s.remaining_this_hour), (4, 0));
        assert_eq!(s.waiting_reason, WaitingReason::HourlyCap);
        assert_eq!(s.waiting_until, Some(utc("2024-05-06T10:20:00Z")));
        assert_eq!(s.next_send_at, utc("2024-05-06T10:20:00Z"));

        let s = pacing_status(&p, &sends(every(utc("2024-05-06T08:00:00Z"), 10, 6)), now);
        assert_eq!(
            (s.sent_today, s.remaining_today, s.warming_up),
            (6, 0, false)
        );
        assert_eq!(s.waiting_reason, WaitingReason::DailyCap);
        assert_eq!(s.next_send_at, utc("2024-05-07T08:00:00Z"));
    }

    #[test]
    fn today_and_the_window_are_local() {
        let tz = Europe::Berlin;
        let p = PacingPolicy {
            time_zone: tz,
            ..PacingPolicy::default()
        };
        // 06:30 in Berlin (04:30 UTC): the window opens at 08:00 Berlin time, 06:00 UTC.
        let now = at_local(tz, 2024, 5, 6, 6, 30);
        // Sent at 23:30 the evening before (local) and at 00:30 today (local, still the 5th in
        // UTC): only the second is today's.
        let state = sends(vec![
            at_local(tz, 2024, 5, 5, 23, 30),
            at_local(tz, 2024, 5, 6, 0, 30),
        ]);
        let s = pacing_status(&p, &state, now);
        assert_eq!(s.sent_today, 1);
        assert_eq!(s.waiting_reason, WaitingReason::OutsideWindow);
        assert_eq!(s.next_send_at, utc("2024-05-06T06:00:00Z"));
        assert_eq!(s.waiting_until, Some(s.next_send_at));
    }

    #[test]
    fn clock_changes_keep_the_day_and_the_opening() {
        let tz = America::New_York;
        // 2024-03-10 is 23 hours long: 02:00 EST jumps to 03:00 EDT, so a 02:30 opening is at
        // 03:00 EDT (07:00 UTC).
        let spring = PacingPolicy {
            time_zone: tz,
            window_start: hm(2, 30),
            window_end: hm(10, 0),
            daily_cap: 2,
            ..PacingPolicy::default()
        };
        let now = at_local(tz, 2024, 3, 10, 1, 0);
        let s = pacing_status(&spring, &PacingState::default(), now);
        assert_eq!(s.waiting_reason, WaitingReason::OutsideWindow);
        assert_eq!(s.next_send_at, utc("2024-03-10T07:00:00Z"));
        // Sends at 00:10 EST and 09:00 EDT fill the short day; the next opening is on the 11th.
        let full = sends(vec![
            at_local(tz, 2024, 3, 10, 0, 10),
            at_local(tz, 2024, 3, 10, 9, 0),
        ]);
        let s = pacing_status(&spring, &full, at_local(tz, 2024, 3, 10, 9, 30));
        assert_eq!(
            (s.sent_today, s.waiting_reason),
            (2, WaitingReason::DailyCap)
        );
        assert_eq!(s.next_send_at, at_local(tz, 2024, 3, 11, 2, 30));
        // 2024-11-03 is 25 hours long: sends at 00:30 EDT and 23:30 EST are the same day.
        let autumn = PacingPolicy {
            time_zone: tz,
            window_end: hm(23, 59),
            ..PacingPolicy::default()
        };
        let day = sends(vec![
            at_local(tz, 2024, 11, 2, 23, 50),
            at_local(tz, 2024, 11, 3, 0, 30),
            at_local(tz, 2024, 11, 3, 23, 30),
        ]);
        let s = pacing_status(&autumn, &day, at_local(tz, 2024, 11, 3, 23, 45));
        assert_eq!(s.sent_today, 2);
    }

    fn policy() -> impl Strategy<Value = PacingPolicy> {
        let zones = prop_oneof![
            Just(Tz::UTC),
            Just(Europe::Berlin),
            Just(America::New_York),
            Just(chrono_tz::Australia::Lord_Howe),
        ];
        (
            1u32..6,
            1u32..12,
            0i64..3_600,
            0u32..20,
            2u32..24,
            zones,
            any::<bool>(),
        )
            .prop_map(
                |(hourly_cap, daily_cap, gap, start, len, time_zone, ramp)| {
                    let start = start.min(22);
                    PacingPolicy {
                        hourly_cap,
                        daily_cap,
                        min_gap: Duration::seconds(gap),
                        max_gap: Duration::seconds(gap),
                        window_start: hm(start, 0),
                        window_end: hm((start + len).min(23), 59),
                        time_zone,
                        warmup_started_at: ramp.then(|| utc("2024-03-01T00:00:00Z")),
                        warmup_weeks: 4,
                    }
                },
            )
    }

    proptest! {
        /// The status agrees with `earliest_send`: ready exactly when it says now, and every
        /// rule's hold ends after now and no later than the next send.
        #[test]
        fn agrees_with_earliest_send(
            p in policy(),
            now_min in 0i64..(90 * 24 * 60),
            offsets in prop::collection::vec(1i64..(30 * 60), 0..30),
            gap_min in prop::option::of(-60i64..600),
            pause_min in prop::option::of(-60i64..3_000),
        ) {
            let now = utc("2024-03-01T00:00:00Z") + Duration::minutes(now_min);
            let state = PacingState {
                recent_sends: offsets.iter().map(|m| now - Duration::minutes(*m)).collect(),
                next_send_at: gap_min.map(|m| now + Duration::minutes(m)),
                paused_until: pause_min.map(|m| now + Duration::minutes(m)),
            };
            let s = pacing_status(&p, &state, now);
            prop_assert_eq!(s.next_send_at, earliest_send(&p, &state, now));
            prop_assert_eq!(s.held_by.is_empty(), s.next_send_at == now);
            prop_assert_eq!(s.waiting_reason == WaitingReason::Ready, s.held_by.is_empty());
            prop_assert_eq!(s.waiting_until, s.held_by.first().map(|h| h.until));
            for h in &s.held_by {
                prop_assert!(now < h.until && h.until <= s.next_send_at, "{h:?} {s:?}");
            }
            prop_assert!(s.held_by.windows(2).all(|w| w[0].until >= w[1].until));
            prop_assert_eq!(s.remaining_today, s.daily_cap.saturating_sub(s.sent_today));
            prop_assert_eq!(s.remaining_this_hour, s.hourly_cap.saturating_sub(s.sent_last_hour));
        }
    }
}
