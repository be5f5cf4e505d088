//! Housekeeping that keeps the database lean; run from cron by the workers.

use crate::outreach::monitor::MonitorCampaign;
use crate::{App, Result};
use revos_jobs::Job;
use revos_store::{jobs, paced_actions, sessions, webhook_deliveries};

/// How long finished jobs and cron slot records are kept.
const JOB_RETENTION: chrono::Duration = chrono::Duration::days(7);

/// How long finished monitor passes are kept: 200 campaigns make 576,000 a day, which
/// would otherwise stay a week.
const PASS_RETENTION: chrono::Duration = chrono::Duration::days(1);

/// How long outgoing-webhook deliveries that ended (delivered or failed) are kept in the
/// delivery log, with their attempts: long enough to debug a receiver or redeliver.
pub const WEBHOOK_RETENTION: chrono::Duration = chrono::Duration::days(30);

/// How many finished jobs one delete removes at most (one short transaction each).
pub const PRUNE_BATCH: i64 = 5000;

/// What one housekeeping round removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    /// Expired login sessions.
    pub sessions: u64,
    /// Succeeded and cancelled jobs past their retention (a week; a day for monitor passes).
    pub jobs: u64,
    /// Cron slot records older than a week.
    pub cron_runs: u64,
    /// Paced action records older than three days (no cap or gap looks back that far).
    pub paced_actions: u64,
    /// Outgoing-webhook deliveries that ended more than [`WEBHOOK_RETENTION`] ago (their
    /// attempts went with them).
    pub webhook_deliveries: u64,
}

impl HousekeepingReport {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.sessions + self.jobs + self.cron_runs + self.paced_actions + self.webhook_deliveries
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
        let pruned = self.prune_finished_jobs(PRUNE_BATCH).await?;
        let webhook_deliveries = self.prune_webhook_deliveries(PRUNE_BATCH).await?;
        let mut tx = self.store.begin_system().await?;
        let report = HousekeepingReport {
            sessions: sessions::purge_expired(&mut tx, now).await?,
            jobs: pruned,
            cron_runs: jobs::prune_cron_runs(&mut tx, now - JOB_RETENTION).await?,
            paced_actions: paced_actions::prune(&mut tx, now - chrono::Duration::days(3)).await?,
            webhook_deliveries,
        };
        tx.commit().await?;
        Ok(report)
    }

    /// Deletes the outgoing-webhook deliveries that ended more than [`WEBHOOK_RETENTION`]
    /// ago, with their attempts, `batch` at a time, each batch in a transaction of its own.
    /// Returns how many deliveries.
    pub async fn prune_webhook_deliveries(&self, batch: i64) -> Result<u64> {
        let before = self.now() - WEBHOOK_RETENTION;
        let mut total = 0;
        loop {
            let mut tx = self.store.begin_system().await?;
            let n = webhook_deliveries::prune_finished(&mut tx, before, batch).await?;
            tx.commit().await?;
            total += n;
            if n == 0 || n < u64::try_from(batch).unwrap_or(0) {
                return Ok(total);
            }
        }
    }

    /// Deletes the succeeded and cancelled jobs older than the retention (monitor passes
    /// older than a day), `batch` at a time, each batch in a transaction of its own, until
    /// none is left. Returns how many.
    pub async fn prune_finished_jobs(&self, batch: i64) -> Result<u64> {
        let now = self.now();
        let mut total = 0;
        for kind in [Some(MonitorCampaign::KIND), None] {
            loop {
                let mut tx = self.store.begin_system().await?;
                let n = match kind {
                    Some(kind) => {
                        jobs::prune_finished_of_kind(&mut tx, kind, now - PASS_RETENTION, batch)
                            .await?
                    }
                    None => jobs::prune_finished(&mut tx, now - JOB_RETENTION, batch).await?,
                };
                tx.commit().await?;
                total += n;
                if n == 0 || n < u64::try_from(batch).unwrap_or(0) {
                    break;
                }
            }
        }
        Ok(total)
    }
}
