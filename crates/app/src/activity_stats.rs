//! The dashboard's outreach per day: DMs sent and replies received on each of the last days,
//! read from the workspace's per-day rollup (a row per day the store keeps as events are
//! appended).

use crate::{App, Principal, Result};
use revos_domain::ValidationErrors;
use revos_domain::activity::{self, DailyActivity};
use revos_store::events;

/// The longest window [`App::daily_activity`] counts.
pub const MAX_DAYS: u32 = 366;

impl App {
    /// DMs sent and replies received per UTC day over the last `days` days (today included),
    /// oldest first, every day listed. Any member of the workspace may read it.
    pub async fn daily_activity(&self, who: &Principal, days: u32) -> Result<Vec<DailyActivity>> {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(ValidationErrors::single(
                "days",
                format!("must be between 1 and {MAX_DAYS}"),
            )
            .into());
        }
        let today = self.now().date_naive();
        let first = activity::window_start(today, days);
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = events::dm_activity_per_day(&mut tx, who.tenant, first).await?;
        tx.commit().await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(activity::per_day(
            today,
            days,
            rows.iter().flat_map(|r| {
                [
                    (activity::DM_SENT, r.day, n(r.dm_sent)),
                    (activity::DM_REPLIED, r.day, n(r.replied)),
                ]
            }),
        ))
    }
}
