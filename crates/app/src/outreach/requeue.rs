//! The only way a DM or an email fallback is queued or queued again, so the unique keys, the
//! due times and the pacing account of these jobs are decided in one place: a commenter's first
//! DM, the DM of a lead whose connection appeared, the next step of a sequence (or the
//! fallback after its last step) once a step went out or was skipped, and all of them again
//! when a paused campaign resumes. Every function works in the caller's transaction, so
//! the job exists only if the state change that caused it commits.

use crate::Result;
use crate::outreach::dm::SendDm;
use crate::outreach::email_fallback::SequenceEmail;
use crate::pipeline_events::{self, Step};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::campaign::CampaignSpec;
use revos_domain::lead::LeadStage;
use revos_domain::sequence;
use revos_store::{Tx, messages, stages};
use uuid::Uuid;

/// What queueing a DM did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// The DM is recorded and its job enqueued.
    Yes,
    /// This lead already has this campaign's DM.
    AlreadyHasDm,
    /// The lead's stage allows no DM any more (it replied or opted out).
    PastDm,
}

/// Moves the lead to `dm_queued`, records the DM of the sequence's first step `first_step`
/// and enqueues its job, in the caller's transaction (which the caller drops unless the
/// answer is [`Queued::Yes`]).
pub async fn dm(tx: &mut Tx, job: &SendDm, first_step: &str, now: DateTime<Utc>) -> Result<Queued> {
    let (tenant, campaign, lead) = (job.tenant, job.campaign, job.lead);
    if !stages::move_stage(tx, tenant, campaign, lead, LeadStage::DmQueued, now).await? {
        return Ok(match messages::dm(tx, tenant, campaign, lead).await? {
            Some(_) => Queued::AlreadyHasDm,
            None => Queued::PastDm,
        });
    }
    if !messages::insert_dm(tx, tenant, (campaign, lead), first_step, None, now).await? {
        return Ok(Queued::AlreadyHasDm);
    }
    revos_jobs::enqueue(tx, job, now, now).await?;
    let step = Step::new(LeadStage::DmQueued.as_str(), Some(job.campaign), job.lead);
    pipeline_events::append(tx, job.tenant, step, now).await?;
    Ok(Queued::Yes)
}

/// Queues again the DM of a lead whose connection appeared, if it is still waiting for it:
/// the lead moves back to `dm_queued` and the job is enqueued. False when it was not waiting
/// any more (it replied or opted out meanwhile).
pub async fn connected_dm(tx: &mut Tx, job: &SendDm, now: DateTime<Utc>) -> Result<bool> {
    let moved = stages::move_stage(
        tx,
        job.tenant,
        job.campaign,
        job.lead,
        LeadStage::DmQueued,
        now,
    )
    .await?;
    if moved {
        revos_jobs::enqueue(tx, job, now, now).await?;
    }
    Ok(moved)
}

/// What follows step `step` of the lead of `job`, sent (or skipped) at `at`, in the caller's
/// transaction: the next step of the sequence, recorded and its job enqueued for its due
/// time; after the last step, the email fallback.
pub async fn after_step(
    tx: &mut Tx,
    job: &SendDm,
    spec: &CampaignSpec,
    step: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    match sequence::follow_up(&spec.steps, step, at) {
        Some((next, due)) => {
            let (tenant, campaign, lead) = (job.tenant, job.campaign, job.lead);
            if messages::insert_dm(tx, tenant, (campaign, lead), &next.id, Some(due), now).await? {
                let next_job = SendDm {
                    step: Some(next.id.clone()),
                    ..job.clone()
                };
                revos_jobs::enqueue(tx, &next_job, due.max(now), now).await?;
            }
            Ok(())
        }
        None => {
            let fallback_job = SequenceEmail {
                tenant: job.tenant,
                campaign: job.campaign,
                lead: job.lead,
            };
            fallback(tx, &fallback_job, spec, at, now).await
        }
    }
}

/// Queues the fallback of a lead whose DM went out at `sent_at`, in the caller's transaction.
pub async fn fallback(
    tx: &mut Tx,
    job: &SequenceEmail,
    spec: &CampaignSpec,
    sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(f) = &spec.email_fallback {
        let due = (sent_at + chrono::Duration::hours(i64::from(f.delay_hours))).max(now);
        revos_jobs::enqueue(tx, job, due, now).await?;
    }
    Ok(())
}

/// Queues again what waited while `campaign` was paused, now that it is active: its DMs still
/// queued, every step, each at its due time, through `account` (a job still queued for a
/// lead is not doubled: its unique key holds), and the email fallback of leads whose
/// sequence is over and still unanswered.
pub async fn resumed_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    spec: &CampaignSpec,
    now: DateTime<Utc>,
) -> Result<()> {
    for waiting in messages::waiting_dms(tx, tenant, campaign).await? {
        let job = SendDm {
            tenant,
            campaign,
            lead: waiting.lead_id,
            account: spec.linkedin_account_id,
            step: (!waiting.first).then_some(waiting.step_id),
        };
        let due = waiting.due_at.unwrap_or(now).max(now);
        revos_jobs::enqueue(tx, &job, due, now).await?;
    }
    for (lead, sent_at) in messages::sent_unanswered(tx, tenant, campaign).await? {
        let job = SequenceEmail {
            tenant,
            campaign,
            lead,
        };
        fallback(tx, &job, spec, sent_at, now).await?;
    }
    Ok(())
}
