//! The handlers of the email jobs: the fallback, and stopping a bounced address's sequence.

use revos_app::App;
use revos_app::email_bounces::StopEmailSequence;
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

pub(crate) async fn stop(
    job: StopEmailSequence,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    match app.stop_email_sequence(&job).await {
        Ok(outcome) => {
            tracing::debug!(lead = %job.lead, ?outcome, "email sequence stopped");
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
