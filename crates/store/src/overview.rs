//! The agency overview: every workspace a person belongs to with its funnel, replies
//! waiting, posts waiting for approval and account health, in one query grouped by tenant
//! over the person's memberships (never a query per workspace). Read in system scope, and
//! only ever for the tenants the person is a member of.

use crate::tx::on_conn;
use crate::{Result, Tx};
use revos_domain::UserId;
use uuid::Uuid;

/// One workspace of the overview.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OverviewRow {
    /// The workspace.
    pub tenant_id: Uuid,
    /// Its name.
    pub name: String,
    /// The person's role there.
    pub role: String,
    /// Leads found (every campaign's funnel summed).
    pub scraped: i64,
    /// Leads enriched.
    pub enriched: i64,
    /// Leads sent a DM.
    pub dm_sent: i64,
    /// Leads who replied.
    pub replied: i64,
    /// Conversations with a reply nobody has read.
    pub replies_waiting: i64,
    /// Posts waiting for approval.
    pub posts_waiting: i64,
    /// LinkedIn accounts in use (detached ones left out).
    pub accounts: i64,
    /// Of those, the connected and usable ones.
    pub accounts_ok: i64,
}

/// Every workspace of `user`, oldest membership first, with its figures. System scope.
pub async fn of_user(tx: &mut Tx, user: UserId) -> Result<Vec<OverviewRow>> {
    const SQL: &str = "SELECT m.tenant_id, t.name, m.role, \
        CAST(COALESCE(f.scraped, 0) AS BIGINT) AS scraped, \
        CAST(COALESCE(f.enriched, 0) AS BIGINT) AS enriched, \
        CAST(COALESCE(f.dm_sent, 0) AS BIGINT) AS dm_sent, \
        CAST(COALESCE(f.replied, 0) AS BIGINT) AS replied, \
        CAST(COALESCE(i.waiting, 0) AS BIGINT) AS replies_waiting, \
        CAST(COALESCE(p.waiting, 0) AS BIGINT) AS posts_waiting, \
        CAST(COALESCE(a.accounts, 0) AS BIGINT) AS accounts, \
        CAST(COALESCE(a.accounts_ok, 0) AS BIGINT) AS accounts_ok \
        FROM memberships m JOIN tenants t ON t.id = m.tenant_id \
        LEFT JOIN (SELECT tenant_id, SUM(scraped) AS scraped, SUM(enriched) AS enriched, \
            SUM(dm_sent) AS dm_sent, SUM(replied) AS replied FROM campaign_funnels \
            WHERE tenant_id IN (SELECT tenant_id FROM memberships WHERE user_id = $1) \
            GROUP BY tenant_id) f ON f.tenant_id = m.tenant_id \
        LEFT JOIN (SELECT tenant_id, COUNT(*) AS waiting FROM inbox_conversations \
            WHERE unread = $2 AND tenant_id IN (SELECT tenant_id FROM memberships WHERE user_id = $1) \
            GROUP BY tenant_id) i ON i.tenant_id = m.tenant_id \
        LEFT JOIN (SELECT tenant_id, COUNT(*) AS waiting FROM posts \
            WHERE status = 'pending_approval' \
            AND tenant_id IN (SELECT tenant_id FROM memberships WHERE user_id = $1) \
            GROUP BY tenant_id) p ON p.tenant_id = m.tenant_id \
        LEFT JOIN (SELECT tenant_id, COUNT(*) AS accounts, \
            SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS accounts_ok FROM linkedin_accounts \
            WHERE status <> 'detached' \
            AND tenant_id IN (SELECT tenant_id FROM memberships WHERE user_id = $1) \
            GROUP BY tenant_id) a ON a.tenant_id = m.tenant_id \
        WHERE m.user_id = $1 ORDER BY m.created_at, m.tenant_id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(user.0).bind(true).fetch_all(c).await?))
}
