//! Typed, tenant-scoped aggregate questions ("reply rate by campaign last month") for the
//! Campaign Manager's `analytics_query` tool: a metric, a grouping and a period, answered by
//! one aggregate query each — the pipeline's events over the period per campaign, per
//! account, per post (the post each lead commented on) or in total (each lead counted once per step, as the funnel counts it), or, per
//! day, the dashboard's own per-day rollup. No SQL or code from a model ever runs.

use crate::{App, Principal, Result};
use chrono::NaiveDate;
use revos_domain::ValidationErrors;
use revos_domain::activity::reply_rate;
use revos_domain::funnel::{cost_per_lead, round_usd};
use revos_domain::post::first_line;
use revos_domain::report_period::{Bounds, ReportPeriod};
use revos_store::analytics_queries::{self as store, EventGroup, PeriodCounts};
use revos_store::events;
use serde::{Deserialize, Serialize};

/// A figure the question asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Leads created (commenters who used a trigger word).
    Leads,
    /// Leads enriched.
    Enriched,
    /// Leads whose DM was sent.
    DmSent,
    /// Leads who replied to the DM.
    Replied,
    /// Replied divided by DMs sent.
    ReplyRate,
    /// The summed cost, in US dollars.
    CostUsd,
    /// Cost divided by leads, in US dollars.
    CostPerLead,
}

/// What the answer is broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One row per campaign with events in the period.
    Campaign,
    /// One row per LinkedIn account (of those campaigns).
    Account,
    /// One row per post the leads came from (the post each lead commented on), and a row
    /// keyed `null` for leads that came from no post.
    Post,
    /// One row per UTC day with DMs or replies (dm_sent, replied, reply_rate only).
    Day,
    /// One row for the whole workspace.
    Total,
}

/// An aggregate question.
#[derive(Clone, Debug)]
pub struct AnalyticsQuestion {
    /// The figure asked for.
    pub metric: Metric,
    /// The breakdown.
    pub group_by: GroupBy,
    /// The period.
    pub period: ReportPeriod,
    /// The first day of a `custom` period.
    pub from: Option<NaiveDate>,
    /// The last day of a `custom` period (inclusive).
    pub to: Option<NaiveDate>,
}

/// One row of an answer: the group, the figure asked for, and the counts it comes from.
#[derive(Clone, Debug, Serialize)]
pub struct AnalyticsRow {
    /// The campaign's, account's or post's id, or the day (`YYYY-MM-DD`); `null` for the
    /// total (and for leads from no post).
    pub key: Option<String>,
    /// The campaign's or account's name, a post's first line (at most
    /// [`POST_TITLE_CHARS`] characters) or, for a post watched by its LinkedIn id only, that
    /// id; `null` for days and the total.
    pub name: Option<String>,
    /// The metric asked for; `null` when it is undefined (a rate without DMs sent).
    pub value: Option<f64>,
    /// Leads created (not counted per day).
    pub leads: Option<u64>,
    /// Leads enriched (not counted per day).
    pub enriched: Option<u64>,
    /// DMs sent.
    pub dm_sent: u64,
    /// Replies.
    pub replied: u64,
    /// Replied / DMs sent.
    pub reply_rate: Option<f64>,
    /// Summed cost in US dollars (not counted per day).
    pub cost_usd: Option<f64>,
    /// Cost per lead in US dollars.
    pub cost_per_lead_usd: Option<f64>,
}

/// The most characters of a post's first line that name its row.
pub const POST_TITLE_CHARS: usize = 80;

/// An answer.
#[derive(Clone, Debug, Serialize)]
pub struct AnalyticsAnswer {
    /// The figure.
    pub metric: Metric,
    /// The breakdown.
    pub group_by: GroupBy,
    /// The period asked for.
    pub period: ReportPeriod,
    /// Its first instant.
    pub from: chrono::DateTime<chrono::Utc>,
    /// The first instant after it.
    pub to: chrono::DateTime<chrono::Utc>,
    /// The rows, in the order of their keys.
    pub rows: Vec<AnalyticsRow>,
}

