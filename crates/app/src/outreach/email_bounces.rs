//! Bounces. An Instantly or Smartlead bounce event, received on the workspace's own webhook
//! URL, records the address as bounced for that workspace (whatever lead or campaign it
//! belongs to), marks every lead with that address `bounced`, and stops its sequencing: each
//! campaign that sequenced such a lead gets a job telling its provider to stop the address
//! (Instantly removes the lead unless it stopped it itself; Smartlead pauses it). No later
//! fallback sequences the address ([`crate::outreach::email_fallback`] checks the bounce record).

use crate::outreach::replies::WebhookReport;
use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Result};
use revos_domain::TenantId;
use revos_domain::campaign::EmailProvider;
use revos_domain::lead::LeadStage;
use revos_jobs::Job;
use revos_providers::email::{EmailBounce, Stopped};
use revos_store::email_bounces::{self, NewBounce};
use revos_store::leads;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The job that tells a campaign's sequencer to stop a lead whose address bounced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StopEmailSequence {
    /// The tenant.
    pub tenant: TenantId,
    /// The campaign that sequenced the lead.
    pub campaign: Uuid,
    /// The lead.
    pub lead: Uuid,
}

impl Job for StopEmailSequence {
    type Context = crate::App;
    const KIND: &'static str = "email.stop";
    const QUEUE: &'static str = "email";
    const MAX_ATTEMPTS: u32 = 8;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(format!("{}:{}", self.campaign, self.lead))
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        match app.stop_email_sequence(&self).await {
            Ok(outcome) => {
                tracing::debug!(lead = %self.lead, ?outcome, "email sequence stopped");
                Ok(revos_jobs::Outcome::Done)
            }
            Err(e) => {
                let about = crate::job_failure::LeadJob {
                    tenant: self.tenant,
                    campaign: Some(self.campaign),
                    lead: self.lead,
                };
                Err(app.lead_job_error(about, e, false).await)
            }
        }
    }
}

/// The name a sequencer is stored under.
fn provider_name(provider: EmailProvider) -> &'static str {
    match provider {
        EmailProvider::Instantly => "instantly",
        EmailProvider::Smartlead => "smartlead",
        EmailProvider::Sandbox => "sandbox",
    }
}

impl App {
    /// Handles a bounce event of `provider` received on `tenant`'s own webhook URL. The
    /// first delivery of an address's bounce is recorded; a repeated one (or a bounce of the
    /// same address in another campaign) changes nothing.
    pub async fn email_bounce(
        &self,
        tenant: TenantId,
        provider: EmailProvider,
        bounce: &EmailBounce,
    ) -> Result<WebhookReport> {
        let now = self.now();
        let email = bounce.email.trim().to_lowercase();
        let mut tx = self.store.begin_for(tenant).await?;
        let fresh = email_bounces::record(
            &mut tx,
            tenant,
            &NewBounce {
                email: &email,
                provider: provider_name(provider),
                provider_campaign_id: bounce.campaign_id.as_deref(),
            },
            now,
        )
        .await?;
        let found = email_bounces::mark_leads(&mut tx, tenant, &email, now).await?;
        for lead in &found {
            for (campaign, _) in leads::stages(&mut tx, tenant, *lead).await? {
                // Under the stage lock: a fallback deciding right now commits first, and its
                // sequenced lead is stopped too.
                let stage = leads::lock_stage(&mut tx, tenant, campaign, *lead).await?;
                if stage == Some(LeadStage::EmailSequenced) {
                    let job = StopEmailSequence {
                        tenant,
                        campaign,
                        lead: *lead,
                    };
                    revos_jobs::enqueue(&mut tx, &job, now, now).await?;
                }
            }
            if fresh {
                let mut step = Step::new("email_bounced", None, *lead);
                step.extra = serde_json::json!({
                    "provider": provider, "provider_campaign_id": bounce.campaign_id,
                });
                pipeline_events::append(&mut tx, tenant, step, now).await?;
            }
        }
        tx.commit().await?;
        tracing::info!(%tenant, leads = found.len(), fresh, "email bounce");
        Ok(WebhookReport {
            recorded: u32::from(fresh),
            ignored: u32::from(!fresh),
        })
    }

    /// Tells the sequencer of the job's campaign to stop the lead's address, and records
    /// what it said as an `email_sequence_stopped` event.
    pub async fn stop_email_sequence(&self, job: &StopEmailSequence) -> Result<Stopped> {
        let tenant = job.tenant;
        let (spec, state) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let spec = crate::outreach::context::read(&mut tx, tenant, job.campaign, None)
                .await?
                .row
                .settings;
            let state = email_bounces::email_state(&mut tx, tenant, job.lead)
                .await?
                .ok_or(AppError::NotFound("lead"))?;
            (spec, state)
        };
        let (Some(fallback), Some(email)) = (spec.email_fallback, state.email) else {
            return Ok(Stopped::NotThere);
        };
        let sequencer = self.email_sequencer(tenant, fallback.provider).await?;
        let stopped = sequencer.stop_lead(&fallback.campaign_id, &email).await?;
        let mut tx = self.store.begin_for(tenant).await?;
        let mut step = Step::new("email_sequence_stopped", Some(job.campaign), job.lead);
        step.extra = serde_json::json!({
            "provider": fallback.provider, "reason": "email_bounced",
            "outcome": match stopped {
                Stopped::Stopped => "stopped",
                Stopped::AlreadyStopped => "already_stopped",
                Stopped::NotThere => "not_there",
            },
        });
        pipeline_events::append(&mut tx, tenant, step, self.now()).await?;
        tx.commit().await?;
        Ok(stopped)
    }
}
