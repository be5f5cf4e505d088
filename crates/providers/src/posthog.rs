//! PostHog event capture (`api-notes.md` §4): `POST {host}/batch/` with the project key in
//! the JSON body (`api_key`, no header) and a `batch` of events, each with `event`,
//! `distinct_id`, `properties`, an ISO-8601 `timestamp` and a `uuid` PostHog deduplicates
//! on. Only a 2xx counts as accepted (the body varies between `{"status":1}` and
//! `{"status":"Ok"}`); 429 (with `Retry-After`), 408, 5xx and timeouts are transient, any
//! other answer permanent. The client makes ONE attempt per call: the caller's outbox waits
//! and tries again (with its backoff), so no worker sleeps on a service that is down.
//!
//! The instance's PostHog (`REVOS_POSTHOG_URL`) is the operator's and is trusted; a URL a
//! workspace set goes through the outbound guard before every request and on every
//! connection.

use crate::http::{HttpConfig, send};
use crate::outbound::OutboundPolicy;
use crate::{ProviderError, ProviderErrorKind};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::time::Duration;
use uuid::Uuid;

const PROVIDER: &str = "posthog";

/// PostHog wants `historical_migration: true` for events older than this.
const HISTORICAL_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(48);

/// One event of a batch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaptureEvent {
    /// The event name.
    pub event: String,
    /// Who did it (a member, or the workspace itself).
    pub distinct_id: String,
    /// Its properties (`$groups` included).
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// Its id, PostHog's deduplication key.
    pub uuid: Uuid,
}

/// The documented batch body: the key, whether the events are historical (any older than
/// 48 h at `now`: an outage's backlog), and the events.
pub fn batch_body(api_key: &str, events: &[CaptureEvent], now: DateTime<Utc>) -> serde_json::Value {
    let historical = events.iter().any(|e| now - e.timestamp > HISTORICAL_AFTER);
    serde_json::json!({
        "api_key": api_key, "historical_migration": historical, "batch": events,
    })
}

/// A PostHog project's capture endpoint.
pub struct PostHog {
    url: reqwest::Url,
    config: HttpConfig,
    /// The guard of a workspace's own URL; `None` for the operator's.
    policy: Option<OutboundPolicy>,
}

impl PostHog {
    /// The instance's PostHog at `host` (trusted), over `client`, with this timeout.
    pub fn operator(
        host: &str,
        api_key: SecretString,
        client: reqwest::Client,
        timeout: Duration,
    ) -> Result<Self, ProviderError> {
        let url = batch_url(host)?;
        Ok(Self {
            config: config(&url, api_key, client, timeout),
            url,
            policy: None,
        })
    }

    /// A workspace's own PostHog at `host`, refused unless `policy` allows it; its requests
    /// go through a client that checks every connection.
    pub fn workspace(
        host: &str,
        api_key: SecretString,
        policy: &OutboundPolicy,
        timeout: Duration,
    ) -> Result<Self, ProviderError> {
        policy
            .check_url(host)
            .map_err(|e| ProviderError::refused(PROVIDER, format!("the PostHog URL {e}")))?;
        let url = batch_url(host)?;
        let client = policy
            .client_builder()
            .build()
            .map_err(|e| ProviderError::refused(PROVIDER, format!("no HTTP client: {e}")))?;
        Ok(Self {
            config: config(&url, api_key, client, timeout),
            url,
            policy: Some(policy.clone()),
        })
    }

    /// Sends `events` as one batch; `Ok` only for a 2xx answer.
    pub async fn capture_batch(
        &self,
        events: &[CaptureEvent],
        now: DateTime<Utc>,
    ) -> Result<(), ProviderError> {
        let body = batch_body(self.config.api_key.expose_secret(), events, now);
        let build = || self.config.client.post(self.url.clone()).json(&body);
        if let Some(policy) = &self.policy {
            let request = build()
                .build()
                .map_err(|e| ProviderError::refused(PROVIDER, format!("bad request: {e}")))?;
            policy
                .check_request(&request)
                .map_err(|e| ProviderError::refused(PROVIDER, format!("the PostHog URL {e}")))?;
        }
        send(&self.config, PROVIDER, build, classify).await?;
        Ok(())
    }
}

/// `{host}/batch/`.
fn batch_url(host: &str) -> Result<reqwest::Url, ProviderError> {
    let base = host.trim_end_matches('/');
    reqwest::Url::parse(&format!("{base}/batch/"))
        .map_err(|e| ProviderError::refused(PROVIDER, format!("the PostHog URL is invalid: {e}")))
}

/// One attempt per call (the outbox retries), with this timeout.
fn config(
    url: &reqwest::Url,
    api_key: SecretString,
    client: reqwest::Client,
    timeout: Duration,
) -> HttpConfig {
    let mut config = HttpConfig::with_client(url.as_str(), api_key, client);
    config.timeout = timeout;
    config.max_retries = 0;
    config
}

/// PostHog's error answers: 429 rate-limited, 408/5xx transient, the rest (401 for a bad
/// key, 400 for a bad body) permanent.
fn classify(status: u16, _headers: &reqwest::header::HeaderMap, _body: &str) -> ProviderError {
    let kind = match status {
        429 => ProviderErrorKind::RateLimited,
        408 | 500..=599 => ProviderErrorKind::Transient,
        _ => ProviderErrorKind::Permanent,
    };
    ProviderError::new(PROVIDER, kind, format!("PostHog answered HTTP {status}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: DateTime<Utc>) -> CaptureEvent {
        CaptureEvent {
            event: "dm_sent".into(),
            distinct_id: "workspace:1".into(),
            properties: serde_json::Map::new(),
            timestamp: at,
            uuid: Uuid::now_v7(),
        }
    }

    #[test]
    fn the_batch_body_follows_the_documented_shape() {
        let now = Utc::now();
        let e = event(now);
        let body = batch_body("phc_key", std::slice::from_ref(&e), now);
        assert_eq!(body["api_key"], "phc_key");
        assert_eq!(body["historical_migration"], false);
        assert_eq!(body["batch"][0]["event"], "dm_sent");
        assert_eq!(body["batch"][0]["distinct_id"], "workspace:1");
        assert_eq!(body["batch"][0]["uuid"], e.uuid.to_string());
        assert!(body["batch"][0]["timestamp"].as_str().is_some());
        let old = batch_body("k", &[event(now - chrono::TimeDelta::hours(49))], now);
        assert_eq!(old["historical_migration"], true);
    }

    #[test]
    fn answers_are_classified() {
        let h = reqwest::header::HeaderMap::new();
        assert_eq!(classify(429, &h, "").kind, ProviderErrorKind::RateLimited);
        assert_eq!(classify(503, &h, "").kind, ProviderErrorKind::Transient);
        assert_eq!(classify(401, &h, "").kind, ProviderErrorKind::Permanent);
    }

    #[test]
    fn private_workspace_urls_are_refused_before_any_request() {
        let policy = OutboundPolicy::default();
        let refused = PostHog::workspace(
            "http://127.0.0.1:9",
            SecretString::from("k"),
            &policy,
            Duration::from_secs(1),
        );
        assert!(refused.is_err());
    }
}
