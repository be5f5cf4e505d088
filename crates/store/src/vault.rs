//! Encrypted storage for provider credentials: a wrapped data key per tenant and the secrets
//! encrypted under it. This module stores bytes; the cryptography is in the app layer.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{PageRequest, SecretName, TenantId};
use uuid::Uuid;

/// A tenant's data key, encrypted under a master key.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TenantKeyRow {
    /// The tenant it belongs to.
    pub tenant_id: Uuid,
    /// Which master key wrapped it (a fingerprint, never the key).
    pub master_key_id: String,
    /// Nonce and ciphertext of the data key.
    pub wrapped_key: Vec<u8>,
}

/// A stored secret, still encrypted.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SecretRow {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Nonce and ciphertext of the value.
    pub ciphertext: Vec<u8>,
    /// When it was first stored.
    pub created_at: DateTime<Utc>,
    /// When its value last changed.
    pub updated_at: DateTime<Utc>,
}

/// The wrapped data key of `tenant`, if one was made.
pub async fn tenant_key(tx: &mut Tx, tenant: TenantId) -> Result<Option<TenantKeyRow>> {
    const SQL: &str =
        "SELECT tenant_id, master_key_id, wrapped_key FROM tenant_keys WHERE tenant_id = $1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).fetch_optional(c).await?))
}

/// Stores the first data key of `tenant`; false (and nothing stored) when another
/// transaction stored one first, in which case the caller reads that one.
pub async fn insert_tenant_key(
    tx: &mut Tx,
    tenant: TenantId,
    master_key_id: &str,
    wrapped_key: &[u8],
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO tenant_keys (tenant_id, master_key_id, wrapped_key, created_at) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (tenant_id) DO NOTHING";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(master_key_id).bind(wrapped_key).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Replaces the wrapping of `tenant`'s data key (master-key rotation).
pub async fn rewrap_tenant_key(
    tx: &mut Tx,
    tenant: TenantId,
    master_key_id: &str,
    wrapped_key: &[u8],
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE tenant_keys SET master_key_id = $2, wrapped_key = $3, rotated_at = $4 WHERE tenant_id = $1";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(master_key_id).bind(wrapped_key).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Creates or replaces the secret `name` of `tenant`.
pub async fn upsert_secret(
    tx: &mut Tx,
    tenant: TenantId,
    name: &SecretName,
    ciphertext: &[u8],
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO secrets (id, tenant_id, name, ciphertext, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $5) \
        ON CONFLICT (tenant_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at";
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(name.as_str())
        .bind(ciphertext).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Reads the secret `name` of `tenant`.
pub async fn get_secret(
    tx: &mut Tx,
    tenant: TenantId,
    name: &SecretName,
) -> Result<Option<SecretRow>> {
    const SQL: &str = "SELECT id, name, ciphertext, created_at, updated_at FROM secrets WHERE tenant_id = $1 AND name = $2";
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(name.as_str()).fetch_optional(c).await?),
    )
}

/// A page of the secrets of `tenant`, in id order.
pub async fn list_secrets(
    tx: &mut Tx,
    tenant: TenantId,
    page: PageRequest,
) -> Result<Vec<SecretRow>> {
    const SQL: &str = "SELECT id, name, ciphertext, created_at, updated_at FROM secrets \
        WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL)
        .bind(tenant.0).bind(page.after).bind(page.fetch_limit()).fetch_all(c).await?))
}

/// Deletes the secret `name` of `tenant`; false when there is none.
pub async fn delete_secret(tx: &mut Tx, tenant: TenantId, name: &SecretName) -> Result<bool> {
    const SQL: &str = "DELETE FROM secrets WHERE tenant_id = $1 AND name = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(name.as_str()).execute(c).await?.rows_affected());
    Ok(n == 1)
}
