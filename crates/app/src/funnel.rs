//! A campaign's funnel and cost, and the workspace's: how many leads reached each step (by
//! the rule of [`revos_domain::funnel`], applied by the store as leads move) and what the
//! events cost, read from the store's rollup — one row per campaign, whatever the number of
//! leads. Any member of the workspace may read them.

use crate::{App, AppError, Principal, Result};
use revos_domain::campaign::CampaignStatus;
use revos_domain::funnel::{FunnelCounts, cost_per_lead, round_usd};
use revos_domain::{Page, PageRequest};
use revos_store::funnel_queries::{self as store, Counters, FunnelRow};
use serde::Serialize;
use uuid::Uuid;

/// A campaign's funnel as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnel {
    /// The campaign.
    pub campaign_id: Uuid,
    /// How many leads reached each step.
    #[serde(flatten)]
    pub counts: FunnelCounts,
    /// The sum of the cost of the campaign's events, in US dollars.
    pub cost_usd: f64,
    /// `cost_usd` divided by the scraped leads; `null` when there are none.
    pub cost_per_lead_usd: Option<f64>,
    /// True when the campaign runs in the sandbox (its costs are simulated).
    pub sandbox: bool,
}

impl Funnel {
    fn of(row: &FunnelRow) -> Self {
        let counts = row.counts.funnel();
        let cost_usd = round_usd(row.counts.cost_usd);
        Self {
            campaign_id: row.campaign_id,
            cost_per_lead_usd: cost_per_lead(cost_usd, counts.scraped),
            counts,
            cost_usd,
            sandbox: row.sandbox,
        }
    }
}

/// A campaign's line in a list of funnels (the dashboard's table).
#[derive(Clone, Debug, Serialize)]
pub struct CampaignFunnel {
    /// Its name.
    pub name: String,
    /// Where it is in its life.
    pub status: CampaignStatus,
    /// Its funnel.
    pub funnel: Funnel,
}

/// Every campaign of the workspace together.
#[derive(Clone, Debug, Serialize)]
pub struct WorkspaceFunnel {
    /// How many campaigns the totals cover (all of them).
    pub campaigns: u64,
    /// Their counts summed (a lead in two campaigns counts in each).
    pub counts: FunnelCounts,
    /// Their summed cost, in US dollars.
    pub cost_usd: f64,
    /// `cost_usd` divided by the scraped leads; `null` when there are none.
    pub cost_per_lead_usd: Option<f64>,
    /// True when any of them runs in the sandbox.
    pub sandbox: bool,
}

impl WorkspaceFunnel {
    fn of(campaigns: i64, sandbox: bool, c: &Counters) -> Self {
        let counts = c.funnel();
        let cost_usd = round_usd(c.cost_usd);
        Self {
            campaigns: u64::try_from(campaigns).unwrap_or(0),
            cost_per_lead_usd: cost_per_lead(cost_usd, counts.scraped),
            counts,
            cost_usd,
            sandbox,
        }
    }
}

impl App {
    /// The funnel of a campaign of the workspace; 404 for any other campaign.
    pub async fn campaign_funnel(&self, who: &Principal, campaign: Uuid) -> Result<Funnel> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = store::of_campaign(&mut tx, who.tenant, campaign)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        tx.commit().await?;
        Ok(Funnel::of(&row))
    }

    /// The funnels of a page of the workspace's campaigns, in id order.
    pub async fn campaign_funnels(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<CampaignFunnel>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::page(&mut tx, who.tenant, page).await?;
        tx.commit().await?;
        Ok(
            Page::from_rows(rows, page, |r| r.campaign_id).map(|r| CampaignFunnel {
                funnel: Funnel::of(&r),
                name: r.name,
                status: r.status,
            }),
        )
    }

    /// The funnel of every campaign of the workspace together, however many there are.
    pub async fn workspace_funnel(&self, who: &Principal) -> Result<WorkspaceFunnel> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let t = store::totals(&mut tx, who.tenant).await?;
        tx.commit().await?;
        Ok(WorkspaceFunnel::of(t.campaigns, t.sandbox, &t.counts))
    }
}
