//! Sending the DM: exactly once over a provider with no idempotency keys. The DM is recorded
//! before anything is sent (one per campaign and lead, by a unique index), marked `sending`
//! before the provider is called, and a DM found in `sending` (a crash or a timeout) is
//! reconciled by reading the chat before anything is sent again (a DM found sent takes no new
//! paced slot). The send itself runs in a paced slot of its LinkedIn account, taken right
//! before the call.

use crate::comment_reply::{ReplyToComment, queue_reply};
use crate::email_fallback::{SequenceEmail, queue_fallback};
use crate::paced::Paced;
use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Result};
use revos_domain::TenantId;
use revos_domain::campaign::{CampaignSpec, CampaignStatus, DmValues, render};
use revos_domain::lead::{Reconciliation, reconcile};
use revos_domain::paced_action::ActionKind;
use revos_jobs::Job;
use revos_providers::LinkedIn;
use revos_store::{Tx, campaigns, leads, linkedin_accounts, messages};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The job that sends one lead's DM of one campaign.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SendDm {
    /// The tenant.
    pub tenant: TenantId,
    /// The campaign.
    pub campaign: Uuid,
    /// The lead.
    pub lead: Uuid,
    /// Our id of the LinkedIn account that sends it (its pacing applies).
    pub account: Uuid,
}

impl Job for SendDm {
    const KIND: &'static str = "linkedin.send_dm";
    const QUEUE: &'static str = "linkedin";
    const MAX_ATTEMPTS: u32 = 8;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(format!("{}:{}", self.campaign, self.lead))
    }

    fn pacing_account(&self) -> Option<Uuid> {
        Some(self.account)
    }
}

/// What a send attempt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DmOutcome {
    /// The DM went out now.
    Sent,
    /// It had gone out before (found in the chat, or already recorded): nothing sent.
    AlreadySent,
    /// The person is not a first-degree connection: waiting for them to connect.
    AwaitingConnection,
    /// The campaign is not active (or the person opted out): nothing sent; the DM stays
    /// queued and resuming the campaign queues it again.
    CampaignNotActive,
    /// No paced slot of the account is free before then: nothing sent; try again then.
    NotBefore(chrono::DateTime<chrono::Utc>),
}

/// Records the DM and enqueues its job, in the caller's transaction; false when this lead
/// already has one in this campaign.
pub async fn queue_dm(
    tx: &mut Tx,
    job: &SendDm,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    if !messages::insert_dm(tx, job.tenant, job.campaign, job.lead, now).await? {
        return Ok(false);
    }
    revos_jobs::enqueue(tx, job, now, now).await?;
    messages::set_stage(tx, job.tenant, job.campaign, job.lead, "dm_queued", now).await?;
    let step = Step::new("dm_queued", Some(job.campaign), job.lead);
    pipeline_events::append(tx, job.tenant, step, now).await?;
    Ok(true)
}

