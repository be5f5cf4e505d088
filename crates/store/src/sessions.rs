//! Login sessions: opaque bearer tokens, stored only as their SHA-256 hash.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{TenantId, UserId};
use uuid::Uuid;

/// A stored session.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    /// The session's id.
    pub id: Uuid,
    /// The workspace the session acts in.
    pub tenant_id: Uuid,
    /// Who logged in.
    pub user_id: Uuid,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

/// Records a session for `user` in `tenant`.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO sessions (id, tenant_id, user_id, token_hash, expires_at, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(user.0)
        .bind(token_hash).bind(expires_at).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Finds the session a token hashes to. Needs [`Tx::scope_credential`] on PostgreSQL.
pub async fn find_by_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<SessionRow>> {
    const SQL: &str =
        "SELECT id, tenant_id, user_id, expires_at FROM sessions WHERE token_hash = $1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await?))
}

/// Ends one session of `tenant` (logout).
pub async fn delete(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<()> {
    const SQL: &str = "DELETE FROM sessions WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

/// Deletes the expired sessions of every tenant; needs [`Store::begin_system`](crate::Store::begin_system) on PostgreSQL.
/// Returns how many were removed.
pub async fn purge_expired(tx: &mut Tx, now: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM sessions WHERE expires_at < $1";
    Ok(on_conn!(tx, c => sqlx::query(SQL).bind(now).execute(c).await?.rows_affected()))
}
