//! Addresses a sequencer reported bounced, per workspace, and what the email fallback needs
//! to know about a lead's address: the address, Apollo's status for it, and whether it
//! bounced. Addresses are stored and compared lower-cased.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// A bounce to record.
pub struct NewBounce<'a> {
    /// The address (any case).
    pub email: &'a str,
    /// The sequencer that reported it (`instantly`, `smartlead`).
    pub provider: &'a str,
    /// The sequencer's campaign it bounced in, when the event named it.
    pub provider_campaign_id: Option<&'a str>,
}

/// Records that `b.email` bounced for `tenant`; false when it was recorded before (a
/// repeated delivery, or a bounce in another campaign).
pub async fn record(
    tx: &mut Tx,
    tenant: TenantId,
    b: &NewBounce<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO email_bounces (id, tenant_id, email, provider, provider_campaign_id, bounced_at) \
        VALUES ($1, $2, LOWER($3), $4, $5, $6) ON CONFLICT (tenant_id, email) DO NOTHING";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(b.email).bind(b.provider)
        .bind(b.provider_campaign_id).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Marks the address of every lead of `tenant` with `email` (any case) bounced; returns
/// those leads' ids.
pub async fn mark_leads(
    tx: &mut Tx,
    tenant: TenantId,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    const UPDATE: &str = "UPDATE leads SET email_status = 'bounced', updated_at = $3 \
        WHERE tenant_id = $1 AND LOWER(email) = LOWER($2)";
    const SELECT: &str =
        "SELECT id FROM leads WHERE tenant_id = $1 AND LOWER(email) = LOWER($2) ORDER BY id";
    on_conn!(tx, c => sqlx::query(UPDATE).bind(tenant.0).bind(email).bind(now).execute(c).await?.rows_affected());
    Ok(on_conn!(tx, c => sqlx::query_scalar(SELECT).bind(tenant.0).bind(email).fetch_all(c).await?))
}

/// A lead's address as the email fallback sees it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EmailState {
    /// The address, when known.
    pub email: Option<String>,
    /// Apollo's status for it (or `bounced`), when known.
    pub email_status: Option<String>,
    /// Whether the workspace recorded a bounce of this address.
    pub bounced: bool,
}

/// The address of lead `lead` of `tenant`, its status and whether it bounced; `None` when
/// there is no such lead.
pub async fn email_state(tx: &mut Tx, tenant: TenantId, lead: Uuid) -> Result<Option<EmailState>> {
    const SQL: &str = "SELECT l.email, l.email_status, EXISTS (SELECT 1 FROM email_bounces b \
        WHERE b.tenant_id = l.tenant_id AND b.email = LOWER(l.email)) AS bounced \
        FROM leads l WHERE l.tenant_id = $1 AND l.id = $2";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_optional(c).await?))
}