impl App {
    /// One attempt to send a DM.
    pub async fn send_dm(&self, job: &SendDm) -> Result<DmOutcome> {
        let tenant = job.tenant;
        let (spec, status, account, dm, lead) = {
            let mut tx = self.store.begin_for(tenant).await?;
            let row = campaigns::get(&mut tx, tenant, job.campaign)
                .await?
                .ok_or(AppError::NotFound("campaign"))?;
            let spec = crate::campaigns::parse_spec(&row.settings)?;
            let account = linkedin_accounts::get(&mut tx, tenant, job.account)
                .await?
                .ok_or(AppError::NotFound("LinkedIn account"))?;
            let dm = messages::dm(&mut tx, tenant, job.campaign, job.lead)
                .await?
                .ok_or(AppError::NotFound("DM"))?;
            let lead = leads::get(&mut tx, tenant, job.lead)
                .await?
                .ok_or(AppError::NotFound("lead"))?;
            (spec, row.status, account, dm, lead)
        };
        if dm.status == "sent" {
            return Ok(DmOutcome::AlreadySent);
        }
        let linkedin = self.linkedin_for(tenant, &account.provider).await?;
        let acct = account.provider_account_id.as_str();
        if dm.status == "sending" {
            // The last attempt may have reached LinkedIn: look before sending again.
            let chat = match &dm.provider_chat_id {
                Some(c) => Some(c.clone()),
                None => linkedin.find_chat(acct, &lead.provider_id).await?,
            };
            if let Some(chat) = chat {
                let msgs = linkedin.chat_messages(acct, &chat).await?;
                let found = reconcile(
                    &dm.body,
                    msgs.iter()
                        .map(|m| (m.id.as_str(), m.text.as_str(), m.from_us)),
                );
                if let Reconciliation::AlreadySent(message_id) = found {
                    self.record_sent(tenant, job, &spec, dm.id, &chat, Some(&message_id))
                        .await?;
                    return Ok(DmOutcome::AlreadySent);
                }
            }
        }
        if status != CampaignStatus::Active.as_str() || lead.do_not_contact {
            return Ok(DmOutcome::CampaignNotActive);
        }
        if !linkedin.is_connected(acct, &lead.provider_id).await? {
            self.await_connection(job, &spec).await?;
            return Ok(DmOutcome::AwaitingConnection);
        }
        let values = DmValues::for_lead(&lead.name, lead.company.as_deref(), &spec.lead_magnet);
        let body = render("dm_template", &spec.dm_template, &values)?;
        let body = self
            .personalized_dm(tenant, job.campaign, &spec, &lead, body)
            .await;
        // The paced slot is taken right before the call; the intent is persisted inside it,
        // before the call that cannot be undone.
        let sent = self
            .paced(tenant, job.account, ActionKind::Dm, || async {
                let mut tx = self.store.begin_for(tenant).await?;
                messages::set_dm(
                    &mut tx,
                    tenant,
                    dm.id,
                    "sending",
                    Some(&body),
                    None,
                    None,
                    None,
                    self.now(),
                )
                .await?;
                tx.commit().await?;
                send(&*linkedin, acct, &lead.provider_id, &body).await
            })
            .await?;
        let sent = match sent {
            Paced::Done(sent) => sent,
            Paced::NotBefore(at) => return Ok(DmOutcome::NotBefore(at)),
        };
        self.record_sent(
            tenant,
            job,
            &spec,
            dm.id,
            &sent.chat_id,
            sent.message_id.as_deref(),
        )
        .await?;
        Ok(DmOutcome::Sent)
    }

    async fn record_sent(
        &self,
        tenant: TenantId,
        job: &SendDm,
        spec: &CampaignSpec,
        dm: Uuid,
        chat: &str,
        message: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        messages::set_dm(
            &mut tx,
            tenant,
            dm,
            "sent",
            None,
            Some(chat),
            message,
            None,
            now,
        )
        .await?;
        messages::set_stage(&mut tx, tenant, job.campaign, job.lead, "dm_sent", now).await?;
        let mut step = Step::new("dm_sent", Some(job.campaign), job.lead);
        step.cost = revos_domain::costs::DM_USD;
        pipeline_events::append(&mut tx, tenant, step, now).await?;
        let fallback = SequenceEmail {
            tenant,
            campaign: job.campaign,
            lead: job.lead,
        };
        queue_fallback(&mut tx, &fallback, spec, now, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Parks a DM until the person connects: the stage says so, and the campaign's public
    /// reply inviting them to connect is claimed once and queued as its own paced job
    /// ([`ReplyToComment`]).
    async fn await_connection(&self, job: &SendDm, spec: &CampaignSpec) -> Result<()> {
        let tenant = job.tenant;
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        messages::set_stage(
            &mut tx,
            tenant,
            job.campaign,
            job.lead,
            "awaiting_connection",
            now,
        )
        .await?;
        if spec.connect_reply_template.is_some() {
            let reply = ReplyToComment {
                tenant,
                campaign: job.campaign,
                lead: job.lead,
                account: job.account,
            };
            queue_reply(&mut tx, &reply, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn send(
    linkedin: &dyn LinkedIn,
    account: &str,
    person: &str,
    body: &str,
) -> Result<revos_providers::SentDm> {
    Ok(linkedin.send_dm(account, person, body).await?)
}
