//! Invitations to join a workspace, redeemable once with a token shown to the inviter.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{Email, InvitationId, PageRequest, Role, TenantId, UserId};
use uuid::Uuid;

/// A stored invitation.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InvitationRow {
    /// Its id.
    pub id: Uuid,
    /// The workspace it opens.
    pub tenant_id: Uuid,
    /// Whom it is for.
    pub email: String,
    /// The role the invitee gets.
    pub role: String,
    /// Who sent it.
    pub invited_by: Uuid,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was redeemed.
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, tenant_id, email, role, invited_by, expires_at, accepted_at, created_at"
    };
}

/// What a new invitation is made of.
pub struct NewInvitation<'a> {
    /// Its id.
    pub id: InvitationId,
    /// Whom it is for.
    pub email: &'a Email,
    /// The role the invitee gets.
    pub role: Role,
    /// SHA-256 hex of the invitation token.
    pub token_hash: &'a str,
    /// Who sends it.
    pub invited_by: UserId,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Records an invitation to `tenant`.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    inv: &NewInvitation<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, expires_at, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(inv.id.0).bind(tenant.0).bind(inv.email.as_str())
        .bind(inv.role.as_str()).bind(inv.token_hash).bind(inv.invited_by.0).bind(inv.expires_at).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Finds the invitation a token hashes to. Needs [`Tx::scope_credential`] on PostgreSQL.
pub async fn find_by_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<InvitationRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM invitations WHERE token_hash = $1"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await?))
}

/// A page of the invitations of `tenant`, in id order.
pub async fn list(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<InvitationRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM invitations WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL)
        .bind(tenant.0).bind(page.after).bind(page.fetch_limit()).fetch_all(c).await?))
}

/// Marks an invitation of `tenant` redeemed, provided its inviter still holds
/// `inviter_role` there (checked in the same statement, so an inviter demoted or removed
/// meanwhile kills it); false when it was already redeemed or the inviter changed.
pub async fn accept(
    tx: &mut Tx,
    tenant: TenantId,
    id: InvitationId,
    inviter_role: Role,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE invitations SET accepted_at = $3 WHERE tenant_id = $1 AND id = $2 \
        AND accepted_at IS NULL AND EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = $1 \
        AND m.user_id = invitations.invited_by AND m.role = $4)";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).bind(now)
        .bind(inviter_role.as_str()).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Withdraws an invitation of `tenant`; false when there is none.
pub async fn delete(tx: &mut Tx, tenant: TenantId, id: InvitationId) -> Result<bool> {
    const SQL: &str = "DELETE FROM invitations WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).execute(c).await?.rows_affected());
    Ok(n == 1)
}
