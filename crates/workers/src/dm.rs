//! The DM job's handler.

use revos_app::App;
use revos_app::dm::SendDm;
use revos_jobs::{JobContext, JobError, Outcome};

pub(crate) async fn run(job: SendDm, _ctx: JobContext, app: App) -> Result<Outcome, JobError> {
    match app.send_dm(&job).await {
        // Not sent because the campaign is paused: the DM stays queued; resuming requeues it.
        Ok(outcome) => {
            tracing::debug!(lead = %job.lead, ?outcome, "DM job done");
            Ok(Outcome::Done)
        }
        Err(e) => {
            Err(
                crate::lead_job_failure(&app, (job.tenant, Some(job.campaign), job.lead), e, true)
                    .await,
            )
        }
    }
}
