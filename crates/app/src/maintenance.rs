//! Housekeeping that keeps the database lean; run from cron by the workers.

use crate::outreach::monitor::MonitorCampaign;
use crate::{App, Result};
use revos_jobs::Job;
use revos_store::{jobs, paced_actions, sessions};

/// How long finished jobs and cron slot records are kept.
const JOB_RETENTION: chrono::Duration = chrono::Duration::days(7);

/// How long finished monitor passes are kept: 200 campaigns make 576,000 a day, which
/// would otherwise stay a week.
const PASS_RETENTION: chrono::Duration = chrono::Duration::days(1);

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
        let pruned = self.prune_finished_jobs(PRUNE_BATCH).await?;
        let mut tx = self.store.begin_system().await?;
        let report = HousekeepingReport {
            sessions: sessions::purge_expired(&mut tx, now).await?,
            jobs: pruned,
            cron_runs: jobs::prune_cron_runs(&mut tx, now - JOB_RETENTION).await?,
            paced_actions: paced_actions::prune(&mut tx, now - chrono::Duration::days(3)).await?,
        };
        tx.commit().await?;
        Ok(report)
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
