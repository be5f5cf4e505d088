//! Slack incoming webhooks (`api-notes.md` §8): one `POST` of JSON to the URL a workspace
//! pasted (the URL is the secret), answered `200 ok` in plain text. The URL is a workspace's
//! own, so it passes the outbound guard before every request and on every connection; the
//! client times out, retries 5xx and 429 (honouring `Retry-After` up to its in-call limit,
//! handing longer waits back to the job queue) and classifies Slack's plain-text errors
//! (`no_service`, `invalid_payload`, …) as permanent.

use crate::http::{HttpConfig, send};
use crate::outbound::OutboundPolicy;
use crate::{ProviderError, ProviderErrorKind};
use secrecy::SecretString;
use std::time::Duration;

const PROVIDER: &str = "slack";

/// A message for a channel: `text` is the summary (and the notification fallback), `lines`
/// the body of its one section block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlackMessage {
    /// The summary line.
    pub text: String,
    /// The lines of the section block.
    pub lines: Vec<String>,
}

/// Escapes the three characters Slack's text formatting gives meaning to, so that a lead's
/// name like `<!channel>` is shown, never acted on.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl SlackMessage {
    /// The documented body: `text`, one `mrkdwn` section block, no link unfurling.
    pub fn body(&self) -> serde_json::Value {
        let text = escape(&self.text);
        let mut body = serde_json::json!({ "text": text, "unfurl_links": false });
        if !self.lines.is_empty() {
            let section = self
                .lines
                .iter()
                .map(|l| escape(l))
                .collect::<Vec<_>>()
                .join("\n");
            body["blocks"] = serde_json::json!([
                {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{text}*\n{section}")}}
            ]);
        }
        body
    }
}

/// A workspace's incoming webhook.
pub struct SlackWebhook {
    url: reqwest::Url,
    config: HttpConfig,
    policy: OutboundPolicy,
}

impl SlackWebhook {
    /// A client for `url` under `policy`, with this per-request timeout; refuses a URL the
    /// guard refuses.
    pub fn new(
        url: &str,
        policy: &OutboundPolicy,
        timeout: Duration,
    ) -> Result<Self, ProviderError> {
        let url = policy
            .check_url(url)
            .map_err(|e| ProviderError::refused(PROVIDER, format!("the webhook URL {e}")))?;
        let client = policy
            .client_builder()
            .build()
            .map_err(|e| ProviderError::refused(PROVIDER, format!("no HTTP client: {e}")))?;
        let mut config = HttpConfig::with_client(url.as_str(), SecretString::from(""), client);
        config.timeout = timeout;
        config.max_retries = 2;
        config.max_wait = Duration::from_secs(10);
        Ok(Self {
            url,
            config,
            policy: policy.clone(),
        })
    }

    /// Posts `message`. A refused URL, a 4xx other than 429 and `no_service` are permanent;
    /// 5xx, timeouts and 429 are transient (with Slack's `Retry-After`).
    pub async fn post(&self, message: &SlackMessage) -> Result<(), ProviderError> {
        let body = message.body();
        let build = || self.config.client.post(self.url.clone()).json(&body);
        let request = build()
            .build()
            .map_err(|e| ProviderError::refused(PROVIDER, format!("bad request: {e}")))?;
        self.policy
            .check_request(&request)
            .map_err(|e| ProviderError::refused(PROVIDER, format!("the webhook URL {e}")))?;
        send(&self.config, PROVIDER, build, classify).await?;
        Ok(())
    }
}

/// Slack's error answers: a plain-text code such as `no_service` or `invalid_payload`.
fn classify(status: u16, _headers: &reqwest::header::HeaderMap, body: &str) -> ProviderError {
    let kind = match status {
        429 => ProviderErrorKind::RateLimited,
        408 | 500..=599 => ProviderErrorKind::Transient,
        _ => ProviderErrorKind::Permanent,
    };
    let code: String = body
        .trim()
        .chars()
        .take(64)
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let mut e = ProviderError::new(PROVIDER, kind, format!("Slack answered {code:?}"));
    e.provider_type = (!code.is_empty()).then_some(code);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_follow_the_documented_shape_and_escape_names() {
        let m = SlackMessage {
            text: "Acme: 1 new reply".into(),
            lines: vec!["• New reply from <!channel> & co".into()],
        };
        let body = m.body();
        assert_eq!(body["text"], "Acme: 1 new reply");
        assert_eq!(body["unfurl_links"], false);
        assert_eq!(body["blocks"][0]["type"], "section");
        assert_eq!(
            body["blocks"][0]["text"]["text"],
            "*Acme: 1 new reply*\n• New reply from &lt;!channel&gt; &amp; co"
        );
    }

    #[test]
    fn slack_errors_are_classified() {
        let h = reqwest::header::HeaderMap::new();
        assert_eq!(
            classify(404, &h, "no_service").kind,
            ProviderErrorKind::Permanent
        );
        assert_eq!(
            classify(404, &h, "no_service").provider_type.as_deref(),
            Some("no_service")
        );
        assert_eq!(
            classify(500, &h, "rollup_error").kind,
            ProviderErrorKind::Transient
        );
        assert_eq!(classify(429, &h, "").kind, ProviderErrorKind::RateLimited);
    }

    #[test]
    fn private_urls_are_refused_before_any_request() {
        let policy = OutboundPolicy::default();
        let refused = SlackWebhook::new("http://127.0.0.1:9/hook", &policy, Duration::from_secs(1));
        assert!(refused.is_err());
    }
}
