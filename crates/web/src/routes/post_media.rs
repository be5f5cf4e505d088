//! A post's attachments (post graphics): list, attach an uploaded `post_image` file, generate
//! an image with the workspace's model, remove, reorder. Changes only while the post is a
//! draft or awaiting approval; LinkedIn's limits (9 images, or one PDF document) answer 422
//! naming the field. The files themselves are served by `GET /api/v1/files/{id}/content`.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use revos_app::posts::{AttachFile, GenerateImage, MediaOrder, PostMedia, RenderCard};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, attach))
        .routes(routes!(generate))
        .routes(routes!(card))
        .routes(routes!(reorder))
        .routes(routes!(remove))
}

/// Lists a post's attachments, in order.
#[utoipa::path(get, path = "/api/v1/posts/{id}/media", tag = "posts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the post's id")),
    responses((status = 200, body = Vec<PostMedia>), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Vec<PostMedia>>, ApiError> {
    Ok(Json(state.app.post_media(&who, id).await?))
}

/// Attaches an uploaded file (`POST /api/v1/files` with purpose `post_image`) as the post's
/// last attachment.
#[utoipa::path(post, path = "/api/v1/posts/{id}/media", tag = "posts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the post's id")), request_body = AttachFile,
    responses((status = 201, body = PostMedia), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn attach(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(input): ApiJson<AttachFile>,
) -> Result<(StatusCode, Json<PostMedia>), ApiError> {
    let media = state.app.attach_post_file(&who, id, input).await?;
    Ok((StatusCode::CREATED, Json(media)))
}

/// Generates an image through the workspace's OpenAI-compatible images API
/// (`REVOS_IMAGE_MODEL` or the vault's `openai_image_model`) and attaches it; the call is
/// recorded with its cost. 409 when the workspace has no model (offline).
#[utoipa::path(post, path = "/api/v1/posts/{id}/media/generate", tag = "posts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the post's id")), request_body = GenerateImage,
    responses((status = 201, body = PostMedia), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 502, body = ErrorBody)))]
async fn generate(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(input): ApiJson<GenerateImage>,
) -> Result<(StatusCode, Json<PostMedia>), ApiError> {
    let media = state.app.generate_post_image(&who, id, input).await?;
    Ok((StatusCode::CREATED, Json(media)))
}

/// Renders a card offline from the post's text (or the text given) in its cartridge's brand
/// and attaches it: `quote`, a 1080x1080 PNG; `carousel`, a PDF document post with one
/// 1080x1350 slide per paragraph. Works without any model.
#[utoipa::path(post, path = "/api/v1/posts/{id}/media/card", tag = "posts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the post's id")), request_body = RenderCard,
    responses((status = 201, body = PostMedia), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn card(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(input): ApiJson<RenderCard>,
) -> Result<(StatusCode, Json<PostMedia>), ApiError> {
    let media = state.app.render_post_card(&who, id, input).await?;
    Ok((StatusCode::CREATED, Json(media)))
}

/// Puts the post's attachments in a new order (every attachment named once).
#[utoipa::path(put, path = "/api/v1/posts/{id}/media/order", tag = "posts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the post's id")), request_body = MediaOrder,
    responses((status = 200, body = Vec<PostMedia>), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reorder(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(order): ApiJson<MediaOrder>,
) -> Result<Json<Vec<PostMedia>>, ApiError> {
    Ok(Json(state.app.reorder_post_media(&who, id, order).await?))
}

/// Removes an attachment and deletes its file.
#[utoipa::path(delete, path = "/api/v1/posts/{id}/media/{media_id}", tag = "posts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the post's id"),
           ("media_id" = Uuid, Path, description = "the attachment's id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    Auth(who): Auth,
    path: MediaPath,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .remove_post_media(&who, path.post, path.media)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The post and attachment ids of an attachment's path.
struct MediaPath {
    post: Uuid,
    media: Uuid,
}

impl<S: Send + Sync> FromRequestParts<S> for MediaPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path((post, media)): axum::extract::Path<(String, String)> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?;
        let parse = |raw: &str, field: &str| {
            Uuid::parse_str(raw).map_err(|_| {
                ApiError::bad_request("an id in the path is not a UUID")
                    .with_field(field, "must be a UUID")
            })
        };
        Ok(Self {
            post: parse(&post, "id")?,
            media: parse(&media, "media_id")?,
        })
    }
}
