//! The agency's workspaces: the overview of every workspace the caller belongs to, and a new
//! client workspace created from inside the app (its creator is its owner).

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use revos_app::workspaces::{WorkspaceOverview, WorkspaceSummary};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(create))
}

/// Every workspace of the caller with its figures.
#[derive(Serialize, utoipa::ToSchema)]
struct Overview {
    /// Oldest membership first.
    workspaces: Vec<WorkspaceOverview>,
}

/// A new client workspace.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateWorkspaceRequest {
    /// Its name (1 to 100 characters).
    name: String,
}

/// The overview of every workspace the caller belongs to: per workspace the funnel (scraped,
/// enriched, DM sent, replied), replies waiting, posts waiting for approval and account health.
#[utoipa::path(get, path = "/api/v1/overview", tag = "workspaces", security(("bearer" = [])),
    responses((status = 200, body = Overview), (status = 401, body = ErrorBody)))]
async fn overview(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<Overview>, ApiError> {
    Ok(Json(Overview {
        workspaces: state.app.overview(&who).await?,
    }))
}

/// Creates a client workspace; the caller becomes its owner (and may switch into it).
#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    request_body = CreateWorkspaceRequest,
    responses((status = 201, body = WorkspaceSummary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<CreateWorkspaceRequest>,
) -> Result<(StatusCode, Json<WorkspaceSummary>), ApiError> {
    let made = state.app.create_client_workspace(&who, &req.name).await?;
    Ok((StatusCode::CREATED, Json(made)))
}
