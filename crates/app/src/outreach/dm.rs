//! Sending the DM: exactly once over a provider with no idempotency keys. The DM is recorded
//! Sending the DM: exactly once over a provider with no idempotency keys. The DM is recorded
//! before anything is sent (one per campaign and lead, by a unique index); its text is
//! generated once and stored on it, and every attempt sends that text. Before the first
//! attempt the chat with the person is read and, inside the paced slot, the DM marked
//! `sending` with what the chat held (its id and newest message); a DM found in `sending` (a
//! crash or a timeout) is reconciled by reading the chat before anything is sent again: our
//! message is recognised by the ids recorded, not by its text (see [`reconcile`]), and a DM
//! found sent takes no new paced slot. The send itself runs in a paced slot of its LinkedIn
//! account, taken right before the call.
//!
//! A campaign's DMs form a sequence ([`revos_domain::sequence`]): each step is one message
//! row of its own (one per step and lead, by the same unique index) and goes through this same
//! machine. When a step goes out, the next one is recorded and its job enqueued for its due
//! time in the same transaction (a durable job on the queue: it survives restarts, takes the
//! account's paced slot like every send, and needs no scanner); when it is due, the lead's
//! stage and the step's condition are checked again before anything is sent. After the last
//! step comes the email fallback.

use crate::outreach::comment_reply::{ReplyToComment, queue_reply};
use crate::outreach::context::{self, CampaignContext};
use crate::outreach::paced::Paced;
use crate::outreach::requeue;
use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Result};
use revos_domain::TenantId;
use revos_domain::campaign::{CampaignSpec, CampaignStatus, DmValues, render};
use revos_domain::lead::{BeforeSend, DmState, LeadStage, Reconciliation, SendTrace, reconcile};
use revos_domain::paced_action::ActionKind;
use revos_domain::sequence::{
    self, LeadFacts, SequenceStep, StepCondition, StepDecision, StepVariant,
};
use revos_jobs::Job;
use revos_providers::LinkedIn;
use revos_store::{leads, magnet_links, messages, stages};
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
    /// The follow-up step it sends (its id in the campaign's sequence); `None` for the lead's
    /// first DM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

impl Job for SendDm {
    type Context = crate::App;
    const KIND: &'static str = "linkedin.send_dm";
    const QUEUE: &'static str = "linkedin";
    const MAX_ATTEMPTS: u32 = 8;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(match &self.step {
            None => format!("{}:{}", self.campaign, self.lead),
            Some(step) => format!("{}:{}:{step}", self.campaign, self.lead),
        })
    }

    fn pacing_account(&self) -> Option<Uuid> {
        Some(self.account)
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        match app.send_dm(&self).await {
            // No paced slot free: the job waits for one without using up an attempt.
            Ok(DmOutcome::NotBefore(at)) => Ok(revos_jobs::Outcome::Snooze(at)),
            // Not sent because the campaign is paused: the DM stays queued; resuming requeues it.
            Ok(outcome) => {
                tracing::debug!(lead = %self.lead, ?outcome, "DM job done");
                Ok(revos_jobs::Outcome::Done)
            }
            Err(e) => {
                let about = crate::job_failure::LeadJob {
                    tenant: self.tenant,
                    campaign: Some(self.campaign),
                    lead: self.lead,
                };
                Err(app.lead_job_error(about, e, true).await)
            }
        }
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
    /// A follow-up not sent because the lead replied, opted out or was sequenced (or the step
    /// was removed from the campaign): the sequence is over for them.
    Stopped,
    /// A follow-up whose condition did not hold: skipped, the next step is queued.
    Skipped,
}

