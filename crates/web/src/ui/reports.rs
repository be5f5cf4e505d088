//! The report page: one client's (or the whole workspace's) figures for a period, under the
//! agency's and the client's names, beside the previous period's, with the breakdowns per
//! post, account, campaign and step, the days' chart, and the same report as a PDF
//! (`/reports.pdf` with the same query). Client-role members may open both.

use super::period_view;
use super::render::{UiError, page};
use super::session::Signed;
use crate::routes::reports::{ReportParams, pdf_response};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::report_pdf::{percent, usd};
use revos_app::reports::ReportRow;
use revos_domain::PageRequest;

fn rows(rows: &[ReportRow], unnamed: &str) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            let f = &r.figures;
            context! {
                id => r.id.map(|i| i.to_string()), name => r.name.clone().unwrap_or_else(|| unnamed.to_owned()),
                leads => f.leads, enriched => f.enriched, dm_sent => f.dm_sent, replied => f.replied,
                reply_rate => percent(f.reply_rate), cost => usd(Some(f.cost_usd)),
                cost_per_lead => usd(f.cost_per_lead_usd),
            }
        })
        .collect()
}

/// `GET /reports`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(params): Query<ReportParams>,
) -> Result<Html<String>, UiError> {
    let app = &state.app;
    let today = app.now().date_naive();
    let (range, client) = period_view::parse(&params, today)?;
    let report = app.report(&signed.who, range, client).await?;
    let clients: Vec<Value> = app
        .list_cartridges(
            &signed.who,
            PageRequest {
                limit: PageRequest::MAX_LIMIT,
                after: None,
            },
        )
        .await?
        .items
        .iter()
        .map(|c| {
            let id = c.id.0.to_string();
            context! { selected => client.map(|k| k.to_string()) == Some(id.clone()), id => id, name => c.spec.name.clone() }
        })
        .collect();
    let (chart, daily) = period_view::chart(&report.summary);
    let periods = period_view::periods(&report.summary);
    let mut pdf_query = format!("from={}&to={}", range.from(), range.to());
    if let Some(c) = client {
        pdf_query.push_str(&format!("&client_id={c}"));
    }
    let steps: Vec<Value> = report
        .by_step
        .iter()
        .map(|s| {
            context! {
                campaign_id => s.campaign_id.to_string(), campaign => s.campaign_name.clone(),
                step => s.step_id.clone().unwrap_or_else(|| "—".to_owned()),
                dm_sent => s.dm_sent, replied => s.replied, reply_rate => percent(s.reply_rate),
            }
        })
        .collect();
    page(
        &state,
        &signed,
        "reports.html",
        "reports",
        context! {
            workspace => report.workspace_name.clone(),
            client => Value::from(Serde(&report.client)),
            clients => clients,
            picker => period_view::picker("/reports", &range, today, client),
            periods => periods,
            comparison => period_view::comparison(&report.summary),
            chart => chart, daily => daily,
            by_post => rows(&report.by_post, "No post"),
            by_account => rows(&report.by_account, "No account"),
            by_campaign => rows(&report.by_campaign, "—"),
            by_step => steps,
            pdf_query => pdf_query,
        },
    )
    .await
}

/// `GET /reports.pdf`: the same report as a PDF download.
pub(super) async fn pdf(
    State(state): State<AppState>,
    signed: Signed,
    Query(params): Query<ReportParams>,
) -> Result<Response, UiError> {
    let (range, client) = period_view::parse(&params, state.app.now().date_naive())?;
    let (report, pdf) = state.app.report_pdf(&signed.who, range, client).await?;
    Ok(pdf_response(&report, pdf))
}