fn value_of(metric: Metric, row: &AnalyticsRow) -> Option<f64> {
    match metric {
        Metric::Leads => row.leads.map(|v| v as f64),
        Metric::Enriched => row.enriched.map(|v| v as f64),
        Metric::DmSent => Some(row.dm_sent as f64),
        Metric::Replied => Some(row.replied as f64),
        Metric::ReplyRate => row.reply_rate,
        Metric::CostUsd => row.cost_usd,
        Metric::CostPerLead => row.cost_per_lead_usd,
    }
}

fn row_of(c: PeriodCounts) -> AnalyticsRow {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let (leads, dm_sent, replied) = (n(c.leads), n(c.dm_sent), n(c.replied));
    let cost = round_usd(c.cost_usd);
    AnalyticsRow {
        key: c.key.map(|k| k.to_string()),
        name: c.name,
        value: None,
        leads: Some(leads),
        enriched: Some(n(c.enriched)),
        dm_sent,
        replied,
        reply_rate: reply_rate(replied, dm_sent),
        cost_usd: Some(cost),
        cost_per_lead_usd: cost_per_lead(cost, leads),
    }
}

impl App {
    /// Answers an aggregate question about the caller's workspace. Any member may ask.
    pub async fn analytics_query(
        &self,
        who: &Principal,
        q: &AnalyticsQuestion,
    ) -> Result<AnalyticsAnswer> {
        let custom = match (q.period, q.from, q.to) {
            (ReportPeriod::Custom, Some(a), Some(b)) if a <= b => Some((a, b)),
            (ReportPeriod::Custom, Some(_), Some(_)) => {
                return Err(ValidationErrors::single("to", "must not be before from").into());
            }
            (ReportPeriod::Custom, None, _) => {
                return Err(ValidationErrors::single("from", "a custom period needs from").into());
            }
            (ReportPeriod::Custom, _, None) => {
                return Err(ValidationErrors::single("to", "a custom period needs to").into());
            }
            _ => None,
        };
        if q.group_by == GroupBy::Day
            && !matches!(
                q.metric,
                Metric::DmSent | Metric::Replied | Metric::ReplyRate
            )
        {
            return Err(ValidationErrors::single(
                "metric",
                "per day, only dm_sent, replied and reply_rate are counted",
            )
            .into());
        }
        let Bounds { from, to } = q.period.bounds(self.now().date_naive(), custom);
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let mut rows: Vec<AnalyticsRow> = match q.group_by {
            GroupBy::Day => {
                let days =
                    events::dm_activity_per_day(&mut tx, who.tenant, from.date_naive()).await?;
                let last = to.date_naive();
                days.into_iter()
                    .filter(|d| d.day < last)
                    .map(|d| {
                        let n = |v: i64| u64::try_from(v).unwrap_or(0);
                        let (dm_sent, replied) = (n(d.dm_sent), n(d.replied));
                        AnalyticsRow {
                            key: Some(d.day.to_string()),
                            name: None,
                            value: None,
                            leads: None,
                            enriched: None,
                            dm_sent,
                            replied,
                            reply_rate: reply_rate(replied, dm_sent),
                            cost_usd: None,
                            cost_per_lead_usd: None,
                        }
                    })
                    .collect()
            }
            group => {
                let g = match group {
                    GroupBy::Campaign => EventGroup::Campaign,
                    GroupBy::Account => EventGroup::Account,
                    GroupBy::Post => EventGroup::Post,
                    _ => EventGroup::Total,
                };
                store::counts(&mut tx, who.tenant, g, from, to, None)
                    .await?
                    .into_iter()
                    .map(|mut c| {
                        if g == EventGroup::Post {
                            c.name = c.name.map(|body| first_line(&body, POST_TITLE_CHARS));
                        }
                        row_of(c)
                    })
                    .collect()
            }
        };
        tx.commit().await?;
        for r in &mut rows {
            r.value = value_of(q.metric, r);
        }
        Ok(AnalyticsAnswer {
            metric: q.metric,
            group_by: q.group_by,
            period: q.period,
            from,
            to,
            rows,
        })
    }
}
