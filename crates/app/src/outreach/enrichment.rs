//! Enriching a lead: Apollo (or the sandbox) by LinkedIn URL, at most once per person per 30
//! days, credits counted per tenant in the events. A failed or empty enrichment never blocks
//! the DM: the DM job does not wait for it.

use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Result};
use revos_domain::TenantId;
use revos_jobs::Job;
use revos_store::leads::{self, Enrichment};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long an enrichment stays fresh.
pub const CACHE_DAYS: i64 = 30;

/// What an enrichment attempt did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnrichOutcome {
    /// Enriched less than 30 days ago: no paid call.
    Cached,
    /// The provider found the person (one credit).
    Found,
    /// The provider had no match (no credit).
    NotFound,
}

/// The job that enriches one lead.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrichLead {
    /// The tenant.
    pub tenant: TenantId,
    /// The lead.
    pub lead: Uuid,
    /// The campaign that found the lead (its funnel carries the cost).
    #[serde(default)]
    pub campaign: Option<Uuid>,
}

impl Job for EnrichLead {
    type Context = crate::App;
    const KIND: &'static str = "lead.enrich";
    const QUEUE: &'static str = "enrichment";
    const PRIORITY: i64 = 10;
    const MAX_ATTEMPTS: u32 = 5;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(self.lead.to_string())
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        match app.enrich_lead(self.tenant, self.lead, self.campaign).await {
            Ok(outcome) => {
                tracing::debug!(lead = %self.lead, ?outcome, "lead enriched");
                Ok(revos_jobs::Outcome::Done)
            }
            Err(e) => {
                let about = crate::job_failure::LeadJob {
                    tenant: self.tenant,
                    campaign: self.campaign,
                    lead: self.lead,
                };
                Err(app.lead_job_error(about, e, false).await)
            }
        }
    }
}

impl App {
    /// Enriches a lead unless it was enriched within [`CACHE_DAYS`].
    pub async fn enrich_lead(
        &self,
        tenant: TenantId,
        lead: Uuid,
        campaign: Option<Uuid>,
    ) -> Result<EnrichOutcome> {
        let (url, enriched_at) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            leads::enrichment_state(&mut tx, tenant, lead)
                .await?
                .ok_or(AppError::NotFound("lead"))?
        };
        let now = self.now();
        if enriched_at.is_some_and(|at| now - at < chrono::Duration::days(CACHE_DAYS)) {
            return Ok(EnrichOutcome::Cached);
        }
        let enricher = self.enricher(tenant).await?;
        let person = match url.as_deref() {
            Some(url) => enricher.enrich(url).await.map_err(AppError::Provider)?,
            None => None,
        };
        let size = person
            .as_ref()
            .and_then(|p| p.company_size)
            .map(|n| n.to_string());
        let found = Enrichment {
            email: person.as_ref().and_then(|p| p.email.as_deref()),
            email_status: person.as_ref().and_then(|p| p.email_status.as_deref()),
            title: person.as_ref().and_then(|p| p.title.as_deref()),
            company: person.as_ref().and_then(|p| p.company.as_deref()),
            industry: person.as_ref().and_then(|p| p.industry.as_deref()),
            company_size: size,
        };
        let mut tx = self.store.begin_for(tenant).await?;
        leads::record_enrichment(&mut tx, tenant, lead, &found, now).await?;
        let credits = u32::from(person.is_some() && url.is_some());
        let mut step = Step::new("lead_enriched", campaign, lead);
        step.cost = revos_domain::costs::enrichment_usd(credits);
        step.extra = serde_json::json!({
            "found": person.is_some(), "credits": credits, "sandbox": enricher.is_sandbox(),
        });
        pipeline_events::append(&mut tx, tenant, step, now).await?;
        tx.commit().await?;
        Ok(if person.is_some() {
            EnrichOutcome::Found
        } else {
            EnrichOutcome::NotFound
        })
    }
}