impl App {
    /// One attempt to send a DM.
    pub async fn send_dm(&self, job: &SendDm) -> Result<DmOutcome> {
        let tenant = job.tenant;
        let (spec, magnet_file, status, account, dm, lead, stage) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let CampaignContext { row, account } =
                context::read(&mut tx, tenant, job.campaign, Some(job.account)).await?;
            let spec = row.settings;
            let dm = match &job.step {
                None => messages::dm(&mut tx, tenant, job.campaign, job.lead).await?,
                Some(step) => {
                    messages::dm_of_step(&mut tx, tenant, (job.campaign, job.lead), step).await?
                }
            };
            let Some(dm) = dm else {
                // A follow-up dropped meanwhile (a retried job after a skip): nothing to do.
                return match job.step {
                    Some(_) => Ok(DmOutcome::Stopped),
                    None => Err(AppError::NotFound("DM")),
                };
            };
            let lead = leads::get(&mut tx, tenant, job.lead)
                .await?
                .ok_or(AppError::NotFound("lead"))?;
            let stage = revos_store::leads::stages(&mut tx, tenant, job.lead)
                .await?
                .into_iter()
                .find_map(|(c, s)| (c == job.campaign).then_some(s));
            (
                spec,
                row.magnet_file_id,
                row.status,
                account,
                dm,
                lead,
                stage,
            )
        };
        if dm.status == DmState::Sent {
            return Ok(DmOutcome::AlreadySent);
        }
        let linkedin = self.linkedin_for(tenant, &account.provider).await?;
        let acct = account.provider_account_id.as_str();
        let Some(lead) = self
            .with_member_id(tenant, job.campaign, lead, &*linkedin, acct)
            .await?
        else {
            return self.drop_step(job, &spec, &dm, false).await;
        };
        if dm.status == DmState::Sending
            && self
                .reconcile_dm(job, &spec, &dm, &lead, &*linkedin, acct)
                .await?
        {
            return Ok(DmOutcome::AlreadySent);
        }
        if status != CampaignStatus::Active || lead.do_not_contact {
            return Ok(DmOutcome::CampaignNotActive);
        }
        // The first DM's step may have been edited away: it is then the current first step.
        let step = match (sequence::step(&spec.steps, &dm.step_id), &job.step) {
            (Some(step), _) => step,
            (None, None) => spec
                .steps
                .first()
                .ok_or_else(|| AppError::Internal("a campaign without steps".into()))?,
            (None, Some(_)) => return self.drop_step(job, &spec, &dm, false).await,
        };
        let connected = linkedin.is_connected(acct, &lead.provider_id).await?;
        // A follow-up is decided again on every attempt, a resumed one too (left `sending` by
        // a crash or a lost answer, and not found in the chat above): a reply, an opt-out or a
        // met condition that came meanwhile counts before anything is sent.
        if job.step.is_some() {
            let opened_magnet = if step.condition == StepCondition::OpenedMagnet {
                let mut tx = self.store.begin_read_for(tenant).await?;
                magnet_links::opened(&mut tx, tenant, job.campaign, job.lead).await?
            } else {
                false
            };
            let facts = LeadFacts {
                stopped: stage != Some(LeadStage::DmSent),
                connected,
                opened_magnet,
            };
            match sequence::decide(step, facts) {
                StepDecision::Send if connected => {}
                StepDecision::Stop => return self.drop_step(job, &spec, &dm, false).await,
                // Not connected any more: no DM can reach them; the sequence goes on.
                StepDecision::Skip | StepDecision::Send => {
                    return self.drop_step(job, &spec, &dm, true).await;
                }
            }
        } else if !connected {
            self.await_connection(job, &spec).await?;
            return Ok(DmOutcome::AwaitingConnection);
        }
        let body = self
            .dm_text(job, (&spec, step), magnet_file, &lead, &dm)
            .await?;
        // What the chat held before the first attempt (a read, outside the paced slot): after
        // a lost answer, ours is what came after.
        let before = if dm.status == DmState::Sending {
            None
        } else {
            let chat = linkedin.find_chat(acct, &lead.provider_id).await?;
            let last = match &chat {
                Some(chat) => linkedin
                    .chat_messages(acct, chat)
                    .await?
                    .into_iter()
                    .next()
                    .map(|m| m.id),
                None => None,
            };
            Some((chat, last))
        };
        // The paced slot is taken right before the call; the intent is persisted inside it,
        // before the call that cannot be undone.
        let sent = self
            .paced(
                tenant,
                (job.account, &account.provider),
                ActionKind::Dm,
                || async {
                    if let Some((chat, last)) = &before {
                        let mut tx = self.store.begin_for(tenant).await?;
                        messages::mark_first_sending(
                            &mut tx,
                            tenant,
                            dm.id,
                            chat.as_deref(),
                            last.as_deref(),
                            self.now(),
                        )
                        .await?;
                        tx.commit().await?;
                    }
                    send(&*linkedin, acct, &lead.provider_id, &body).await
                },
            )
            .await?;
        let sent = match sent {
            Paced::Done(sent) => sent,
            Paced::NotBefore(at) => return Ok(DmOutcome::NotBefore(at)),
        };
        self.record_sent(
            tenant,
            job,
            &spec,
            &dm,
            &sent.chat_id,
            sent.message_id.as_deref(),
        )
        .await?;
        Ok(DmOutcome::Sent)
    }

    /// Drops a follow-up that will not be sent (never sent: `queued`, or `sending` and not
    /// found in the chat). A skipped step
    /// (`skipped`: its condition did not hold) lets the sequence go on from its due time;
    /// otherwise the lead's sequence is over.
    async fn drop_step(
        &self,
        job: &SendDm,
        spec: &CampaignSpec,
        dm: &messages::DmRow,
        skipped: bool,
    ) -> Result<DmOutcome> {
        let now = self.now();
        let mut tx = self.store.begin_for(job.tenant).await?;
        if !messages::drop_unsent(&mut tx, job.tenant, dm.id, dm.status).await? {
            // Not in the state read any more: another attempt got further; it decides.
            return Ok(DmOutcome::AlreadySent);
        }
        if !skipped {
            tx.commit().await?;
            return Ok(DmOutcome::Stopped);
        }
        let at = dm.due_at.unwrap_or(now).min(now);
        requeue::after_step(&mut tx, job, spec, &dm.step_id, at, now).await?;
        tx.commit().await?;
        Ok(DmOutcome::Skipped)
    }

    /// `lead` with the member id a chat needs: a lead imported from a profile URL carries a
    /// public identifier, looked up once (one profile read) and recorded on the lead, so its
    /// follow-ups, reconciliation and replies use the member id. `None` when that member is
    /// already another lead of `campaign` (the same person, found by a comment and imported
    /// too): they get that lead's DM, not a second one.
    async fn with_member_id(
        &self,
        tenant: TenantId,
        campaign: Uuid,
        mut lead: revos_store::leads::LeadRow,
        linkedin: &dyn LinkedIn,
        acct: &str,
    ) -> Result<Option<revos_store::leads::LeadRow>> {
        let member = linkedin.member_id(acct, &lead.provider_id).await?;
        if member == lead.provider_id {
            return Ok(Some(lead));
        }
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        if !leads::set_member_id(&mut tx, tenant, lead.id, &member, now).await? {
            let twin = leads::by_provider_id(&mut tx, tenant, &member).await?;
            if let Some(twin) = twin {
                let in_campaign = leads::stages(&mut tx, tenant, twin.id)
                    .await?
                    .iter()
                    .any(|(c, _)| *c == campaign);
                if in_campaign {
                    let mut step = Step::new("dm_skipped", Some(campaign), lead.id);
                    step.extra = serde_json::json!({ "reason": "same_person", "same_as": twin.id });
                    pipeline_events::append(&mut tx, tenant, step, now).await?;
                    tx.commit().await?;
                    return Ok(None);
                }
            }
        }
        tx.commit().await?;
        lead.provider_id = member;
        Ok(Some(lead))
    }

    /// The DM's text: the one stored on it, else the template rendered for the lead with its
    /// magnet link (the tracked one when there is a public URL, recorded in the same
    /// transaction; see [`crate::magnet_links`]) and personalised when the campaign asks,
    /// stored now so that every later attempt and every
    /// reconciliation uses the same text and the model is asked once.
    async fn dm_text(
        &self,
        job: &SendDm,
        (spec, step): (&CampaignSpec, &SequenceStep),
        magnet_file: Option<Uuid>,
        lead: &leads::LeadRow,
        dm: &messages::DmRow,
    ) -> Result<String> {
        if !dm.body.is_empty() {
            return Ok(dm.body.clone());
        }
        // The same variant on every attempt: chosen from the lead and the step.
        let variant = sequence::choose_variant(step, job.lead)
            .ok_or_else(|| AppError::Internal("a step without a variant to send".into()))?;
        let field = template_field(spec, step, variant);
        let link = self.magnet_link(
            job.tenant,
            job.campaign,
            job.lead,
            &spec.lead_magnet,
            magnet_file,
        );
        let mut values = DmValues::for_lead(&lead.name, lead.company.as_deref(), &spec.lead_magnet);
        values.lead_magnet_url = link.url.clone();
        let rendered = render(&field, &variant.template, &values)?;
        let text = self
            .personalized_dm(job.tenant, job.campaign, spec, lead, &link.url, rendered)
            .await;
        let mut tx = self.store.begin_for(job.tenant).await?;
        link.remember(&mut tx, job.tenant, self).await?;
        let kept =
            messages::keep_dm_text(&mut tx, job.tenant, dm.id, (&text, &variant.id), self.now())
                .await?;
        tx.commit().await?;
        Ok(kept)
    }

    /// Looks for a DM found in `sending` in the chat (the last attempt may have reached
    /// LinkedIn): the chat recorded, else the one found with the person (recorded as soon as
    /// found). True when it went out, and is now recorded as sent.
    async fn reconcile_dm(
        &self,
        job: &SendDm,
        spec: &CampaignSpec,
        dm: &messages::DmRow,
        lead: &leads::LeadRow,
        linkedin: &dyn LinkedIn,
        acct: &str,
    ) -> Result<bool> {
        let tenant = job.tenant;
        let chat = match &dm.provider_chat_id {
            Some(c) => c.clone(),
            None => match linkedin.find_chat(acct, &lead.provider_id).await? {
                Some(c) => {
                    let mut tx = self.store.begin_for(tenant).await?;
                    messages::record_dm_chat(&mut tx, tenant, dm.id, &c, self.now()).await?;
                    tx.commit().await?;
                    c
                }
                // No chat with the person: nothing reached them.
                None => return Ok(false),
            },
        };
        let trace = SendTrace {
            message_id: dm.provider_message_id.as_deref(),
            before: dm.chat_read_before_send_at.map(|_| {
                dm.last_message_before_send
                    .as_deref()
                    .map_or(BeforeSend::Nothing, BeforeSend::LastMessage)
            }),
            text: &dm.body,
        };
        let msgs = match trace.message_id {
            Some(_) => Vec::new(),
            None => linkedin.chat_messages(acct, &chat).await?,
        };
        let found = reconcile(
            &trace,
            msgs.iter()
                .map(|m| (m.id.as_str(), m.text.as_str(), m.from_us)),
        );
        match found {
            Reconciliation::AlreadySent(message_id) => {
                self.record_sent(tenant, job, spec, dm, &chat, Some(&message_id))
                    .await?;
                Ok(true)
            }
            Reconciliation::NotSent => Ok(false),
        }
    }

    /// Records a DM that went out. The lead moves to `dm_sent` only if the domain allows it
    /// (a lead who replied meanwhile stays `replied`); for a lead that moved (or a follow-up)
    /// the next step is queued for its due time, or after the last step the email fallback.
    async fn record_sent(
        &self,
        tenant: TenantId,
        job: &SendDm,
        spec: &CampaignSpec,
        dm: &messages::DmRow,
        chat: &str,
        message: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        messages::set_dm(
            &mut tx,
            tenant,
            dm.id,
            DmState::Sent,
            None,
            Some(chat),
            message,
            None,
            now,
        )
        .await?;
        let moved = stages::move_stage(
            &mut tx,
            tenant,
            job.campaign,
            job.lead,
            LeadStage::DmSent,
            now,
        )
        .await?;
        let mut step = Step::new(LeadStage::DmSent.as_str(), Some(job.campaign), job.lead);
        step.cost = revos_domain::costs::DM_USD;
        pipeline_events::append(&mut tx, tenant, step, now).await?;
        if moved || job.step.is_some() {
            requeue::after_step(&mut tx, job, spec, &dm.step_id, now, now).await?;
        }
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
        // Only a lead that starts waiting now is invited (one that replied meanwhile is not).
        let waits = stages::move_stage(
            &mut tx,
            tenant,
            job.campaign,
            job.lead,
            LeadStage::AwaitingConnection,
            now,
        )
        .await?;
        if waits && spec.connect_reply_template.is_some() {
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

/// The name a rendering error gives the template: `dm_template` for the first text (as a
/// campaign without steps knows it), else `steps[i].variants[j].template`.
fn template_field(spec: &CampaignSpec, step: &SequenceStep, variant: &StepVariant) -> String {
    let i = spec.steps.iter().position(|s| s.id == step.id).unwrap_or(0);
    let j = step
        .variants
        .iter()
        .position(|v| v.id == variant.id)
        .unwrap_or(0);
    if (i, j) == (0, 0) {
        "dm_template".into()
    } else {
        format!("steps[{i}].variants[{j}].template")
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
