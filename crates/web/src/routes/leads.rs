//! Leads: the filtered list, one lead with its timeline, and the CSV export. The filter
//! parameters are shared with the campaign's lead list.

use super::List;
use crate::csv;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use revos_app::lead_bulk::{BulkOutcome, BulkRequest};
use revos_app::leads::{ExportRow, Lead, LeadDetail, LeadExport, LeadFilter};
use revos_domain::lead::LeadStage;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(export))
        .routes(routes!(get))
        .routes(routes!(set_tags))
        .routes(routes!(bulk))
}

/// The stage names, for error messages.
const STAGES: &str = "scraped, enriched, awaiting_connection, dm_queued, dm_sent, replied, \
    email_sequenced, email_replied or opted_out";

/// Filters of a lead list, as sent; parsed by [`parse_filters`] so that each bad value is
/// reported with its parameter's name.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct LeadFilters {
    /// Only leads at this stage (in the campaign when one is given, else in any campaign):
    /// scraped, enriched, awaiting_connection, dm_queued, dm_sent, replied, email_sequenced,
    /// email_replied or opted_out.
    stage: Option<String>,
    /// Only leads whose name, email, company, title or headline contains this text, ignoring
    /// case (at most 200 characters).
    q: Option<String>,
    /// `true` for leads on the do-not-contact list, `false` for the others.
    do_not_contact: Option<String>,
    /// Only leads with this tag (compared trimmed and lower-cased).
    tag: Option<String>,
}

/// The campaign filter of the workspace-wide lead list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CampaignFilter {
    /// Only leads of this campaign; each then shows its `stage` there.
    campaign_id: Option<String>,
}

/// Parses the filters of a lead list, naming every parameter at fault.
pub(super) fn parse_filters(
    campaign_id: Option<String>,
    filters: Result<Query<LeadFilters>, QueryRejection>,
) -> Result<LeadFilter, ApiError> {
    let Query(f) = filters.map_err(bad_query)?;
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let mut problems: Vec<(&str, String)> = Vec::new();
    let campaign_id = given(campaign_id).and_then(|raw| {
        uuid::Uuid::parse_str(&raw)
            .map_err(|_| problems.push(("campaign_id", "must be a UUID".into())))
            .ok()
    });
    let stage = given(f.stage).and_then(|raw| {
        let stage = LeadStage::parse(&raw);
        if stage.is_none() {
            problems.push(("stage", format!("must be {STAGES}")));
        }
        stage
    });
    let do_not_contact = given(f.do_not_contact).and_then(|raw| match raw.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            problems.push(("do_not_contact", "must be true or false".into()));
            None
        }
    });
    if !problems.is_empty() {
        let names: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        let mut err = ApiError::bad_request(format!("invalid filter: {}", names.join(", ")));
        for (field, message) in problems {
            err = err.with_field(field, message);
        }
        return Err(err);
    }
    Ok(LeadFilter {
        campaign_id,
        stage,
        q: given(f.q),
        do_not_contact,
        tag: given(f.tag),
        ..LeadFilter::default()
    })
}

/// A query string that cannot be read at all (e.g. a parameter given twice).
fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::bad_request(e.body_text())
}

/// Lists the workspace's leads, filtered.
#[utoipa::path(get, path = "/api/v1/leads", tag = "leads", security(("bearer" = [])),
    params(CampaignFilter, LeadFilters,
           ("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Lead>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
    campaign: Result<Query<CampaignFilter>, QueryRejection>,
    filters: Result<Query<LeadFilters>, QueryRejection>,
) -> Result<Json<List<Lead>>, ApiError> {
    let Query(campaign) = campaign.map_err(bad_query)?;
    let filter = parse_filters(campaign.campaign_id, filters)?;
    Ok(Json(
        state.app.list_leads(&who, &filter, page).await?.into(),
    ))
}

/// The CSV columns, in order: the lead, then the campaign of the row and the lead's stage in
/// it (`stage` kept its place when `campaign_id` and `campaign` were added at the end), then
/// the opens of that campaign's tracked lead-magnet link.
const CSV_HEADER: [&str; 20] = [
    "id",
    "provider_id",
    "name",
    "email",
    "email_status",
    "title",
    "company",
    "industry",
    "company_size",
    "headline",
    "linkedin_url",
    "stage",
    "do_not_contact",
    "sandbox",
    "created_at",
    "enriched_at",
    "campaign_id",
    "campaign",
    "magnet_opened_at",
    "magnet_open_count",
];

/// One export row's CSV cells, in [`CSV_HEADER`] order.
fn csv_cells(r: &ExportRow) -> [String; 20] {
    let l = &r.lead;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        l.id.to_string(),
        l.provider_id.clone(),
        l.name.clone(),
        text(&l.email),
        text(&l.email_status),
        text(&l.title),
        text(&l.company),
        text(&l.industry),
        text(&l.company_size),
        text(&l.headline),
        text(&l.linkedin_url),
        r.stage
            .map(LeadStage::as_str)
            .unwrap_or_default()
            .to_owned(),
        l.do_not_contact.to_string(),
        l.sandbox.to_string(),
        l.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        l.enriched_at
            .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            .unwrap_or_default(),
        r.campaign_id.map(|c| c.to_string()).unwrap_or_default(),
        text(&r.campaign),
        r.magnet_opened_at
            .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            .unwrap_or_default(),
        r.magnet_open_count.to_string(),
    ]
}

