//! Who belongs to which workspace, and with which role.

use crate::tx::{TxInner, on_conn};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{PageRequest, Role, TenantId, UserId};
use uuid::Uuid;

/// A member of a workspace, with the email it logs in with.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    /// The member's user id.
    pub user_id: Uuid,
    /// The member's email.
    pub email: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// When the member joined.
    pub created_at: DateTime<Utc>,
}

impl MemberRow {
    /// The role as a domain value.
    pub fn role(&self) -> Result<Role> {
        Role::parse(&self.role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {:?}", self.role)))
    }
}

/// Adds `user` to `tenant`; [`StoreError::Conflict`] when already a member.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    role: Role,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(user.0).bind(role.as_str()).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// The role of `user` in `tenant`, if a member.
pub async fn role_of(tx: &mut Tx, tenant: TenantId, user: UserId) -> Result<Option<Role>> {
    const SQL: &str = "SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2";
    let role: Option<String> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(user.0).fetch_optional(c).await?);
    role.map(|r| Role::parse(&r).ok_or_else(|| StoreError::Corrupt(format!("unknown role {r:?}"))))
        .transpose()
}

/// The workspaces `user` belongs to, oldest membership first. Needs [`Tx::scope_user`] on
/// PostgreSQL, since no tenant is chosen yet.
pub async fn tenants_of(tx: &mut Tx, user: UserId) -> Result<Vec<(Uuid, String)>> {
    const SQL: &str =
        "SELECT tenant_id, role FROM memberships WHERE user_id = $1 ORDER BY created_at, tenant_id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(user.0).fetch_all(c).await?))
}

/// A page of the members of `tenant`, in user-id order.
pub async fn list(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<MemberRow>> {
    const SQL: &str = "SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m \
        JOIN users u ON u.id = m.user_id \
        WHERE m.tenant_id = $1 AND ($2 IS NULL OR m.user_id > $2) ORDER BY m.user_id LIMIT $3";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL)
        .bind(tenant.0).bind(page.after).bind(page.fetch_limit()).fetch_all(c).await?))
}

/// Changes a member's role; false when `user` is not a member of `tenant`.
pub async fn set_role(tx: &mut Tx, tenant: TenantId, user: UserId, role: Role) -> Result<bool> {
    const SQL: &str = "UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2";
    let done = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(user.0).bind(role.as_str())
        .execute(c).await?.rows_affected());
    Ok(done == 1)
}

/// Removes a member; false when `user` is not a member of `tenant`.
pub async fn delete(tx: &mut Tx, tenant: TenantId, user: UserId) -> Result<bool> {
    const SQL: &str = "DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2";
    let done = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(user.0).execute(c).await?.rows_affected());
    Ok(done == 1)
}

/// The owners of `tenant`, locked until the transaction ends (PostgreSQL `FOR UPDATE`, in
/// user-id order so that two such transactions never deadlock; SQLite transactions are serial
/// anyway), so that "at least one owner remains" is decided and acted on atomically: of two
/// owners demoting each other at once, the second sees the first's change.
pub async fn lock_owners(tx: &mut Tx, tenant: TenantId) -> Result<Vec<Uuid>> {
    const PG: &str = "SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner' \
        ORDER BY user_id FOR UPDATE";
    const SQLITE: &str =
        "SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner' ORDER BY user_id";
    Ok(match &mut tx.inner {
        TxInner::Postgres(t) => {
            sqlx::query_scalar(PG)
                .bind(tenant.0)
                .fetch_all(&mut **t)
                .await?
        }
        TxInner::Sqlite(t) => {
            sqlx::query_scalar(SQLITE)
                .bind(tenant.0)
                .fetch_all(&mut **t)
                .await?
        }
    })
}

/// One member of `tenant`, with their email.
pub async fn get(tx: &mut Tx, tenant: TenantId, user: UserId) -> Result<Option<MemberRow>> {
    const SQL: &str = "SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m \
        JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1 AND m.user_id = $2";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(user.0).fetch_optional(c).await?))
}
