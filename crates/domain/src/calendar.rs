//! The content calendar's rules: which dates a calendar request may span, how a wall-clock
//! time in a LinkedIn account's time zone becomes an instant (a time skipped by clocks going
//! forward is refused; one repeated by clocks going back is its earliest reading), and the
//! best posting times learnt from the workspace's published posts, counted per UTC hour of the
//! week by the store and shifted here into the account's zone.

use crate::ValidationErrors;
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::Serialize;

/// The longest span a calendar request may cover, in days (two months and a bit: a month
/// view with its leading and trailing weeks).
pub const MAX_RANGE_DAYS: i64 = 62;

/// Published posts with counts needed before best posting times are suggested.
pub const MIN_POSTS_FOR_BEST_TIMES: i64 = 5;

/// How many best slots are suggested.
pub const BEST_SLOTS: usize = 3;

/// Hours in a week: the buckets best times are counted in.
pub const HOURS_PER_WEEK: u32 = 168;

/// Reads an IANA time zone name for `field`.
pub fn parse_zone(field: &str, raw: &str) -> Result<Tz, ValidationErrors> {
    raw.trim().parse::<Tz>().map_err(|_| {
        ValidationErrors::single(
            field,
            "must be an IANA time zone such as Europe/Berlin or UTC",
        )
    })
}

/// The years a calendar date or a local time may fall in: far from the ends of chrono's
/// range, so that day arithmetic and time zone lookups never overflow.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// Reads a `YYYY-MM-DD` date for `field`.
pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, ValidationErrors> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
        .ok_or_else(|| ValidationErrors::single(field, "must be a date like 2026-12-09"))
}

/// The days a calendar shows, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

impl DateRange {
    /// Checks `from` and `to` (both `YYYY-MM-DD`, both required): `to` not before `from`, at
    /// most [`MAX_RANGE_DAYS`] days in all. Each error names its field.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, ValidationErrors> {
        let mut errors = Vec::new();
        let mut read = |field: &str, raw: Option<&str>| match raw {
            None => {
                errors.push(ValidationErrors::single(field, "is required (YYYY-MM-DD)"));
                None
            }
            Some(raw) => parse_date(field, raw).map_err(|e| errors.push(e)).ok(),
        };
        let (from, to) = (read("from", from), read("to", to));
        let (Some(from), Some(to)) = (from, to) else {
            return Err(ValidationErrors(
                errors.into_iter().flat_map(|e| e.0).collect(),
            ));
        };
        Self::new(from, to)
    }

    /// The range from `from` to `to`, checked as [`DateRange::parse`] checks it.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, ValidationErrors> {
        if to < from {
            return Err(ValidationErrors::single("to", "must not be before from"));
        }
        if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
            return Err(ValidationErrors::single(
                "to",
                format!("the range may span at most {MAX_RANGE_DAYS} days"),
            ));
        }
        Ok(Self { from, to })
    }

    /// The instants the range covers in `tz`: from the start of its first day to the start of
    /// the day after its last, `[start, end)`.
    pub fn instants(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let after = self.to.succ_opt().unwrap_or(self.to);
        (day_start(tz, self.from), day_start(tz, after))
    }
}

/// When local day `day` begins in `tz` (the first instant whose local date it is).
pub fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // Some zones skip midnight itself; the day then begins at the first minute that exists.
    (0..=180)
        .find_map(
            |m| match tz.from_local_datetime(&(midnight + Duration::minutes(m))) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    Some(t.with_timezone(&Utc))
                }
                LocalResult::None => None,
            },
        )
        .unwrap_or_else(|| midnight.and_utc())
}

/// Reads a local date and time (`2026-12-09T09:30`, seconds optional) for `field`.
pub fn parse_local(field: &str, raw: &str) -> Result<NaiveDateTime, ValidationErrors> {
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .filter(|t| YEARS.contains(&t.year()))
        .ok_or_else(|| {
            ValidationErrors::single(field, "must be a local date and time like 2026-12-09T09:30")
        })
}

/// The instant at which clocks in `tz` read `local`. A reading that never happens (skipped
/// when clocks go forward) is refused naming `field`; one that happens twice (clocks going
/// back) is its earliest.
pub fn local_instant(
    field: &str,
    tz: Tz,
    local: NaiveDateTime,
) -> Result<DateTime<Utc>, ValidationErrors> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(ValidationErrors::single(
            field,
            format!(
                "{} does not exist in {tz}: the clocks go forward then; pick a later time",
                local.format("%Y-%m-%d %H:%M")
            ),
        )),
    }
}

/// What `t` reads on the clocks of `tz`.
pub fn local_reading(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// The published posts of one UTC hour of the week, as the store counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourCounts {
    /// 0 is Sunday 00:00–00:59 UTC, 167 Saturday 23:00–23:59 UTC.
    pub utc_hour_of_week: u32,
    /// Published posts with counts in that hour.
    pub posts: i64,
    /// Their reactions and comments, summed.
    pub engagement: i64,
}

