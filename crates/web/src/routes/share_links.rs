//! Share links: an agency member creates (token shown once), lists and revokes them; a
//! visitor with the token (no account) reads the posts waiting for approval and approves or
//! rejects them with a comment. Revoked links answer 403, expired ones 410.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use revos_app::posts::{Post, PostDetail, PostMedia};
use revos_app::share_links::{CreatedShareLink, NewShareLink, ShareLinkInfo};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(revoke))
        .routes(routes!(shared_posts))
        .routes(routes!(shared_approve))
        .routes(routes!(shared_reject))
}

/// Creates a share link of the workspace. The `token` (and `path`) are shown only in this
/// answer.
#[utoipa::path(post, path = "/api/v1/share-links", tag = "share-links", security(("bearer" = [])),
    request_body = NewShareLink,
    responses((status = 201, body = CreatedShareLink), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<NewShareLink>,
) -> Result<(StatusCode, Json<CreatedShareLink>), ApiError> {
    let link = state.app.create_share_link(&who, req).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Lists the workspace's share links (revoked and expired ones too), without their tokens.
#[utoipa::path(get, path = "/api/v1/share-links", tag = "share-links", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<ShareLinkInfo>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<ShareLinkInfo>>, ApiError> {
    Ok(Json(state.app.list_share_links(&who, page).await?.into()))
}

/// Revokes a share link at once: it opens nothing afterwards.
#[utoipa::path(delete, path = "/api/v1/share-links/{id}", tag = "share-links", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the link's id")),
    responses((status = 200, body = ShareLinkInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<ShareLinkInfo>, ApiError> {
    Ok(Json(state.app.revoke_share_link(&who, id).await?))
}

/// What a share link shows.
#[derive(Serialize, utoipa::ToSchema)]
struct SharedQueue {
    /// The link's label.
    label: String,
    /// When the link stops working.
    expires_at: DateTime<Utc>,
    /// The posts waiting for approval, oldest first.
    posts: Vec<Post>,
    /// Their attachments.
    media: Vec<PostMedia>,
}

/// A share-link visitor's approval.
#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SharedApproval {
    /// A comment for the agency, kept in the post's history (at most 2000 characters).
    #[serde(default)]
    comment: Option<String>,
}

/// A share-link visitor's rejection.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SharedRejection {
    /// Why, for the writer (required).
    #[serde(default)]
    reason: Option<String>,
}

/// The posts waiting for approval that a share link shows (no account needed: the token is
/// the credential).
#[utoipa::path(get, path = "/api/v1/share/{token}/posts", tag = "share-links",
    params(("token" = String, Path, description = "the share link's token")),
    responses((status = 200, body = SharedQueue), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 410, body = ErrorBody)))]
async fn shared_posts(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<SharedQueue>, ApiError> {
    let q = state.app.shared_queue(&token).await?;
    Ok(Json(SharedQueue {
        label: q.label,
        expires_at: q.expires_at,
        posts: q.posts,
        media: q.media,
    }))
}

/// Approves a post waiting for approval through a share link, optionally with a comment; its
/// history names the link (`via share link <label>`).
#[utoipa::path(post, path = "/api/v1/share/{token}/posts/{id}/approve", tag = "share-links",
    params(("token" = String, Path, description = "the share link's token"),
           ("id" = uuid::Uuid, Path, description = "the post's id")),
    request_body = SharedApproval,
    responses((status = 200, body = PostDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn shared_approve(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<SharedApproval>,
) -> Result<Json<PostDetail>, ApiError> {
    let id = post_id(&id)?;
    Ok(Json(
        state
            .app
            .approve_shared_post(&token, id, req.comment.as_deref())
            .await?,
    ))
}

/// Rejects a post waiting for approval through a share link, with a reason.
#[utoipa::path(post, path = "/api/v1/share/{token}/posts/{id}/reject", tag = "share-links",
    params(("token" = String, Path, description = "the share link's token"),
           ("id" = uuid::Uuid, Path, description = "the post's id")),
    request_body = SharedRejection,
    responses((status = 200, body = PostDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn shared_reject(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<SharedRejection>,
) -> Result<Json<PostDetail>, ApiError> {
    let id = post_id(&id)?;
    Ok(Json(
        state
            .app
            .reject_shared_post(&token, id, req.reason.as_deref())
            .await?,
    ))
}

/// A post id from the path, 400 naming it when malformed.
fn post_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| {
        ApiError::bad_request("the id in the path is not a UUID").with_field("id", "must be a UUID")
    })
}
