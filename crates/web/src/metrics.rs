//! `/metrics` for operators: the instance's metrics in the Prometheus text format
//! (`revos_app::metrics`), and the HTTP layer's own counts per matched route and status.
//!
//! Where it is served is the operator's choice, and nowhere by default:
//! * `REVOS_METRICS_TOKEN`: on the API's address, to requests carrying
//!   `Authorization: Bearer <token>` (others get 401);
//! * `REVOS_METRICS_LISTEN`: on an address of its own (e.g. one only the scraper reaches),
//!   where the token, when also set, is required too.
//!
//! With neither, `/metrics` on the API's address answers 404 like any unknown path. Not part
//! of the OpenAPI document: it is the operator's, not the API's.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

/// The content type of the Prometheus text format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `/metrics` on the API's address: served only to the bearer of `REVOS_METRICS_TOKEN`.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(on_api_address))
}

/// `/metrics` alone, for the address of `REVOS_METRICS_LISTEN`.
pub(crate) fn own_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(on_own_address))
        .with_state(state)
}

async fn on_api_address(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match &state.metrics_token {
        None => ApiError::for_status(StatusCode::NOT_FOUND).into_response(),
        Some(_) => render(&state, &headers).await,
    }
}

async fn on_own_address(State(state): State<AppState>, headers: HeaderMap) -> Response {
    render(&state, &headers).await
}

/// The metrics, when the request carries the token (if one is set).
async fn render(state: &AppState, headers: &HeaderMap) -> Response {
    if let Some(token) = &state.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let matches: bool = presented
            .as_bytes()
            .ct_eq(token.expose_secret().as_bytes())
            .into();
        if !matches {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "/metrics takes the operator's metrics token as Authorization: Bearer <token>",
            )
            .into_response();
        }
    }
    match state.app.metrics_text().await {
        Ok(text) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT))],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics could not be read");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the database is not reachable",
            )
            .into_response()
        }
    }
}

/// Counts each request by method, matched route (the route's pattern such as
/// `/api/v1/leads/{id}`, never the raw path: its cardinality is the router's) and status,
/// with its latency. Requests no route matched count as `unmatched`.
pub(crate) async fn count(app: revos_app::App, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let resp = next.run(req).await;
    app.metrics()
        .http_request(method, &route, resp.status().as_u16(), started.elapsed());
    resp
}
