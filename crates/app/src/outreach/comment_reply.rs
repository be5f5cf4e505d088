//! The campaign's public "Thanks …! Let's connect" reply to a lead's comment, posted when the
//! lead is not yet a first-degree connection. It is its own job, paced with the account's
//! other automated actions (kind `comment_reply`) and retried like a DM: a refused post (429,
//! 500) is tried again, and a 429 pauses the account. At most one reply per lead and campaign:
//! the reply is claimed once (`leads::claim_connect_reply`), which enqueues the one job, and a
//! post whose outcome is unknown (a timeout after the request left) counts as posted, because
//! Unipile's comment listing does not show replies to comments, so it cannot be reconciled.

use crate::outreach::context::{self, CampaignContext};
use crate::outreach::paced::Paced;
use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::campaign::{CampaignStatus, DmValues, render};
use revos_domain::paced_action::ActionKind;
use revos_jobs::Job;
use revos_store::{Tx, connect_replies, leads};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The job that posts one lead's public reply of one campaign.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplyToComment {
    /// The tenant.
    pub tenant: TenantId,
    /// The campaign.
    pub campaign: Uuid,
    /// The lead whose comment is answered.
    pub lead: Uuid,
    /// Our id of the LinkedIn account that posts it (its pacing applies).
    pub account: Uuid,
}

impl Job for ReplyToComment {
    type Context = crate::App;
    const KIND: &'static str = "linkedin.reply_comment";
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

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        match app.reply_to_comment(&self).await {
            Ok(ReplyOutcome::NotBefore(at)) => Ok(revos_jobs::Outcome::Snooze(at)),
            Ok(outcome) => {
                tracing::debug!(lead = %self.lead, ?outcome, "comment reply job done");
                Ok(revos_jobs::Outcome::Done)
            }
            // A 429 pauses the account like a DM's; other failures are retried with backoff.
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

/// What a reply attempt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// The reply was posted now.
    Posted,
    /// It was posted before, or an earlier attempt's outcome is unknown (counted as posted).
    AlreadyPosted,
    /// Nothing to post: no reply was claimed, the lead has no source comment or opted out, or
    /// the campaign is no longer active (the reply is dropped, not retried later).
    Skipped,
    /// No paced slot of the account is free before then: nothing was posted.
    NotBefore(DateTime<Utc>),
}

/// Claims the lead's one public reply and enqueues its job, in the caller's transaction;
/// false when it was claimed before.
pub async fn queue_reply(tx: &mut Tx, job: &ReplyToComment, now: DateTime<Utc>) -> Result<bool> {
    if !leads::claim_connect_reply(tx, job.tenant, job.campaign, job.lead, now).await? {
        return Ok(false);
    }
    revos_jobs::enqueue(tx, job, now, now).await?;
    Ok(true)
}

impl App {
    /// One attempt to post a lead's public reply.
    pub async fn reply_to_comment(&self, job: &ReplyToComment) -> Result<ReplyOutcome> {
        let tenant = job.tenant;
        let (spec, status, account, lead, source, state) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let CampaignContext { row, account } =
                context::read(&mut tx, tenant, job.campaign, Some(job.account)).await?;
            let spec = row.settings;
            let lead = leads::get(&mut tx, tenant, job.lead)
                .await?
                .ok_or(AppError::NotFound("lead"))?;
            let source = leads::source_comment(&mut tx, tenant, job.campaign, job.lead).await?;
            let state = connect_replies::state(&mut tx, tenant, job.campaign, job.lead).await?;
            (spec, row.status, account, lead, source, state)
        };
        match state.as_deref() {
            Some("queued") => {}
            Some("posting") => {
                // The last attempt may have reached LinkedIn and cannot be checked: posted.
                self.reply_state(job, ("posting", "posted")).await?;
                return Ok(ReplyOutcome::AlreadyPosted);
            }
            Some("posted") => return Ok(ReplyOutcome::AlreadyPosted),
            _ => return Ok(ReplyOutcome::Skipped),
        }
        let (Some((post, comment)), Some(template)) = (source, &spec.connect_reply_template) else {
            return Ok(ReplyOutcome::Skipped);
        };
        if status != CampaignStatus::Active || lead.do_not_contact {
            return Ok(ReplyOutcome::Skipped);
        }
        // Rendered before any transaction or slot: a template never runs while rows are held.
        let values = DmValues::for_lead(&lead.name, None, &spec.lead_magnet);
        let text = render("connect_reply_template", template, &values)?;
        let linkedin = self.linkedin_for(tenant, &account.provider).await?;
        let acct = account.provider_account_id.as_str();
        let posted = self
            .paced(
                tenant,
                (job.account, &account.provider),
                ActionKind::CommentReply,
                || async {
                    if !self.reply_state(job, ("queued", "posting")).await? {
                        return Ok(false);
                    }
                    linkedin
                        .reply_to_comment(acct, &post, &comment, &text)
                        .await
                        .map_err(AppError::Provider)?;
                    Ok(true)
                },
            )
            .await;
        match posted {
            Ok(Paced::Done(true)) => {
                self.reply_state(job, ("posting", "posted")).await?;
                Ok(ReplyOutcome::Posted)
            }
            Ok(Paced::Done(false)) => Ok(ReplyOutcome::AlreadyPosted),
            Ok(Paced::NotBefore(at)) => Ok(ReplyOutcome::NotBefore(at)),
            Err(AppError::Provider(e)) if e.status.is_some() => {
                // LinkedIn answered with an error: nothing was posted; the retry may post.
                self.reply_state(job, ("posting", "queued")).await?;
                Err(AppError::Provider(e))
            }
            Err(e) => Err(e),
        }
    }

    /// Moves the reply's state; false when it was not in the expected state.
    async fn reply_state(&self, job: &ReplyToComment, step: (&str, &str)) -> Result<bool> {
        let mut tx = self.store.begin_for(job.tenant).await?;
        let moved = connect_replies::advance(
            &mut tx,
            job.tenant,
            job.campaign,
            job.lead,
            step,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }
}
