//! Aggregates over a period for `analytics_query` and the reports: a workspace's pipeline events between two
//! instants, counted per campaign, per LinkedIn account, per post or in total (each lead once
//! per step, as the funnel counts it), each one query over the `events_period` index.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// What a grouping of events is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventGroup {
    /// One row per campaign.
    Campaign,
    /// One row per LinkedIn account (of the events' campaigns).
    Account,
    /// One row per post the leads came from (the post of the comment that made each lead),
    /// plus one keyed `None` for events of leads that came from no post.
    Post,
    /// One row for the whole workspace.
    Total,
}

/// The counts of one group over a period.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PeriodCounts {
    /// The campaign, account or post; `None` for the total (or campaigns without an account,
    /// leads from no post).
    pub key: Option<Uuid>,
    /// Its name (a post's: the first 200 characters of its text, or its LinkedIn id when it
    /// has no text, a post watched by its id); `None` for the total.
    pub name: Option<String>,
    /// Leads that became leads (`lead_scraped`).
    pub leads: i64,
    /// Leads enriched.
    pub enriched: i64,
    /// Leads whose DM went out.
    pub dm_sent: i64,
    /// Leads who answered the DM.
    pub replied: i64,
    /// The summed cost of the events, in US dollars.
    pub cost_usd: f64,
}

macro_rules! counts {
    () => {
        "COUNT(DISTINCT CASE WHEN e.kind = 'lead_scraped' THEN e.subject_id END) AS leads, \
         COUNT(DISTINCT CASE WHEN e.kind = 'lead_enriched' THEN e.subject_id END) AS enriched, \
         COUNT(DISTINCT CASE WHEN e.kind = 'dm_sent' THEN e.subject_id END) AS dm_sent, \
         COUNT(DISTINCT CASE WHEN e.kind = 'dm_replied' THEN e.subject_id END) AS replied, \
         COALESCE(SUM(e.cost_usd), 0.0) AS cost_usd"
    };
}

/// The counts of `tenant`'s campaign events in `[from, to)`, by `group`, ordered by key; with
/// `client`, only the events of that client's (cartridge's) campaigns.
pub async fn counts(
    tx: &mut Tx,
    tenant: TenantId,
    group: EventGroup,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    client: Option<Uuid>,
) -> Result<Vec<PeriodCounts>> {
    const PERIOD: &str = "e.tenant_id = $1 AND e.campaign_id IS NOT NULL \
        AND e.occurred_at >= $2 AND e.occurred_at < $3";
    let (head, tail) = match group {
        EventGroup::Campaign => (
            concat!(
                "SELECT e.campaign_id AS key, c.name AS name, ",
                counts!(),
                " FROM events e JOIN campaigns c ON c.id = e.campaign_id AND c.tenant_id = e.tenant_id WHERE "
            ),
            " GROUP BY e.campaign_id, c.name ORDER BY e.campaign_id",
        ),
        EventGroup::Account => (
            concat!(
                "SELECT c.linkedin_account_id AS key, a.display_name AS name, ",
                counts!(),
                " FROM events e JOIN campaigns c ON c.id = e.campaign_id AND c.tenant_id = e.tenant_id \
                 LEFT JOIN linkedin_accounts a ON a.id = c.linkedin_account_id WHERE "
            ),
            " GROUP BY c.linkedin_account_id, a.display_name ORDER BY c.linkedin_account_id",
        ),
        EventGroup::Post => (
            concat!(
                "SELECT p.id AS key, CASE WHEN TRIM(p.body) = '' THEN p.provider_post_id \
                 ELSE SUBSTR(p.body, 1, 200) END AS name, ",
                counts!(),
                " FROM events e \
                 LEFT JOIN campaign_leads cl ON cl.campaign_id = e.campaign_id AND cl.lead_id = e.subject_id \
                 AND cl.tenant_id = e.tenant_id \
                 LEFT JOIN comments cm ON cm.id = cl.source_comment_id AND cm.tenant_id = e.tenant_id \
                 LEFT JOIN posts p ON p.id = cm.post_id AND p.tenant_id = e.tenant_id WHERE "
            ),
            " GROUP BY p.id, p.body, p.provider_post_id ORDER BY p.id IS NULL, p.id",
        ),
        EventGroup::Total => (
            concat!(
                "SELECT NULL AS key, NULL AS name, ",
                counts!(),
                " FROM events e WHERE "
            ),
            "",
        ),
    };
    let filter = if client.is_some() { CLIENT_FILTER } else { "" };
    // Only constant SQL is spliced in; every value is bound.
    let sql = format!("{head}{PERIOD}{filter}{tail}");
    Ok(on_conn!(tx, c => {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(from).bind(to);
        match client { Some(k) => q.bind(k), None => q }.fetch_all(c).await?
    }))
}

/// Narrows events `e` to the campaigns of the client (cartridge) bound as `$4`.
pub(crate) const CLIENT_FILTER: &str = " AND e.campaign_id IN (SELECT k.id FROM campaigns k \
    WHERE k.tenant_id = $1 AND k.cartridge_id = $4)";
