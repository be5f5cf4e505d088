//! Workspaces. The tenants table is the registry of tenants, not tenant-owned itself.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// A stored workspace.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TenantRow {
    /// Its id.
    pub id: Uuid,
    /// Its display name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Records a new workspace.
pub async fn insert(tx: &mut Tx, id: TenantId, name: &str, now: DateTime<Utc>) -> Result<()> {
    on_conn!(tx, c => sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(id.0).bind(name).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Reads one workspace.
pub async fn get(tx: &mut Tx, id: TenantId) -> Result<Option<TenantRow>> {
    const SQL: &str = "SELECT id, name, created_at FROM tenants WHERE id = $1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(c).await?))
}

/// Every workspace, for cross-tenant maintenance such as master-key rotation.
pub async fn list_all(tx: &mut Tx) -> Result<Vec<TenantRow>> {
    const SQL: &str = "SELECT id, name, created_at FROM tenants ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).fetch_all(c).await?))
}
