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
        .routes(routes!(hosted_link))
        .routes(routes!(reconnect_link))
}

/// What a hosted-auth link is for.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HostedLinkRequest {
    /// Shown to people once connected (defaults to Unipile's name for the account).
    #[serde(default)]
    display_name: Option<String>,
}

/// Creates a Unipile hosted-auth link: whoever opens it connects their LinkedIn account to
/// this workspace (single use, one hour).
#[utoipa::path(post, path = "/api/v1/linkedin-accounts/hosted-link", tag = "linkedin-accounts",
    security(("bearer" = [])), request_body = HostedLinkRequest,
    responses((status = 201, body = revos_app::unipile_links::HostedLink), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn hosted_link(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<HostedLinkRequest>,
) -> Result<(StatusCode, Json<revos_app::unipile_links::HostedLink>), ApiError> {
    let link = state
        .app
        .unipile_hosted_link(&who, req.display_name.as_deref(), None)
        .await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Creates a Unipile hosted-auth link that reconnects the account `id` (after Unipile lost
/// its session, status `needs_reconnect`): whoever opens it signs in to LinkedIn again, and
/// Unipile's notice marks the account `ok` (single use, one hour).
#[utoipa::path(post, path = "/api/v1/linkedin-accounts/{id}/reconnect-link", tag = "linkedin-accounts",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "the account's id")),
    responses((status = 201, body = revos_app::unipile_links::HostedLink), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reconnect_link(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<revos_app::unipile_links::HostedLink>), ApiError> {
    let link = state.app.unipile_reconnect_link(&who, id, None).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// A new account.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateAccountRequest {
    /// `unipile`: a LinkedIn account connected in Unipile (give its `account_id`), or
    /// `sandbox`: a simulated account.
    provider: String,
    /// The Unipile account id (`unipile` only).
    #[serde(default)]
    account_id: Option<String>,
    /// Shown to people (required for `sandbox`; for `unipile` defaults to Unipile's name).
    #[serde(default)]
    display_name: Option<String>,
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
    let single = |field: &str, message: &str| {
        ApiError::from(revos_domain::ValidationErrors::single(field, message))
    };
    let account = match (req.provider.as_str(), &req.account_id) {
        ("unipile", Some(id)) => {
            state
                .app
                .connect_unipile_account(&who, id, req.display_name.as_deref())
                .await?
        }
        ("unipile", None) => return Err(single("account_id", "is required for unipile")),
        ("sandbox", None) => {
            let name = req.display_name.as_deref().unwrap_or_default();
            state.app.create_sandbox_account(&who, name).await?
        }
        ("sandbox", Some(_)) => return Err(single("account_id", "is only for unipile")),
        _ => return Err(single("provider", "must be \"unipile\" or \"sandbox\"")),
    };
    Ok((StatusCode::CREATED, Json(account)))
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
    params(("id" = uuid::Uuid, Path, description = "the account's id")),
    responses((status = 200, body = Account), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Account>, ApiError> {
    Ok(Json(state.app.get_account(&who, id).await?))
}

/// Changes an account's pacing policy, pauses it until resumed with `"pause": true`, or
/// lifts a pause with `"resume": true`.
#[utoipa::path(patch, path = "/api/v1/linkedin-accounts/{id}/pacing", tag = "linkedin-accounts",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "the account's id")),
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
