//! An account row's pacing columns read as the domain's policy and caps, once, here: the
//! queue paces by them and the pages show them, so both read them the same way.

use crate::linkedin_accounts::AccountRow;
use chrono::{DateTime, NaiveTime, Utc};
use revos_domain::paced_action::{ActionCaps, DEFAULT_REPLY_CAPS, KindCaps};
use revos_domain::pacing::PacingPolicy;
use std::str::FromStr;

impl AccountRow {
    /// The DM pacing policy stored with the account; fields that fail to parse fall back to
    /// the defaults (the API validates them on the way in).
    pub fn pacing(&self) -> PacingPolicy {
        let d = PacingPolicy::default();
        let secs = |s: i64| chrono::Duration::seconds(s.max(0));
        PacingPolicy {
            hourly_cap: u32::try_from(self.hourly_cap)
                .unwrap_or(d.hourly_cap)
                .max(1),
            daily_cap: u32::try_from(self.daily_cap).unwrap_or(d.daily_cap).max(1),
            min_gap: secs(self.min_gap_seconds),
            max_gap: secs(self.max_gap_seconds.max(self.min_gap_seconds)),
            window_start: NaiveTime::parse_from_str(&self.window_start, "%H:%M")
                .unwrap_or(d.window_start),
            window_end: NaiveTime::parse_from_str(&self.window_end, "%H:%M")
                .unwrap_or(d.window_end),
            time_zone: chrono_tz::Tz::from_str(&self.time_zone).unwrap_or(d.time_zone),
            warmup_started_at: self.warmup_started_at,
            warmup_weeks: u32::try_from(self.warmup_weeks).unwrap_or(d.warmup_weeks),
        }
    }

    /// The caps of every action kind stored with the account: DMs by [`AccountRow::pacing`],
    /// public comment replies by their own columns.
    pub fn caps(&self) -> ActionCaps {
        let dm = self.pacing();
        let cap = |v: i64, fallback: u32| u32::try_from(v).unwrap_or(fallback).max(1);
        ActionCaps {
            dm: KindCaps {
                hourly_cap: dm.hourly_cap,
                daily_cap: dm.daily_cap,
            },
            comment_reply: KindCaps {
                hourly_cap: cap(self.reply_hourly_cap, DEFAULT_REPLY_CAPS.hourly_cap),
                daily_cap: cap(self.reply_daily_cap, DEFAULT_REPLY_CAPS.daily_cap),
            },
        }
    }

    /// The DM pacing policy exactly as the row's columns say, for checking an edit before it
    /// is stored: an unreadable field reads as zero (or UTC, or midnight) so that validation
    /// names it, and a ramp not yet started starts `now`.
    pub fn pacing_as_written(&self, now: DateTime<Utc>) -> PacingPolicy {
        let seconds = |v: i64| chrono::Duration::seconds(i64::from(u32::try_from(v).unwrap_or(0)));
        PacingPolicy {
            hourly_cap: u32::try_from(self.hourly_cap).unwrap_or(0),
            daily_cap: u32::try_from(self.daily_cap).unwrap_or(0),
            min_gap: seconds(self.min_gap_seconds),
            max_gap: seconds(self.max_gap_seconds),
            window_start: NaiveTime::parse_from_str(&self.window_start, "%H:%M")
                .unwrap_or_default(),
            window_end: NaiveTime::parse_from_str(&self.window_end, "%H:%M").unwrap_or_default(),
            time_zone: chrono_tz::Tz::from_str(&self.time_zone).unwrap_or(chrono_tz::UTC),
            warmup_started_at: self.warmup_started_at.or(Some(now)),
            warmup_weeks: u32::try_from(self.warmup_weeks).unwrap_or(0),
        }
    }
}
