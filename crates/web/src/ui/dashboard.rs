//! The dashboard: the funnel over every campaign, a chosen period's totals beside the
//! previous period's (the range picker: two dates or a preset), DMs and replies per day of
//! that period as a chart (and a table with the same numbers), the reply rate, the cost per
//! lead and a row per campaign (a page at a time; the totals cover them all). A client sees
//! the figures without links to the agency's pages, and a pointer to the approval queue
//! instead of the first-run checklist.

use super::period_view;
use super::render::{UiError, page};
use super::session::Signed;
use crate::routes::reports::ReportParams;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::report_pdf::{percent, usd};
use revos_domain::PageRequest;
use revos_domain::activity::reply_rate;
use revos_domain::lead::LeadStage;
use serde::Deserialize;

/// The dashboard's query: which page of the campaign table to show (`after` a campaign id,
/// from the table's "next" link; the funnel's totals always cover every campaign), and the
/// period of the comparison and the chart (`from`/`to` or `preset`; the last 30 days
/// without either).
#[derive(Debug, Default, Deserialize)]
pub(super) struct DashboardQuery {
    #[serde(default)]
    after: String,
    /// What the sandbox trial button did (`started` or `exists`), shown once.
    #[serde(default)]
    trial: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    preset: Option<String>,
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
    let today = app.now().date_naive();
    let params = ReportParams {
        from: query.from,
        to: query.to,
        preset: query.preset,
        client_id: None,
    };
    let (range, _) = period_view::parse(&params, today)?;
    let period = app.report_summary(&signed.who, range, None).await?;
    let (chart, daily) = period_view::chart(&period);
    let next_url = listed
        .next_after
        .map(|id| format!("/?after={id}&from={}&to={}", range.from(), range.to()));
    page(
        &state,
        &signed,
        "dashboard.html",
        "dashboard",
        context! {
            funnel => funnel.to_vec(), campaigns => rows, summary => summary, next_url => next_url,
            chart => chart, daily => daily, periods => period_view::periods(&period),
            picker => period_view::picker("/", &range, today, None),
            comparison => period_view::comparison(&period),
            first_run => Value::from(Serde(&first_run)), trial => trial,
            admin => signed.who.role.can_administer(), client => client,
        },
    )
    .await
}
