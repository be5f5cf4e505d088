//! The GDPR tools for one person, keyed by their lead id: export everything about them, and
//! erase their personal data (owner or admin) while the aggregate counts stay.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Auth, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use revos_app::gdpr::PersonExport;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(erase))
}

/// Everything the workspace holds about the person of lead `id`: the lead with its
/// enrichment, campaigns and timeline (events, DMs, emails, replies), their comments and
/// their inbox messages.
#[utoipa::path(get, path = "/api/v1/people/{id}/export", tag = "leads", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the person's lead id")),
    responses((status = 200, body = PersonExport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<PersonExport>, ApiError> {
    Ok(Json(state.app.export_person(&who, id).await?))
}

/// Erases the personal data of the person of lead `id` from every table (owner or admin):
/// the lead stays as an anonymised tombstone so the funnel and dashboard counts stay.
#[utoipa::path(delete, path = "/api/v1/people/{id}", tag = "leads", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the person's lead id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn erase(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state.app.erase_person(&who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
