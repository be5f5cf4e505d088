//! What every handler can reach.

use crate::client_ip::TrustedProxies;
use crate::rate_limit::LoginLimiter;
use revos_app::App;
use std::sync::Arc;

/// Shared state of the HTTP server.
#[derive(Clone)]
pub struct AppState {
    /// The application services.
    pub app: App,
    /// Brakes on login, sign-up and invitation attempts.
    pub limiter: Arc<LoginLimiter>,
    /// The reverse proxies whose `X-Forwarded-For` names the client (`REVOS_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Cancelled when the server begins to shut down, so that long-lived streams (the web
    /// app's live feed) end and graceful shutdown does not wait on them forever.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl AppState {
    /// State over `app` with the default attempt limits and no trusted proxy.
    pub fn new(app: App) -> Self {
        Self {
            app,
            limiter: Arc::new(LoginLimiter::default()),
            trusted_proxies: Arc::default(),
            shutdown: tokio_util::sync::CancellationToken::new(),
        }
    }
}
