//! Tracked lead-magnet links (`magnet_links`): one per campaign and lead, found by its
//! token's SHA-256 when someone opens it. The token, which fetches are opens and how often
//! they count are the domain's rules ([`revos_domain::magnet_link`]); this module stores and
//! counts.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// What a link delivers, as it was when the DM was written.
#[derive(Clone, Debug)]
pub struct NewLink<'a> {
    /// SHA-256 (hex) of the token.
    pub token_hash: &'a str,
    /// The campaign whose DM carries it.
    pub campaign: Uuid,
    /// The lead it was sent to.
    pub lead: Uuid,
    /// The magnet's URL (redirected to when there is no file).
    pub target_url: Option<&'a str>,
    /// The magnet's stored file (served inline), if it is one.
    pub file_id: Option<Uuid>,
}

/// Records the link of `link.campaign` and `link.lead` in `tenant`, unless it exists (a
/// retried DM renders the same token).
pub async fn remember(
    tx: &mut Tx,
    tenant: TenantId,
    link: &NewLink<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO magnet_links (id, tenant_id, token_hash, campaign_id, lead_id, \
        target_url, file_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
        ON CONFLICT (tenant_id, campaign_id, lead_id) DO NOTHING";
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(link.token_hash)
        .bind(link.campaign).bind(link.lead).bind(link.target_url).bind(link.file_id).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// A stored link, as its public URL needs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkRow {
    /// The link.
    pub id: Uuid,
    /// Its workspace.
    pub tenant_id: Uuid,
    /// The campaign whose DM carried it.
    pub campaign_id: Uuid,
    /// The lead it was sent to.
    pub lead_id: Uuid,
    /// The magnet's URL.
    pub target_url: Option<String>,
    /// The magnet's stored file, if it is one (and still exists).
    pub file_id: Option<Uuid>,
}

/// The link whose token hashes to `token_hash` (run it scoped to the credential on
/// PostgreSQL: [`Tx::scope_credential`]).
pub async fn find(tx: &mut Tx, token_hash: &str) -> Result<Option<LinkRow>> {
    const SQL: &str = "SELECT id, tenant_id, campaign_id, lead_id, target_url, file_id \
        FROM magnet_links WHERE token_hash = $1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await?))
}

/// Counts an open of link `id` of `tenant` at `now` unless one was counted after
/// `counted_after` (one atomic update, so concurrent opens count once). Returns the count
/// after it when it counted: 1 is the first open.
pub async fn count_open(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    now: DateTime<Utc>,
    counted_after: DateTime<Utc>,
) -> Result<Option<i64>> {
    const SQL: &str = "UPDATE magnet_links SET open_count = open_count + 1, \
        first_opened_at = COALESCE(first_opened_at, $3), last_counted_at = $3 \
        WHERE tenant_id = $1 AND id = $2 AND (last_counted_at IS NULL OR last_counted_at <= $4) \
        RETURNING open_count";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(id).bind(now).bind(counted_after)
        .fetch_optional(c).await?),
    )
}

/// Whether `lead` opened a tracked magnet link of `campaign` of `tenant` (a follow-up's
/// `opened_magnet` condition).
pub async fn opened(tx: &mut Tx, tenant: TenantId, campaign: Uuid, lead: Uuid) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM magnet_links WHERE tenant_id = $1 AND campaign_id = $2 \
        AND lead_id = $3 AND first_opened_at IS NOT NULL";
    let n: i64 = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(campaign).bind(lead)
        .fetch_one(c).await?);
    Ok(n > 0)
}
