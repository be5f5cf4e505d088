//! Cartridges and their version history. The editable fields are stored as one JSON document
//! (`spec`), validated by the domain before it gets here; `name` is copied out for listing.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{CartridgeId, PageRequest, TenantId, UserId};
use uuid::Uuid;

/// A stored cartridge.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CartridgeRow {
    /// Its id.
    pub id: Uuid,
    /// Its name (also inside `spec`).
    pub name: String,
    /// The editable fields as JSON.
    pub spec: String,
    /// 1 on creation, +1 on every change.
    pub version: i64,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One saved version of a cartridge.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CartridgeVersionRow {
    /// The version number.
    pub version: i64,
    /// The fields as they were.
    pub spec: String,
    /// Who made this version.
    pub changed_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, name, spec, version, created_by, created_at, updated_at"
    };
}

/// Stores a new cartridge of `tenant` as version 1.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    id: CartridgeId,
    name: &str,
    spec: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO cartridges (id, tenant_id, name, spec, version, created_by, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, 1, $5, $6, $6)";
    on_conn!(tx, c => sqlx::query(SQL).bind(id.0).bind(tenant.0).bind(name).bind(spec)
        .bind(by.map(|u| u.0)).bind(now).execute(c).await?.rows_affected());
    insert_version(tx, tenant, id, 1, spec, by, now).await
}

async fn insert_version(
    tx: &mut Tx,
    tenant: TenantId,
    id: CartridgeId,
    version: i64,
    spec: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO cartridge_versions (id, tenant_id, cartridge_id, version, spec, changed_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(id.0).bind(version)
        .bind(spec).bind(by.map(|u| u.0)).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Reads one cartridge of `tenant`.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: CartridgeId) -> Result<Option<CartridgeRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM cartridges WHERE tenant_id = $1 AND id = $2"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id.0).fetch_optional(c).await?))
}

/// A page of the cartridges of `tenant`, in id (creation) order.
pub async fn list(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<CartridgeRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM cartridges WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL)
        .bind(tenant.0).bind(page.after).bind(page.fetch_limit()).fetch_all(c).await?))
}

/// Replaces the fields of a cartridge of `tenant`, bumping its version and keeping the new
/// version in the history. Returns the new version, or `None` when there is no such cartridge.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: CartridgeId,
    name: &str,
    spec: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    const SQL: &str = "UPDATE cartridges SET name = $3, spec = $4, version = version + 1, updated_at = $5 \
        WHERE tenant_id = $1 AND id = $2 RETURNING version";
    let version: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(id.0)
        .bind(name).bind(spec).bind(now).fetch_optional(c).await?);
    if let Some(v) = version {
        insert_version(tx, tenant, id, v, spec, by, now).await?;
    }
    Ok(version)
}

/// Deletes a cartridge of `tenant` and its history; false when there is none.
pub async fn delete(tx: &mut Tx, tenant: TenantId, id: CartridgeId) -> Result<bool> {
    const SQL: &str = "DELETE FROM cartridges WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The version history of a cartridge of `tenant`, newest first, after `before` if given.
pub async fn versions(
    tx: &mut Tx,
    tenant: TenantId,
    id: CartridgeId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CartridgeVersionRow>> {
    const SQL: &str = "SELECT version, spec, changed_by, created_at FROM cartridge_versions \
        WHERE tenant_id = $1 AND cartridge_id = $2 AND ($3 IS NULL OR version < $3) ORDER BY version DESC LIMIT $4";
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id.0).bind(before).bind(limit).fetch_all(c).await?),
    )
}

/// How many cartridges of `tenant` mention `needle` in their fields (a logo's file id that an
/// imported copy shares), so a file is kept while another cartridge still uses it.
pub async fn count_mentioning(tx: &mut Tx, tenant: TenantId, needle: &str) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM cartridges WHERE tenant_id = $1 AND spec LIKE $2";
    let pattern = format!("%{}%", needle.replace(['%', '_'], ""));
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(&pattern).fetch_one(c).await?))
}
