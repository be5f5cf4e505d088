//! Generated guides and checklists over the API: write one from a cartridge and a topic, read
//! and list them, edit a draft, approve it (which renders its PDF), render it again.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use revos_app::guides::{Guide, GuideEdit, WrittenGuide};
use revos_domain::guides::GuideKind;
use revos_domain::{CartridgeId, GuideId};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, edit))
        .routes(routes!(approve))
        .routes(routes!(render))
}

/// What to write.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewGuide {
    /// The cartridge whose voice and brand it has.
    #[schema(value_type = String, format = Uuid)]
    cartridge_id: CartridgeId,
    /// What it is about.
    topic: String,
    /// `guide` (the default) or `checklist`.
    #[serde(default = "default_kind")]
    kind: GuideKind,
}

fn default_kind() -> GuideKind {
    GuideKind::Guide
}

/// Writes a guide or checklist as a draft: by the workspace's model in the cartridge's voice
/// (the call's cost recorded), or by the offline writer when no model is configured.
#[utoipa::path(post, path = "/api/v1/guides", tag = "guides", security(("bearer" = [])),
    request_body = NewGuide,
    responses((status = 201, body = WrittenGuide), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<NewGuide>,
) -> Result<(StatusCode, Json<WrittenGuide>), ApiError> {
    let written = state
        .app
        .create_guide(&who, req.cartridge_id, &req.topic, req.kind)
        .await?;
    Ok((StatusCode::CREATED, Json(written)))
}

/// Lists the workspace's guides, newest first.
#[utoipa::path(get, path = "/api/v1/guides", tag = "guides", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Guide>), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<Guide>>, ApiError> {
    Ok(Json(state.app.guides(&who, page).await?.into()))
}

/// One guide.
#[utoipa::path(get, path = "/api/v1/guides/{id}", tag = "guides", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the guide's id")),
    responses((status = 200, body = Guide), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Guide>, ApiError> {
    Ok(Json(state.app.guide(&who, GuideId(id)).await?))
}

/// Edits a draft's title or Markdown (409 once approved).
#[utoipa::path(patch, path = "/api/v1/guides/{id}", tag = "guides", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the guide's id")),
    request_body = GuideEdit,
    responses((status = 200, body = Guide), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(change): ApiJson<GuideEdit>,
) -> Result<Json<Guide>, ApiError> {
    Ok(Json(
        state.app.edit_guide(&who, GuideId(id), &change).await?,
    ))
}

/// Approves a draft and renders its PDF (`file_id`, downloadable at
/// `/api/v1/files/{file_id}/content`).
#[utoipa::path(post, path = "/api/v1/guides/{id}/approve", tag = "guides", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the guide's id")),
    responses((status = 200, body = Guide), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Guide>, ApiError> {
    Ok(Json(state.app.approve_guide(&who, GuideId(id)).await?))
}

/// Renders an approved guide's PDF again (e.g. after the cartridge's brand changed); the
/// previous PDF is deleted.
#[utoipa::path(post, path = "/api/v1/guides/{id}/render", tag = "guides", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the guide's id")),
    responses((status = 200, body = Guide), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn render(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Guide>, ApiError> {
    Ok(Json(state.app.render_guide(&who, GuideId(id)).await?))
}
