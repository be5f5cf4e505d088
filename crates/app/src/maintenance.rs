//! Housekeeping that keeps the database lean; run from cron by the workers.

use crate::{App, Result};
use revos_store::{jobs, paced_actions, sessions};

/// What one housekeeping round removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    /// Expired login sessions.
    pub sessions: u64,
    /// Succeeded and cancelled jobs older than a week.
    pub jobs: u64,
    /// Cron slot records older than a week.
    pub cron_runs: u64,
    /// Paced action records older than three days (no cap or gap looks back that far).
    pub paced_actions: u64,
}

impl HousekeepingReport {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.sessions + self.jobs + self.cron_runs + self.paced_actions
    }
}

impl App {
    /// Deletes expired login sessions of every tenant. Returns how many were removed.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let mut tx = self.store.begin_system().await?;
        let n = sessions::purge_expired(&mut tx, self.now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// One housekeeping round across all tenants.
    pub async fn housekeeping(&self) -> Result<HousekeepingReport> {
        let now = self.now();
        let mut tx = self.store.begin_system().await?;
        let report = HousekeepingReport {
            sessions: sessions::purge_expired(&mut tx, now).await?,
            jobs: jobs::prune_finished(&mut tx, now - chrono::Duration::days(7)).await?,
            cron_runs: jobs::prune_cron_runs(&mut tx, now - chrono::Duration::days(7)).await?,
            paced_actions: paced_actions::prune(&mut tx, now - chrono::Duration::days(3)).await?,
        };
        tx.commit().await?;
        Ok(report)
    }
}
