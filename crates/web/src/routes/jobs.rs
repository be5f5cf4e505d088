//! The job queue, for a workspace's admins: list, stats, retry and cancel.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use revos_app::jobs::{JobAccess, JobStats, JobView};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(stats))
        .routes(routes!(retry))
        .routes(routes!(cancel))
}

/// Filters of the job list.
#[derive(Deserialize, utoipa::IntoParams)]
struct JobFilter {
    /// Only jobs in this state.
    state: Option<String>,
    /// Only jobs of this kind.
    kind: Option<String>,
}

/// Lists the workspace's jobs, optionally by state and kind.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = [])),
    params(JobFilter,
           ("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<JobView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
    filter: Result<Query<JobFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<List<JobView>>, ApiError> {
    let Query(f) = filter.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let page = state
        .app
        .list_jobs(
            JobAccess::Tenant(&who),
            f.state.as_deref(),
            f.kind.as_deref(),
            page,
        )
        .await?;
    Ok(Json(page.into()))
}

/// Job counts by state and the age of the oldest due job.
#[utoipa::path(get, path = "/api/v1/jobs/stats", tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = JobStats), (status = 403, body = ErrorBody)))]
async fn stats(State(state): State<AppState>, Auth(who): Auth) -> Result<Json<JobStats>, ApiError> {
    Ok(Json(state.app.job_stats(JobAccess::Tenant(&who)).await?))
}

/// Gives a dead or cancelled job fresh attempts, due now.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the job's id")),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn retry(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<JobView>, ApiError> {
    Ok(Json(
        state.app.retry_job(JobAccess::Tenant(&who), id).await?,
    ))
}

/// Cancels a waiting or dead job.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the job's id")),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<JobView>, ApiError> {
    Ok(Json(
        state.app.cancel_job(JobAccess::Tenant(&who), id).await?,
    ))
}
