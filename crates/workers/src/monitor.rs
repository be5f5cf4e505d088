//! The comment monitor's jobs: the 30 s poll of every active campaign, and one campaign's pass.

use revos_app::monitor::{MonitorCampaign, PollCampaigns};
use revos_app::{App, AppError};
use revos_jobs::{JobContext, JobError, Outcome};

pub(crate) async fn run(
    job: MonitorCampaign,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    match app.monitor_campaign_job(job.tenant, job.campaign).await {
        Ok(report) => {
            if report.new_leads > 0 {
                tracing::info!(campaign = %job.campaign, new_leads = report.new_leads, "new leads");
            }
            Ok(Outcome::Done)
        }
        Err(AppError::Provider(e)) => Err(crate::provider_failure(e, false)),
        Err(AppError::NotFound(what)) => Err(JobError::Permanent(format!("{what} not found"))),
        Err(e) => Err(JobError::retry(e.to_string())),
    }
}

pub(crate) async fn poll(
    _job: PollCampaigns,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    app.poll_campaigns()
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    Ok(Outcome::Done)
}
