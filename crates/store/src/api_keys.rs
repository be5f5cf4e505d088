//! API keys: long-lived bearer tokens for scripts, shown once and stored hashed.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{ApiKeyId, PageRequest, Role, TenantId, UserId};
use uuid::Uuid;

/// A stored API key (never the key itself).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiKeyRow {
    /// The key's id.
    pub id: Uuid,
    /// The workspace it acts in.
    pub tenant_id: Uuid,
    /// A label chosen by its creator.
    pub name: String,
    /// The first characters of the key, so a person can tell keys apart.
    pub prefix: String,
    /// The role it acts with.
    pub role: String,
    /// Who created it.
    pub created_by: Uuid,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last authenticated a request.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; revoked keys authenticate nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

macro_rules! columns {
    () => {
        "id, tenant_id, name, prefix, role, created_by, created_at, last_used_at, revoked_at"
    };
}

/// What a new key is made of.
pub struct NewApiKey<'a> {
    /// Its id.
    pub id: ApiKeyId,
    /// Its label.
    pub name: &'a str,
    /// Its visible prefix.
    pub prefix: &'a str,
    /// SHA-256 hex of the key.
    pub token_hash: &'a str,
    /// The role it acts with.
    pub role: Role,
    /// Its creator.
    pub created_by: UserId,
}

/// Records a new key of `tenant`.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    key: &NewApiKey<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO api_keys (id, tenant_id, name, prefix, token_hash, role, created_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(key.id.0).bind(tenant.0).bind(key.name).bind(key.prefix)
        .bind(key.token_hash).bind(key.role.as_str()).bind(key.created_by.0).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Finds the key a token hashes to. Needs [`Tx::scope_credential`] on PostgreSQL.
pub async fn find_by_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<ApiKeyRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE token_hash = $1"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await?))
}

/// A page of the keys of `tenant`, revoked ones included, in id order.
pub async fn list(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<ApiKeyRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL)
        .bind(tenant.0).bind(page.after).bind(page.fetch_limit()).fetch_all(c).await?))
}

/// Reads one key of `tenant`.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: ApiKeyId) -> Result<Option<ApiKeyRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE tenant_id = $1 AND id = $2"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id.0).fetch_optional(c).await?))
}

/// Revokes a key of `tenant`; false when there is no such live key.
pub async fn revoke(
    tx: &mut Tx,
    tenant: TenantId,
    id: ApiKeyId,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Notes that a key of `tenant` was just used.
pub async fn touch(tx: &mut Tx, tenant: TenantId, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    const SQL: &str = "UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(now).execute(c).await?.rows_affected());
    Ok(())
}
