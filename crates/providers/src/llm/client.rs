//! The OpenAI-compatible client: chat completions with tool calling, streamed or not, and
//! embeddings, on async-openai with our own lenient wire types (so servers that omit
//! OpenAI's envelope fields still work) and our retrying transport (so failures come back
//! as classified [`ProviderError`]s with the server's code and `Retry-After`).

use super::config::{Endpoint, LlmConfig};
use super::stream::Assembler;
use super::transport::{PROVIDER, RetryingTransport};
use super::types::{ChatOutcome, ChatRequest, StreamEvent, Usage};
use super::wire::{
    ChatBody, Chunk, Completion, EmbeddingBody, EmbeddingList, arguments_text, finish_reason,
    tool_call,
};
use crate::{ProviderError, ProviderErrorKind};
use async_openai::types::stream::StreamResponse;
use futures::StreamExt;
use futures::stream::BoxStream;
use std::collections::VecDeque;

/// A client for one OpenAI-compatible endpoint (see [`LlmConfig`] for the server flags
/// tool calling needs). Cheap to clone.
#[derive(Clone, Debug)]
pub struct OpenAiClient {
    inner: async_openai::Client<Endpoint>,
    /// The endpoint, for the calls made without async-openai (images).
    pub(super) endpoint: Endpoint,
    model: String,
    embedding_model: String,
    pub(super) transport: RetryingTransport,
}

/// The vectors for a list of texts, in input order.
#[derive(Clone, Debug, PartialEq)]
pub struct Embeddings {
    /// The model that made them (as the server named it).
    pub model: String,
    /// One vector per input.
    pub vectors: Vec<Vec<f32>>,
    /// Input tokens used (`completion_tokens` is 0).
    pub usage: Usage,
}

fn invalid(message: impl Into<String>) -> ProviderError {
    ProviderError::new(PROVIDER, ProviderErrorKind::Permanent, message)
}

impl OpenAiClient {
    /// A client for `config`; refuses a base URL that is not http(s), a key that cannot be
    /// sent as a header, and an empty model name.
    pub fn new(config: LlmConfig) -> Result<Self, ProviderError> {
        let endpoint = Endpoint::new(&config.base_url, config.api_key.as_ref()).map_err(invalid)?;
        if config.model.trim().is_empty() {
            return Err(invalid("model must name a chat model"));
        }
        // A workspace's own URL goes through the outbound guard on every connection and
        // redirect; the operator's URL is trusted.
        let builder = match &config.outbound {
            Some(policy) => policy.client_builder(),
            None => reqwest::Client::builder(),
        };
        let http = builder
            .timeout(config.timeout)
            .build()
            .map_err(|e| invalid(format!("building the HTTP client failed: {e}")))?;
        let transport = RetryingTransport {
            http: http.clone(),
            max_retries: config.max_retries,
            timeout: config.timeout,
            outbound: config.outbound,
            overflow: Default::default(),
        };
        Ok(Self {
            inner: async_openai::Client::build(http, endpoint.clone())
                .with_http_service(transport.clone()),
            endpoint,
            model: config.model,
            embedding_model: config.embedding_model,
            transport,
        })
    }

    /// The configured chat model (used when a request names none).
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The configured embedding model.
    pub fn embedding_model(&self) -> &str {
        &self.embedding_model
    }

    fn model_for<'a>(&'a self, req: &'a ChatRequest) -> &'a str {
        req.model
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(&self.model)
    }

