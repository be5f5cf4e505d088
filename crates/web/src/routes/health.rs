//! Liveness and readiness probes for load balancers and orchestrators.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use revos_app::Backend;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// What a probe found. Its own word, not an account's `ok` status.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Probe {
    /// The process is up.
    Ok,
    /// It can serve requests.
    Ready,
}

/// Probe answer.
#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok` or `ready`.
    #[schema(value_type = String)]
    status: Probe,
    /// The database engine (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
    /// The worker processes' heartbeats (readiness only): each worker renews its job leases
    /// and its heartbeat together, and removes it when it stops cleanly.
    #[serde(skip_serializing_if = "Option::is_none")]
    workers: Option<Vec<WorkerHeartbeat>>,
}

/// A worker process's last heartbeat.
#[derive(Serialize, utoipa::ToSchema)]
struct WorkerHeartbeat {
    /// Its id (`REVOS_WORKER_ID`).
    worker_id: String,
    /// When it started.
    started_at: chrono::DateTime<chrono::Utc>,
    /// When it last renewed its leases.
    last_heartbeat_at: chrono::DateTime<chrono::Utc>,
    /// Whether that was recent enough to count as alive.
    alive: bool,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: Probe::Ok,
        database: None,
        workers: None,
    })
}

/// The process can serve requests: the database answers and is migrated, and, where workers
/// are expected (`revos serve`), one renewed its heartbeat within the job lease. The
/// workers' heartbeats are listed either way.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let backend = state.app.database_ready().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the database is not reachable",
        )
    })?;
    let database = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let within = state
        .workers_alive_within
        .unwrap_or(std::time::Duration::from_secs(60));
    let workers = state.app.worker_liveness(within).await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the database is not reachable",
        )
    })?;
    if state.workers_alive_within.is_some() && !workers.iter().any(|w| w.alive) {
        let mut error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            format!(
                "no worker renewed its heartbeat within {}s",
                within.as_secs_f64()
            ),
        );
        for w in &workers {
            error = error.with_field(
                "workers",
                format!(
                    "{} last beat at {}",
                    w.worker_id,
                    w.last_heartbeat_at.to_rfc3339()
                ),
            );
        }
        return Err(error);
    }
    Ok(Json(Health {
        status: Probe::Ready,
        database: Some(database),
        workers: Some(
            workers
                .into_iter()
                .map(|w| WorkerHeartbeat {
                    worker_id: w.worker_id,
                    started_at: w.started_at,
                    last_heartbeat_at: w.last_heartbeat_at,
                    alive: w.alive,
                })
                .collect(),
        ),
    }))
}
