//! The HTTP transport under async-openai: sends each request with the configured retries,
//! honouring `Retry-After`, and turns failed answers into classified [`ProviderError`]s.
//!
//! async-openai's own retry layer honours `Retry-After` too, but its retry count is fixed
//! unless replaced, and the error it hands back has lost the headers (so a final 429 could
//! not say how long to wait). Installed through async-openai's middleware hook, this service
//! sees every status, header and body first.
//!
//! It also holds the two limits on what a model server can do to this process: a workspace's
//! own URL is checked by the outbound guard before every request (and on every connection
//! and redirect by the guarded client), and every answer, streamed or not, is read through a
//! size cap ([`MAX_MODEL_ANSWER`]); errors are read up to [`MAX_ERROR_BODY`].

use crate::http::retry_after;
use crate::outbound::{OutboundPolicy, ReadError, capped_response_flagged, read_capped};
use crate::{ProviderError, ProviderErrorKind};
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use futures::future::BoxFuture;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// The largest model answer read (8 MiB), a whole completion or a whole SSE stream: real
/// answers are a few KiB; a larger one ends the call with a `bad_response` error instead of
/// filling the memory.
pub const MAX_MODEL_ANSWER: usize = 8 * 1024 * 1024;

/// The largest error answer read (64 KiB): only its status and error code are used.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// The provider name errors carry.
pub(crate) const PROVIDER: &str = "openai";

/// First wait when a retryable answer names no `Retry-After`; doubles per retry.
const RETRY_BASE: Duration = Duration::from_millis(200);

/// The longest `Retry-After` waited out inside one call; a longer one is handed back to the
/// caller (the job queue reschedules instead of blocking a worker).
const MAX_WAIT: Duration = Duration::from_secs(30);

/// A reqwest client wrapped with the retry policy, as a tower service for async-openai.
#[derive(Clone, Debug)]
pub(crate) struct RetryingTransport {
    pub(crate) http: reqwest::Client,
    pub(crate) max_retries: u32,
    pub(crate) timeout: Duration,
    /// The guard of a workspace's own URL; `None` for the operator's.
    pub(crate) outbound: Option<OutboundPolicy>,
    /// Set when an answer of this client passed [`MAX_MODEL_ANSWER`]: async-openai reports
    /// a broken body as text only, so the call's error is recognised by this flag (reset at
    /// each request; a client serves one call at a time).
    pub(crate) overflow: Arc<AtomicBool>,
}

impl tower::Service<HttpRequestFactory> for RetryingTransport {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = BoxFuture<'static, Result<reqwest::Response, OpenAIError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        let transport = self.clone();
        Box::pin(async move {
            transport
                .send(request)
                .await
                .map_err(|e| OpenAIError::Boxed(Box::new(e)))
        })
    }
}

impl RetryingTransport {
    /// Sends until a 2xx answer, a failure not worth retrying, or the retry budget is spent.
    pub(crate) async fn send(
        &self,
        request: HttpRequestFactory,
    ) -> Result<reqwest::Response, ProviderError> {
        let mut attempt = 0u32;
        self.overflow.store(false, Ordering::SeqCst);
        loop {
            let built = request.build().await.map_err(|e| {
                ProviderError::new(
                    PROVIDER,
                    ProviderErrorKind::Permanent,
                    format!("building the request failed: {e}"),
                )
            })?;
            if let Some(policy) = &self.outbound {
                policy
                    .check_request(&built)
                    .map_err(|e| ProviderError::refused(PROVIDER, format!("the model URL {e}")))?;
            }
            let (error, retry) = match self.http.execute(built).await {
                Ok(resp) if resp.status().is_success() => {
                    let flag = Arc::clone(&self.overflow);
                    return Ok(capped_response_flagged(resp, MAX_MODEL_ANSWER, flag));
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    let error = match read_capped(resp, MAX_ERROR_BODY).await {
                        Ok(body) => classify(status, &headers, &body),
                        Err(ReadError::TooLarge(_)) => classify(status, &headers, b""),
                        Err(ReadError::Transfer(e)) => reqwest_error(e, self.timeout),
                    };
                    let retry = error.kind != ProviderErrorKind::Permanent;
                    (error, retry)
                }
                Err(e) if e.is_redirect() => {
                    return Err(ProviderError::refused(
                        PROVIDER,
                        "the model URL redirected to an address this instance does not allow",
                    ));
                }
                // A timed-out generation may still be running (and billed): not retried here.
                Err(e) => {
                    let retry = e.is_connect();
                    (reqwest_error(e, self.timeout), retry)
                }
            };
            if !retry || attempt >= self.max_retries {
                return Err(error);
            }
            let wait = error
                .retry_after
                .unwrap_or_else(|| RETRY_BASE.saturating_mul(2u32.saturating_pow(attempt)));
            if wait > MAX_WAIT {
                return Err(error);
            }
            attempt += 1;
            tracing::warn!(provider = PROVIDER, attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying model call");
            tokio::time::sleep(wait).await;
        }
    }
}

impl RetryingTransport {
    /// The classified error of a failed call: the size cap when an answer passed it (however
    /// async-openai worded the broken body), else [`from_openai`].
    pub(crate) fn error(&self, error: OpenAIError) -> ProviderError {
        if self.overflow.load(Ordering::SeqCst) {
            return ProviderError::too_large(PROVIDER, MAX_MODEL_ANSWER);
        }
        from_openai(error, self.timeout)
    }
}

/// A transport failure: timeouts and everything else are transient.
pub(crate) fn reqwest_error(e: reqwest::Error, timeout: Duration) -> ProviderError {
    let message = if e.is_timeout() {
        format!("no answer within {timeout:?} (timeout)")
    } else if e.is_connect() {
        format!("connecting failed: {}", e.without_url())
    } else {
        format!("request failed: {}", e.without_url())
    };
    ProviderError::new(PROVIDER, ProviderErrorKind::Transient, message)
}

/// Classifies an error answer from its status, headers and OpenAI error body
/// (`{"error":{"message","type","code","param"}}`): 429 `insufficient_quota` is permanent,
/// other 429s are rate limits, 408 and 5xx transient, other 4xx permanent. The server's
/// `code` (or `type` when there is no code) is kept as the provider type.
pub(crate) fn classify(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> ProviderError {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let error = parsed.as_ref().map(|v| &v["error"]);
    let field = |name: &str| -> Option<String> {
        match error.map(|e| &e[name]) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    };
    let (code, kind_field) = (field("code"), field("type"));
    let message = field("message").unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            "the server gave no reason".to_owned()
        } else {
            text.chars().take(300).collect()
        }
    });
    let quota = [&code, &kind_field]
        .iter()
        .any(|f| f.as_deref() == Some("insufficient_quota"));
    let kind = match status {
        429 if quota => ProviderErrorKind::Permanent,
        429 => ProviderErrorKind::RateLimited,
        408 | 500..=599 => ProviderErrorKind::Transient,
        _ => ProviderErrorKind::Permanent,
    };
    let mut err = ProviderError::new(PROVIDER, kind, message);
    err.status = Some(status);
    err.provider_type = code.or(kind_field);
    if kind == ProviderErrorKind::RateLimited {
        err.retry_after = retry_after(headers);
    }
    err
}

