//! Housekeeping that keeps the database lean; run periodically by `revos worker`.

use crate::{App, Result};

impl App {
    /// Deletes expired login sessions of every tenant. Returns how many were removed.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        tx.scope_system().await?;
        let n = revos_store::sessions::purge_expired(&mut tx, self.now()).await?;
        tx.commit().await?;
        Ok(n)
    }
}
