//! LinkedIn accounts and their pacing policies.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use revos_app::accounts::{Account, PacingPatch};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get))
        .routes(routes!(update_pacing))
}

/// A new account.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateAccountRequest {
    /// `sandbox`: a simulated account. (Unipile accounts are connected through their own flow.)
    provider: String,
    /// Shown to people.
    display_name: String,
}

/// Adds a LinkedIn account.
#[utoipa::path(post, path = "/api/v1/linkedin-accounts", tag = "linkedin-accounts", security(("bearer" = [])),
    request_body = CreateAccountRequest,
    responses((status = 201, body = Account), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<CreateAccountRequest>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    if req.provider != "sandbox" {
        return Err(ApiError::from(revos_domain::ValidationErrors::single(
            "provider",
            "must be \"sandbox\"",
        )));
    }
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .create_sandbox_account(&who, &req.display_name)
                .await?,
        ),
    ))
}

/// Lists the workspace's LinkedIn accounts.
#[utoipa::path(get, path = "/api/v1/linkedin-accounts", tag = "linkedin-accounts", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Account>)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<Account>>, ApiError> {
    Ok(Json(state.app.list_accounts(&who, page).await?.into()))
}

/// Reads a LinkedIn account with its pacing policy and state.
#[utoipa::path(get, path = "/api/v1/linkedin-accounts/{id}", tag = "linkedin-accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "the account's id")),
    responses((status = 200, body = Account), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Account>, ApiError> {
    Ok(Json(state.app.get_account(&who, id).await?))
}

/// Changes an account's pacing policy, or lifts a pause with `"resume": true`.
#[utoipa::path(patch, path = "/api/v1/linkedin-accounts/{id}/pacing", tag = "linkedin-accounts",
    security(("bearer" = [])), params(("id" = String, Path, description = "the account's id")),
    request_body = PacingPatch,
    responses((status = 200, body = Account), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_pacing(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(patch): ApiJson<PacingPatch>,
) -> Result<Json<Account>, ApiError> {
    Ok(Json(state.app.update_pacing(&who, id, &patch).await?))
}
