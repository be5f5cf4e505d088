//! An account's pacing as the pages show it, shared by the account page and the campaign page:
//! the caps in force today (after warm-up), what is used of them, the next send in the
//! account's own time and in UTC, and a sentence saying why sending waits.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use minijinja::{Value, context};
use revos_app::accounts::Account;
use revos_domain::pacing_status::WaitingReason;

/// `t` on the account's wall clock, with its zone, and in UTC when the zone is another:
/// `2026-06-02 08:00 Europe/Berlin (06:00 UTC)`.
pub(super) fn local_when(t: DateTime<Utc>, zone: &str) -> String {
    let utc = t.format("%Y-%m-%d %H:%M UTC").to_string();
    match zone.parse::<Tz>() {
        Ok(tz) if tz != Tz::UTC => format!(
            "{} {zone} ({})",
            t.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            t.format("%H:%M UTC")
        ),
        _ => utc,
    }
}

/// Why the account's next DM waits, in words, with until when.
fn waiting_sentence(a: &Account) -> String {
    let p = &a.pacing;
    let dm = &a.effective_limits.dm;
    let until = a
        .waiting_until
        .map(|t| local_when(t, &p.time_zone))
        .unwrap_or_default();
    match a.waiting_reason {
        WaitingReason::Ready => "Ready: the next DM may go now.".to_owned(),
        WaitingReason::Paused if revos_app::accounts::paused_until_resumed(a) => {
            "Paused: nothing is sent until someone resumes the account.".to_owned()
        }
        WaitingReason::Paused => format!("Paused after a provider limit signal until {until}."),
        WaitingReason::WarmingUp => format!(
            "Warming up: today's cap of {} DMs is used up; sending resumes at {until}.",
            dm.daily_cap
        ),
        WaitingReason::DailyCap => format!(
            "Today's cap of {} DMs is used up; sending resumes at {until}.",
            dm.daily_cap
        ),
        WaitingReason::HourlyCap => format!(
            "The hourly cap of {} DMs is used up; a slot frees at {until}.",
            dm.hourly_cap
        ),
        WaitingReason::OutsideWindow => format!(
            "Outside the sending window ({}–{} {}); it opens at {until}.",
            p.window_start, p.window_end, p.time_zone
        ),
        WaitingReason::Gap => format!("Keeping the gap after the last DM until {until}."),
    }
}

/// What a page shows of `a`'s pacing now.
pub(super) fn pacing_now(a: &Account) -> Value {
    let dm = &a.effective_limits.dm;
    context! {
        hourly_cap => dm.hourly_cap, daily_cap => dm.daily_cap,
        configured_daily_cap => dm.configured_daily_cap, warming_up => dm.warming_up,
        sent_last_hour => dm.sent_last_hour, sent_today => dm.sent_today,
        remaining_this_hour => dm.remaining_this_hour, remaining_today => dm.remaining_today,
        next_send => local_when(a.next_send_at, &a.pacing.time_zone),
        next_send_iso => a.next_send_at.to_rfc3339(),
        reason => a.waiting_reason.as_str(), waiting => waiting_sentence(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_on_the_accounts_clock_and_in_utc() {
        let t: DateTime<Utc> = "2026-06-02T06:00:00Z".parse().unwrap();
        assert_eq!(
            local_when(t, "Europe/Berlin"),
            "2026-06-02 08:00 Europe/Berlin (06:00 UTC)"
        );
        assert_eq!(local_when(t, "UTC"), "2026-06-02 06:00 UTC");
        assert_eq!(local_when(t, "Mars/Olympus"), "2026-06-02 06:00 UTC");
    }
}
