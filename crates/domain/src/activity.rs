//! Outreach figures: the event kinds of a DM that went out and of a reply, and the reply rate
//! every report and the dashboard compute from them. (The reports lay a period's days out
//! with [`crate::date_range::DateRange::each_day`].)

/// The event kind recorded when a DM went out.
pub const DM_SENT: &str = "dm_sent";
/// The event kind recorded when a lead answered a DM.
pub const DM_REPLIED: &str = "dm_replied";

/// Replies divided by DMs sent, `None` when no DM went out.
pub fn reply_rate(replied: u64, dm_sent: u64) -> Option<f64> {
    (dm_sent > 0).then(|| replied as f64 / dm_sent as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_rate_needs_a_dm() {
        assert_eq!(reply_rate(3, 0), None);
        assert_eq!(reply_rate(1, 4), Some(0.25));
    }
}
