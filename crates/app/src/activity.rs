//! A workspace's activity as it happens: the newest events after a cursor, for the web app's
//! live updates.

use crate::{App, Principal, Result};
use revos_store::events;
pub use revos_store::events::EventRow;
use uuid::Uuid;

impl App {
    /// The id of the caller's workspace's newest event: where a live feed starts.
    pub async fn latest_event_id(&self, who: &Principal) -> Result<Option<Uuid>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let id = events::latest_id(&mut tx, who.tenant).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The caller's workspace's events after `cursor`, oldest first, at most `limit`.
    pub async fn events_after(
        &self,
        who: &Principal,
        cursor: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<EventRow>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = events::after(&mut tx, who.tenant, cursor, limit).await?;
        tx.commit().await?;
        Ok(rows)
    }
}
