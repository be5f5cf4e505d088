//! Workspaces. The tenants table is the registry of tenants, not tenant-owned itself.

use crate::tx::{TxInner, on_conn};
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

/// Whether the instance has any workspace yet (the `first` sign-up rule), after taking the
/// registry's lock on PostgreSQL (a transaction-scoped advisory lock; SQLite transactions are
/// serial anyway) so that two sign-ups racing on an empty instance cannot both be first.
pub async fn lock_and_any(tx: &mut Tx) -> Result<bool> {
    const SQL: &str = "SELECT EXISTS (SELECT 1 FROM tenants)";
    if let TxInner::Postgres(t) = &mut tx.inner {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('revos.tenants.registry'))")
            .execute(&mut **t)
            .await?;
    }
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).fetch_one(c).await?))
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