/// Exports the leads matching the filters as CSV, streamed as it is read: a header row, then
/// one row per campaign of each lead, in creation order of the leads. Columns: `id`,
/// `provider_id`, `name`, `email`, `email_status`, `title`, `company`, `industry`,
/// `company_size`, `headline`, `linkedin_url`, `stage` (the lead's stage in the row's
/// campaign), `do_not_contact`, `sandbox`, `created_at`, `enriched_at`, `campaign_id` and
/// `campaign` (the campaign's name), `magnet_opened_at` and `magnet_open_count` (when the lead
/// first opened the campaign's tracked lead-magnet link, and how many opens counted). A lead in no campaign has one row with `campaign_id`,
/// `campaign` and `stage` empty (only when no campaign, stage or date filter is given); the
/// `campaign_id` and `stage` filters keep only the rows of that campaign or at that stage.
/// Cells that start like a spreadsheet formula are prefixed with `'`. An error after the
/// first bytes ends the download without its final chunk, so it never passes for complete.
#[utoipa::path(get, path = "/api/v1/leads/export.csv", tag = "leads", security(("bearer" = [])),
    params(CampaignFilter, LeadFilters),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    Auth(who): Auth,
    campaign: Result<Query<CampaignFilter>, QueryRejection>,
    filters: Result<Query<LeadFilters>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(campaign) = campaign.map_err(bad_query)?;
    let filter = parse_filters(campaign.campaign_id, filters)?;
    let export = state.app.export_leads(&who, &filter).await?;
    Ok(csv_download(export))
}

/// The streamed CSV download of `export`: shared by the API and the web app's export link.
/// A task reads batches of rows and encodes them into a bounded channel that the response
/// body drains, so memory holds a few batches whatever the size of the export, and a slow
/// client slows the reading down.
pub(crate) fn csv_download(export: LeadExport) -> Response {
    let (bytes_tx, bytes_rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT);
    tokio::spawn(async move {
        let (rows_tx, rows_rx) = mpsc::channel::<Vec<ExportRow>>(1);
        let encode = async {
            let mut rows_rx = rows_rx;
            let mut out = String::new();
            csv::write_row(&mut out, CSV_HEADER);
            while let Some(batch) = rows_rx.recv().await {
                for row in &batch {
                    let cells = csv_cells(row);
                    csv::write_row(&mut out, cells.iter().map(String::as_str));
                }
                let chunk = Bytes::from(std::mem::take(&mut out));
                if bytes_tx.send(Ok(chunk)).await.is_err() {
                    // The client went away; dropping the receiver stops the reading.
                    return;
                }
            }
            if !out.is_empty() {
                let _ = bytes_tx.send(Ok(Bytes::from(out))).await;
            }
        };
        let read = async move {
            let read = export.run(&rows_tx).await;
            // Closing the channel ends the encoding.
            drop(rows_tx);
            read
        };
        let (read, ()) = tokio::join!(read, encode);
        if let Err(e) = read {
            tracing::error!(error = %e, "lead export failed part way; the download is cut short");
            let _ = bytes_tx
                .send(Err(std::io::Error::other("the export failed")))
                .await;
        }
    });
    let body = futures::stream::unfold(bytes_rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"leads.csv\"",
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// How many encoded batches may wait for the client before the reading pauses.
const CHUNKS_IN_FLIGHT: usize = 2;

/// Reads a lead with its campaigns and its timeline (events and messages, oldest first).
#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "leads", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the lead's id")),
    responses((status = 200, body = LeadDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<LeadDetail>, ApiError> {
    Ok(Json(state.app.get_lead(&who, id).await?))
}

/// A lead's whole set of tags.
#[derive(Deserialize, serde::Serialize, utoipa::ToSchema)]
#[schema(as = LeadTags)]
#[serde(deny_unknown_fields)]
struct Tags {
    /// The tags: each trimmed and lower-cased (1 to 40 characters), duplicates merged, at
    /// most 20.
    tags: Vec<String>,
}

/// Replaces a lead's tags; answers them as stored, alphabetically.
#[utoipa::path(put, path = "/api/v1/leads/{id}/tags", tag = "leads", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the lead's id")),
    request_body = Tags,
    responses((status = 200, body = Tags), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn set_tags(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(req): ApiJson<Tags>,
) -> Result<Json<Tags>, ApiError> {
    let tags = state.app.set_lead_tags(&who, id, &req.tags).await?;
    Ok(Json(Tags { tags }))
}

/// Applies one action to every lead matching the filters (the list's, in the query string):
/// `tag` or `untag` (with `tag`), `add_to_campaign` (with `campaign_id`: the leads enter the
/// campaign's sequence as imported leads do; leads in it already or not to be contacted are
/// passed over) or `do_not_contact`. Answers how many leads matched and how many the action
/// changed; `dry_run` counts without changing anything. To export the same selection, use
/// the export with the same filters.
#[utoipa::path(post, path = "/api/v1/leads/bulk", tag = "leads", security(("bearer" = [])),
    params(CampaignFilter, LeadFilters),
    request_body = BulkRequest,
    responses((status = 200, body = BulkOutcome), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn bulk(
    State(state): State<AppState>,
    Auth(who): Auth,
    campaign: Result<Query<CampaignFilter>, QueryRejection>,
    filters: Result<Query<LeadFilters>, QueryRejection>,
    ApiJson(req): ApiJson<BulkRequest>,
) -> Result<Json<BulkOutcome>, ApiError> {
    let Query(campaign) = campaign.map_err(bad_query)?;
    let filter = parse_filters(campaign.campaign_id, filters)?;
    Ok(Json(state.app.bulk_leads(&who, &filter, &req).await?))
}
