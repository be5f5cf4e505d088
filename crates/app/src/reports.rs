//! Reports over a date range (issue 21, item 5): a workspace's (or one client's) figures for
//! a period of whole UTC days beside the previous period of equal length, with the changes;
//! breakdowns per post, per account, per campaign and per sequence step; and the figures per
//! day for the chart. Each total and breakdown is one grouped query (the `analytics_query`
//! tool's own, [`revos_store::analytics_queries`], and [`revos_store::report_queries`]).
//! Any member of the workspace may read them, the client role included.

use crate::{App, AppError, Principal, Result};
use revos_domain::activity::reply_rate;
use revos_domain::date_range::DateRange;
use revos_domain::funnel::{cost_per_lead, round_usd};
use revos_domain::period_change::{Change, change};
use revos_domain::post::first_line;
use revos_domain::{CartridgeId, TenantId};
use revos_store::analytics_queries::{self as counts, EventGroup, PeriodCounts};
use revos_store::{Tx, cartridges, report_queries, tenants};
use serde::Serialize;
use uuid::Uuid;

/// The most characters of a post's first line that name its row.
const POST_TITLE_CHARS: usize = 80;

/// A period's first and last day (inclusive), in UTC.
#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportPeriod {
    /// The first day, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: chrono::NaiveDate,
    /// The last day (included).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: chrono::NaiveDate,
    /// How many days it covers.
    pub days: i64,
}

impl From<DateRange> for ReportPeriod {
    fn from(r: DateRange) -> Self {
        Self {
            from: r.from(),
            to: r.to(),
            days: r.days(),
        }
    }
}

/// The figures of one period (or one row of a breakdown); each lead counted once per figure.
#[derive(Clone, Copy, Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportFigures {
    /// Leads made (commenters who used a trigger word: "scraped").
    pub leads: u64,
    /// Leads enriched.
    pub enriched: u64,
    /// Leads sent a DM.
    pub dm_sent: u64,
    /// Leads who replied to a DM.
    pub replied: u64,
    /// `replied / dm_sent`; `null` without DMs sent.
    pub reply_rate: Option<f64>,
    /// What the period's steps cost, in US dollars.
    pub cost_usd: f64,
    /// `cost_usd / leads`; `null` without leads or without costs.
    pub cost_per_lead_usd: Option<f64>,
}

fn figures(c: &PeriodCounts) -> ReportFigures {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let (leads, dm_sent, replied) = (n(c.leads), n(c.dm_sent), n(c.replied));
    let cost = round_usd(c.cost_usd);
    ReportFigures {
        leads,
        enriched: n(c.enriched),
        dm_sent,
        replied,
        reply_rate: reply_rate(replied, dm_sent),
        cost_usd: cost,
        cost_per_lead_usd: (cost > 0.0).then(|| cost_per_lead(cost, leads)).flatten(),
    }
}

/// How each figure moved from the previous period.
#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportChanges {
    /// Leads made.
    pub leads: Change,
    /// Leads enriched.
    pub enriched: Change,
    /// Leads sent a DM.
    pub dm_sent: Change,
    /// Leads who replied.
    pub replied: Change,
    /// The reply rate (the delta in rate points: 0.05 is five points).
    pub reply_rate: Change,
    /// The cost.
    pub cost_usd: Change,
    /// The cost per lead.
    pub cost_per_lead_usd: Change,
}

fn changes(now: &ReportFigures, before: &ReportFigures) -> ReportChanges {
    let count = |a: u64, b: u64| change(Some(a as f64), Some(b as f64));
    ReportChanges {
        leads: count(now.leads, before.leads),
        enriched: count(now.enriched, before.enriched),
        dm_sent: count(now.dm_sent, before.dm_sent),
        replied: count(now.replied, before.replied),
        reply_rate: change(now.reply_rate, before.reply_rate),
        cost_usd: change(Some(now.cost_usd), Some(before.cost_usd)),
        cost_per_lead_usd: change(now.cost_per_lead_usd, before.cost_per_lead_usd),
    }
}

/// The totals of the period, of the previous one, and the changes.
#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportTotals {
    /// The period asked for.
    pub current: ReportFigures,
    /// The previous period of equal length.
    pub previous: ReportFigures,
    /// From the previous to the current.
    pub change: ReportChanges,
}

/// One row of a breakdown per post, account or campaign.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// The post's, account's or campaign's id; `null` for leads from no post (or campaigns
    /// without an account).
    pub id: Option<Uuid>,
    /// Its name (a post's first line, or its LinkedIn id when it has no text).
    pub name: Option<String>,
    /// Its figures in the period.
    pub figures: ReportFigures,
}

/// One sequence step's row: its DMs and the replies credited to it in the period.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportStepRow {
    /// The campaign.
    pub campaign_id: Uuid,
    /// Its name.
    pub campaign_name: String,
    /// The step's id in the campaign's sequence; `null` for replies before any DM.
    pub step_id: Option<String>,
    /// Leads sent this step's DM in the period.
    pub dm_sent: u64,
    /// Leads who replied in the period, after this step was the last one sent to them.
    pub replied: u64,
    /// `replied / dm_sent`; `null` without DMs sent.
    pub reply_rate: Option<f64>,
}

/// One UTC day of the period.
#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDay {
    /// The day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: chrono::NaiveDate,
    /// Leads made that day.
    pub leads: u64,
    /// Leads sent a DM that day.
    pub dm_sent: u64,
    /// Leads who replied that day.
    pub replied: u64,
}

