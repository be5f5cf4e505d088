//! The email fallback: when a DM has had no reply for the campaign's delay (48 h by default)
//! and the lead's email is known, the lead joins the campaign's Instantly or Smartlead
//! sequence with personalisation variables. A reply wins any race: the job first reads the
//! chat (a reply whose webhook was missed still counts), then decides under the lead's stage
//! lock, which a reply takes too, so a lead is sequenced only if no reply was recorded before
//! the decision. The decision is claimed in that short transaction (the lead moves to
//! `email_sequenced`, the email step is recorded `sending`, see `revos_store::email_claims`),
//! the provider is called with no transaction open (on SQLite the writer's turn is free, on
//! PostgreSQL no row stays locked), and a second short transaction records the outcome. A
//! reply recorded during the call finds the lead sequenced, as if it came just after.
//!
//! Exactly once: the provider's "skip if already in campaign" makes calling again safe, so an
//! attempt that finds the step still `sending` (the process died or the call timed out after
//! the provider enrolled the lead, before the outcome was recorded) calls again and records.
//! The window accepted: a claim whose job then gives up (attempts exhausted on transient
//! errors) leaves the lead at `email_sequenced` with its step `sending`, whether or not the
//! provider had it; a refusal (a permanent error) takes the claim back.
//!
//! Only deliverable addresses are sequenced: Apollo's email status must be `verified` (or,
//! with `email_fallback.require_verified` off, likely), and the address must not have
//! bounced in the workspace. A lead skipped for this stays at `dm_sent` with an
//! `email_not_sequenced` event giving the reason (`email_unverified`, `email_unavailable`,
//! `email_bounced`, `email_status_unknown`). The rule is checked again under the stage lock,
//! so a bounce recorded while the job ran still stops it.

use crate::outreach::context::{self, CampaignContext};
use crate::outreach::replies::{Channel, Reply};
use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Result};
use revos_domain::TenantId;
use revos_domain::campaign::{CampaignStatus, EmailFallback, EmailProvider, split_name};
use revos_domain::email::{EmailStatus, NotSendable};
use revos_domain::lead::{DmState, LeadStage};
use revos_jobs::Job;
use revos_providers::email::{EmailLead, Instantly, Smartlead};
use revos_providers::{EmailSequencer, ProviderErrorKind};
use revos_store::email_bounces::{self, EmailState};
use revos_store::{Tx, email_claims, leads, messages, stages};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// The job that hands one lead of one campaign to the email sequence.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SequenceEmail {
    /// The tenant.
    pub tenant: TenantId,
    /// The campaign.
    pub campaign: Uuid,
    /// The lead.
    pub lead: Uuid,
}

