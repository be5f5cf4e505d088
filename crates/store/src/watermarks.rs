//! Each watched post's comment high-water mark: the newest comment of the last walk of its
//! comments that reached the previous mark (or the oldest comment). The monitor reads a post's
//! comments newest first, page by page, and stops at the mark; the mark advances only once a
//! walk got there, so a page that failed to load is read again on the next pass instead of
//! being hidden behind pages that were already processed. A monitor pass reads the marks of
//! all of a campaign's watched posts in one query ([`of_campaign`]).

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// A watched post of a campaign with its mark, as one monitor pass starts from.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WatchedPost {
    /// Our post row.
    pub post: Uuid,
    /// The provider's post id (what comments are listed under).
    pub provider_post_id: String,
    /// Its mark, if a walk ever completed.
    pub boundary: Option<String>,
}

/// The watched posts of `campaign` of `tenant` with their marks, in one query (the partial
/// index `posts_watching` serves it).
pub async fn of_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Vec<WatchedPost>> {
    const SQL: &str = "SELECT p.id AS post, p.provider_post_id, w.boundary_comment_id AS boundary \
        FROM posts p LEFT JOIN comment_watermarks w ON w.post_id = p.id AND w.tenant_id = p.tenant_id \
        WHERE p.tenant_id = $1 AND p.campaign_id = $2 AND p.status = 'watching' \
        AND p.provider_post_id IS NOT NULL ORDER BY p.id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?))
}

/// Moves the mark of the post row `post` of `tenant` to `newest`, the newest comment of a walk
/// that processed every page down to the previous mark.
pub async fn advance(
    tx: &mut Tx,
    tenant: TenantId,
    post: Uuid,
    newest: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO comment_watermarks (post_id, tenant_id, boundary_comment_id, updated_at) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (post_id) DO UPDATE \
        SET boundary_comment_id = excluded.boundary_comment_id, updated_at = excluded.updated_at";
    on_conn!(tx, c => sqlx::query(SQL).bind(post).bind(tenant.0).bind(newest).bind(now).execute(c).await?.rows_affected());
    Ok(())
}
