//! The workspace's analytics export to PostHog over the API: whether it is on, where events
//! go, what waits, and the workspace's own project key and host.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use revos_app::analytics::{AnalyticsSettings, AnalyticsUpdate};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_analytics, put_analytics))
}

/// The workspace's analytics export (owners and admins).
#[utoipa::path(get, path = "/api/v1/analytics", tag = "analytics", security(("bearer" = [])),
    responses((status = 200, body = AnalyticsSettings), (status = 403, body = ErrorBody)))]
async fn get_analytics(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<AnalyticsSettings>, ApiError> {
    Ok(Json(state.app.analytics_settings(&who).await?))
}

/// Changes the workspace's analytics export (owners and admins): the switch (off by default;
/// on needs the workspace's key or the instance's), the workspace's own PostHog project key
/// and host (kept in the vault; the host must pass the outbound guard).
#[utoipa::path(put, path = "/api/v1/analytics", tag = "analytics", security(("bearer" = [])),
    request_body = AnalyticsUpdate,
    responses((status = 200, body = AnalyticsSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_analytics(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(update): ApiJson<AnalyticsUpdate>,
) -> Result<Json<AnalyticsSettings>, ApiError> {
    Ok(Json(state.app.set_analytics(&who, &update).await?))
}
