//! Housekeeping: keeps the database lean. Runs from cron on one process at a time.

use revos_app::{App, AppError};
use revos_domain::TenantId;
use revos_jobs::{Job, JobContext, JobError, Outcome};
use serde::{Deserialize, Serialize};

/// Workspaces whose analytics shipper one round wakes at most.
const ANALYTICS_SWEEP_MAX: i64 = 10_000;

/// Deletes expired sessions, finished jobs older than a week, old cron slot records and send
/// records that no longer count towards any pacing cap, and wakes the analytics shipper of
/// every workspace whose outbox still holds events (a wake-up lost to a race is late by one
/// period at most, never lost).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Housekeeping;

impl Job for Housekeeping {
    type Context = App;
    const KIND: &'static str = "system.housekeeping";
    const QUEUE: &'static str = "system";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        None
    }

    async fn run(self, _ctx: JobContext, app: &App) -> Result<Outcome, JobError> {
        let report = app
            .housekeeping()
            .await
            .map_err(AppError::into_sweep_error)?;
        if report.total() > 0 {
            tracing::info!(?report, "housekeeping done");
        }
        app.wake_analytics_shippers(ANALYTICS_SWEEP_MAX)
            .await
            .map_err(AppError::into_sweep_error)?;
        Ok(Outcome::Done)
    }
}
