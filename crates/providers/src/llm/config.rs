//! Where the model lives and how to reach it, and the async-openai configuration built from
//! it (no environment variables read behind our back, no `Authorization` header without a key).

use async_openai::config::Config;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// An OpenAI-compatible endpoint and the models to use on it.
///
/// Works with OpenAI and with local OpenAI-compatible servers; tool calling needs server
/// support: Ollama (`http://localhost:11434/v1`) with a model that supports tools
/// (llama3.1, qwen2.5, …); vLLM (`http://host:8000/v1`) started with
/// `--enable-auto-tool-choice --tool-call-parser <hermes|llama3_json|mistral|…>`, or tool
/// requests answer 400; llama.cpp's `llama-server` (`http://host:8080/v1`) started with
/// `--jinja`. Local servers ignore the key, so it may be absent.
#[derive(Clone, Debug)]
pub struct LlmConfig {
    /// Base URL including the version, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// Bearer key; `None` sends no `Authorization` header (local servers).
    pub api_key: Option<SecretString>,
    /// Chat model, e.g. `gpt-4o-mini`.
    pub model: String,
    /// Embedding model, e.g. `text-embedding-3-small`.
    pub embedding_model: String,
    /// Bound on one attempt of a call, streamed answers included (from sending the request
    /// to the last byte).
    pub timeout: Duration,
    /// Retries after the first attempt for 429 rate limits, 5xx answers and connection
    /// failures (timeouts are not retried: the model may still be working on it).
    pub max_retries: u32,
    /// The outbound-URL guard every connection of this client passes (a workspace's own
    /// URL); `None` for the operator's URL, which is trusted (e.g. Ollama on localhost).
    pub outbound: Option<crate::outbound::OutboundPolicy>,
}

/// The async-openai view of an [`LlmConfig`]: base URL and key only.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    base_url: String,
    key: SecretString,
    authorization: Option<HeaderValue>,
}

impl Endpoint {
    /// Checks the URL and the key (a key that cannot be a header value is refused here, so
    /// no request can fail on it later).
    pub(crate) fn new(base_url: &str, key: Option<&SecretString>) -> Result<Self, String> {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&base_url)
            .map_err(|e| format!("base_url {base_url:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("base_url {base_url:?} must be http or https"));
        }
        let authorization = match key.map(|k| k.expose_secret().trim()) {
            None | Some("") => None,
            Some(k) => {
                let mut value = HeaderValue::from_str(&format!("Bearer {k}"))
                    .map_err(|_| "api_key contains characters a header cannot carry".to_owned())?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        Ok(Self {
            base_url,
            key: key.cloned().unwrap_or_else(|| SecretString::from("")),
            authorization,
        })
    }
}

impl Config for Endpoint {
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = &self.authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        headers
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    fn query(&self) -> Vec<(&str, &str)> {
        Vec::new()
    }

    fn api_base(&self) -> &str {
        &self.base_url
    }

    fn api_key(&self) -> &SecretString {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::Endpoint;
    use async_openai::config::Config;
    use secrecy::SecretString;

    #[test]
    fn a_missing_or_blank_key_sends_no_authorization() {
        let none = Endpoint::new("http://localhost:11434/v1/", None).unwrap();
        assert!(none.headers().is_empty());
        assert_eq!(
            none.url("/chat/completions"),
            "http://localhost:11434/v1/chat/completions"
        );
        let blank = Endpoint::new("http://x/v1", Some(&SecretString::from(" "))).unwrap();
        assert!(blank.headers().is_empty());
        let key = Endpoint::new("http://x/v1", Some(&SecretString::from("sk-1"))).unwrap();
        assert_eq!(key.headers()["authorization"], "Bearer sk-1");
    }

    #[test]
    fn bad_urls_and_keys_are_refused() {
        assert!(Endpoint::new("localhost:11434", None).is_err());
        assert!(Endpoint::new("not a url", None).is_err());
        assert!(Endpoint::new("ftp://x/v1", None).is_err());
        assert!(Endpoint::new("http://x/v1", Some(&SecretString::from("sk\n1"))).is_err());
    }
}
