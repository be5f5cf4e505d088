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
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: Probe::Ok,
        database: None,
    })
}

/// The process can serve requests: the database answers and is migrated.
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
    Ok(Json(Health {
        status: Probe::Ready,
        database: Some(database),
    }))
}