/// One suggested posting slot, in the account's time zone.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BestSlot {
    /// The weekday, lower case (`monday` … `sunday`).
    pub weekday: &'static str,
    /// The hour it starts at, 0 to 23, in the time zone.
    pub hour: u32,
    /// Published posts seen in that slot.
    pub posts: i64,
    /// Their reactions and comments per post.
    pub engagement_per_post: f64,
}

/// The best posting times, or why there are none yet.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BestTimes {
    /// The time zone the slots are in.
    pub time_zone: String,
    /// Published posts with counts that were looked at.
    pub posts: i64,
    /// Posts needed before slots are suggested.
    pub min_posts: i64,
    /// Whether there were enough.
    pub enough: bool,
    /// Why there are no slots, when there are none.
    pub message: Option<String>,
    /// The best slots, best first (empty unless `enough`).
    pub slots: Vec<BestSlot>,
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// The hour of the week (0 = Sunday 00:00) of a local reading.
pub fn hour_of_week(local: NaiveDateTime) -> u32 {
    local.weekday().num_days_from_sunday() * 24 + chrono::Timelike::hour(&local)
}

/// The best slots from the per-UTC-hour counts: each hour shifted into `tz` by the zone's
/// offset at `now` (one offset for the whole week, a simplification across a DST change),
/// ranked by reactions and comments per post, then by more posts, then by the earlier slot.
/// Fewer than [`MIN_POSTS_FOR_BEST_TIMES`] posts give no slots and say why.
pub fn best_times(counts: &[HourCounts], tz: Tz, now: DateTime<Utc>) -> BestTimes {
    let posts: i64 = counts.iter().map(|c| c.posts).sum();
    let enough = posts >= MIN_POSTS_FOR_BEST_TIMES;
    let offset_minutes = i64::from(
        tz.offset_from_utc_datetime(&now.naive_utc())
            .fix()
            .local_minus_utc(),
    ) / 60;
    let mut local = [(0i64, 0i64); HOURS_PER_WEEK as usize];
    for c in counts
        .iter()
        .filter(|c| c.utc_hour_of_week < HOURS_PER_WEEK)
    {
        let minutes = i64::from(c.utc_hour_of_week) * 60 + offset_minutes;
        let hour = minutes.div_euclid(60).rem_euclid(i64::from(HOURS_PER_WEEK));
        let slot = &mut local[usize::try_from(hour).unwrap_or_default()];
        slot.0 += c.posts;
        slot.1 += c.engagement;
    }
    let mut slots: Vec<BestSlot> = local
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(h, (n, e))| BestSlot {
            weekday: WEEKDAYS[h / 24],
            hour: u32::try_from(h % 24).unwrap_or_default(),
            posts: *n,
            engagement_per_post: *e as f64 / *n as f64,
        })
        .collect();
    slots.sort_by(|a, b| {
        b.engagement_per_post
            .total_cmp(&a.engagement_per_post)
            .then(b.posts.cmp(&a.posts))
    });
    slots.truncate(if enough { BEST_SLOTS } else { 0 });
    BestTimes {
        time_zone: tz.name().to_owned(),
        posts,
        min_posts: MIN_POSTS_FOR_BEST_TIMES,
        enough,
        message: (!enough).then(|| {
            format!(
                "not enough published posts yet: {posts} with counts, {MIN_POSTS_FOR_BEST_TIMES} needed"
            )
        }),
        slots,
    }
}

