//! The date range a report covers and the previous period it is compared with: whole UTC
//! calendar days, `from` to `to` inclusive (the same days the dashboard's per-day rollup and
//! the `analytics_query` periods count in), at most [`MAX_DAYS`] long. Parsed from the
//! `from`/`to`/`preset` query parameters, each mistake naming its parameter.

use crate::report_period::{Bounds, month_start};
use crate::validation::ValidationErrors;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::Serialize;

/// The longest range a report covers, in days (a leap year).
pub const MAX_DAYS: i64 = 366;

/// How many days the range covers when neither dates nor a preset are given.
pub const DEFAULT_DAYS: i64 = 30;

/// A named range, relative to today (UTC): one click in the range picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The last 7 days, today included.
    #[serde(rename = "7d")]
    Last7Days,
    /// The last 30 days, today included.
    #[serde(rename = "30d")]
    Last30Days,
    /// The current calendar month so far.
    ThisMonth,
    /// The previous calendar month: the one an agency sends its client.
    LastMonth,
}

impl Preset {
    /// Every preset, in the picker's order.
    pub const ALL: [Preset; 4] = [
        Preset::Last7Days,
        Preset::Last30Days,
        Preset::ThisMonth,
        Preset::LastMonth,
    ];

    /// The value of the `preset` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Last7Days => "7d",
            Preset::Last30Days => "30d",
            Preset::ThisMonth => "this_month",
            Preset::LastMonth => "last_month",
        }
    }

    /// The picker's label.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Last7Days => "Last 7 days",
            Preset::Last30Days => "Last 30 days",
            Preset::ThisMonth => "This month",
            Preset::LastMonth => "Last month",
        }
    }

    /// The preset named `raw`, if any.
    pub fn parse(raw: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    /// Its days, `today` being the current UTC date.
    pub fn range(self, today: NaiveDate) -> DateRange {
        let (from, to) = match self {
            Preset::Last7Days => (today - Duration::days(6), today),
            Preset::Last30Days => (today - Duration::days(29), today),
            Preset::ThisMonth => (month_start(today), today),
            Preset::LastMonth => {
                let last = month_start(today) - Duration::days(1);
                (month_start(last), last)
            }
        };
        DateRange { from, to }
    }
}

/// Whole UTC days from `from` to `to`, both included; never empty, never longer than
/// [`MAX_DAYS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

