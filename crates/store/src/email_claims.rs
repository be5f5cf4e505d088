//! The claim that makes the email fallback exactly-once without holding a transaction over
//! the provider call: the lead's move to `email_sequenced` and an outbound email message in
//! `sending` are written together before the call, the message becomes `sent` after it, and
//! a call that the provider refused outright is undone. An email step found in `sending` is
//! an attempt whose outcome is unknown; the provider's "skip if already in campaign" makes
//! calling again safe.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::lead::{DmState, LeadStage};
use uuid::Uuid;

/// The state of the outbound email step of a lead in a campaign (`sending` or `sent`), if
/// there is one.
pub async fn state(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
) -> Result<Option<DmState>> {
    const SQL: &str = "SELECT status FROM messages WHERE tenant_id = $1 AND campaign_id = $2 \
        AND lead_id = $3 AND channel = 'email' AND direction = 'out'";
    let word: Option<String> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(campaign).bind(lead)
        .fetch_optional(c).await?);
    word.map(crate::decode_name).transpose()
}

/// Records the outbound email step of a lead in a campaign as `sending`, described by
/// `body`, before the provider is called; false when the lead has one already.
pub async fn claim(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO messages (id, tenant_id, campaign_id, lead_id, channel, direction, status, body, \
        created_at, updated_at) VALUES ($1, $2, $3, $4, 'email', 'out', $5, $6, $7, $7) \
        ON CONFLICT (campaign_id, lead_id, channel, step_id) WHERE direction = 'out' DO NOTHING";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(campaign).bind(lead)
        .bind(DmState::Sending.as_str()).bind(body).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Marks the claimed email step `sent` once the provider accepted the lead; false when there
/// was no claim in `sending` (it was finished or released before).
pub async fn finish(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE messages SET status = $4, sent_at = $6, updated_at = $6 WHERE tenant_id = $1 \
        AND campaign_id = $2 AND lead_id = $3 AND channel = 'email' AND direction = 'out' AND status = $5";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(campaign).bind(lead)
        .bind(DmState::Sent.as_str()).bind(DmState::Sending.as_str()).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Undoes a claim whose call the provider refused (nothing was enrolled): the `sending`
/// step is deleted and the lead goes back from `email_sequenced` to `dm_sent`, where the
/// fallback left it. Not a move of the funnel (stages only move forward) but the claim
/// taken back; a lead that moved on meanwhile (a reply) keeps its stage.
pub async fn release(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    const DELETE: &str = "DELETE FROM messages WHERE tenant_id = $1 AND campaign_id = $2 AND lead_id = $3 \
        AND channel = 'email' AND direction = 'out' AND status = $4";
    const BACK: &str = "UPDATE campaign_leads SET status = $4, updated_at = $6 WHERE tenant_id = $1 \
        AND campaign_id = $2 AND lead_id = $3 AND status = $5";
    let gone = on_conn!(tx, c => sqlx::query(DELETE).bind(tenant.0).bind(campaign).bind(lead)
        .bind(DmState::Sending.as_str()).execute(c).await?.rows_affected());
    if gone == 1 {
        on_conn!(tx, c => sqlx::query(BACK).bind(tenant.0).bind(campaign).bind(lead)
            .bind(LeadStage::DmSent.as_str()).bind(LeadStage::EmailSequenced.as_str()).bind(now)
            .execute(c).await?.rows_affected());
        crate::funnel_rollup::withdraw_email_sequenced(tx, tenant, campaign, lead).await?;
    }
    Ok(())
}