impl BestSlot {
    /// The slot's hour of the week (0 = Sunday 00:00) in its zone.
    pub fn hour_of_week(&self) -> u32 {
        let day = WEEKDAYS
            .iter()
            .position(|d| *d == self.weekday)
            .unwrap_or(0);
        u32::try_from(day).unwrap_or(0) * 24 + self.hour
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn berlin() -> Tz {
        "Europe/Berlin".parse().unwrap()
    }

    fn local(raw: &str) -> NaiveDateTime {
        parse_local("at", raw).unwrap()
    }

    #[test]
    fn ranges_are_bounded_and_name_their_fields() {
        let r = DateRange::parse(Some("2026-12-01"), Some("2026-12-31")).unwrap();
        assert_eq!(r.from, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let e = DateRange::parse(None, Some("x")).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["from", "to"]);
        let e = DateRange::parse(Some("2026-12-02"), Some("2026-12-01")).unwrap_err();
        assert_eq!(e.0[0].field, "to");
        assert!(DateRange::parse(Some("2026-01-01"), Some("2026-03-03")).is_ok());
        let e = DateRange::parse(Some("2026-01-01"), Some("2026-03-04")).unwrap_err();
        assert_eq!(e.0[0].field, "to");
        assert!(e.0[0].message.contains("62"));
    }

    #[test]
    fn a_range_covers_whole_local_days() {
        let r = DateRange::parse(Some("2026-03-29"), Some("2026-03-29")).unwrap();
        let (start, end) = r.instants(berlin());
        assert_eq!(start.to_rfc3339(), "2026-03-28T23:00:00+00:00");
        // The day clocks go forward is 23 hours long.
        assert_eq!(end.to_rfc3339(), "2026-03-29T22:00:00+00:00");
    }

    #[test]
    fn local_times_become_instants_across_dst() {
        let tz = berlin();
        let winter = local_instant("local_at", tz, local("2026-12-09T09:30")).unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-12-09T08:30:00+00:00");
        let summer = local_instant("local_at", tz, local("2026-07-01T09:30")).unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-01T07:30:00+00:00");
        // 02:30 on 29 March 2026 never happens in Berlin.
        let e = local_instant("local_at", tz, local("2026-03-29T02:30")).unwrap_err();
        assert_eq!(e.0[0].field, "local_at");
        assert!(e.0[0].message.contains("does not exist"), "{e:?}");
        // 02:30 on 25 October 2026 happens twice: the earliest (still summer time) is taken.
        let twice = local_instant("local_at", tz, local("2026-10-25T02:30")).unwrap();
        assert_eq!(twice.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        assert_eq!(
            local_reading(tz, twice).time(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap()
        );
    }

    #[test]
    fn bad_zones_and_local_times_name_their_field() {
        assert_eq!(parse_zone("tz", "Mars/Base").unwrap_err().0[0].field, "tz");
        assert_eq!(parse_zone("tz", " Europe/Berlin ").unwrap(), berlin());
        assert_eq!(
            parse_local("local_at", "tomorrow").unwrap_err().0[0].field,
            "local_at"
        );
        assert_eq!(local("2026-12-09 09:30"), local("2026-12-09T09:30:00"));
        // Dates far from today are refused before any arithmetic could overflow.
        assert_eq!(
            parse_date("from", "+262142-12-31").unwrap_err().0[0].field,
            "from"
        );
        assert!(parse_date("from", "0001-01-01").is_err());
        assert!(parse_local("local_at", "10000-01-01T00:00").is_err());
    }

    fn counts(rows: &[(u32, i64, i64)]) -> Vec<HourCounts> {
        rows.iter()
            .map(|&(h, posts, engagement)| HourCounts {
                utc_hour_of_week: h,
                posts,
                engagement,
            })
            .collect()
    }

    #[test]
    fn too_few_posts_give_no_slots_and_say_so() {
        let now = local("2026-12-07T12:00").and_utc();
        let b = best_times(&counts(&[(10, 4, 100)]), berlin(), now);
        assert!(!b.enough);
        assert!(b.slots.is_empty());
        assert!(
            b.message
                .unwrap()
                .starts_with("not enough published posts yet"),
        );
    }

    #[test]
    fn slots_are_ranked_per_post_and_shifted_into_the_zone() {
        // Monday 08:00 UTC (hour 32): 2 posts, 40 engagement = 20 per post.
        // Tuesday 17:00 UTC (hour 65): 1 post, 30 = 30 per post.
        // Saturday 23:00 UTC (hour 167): 2 posts, 10 = 5 per post: Sunday 00:00 in Berlin.
        let winter = local("2026-12-07T12:00").and_utc();
        let b = best_times(
            &counts(&[(32, 2, 40), (65, 1, 30), (167, 2, 10)]),
            berlin(),
            winter,
        );
        assert!(b.enough);
        assert_eq!(b.posts, 5);
        assert_eq!(b.time_zone, "Europe/Berlin");
        let got: Vec<_> = b
            .slots
            .iter()
            .map(|s| (s.weekday, s.hour, s.posts))
            .collect();
        assert_eq!(
            got,
            [("tuesday", 18, 1), ("monday", 9, 2), ("sunday", 0, 2)]
        );
        assert_eq!(b.slots[0].engagement_per_post, 30.0);
        assert_eq!(b.slots[0].hour_of_week(), 2 * 24 + 18);
        // In summer Berlin is two hours ahead.
        let summer = local("2026-07-01T12:00").and_utc();
        let b = best_times(&counts(&[(32, 5, 40)]), berlin(), summer);
        assert_eq!((b.slots[0].weekday, b.slots[0].hour), ("monday", 10));
        // West of UTC, Sunday 01:00 UTC is Saturday evening.
        let ny: Tz = "America/New_York".parse().unwrap();
        let b = best_times(&counts(&[(1, 5, 40)]), ny, winter);
        assert_eq!((b.slots[0].weekday, b.slots[0].hour), ("saturday", 20));
    }

    #[test]
    fn hours_of_the_week_start_on_sunday() {
        assert_eq!(hour_of_week(local("2026-12-06T00:10")), 0); // a Sunday
        assert_eq!(hour_of_week(local("2026-12-07T09:00")), 33); // Monday
        assert_eq!(hour_of_week(local("2026-12-12T23:59")), 167); // Saturday
    }
}
