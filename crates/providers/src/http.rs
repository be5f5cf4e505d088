//! The HTTP plumbing every client shares: timeouts, retries, error classification, and a
//! size cap on every answer read.

use crate::outbound::{ReadError, read_capped};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// The largest provider answer read (4 MiB): Unipile, Apollo, Instantly and Smartlead answer
/// pages of JSON far below this, and a larger body (a broken or hostile server) fails the
/// call instead of filling the memory.
pub const MAX_PROVIDER_BODY: usize = 4 * 1024 * 1024;

/// Where a provider lives and how patiently to talk to it.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Base URL, e.g. `https://api.apollo.io/api/v1` (no trailing slash needed).
    pub base_url: String,
    /// The API key; never logged.
    pub api_key: SecretString,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries after the first attempt for 429, 5xx, timeouts and connection failures.
    pub max_retries: u32,
    /// First retry delay when the provider gives no `Retry-After`; doubles per retry.
    pub retry_base: Duration,
    /// The longest wait the client accepts inside one call; a longer `Retry-After` is handed
    /// back to the caller (the job queue reschedules instead of blocking a worker).
    pub max_wait: Duration,
    /// The connection pool requests go through. A `reqwest::Client` is a handle (an `Arc`
    /// inside): clones share one pool, so clients built per job from one shared handle reuse
    /// the connections (and TLS sessions) of earlier jobs instead of opening new ones.
    pub client: reqwest::Client,
    /// Told of every attempt (metrics, the health of the instance's keys); none by default.
    pub observer: Option<std::sync::Arc<dyn CallObserver>>,
    /// Whether `api_key` is the instance's own (`REVOS_*_API_KEY`), not a workspace's: its
    /// failures concern every workspace that relies on it.
    pub instance_key: bool,
}

/// One attempt of a provider call, as an observer sees it.
#[derive(Clone, Copy, Debug)]
pub struct ProviderCall {
    /// Which provider.
    pub provider: &'static str,
    /// The failure's class; `None` when the attempt succeeded.
    pub error: Option<ErrorClass>,
    /// How long the attempt took.
    pub took: Duration,
    /// Whether it used the instance's own key.
    pub instance_key: bool,
}

impl ProviderCall {
    /// The attempt's outcome as a metric label: `ok`, or the failure's class
    /// (`rate_limited`, `unauthorized`, `unavailable`, `bad_response`).
    pub fn outcome(&self) -> &'static str {
        self.error.map_or("ok", ErrorClass::as_str)
    }
}

/// Receives every provider HTTP attempt: the process's metrics, and the watch on the
/// instance's keys behind the operator alerts.
pub trait CallObserver: Send + Sync + std::fmt::Debug + 'static {
    /// An attempt ended.
    fn provider_call(&self, call: ProviderCall);
}

impl HttpConfig {
    /// Defaults: 20 s timeout, 3 retries from 500 ms, waits of up to 30 s in-call, over a
    /// connection pool of its own (for a one-off client; see [`HttpConfig::with_client`]).
    pub fn new(base_url: impl Into<String>, api_key: SecretString) -> Self {
        Self::with_client(base_url, api_key, reqwest::Client::new())
    }

    /// The defaults of [`HttpConfig::new`] over `client`, a pool built once and shared by
    /// every client of a process (the per-request timeout is applied per request).
    pub fn with_client(
        base_url: impl Into<String>,
        api_key: SecretString,
        client: reqwest::Client,
    ) -> Self {
        Self {
            client,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_key,
            timeout: Duration::from_secs(20),
            max_retries: 3,
            retry_base: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
            observer: None,
            instance_key: false,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }

    pub(crate) fn key(&self) -> &str {
        self.api_key.expose_secret()
    }
}

/// How a provider call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderErrorKind {
    /// Worth trying again later (5xx, timeout, connection failure, an unreadable answer).
    Transient,
    /// The provider is rate-limiting us; try again after `retry_after` if given.
    RateLimited,
    /// Will not succeed as asked (bad key, bad request, not allowed).
    Permanent,
}

/// What a user may be told about a failed call: a short class, never the provider's words
/// (an error body can echo whatever answered at a URL, which would make the instance an
/// oracle for its own network).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// 429: too many requests (or out of quota).
    RateLimited,
    /// 401 or 403: the key was refused.
    Unauthorized,
    /// No answer, a timeout, or a 5xx/408: try again later.
    Unavailable,
    /// An answer that cannot be used: another 4xx, too large, or unreadable.
    BadResponse,
}

impl ErrorClass {
    /// The class's stable name (`rate_limited`, `unauthorized`, `unavailable`, `bad_response`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RateLimited => "rate_limited",
            Self::Unauthorized => "unauthorized",
            Self::Unavailable => "unavailable",
            Self::BadResponse => "bad_response",
        }
    }
}

/// A failed provider call, classified, with the provider's own words kept (for the log; a
/// user sees [`ProviderError::public_message`]).
#[derive(Clone, Debug, thiserror::Error)]
#[error("{provider}: {message}{}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
pub struct ProviderError {
    /// Which provider.
    pub provider: &'static str,
    /// Transient, rate-limited or permanent.
    pub kind: ProviderErrorKind,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// The provider's own error type or code (e.g. `errors/no_connection_with_recipient`).
    pub provider_type: Option<String>,
    /// What happened.
    pub message: String,
    /// How long the provider asked us to wait.
    pub retry_after: Option<Duration>,
    /// A sentence of RevOS's own (never the provider's words) that a user may see beside
    /// the class: the answer passed its size cap, the URL was refused.
    pub public_detail: Option<String>,
}

