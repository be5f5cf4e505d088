//! Housekeeping: keeps the database lean. Runs from cron on one process at a time.

use revos_app::{App, AppError};
use revos_domain::TenantId;
use revos_jobs::{Job, JobContext, JobError, Outcome};
use serde::{Deserialize, Serialize};

/// Deletes expired sessions, finished jobs older than a week, old cron slot records and send
/// records that no longer count towards any pacing cap.
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
        Ok(Outcome::Done)
    }
}
