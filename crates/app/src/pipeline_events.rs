//! The events every pipeline step appends (`lead_scraped`, `lead_enriched`, `dm_queued`,
//! `dm_sent`, `magnet_opened`, `dm_replied`, `email_sequenced`, `email_not_sequenced`, `email_bounced`,
//! `email_sequence_stopped`, `email_replied`, `opted_out`, `provider_error`, `dm_skipped`), in one shape
//! the timeline reads: the lead is the subject, and the data carries the campaign, the lead
//! and the cost in US dollars. The cost is also written to the event's own column, which the
//! campaign's funnel sums.

use crate::Result;
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_store::{Tx, events};
use uuid::Uuid;

/// One step of one lead, to append as an event.
pub struct Step {
    /// The event kind.
    pub kind: &'static str,
    /// The campaign, when the step belongs to one.
    pub campaign: Option<Uuid>,
    /// The lead.
    pub lead: Option<Uuid>,
    /// What it cost, in US dollars.
    pub cost: f64,
    /// Anything else worth keeping (merged into the data).
    pub extra: serde_json::Value,
}

impl Step {
    /// A step that cost nothing and carries nothing else.
    pub fn new(kind: &'static str, campaign: Option<Uuid>, lead: Uuid) -> Self {
        Self {
            kind,
            campaign,
            lead: Some(lead),
            cost: 0.0,
            extra: serde_json::Value::Null,
        }
    }
}

/// Appends `step` in the caller's transaction.
pub async fn append(tx: &mut Tx, tenant: TenantId, step: Step, at: DateTime<Utc>) -> Result<()> {
    let mut data = serde_json::json!({
        "campaign_id": step.campaign, "lead_id": step.lead, "cost": step.cost,
    });
    if let (Some(data), serde_json::Value::Object(extra)) = (data.as_object_mut(), step.extra) {
        data.extend(extra);
    }
    let cost = (step.cost != 0.0).then_some(step.cost);
    events::append_with_cost(
        tx,
        tenant,
        step.kind,
        step.campaign,
        step.lead,
        &data.to_string(),
        cost,
        at,
    )
    .await?;
    Ok(())
}

impl crate::App {
    /// Appends a `provider_error` event (a failed call of a job about a lead), so failures
    /// show in the lead's timeline and the tenant's activity; the job retries on its own.
    /// The message is the public one (class and status), never the provider's answer.
    pub async fn record_provider_error(
        &self,
        tenant: TenantId,
        campaign: Option<Uuid>,
        lead: Uuid,
        error: &revos_providers::ProviderError,
    ) -> Result<()> {
        let mut tx = self.store.begin_for(tenant).await?;
        let mut step = Step::new("provider_error", campaign, lead);
        step.extra = serde_json::json!({
            "provider": error.provider, "status": error.status, "type": error.provider_type,
            "transient": error.is_transient(), "message": error.public_message(),
        });
        append(&mut tx, tenant, step, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }
}
