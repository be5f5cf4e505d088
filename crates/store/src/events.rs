//! Analytics events: an append-only log of what happened, per tenant.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// Appends an event of `kind` about `subject` (of `campaign`, when it belongs to one) with
/// JSON `data`.
pub async fn append(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    campaign: Option<Uuid>,
    subject: Option<Uuid>,
    data: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO events (id, tenant_id, kind, campaign_id, subject_id, data, occurred_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(kind).bind(campaign).bind(subject).bind(data).bind(at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// One event, as the live feed shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// What happened, e.g. `lead_scraped`, `dm_sent`, `post_approved`.
    pub kind: String,
    /// The campaign it belongs to, if any.
    pub campaign_id: Option<Uuid>,
    /// What it is about (a lead, a post).
    pub subject_id: Option<Uuid>,
    /// Its details as JSON.
    pub data: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// The newest event id of `tenant`, where a live feed starts.
pub async fn latest_id(tx: &mut Tx, tenant: TenantId) -> Result<Option<Uuid>> {
    const SQL: &str = "SELECT id FROM events WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).fetch_optional(c).await?))
}

/// Events of `tenant` after `after` (all when `None`), oldest first, at most `limit`.
pub async fn after(
    tx: &mut Tx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    const SQL: &str = "SELECT id, kind, campaign_id, subject_id, data, occurred_at FROM events \
        WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3";
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, EventRow>(SQL).bind(tenant.0).bind(after).bind(limit)
        .fetch_all(c).await?),
    )
}

/// An event reduced to its kind and time, for counting per day.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KindAtRow {
    /// What happened.
    pub kind: String,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// The `dm_sent` and `dm_replied` events of `tenant` since `since`, oldest first.
pub async fn dm_activity_since(
    tx: &mut Tx,
    tenant: TenantId,
    since: DateTime<Utc>,
) -> Result<Vec<KindAtRow>> {
    const SQL: &str = "SELECT kind, occurred_at FROM events \
        WHERE tenant_id = $1 AND kind IN ('dm_sent', 'dm_replied') AND occurred_at >= $2 \
        ORDER BY occurred_at";
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, KindAtRow>(SQL).bind(tenant.0).bind(since)
        .fetch_all(c).await?),
    )
}
