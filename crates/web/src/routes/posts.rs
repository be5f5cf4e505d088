//! Posts and their approval workflow: draft, edit, submit, approve (as is or edited), reject
//! with a reason, revise, schedule, unschedule, publish now, attach to a campaign. Any member
//! drafts and publishes; approving and rejecting need the owner or admin role.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId, parse_json};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use revos_app::posts::{NewPost, Post, PostDetail, PostPatch, ScheduleTime};
use revos_domain::ValidationErrors;
use revos_domain::calendar;
use revos_domain::post::PostStatus;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, edit))
        .routes(routes!(submit))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(revise))
        .routes(routes!(schedule))
        .routes(routes!(unschedule))
        .routes(routes!(publish))
        .routes(routes!(attach))
}

/// Filter of the post list.
#[derive(Deserialize, utoipa::IntoParams)]
struct StatusFilter {
    /// Only posts in this status.
    status: Option<PostStatus>,
}

/// An approval, optionally with the approver's edited text.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ApproveRequest {
    /// The text as the approver wants it published; absent to approve as written.
    #[serde(default)]
    body: Option<String>,
    /// A comment for the agency, kept in the post's history (at most 2000 characters).
    #[serde(default)]
    comment: Option<String>,
}

/// A rejection.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RejectRequest {
    /// Why, for the writer (required): the rejecting comment, kept in the post's history.
    #[serde(default)]
    reason: Option<String>,
}

/// When, and from which account, to publish: `at` (an instant) or `local_at` (a wall-clock
/// time in the account's time zone), exactly one of them.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ScheduleRequest {
    /// The publishing time (RFC 3339), not in the past.
    #[serde(default)]
    at: Option<DateTime<Utc>>,
    /// The publishing time on the clocks of the account's time zone, `YYYY-MM-DDTHH:MM`
    /// (e.g. `2026-12-09T09:30`): a time the clocks skip is refused, one they repeat is its
    /// earliest reading.
    #[serde(default)]
    local_at: Option<String>,
    /// The account to publish from; the post's own when absent.
    #[serde(default)]
    linkedin_account_id: Option<Uuid>,
}

/// Which account to publish from (the body may be empty).
#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PublishRequest {
    /// The account to publish from; the post's own when absent.
    #[serde(default)]
    linkedin_account_id: Option<Uuid>,
}

/// The campaign to attach a published post to.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AttachRequest {
    /// The campaign that is to watch the post.
    campaign_id: Uuid,
}

/// Creates a draft.
#[utoipa::path(post, path = "/api/v1/posts", tag = "posts", security(("bearer" = [])),
    request_body = NewPost, responses((status = 201, body = PostDetail), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(new): ApiJson<NewPost>,
) -> Result<(StatusCode, Json<PostDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_post(&who, new).await?),
    ))
}

