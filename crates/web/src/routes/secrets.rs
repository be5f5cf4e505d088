//! The vault: store, list (masked) and delete provider credentials.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use revos_app::secrets::SecretSummary;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(put, delete))
}

/// A secret's value.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PutSecretRequest {
    /// The credential, e.g. an API key. Stored encrypted; never returned.
    value: String,
}

/// Stores or replaces a secret. The answer shows only its last four characters.
#[utoipa::path(put, path = "/api/v1/secrets/{name}", tag = "secrets", security(("bearer" = [])),
    params(("name" = String, Path, description = "a-z, 0-9, '_', '.', '-'; e.g. unipile_api_key")),
    request_body = PutSecretRequest,
    responses((status = 200, body = SecretSummary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<PutSecretRequest>,
) -> Result<Json<SecretSummary>, ApiError> {
    Ok(Json(state.app.put_secret(&who, &name, &req.value).await?))
}

/// Lists secrets with masked values.
#[utoipa::path(get, path = "/api/v1/secrets", tag = "secrets", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<SecretSummary>)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<SecretSummary>>, ApiError> {
    Ok(Json(state.app.list_secrets(&who, page).await?.into()))
}

/// Deletes a secret.
#[utoipa::path(delete, path = "/api/v1/secrets/{name}", tag = "secrets", security(("bearer" = [])),
    params(("name" = String, Path, description = "the secret's name")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.delete_secret(&who, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
