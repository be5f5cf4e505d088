//! The handlers of the paced LinkedIn jobs: the DM and the public comment reply.

use revos_app::App;
use revos_app::comment_reply::{ReplyOutcome, ReplyToComment};
use revos_app::dm::{DmOutcome, SendDm};
use revos_jobs::{JobContext, JobError, Outcome};

pub(crate) async fn run(job: SendDm, _ctx: JobContext, app: App) -> Result<Outcome, JobError> {
    match app.send_dm(&job).await {
        // No paced slot free: the job waits for one without using up an attempt.
        Ok(DmOutcome::NotBefore(at)) => Ok(Outcome::Snooze(at)),
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

pub(crate) async fn reply(
    job: ReplyToComment,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    match app.reply_to_comment(&job).await {
        Ok(ReplyOutcome::NotBefore(at)) => Ok(Outcome::Snooze(at)),
        Ok(outcome) => {
            tracing::debug!(lead = %job.lead, ?outcome, "comment reply job done");
            Ok(Outcome::Done)
        }
        // A 429 pauses the account like a DM's; other failures are retried with backoff.
        Err(e) => {
            Err(
                crate::lead_job_failure(&app, (job.tenant, Some(job.campaign), job.lead), e, true)
                    .await,
            )
        }
    }
}
