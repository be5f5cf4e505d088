//! Pacing: when the next LinkedIn DM of one account may go out. LinkedIn restricts accounts that
//! message like machines, so every send follows a per-account policy. The policy has a rolling
//! hourly cap, a daily cap with a warm-up ramp for new accounts, a random gap between sends and a
//! sending window in the account's local time. Everything here is arithmetic on instants, so the
//! worker that sends and the tests that simulate days of sending share exactly the same rules.

use crate::ValidationErrors;
use crate::validation::Collector;
use chrono::offset::LocalResult;
use chrono::{
    DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use std::borrow::Cow;

/// The span of the rolling hourly cap.
const HOUR: Duration = Duration::hours(1);
/// Longest gap a policy may ask for.
const GAP_LIMIT: Duration = Duration::hours(24);
/// Highest hourly cap a policy may set.
pub(crate) const MAX_HOURLY_CAP: u32 = 1_000;
/// Highest daily cap a policy may set.
pub(crate) const MAX_DAILY_CAP: u32 = 10_000;
/// Longest warm-up a policy may set.
const MAX_WARMUP_WEEKS: u32 = 52;
/// Longest run of skipped local time to step over, in minutes. Samoa skipped a whole day in 2011.
const MAX_SKIPPED_MINUTES: i64 = 2 * 24 * 60;
/// How many local days to search for the next window opening. A day can lack an opening when
/// its window hours were skipped by a clock change; the next day then has one.
const WINDOW_SEARCH_DAYS: usize = 4;
/// Distance kept from the ends of chrono's range, so that converting to local time and adding
/// days never overflows.
const RANGE_MARGIN: Duration = Duration::days(30);
/// The largest `f64` below 1, where [`PacingPolicy::gap`] clamps its sample.
const BELOW_ONE: f64 = 1.0_f64.next_down();
/// Default opening of the sending window: office hours start.
const DEFAULT_WINDOW_START: NaiveTime = NaiveTime::from_hms_opt(8, 0, 0).expect("08:00 is a time");
/// Default close of the sending window: early evening.
const DEFAULT_WINDOW_END: NaiveTime = NaiveTime::from_hms_opt(20, 0, 0).expect("20:00 is a time");

/// Per-account sending policy. It keeps one LinkedIn account's DMs at a pace a careful person
/// could keep up, so that the provider does not restrict the account.
#[derive(Clone, Debug, PartialEq)]
pub struct PacingPolicy {
    /// At most this many sends in any rolling 60 minutes.
    pub hourly_cap: u32,
    /// At most this many sends per local calendar day (in `time_zone`), before the warm-up
    /// ramp (see [`PacingPolicy::daily_cap_at`]).
    pub daily_cap: u32,
    /// Minimum gap between consecutive sends.
    pub min_gap: Duration,
    /// Gaps are drawn uniformly in `[min_gap, max_gap]`.
    pub max_gap: Duration,
    /// Local start of the daily sending window (inclusive).
    pub window_start: NaiveTime,
    /// Local end of the daily sending window (exclusive). It must be later than `window_start`:
    /// overnight windows are not supported.
    pub window_end: NaiveTime,
    /// The zone whose wall clock defines the window and the calendar day.
    pub time_zone: Tz,
    /// When the warm-up ramp began; `None` means no ramp.
    pub warmup_started_at: Option<DateTime<Utc>>,
    /// How many weeks the warm-up ramp lasts.
    pub warmup_weeks: u32,
}

impl Default for PacingPolicy {
    /// 50 an hour, 100 a day, 2 to 15 minutes apart, 08:00 to 20:00 UTC, no warm-up.
    fn default() -> Self {
        Self {
            hourly_cap: 50,
            daily_cap: 100,
            min_gap: Duration::seconds(120),
            max_gap: Duration::seconds(900),
            window_start: DEFAULT_WINDOW_START,
            window_end: DEFAULT_WINDOW_END,
            time_zone: Tz::UTC,
            warmup_started_at: None,
            warmup_weeks: 4,
        }
    }
}

impl PacingPolicy {
    /// Field-level validation: `1 <= hourly_cap <= 1000`, `1 <= daily_cap <= 10000`,
    /// `0 <= min_gap <= max_gap <= 24h`, `window_start < window_end` (no overnight windows, no
    /// leap seconds) and `warmup_weeks <= 52`. Field names follow the API: `hourly_cap`,
    /// `daily_cap`, `min_gap_seconds`, `max_gap_seconds`, `window_start`, `window_end`,
    /// `warmup_weeks`.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut c = Collector::default();
        if !(1..=MAX_HOURLY_CAP).contains(&self.hourly_cap) {
            c.push(
                "hourly_cap",
                format!("must be between 1 and {MAX_HOURLY_CAP}"),
            );
        }
        if !(1..=MAX_DAILY_CAP).contains(&self.daily_cap) {
            c.push(
                "daily_cap",
                format!("must be between 1 and {MAX_DAILY_CAP}"),
            );
        }
        let gaps = Duration::zero()..=GAP_LIMIT;
        let limit = GAP_LIMIT.num_seconds();
        let min_ok = gaps.contains(&self.min_gap);
        if !min_ok {
            c.push(
                "min_gap_seconds",
                format!("must be between 0 and {limit} seconds"),
            );
        }
        if !gaps.contains(&self.max_gap) {
            c.push(
                "max_gap_seconds",
                format!("must be between 0 and {limit} seconds"),
            );
        } else if min_ok && self.max_gap < self.min_gap {
            c.push("max_gap_seconds", "must not be less than min_gap_seconds");
        }
        for (field, time) in [
            ("window_start", self.window_start),
            ("window_end", self.window_end),
        ] {
            if time.nanosecond() >= 1_000_000_000 {
                c.push(field, "must not be a leap second");
            }
        }
        if self.window_start >= self.window_end {
            c.push(
                "window_end",
                "must be later than window_start (overnight windows are not supported)",
            );
        }
        if self.warmup_weeks > MAX_WARMUP_WEEKS {
            c.push(
                "warmup_weeks",
                format!("must be at most {MAX_WARMUP_WEEKS}"),
            );
        }
        c.finish()
    }

    /// The daily cap in force on the local calendar day containing `at`, so that a new account
    /// ramps up instead of jumping to full volume. Weeks are counted in whole 7-day periods of
    /// local calendar days from the day containing `warmup_started_at`: that day and the six
    /// after it are week 0. In week `w < warmup_weeks` the cap is
    /// `max(1, ceil(daily_cap * (w + 1) / warmup_weeks))`; before the start, from week
    /// `warmup_weeks` on, and when `warmup_weeks == 0` or there is no warm-up it is `daily_cap`.
    /// Counting whole local days keeps the cap constant over each calendar day it governs.
    pub fn daily_cap_at(&self, at: DateTime<Utc>) -> u32 {
        let Some(started) = self.warmup_started_at else {
            return self.daily_cap;
        };
        let weeks = u64::from(self.warmup_weeks);
        let days = local_datetime(self.time_zone, at)
            .date()
            .signed_duration_since(local_datetime(self.time_zone, started).date())
            .num_days();
        match u64::try_from(days / 7) {
            Ok(week) if days >= 0 && week < weeks => {
                let ramped = (u64::from(self.daily_cap) * (week + 1)).div_ceil(weeks);
                u32::try_from(ramped.max(1)).unwrap_or(self.daily_cap)
            }
            _ => self.daily_cap,
        }
    }

    /// A gap drawn from a uniform sample `unit` in `[0, 1)`: `min_gap + (max_gap - min_gap) *
    /// unit`, the product rounded down to whole milliseconds, so it lies in `[min_gap,
    /// max_gap]`. Samples outside `[0, 1)` are clamped into it, and NaN counts as 0. The caller
    /// owns the randomness, which keeps this function deterministic.
    pub fn gap(&self, unit: f64) -> Duration {
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, BELOW_ONE)
        };
        let span_ms = self
            .max_gap
            .checked_sub(&self.min_gap)
            .map_or(0, |span| span.num_milliseconds().max(0));
        // `as` saturates; the product lies in [0, span_ms] up to rounding, and `min` restores that.
        let offset_ms = ((span_ms as f64 * unit).floor() as i64).min(span_ms);
        Duration::try_milliseconds(offset_ms)
            .and_then(|offset| self.min_gap.checked_add(&offset))
            .unwrap_or(self.max_gap)
    }
}

