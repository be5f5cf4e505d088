//! What a campaign will do next, for the people watching it: its LinkedIn account's pacing
//! (caps, gaps, next send time, pause), the DMs waiting in the job queue with their due
//! times, and the leads waiting for a DM or for a connection. Any member of the workspace may
//! read it, like the campaign itself.

use crate::accounts::Account;
use crate::leads::{Lead, LeadFilter};
use crate::outreach::dm::SendDm;
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::PageRequest;
use revos_domain::lead::LeadStage;
use revos_jobs::Job;
use revos_store::{campaign_queue as store, lead_queries};
use serde::Serialize;
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
    /// The pacing and the queue of a campaign of the workspace; 404 for any other campaign.
    pub async fn campaign_queue(&self, who: &Principal, campaign: Uuid) -> Result<CampaignQueue> {
        let spec = self.get_campaign(who, campaign).await?.spec;
        let account = match self.get_account(who, spec.linkedin_account_id).await {
            Ok(a) => Some(a),
            Err(AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows =
            store::live_jobs_of_campaign(&mut tx, who.tenant, SendDm::KIND, campaign, SHOWN.into())
                .await?;
        let mut queued_dms = Vec::with_capacity(rows.len());
        for row in rows {
            let Ok(job) = serde_json::from_str::<SendDm>(&row.payload) else {
                continue;
            };
            if job.campaign != campaign || job.tenant != who.tenant {
                continue;
            }
            let lead_name = lead_queries::get(&mut tx, who.tenant, job.lead)
                .await?
                .map(|l| l.name)
                .unwrap_or_default();
            queued_dms.push(QueuedDm {
                job_id: row.id,
                lead_id: job.lead,
                lead_name,
                state: row.state,
                run_at: row.run_at,
                attempts: row.attempts,
            });
        }
        drop(tx);
        let at_stage = |stage| LeadFilter {
            campaign_id: Some(campaign),
            stage: Some(stage),
            ..LeadFilter::default()
        };
        let page = PageRequest {
            limit: SHOWN,
            after: None,
        };
        let dm_queued = self
            .list_campaign_leads(who, campaign, &at_stage(LeadStage::DmQueued), page)
            .await?
            .items;
        let awaiting_connection = self
            .list_campaign_leads(
                who,
                campaign,
                &at_stage(LeadStage::AwaitingConnection),
                page,
            )
            .await?
            .items;
        Ok(CampaignQueue {
            account,
            queued_dms,
            dm_queued,
            awaiting_connection,
        })
    }
}
