//! Image generation on the OpenAI-compatible images API (`POST {base}/images/generations`),
//! through the same endpoint, key, timeout, retries (honouring `Retry-After`), outbound guard
//! and answer cap as chat. The answer carries the image as `b64_json` (GPT-image models
//! always; dall-e when asked) or as a `url` that expires within the hour (dall-e by
//! default), which is fetched at once through the same transport.

use super::client::OpenAiClient;
use super::transport::PROVIDER;
use super::types::Usage;
use crate::outbound::{ReadError, read_capped};
use crate::{ProviderError, ProviderErrorKind};
use async_openai::middleware::HttpRequestFactory;
use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;

/// One generated image.
#[derive(Clone, Debug)]
pub struct GeneratedImage {
    /// The model that made it (as asked: the images API does not name it).
    pub model: String,
    /// The image's bytes (PNG unless the server chose otherwise; the caller checks them).
    pub bytes: Bytes,
    /// The prompt as the model rewrote it, when it says (dall-e-3).
    pub revised_prompt: Option<String>,
    /// Tokens, when the server reports them (GPT-image models); zero otherwise.
    pub usage: Usage,
}

/// The images answer: `{"created", "data": [{"b64_json"} | {"url", "revised_prompt"}], "usage"?}`.
#[derive(Deserialize)]
struct ImagesAnswer {
    #[serde(default)]
    data: Vec<ImageItem>,
    #[serde(default)]
    usage: Option<ImageUsage>,
}

#[derive(Deserialize)]
struct ImageItem {
    #[serde(default)]
    b64_json: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    revised_prompt: Option<String>,
}

/// The GPT-image models' usage: `input_tokens`, `output_tokens`.
#[derive(Deserialize)]
struct ImageUsage {
    #[serde(default)]
    input_tokens: Option<u32>,
    #[serde(default)]
    output_tokens: Option<u32>,
}

fn bad_answer(message: impl Into<String>) -> ProviderError {
    ProviderError::new(PROVIDER, ProviderErrorKind::Transient, message)
}

/// Whether `model` is a dall-e model (the only ones that take `response_format`).
fn is_dall_e(model: &str) -> bool {
    model.starts_with("dall-e")
}

impl OpenAiClient {
    /// Generates one image of `size` (`1024x1024`, `1536x1024`, `auto`, …) with `model` from
    /// `prompt`. Not retried after a timeout (the image may still be made, and billed).
    pub async fn generate_image(
        &self,
        model: &str,
        prompt: &str,
        size: &str,
    ) -> Result<GeneratedImage, ProviderError> {
        if model.trim().is_empty() {
            return Err(ProviderError::new(
                PROVIDER,
                ProviderErrorKind::Permanent,
                "image_model must name an image model",
            ));
        }
        let mut body = serde_json::json!({"model": model, "prompt": prompt, "n": 1, "size": size});
        if is_dall_e(model) {
            body["response_format"] = serde_json::json!("b64_json");
        }
        let answer = self
            .send_for_bytes(self.endpoint_request("/images/generations", Some(body)))
            .await?;
        let answer: ImagesAnswer = serde_json::from_slice(&answer).map_err(|e| {
            bad_answer(format!(
                "unreadable images answer ({e}): {}",
                String::from_utf8_lossy(&answer[..answer.len().min(200)])
            ))
        })?;
        let usage = answer.usage.map_or_else(Usage::default, |u| Usage {
            prompt_tokens: u.input_tokens.unwrap_or(0),
            completion_tokens: u.output_tokens.unwrap_or(0),
        });
        let Some(item) = answer.data.into_iter().next() else {
            return Err(bad_answer("the images answer held no image"));
        };
        let bytes = match (item.b64_json, item.url) {
            (Some(b64), _) => Bytes::from(
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| bad_answer(format!("b64_json is not base64: {e}")))?,
            ),
            (None, Some(url)) => self.send_for_bytes(self.absolute_get(url)).await?,
            (None, None) => return Err(bad_answer("the image has neither b64_json nor url")),
        };
        Ok(GeneratedImage {
            model: model.to_owned(),
            bytes,
            revised_prompt: item.revised_prompt,
            usage,
        })
    }

    /// A JSON POST to `path` under the base URL, with the endpoint's headers.
    fn endpoint_request(&self, path: &str, body: Option<serde_json::Value>) -> HttpRequestFactory {
        let http = self.transport.http.clone();
        let url = async_openai::config::Config::url(&self.endpoint, path);
        let headers = async_openai::config::Config::headers(&self.endpoint);
        HttpRequestFactory::new(move || {
            let mut builder = http.post(&url).headers(headers.clone());
            if let Some(body) = &body {
                builder = builder.json(body);
            }
            let built = builder
                .build()
                .map_err(async_openai::error::OpenAIError::Reqwest);
            async move { built }
        })
    }

    /// A GET of an image URL the server answered with (no key: it is a signed URL, possibly
    /// on another host; a workspace's own endpoint's URLs still pass the outbound guard).
    fn absolute_get(&self, url: String) -> HttpRequestFactory {
        let http = self.transport.http.clone();
        HttpRequestFactory::new(move || {
            let built = http
                .get(&url)
                .build()
                .map_err(async_openai::error::OpenAIError::Reqwest);
            async move { built }
        })
    }

    /// Sends through the retrying transport and reads the whole answer under the cap.
    async fn send_for_bytes(&self, request: HttpRequestFactory) -> Result<Bytes, ProviderError> {
        let resp = self.transport.send(request).await?;
        read_capped(resp, super::transport::MAX_MODEL_ANSWER)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge(_) => {
                    ProviderError::too_large(PROVIDER, super::transport::MAX_MODEL_ANSWER)
                }
                ReadError::Transfer(e) => {
                    super::transport::reqwest_error(e, self.transport.timeout)
                }
            })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_dall_e_models_take_a_response_format() {
        assert!(super::is_dall_e("dall-e-3"));
        assert!(super::is_dall_e("dall-e-2"));
        assert!(!super::is_dall_e("gpt-image-1"));
    }
}