/// What the database knows about an account's recent sends.
#[derive(Clone, Debug, Default)]
pub struct PacingState {
    /// Send times, ascending, covering at least the last 25 hours before `now` (older ones may
    /// be present and are ignored).
    pub recent_sends: Vec<DateTime<Utc>>,
    /// No send before this instant (last send + drawn gap).
    pub next_send_at: Option<DateTime<Utc>>,
    /// The account is paused until then (provider rate-limit signal).
    pub paused_until: Option<DateTime<Utc>>,
}

/// The earliest instant `>= now` at which one more send is allowed, so that the worker can sleep
/// until then instead of polling. A send at `t` is allowed when `t` is not before `next_send_at`
/// or `paused_until`, lies inside the local window, there are fewer than `hourly_cap` sends in
/// `(t - 60 min, t]`, and fewer than `daily_cap_at(t)` sends on `t`'s local calendar day. Returns
/// `now` itself when a send is allowed now.
///
/// Each rule, when broken at a candidate, moves the candidate forward to the first instant that
/// rule could allow; the rules are applied in turn until a candidate satisfies all of them. This
/// converges because caps of at least 1 are always satisfiable: every hourly move lands on
/// `s + 60 min` for a later send `s` than the previous one, every daily move lands on a later
/// local day that holds sends, `next_send_at` and `paused_until` bind once, and a window move
/// follows only the first pass or an hourly move. So at most `3 * sends + 4` passes change the
/// candidate; the loop is bounded by that with room to spare.
///
/// Limits, all far from practice: caps of 0 (rejected by [`PacingPolicy::validate`]) count as
/// 1, and an invalid window makes the result unspecified though still `>= now`. Times within
/// 30 days of chrono's range ends (about 262,000 years away) are not paced. In a zone whose
/// clocks go back across window_end, the window's brief reopening is not used. A day is the span
/// from one local midnight to the next, which differs from the calendar date only in zones whose
/// clocks once went back across midnight.
pub fn earliest_send(
    policy: &PacingPolicy,
    state: &PacingState,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let (floor, ceiling) = pacing_range();
    if now > ceiling {
        return now;
    }
    let sends: Cow<'_, [DateTime<Utc>]> = if state.recent_sends.is_sorted() {
        Cow::Borrowed(&state.recent_sends)
    } else {
        let mut sorted = state.recent_sends.clone();
        sorted.sort_unstable();
        Cow::Owned(sorted)
    };
    let hourly_cap = usize::try_from(policy.hourly_cap.max(1)).unwrap_or(usize::MAX);
    let max_passes = sends.len().saturating_mul(3).saturating_add(16);
    let mut t = now.max(floor);
    for _ in 0..max_passes {
        let mut c = t;
        for bound in [state.next_send_at, state.paused_until]
            .into_iter()
            .flatten()
        {
            c = c.max(bound);
        }
        c = into_window(policy, c.min(ceiling));
        c = after_hourly_cap(&sends, hourly_cap, c);
        c = after_daily_cap(policy, &sends, c).min(ceiling);
        if c == t {
            return t;
        }
        t = c;
    }
    t
}