    /// One completion, whole. Tool-call arguments come back as the raw string the model
    /// wrote (possibly invalid JSON, which the caller reports back to the model).
    pub async fn chat(&self, req: &ChatRequest) -> Result<ChatOutcome, ProviderError> {
        let model = self.model_for(req);
        let completion: Completion = self
            .inner
            .chat()
            .create_byot(ChatBody::new(req, model, false))
            .await
            .map_err(|e| self.transport.error(e))?;
        let Some(choice) = completion.choices.into_iter().next() else {
            return Err(ProviderError::new(
                PROVIDER,
                ProviderErrorKind::Transient,
                "the answer held no choice",
            ));
        };
        let tool_calls: Vec<_> = choice
            .message
            .tool_calls
            .into_iter()
            .enumerate()
            .map(|(index, c)| {
                tool_call(
                    c.id,
                    index,
                    c.function.name.unwrap_or_default(),
                    arguments_text(c.function.arguments),
                )
            })
            .collect();
        Ok(ChatOutcome {
            model: completion
                .model
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| model.to_owned()),
            content: choice.message.content,
            finish_reason: finish_reason(choice.finish_reason.as_deref(), !tool_calls.is_empty()),
            tool_calls,
            usage: completion.usage.map(Usage::from),
        })
    }

    /// One completion, streamed: `TextDelta` and `ToolCallStarted` events as they come, then
    /// exactly one `Done` with the assembled outcome, last. Asks for the usage chunk
    /// (`stream_options.include_usage`). Failures before the stream starts (bad key, rate
    /// limit after retries) are the outer error; a stream that breaks off yields one error
    /// item and ends without `Done`.
    pub async fn chat_stream(
        &self,
        req: &ChatRequest,
    ) -> Result<BoxStream<'static, Result<StreamEvent, ProviderError>>, ProviderError> {
        let model = self.model_for(req);
        let chunks: StreamResponse<Chunk> = self
            .inner
            .chat()
            .create_stream_byot(ChatBody::new(req, model, true))
            .await
            .map_err(|e| self.transport.error(e))?;
        let state = StreamState {
            chunks,
            assembler: Some(Assembler::new(model)),
            pending: VecDeque::new(),
            transport: self.transport.clone(),
        };
        Ok(futures::stream::unfold(state, StreamState::next).boxed())
    }

    /// Embeds `inputs` with the embedding model, one vector per input in input order.
    pub async fn embed(&self, inputs: &[String]) -> Result<Embeddings, ProviderError> {
        if inputs.is_empty() {
            return Ok(Embeddings {
                model: self.embedding_model.clone(),
                vectors: Vec::new(),
                usage: Usage::default(),
            });
        }
        if self.embedding_model.trim().is_empty() {
            return Err(invalid("embedding_model must name an embedding model"));
        }
        let list: EmbeddingList = self
            .inner
            .embeddings()
            .create_byot(EmbeddingBody {
                model: &self.embedding_model,
                input: inputs,
                encoding_format: "float",
            })
            .await
            .map_err(|e| self.transport.error(e))?;
        let mut items: Vec<_> = list
            .data
            .into_iter()
            .enumerate()
            .map(|(position, item)| (item.index.unwrap_or(position), item.embedding))
            .collect();
        items.sort_by_key(|(index, _)| *index);
        if items.len() != inputs.len()
            || items.iter().enumerate().any(|(i, (index, _))| i != *index)
        {
            return Err(ProviderError::new(
                PROVIDER,
                ProviderErrorKind::Transient,
                format!(
                    "asked for {} vectors, the answer held {}",
                    inputs.len(),
                    items.len()
                ),
            ));
        }
        Ok(Embeddings {
            model: list
                .model
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| self.embedding_model.clone()),
            vectors: items.into_iter().map(|(_, v)| v).collect(),
            usage: list.usage.map(Usage::from).unwrap_or_default(),
        })
    }
}

/// A streamed completion being turned into events.
struct StreamState {
    chunks: StreamResponse<Chunk>,
    /// `None` once the stream has ended (with `Done` or an error).
    assembler: Option<Assembler>,
    pending: VecDeque<StreamEvent>,
    transport: RetryingTransport,
}

impl StreamState {
    async fn next(mut self) -> Option<(Result<StreamEvent, ProviderError>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(event), self));
            }
            // Taken out, and put back only while the stream goes on.
            let mut assembler = self.assembler.take()?;
            let item = match self.chunks.next().await {
                Some(Ok(chunk)) => match assembler.push(chunk) {
                    Ok(events) => {
                        self.pending.extend(events);
                        self.assembler = Some(assembler);
                        continue;
                    }
                    Err(e) => Err(e),
                },
                Some(Err(e)) => Err(self.transport.error(e)),
                None => assembler.finish().map(StreamEvent::Done),
            };
            return Some((item, self));
        }
    }
}
