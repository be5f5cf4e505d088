//! The DM job's handler.

use revos_app::dm::{DmOutcome, SendDm};
use revos_app::{App, AppError};
use revos_jobs::{JobContext, JobError, Outcome};
use std::time::Duration;

pub(crate) async fn run(job: SendDm, _ctx: JobContext, app: App) -> Result<Outcome, JobError> {
    match app.send_dm(&job).await {
        Ok(DmOutcome::CampaignNotActive) => Err(JobError::Retry {
            message: "the campaign is not active".into(),
            after: Some(Duration::from_secs(1_800)),
        }),
        Ok(outcome) => {
            tracing::debug!(lead = %job.lead, ?outcome, "DM job done");
            Ok(Outcome::Done)
        }
        Err(AppError::Provider(e)) => Err(crate::provider_failure(e, true)),
        Err(AppError::NotFound(what)) => Err(JobError::Permanent(format!("{what} not found"))),
        Err(e) => Err(JobError::retry(e.to_string())),
    }
}
