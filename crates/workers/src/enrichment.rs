//! The enrichment job's handler.

use revos_app::App;
use revos_app::enrichment::EnrichLead;
use revos_jobs::{JobContext, JobError, Outcome};

pub(crate) async fn run(job: EnrichLead, _ctx: JobContext, app: App) -> Result<Outcome, JobError> {
    match app.enrich_lead(job.tenant, job.lead, job.campaign).await {
        Ok(outcome) => {
            tracing::debug!(lead = %job.lead, ?outcome, "lead enriched");
            Ok(Outcome::Done)
        }
        Err(e) => {
            Err(crate::lead_job_failure(&app, (job.tenant, job.campaign, job.lead), e, false).await)
        }
    }
}
