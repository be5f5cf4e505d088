//! Answering a conversation from the inbox: sent through the provider's chat exactly once,
//! paced like every other action of the account, and recorded in the lead's timeline.
//!
//! The answer is recorded (queued) once per idempotency key, created when the member submits
//! (a retried request or a double-submitted form finds the same answer and queues nothing
//! more), and its job ([`SendInboxAnswer`]) sends it in a paced slot of the account, kind
//! `dm`, taken right before the call. Before the first attempt the chat's newest message is
//! read and, inside the slot, the answer marked `sending` with it; an answer found in
//! `sending` (a crash, or a timeout after the message went out) is looked for in the chat
//! before anything is sent again, by the same rules as the campaign's DM
//! ([`revos_domain::lead::reconcile`]).

use crate::inbox::InboxMessage;
use crate::outreach::paced::Paced;
use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Principal, Result};
use revos_domain::TenantId;
use revos_domain::inbox::{MAX_ANSWER_CHARS, MAX_IDEMPOTENCY_KEY_CHARS};
use revos_domain::lead::{BeforeSend, DmState, Reconciliation, SendTrace, reconcile};
use revos_domain::paced_action::ActionKind;
use revos_domain::validation::Collector;
use revos_jobs::Job;
use revos_store::inbox::{self as conversations, ConversationRow};
use revos_store::inbox_thread::{self, AnswerRow};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An answer to send (`POST /api/v1/inbox/{conversation_id}/messages`).
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The text, 1 to 8,000 characters.
    pub text: String,
    /// Makes the request safe to retry: a second request with the same key on the same
    /// conversation sends nothing more and answers with the first one's message. Up to 200
    /// characters; without one, every request is a new answer.
    pub idempotency_key: Option<String>,
}

/// The job that sends one answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SendInboxAnswer {
    /// The tenant.
    pub tenant: TenantId,
    /// The answer (a message of the conversation's thread).
    pub answer: Uuid,
    /// Our id of the LinkedIn account whose chat it is (its pacing applies).
    pub account: Uuid,
    /// The lead answered (a failure shows in their timeline).
    pub lead: Uuid,
    /// The campaign of the conversation, if any.
    pub campaign: Option<Uuid>,
}

impl Job for SendInboxAnswer {
    type Context = crate::App;
    const KIND: &'static str = "linkedin.send_inbox_answer";
    const QUEUE: &'static str = "linkedin";
    const MAX_ATTEMPTS: u32 = 8;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(self.answer.to_string())
    }

    fn pacing_account(&self) -> Option<Uuid> {
        Some(self.account)
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        match app.send_inbox_answer(&self).await {
            Ok(AnswerOutcome::NotBefore(at)) => Ok(revos_jobs::Outcome::Snooze(at)),
            Ok(outcome) => {
                tracing::debug!(answer = %self.answer, ?outcome, "inbox answer job done");
                Ok(revos_jobs::Outcome::Done)
            }
            Err(e) => Err(app.answer_job_error(&self, e).await),
        }
    }
}

/// What a send attempt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// The answer went out now.
    Sent,
    /// It had gone out before (found in the chat, or already recorded): nothing sent.
    AlreadySent,
    /// No paced slot of the account is free before then: nothing sent.
    NotBefore(chrono::DateTime<chrono::Utc>),
}

impl App {
    /// Records an answer to a conversation of the workspace and queues its sending, once per
    /// idempotency key; returns the answer as its thread shows it.
    pub async fn answer_conversation(
        &self,
        who: &Principal,
        conversation: Uuid,
        req: &AnswerRequest,
    ) -> Result<InboxMessage> {
        let mut c = Collector::default();
        c.text("text", &req.text, 1, MAX_ANSWER_CHARS);
        if let Some(key) = &req.idempotency_key {
            c.text("idempotency_key", key, 1, MAX_IDEMPOTENCY_KEY_CHARS);
        }
        c.finish()?;
        let tenant = who.tenant;
        let row = self.conversation_row(who, conversation).await?;
        let key = req
            .idempotency_key
            .clone()
            .unwrap_or_else(|| Uuid::now_v7().to_string());
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let (answer, new) = inbox_thread::record_answer(
            &mut tx,
            tenant,
            conversation,
            &key,
            req.text.trim(),
            Some(who.user.0),
            now,
        )
        .await?;
        if new {
            let job = SendInboxAnswer {
                tenant,
                answer: answer.id,
                account: row.linkedin_account_id,
                lead: row.lead_id,
                campaign: row.campaign_id,
            };
            revos_jobs::enqueue(&mut tx, &job, now, now).await?;
        }
        tx.commit().await?;
        Ok(InboxMessage {
            id: answer.id,
            direction: "out".into(),
            status: answer.status.as_str().into(),
            body: answer.body,
            author_id: Some(who.user.0),
            at: now,
        })
    }

