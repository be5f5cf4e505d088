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