/// Lists posts (watched posts of campaigns are not listed).
#[utoipa::path(get, path = "/api/v1/posts", tag = "posts", security(("bearer" = [])),
    params(StatusFilter,
           ("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Post>), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
    filter: Result<Query<StatusFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<List<Post>>, ApiError> {
    let Query(f) = filter.map_err(|e| {
        ApiError::bad_request(e.body_text()).with_field(
            "status",
            "must be draft, pending_approval, approved, rejected, scheduled or published",
        )
    })?;
    Ok(Json(
        state.app.list_posts(&who, f.status, page).await?.into(),
    ))
}

/// Reads a post with its history (who did what, when).
#[utoipa::path(get, path = "/api/v1/posts/{id}", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")),
    responses((status = 200, body = PostDetail), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<PostDetail>, ApiError> {
    Ok(Json(state.app.get_post(&who, id).await?))
}

/// Edits a draft; absent fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/posts/{id}", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")), request_body = PostPatch,
    responses((status = 200, body = PostDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn edit(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(patch): ApiJson<PostPatch>,
) -> Result<Json<PostDetail>, ApiError> {
    Ok(Json(state.app.update_post(&who, id, patch).await?))
}

/// Submits a draft for approval.
#[utoipa::path(post, path = "/api/v1/posts/{id}/submit", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")),
    responses((status = 200, body = PostDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<PostDetail>, ApiError> {
    Ok(Json(state.app.submit_post(&who, id).await?))
}

/// Approves a post waiting for approval, as written or with an edited body, optionally with a
/// comment (owner, admin or client).
#[utoipa::path(post, path = "/api/v1/posts/{id}/approve", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")), request_body = ApproveRequest,
    responses((status = 200, body = PostDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> Result<Json<PostDetail>, ApiError> {
    Ok(Json(
        state
            .app
            .approve_post(&who, id, req.body, req.comment.as_deref())
            .await?,
    ))
}

/// Rejects a post waiting for approval, with a reason (owner, admin or client).
#[utoipa::path(post, path = "/api/v1/posts/{id}/reject", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")), request_body = RejectRequest,
    responses((status = 200, body = PostDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reject(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(req): ApiJson<RejectRequest>,
) -> Result<Json<PostDetail>, ApiError> {
    Ok(Json(
        state
            .app
            .reject_post(&who, id, req.reason.as_deref())
            .await?,
    ))
}

/// Takes a rejected post back to a draft.
#[utoipa::path(post, path = "/api/v1/posts/{id}/revise", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")),
    responses((status = 200, body = PostDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn revise(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<PostDetail>, ApiError> {
    Ok(Json(state.app.revise_post(&who, id).await?))
}

/// Schedules an approved post, or moves a scheduled one, at `at` (UTC) or `local_at` (the
/// account's time zone).
#[utoipa::path(post, path = "/api/v1/posts/{id}/schedule", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")), request_body = ScheduleRequest,
    responses((status = 200, body = PostDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn schedule(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> Result<Json<PostDetail>, ApiError> {
    let when = match (req.at, req.local_at.as_deref()) {
        (Some(at), None) => ScheduleTime::Utc(at),
        (None, Some(raw)) => ScheduleTime::Local(calendar::parse_local("local_at", raw)?),
        (Some(_), Some(_)) => {
            return Err(ValidationErrors::single(
                "local_at",
                "send either at or local_at, not both",
            )
            .into());
        }
        (None, None) => {
            return Err(ValidationErrors::single(
                "at",
                "is required (or local_at, in the account's time zone)",
            )
            .into());
        }
    };
    Ok(Json(
        state
            .app
            .schedule_post_at(&who, id, when, req.linkedin_account_id)
            .await?,
    ))
}

/// Takes a scheduled post back to approved.
#[utoipa::path(post, path = "/api/v1/posts/{id}/unschedule", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")),
    responses((status = 200, body = PostDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn unschedule(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<PostDetail>, ApiError> {
    Ok(Json(state.app.unschedule_post(&who, id).await?))
}

/// Publishes an approved or scheduled post now, exactly once.
#[utoipa::path(post, path = "/api/v1/posts/{id}/publish", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")), request_body(content = PublishRequest,
    description = "optional; an empty body publishes from the post's own account"),
    responses((status = 200, body = PostDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn publish(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    body: Bytes,
) -> Result<Json<PostDetail>, ApiError> {
    let req = if body.iter().all(u8::is_ascii_whitespace) {
        PublishRequest::default()
    } else {
        parse_json::<PublishRequest>(&body)?
    };
    Ok(Json(
        state
            .app
            .publish_post_now(&who, id, req.linkedin_account_id)
            .await?,
    ))
}

/// Attaches a published post to a campaign, which then watches it for comments.
#[utoipa::path(post, path = "/api/v1/posts/{id}/attach", tag = "posts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the post's id")), request_body = AttachRequest,
    responses((status = 200, body = PostDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn attach(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(req): ApiJson<AttachRequest>,
) -> Result<Json<PostDetail>, ApiError> {
    Ok(Json(
        state.app.attach_post(&who, id, req.campaign_id).await?,
    ))
}
