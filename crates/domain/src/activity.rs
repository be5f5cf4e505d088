//! A workspace's outreach per day: how many DMs went out and how many leads answered on each
//! UTC calendar day, for the dashboard's chart. The database counts per day; laying the
//! counts out over the window is pure so the day boundaries
//! and the empty days can be tested without a database.

use chrono::{Days, NaiveDate};
use serde::Serialize;

/// The event kind recorded when a DM went out.
pub const DM_SENT: &str = "dm_sent";
/// The event kind recorded when a lead answered a DM.
pub const DM_REPLIED: &str = "dm_replied";

/// One UTC day of outreach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DailyActivity {
    /// The day, in UTC.
    pub date: NaiveDate,
    /// DMs sent that day.
    pub dm_sent: u64,
    /// Replies received that day.
    pub replied: u64,
}

/// The first day of a window of `days` days ending with `today` (inclusive).
pub fn window_start(today: NaiveDate, days: u32) -> NaiveDate {
    today
        .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
        .unwrap_or(NaiveDate::MIN)
}

/// Lays `counts` (kind, UTC day, how many events of that kind that day — as a grouped query
/// returns them) out over the `days` days ending with `today`, oldest first, every day listed
/// (zeros included). Days outside the window and kinds other than [`DM_SENT`] and
/// [`DM_REPLIED`] are ignored.
pub fn per_day<'a>(
    today: NaiveDate,
    days: u32,
    counts: impl IntoIterator<Item = (&'a str, NaiveDate, u64)>,
) -> Vec<DailyActivity> {
    let first = window_start(today, days);
    let mut out: Vec<DailyActivity> = first
        .iter_days()
        .take_while(|d| *d <= today)
        .map(|date| DailyActivity {
            date,
            dm_sent: 0,
            replied: 0,
        })
        .collect();
    for (kind, day, n) in counts {
        if day < first || day > today {
            continue;
        }
        let Ok(i) = usize::try_from((day - first).num_days()) else {
            continue;
        };
        let Some(slot) = out.get_mut(i) else {
            continue;
        };
        match kind {
            DM_SENT => slot.dm_sent += n,
            DM_REPLIED => slot.replied += n,
            _ => {}
        }
    }
    out
}

/// Replies divided by DMs sent, `None` when no DM went out.
pub fn reply_rate(replied: u64, dm_sent: u64) -> Option<f64> {
    (dm_sent > 0).then(|| replied as f64 / dm_sent as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    #[test]
    fn counts_each_utc_day_and_lists_empty_days() {
        let today = NaiveDate::from_ymd_opt(2025, 3, 14).unwrap();
        let events = [
            (DM_SENT, at(2025, 3, 14, 23, 59, 59)),
            (DM_SENT, at(2025, 3, 14, 0, 0, 0)),
            (DM_REPLIED, at(2025, 3, 14, 12, 0, 0)),
            (DM_SENT, at(2025, 3, 13, 23, 59, 59)),
            (DM_SENT, at(2025, 3, 12, 8, 0, 0)),
            ("lead_scraped", at(2025, 3, 14, 9, 0, 0)),
            // Outside the window: the day before the first, and tomorrow.
            (DM_SENT, at(2025, 3, 11, 23, 59, 59)),
            (DM_SENT, at(2025, 3, 15, 0, 0, 0)),
        ];
        let days = per_day(today, 3, events.map(|(k, at)| (k, at.date_naive(), 1)));
        let got: Vec<(String, u64, u64)> = days
            .iter()
            .map(|d| (d.date.to_string(), d.dm_sent, d.replied))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2025-03-12".to_owned(), 1, 0),
                ("2025-03-13".to_owned(), 1, 0),
                ("2025-03-14".to_owned(), 2, 1),
            ]
        );
    }

    #[test]
    fn a_window_has_at_least_one_day() {
        let today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        assert_eq!(per_day(today, 0, []).len(), 1);
        assert_eq!(per_day(today, 14, []).len(), 14);
        assert_eq!(
            window_start(today, 14),
            NaiveDate::from_ymd_opt(2024, 12, 19).unwrap()
        );
    }

    #[test]
    fn reply_rate_needs_a_dm() {
        assert_eq!(reply_rate(3, 0), None);
        assert_eq!(reply_rate(1, 4), Some(0.25));
    }
}
