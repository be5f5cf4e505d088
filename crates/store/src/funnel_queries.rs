//! Reads of the funnel rollup ([`crate::funnel_rollup`] keeps it): a campaign's counters, a
//! page of the workspace's campaigns with theirs, and the workspace's totals, each one
//! indexed query (`campaign_funnels` by its key, campaigns by `(tenant_id, id)`), however
//! many leads the campaigns hold. A campaign without a counters row has none yet (zeros).

use crate::tx::on_conn;
use crate::{Result, Tx};
use revos_domain::campaign::CampaignStatus;
use revos_domain::funnel::FunnelCounts;
use revos_domain::{PageRequest, TenantId};
use uuid::Uuid;

/// The counter columns of `campaign_funnels f`, zero when the campaign has no row.
macro_rules! counters {
    () => {
        "COALESCE(f.scraped, 0) AS scraped, COALESCE(f.enriched, 0) AS enriched, \
         COALESCE(f.awaiting_connection, 0) AS awaiting_connection, COALESCE(f.dm_sent, 0) AS dm_sent, \
         COALESCE(f.replied, 0) AS replied, COALESCE(f.email_sequenced, 0) AS email_sequenced, \
         COALESCE(f.email_replied, 0) AS email_replied, COALESCE(f.opted_out, 0) AS opted_out, \
         COALESCE(f.opened, 0) AS opened, COALESCE(f.cost_usd, 0.0) AS cost_usd"
    };
}

/// A campaign with its name, status, whether its account is a sandbox one, and its counters.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FunnelRow {
    /// The campaign.
    pub campaign_id: Uuid,
    /// Its name.
    pub name: String,
    /// Where it is in its life.
    #[sqlx(try_from = "String")]
    pub status: CampaignStatus,
    /// True when its LinkedIn account is a sandbox account.
    pub sandbox: bool,
    /// How many leads reached each step.
    #[sqlx(flatten)]
    pub counts: Counters,
}

/// The counters of one campaign or of several together, as stored.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct Counters {
    /// Leads of the campaign.
    pub scraped: i64,
    /// Leads enrichment ran for.
    pub enriched: i64,
    /// Leads waiting for a connection now.
    pub awaiting_connection: i64,
    /// Leads whose DM went out.
    pub dm_sent: i64,
    /// Leads who answered the DM.
    pub replied: i64,
    /// Leads handed to the email sequence.
    pub email_sequenced: i64,
    /// Leads who answered an email.
    pub email_replied: i64,
    /// Leads who opted out.
    pub opted_out: i64,
    /// Leads who opened the tracked lead-magnet link.
    pub opened: i64,
    /// The summed cost of the campaign's events, in US dollars.
    pub cost_usd: f64,
}

impl Counters {
    /// The counts as the domain states them.
    pub fn funnel(&self) -> FunnelCounts {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        FunnelCounts {
            scraped: n(self.scraped),
            enriched: n(self.enriched),
            awaiting_connection: n(self.awaiting_connection),
            dm_sent: n(self.dm_sent),
            replied: n(self.replied),
            email_sequenced: n(self.email_sequenced),
            email_replied: n(self.email_replied),
            opted_out: n(self.opted_out),
            opened: n(self.opened),
        }
    }
}

/// The campaign `campaign` of `tenant` with its counters; `None` when there is no such
/// campaign.
pub async fn of_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Option<FunnelRow>> {
    const SQL: &str = concat!(
        "SELECT c.id AS campaign_id, c.name, c.status, COALESCE(a.is_sandbox, FALSE) AS sandbox, ",
        counters!(),
        " FROM campaigns c LEFT JOIN campaign_funnels f ON f.campaign_id = c.id \
        LEFT JOIN linkedin_accounts a ON a.id = c.linkedin_account_id \
        WHERE c.tenant_id = $1 AND c.id = $2"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_optional(c).await?),
    )
}

/// A page of the campaigns of `tenant` (by id) with their counters.
pub async fn page(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<FunnelRow>> {
    const FROM: &str = concat!(
        "SELECT c.id AS campaign_id, c.name, c.status, COALESCE(a.is_sandbox, FALSE) AS sandbox, ",
        counters!(),
        " FROM campaigns c LEFT JOIN campaign_funnels f ON f.campaign_id = c.id \
        LEFT JOIN linkedin_accounts a ON a.id = c.linkedin_account_id \
        WHERE c.tenant_id = $1 ORDER BY c.id LIMIT $2"
    );
    const AFTER: &str = concat!(
        "SELECT c.id AS campaign_id, c.name, c.status, COALESCE(a.is_sandbox, FALSE) AS sandbox, ",
        counters!(),
        " FROM campaigns c LEFT JOIN campaign_funnels f ON f.campaign_id = c.id \
        LEFT JOIN linkedin_accounts a ON a.id = c.linkedin_account_id \
        WHERE c.tenant_id = $1 AND c.id > $3 ORDER BY c.id LIMIT $2"
    );
    let limit = page.fetch_limit();
    Ok(match page.after {
        None => {
            on_conn!(tx, c => sqlx::query_as(FROM).bind(tenant.0).bind(limit).fetch_all(c).await?)
        }
        Some(after) => {
            on_conn!(tx, c => sqlx::query_as(AFTER).bind(tenant.0).bind(limit).bind(after).fetch_all(c).await?)
        }
    })
}

/// Every campaign of a workspace together.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct TotalsRow {
    /// How many campaigns it has.
    pub campaigns: i64,
    /// Whether any of them runs on a sandbox account.
    pub sandbox: bool,
    /// Their counters summed (a lead in two campaigns counts in each).
    #[sqlx(flatten)]
    pub counts: Counters,
}

/// The counters of every campaign of `tenant` summed, in one query.
pub async fn totals(tx: &mut Tx, tenant: TenantId) -> Result<TotalsRow> {
    const SQL: &str = "SELECT CAST(COUNT(c.id) AS BIGINT) AS campaigns, \
        CAST(COALESCE(MAX(CASE WHEN a.is_sandbox THEN 1 ELSE 0 END), 0) AS BIGINT) = 1 AS sandbox, \
        CAST(COALESCE(SUM(f.scraped), 0) AS BIGINT) AS scraped, \
        CAST(COALESCE(SUM(f.enriched), 0) AS BIGINT) AS enriched, \
        CAST(COALESCE(SUM(f.awaiting_connection), 0) AS BIGINT) AS awaiting_connection, \
        CAST(COALESCE(SUM(f.dm_sent), 0) AS BIGINT) AS dm_sent, \
        CAST(COALESCE(SUM(f.replied), 0) AS BIGINT) AS replied, \
        CAST(COALESCE(SUM(f.email_sequenced), 0) AS BIGINT) AS email_sequenced, \
        CAST(COALESCE(SUM(f.email_replied), 0) AS BIGINT) AS email_replied, \
        CAST(COALESCE(SUM(f.opted_out), 0) AS BIGINT) AS opted_out, \
        CAST(COALESCE(SUM(f.opened), 0) AS BIGINT) AS opened, \
        CAST(COALESCE(SUM(f.cost_usd), 0.0) AS DOUBLE PRECISION) AS cost_usd \
        FROM campaigns c LEFT JOIN campaign_funnels f ON f.campaign_id = c.id \
        LEFT JOIN linkedin_accounts a ON a.id = c.linkedin_account_id WHERE c.tenant_id = $1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).fetch_one(c).await?))
}
