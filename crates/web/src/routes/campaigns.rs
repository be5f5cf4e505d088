//! Campaigns: create, read, list, edit, delete drafts, and the lifecycle.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use revos_app::campaigns::{Campaign, Transition};
use revos_domain::campaign::{CampaignSpec, CampaignStatus};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, replace, delete))
        .routes(routes!(activate))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(complete))
}

/// Filter of the campaign list.
#[derive(Deserialize, utoipa::IntoParams)]
struct StatusFilter {
    /// Only campaigns in this status.
    status: Option<CampaignStatus>,
}

/// Creates a draft campaign.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    request_body = CampaignSpec, responses((status = 201, body = Campaign), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(spec): ApiJson<CampaignSpec>,
) -> Result<(StatusCode, Json<Campaign>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_campaign(&who, spec).await?),
    ))
}

/// Lists campaigns.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    params(StatusFilter,
           ("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Campaign>), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
    filter: Result<Query<StatusFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<List<Campaign>>, ApiError> {
    let Query(f) = filter.map_err(|e| {
        ApiError::bad_request(e.body_text())
            .with_field("status", "must be draft, active, paused or completed")
    })?;
    Ok(Json(
        state.app.list_campaigns(&who, f.status, page).await?.into(),
    ))
}

/// Reads a campaign.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Campaign>, ApiError> {
    Ok(Json(state.app.get_campaign(&who, id).await?))
}

/// Replaces a campaign's fields; affects only what happens next.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")), request_body = CampaignSpec,
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn replace(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(spec): ApiJson<CampaignSpec>,
) -> Result<Json<Campaign>, ApiError> {
    Ok(Json(state.app.update_campaign(&who, id, spec).await?))
}

/// Deletes a draft campaign.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state.app.delete_campaign(&who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn step(
    state: &AppState,
    who: &revos_app::Principal,
    id: uuid::Uuid,
    t: Transition,
) -> Result<Json<Campaign>, ApiError> {
    Ok(Json(state.app.transition_campaign(who, id, t).await?))
}

/// Starts a draft campaign: its posts are watched and leads contacted.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/activate", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The campaign cannot work yet: every failing field is named")))]
async fn activate(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Campaign>, ApiError> {
    step(&state, &who, id, Transition::Activate).await
}

/// Pauses an active campaign: no DM is sent until it resumes.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pause", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn pause(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Campaign>, ApiError> {
    step(&state, &who, id, Transition::Pause).await
}

/// Resumes a paused campaign.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/resume", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn resume(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Campaign>, ApiError> {
    step(&state, &who, id, Transition::Resume).await
}

/// Completes a campaign for good.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/complete", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn complete(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Campaign>, ApiError> {
    step(&state, &who, id, Transition::Complete).await
}
