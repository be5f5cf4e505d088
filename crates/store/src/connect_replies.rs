//! The state of a lead's one public "let's connect" reply in a campaign, kept on its
//! `campaign_leads` row: `queued` once claimed (`leads::claim_connect_reply`), `posting` while
//! a call may have reached LinkedIn, `posted` after; none when no reply was claimed.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// The reply state of `lead` in `campaign`, if a reply was claimed.
pub async fn state(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
) -> Result<Option<String>> {
    const SQL: &str = "SELECT connect_reply_state FROM campaign_leads WHERE tenant_id = $1 \
        AND campaign_id = $2 AND lead_id = $3";
    let v: Option<Option<String>> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(campaign)
        .bind(lead).fetch_optional(c).await?);
    Ok(v.flatten())
}

/// Moves the reply of `lead` in `campaign` from state `from` to `to`; false when it was not
/// in `from` (another attempt moved it).
pub async fn advance(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    (from, to): (&str, &str),
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE campaign_leads SET connect_reply_state = $5, updated_at = $6 WHERE tenant_id = $1 \
        AND campaign_id = $2 AND lead_id = $3 AND connect_reply_state = $4";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(campaign).bind(lead).bind(from).bind(to)
        .bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}
