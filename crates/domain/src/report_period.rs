//! The periods an analytics question can name ("last month", "the last 7 days", explicit
//! dates) as a half-open range of UTC instants, computed from today's date.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A named period, relative to today (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportPeriod {
    /// Today.
    Today,
    /// The last 7 days, today included.
    Last7Days,
    /// The last 30 days, today included.
    Last30Days,
    /// The current calendar month so far.
    ThisMonth,
    /// The previous calendar month.
    LastMonth,
    /// Everything, ever.
    AllTime,
    /// From `from` to `to` (inclusive dates), given separately.
    Custom,
}

/// A half-open range of instants `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Bounds {
    /// The first instant in the period.
    pub from: DateTime<Utc>,
    /// The first instant after it.
    pub to: DateTime<Utc>,
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The first day of the month of `d`.
pub fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The first day of the month after the one of `d`.
pub fn next_month(d: NaiveDate) -> NaiveDate {
    let first = month_start(d);
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(first)
}

impl ReportPeriod {
    /// The period's instants, `today` being the current UTC date. `Custom` takes its inclusive
    /// dates from `custom` (which the caller has validated: `from <= to`).
    pub fn bounds(self, today: NaiveDate, custom: Option<(NaiveDate, NaiveDate)>) -> Bounds {
        let tomorrow = midnight(today + Duration::days(1));
        let (from, to) = match self {
            ReportPeriod::Today => (midnight(today), tomorrow),
            ReportPeriod::Last7Days => (midnight(today - Duration::days(6)), tomorrow),
            ReportPeriod::Last30Days => (midnight(today - Duration::days(29)), tomorrow),
            ReportPeriod::ThisMonth => (midnight(month_start(today)), tomorrow),
            ReportPeriod::LastMonth => {
                let this = month_start(today);
                let last = month_start(this - Duration::days(1));
                (midnight(last), midnight(this))
            }
            ReportPeriod::AllTime => (DateTime::<Utc>::MIN_UTC, tomorrow),
            ReportPeriod::Custom => {
                let (a, b) = custom.unwrap_or((today, today));
                (midnight(a), midnight(b + Duration::days(1)))
            }
        };
        Bounds { from, to }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_are_half_open_ranges_of_days() {
        let today = d(2027, 1, 15);
        let b = ReportPeriod::LastMonth.bounds(today, None);
        assert_eq!(
            (b.from, b.to),
            (midnight(d(2026, 12, 1)), midnight(d(2027, 1, 1)))
        );
        let b = ReportPeriod::Last7Days.bounds(today, None);
        assert_eq!(
            (b.from, b.to),
            (midnight(d(2027, 1, 9)), midnight(d(2027, 1, 16)))
        );
        let b = ReportPeriod::ThisMonth.bounds(today, None);
        assert_eq!(b.from, midnight(d(2027, 1, 1)));
        let b = ReportPeriod::Custom.bounds(today, Some((d(2026, 3, 1), d(2026, 3, 31))));
        assert_eq!(
            (b.from, b.to),
            (midnight(d(2026, 3, 1)), midnight(d(2026, 4, 1)))
        );
        assert_eq!(next_month(d(2026, 12, 31)), d(2027, 1, 1));
    }
}
