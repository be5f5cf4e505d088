//! The lead magnet library over the API: add (a link or an uploaded file), list or search
//! (`?q=`, ranked by meaning over titles, descriptions, tags and PDF text), read, change,
//! delete (with its file).

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use revos_app::lead_magnets::{LeadMagnet, LeadMagnetChange, NewLeadMagnet};
use revos_domain::LeadMagnetId;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, update, delete))
}

/// The search of the list.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Words to search for: the answer is the best matches (at most `limit`), best first,
    /// each with its `score`, on one page.
    q: Option<String>,
}

/// Adds a magnet: a title and either an external `url` or the `file_id` of an upload
/// (`POST /api/v1/files` with purpose `lead_magnet`; a PDF's text becomes searchable).
#[utoipa::path(post, path = "/api/v1/lead-magnets", tag = "lead-magnets", security(("bearer" = [])),
    request_body = NewLeadMagnet,
    responses((status = 201, body = LeadMagnet), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<NewLeadMagnet>,
) -> Result<(StatusCode, Json<LeadMagnet>), ApiError> {
    let created = state.app.create_lead_magnet(&who, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Lists the library oldest first, or searches it with `q`.
#[utoipa::path(get, path = "/api/v1/lead-magnets", tag = "lead-magnets", security(("bearer" = [])),
    params(SearchQuery,
           ("limit" = Option<u32>, Query, description = "1 to 200, default 50 (a search returns at most 50)"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<LeadMagnet>), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<List<LeadMagnet>>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    match q.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => {
            let found = state
                .app
                .search_lead_magnets(who.tenant, q, page.limit as usize)
                .await?;
            Ok(Json(
                revos_domain::Page {
                    items: found,
                    next_after: None,
                }
                .into(),
            ))
        }
        None => Ok(Json(state.app.list_lead_magnets(&who, page).await?.into())),
    }
}

/// One magnet.
#[utoipa::path(get, path = "/api/v1/lead-magnets/{id}", tag = "lead-magnets", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the magnet's id")),
    responses((status = 200, body = LeadMagnet), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<LeadMagnet>, ApiError> {
    Ok(Json(
        state.app.get_lead_magnet(&who, LeadMagnetId(id)).await?,
    ))
}

/// Changes the fields given. Giving `url` makes it a link and deletes its file; giving
/// `file_id` makes it that file.
#[utoipa::path(patch, path = "/api/v1/lead-magnets/{id}", tag = "lead-magnets", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the magnet's id")),
    request_body = LeadMagnetChange,
    responses((status = 200, body = LeadMagnet), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(change): ApiJson<LeadMagnetChange>,
) -> Result<Json<LeadMagnet>, ApiError> {
    Ok(Json(
        state
            .app
            .update_lead_magnet(&who, LeadMagnetId(id), change)
            .await?,
    ))
}

/// Deletes a magnet and its file; 409 while a campaign that is not completed sends it.
#[utoipa::path(delete, path = "/api/v1/lead-magnets/{id}", tag = "lead-magnets", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the magnet's id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state.app.delete_lead_magnet(&who, LeadMagnetId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
