//! CSV import of leads into a campaign (multipart: an optional column `mapping` as JSON,
//! then the `file`), with a dry run that reports what an import would do without writing:
//! the headers, the mapping (guessed when none is given), the counts and each bad row's
//! line and field. The file counts against the instance's upload limit as it arrives.

use super::files::{read_at_most, unreadable};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Auth, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use revos_app::AppError;
use revos_app::lead_import::ImportReport;
use revos_domain::ValidationErrors;
use revos_domain::lead_import::ColumnMapping;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    // The upload counts its own bytes against the instance's limit.
    OpenApiRouter::new()
        .routes(routes!(import))
        .layer(DefaultBodyLimit::disable())
}

/// The multipart form of an import.
#[derive(utoipa::ToSchema)]
#[schema(as = LeadImportForm)]
#[allow(dead_code)]
struct ImportForm {
    /// Which column holds which field, as JSON (`{"name": 0, "linkedin_url": 2, ...}`,
    /// 0-based); before the file. Default: guessed from the header row.
    mapping: Option<String>,
    /// The CSV file: UTF-8, comma-separated, a header row first.
    #[schema(format = Binary, content_media_type = "text/csv")]
    file: String,
}

/// The import's query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// `true` to report what the import would do without writing anything.
    dry_run: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    AppError::from(ValidationErrors::single(field, message)).into()
}

/// Imports leads from a CSV file into a campaign (active or paused): new people enter it as
/// commenters do (enrichment and the first DM queued); people the workspace already has, or
/// that an earlier row named, are duplicates; people on the do-not-contact list are skipped
/// and counted; bad rows are listed with their line and field. `?dry_run=true` writes
/// nothing.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/leads/import", tag = "leads", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id"), ImportQuery),
    request_body(content = inline(ImportForm), content_type = "multipart/form-data"),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(campaign): PathId,
    query: Result<Query<ImportQuery>, QueryRejection>,
    mut form: Multipart,
) -> Result<Json<ImportReport>, ApiError> {
    let Query(query) = query.map_err(|_| invalid("dry_run", "must be true or false"))?;
    let dry_run = match query.dry_run.as_deref() {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => return Err(invalid("dry_run", "must be true or false")),
    };
    let limit = state.app.max_upload_bytes();
    let mut mapping = None;
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("mapping") => {
                let text = read_at_most(&mut field, 4096)
                    .await?
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| invalid("mapping", "must be a short JSON object"))?;
                if !text.trim().is_empty() {
                    let parsed: ColumnMapping = serde_json::from_str(&text).map_err(|e| {
                        invalid(
                            "mapping",
                            format!("must be a JSON object of column numbers: {e}"),
                        )
                    })?;
                    mapping = Some(parsed);
                }
            }
            Some("file") => {
                let Some(bytes) = read_at_most(&mut field, limit).await? else {
                    return Err(AppError::TooLarge(ValidationErrors::single(
                        "file",
                        format!("the file is larger than the limit of {limit} bytes"),
                    ))
                    .into());
                };
                let report = state
                    .app
                    .import_leads(&who, campaign, &bytes, mapping, dry_run)
                    .await?;
                return Ok(Json(report));
            }
            _ => {}
        }
    }
    Err(invalid("file", "is required"))
}
