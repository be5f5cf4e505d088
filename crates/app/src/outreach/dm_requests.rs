//! DMs asked for by a person or an agent rather than by the comment monitor: the preview of a
//! campaign's DM for one lead (nothing sent), and queueing it through the same exactly-once
//! path the monitor uses, so pacing, the one-DM-per-campaign-and-lead rule and the
//! do-not-contact list all still apply.

use crate::outreach::context;
use crate::outreach::dm::SendDm;
use crate::outreach::requeue::{self, Queued};
use crate::{App, AppError, Principal, Result};
use revos_domain::campaign::{CampaignStatus, DmValues, render};
use revos_store::{lead_queries, leads};
use serde::Serialize;
use uuid::Uuid;

/// A campaign's DM rendered for one lead.
#[derive(Clone, Debug, Serialize)]
pub struct DmDraft {
    /// The campaign.
    pub campaign_id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// The lead's name.
    pub lead_name: String,
    /// The text the lead would receive.
    pub body: String,
}

/// A DM put in the send queue.
#[derive(Clone, Debug, Serialize)]
pub struct QueuedDm {
    /// The campaign.
    pub campaign_id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// The campaign's status: only an active campaign sends; a paused one sends on resume.
    pub campaign_status: CampaignStatus,
}

impl App {
    /// Renders a campaign's DM for one of its workspace's leads; nothing is recorded or sent.
    pub async fn draft_dm(&self, who: &Principal, campaign: Uuid, lead: Uuid) -> Result<DmDraft> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let spec = context::read(&mut tx, who.tenant, campaign, None)
            .await?
            .row
            .settings;
        let row = leads::get(&mut tx, who.tenant, lead)
            .await?
            .ok_or(AppError::NotFound("lead"))?;
        // Rendered after the transaction ends: a template never runs while rows are held.
        drop(tx);
        let values = DmValues::for_lead(&row.name, row.company.as_deref(), &spec.lead_magnet);
        Ok(DmDraft {
            campaign_id: campaign,
            lead_id: lead,
            body: render("dm_template", &spec.dm_template, &values)?,
            lead_name: row.name,
        })
    }

    /// Queues a campaign's DM to one of its leads. Refused (409) when the lead is on the
    /// do-not-contact list, is not in the campaign, already has this campaign's DM, or the
    /// campaign is completed. The send itself is the paced job every DM goes through.
    pub async fn request_dm(
        &self,
        who: &Principal,
        campaign: Uuid,
        lead: Uuid,
    ) -> Result<QueuedDm> {
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let context::CampaignContext { row, .. } =
            context::read(&mut tx, who.tenant, campaign, None).await?;
        let spec = &row.settings;
        let status = row.status;
        if status == CampaignStatus::Completed {
            return Err(AppError::Conflict("the campaign is completed".into()));
        }
        let person = leads::get(&mut tx, who.tenant, lead)
            .await?
            .ok_or(AppError::NotFound("lead"))?;
        if person.do_not_contact {
            return Err(AppError::Conflict(
                "this lead is on the do-not-contact list".into(),
            ));
        }
        let in_campaign = lead_queries::campaigns_of(&mut tx, who.tenant, lead)
            .await?
            .iter()
            .any(|c| c.campaign_id == campaign);
        if !in_campaign {
            return Err(AppError::Conflict(
                "this lead is not in the campaign".into(),
            ));
        }
        let job = SendDm {
            tenant: who.tenant,
            campaign,
            lead,
            account: spec.linkedin_account_id,
            step: None,
        };
        match requeue::dm(&mut tx, &job, spec.first_step_id(), now).await? {
            Queued::Yes => {}
            Queued::AlreadyHasDm => {
                return Err(AppError::Conflict(
                    "this lead already has this campaign's DM".into(),
                ));
            }
            Queued::PastDm => {
                return Err(AppError::Conflict(
                    "this lead replied or opted out in this campaign; no DM is sent".into(),
                ));
            }
        }
        tx.commit().await?;
        Ok(QueuedDm {
            campaign_id: campaign,
            lead_id: lead,
            campaign_status: status,
        })
    }
}
