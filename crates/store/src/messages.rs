//! Outbound DMs and their state machine (`queued → sending → sent | failed`). One outbound
//! DM per campaign and lead: the partial unique index `messages_one_outbound` makes a second
//! one impossible to record.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// A stored DM.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DmRow {
    /// Its id.
    pub id: Uuid,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    /// The text, once rendered.
    pub body: String,
    /// The chat it went to, once known.
    pub provider_chat_id: Option<String>,
}

/// Records a queued DM for a lead of a campaign; false when one already exists.
pub async fn insert_dm(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO messages (id, tenant_id, campaign_id, lead_id, channel, direction, status, body, \
        created_at, updated_at) VALUES ($1, $2, $3, $4, 'dm', 'out', 'queued', '', $5, $5) \
        ON CONFLICT (campaign_id, lead_id, channel) WHERE direction = 'out' DO NOTHING";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(campaign).bind(lead).bind(now)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The DM of a lead in a campaign.
pub async fn dm(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
) -> Result<Option<DmRow>> {
    const SQL: &str = "SELECT id, status, body, provider_chat_id FROM messages WHERE tenant_id = $1 AND campaign_id = $2 \
        AND lead_id = $3 AND channel = 'dm' AND direction = 'out'";
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).bind(lead).fetch_optional(c).await?),
    )
}

/// Moves a DM to `status`, recording what is known (text, chat, message id, error).
#[allow(clippy::too_many_arguments)] // each is one column of the transition
pub async fn set_dm(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    status: &str,
    body: Option<&str>,
    chat: Option<&str>,
    message: Option<&str>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE messages SET status = $3, body = COALESCE($4, body), provider_chat_id = COALESCE($5, provider_chat_id), \
        provider_message_id = COALESCE($6, provider_message_id), error = $7, \
        sent_at = CASE WHEN $3 = 'sent' THEN $8 ELSE sent_at END, updated_at = $8 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(status).bind(body).bind(chat).bind(message)
        .bind(error).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Sets a lead's stage in a campaign.
pub async fn set_stage(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    stage: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE campaign_leads SET status = $4, updated_at = $5 WHERE tenant_id = $1 AND campaign_id = $2 AND lead_id = $3";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(campaign).bind(lead).bind(stage).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// When each DM of a campaign of `tenant` went out, oldest first (the demo's send log and the
/// pacing checks read it).
pub async fn sent_times(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Vec<(Uuid, DateTime<Utc>)>> {
    const SQL: &str = "SELECT lead_id, sent_at FROM messages WHERE tenant_id = $1 AND campaign_id = $2 \
        AND direction = 'out' AND channel = 'dm' AND status = 'sent' ORDER BY sent_at";
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .filter_map(|(l, t)| Some((l, t?)))
        .collect())
}

/// The leads of a campaign of `tenant` whose DM still waits (`queued` or `sending`).
pub async fn waiting_dms(tx: &mut Tx, tenant: TenantId, campaign: Uuid) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT lead_id FROM messages WHERE tenant_id = $1 AND campaign_id = $2 AND direction = 'out' \
        AND channel = 'dm' AND status IN ('queued', 'sending') ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?))
}