/// Maps what async-openai returns to a [`ProviderError`]; the transport's own errors pass
/// through unchanged.
pub(crate) fn from_openai(error: OpenAIError, timeout: Duration) -> ProviderError {
    match error {
        OpenAIError::Boxed(boxed) => match boxed.downcast::<ProviderError>() {
            Ok(e) => *e,
            Err(other) => {
                ProviderError::new(PROVIDER, ProviderErrorKind::Transient, other.to_string())
            }
        },
        OpenAIError::Reqwest(e) => reqwest_error(e, timeout),
        OpenAIError::ApiError(api) => {
            let body = serde_json::json!({"error": api.api_error});
            classify(
                api.status_code.as_u16(),
                &reqwest::header::HeaderMap::new(),
                body.to_string().as_bytes(),
            )
        }
        OpenAIError::JSONDeserialize(e, body) => ProviderError::new(
            PROVIDER,
            ProviderErrorKind::Transient,
            format!(
                "unreadable answer ({e}): {}",
                body.chars().take(200).collect::<String>()
            ),
        ),
        OpenAIError::StreamError(e) => ProviderError::new(
            PROVIDER,
            ProviderErrorKind::Transient,
            format!("the stream broke off: {e}"),
        ),
        other => ProviderError::new(PROVIDER, ProviderErrorKind::Permanent, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::classify;
    use crate::ProviderErrorKind;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    use std::time::Duration;

    fn body(code: &str, kind: &str) -> Vec<u8> {
        serde_json::json!({"error": {"message": "m", "type": kind, "param": null, "code": code}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn rate_limits_keep_their_wait_and_quota_is_permanent() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        let e = classify(429, &headers, &body("rate_limit_exceeded", "requests"));
        assert_eq!(e.kind, ProviderErrorKind::RateLimited);
        assert_eq!(e.retry_after, Some(Duration::from_secs(2)));
        assert_eq!(e.provider_type.as_deref(), Some("rate_limit_exceeded"));
        let e = classify(
            429,
            &headers,
            &body("insufficient_quota", "insufficient_quota"),
        );
        assert_eq!(e.kind, ProviderErrorKind::Permanent);
        assert_eq!(e.retry_after, None);
    }

    #[test]
    fn client_errors_are_permanent_and_server_errors_transient() {
        let e = classify(
            401,
            &HeaderMap::new(),
            &body("invalid_api_key", "invalid_request_error"),
        );
        assert_eq!(
            (e.kind, e.status),
            (ProviderErrorKind::Permanent, Some(401))
        );
        assert_eq!(e.provider_type.as_deref(), Some("invalid_api_key"));
        let e = classify(
            400,
            &HeaderMap::new(),
            br#"{"error":{"message":"bad","type":"BadRequestError","code":400}}"#,
        );
        assert_eq!(e.kind, ProviderErrorKind::Permanent);
        assert_eq!(e.provider_type.as_deref(), Some("400"));
        assert_eq!(e.message, "bad");
        let e = classify(502, &HeaderMap::new(), b"<html>bad gateway</html>");
        assert_eq!(e.kind, ProviderErrorKind::Transient);
        assert_eq!(e.message, "<html>bad gateway</html>");
        assert_eq!(
            classify(503, &HeaderMap::new(), b"").message,
            "the server gave no reason"
        );
    }
}
