//! Cartridges: full CRUD, JSON merge patch, and version history.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use revos_app::cartridges::{Cartridge, CartridgeVersion};
use revos_domain::cartridge::CartridgeSpec;
use revos_domain::{CartridgeId, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, replace, patch, delete))
        .routes(routes!(versions))
}

/// Creates a cartridge.
#[utoipa::path(post, path = "/api/v1/cartridges", tag = "cartridges", security(("bearer" = [])),
    request_body = CartridgeSpec,
    responses((status = 201, body = Cartridge), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(spec): ApiJson<CartridgeSpec>,
) -> Result<(StatusCode, Json<Cartridge>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_cartridge(&who, spec).await?),
    ))
}

/// Lists cartridges in creation order.
#[utoipa::path(get, path = "/api/v1/cartridges", tag = "cartridges", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Cartridge>)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<Cartridge>>, ApiError> {
    Ok(Json(state.app.list_cartridges(&who, page).await?.into()))
}

/// Reads a cartridge.
#[utoipa::path(get, path = "/api/v1/cartridges/{id}", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id")),
    responses((status = 200, body = Cartridge), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Cartridge>, ApiError> {
    Ok(Json(state.app.get_cartridge(&who, CartridgeId(id)).await?))
}

/// Replaces every field of a cartridge (a new version).
#[utoipa::path(put, path = "/api/v1/cartridges/{id}", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id")), request_body = CartridgeSpec,
    responses((status = 200, body = Cartridge), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn replace(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(spec): ApiJson<CartridgeSpec>,
) -> Result<Json<Cartridge>, ApiError> {
    Ok(Json(
        state
            .app
            .replace_cartridge(&who, CartridgeId(id), spec)
            .await?,
    ))
}

/// Changes some fields with a JSON merge patch (RFC 7386): objects merge, `null` removes.
#[utoipa::path(patch, path = "/api/v1/cartridges/{id}", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id")),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Cartridge), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<Cartridge>, ApiError> {
    Ok(Json(
        state
            .app
            .patch_cartridge(&who, CartridgeId(id), &body)
            .await?,
    ))
}

/// Deletes a cartridge and its history.
#[utoipa::path(delete, path = "/api/v1/cartridges/{id}", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state.app.delete_cartridge(&who, CartridgeId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Paging of the version history.
#[derive(Deserialize, utoipa::IntoParams)]
struct VersionsQuery {
    /// Only versions older than this one (the `next_before` of the previous page).
    before: Option<i64>,
    /// 1 to 200, default 50.
    limit: Option<u32>,
}

/// A page of versions, newest first.
#[derive(Serialize, utoipa::ToSchema)]
struct Versions {
    /// The versions.
    items: Vec<CartridgeVersion>,
    /// Pass as `?before=` for older versions; `null` when there are none.
    next_before: Option<i64>,
}

/// The cartridge's version history, newest first.
#[utoipa::path(get, path = "/api/v1/cartridges/{id}/versions", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id"), VersionsQuery),
    responses((status = 200, body = Versions), (status = 404, body = ErrorBody)))]
async fn versions(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    query: Result<Query<VersionsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Versions>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(PageRequest::DEFAULT_LIMIT);
    if !(1..=PageRequest::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request("limit is out of range")
            .with_field("limit", "must be from 1 to 200"));
    }
    let (items, next_before) = state
        .app
        .cartridge_versions(&who, CartridgeId(id), q.before, limit)
        .await?;
    Ok(Json(Versions { items, next_before }))
}