/// The instants this module paces: chrono's range less [`RANGE_MARGIN`] at each end.
fn pacing_range() -> (DateTime<Utc>, DateTime<Utc>) {
    (
        DateTime::<Utc>::MIN_UTC + RANGE_MARGIN,
        DateTime::<Utc>::MAX_UTC - RANGE_MARGIN,
    )
}

/// The wall-clock reading of `t` in `tz`; `t` is first clamped into [`pacing_range`], where the
/// conversion cannot overflow.
fn local_datetime(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    let (floor, ceiling) = pacing_range();
    t.clamp(floor, ceiling).with_timezone(&tz).naive_local()
}

/// Whether a local time of day lies in the policy's window.
fn in_window(policy: &PacingPolicy, time: NaiveTime) -> bool {
    policy.window_start <= time && time < policy.window_end
}

/// The instants whose wall-clock reading in `tz` is `local`, as (earliest, latest); both are the
/// same unless clocks went back. When `local` was skipped by clocks going forward, the first
/// reading after it is used instead (stepping whole minutes, on which every modern transition
/// falls). Should no reading exist within two days, `local` is read with the offset in force
/// around it.
fn resolve_local(tz: Tz, local: NaiveDateTime) -> (DateTime<Utc>, DateTime<Utc>) {
    let both = |r: LocalResult<DateTime<Tz>>| match r {
        LocalResult::Single(t) => Some((t.with_timezone(&Utc), t.with_timezone(&Utc))),
        LocalResult::Ambiguous(a, b) => Some((a.with_timezone(&Utc), b.with_timezone(&Utc))),
        LocalResult::None => None,
    };
    if let Some(found) = both(tz.from_local_datetime(&local)) {
        return found;
    }
    let minute = local
        .with_second(0)
        .and_then(|m| m.with_nanosecond(0))
        .unwrap_or(local);
    (1..=MAX_SKIPPED_MINUTES)
        .find_map(|m| both(tz.from_local_datetime(&(minute + Duration::minutes(m)))))
        .unwrap_or_else(|| {
            let offset = tz.offset_from_utc_datetime(&local).fix();
            let t = Utc.from_utc_datetime(&(local - offset));
            (t, t)
        })
}

