//! The notification centre over the API: a member's notifications (newest first), marking
//! them read, the member's preferences, and the workspace's Slack incoming webhook.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use revos_app::notifications::{
    NotificationView, Preferences, PreferencesUpdate, ReadOutcome, ReadRequest,
};
use revos_app::secrets::SecretSummary;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read))
        .routes(routes!(unread))
        .routes(routes!(get_preferences, put_preferences))
        .routes(routes!(put_slack, delete_slack))
}

/// Lists the caller's notifications, newest first, with whether each is read.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page (older notifications)")),
    responses((status = 200, body = List<NotificationView>), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<NotificationView>>, ApiError> {
    Ok(Json(state.app.list_notifications(&who, page).await?.into()))
}

/// The caller's unread count, as the bell shows it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Unread {
    /// Unread notifications, counted no further than 10 (the bell shows "9+").
    unread: i64,
}

/// The caller's unread count (counted no further than 10).
#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Unread)))]
async fn unread(State(state): State<AppState>, Auth(who): Auth) -> Result<Json<Unread>, ApiError> {
    Ok(Json(Unread {
        unread: state.app.unread_notifications(&who).await?,
    }))
}

/// Marks notifications read: `{"ids": [...]}` or `{"all": true}`.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = [])),
    request_body = ReadRequest,
    responses((status = 200, body = ReadOutcome), (status = 422, body = ErrorBody)))]
async fn read(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<ReadRequest>,
) -> Result<Json<ReadOutcome>, ApiError> {
    Ok(Json(state.app.mark_notifications_read(&who, &req).await?))
}

/// The caller's preferences: every kind, in-app and on Slack.
#[utoipa::path(get, path = "/api/v1/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Preferences)))]
async fn get_preferences(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<Preferences>, ApiError> {
    Ok(Json(state.app.notification_preferences(&who).await?))
}

/// Changes the caller's preferences for the kinds given.
#[utoipa::path(put, path = "/api/v1/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    request_body = PreferencesUpdate,
    responses((status = 200, body = Preferences), (status = 422, body = ErrorBody)))]
async fn put_preferences(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<PreferencesUpdate>,
) -> Result<Json<Preferences>, ApiError> {
    Ok(Json(
        state.app.set_notification_preferences(&who, &req).await?,
    ))
}

/// The workspace's Slack incoming-webhook URL.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlackWebhookRequest {
    /// `https://hooks.slack.com/services/…`; stored encrypted, never returned.
    url: String,
}

/// Sets the workspace's Slack incoming webhook (owners and admins). The URL must pass the
/// outbound guard.
#[utoipa::path(put, path = "/api/v1/notifications/slack", tag = "notifications", security(("bearer" = [])),
    request_body = SlackWebhookRequest,
    responses((status = 200, body = SecretSummary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_slack(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<SlackWebhookRequest>,
) -> Result<Json<SecretSummary>, ApiError> {
    Ok(Json(state.app.set_slack_webhook(&who, &req.url).await?))
}

/// Removes the workspace's Slack incoming webhook.
#[utoipa::path(delete, path = "/api/v1/notifications/slack", tag = "notifications", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_slack(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<StatusCode, ApiError> {
    state.app.delete_slack_webhook(&who).await?;
    Ok(StatusCode::NO_CONTENT)
}
