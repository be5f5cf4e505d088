//! The DM job's handler.

use revos_app::dm::SendDm;
use revos_app::{App, AppError};
use revos_jobs::{JobContext, JobError, Outcome};

pub(crate) async fn run(job: SendDm, _ctx: JobContext, app: App) -> Result<Outcome, JobError> {
    match app.send_dm(&job).await {
        // Not sent because the campaign is paused: the DM stays queued; resuming requeues it.
        Ok(outcome) => {
            tracing::debug!(lead = %job.lead, ?outcome, "DM job done");
            Ok(Outcome::Done)
        }
        Err(AppError::Provider(e)) => Err(crate::provider_failure(e, true)),
        Err(AppError::NotFound(what)) => Err(JobError::Permanent(format!("{what} not found"))),
        Err(e) => Err(JobError::retry(e.to_string())),
    }
}
