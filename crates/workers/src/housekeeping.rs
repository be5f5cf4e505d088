//! Housekeeping: keeps the database lean. Runs from cron on one process at a time.

use revos_app::App;
use revos_domain::TenantId;
use revos_jobs::{Job, JobContext, JobError, Outcome};
use serde::{Deserialize, Serialize};

/// Deletes expired sessions, finished jobs older than a week, old cron slot records and send
/// records that no longer count towards any pacing cap.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Housekeeping;

impl Job for Housekeeping {
    const KIND: &'static str = "system.housekeeping";
    const QUEUE: &'static str = "system";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        None
    }
}

pub(crate) async fn run(
    _job: Housekeeping,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    let report = app
        .housekeeping()
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    if report.total() > 0 {
        tracing::info!(?report, "housekeeping done");
    }
    Ok(Outcome::Done)
}
