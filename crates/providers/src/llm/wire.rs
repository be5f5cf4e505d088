//! The chat-completions and embeddings JSON as sent and received (api-notes.md §5). Answers
//! are read leniently: OpenAI-compatible servers omit `id`, `object`, `created` or
//! `system_fingerprint`, send `null` for empty lists, number their error codes, or (rarely)
//! give tool arguments as an object; none of that should fail a call.

use super::types::{ChatRequest, FinishReason, LlmMessage, ToolCall, ToolSpec, Usage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /chat/completions` body.
#[derive(Serialize)]
pub(crate) struct ChatBody<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<WireTool<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    /// `max_tokens` rather than `max_completion_tokens`: every compatible server reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
enum WireMessage<'a> {
    System {
        content: &'a str,
    },
    User {
        content: &'a str,
    },
    Assistant {
        content: Option<&'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<WireToolCall<'a>>,
    },
    Tool {
        tool_call_id: &'a str,
        content: &'a str,
    },
}

#[derive(Serialize)]
struct WireToolCall<'a> {
    id: &'a str,
    r#type: &'static str,
    function: WireFunctionCall<'a>,
}

#[derive(Serialize)]
struct WireFunctionCall<'a> {
    name: &'a str,
    arguments: &'a str,
}

#[derive(Serialize)]
struct WireTool<'a> {
    r#type: &'static str,
    function: &'a ToolSpec,
}

impl<'a> ChatBody<'a> {
    /// The body for `req` on `model`; `stream` also asks for the usage chunk.
    pub(crate) fn new(req: &'a ChatRequest, model: &'a str, stream: bool) -> Self {
        Self {
            model,
            messages: req.messages.iter().map(WireMessage::from).collect(),
            tools: req
                .tools
                .iter()
                .map(|function| WireTool {
                    r#type: "function",
                    function,
                })
                .collect(),
            temperature: req.temperature,
            max_tokens: req.max_tokens,
            stream,
            stream_options: stream.then_some(StreamOptions {
                include_usage: true,
            }),
        }
    }
}

impl<'a> From<&'a LlmMessage> for WireMessage<'a> {
    fn from(m: &'a LlmMessage) -> Self {
        match m {
            LlmMessage::System { content } => Self::System { content },
            LlmMessage::User { content } => Self::User { content },
            LlmMessage::Assistant {
                content,
                tool_calls,
            } => Self::Assistant {
                content: content.as_deref(),
                tool_calls: tool_calls
                    .iter()
                    .map(|c| WireToolCall {
                        id: &c.id,
                        r#type: "function",
                        function: WireFunctionCall {
                            name: &c.name,
                            arguments: &c.arguments,
                        },
                    })
                    .collect(),
            },
            LlmMessage::Tool {
                tool_call_id,
                content,
            } => Self::Tool {
                tool_call_id,
                content,
            },
        }
    }
}

/// Token counts as servers report them (missing counts read as 0).
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<u32>,
    #[serde(default)]
    completion_tokens: Option<u32>,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        Usage {
            prompt_tokens: u.prompt_tokens.unwrap_or(0),
            completion_tokens: u.completion_tokens.unwrap_or(0),
        }
    }
}

/// A non-streamed completion.
#[derive(Debug, Deserialize)]
pub(crate) struct Completion {
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) choices: Vec<Choice>,
    #[serde(default)]
    pub(crate) usage: Option<WireUsage>,
}

/// One choice of a completion.
#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    #[serde(default)]
    pub(crate) message: AnswerMessage,
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

/// The assistant's message in a completion.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AnswerMessage {
    #[serde(default)]
    pub(crate) content: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) tool_calls: Vec<AnswerToolCall>,
}

/// A whole tool call in a completion.
#[derive(Debug, Deserialize)]
pub(crate) struct AnswerToolCall {
    #[serde(default)]
    pub(crate) id: Option<String>,
    pub(crate) function: FunctionPart,
}

/// A tool call's function, whole or in part (streamed).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FunctionPart {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) arguments: Option<Value>,
}

/// One streamed chunk (`chat.completion.chunk`), or an error a server sent mid-stream.
#[derive(Debug, Deserialize)]
pub(crate) struct Chunk {
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) choices: Vec<ChunkChoice>,
    #[serde(default)]
    pub(crate) usage: Option<WireUsage>,
    #[serde(default)]
    pub(crate) error: Option<Value>,
}

/// A chunk's choice: a delta and, last, why it stopped.
#[derive(Debug, Deserialize)]
pub(crate) struct ChunkChoice {
    #[serde(default)]
    pub(crate) delta: Delta,
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

/// What a chunk adds to the answer.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Delta {
    #[serde(default)]
    pub(crate) content: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) tool_calls: Vec<ToolCallDelta>,
}

/// A fragment of a tool call, identified by `index` (id and name first, then arguments).
#[derive(Debug, Deserialize)]
pub(crate) struct ToolCallDelta {
    #[serde(default)]
    pub(crate) index: Option<usize>,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) function: Option<FunctionPart>,
}

/// `POST /embeddings` body.
#[derive(Serialize)]
pub(crate) struct EmbeddingBody<'a> {
    pub(crate) model: &'a str,
    pub(crate) input: &'a [String],
    pub(crate) encoding_format: &'static str,
}

/// An embeddings answer.
#[derive(Debug, Deserialize)]
pub(crate) struct EmbeddingList {
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) data: Vec<EmbeddingItem>,
    #[serde(default)]
    pub(crate) usage: Option<WireUsage>,
}

/// One input's vector.
#[derive(Debug, Deserialize)]
pub(crate) struct EmbeddingItem {
    #[serde(default)]
    pub(crate) index: Option<usize>,
    pub(crate) embedding: Vec<f32>,
}

/// Reads `null` as the type's default (servers send `"tool_calls": null`).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Arguments as the raw string the model wrote; an object (sent by a few servers) is
/// written back as JSON text.
pub(crate) fn arguments_text(arguments: Option<Value>) -> String {
    match arguments {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}

/// The finish reason named by the server; tool calls with `stop` (or none, as some local
/// servers answer) are reported as [`FinishReason::ToolCalls`].
pub(crate) fn finish_reason(reason: Option<&str>, has_tool_calls: bool) -> FinishReason {
    match reason {
        Some("length") => FinishReason::Length,
        Some("content_filter") => FinishReason::ContentFilter,
        Some("tool_calls" | "function_call") => FinishReason::ToolCalls,
        Some("stop") | None if has_tool_calls => FinishReason::ToolCalls,
        Some("stop") | None => FinishReason::Stop,
        Some(_) => FinishReason::Other,
    }
}

/// A tool call with the server's id, or `call_{index}` when the server gave none.
pub(crate) fn tool_call(
    id: Option<String>,
    index: usize,
    name: String,
    arguments: String,
) -> ToolCall {
    ToolCall {
        id: id
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| format!("call_{index}")),
        name,
        arguments,
    }
}

#[cfg(test)]
mod tests {
    use super::{ChatBody, Completion, finish_reason};
    use crate::llm::{ChatRequest, FinishReason, LlmMessage, ToolCall, ToolSpec};
    use serde_json::json;

    #[test]
    fn the_request_follows_the_documented_shape() {
        let req = ChatRequest {
            model: None,
            messages: vec![
                LlmMessage::System {
                    content: "be brief".into(),
                },
                LlmMessage::Assistant {
                    content: None,
                    tool_calls: vec![ToolCall {
                        id: "call_1".into(),
                        name: "pause_campaign".into(),
                        arguments: "{\"id\":1}".into(),
                    }],
                },
                LlmMessage::Tool {
                    tool_call_id: "call_1".into(),
                    content: "{\"ok\":true}".into(),
                },
                LlmMessage::Assistant {
                    content: Some("done".into()),
                    tool_calls: vec![],
                },
            ],
            tools: vec![ToolSpec {
                name: "pause_campaign".into(),
                description: "Pause".into(),
                parameters: json!({"type": "object"}),
            }],
            temperature: Some(0.5),
            max_tokens: Some(64),
        };
        let body = serde_json::to_value(ChatBody::new(&req, "m", true)).unwrap();
        assert_eq!(
            body,
            json!({
                "model": "m",
                "messages": [
                    {"role": "system", "content": "be brief"},
                    {"role": "assistant", "content": null, "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "pause_campaign", "arguments": "{\"id\":1}"}}]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "{\"ok\":true}"},
                    {"role": "assistant", "content": "done"}
                ],
                "tools": [{"type": "function", "function": {"name": "pause_campaign", "description": "Pause", "parameters": {"type": "object"}}}],
                "temperature": 0.5,
                "max_tokens": 64,
                "stream": true,
                "stream_options": {"include_usage": true}
            })
        );
        let plain =
            serde_json::to_value(ChatBody::new(&ChatRequest::default(), "m", false)).unwrap();
        assert_eq!(
            plain,
            json!({"model": "m", "messages": [], "stream": false})
        );
    }

    #[test]
    fn sparse_answers_parse() {
        let c: Completion = serde_json::from_value(json!({
            "choices": [{"message": {"content": "hi", "tool_calls": null}}]
        }))
        .unwrap();
        assert_eq!(c.choices[0].message.content.as_deref(), Some("hi"));
        assert!(
            c.choices[0].message.tool_calls.is_empty() && c.model.is_none() && c.usage.is_none()
        );
    }

    #[test]
    fn finish_reasons_map() {
        assert_eq!(finish_reason(Some("stop"), false), FinishReason::Stop);
        assert_eq!(finish_reason(Some("stop"), true), FinishReason::ToolCalls);
        assert_eq!(finish_reason(None, true), FinishReason::ToolCalls);
        assert_eq!(
            finish_reason(Some("function_call"), false),
            FinishReason::ToolCalls
        );
        assert_eq!(finish_reason(Some("length"), true), FinishReason::Length);
        assert_eq!(
            finish_reason(Some("content_filter"), false),
            FinishReason::ContentFilter
        );
        assert_eq!(finish_reason(Some("eos"), false), FinishReason::Other);
    }
}
