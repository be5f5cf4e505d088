//! The email fallback job's handler.

use revos_app::App;
use revos_app::email_fallback::SequenceEmail;
use revos_jobs::{JobContext, JobError, Outcome};

pub(crate) async fn run(
    job: SequenceEmail,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    match app.sequence_email(&job).await {
        Ok(outcome) => {
            tracing::debug!(lead = %job.lead, ?outcome, "email fallback done");
            Ok(Outcome::Done)
        }
        Err(e) => {
            Err(
                crate::lead_job_failure(&app, (job.tenant, Some(job.campaign), job.lead), e, false)
                    .await,
            )
        }
    }
}
