//! What a campaign will do next, for the people watching it: its LinkedIn account's pacing
//! (caps, gaps, next send time, pause), the DMs waiting in the job queue with their due
//! times, and the leads waiting for a DM or for a connection. Any member of the workspace may
//! read it, like the campaign itself.

use crate::accounts::Account;
use crate::campaigns::Campaign;
use crate::leads::Lead;
use crate::outreach::dm::SendDm;
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::lead::LeadStage;
use revos_domain::{Page, PageRequest, TenantId};
use revos_jobs::Job;
use revos_store::{Tx, campaign_queue as store, lead_queries};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// How many queued DMs and waiting leads the view lists.
const SHOWN: u32 = 50;

/// A DM job waiting in the queue.
#[derive(Clone, Debug, Serialize)]
pub struct QueuedDm {
    /// The job.
    pub job_id: Uuid,
    /// The lead it writes to.
    pub lead_id: Uuid,
    /// The lead's name.
    pub lead_name: String,
    /// `scheduled`, `running` or `retrying`.
    pub state: String,
    /// When it is due (pacing may move it later).
    pub run_at: DateTime<Utc>,
    /// Attempts so far.
    pub attempts: i64,
}

/// A campaign's account and what is queued next.
#[derive(Clone, Debug, Serialize)]
pub struct CampaignQueue {
    /// The LinkedIn account that sends, with its pacing; `None` when it was removed.
    pub account: Option<Account>,
    /// The DM jobs waiting, soonest first (at most 50).
    pub queued_dms: Vec<QueuedDm>,
    /// Leads whose DM is queued (at most 50, oldest first).
    pub dm_queued: Vec<Lead>,
    /// Leads waiting to become a connection before their DM (at most 50, oldest first).
    pub awaiting_connection: Vec<Lead>,
}

impl App {
    /// The pacing and the queue of `campaign`, a campaign of the workspace its page has just
    /// read (so it is not read again): the DMs' lead names in one query and both lists of
    /// waiting leads in one read transaction.
    pub async fn campaign_queue(
        &self,
        who: &Principal,
        campaign: &Campaign,
    ) -> Result<CampaignQueue> {
        let account = match self
            .get_account(who, campaign.spec.linkedin_account_id)
            .await
        {
            Ok(a) => Some(a),
            Err(AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let tenant = who.tenant;
        let mut tx = self.store.begin_read_for(tenant).await?;
        let rows =
            store::live_jobs_of_campaign(&mut tx, tenant, SendDm::KIND, campaign.id, SHOWN.into())
                .await?;
        let jobs: Vec<(store::QueuedJobRow, SendDm)> = rows
            .into_iter()
            .filter_map(|row| {
                let job = serde_json::from_str::<SendDm>(&row.payload).ok()?;
                (job.campaign == campaign.id && job.tenant == tenant).then_some((row, job))
            })
            .collect();
        let ids: Vec<Uuid> = jobs.iter().map(|(_, job)| job.lead).collect();
        let names: HashMap<Uuid, String> = lead_queries::names_of(&mut tx, tenant, &ids)
            .await?
            .into_iter()
            .collect();
        let queued_dms = jobs
            .into_iter()
            .map(|(row, job)| QueuedDm {
                job_id: row.id,
                lead_id: job.lead,
                lead_name: names.get(&job.lead).cloned().unwrap_or_default(),
                state: row.state,
                run_at: row.run_at,
                attempts: row.attempts,
            })
            .collect();
        let dm_queued = waiting(&mut tx, tenant, campaign.id, LeadStage::DmQueued).await?;
        let awaiting_connection =
            waiting(&mut tx, tenant, campaign.id, LeadStage::AwaitingConnection).await?;
        Ok(CampaignQueue {
            account,
            queued_dms,
            dm_queued,
            awaiting_connection,
        })
    }
}

/// The first leads (at most [`SHOWN`], oldest first) of `campaign` at `stage`.
async fn waiting(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    stage: LeadStage,
) -> Result<Vec<Lead>> {
    let filter = lead_queries::LeadFilter {
        campaign: Some(campaign),
        stage: Some(stage),
        ..lead_queries::LeadFilter::default()
    };
    let page = PageRequest {
        limit: SHOWN,
        after: None,
    };
    let rows = lead_queries::list(tx, tenant, &filter, page).await?;
    Ok(Page::from_rows(rows, page, |r| r.id).items)
}
