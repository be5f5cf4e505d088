//! Reports over a date range: the workspace's (or one client's) totals for a period beside
//! the previous period's, the breakdowns per post, account, campaign and step, the days for
//! a chart, and the same report as a PDF. Any member may read them, the client role too.

use crate::error::{ApiError, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use revos_app::reports::Report;
use revos_domain::ValidationErrors;
use revos_domain::date_range::DateRange;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_report))
        .routes(routes!(get_report_pdf))
}

/// The period and the client a report is asked for, as given in the query string (the
/// dashboard's and the report page's plain GET forms send the same).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportParams {
    /// The first day, `YYYY-MM-DD` (UTC), with `to`.
    #[serde(default)]
    pub(crate) from: Option<String>,
    /// The last day, included, with `from`; the range covers at most 366 days.
    #[serde(default)]
    pub(crate) to: Option<String>,
    /// Instead of the dates: `7d`, `30d`, `this_month` or `last_month`. Without dates or a
    /// preset, the last 30 days.
    #[serde(default)]
    pub(crate) preset: Option<String>,
    /// Only this client's (cartridge's) campaigns.
    #[serde(default)]
    pub(crate) client_id: Option<String>,
}

impl ReportParams {
    /// The range and the client; a mistake names its parameter.
    pub(crate) fn parse(
        &self,
        today: NaiveDate,
    ) -> Result<(DateRange, Option<Uuid>), ValidationErrors> {
        let range = DateRange::from_query(
            self.from.as_deref(),
            self.to.as_deref(),
            self.preset.as_deref(),
            today,
        )?;
        let client = match self.client_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(
                Uuid::parse_str(raw)
                    .map_err(|_| ValidationErrors::single("client_id", "must be a UUID"))?,
            ),
        };
        Ok((range, client))
    }
}

/// The PDF of `report` as a download named after the client (or workspace) and the period.
pub(crate) fn pdf_response(report: &Report, pdf: Vec<u8>) -> Response {
    let subject = report
        .client
        .as_ref()
        .map_or(report.workspace_name.as_str(), |c| c.name.as_str());
    let stem: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-');
    let p = &report.summary.period;
    let name = format!(
        "report-{}{}{}-{}.pdf",
        stem,
        if stem.is_empty() { "" } else { "-" },
        p.from,
        p.to
    );
    let mut resp = pdf.into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

fn params(
    state: &AppState,
    query: Result<Query<ReportParams>, QueryRejection>,
) -> Result<(DateRange, Option<Uuid>), ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    Ok(query.parse(state.app.now().date_naive())?)
}

/// The report for a period of whole UTC days: totals of the period and of the previous
/// period of equal length with the changes, breakdowns per post, account, campaign and
/// sequence step (each one grouped query), and every day's figures.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", security(("bearer" = [])),
    params(ReportParams),
    responses((status = 200, body = Report), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_report(
    State(state): State<AppState>,
    Auth(who): Auth,
    query: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let (range, client) = params(&state, query)?;
    Ok(Json(state.app.report(&who, range, client).await?))
}

/// The same report as a PDF with the agency's (workspace's) and the client's names: what an
/// agency sends its client (`preset=last_month` for the month just ended).
#[utoipa::path(get, path = "/api/v1/reports.pdf", tag = "reports", security(("bearer" = [])),
    params(ReportParams),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_report_pdf(
    State(state): State<AppState>,
    Auth(who): Auth,
    query: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (range, client) = params(&state, query)?;
    let (report, pdf) = state.app.report_pdf(&who, range, client).await?;
    Ok(pdf_response(&report, pdf))
}
