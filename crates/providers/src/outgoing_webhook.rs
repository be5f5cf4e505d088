//! Sending one signed outgoing-webhook message to a workspace's endpoint (Standard Webhooks
//! headers `webhook-id`, `webhook-timestamp`, `webhook-signature`). The URL is the
//! workspace's own, so it passes the outbound guard before the request and on the connection
//! (the guarded resolver); redirects are not followed (a 3xx is a failed attempt). There are
//! no retries here: the delivery outbox retries over hours, and every attempt is logged, so
//! this reports what happened instead of failing.

use crate::outbound::OutboundPolicy;
use std::time::{Duration, Instant};

/// One message, signed by the caller.
pub struct SignedMessage<'a> {
    /// The endpoint's URL.
    pub url: &'a str,
    /// The message id (`webhook-id`), the same on every attempt.
    pub id: &'a str,
    /// This attempt's Unix time in seconds (`webhook-timestamp`).
    pub timestamp: i64,
    /// `v1,<base64>` (`webhook-signature`).
    pub signature: &'a str,
    /// The JSON body, exactly as signed.
    pub body: &'a str,
}

/// What one attempt got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why there was no answer, or what a failing status means; `None` on success.
    pub error: Option<String>,
    /// The receiver's `Retry-After` (seconds) on a 429 or 503.
    pub retry_after: Option<Duration>,
    /// How long the attempt took.
    pub elapsed: Duration,
}

impl Answer {
    /// Whether the receiver took it (a 2xx status).
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A client for workspaces' webhook endpoints under the instance's outbound policy.
pub struct WebhookSender {
    client: reqwest::Client,
    policy: OutboundPolicy,
}

impl WebhookSender {
    /// A sender under `policy` whose every attempt ends within `timeout`.
    pub fn new(policy: &OutboundPolicy, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = policy
            .client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent("RevOS-Webhooks/1")
            .build()?;
        Ok(Self {
            client,
            policy: policy.clone(),
        })
    }

    /// POSTs `message` once and reports the answer.
    pub async fn send(&self, message: &SignedMessage<'_>) -> Answer {
        let started = Instant::now();
        let failed = |error: String| Answer {
            status: None,
            error: Some(error),
            retry_after: None,
            elapsed: started.elapsed(),
        };
        let url = match self.policy.check_url(message.url) {
            Ok(url) => url,
            Err(e) => return failed(format!("the URL {e}")),
        };
        let request = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", message.id)
            .header("webhook-timestamp", message.timestamp.to_string())
            .header("webhook-signature", message.signature)
            .body(message.body.to_owned());
        let resp = match request.send().await {
            Ok(resp) => resp,
            Err(e) => return failed(describe(&e)),
        };
        let status = resp.status().as_u16();
        let retry_after = match status {
            429 | 503 => resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
            _ => None,
        };
        // The body is not kept (it is the receiver's, and may be large); dropping the
        // response closes the exchange.
        drop(resp);
        let error =
            (!(200..300).contains(&status)).then(|| format!("the endpoint answered {status}"));
        Answer {
            status: Some(status),
            error,
            retry_after,
            elapsed: started.elapsed(),
        }
    }
}

/// Why a request got no answer, without its URL: the error and its causes (a refused
/// address, a refused connection, a timeout).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    let mut words = vec![if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    }];
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !words.contains(&text) {
            words.push(text);
        }
        source = cause.source();
    }
    words.join(": ").chars().take(500).collect()
}