impl Job for SequenceEmail {
    type Context = crate::App;
    const KIND: &'static str = "email.sequence";
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
        match app.sequence_email(&self).await {
            Ok(outcome) => {
                tracing::debug!(lead = %self.lead, ?outcome, "email fallback done");
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

/// What the fallback did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FallbackOutcome {
    /// Added to the sequence now.
    Sequenced,
    /// They replied (found now or before): never sequenced.
    Replied,
    /// No email known: the lead stays at `dm_sent`.
    NoEmail,
    /// The address is not deliverable enough (see [`deliverability`]): the lead stays at
    /// `dm_sent` with an `email_not_sequenced` event.
    NotSequenced(NotSendable),
    /// Nothing to do: no fallback configured, the campaign is not active (resuming queues it
    /// again), the lead opted out, or it was sequenced before.
    NotApplicable,
}

/// The vault name of a tenant's Instantly key.
pub const INSTANTLY_KEY: &str = "instantly_api_key";
/// The vault name of a tenant's Smartlead key.
pub const SMARTLEAD_KEY: &str = "smartlead_api_key";

/// Whether the fallback may use the address in `state`: not bounced in the workspace, and
/// of a status `fallback` accepts.
pub fn deliverability(state: &EmailState, fallback: &EmailFallback) -> Result<(), NotSendable> {
    let status = if state.bounced {
        EmailStatus::Bounced
    } else {
        EmailStatus::parse(state.email_status.as_deref())
    };
    status.sendable(fallback.require_verified)
}

/// Appends the `email_not_sequenced` event of a lead whose address is not deliverable.
async fn not_sequenced(
    tx: &mut Tx,
    job: &SequenceEmail,
    state: &EmailState,
    fallback: &EmailFallback,
    why: NotSendable,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<FallbackOutcome> {
    let mut step = Step::new("email_not_sequenced", Some(job.campaign), job.lead);
    step.extra = serde_json::json!({
        "reason": why.reason(), "email_status": state.email_status,
        "provider": fallback.provider, "require_verified": fallback.require_verified,
    });
    pipeline_events::append(tx, job.tenant, step, now).await?;
    Ok(FallbackOutcome::NotSequenced(why))
}

/// What the claim before the provider call decided.
enum Claim {
    /// Call the provider: the lead is claimed (now, or by an earlier attempt whose outcome
    /// is unknown).
    Go,
    /// Do not call it.
    Done(FallbackOutcome),
}

impl App {
    /// Decides under the lead's stage lock, in a short transaction, whether the lead is
    /// sequenced, and if so claims it: the stage moves to `email_sequenced` and the email
    /// step is recorded `sending` before the provider is called (see [`email_claims`]). A
    /// step left in `sending` by an attempt that crashed or timed out is claimed already:
    /// the call is made again, and the provider skips a lead it has.
    async fn claim_sequence(
        &self,
        job: &SequenceEmail,
        fallback: &EmailFallback,
        what: &str,
    ) -> Result<Claim> {
        let (tenant, now) = (job.tenant, self.now());
        let mut tx = self.store.begin_for(tenant).await?;
        let stage = leads::lock_stage(&mut tx, tenant, job.campaign, job.lead).await?;
        let claimed = email_claims::state(&mut tx, tenant, job.campaign, job.lead).await?;
        if stage == Some(LeadStage::EmailSequenced) && claimed == Some(DmState::Sending) {
            return Ok(Claim::Go);
        }
        if !stage.is_some_and(|s| s.can_become(LeadStage::EmailSequenced)) {
            return Ok(Claim::Done(match stage {
                Some(LeadStage::Replied | LeadStage::EmailReplied) => FallbackOutcome::Replied,
                _ => FallbackOutcome::NotApplicable,
            }));
        }
        // A bounce recorded since the first look stops it still.
        let state = email_bounces::email_state(&mut tx, tenant, job.lead)
            .await?
            .ok_or(AppError::NotFound("lead"))?;
        if let Err(why) = deliverability(&state, fallback) {
            let outcome = not_sequenced(&mut tx, job, &state, fallback, why, now).await?;
            tx.commit().await?;
            return Ok(Claim::Done(outcome));
        }
        // The stage moves as the domain allows, with the claim, before the call.
        let moved = stages::move_stage(
            &mut tx,
            tenant,
            job.campaign,
            job.lead,
            LeadStage::EmailSequenced,
            now,
        )
        .await?;
        if !moved
            || !email_claims::claim(&mut tx, tenant, job.campaign, job.lead, what, now).await?
        {
            return Ok(Claim::Done(FallbackOutcome::NotApplicable));
        }
        tx.commit().await?;
        Ok(Claim::Go)
    }

    /// The sequencer of `provider` for `tenant`: the tenant's key, the instance's, or the
    /// sandbox for sandbox campaigns.
    pub async fn email_sequencer(
        &self,
        tenant: TenantId,
        provider: EmailProvider,
    ) -> Result<Arc<dyn EmailSequencer>> {
        let s = self.provider_settings();
        let (name, url, key, vault) = match provider {
            EmailProvider::Sandbox => return Ok(self.sandbox() as Arc<dyn EmailSequencer>),
            EmailProvider::Instantly => (
                "Instantly",
                &s.instantly_url,
                &s.instantly_key,
                INSTANTLY_KEY,
            ),
            EmailProvider::Smartlead => (
                "Smartlead",
                &s.smartlead_url,
                &s.smartlead_key,
                SMARTLEAD_KEY,
            ),
        };
        let key = self
            .provider_key(tenant, vault, key.as_ref())
            .await?
            .ok_or_else(|| {
                AppError::Conflict(format!(
                    "{name} is not configured: set REVOS_{}_API_KEY or the {vault} secret",
                    name.to_uppercase()
                ))
            })?;
        let config = self.http(url, key);
        Ok(match provider {
            EmailProvider::Smartlead => Arc::new(Smartlead::new(config)),
            _ => Arc::new(Instantly::new(config)),
        })
    }

    /// Runs the fallback of one lead.
    pub async fn sequence_email(&self, job: &SequenceEmail) -> Result<FallbackOutcome> {
        let tenant = job.tenant;
        let (spec, magnet_file, status, account, lead, dm, email_state) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let CampaignContext { row, account } =
                context::read(&mut tx, tenant, job.campaign, None).await?;
            let spec = row.settings;
            let lead = leads::get(&mut tx, tenant, job.lead)
                .await?
                .ok_or(AppError::NotFound("lead"))?;
            let dm = messages::dm(&mut tx, tenant, job.campaign, job.lead).await?;
            let state = email_bounces::email_state(&mut tx, tenant, job.lead)
                .await?
                .ok_or(AppError::NotFound("lead"))?;
            (
                spec,
                row.magnet_file_id,
                row.status,
                account,
                lead,
                dm,
                state,
            )
        };
        let Some(fallback) = spec.email_fallback.clone() else {
            return Ok(FallbackOutcome::NotApplicable);
        };
        if status != CampaignStatus::Active || lead.do_not_contact {
            return Ok(FallbackOutcome::NotApplicable);
        }
        let Some(email) = lead.email.clone() else {
            return Ok(FallbackOutcome::NoEmail);
        };
        // A reply whose webhook never came still wins: look in the chat first.
        if let Some(chat) = dm.as_ref().and_then(|d| d.provider_chat_id.clone()) {
            let linkedin = self.linkedin_for(tenant, &account.provider).await?;
            let msgs = linkedin
                .chat_messages(&account.provider_account_id, &chat)
                .await?;
            if let Some(theirs) = msgs.iter().find(|m| !m.from_us) {
                let reply = Reply {
                    channel: Channel::Dm,
                    campaign: Some(job.campaign),
                    message_id: &theirs.id,
                    chat: Some(&chat),
                    text: &theirs.text,
                };
                self.record_reply(tenant, job.lead, &reply).await?;
                return Ok(FallbackOutcome::Replied);
            }
        }
        if let Err(why) = deliverability(&email_state, &fallback) {
            let now = self.now();
            let mut tx = self.store.begin_for(tenant).await?;
            let stage = leads::lock_stage(&mut tx, tenant, job.campaign, job.lead).await?;
            let outcome = match stage {
                Some(s) if s.can_become(LeadStage::EmailSequenced) => {
                    not_sequenced(&mut tx, job, &email_state, &fallback, why, now).await?
                }
                Some(LeadStage::Replied | LeadStage::EmailReplied) => FallbackOutcome::Replied,
                _ => FallbackOutcome::NotApplicable,
            };
            tx.commit().await?;
            return Ok(outcome);
        }
        let sequencer = self.email_sequencer(tenant, fallback.provider).await?;
        let (first_name, last_name) = split_name(&lead.name);
        let mut variables = BTreeMap::new();
        variables.insert("lead_magnet".to_owned(), spec.lead_magnet.title.clone());
        let link = self.magnet_link(
            tenant,
            job.campaign,
            job.lead,
            &spec.lead_magnet,
            magnet_file,
        );
        if link.is_tracked() {
            // The DM recorded the link already when it was written; a lead sequenced without
            // a DM gets it now.
            let mut tx = self.store.begin_for(tenant).await?;
            link.remember(&mut tx, tenant, self).await?;
            tx.commit().await?;
        }
        variables.insert("lead_magnet_url".to_owned(), link.url.clone());
        let email_lead = EmailLead {
            email,
            first_name,
            last_name,
            company: lead.company.clone(),
            linkedin_url: lead.linkedin_url.clone(),
            variables,
        };

        let what = format!("{:?} campaign {}", fallback.provider, fallback.campaign_id);
        match self.claim_sequence(job, &fallback, &what).await? {
            Claim::Go => {}
            Claim::Done(outcome) => return Ok(outcome),
        }
        // No transaction is open during the call: a reply recorded meanwhile finds the lead
        // at `email_sequenced` (as if it came just after), and the writer is free.
        if let Err(e) = sequencer.add_lead(&fallback.campaign_id, &email_lead).await {
            if e.kind == ProviderErrorKind::Permanent {
                // Refused: nothing was enrolled, so the claim is taken back.
                let mut tx = self.store.begin_for(tenant).await?;
                email_claims::release(&mut tx, tenant, job.campaign, job.lead, self.now()).await?;
                tx.commit().await?;
            }
            return Err(e.into());
        }
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        if email_claims::finish(&mut tx, tenant, job.campaign, job.lead, now).await? {
            let mut step = Step::new(
                LeadStage::EmailSequenced.as_str(),
                Some(job.campaign),
                job.lead,
            );
            step.cost = revos_domain::costs::EMAIL_SEQUENCE_USD;
            step.extra = serde_json::json!({
                "provider": fallback.provider, "sandbox": sequencer.is_sandbox()
            });
            pipeline_events::append(&mut tx, tenant, step, now).await?;
        }
        tx.commit().await?;
        Ok(FallbackOutcome::Sequenced)
    }
}
