//! The enrichment job's handler.

use revos_app::enrichment::EnrichLead;
use revos_app::{App, AppError};
use revos_jobs::{JobContext, JobError, Outcome};

pub(crate) async fn run(job: EnrichLead, _ctx: JobContext, app: App) -> Result<Outcome, JobError> {
    match app.enrich_lead(job.tenant, job.lead).await {
        Ok(outcome) => {
            tracing::debug!(lead = %job.lead, ?outcome, "lead enriched");
            Ok(Outcome::Done)
        }
        Err(AppError::Provider(e)) => Err(crate::provider_failure(e, false)),
        Err(AppError::NotFound(what)) => Err(JobError::Permanent(format!("{what} not found"))),
        Err(e) => Err(JobError::retry(e.to_string())),
    }
}
