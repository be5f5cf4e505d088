//! The dashboard: the funnel over every campaign, DMs and replies per day as a chart (and a
//! table with the same numbers), the reply rate, the cost per lead and a row per campaign
//! (a page at a time; the totals cover them all). A client sees the figures without links to
//! the agency's pages, and a pointer to the approval queue instead of the first-run checklist.

use super::charts::{Series, grouped_bars};
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_domain::PageRequest;
use revos_domain::activity::reply_rate;
use revos_domain::lead::LeadStage;
use serde::Deserialize;

/// How many days the activity chart covers.
const CHART_DAYS: u32 = 14;

/// A ratio as a percentage with one decimal, or a dash when there is none.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// An amount in US dollars: cents, or four decimals for amounts under a cent (model calls
/// and enrichment lookups are often fractions of a cent).
fn usd(amount: Option<f64>) -> String {
    match amount {
        None => "—".to_owned(),
        Some(a) if a != 0.0 && a.abs() < 0.01 => format!("${a:.4}"),
        Some(a) => format!("${a:.2}"),
    }
}

/// The dashboard's query: which page of the campaign table to show (`after` a campaign id,
/// from the table's "next" link). The totals always cover every campaign.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DashboardQuery {
    #[serde(default)]
    after: String,
    /// What the sandbox trial button did (`started` or `exists`), shown once.
    #[serde(default)]
    trial: String,
}

/// `GET /`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<DashboardQuery>,
) -> Result<Html<String>, UiError> {
    let app = &state.app;
    let after = match query.after.trim() {
        "" => None,
        raw => Some(uuid::Uuid::parse_str(raw).map_err(|_| {
            UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "after: is not a page of the campaign table",
            )
        })?),
    };
    let request = PageRequest {
        limit: PageRequest::MAX_LIMIT,
        after,
    };
    // The first-run checklist is the agency's (its steps link to pages a client cannot
    // open); a client is pointed at the posts waiting for their approval instead.
    let client = signed.who.role.is_client();
    let first_run = match client {
        true => None,
        false => Some(app.first_run(&signed.who).await?),
    };
    let trial = match query.trial.as_str() {
        "started" => Some(
            "The sandbox trial is running: its campaign watches a simulated post, and the first lead appears within about a minute.",
        ),
        "exists" => Some("The sandbox trial is already set up: nothing new was created."),
        _ => None,
    };
    let workspace = app.workspace_funnel(&signed.who).await?;
    let listed = app.campaign_funnels(&signed.who, request).await?;
    let rows: Vec<Value> = listed
        .items
        .iter()
        .map(|c| {
            let f = &c.funnel;
            context! {
                id => f.campaign_id.to_string(), name => c.name.clone(), status => c.status.as_str(), sandbox => f.sandbox,
                scraped => f.counts.scraped, enriched => f.counts.enriched,
                dm_sent => f.counts.dm_sent, opened => f.counts.opened, replied => f.counts.replied,
                reply_rate => percent(reply_rate(f.counts.replied, f.counts.dm_sent)),
                cost => usd(Some(f.cost_usd)), cost_per_lead => usd(f.cost_per_lead_usd),
            }
        })
        .collect();
    let next_url = listed.next_after.map(|id| format!("/?after={id}"));
    let total = workspace.counts;
    let funnel = [
        (LeadStage::Scraped.as_str(), "Scraped", total.scraped),
        (LeadStage::Enriched.as_str(), "Enriched", total.enriched),
        (LeadStage::DmSent.as_str(), "DM sent", total.dm_sent),
        // Not a stage: leads who opened the tracked lead-magnet link.
        ("opened", "Opened", total.opened),
        (LeadStage::Replied.as_str(), "Replied", total.replied),
        (
            LeadStage::EmailSequenced.as_str(),
            "Email sequenced",
            total.email_sequenced,
        ),
        (
            LeadStage::EmailReplied.as_str(),
            "Email replied",
            total.email_replied,
        ),
    ]
    .map(|(key, label, value)| context! { key => key, label => label, value => value });
    let summary = context! {
        reply_rate => percent(reply_rate(total.replied, total.dm_sent)),
        cost => usd(Some(workspace.cost_usd)),
        cost_per_lead => usd(workspace.cost_per_lead_usd),
        sandbox => workspace.sandbox,
        campaigns => workspace.campaigns,
    };
    let days = app.daily_activity(&signed.who, CHART_DAYS).await?;
    let short: Vec<String> = days
        .iter()
        .map(|d| d.date.format("%m-%d").to_string())
        .collect();
    let full: Vec<String> = days.iter().map(|d| d.date.to_string()).collect();
    let sent: Vec<u64> = days.iter().map(|d| d.dm_sent).collect();
    let replied: Vec<u64> = days.iter().map(|d| d.replied).collect();
    let chart = grouped_bars(
        &format!("DMs sent and replies per day, last {CHART_DAYS} days"),
        &short,
        &full,
        &[
            Series {
                name: "DMs sent",
                colour: "#2e6fb7",
                values: &sent,
            },
            Series {
                name: "Replies",
                colour: "#12b76a",
                values: &replied,
            },
        ],
    );
    let daily: Vec<Value> = days
        .iter()
        .map(
            |d| context! { date => d.date.to_string(), dm_sent => d.dm_sent, replied => d.replied },
        )
        .collect();
    page(
        &state,
        &signed,
        "dashboard.html",
        "dashboard",
        context! {
            funnel => funnel.to_vec(), campaigns => rows, summary => summary, next_url => next_url,
            chart => Value::from_safe_string(chart), daily => daily, chart_days => CHART_DAYS,
            first_run => Value::from(Serde(&first_run)), trial => trial,
            admin => signed.who.role.can_administer(), client => client,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_money_read_well() {
        assert_eq!(percent(None), "—");
        assert_eq!(percent(Some(0.25)), "25.0%");
        assert_eq!(usd(None), "—");
        assert_eq!(usd(Some(0.0)), "$0.00");
        assert_eq!(usd(Some(0.0125)), "$0.01");
        assert_eq!(usd(Some(0.004)), "$0.0040");
        assert_eq!(usd(Some(12.5)), "$12.50");
    }
}
