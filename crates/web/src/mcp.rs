//! `/mcp`: RevOS's tools over MCP's streamable HTTP transport (the official SDK's service),
//! behind API-key auth. Every request is authenticated here (`Authorization: Bearer <API
//! key>`; missing or bad → 401 with the usual JSON error) and its principal handed to the MCP
//! handler through the request's extensions, so each call acts as the key that sent it.

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use revos_agents::mcp::server::{McpServer, PrincipalOf};
use revos_agents::tools::ToolRegistry;
use revos_app::{Credential, Principal};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;

/// The MCP endpoint at `/mcp`.
pub(crate) fn router(state: AppState) -> Router<AppState> {
    let registry = ToolRegistry::standard();
    let app = state.app.clone();
    let principal_of: PrincipalOf = Arc::new(|ext: &rmcp::model::Extensions| {
        ext.get::<axum::http::request::Parts>()?
            .extensions
            .get::<Principal>()
            .cloned()
    });
    // The SDK refuses Host headers other than loopback by default (a DNS-rebinding guard for
    // unauthenticated local servers). Every request here carries an API key, which browsers
    // never attach on their own, so any host the operator serves RevOS under is accepted.
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_cancellation_token(state.shutdown.child_token());
    let service = StreamableHttpService::new(
        move || {
            Ok(McpServer::per_request(
                app.clone(),
                registry.clone(),
                Arc::clone(&principal_of),
            ))
        },
        LocalSessionManager::default().into(),
        config,
    );
    Router::new()
        .route_service("/mcp", service)
        .route_layer(axum::middleware::from_fn_with_state(state, require_api_key))
}

/// Lets a request through only with a valid API key, leaving its principal in the request.
async fn require_api_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let principal = match Auth::from_request_parts(&mut parts, &state).await {
        Ok(Auth(p)) => p,
        Err(e) => return e.into_response(),
    };
    if !matches!(principal.credential, Credential::ApiKey(_)) {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "/mcp takes an API key as Authorization: Bearer <key>, not a login session",
        )
        .into_response();
    }
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}
