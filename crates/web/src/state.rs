//! What every handler can reach.

use crate::client_ip::TrustedProxies;
use crate::rate_limit::LoginLimiter;
use revos_agents::Agents;
use revos_app::App;
use std::sync::Arc;
use std::time::Duration;

/// How long a request may take before it is answered 408 and its work dropped, unless set.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stopping server lets requests in flight finish, unless set.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Shared state of the HTTP server.
#[derive(Clone)]
pub struct AppState {
    /// The application services.
    pub app: App,
    /// The agents (chat runs, tools) over the same services.
    pub agents: Agents,
    /// Brakes on login, sign-up and invitation attempts.
    pub limiter: Arc<LoginLimiter>,
    /// The reverse proxies whose `X-Forwarded-For` names the client (`REVOS_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Cancelled when the server begins to shut down, so that long-lived streams (the web
    /// app's live feed) end and graceful shutdown does not wait on them forever.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// How long a request may take to its answer's head before it is answered 408 and its
    /// handler dropped (its transaction rolled back). Streams, once started, are not cut.
    pub request_timeout: Duration,
    /// How long a stopping server lets requests in flight finish before it cuts them off.
    pub shutdown_grace: Duration,
    /// Cancelled when a stopping server's grace period is over: handlers still running are
    /// dropped (their transactions roll back) and answered 503.
    pub cutoff: tokio_util::sync::CancellationToken,
    /// The bearer token `/metrics` requires (`REVOS_METRICS_TOKEN`); without it `/metrics`
    /// is not served on the API's address.
    pub metrics_token: Option<Arc<secrecy::SecretString>>,
    /// When workers are expected (`serve` runs them), how recent a worker's heartbeat must
    /// be for `/readyz` to answer ready; `None`: readiness needs only the database.
    pub workers_alive_within: Option<Duration>,
}

impl AppState {
    /// State over `app` with the default attempt limits and no trusted proxy, and agents of
    /// its own over `app`.
    pub fn new(app: App) -> Self {
        Self::for_agents(Agents::new(app))
    }

    /// State over the services of `agents`, with the default attempt limits and no trusted
    /// proxy.
    pub fn for_agents(agents: Agents) -> Self {
        Self {
            app: agents.app().clone(),
            agents,
            limiter: Arc::new(LoginLimiter::default()),
            trusted_proxies: Arc::default(),
            shutdown: tokio_util::sync::CancellationToken::new(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            cutoff: tokio_util::sync::CancellationToken::new(),
            metrics_token: None,
            workers_alive_within: None,
        }
    }
}