impl DateRange {
    /// The range `from..=to`; the error names `to` when it is before `from` and `from` when
    /// the range is longer than [`MAX_DAYS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, ValidationErrors> {
        if to < from {
            return Err(ValidationErrors::single("to", "must not be before from"));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(ValidationErrors::single(
                "from",
                format!("the range may cover at most {MAX_DAYS} days"),
            ));
        }
        Ok(Self { from, to })
    }

    /// The range a request names: a `preset` when given (it wins, being the button pressed),
    /// else both `from` and `to` (`YYYY-MM-DD`), else the last [`DEFAULT_DAYS`] days. Empty
    /// parameters count as absent (a plain form sends its empty fields).
    pub fn from_query(
        from: Option<&str>,
        to: Option<&str>,
        preset: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|s| !s.is_empty())
        }
        if let Some(raw) = given(preset) {
            return Preset::parse(raw).map(|p| p.range(today)).ok_or_else(|| {
                ValidationErrors::single("preset", "must be 7d, 30d, this_month or last_month")
            });
        }
        let date = |field: &str, raw: &str| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| ValidationErrors::single(field, "must be a date written YYYY-MM-DD"))
        };
        match (given(from), given(to)) {
            (None, None) => Ok(Self {
                from: today - Duration::days(DEFAULT_DAYS - 1),
                to: today,
            }),
            (Some(_), None) => Err(ValidationErrors::single("to", "is required with from")),
            (None, Some(_)) => Err(ValidationErrors::single("from", "is required with to")),
            (Some(a), Some(b)) => Self::new(date("from", a)?, date("to", b)?),
        }
    }

    /// The first day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day (included).
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// How many days it covers.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same length that ends the day before this one starts.
    pub fn previous(&self) -> DateRange {
        let to = self.from - Duration::days(1);
        DateRange {
            from: to - Duration::days(self.days() - 1),
            to,
        }
    }

    /// Its instants, `[from 00:00 UTC, the day after to 00:00 UTC)`.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            from: midnight(self.from),
            to: midnight(self.to + Duration::days(1)),
        }
    }

    /// Every day of it, in order.
    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }

    /// The preset this range equals today, if any (to mark the picker's button).
    pub fn preset(&self, today: NaiveDate) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.range(today) == *self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn field(e: ValidationErrors) -> String {
        e.0[0].field.clone()
    }

    #[test]
    fn presets_are_whole_days_up_to_today() {
        let today = d(2027, 3, 15);
        let r = Preset::LastMonth.range(today);
        assert_eq!(
            (r.from(), r.to(), r.days()),
            (d(2027, 2, 1), d(2027, 2, 28), 28)
        );
        let r = Preset::Last7Days.range(today);
        assert_eq!((r.from(), r.to()), (d(2027, 3, 9), today));
        assert_eq!(Preset::ThisMonth.range(today).from(), d(2027, 3, 1));
        assert_eq!(Preset::Last30Days.range(today).days(), 30);
        let jan = Preset::LastMonth.range(d(2027, 1, 1));
        assert_eq!((jan.from(), jan.to()), (d(2026, 12, 1), d(2026, 12, 31)));
        assert_eq!(jan.preset(d(2027, 1, 1)), Some(Preset::LastMonth));
        for p in Preset::ALL {
            assert_eq!(Preset::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let r = DateRange::new(d(2027, 3, 1), d(2027, 3, 31)).unwrap();
        let p = r.previous();
        assert_eq!(
            (p.from(), p.to(), p.days()),
            (d(2027, 1, 29), d(2027, 2, 28), 31)
        );
        let one = DateRange::new(d(2027, 3, 1), d(2027, 3, 1)).unwrap();
        assert_eq!(one.previous().from(), d(2027, 2, 28));
        assert_eq!(one.previous().days(), 1);
        let b = one.bounds();
        assert_eq!((b.to - b.from).num_hours(), 24);
        assert_eq!(one.each_day().count(), 1);
        assert_eq!(r.each_day().count(), 31);
    }

    #[test]
    fn a_query_names_the_parameter_it_cannot_use() {
        let today = d(2027, 3, 15);
        let q = |f: &str, t: &str, p: &str| DateRange::from_query(Some(f), Some(t), Some(p), today);
        assert_eq!(
            field(q("2027-13-01", "2027-03-02", "").unwrap_err()),
            "from"
        );
        assert_eq!(field(q("2027-03-01", "tomorrow", "").unwrap_err()), "to");
        assert_eq!(field(q("2027-03-02", "2027-03-01", "").unwrap_err()), "to");
        assert_eq!(
            field(q("2025-01-01", "2027-03-01", "").unwrap_err()),
            "from"
        );
        assert_eq!(field(q("", "2027-03-01", "").unwrap_err()), "from");
        assert_eq!(field(q("2027-03-01", " ", "").unwrap_err()), "to");
        assert_eq!(field(q("", "", "yesterday").unwrap_err()), "preset");
        // 366 days is allowed; 367 is not.
        assert!(q("2027-01-01", "2028-01-01", "").is_ok());
        assert!(q("2027-01-01", "2028-01-02", "").is_err());
        let r = q("2027-03-01", "2027-03-10", "").unwrap();
        assert_eq!(r.days(), 10);
        let preset = q("bad", "worse", "last_month").unwrap();
        assert_eq!(preset, Preset::LastMonth.range(today));
        let default = DateRange::from_query(None, None, None, today).unwrap();
        assert_eq!((default.to(), default.days()), (today, DEFAULT_DAYS));
    }
}
