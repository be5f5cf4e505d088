//! The RevOS HTTP API: JSON under `/api/v1`, bearer-token auth, one error format, cursor
//! pagination, an OpenAPI 3.1 document generated from the handlers, and health probes.
//! Handlers only translate HTTP to calls of [`revos_app::App`]; no SQL and no rules live here.

mod client_access;
mod client_ip;
mod csv;
mod error;
mod extract;
mod mcp;
mod metrics;
mod openapi;
mod rate_limit;
mod routes;
mod security_headers;
mod state;
mod ui;

pub use client_ip::TrustedProxies;
pub use error::ApiError;
pub use rate_limit::LoginLimiter;
pub use state::{AppState, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SHUTDOWN_GRACE};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::net::SocketAddr;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// The largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application: routes, the OpenAPI document and the middleware stack.
pub fn router(state: AppState) -> Router {
    let timeout = state.request_timeout;
    let cutoff = state.cutoff.clone();
    let https = state.app.served_over_https();
    let csp = security_headers::policy(state.app.web_analytics());
    let app = state.app.clone();
    let (api, doc) = openapi::split(routes::router());
    api.merge(openapi::router(doc))
        .merge(mcp::router(state.clone()))
        .merge(metrics::router())
        .merge(ui::router())
        .fallback(|uri: axum::http::Uri| async move {
            let path = uri.path();
            if path.starts_with("/api/") || path.starts_with("/mcp") {
                ApiError::for_status(StatusCode::NOT_FOUND).into_response()
            } else {
                ui::not_found_page()
            }
        })
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| cut_off_at(cutoff.clone(), req, next),
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| security_headers::add(https, csp.clone(), req, next),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %req.method(),
                        path = %req.uri().path(),
                        tenant_id = tracing::field::Empty,
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // Outermost, so that every answer is counted as it leaves (timeouts included); a
        // route layer, so that the route it matched is known.
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| metrics::count(app.clone(), req, next),
        ))
}

/// Serves `/metrics` alone on `listener` (`REVOS_METRICS_LISTEN`) until `shutdown`.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics::own_router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs a request's handler until it answers or the stopping server's grace period is over;
/// then the handler is dropped (as on a timeout) and the request answered 503.
async fn cut_off_at(
    cutoff: tokio_util::sync::CancellationToken,
    req: Request,
    next: Next,
) -> Response {
    tokio::select! {
        resp = next.run(req) => resp,
        () = cutoff.cancelled() => ApiError::for_status(StatusCode::SERVICE_UNAVAILABLE).into_response(),
    }
}

/// Gives error answers from lower layers (unknown method, timeout, body limit) the JSON error
/// body too, so that clients only ever parse one format.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let is_page = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json || is_page {
        return resp;
    }
    let allow = resp.headers().get(header::ALLOW).cloned();
    let mut fresh = ApiError::for_status(status).into_response();
    if let Some(allow) = allow {
        fresh.headers_mut().insert(header::ALLOW, allow);
    }
    fresh
}

/// Serves the API on `listener` until `shutdown` completes; then stops accepting, ends the
/// open streams (live feeds, chat runs, MCP sessions) and lets requests in flight finish for
/// up to the state's grace period. Handlers still running then are dropped and answered 503,
/// and the server returns at most a second later.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let streams = state.shutdown.clone();
    let cutoff = state.cutoff.clone();
    let chats = state.agents.clone();
    let grace = state.shutdown_grace;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let stopping = streams.clone();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopping.cancel();
            chats.cancel_all_chat_runs();
        })
        .into_future();
    tokio::pin!(server);
    tokio::select! {
        done = &mut server => return done,
        () = streams.cancelled() => {}
    }
    if let Ok(done) = tokio::time::timeout(grace, &mut server).await {
        return done;
    }
    tracing::warn!(
        grace_seconds = grace.as_secs_f64(),
        "grace period over; cutting off the requests still running"
    );
    cutoff.cancel();
    match tokio::time::timeout(CUT_OFF_UNWIND, server).await {
        Ok(done) => done,
        Err(_) => Ok(()),
    }
}

/// How long cut-off requests get to send their 503 before the server returns anyway.
const CUT_OFF_UNWIND: std::time::Duration = std::time::Duration::from_secs(1);
