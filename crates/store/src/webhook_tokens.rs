//! Each workspace's webhook URLs, one per provider: the token's SHA-256 finds the workspace of
//! a delivery, and the token sealed under the tenant's data key shows the URL again. The
//! cryptography is in the app layer; this module stores bytes.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// A stored webhook token of a workspace.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookTokenRow {
    /// `unipile`, `instantly` or `smartlead`.
    pub provider: String,
    /// Nonce and ciphertext of the token.
    pub sealed_token: Vec<u8>,
    /// When it was made (rotation makes a new one).
    pub created_at: DateTime<Utc>,
}

/// The tokens of `tenant`, by provider name.
pub async fn list(tx: &mut Tx, tenant: TenantId) -> Result<Vec<WebhookTokenRow>> {
    const SQL: &str = "SELECT provider, sealed_token, created_at FROM webhook_tokens \
        WHERE tenant_id = $1 ORDER BY provider";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).fetch_all(c).await?))
}

/// Stores the token of `tenant` for `provider`, replacing (and so invalidating) any earlier
/// one when `replace`; otherwise keeps an existing one and stores nothing.
pub async fn put(
    tx: &mut Tx,
    tenant: TenantId,
    provider: &str,
    token_hash: &str,
    sealed_token: &[u8],
    replace: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    const KEEP: &str = "INSERT INTO webhook_tokens (id, tenant_id, provider, token_hash, sealed_token, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, provider) DO NOTHING";
    const REPLACE: &str = "INSERT INTO webhook_tokens (id, tenant_id, provider, token_hash, sealed_token, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, provider) DO UPDATE \
        SET token_hash = excluded.token_hash, sealed_token = excluded.sealed_token, created_at = excluded.created_at";
    let sql = if replace { REPLACE } else { KEEP };
    on_conn!(tx, c => sqlx::query(sql).bind(Uuid::now_v7()).bind(tenant.0).bind(provider).bind(token_hash)
        .bind(sealed_token).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// The workspace and provider of the token hashing to `token_hash`, if any (run it scoped to
/// the credential).
pub async fn find(tx: &mut Tx, token_hash: &str) -> Result<Option<(Uuid, String)>> {
    const SQL: &str = "SELECT tenant_id, provider FROM webhook_tokens WHERE token_hash = $1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await?))
}