/// `t` when it lies in the window, otherwise the window's next opening.
pub(crate) fn into_window(policy: &PacingPolicy, t: DateTime<Utc>) -> DateTime<Utc> {
    let local = local_datetime(policy.time_zone, t);
    if in_window(policy, local.time()) {
        t
    } else {
        next_opening(policy, local.date(), t)
    }
}

/// The first window opening later than `t`, on local day `from` or after. Should none be found
/// (only an empty window, which validation rejects), a day later, so the search moves on.
fn next_opening(policy: &PacingPolicy, from: NaiveDate, t: DateTime<Utc>) -> DateTime<Utc> {
    let tz = policy.time_zone;
    from.iter_days()
        .take(WINDOW_SEARCH_DAYS)
        .find_map(|day| {
            let (earliest, latest) = resolve_local(tz, day.and_time(policy.window_start));
            [earliest, latest]
                .into_iter()
                .find(|c| *c > t && in_window(policy, local_datetime(tz, *c).time()))
        })
        .unwrap_or(t + Duration::days(1))
}

/// `t` when fewer than `cap` sends lie in `(t - 60 min, t]`, otherwise the instant the oldest
/// send that must leave that window leaves it. `cap` is at least 1.
pub(crate) fn after_hourly_cap(
    sends: &[DateTime<Utc>],
    cap: usize,
    t: DateTime<Utc>,
) -> DateTime<Utc> {
    let from = sends.partition_point(|s| *s <= t - HOUR);
    let to = sends.partition_point(|s| *s <= t);
    let last_hour = sends.get(from..to).unwrap_or_default();
    match last_hour.len().checked_sub(cap) {
        Some(leaving) => last_hour.get(leaving).map_or(t, |s| *s + HOUR),
        None => t,
    }
}

/// Where `t`'s local day in `tz` begins and where the next one begins: the span the daily cap
/// counts.
pub(crate) fn local_day(tz: Tz, t: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = local_datetime(tz, t).date();
    // `local_datetime` keeps a month away from chrono's range end: there is a next day.
    let tomorrow = today.succ_opt().unwrap_or(today);
    let (day_start, _) = resolve_local(tz, today.and_time(NaiveTime::MIN));
    let (day_end, _) = resolve_local(tz, tomorrow.and_time(NaiveTime::MIN));
    (day_start, day_end)
}

/// `t` when fewer than the daily cap of sends lie on `t`'s local day, otherwise the window's
/// first opening on a later day.
pub(crate) fn after_daily_cap(
    policy: &PacingPolicy,
    sends: &[DateTime<Utc>],
    t: DateTime<Utc>,
) -> DateTime<Utc> {
    let tz = policy.time_zone;
    let today = local_datetime(tz, t).date();
    let Some(tomorrow) = today.succ_opt() else {
        return t;
    };
    let (day_start, day_end) = local_day(tz, t);
    let sent_today = sends
        .partition_point(|s| *s < day_end)
        .saturating_sub(sends.partition_point(|s| *s < day_start));
    let cap = usize::try_from(policy.daily_cap_at(t).max(1)).unwrap_or(usize::MAX);
    if sent_today < cap {
        t
    } else {
        next_opening(policy, tomorrow, t)
    }
}

#[cfg(test)]
mod tests;
