//! Share links: a workspace's posts waiting for approval, opened by a client without an
//! account. The token is shown once and stored only as SHA-256 hex, like API keys; a link
//! expires and can be revoked.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{PageRequest, TenantId, UserId};
use uuid::Uuid;

/// A stored share link (never the token itself).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ShareLinkRow {
    /// Its id.
    pub id: Uuid,
    /// The workspace whose posts it shows.
    pub tenant_id: Uuid,
    /// Its label, named in a post's history (`via share link <label>`).
    pub label: String,
    /// Who created it.
    pub created_by: Uuid,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

macro_rules! columns {
    () => {
        "id, tenant_id, label, created_by, created_at, expires_at, revoked_at"
    };
}

/// What a new link is made of.
pub struct NewShareLink<'a> {
    /// Its id.
    pub id: Uuid,
    /// Its label.
    pub label: &'a str,
    /// SHA-256 hex of the token.
    pub token_hash: &'a str,
    /// Its creator.
    pub created_by: UserId,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// Records a new link of `tenant`.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    link: &NewShareLink<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO share_links (id, tenant_id, label, token_hash, created_by, created_at, expires_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    on_conn!(tx, c => sqlx::query(SQL).bind(link.id).bind(tenant.0).bind(link.label).bind(link.token_hash)
        .bind(link.created_by.0).bind(now).bind(link.expires_at).execute(c).await?.rows_affected());
    Ok(())
}

/// Finds the link a token hashes to. Needs [`Tx::scope_credential`] on PostgreSQL.
pub async fn find_by_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<ShareLinkRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM share_links WHERE token_hash = $1"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await?))
}

/// A page of the links of `tenant`, revoked and expired ones included, in id order.
pub async fn list(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<ShareLinkRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM share_links WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(page.after)
        .bind(page.fetch_limit()).fetch_all(c).await?),
    )
}

/// Revokes a link of `tenant` (a second revocation keeps the first time); the link, or
/// `None` when `tenant` has no such link.
pub async fn revoke(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<ShareLinkRow>> {
    const SQL: &str = concat!(
        "UPDATE share_links SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id).bind(now).fetch_optional(c).await?),
    )
}