/// The period's totals beside the previous period's, and its days: what the dashboard shows.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportSummary {
    /// The period.
    pub period: ReportPeriod,
    /// The previous period of equal length.
    pub previous_period: ReportPeriod,
    /// The totals and their changes.
    pub totals: ReportTotals,
    /// Every day of the period, oldest first (zeros included).
    pub daily: Vec<ReportDay>,
}

/// The client (cartridge) a report is narrowed to.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportClient {
    /// The cartridge's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// A whole report: who it is from and for, the summary and the breakdowns.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// The agency: the workspace's name.
    pub workspace_name: String,
    /// The client the report is narrowed to; `null` for the whole workspace.
    pub client: Option<ReportClient>,
    /// The period, the previous one, the totals and the days.
    #[serde(flatten)]
    pub summary: ReportSummary,
    /// Per post the leads came from (a row without id for leads from no post).
    pub by_post: Vec<ReportRow>,
    /// Per LinkedIn account.
    pub by_account: Vec<ReportRow>,
    /// Per campaign.
    pub by_campaign: Vec<ReportRow>,
    /// Per campaign and sequence step.
    pub by_step: Vec<ReportStepRow>,
}

/// The one row of a total query, or zeros.
async fn total(
    tx: &mut Tx,
    tenant: TenantId,
    range: DateRange,
    client: Option<Uuid>,
) -> Result<ReportFigures> {
    let b = range.bounds();
    let rows = counts::counts(tx, tenant, EventGroup::Total, b.from, b.to, client).await?;
    Ok(rows.first().map(figures).unwrap_or_default())
}

/// A breakdown's rows.
async fn breakdown(
    tx: &mut Tx,
    tenant: TenantId,
    group: EventGroup,
    range: DateRange,
    client: Option<Uuid>,
) -> Result<Vec<ReportRow>> {
    let b = range.bounds();
    let rows = counts::counts(tx, tenant, group, b.from, b.to, client).await?;
    Ok(rows
        .iter()
        .map(|c| ReportRow {
            id: c.key,
            name: match group {
                EventGroup::Post => c.name.as_deref().map(|t| first_line(t, POST_TITLE_CHARS)),
                _ => c.name.clone(),
            },
            figures: figures(c),
        })
        .collect())
}

impl App {
    /// The period's totals beside the previous period's, and its days, for the workspace or
    /// (with `client`) that client's campaigns.
    pub async fn report_summary(
        &self,
        who: &Principal,
        range: DateRange,
        client: Option<Uuid>,
    ) -> Result<ReportSummary> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let summary = summary(&mut tx, who.tenant, range, client).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The whole report for `range`: the workspace's name, the client's (a cartridge of the
    /// workspace; 404 for any other), the summary and the breakdowns.
    pub async fn report(
        &self,
        who: &Principal,
        range: DateRange,
        client: Option<Uuid>,
    ) -> Result<Report> {
        let tenant = who.tenant;
        let mut tx = self.store.begin_read_for(tenant).await?;
        let workspace_name = tenants::get(&mut tx, tenant)
            .await?
            .ok_or(AppError::NotFound("workspace"))?
            .name;
        let client = match client {
            None => None,
            Some(id) => {
                let row = cartridges::get(&mut tx, tenant, CartridgeId(id))
                    .await?
                    .ok_or(AppError::NotFound("client"))?;
                Some(ReportClient { id, name: row.name })
            }
        };
        let only = client.as_ref().map(|c| c.id);
        let summary = summary(&mut tx, tenant, range, only).await?;
        let by_post = breakdown(&mut tx, tenant, EventGroup::Post, range, only).await?;
        let by_account = breakdown(&mut tx, tenant, EventGroup::Account, range, only).await?;
        let by_campaign = breakdown(&mut tx, tenant, EventGroup::Campaign, range, only).await?;
        let b = range.bounds();
        let steps = report_queries::per_step(&mut tx, tenant, b.from, b.to, only).await?;
        tx.commit().await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let by_step = steps
            .into_iter()
            .map(|s| ReportStepRow {
                campaign_id: s.campaign_id,
                campaign_name: s.campaign_name,
                step_id: s.step_id,
                dm_sent: n(s.sent),
                replied: n(s.replied),
                reply_rate: reply_rate(n(s.replied), n(s.sent)),
            })
            .collect();
        Ok(Report {
            workspace_name,
            client,
            summary,
            by_post,
            by_account,
            by_campaign,
            by_step,
        })
    }
}

/// The summary, read in `tx`.
async fn summary(
    tx: &mut Tx,
    tenant: TenantId,
    range: DateRange,
    client: Option<Uuid>,
) -> Result<ReportSummary> {
    let previous = range.previous();
    let current = total(tx, tenant, range, client).await?;
    let before = total(tx, tenant, previous, client).await?;
    let b = range.bounds();
    let days = report_queries::per_day(tx, tenant, b.from, b.to, client).await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let daily = range
        .each_day()
        .map(|date| {
            let row = days.iter().find(|d| d.day == date);
            ReportDay {
                date,
                leads: row.map_or(0, |r| n(r.leads)),
                dm_sent: row.map_or(0, |r| n(r.dm_sent)),
                replied: row.map_or(0, |r| n(r.replied)),
            }
        })
        .collect();
    Ok(ReportSummary {
        period: range.into(),
        previous_period: previous.into(),
        totals: ReportTotals {
            current,
            previous: before,
            change: changes(&current, &before),
        },
        daily,
    })
}