    /// One attempt to send an answer.
    pub async fn send_inbox_answer(&self, job: &SendInboxAnswer) -> Result<AnswerOutcome> {
        let tenant = job.tenant;
        let (answer, conversation) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let answer = inbox_thread::answer(&mut tx, tenant, job.answer)
                .await?
                .ok_or(AppError::NotFound("answer"))?;
            let conversation = conversations::get(&mut tx, tenant, answer.conversation_id)
                .await?
                .ok_or(AppError::NotFound("conversation"))?;
            tx.commit().await?;
            (answer, conversation)
        };
        match answer.status {
            DmState::Sent => return Ok(AnswerOutcome::AlreadySent),
            DmState::Failed => return Ok(AnswerOutcome::AlreadySent),
            DmState::Queued | DmState::Sending => {}
        }
        let linkedin = self.linkedin_for(tenant, &conversation.provider).await?;
        let acct = conversation.provider_account_id.as_str();
        let chat = conversation.chat_id.as_str();
        let first = answer.status == DmState::Queued;
        // What the chat held before the first attempt (a read, outside the paced slot); after
        // a lost answer, ours is what came after. A later attempt reconciles instead.
        let before = if first {
            let newest = linkedin.chat_messages(acct, chat).await?;
            Some(newest.into_iter().next().map(|m| m.id))
        } else {
            let messages = linkedin.chat_messages(acct, chat).await?;
            let trace = SendTrace {
                message_id: answer.provider_message_id.as_deref(),
                before: answer.chat_read_before_send_at.map(|_| {
                    answer
                        .last_message_before_send
                        .as_deref()
                        .map_or(BeforeSend::Nothing, BeforeSend::LastMessage)
                }),
                text: &answer.body,
            };
            let found = reconcile(
                &trace,
                messages
                    .iter()
                    .map(|m| (m.id.as_str(), m.text.as_str(), m.from_us)),
            );
            if let Reconciliation::AlreadySent(id) = found {
                self.record_answer_sent(tenant, &answer, &conversation, Some(&id))
                    .await?;
                return Ok(AnswerOutcome::AlreadySent);
            }
            None
        };
        let sent = self
            .paced(
                tenant,
                (job.account, &conversation.provider),
                ActionKind::Dm,
                || async {
                    if let Some(last) = &before {
                        let mut tx = self.store.begin_for(tenant).await?;
                        inbox_thread::mark_answer_sending(
                            &mut tx,
                            tenant,
                            answer.id,
                            last.as_deref(),
                            self.now(),
                        )
                        .await?;
                        tx.commit().await?;
                    }
                    Ok(linkedin.send_in_chat(acct, chat, &answer.body).await?)
                },
            )
            .await?;
        match sent {
            Paced::Done(id) => {
                self.record_answer_sent(tenant, &answer, &conversation, id.as_deref())
                    .await?;
                Ok(AnswerOutcome::Sent)
            }
            Paced::NotBefore(at) => Ok(AnswerOutcome::NotBefore(at)),
        }
    }

    /// Records an answer that went out, moves its conversation, and adds it to the lead's
    /// timeline, in one transaction.
    async fn record_answer_sent(
        &self,
        conversation_tenant: TenantId,
        answer: &AnswerRow,
        conversation: &ConversationRow,
        message: Option<&str>,
    ) -> Result<()> {
        let tenant = conversation_tenant;
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        inbox_thread::answer_sent(&mut tx, tenant, answer, message, now).await?;
        let mut step = Step::new(
            "inbox_answer_sent",
            conversation.campaign_id,
            conversation.lead_id,
        );
        step.extra = serde_json::json!({ "conversation_id": conversation.id, "text": answer.body });
        pipeline_events::append(&mut tx, tenant, step, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a failed attempt into the job's error: recorded like a DM's (a 429 pauses the
    /// account); a refusal that will not change (4xx other than 429) fails the answer.
    async fn answer_job_error(&self, job: &SendInboxAnswer, e: AppError) -> revos_jobs::JobError {
        if let AppError::Provider(p) = &e
            && matches!(p.status, Some(s) if (400..500).contains(&s) && s != 429)
        {
            let failed = async {
                let mut tx = self.store.begin_for(job.tenant).await?;
                inbox_thread::answer_failed(
                    &mut tx,
                    job.tenant,
                    job.answer,
                    &p.message,
                    self.now(),
                )
                .await?;
                tx.commit().await
            };
            if let Err(store) = failed.await {
                tracing::warn!(error = %store, "recording a failed answer failed");
            }
        }
        let about = crate::job_failure::LeadJob {
            tenant: job.tenant,
            campaign: job.campaign,
            lead: job.lead,
        };
        self.lead_job_error(about, e, true).await
    }
}