impl ProviderError {
    /// A failure of `provider` of this kind, with a message for the log.
    pub fn new(
        provider: &'static str,
        kind: ProviderErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            provider,
            kind,
            status: None,
            provider_type: None,
            message: message.into(),
            retry_after: None,
            public_detail: None,
        }
    }

    /// Whether retrying later may succeed.
    pub fn is_transient(&self) -> bool {
        !matches!(self.kind, ProviderErrorKind::Permanent)
    }

    /// The short class a user may see.
    pub fn class(&self) -> ErrorClass {
        match (self.kind, self.status) {
            (_, Some(401 | 403)) => ErrorClass::Unauthorized,
            (ProviderErrorKind::RateLimited, _) | (_, Some(429)) => ErrorClass::RateLimited,
            (_, Some(408 | 500..=599)) => ErrorClass::Unavailable,
            (_, Some(_)) => ErrorClass::BadResponse,
            (ProviderErrorKind::Permanent, None) => ErrorClass::BadResponse,
            (_, None) => ErrorClass::Unavailable,
        }
    }

    /// What a user may be told: the provider, the class and the status, e.g.
    /// `openai: unauthorized (HTTP 401)`, and RevOS's own detail when there is one; never
    /// the text the server answered.
    pub fn public_message(&self) -> String {
        let status = self
            .status
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        let detail = self
            .public_detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        format!(
            "{}: {}{status}{detail}",
            self.provider,
            self.class().as_str()
        )
    }

    /// A permanent failure described by RevOS itself (`detail` is shown to the user).
    pub fn refused(provider: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let mut e = Self::new(provider, ProviderErrorKind::Permanent, detail.clone());
        e.public_detail = Some(detail);
        e
    }

    /// The error for an answer over its size cap: permanent (the same request would get
    /// the same answer), so it is never retried.
    pub fn too_large(provider: &'static str, limit: usize) -> Self {
        Self::refused(provider, crate::outbound::TooLarge { limit }.to_string())
    }
}

/// Parses `Retry-After`: delay seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
        .or(Some(Duration::ZERO))
}

/// Sends the request `build` makes, retrying transient failures. Returns the successful
/// response's status and body, or the classified error of the last attempt. `classify`
/// turns an error answer (status, headers, body) into a [`ProviderError`].
pub(crate) async fn send(
    config: &HttpConfig,
    provider: &'static str,
    build: impl Fn() -> reqwest::RequestBuilder,
    classify: impl Fn(u16, &reqwest::header::HeaderMap, &str) -> ProviderError,
) -> Result<(u16, String), ProviderError> {
    let mut attempt = 0;
    loop {
        let started = std::time::Instant::now();
        let observe = |error: Option<ErrorClass>| {
            if let Some(observer) = &config.observer {
                observer.provider_call(ProviderCall {
                    provider,
                    error,
                    took: started.elapsed(),
                    instance_key: config.instance_key,
                });
            }
        };
        let result = build().timeout(config.timeout).send().await;
        let error = match result {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                match read_capped(resp, MAX_PROVIDER_BODY).await {
                    Ok(body) if (200..300).contains(&status) => {
                        observe(None);
                        return Ok((status, String::from_utf8_lossy(&body).into_owned()));
                    }
                    Ok(body) => {
                        let mut err = classify(status, &headers, &String::from_utf8_lossy(&body));
                        err.status = Some(status);
                        err.retry_after = err.retry_after.or_else(|| retry_after(&headers));
                        err
                    }
                    Err(ReadError::TooLarge(t)) => ProviderError::too_large(provider, t.limit),
                    Err(ReadError::Transfer(e)) if e.is_timeout() => ProviderError::new(
                        provider,
                        ProviderErrorKind::Transient,
                        format!("no whole answer within {:?}", config.timeout),
                    ),
                    Err(e) => {
                        ProviderError::new(provider, ProviderErrorKind::Transient, e.to_string())
                    }
                }
            }
            // `without_url` below: Smartlead takes its key in the query string.
            Err(e) if e.is_timeout() => ProviderError::new(
                provider,
                ProviderErrorKind::Transient,
                format!("no answer within {:?}", config.timeout),
            ),
            Err(e) => ProviderError::new(
                provider,
                ProviderErrorKind::Transient,
                format!("request failed: {}", e.without_url()),
            ),
        };
        observe(Some(error.class()));
        retry_or_fail(config, provider, &mut attempt, error).await?;
    }
}

/// Waits before the next attempt, or returns the error when retrying is pointless or the
/// budget is spent.
async fn retry_or_fail(
    config: &HttpConfig,
    provider: &'static str,
    attempt: &mut u32,
    error: ProviderError,
) -> Result<(), ProviderError> {
    if !error.is_transient() || *attempt >= config.max_retries {
        return Err(error);
    }
    let backoff = config
        .retry_base
        .saturating_mul(2u32.saturating_pow(*attempt));
    let wait = error.retry_after.unwrap_or(backoff);
    if wait > config.max_wait {
        return Err(error);
    }
    *attempt += 1;
    tracing::warn!(provider, attempt = *attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying provider call");
    tokio::time::sleep(wait).await;
    Ok(())
}
