//! Hosted-auth links to connect LinkedIn accounts through Unipile: the hash of each link's
//! token, its workspace, and whether it was used. A token is redeemed once, before it expires.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// Records a link of `tenant` whose token hashes to `token_hash`.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    token_hash: &str,
    display_name: Option<&str>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO unipile_links (id, tenant_id, token_hash, display_name, expires_at, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(token_hash).bind(display_name)
        .bind(expires_at).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Uses the unexpired, unused link whose token hashes to `token_hash`: its workspace and the
/// display name asked for. `None` when there is no such link (run it scoped to the credential).
pub async fn redeem(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, Option<String>)>> {
    const SQL: &str = "UPDATE unipile_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
        AND expires_at > $2 RETURNING tenant_id, display_name";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(token_hash).bind(now).fetch_optional(c).await?))
}
