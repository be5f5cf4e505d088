//! How a person enters a campaign, whoever found them (a comment on a watched post, a CSV
//! import): the membership, the lead's first event, its enrichment job and its first DM,
//! all in the caller's transaction, so a lead is in a campaign with its jobs or not at all.
//! Every way in goes through [`enter_campaign`], so what a campaign does to a new lead is
//! decided here once.

use crate::Result;
use crate::outreach::dm::SendDm;
use crate::outreach::enrichment::EnrichLead;
use crate::outreach::requeue;
use crate::pipeline_events::{self, Step};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use revos_store::{Tx, leads};
use uuid::Uuid;

/// Who enters which campaign, through which account, found by which comment (if any).
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The workspace.
    pub tenant: TenantId,
    /// The campaign.
    pub campaign: Uuid,
    /// The lead (not on the do-not-contact list: the caller checked).
    pub lead: Uuid,
    /// The LinkedIn account the campaign's DM goes through.
    pub account: Uuid,
    /// The comment that made them a lead, if a comment did.
    pub comment: Option<Uuid>,
}

/// Adds the lead to the campaign and queues its enrichment and the DM of the sequence's
/// `first_step`; false (and nothing written) when it was in the campaign already.
pub async fn enter_campaign(
    tx: &mut Tx,
    e: Entry,
    first_step: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let joined = leads::join_campaign(
        tx,
        e.tenant,
        e.campaign,
        e.lead,
        e.comment,
        LeadStage::Scraped,
        now,
    )
    .await?;
    if !joined {
        return Ok(false);
    }
    // The lead's first event, recorded before the DM's `dm_queued` of the same instant: the
    // timeline orders events of one instant as they were recorded.
    let step = Step::new("lead_scraped", Some(e.campaign), e.lead);
    pipeline_events::append(tx, e.tenant, step, now).await?;
    // Enrichment runs first (its own queue, higher priority); the DM waits for its
    // account's pacing and checks the connection itself.
    let enrich = EnrichLead {
        tenant: e.tenant,
        lead: e.lead,
        campaign: Some(e.campaign),
    };
    revos_jobs::enqueue(tx, &enrich, now, now).await?;
    let dm = SendDm {
        tenant: e.tenant,
        campaign: e.campaign,
        lead: e.lead,
        account: e.account,
        step: None,
    };
    requeue::dm(tx, &dm, first_step, now).await?;
    Ok(true)
}
