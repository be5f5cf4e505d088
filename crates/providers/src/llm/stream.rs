//! Assembles a streamed completion: text deltas pass through as they come, tool-call
//! fragments are accumulated by `index` (id and name first, then pieces of the arguments),
//! and the finished [`ChatOutcome`] is built when the stream ends.

use super::transport::{PROVIDER, classify};
use super::types::{ChatOutcome, StreamEvent, Usage};
use super::wire::{Chunk, arguments_text, finish_reason, tool_call};
use crate::{ProviderError, ProviderErrorKind};
use std::collections::BTreeMap;

/// A tool call being assembled.
#[derive(Default)]
struct PartialCall {
    id: Option<String>,
    name: String,
    arguments: String,
    announced: bool,
}

/// The state of one streamed completion.
pub(crate) struct Assembler {
    model: String,
    content: Option<String>,
    calls: BTreeMap<usize, PartialCall>,
    finish: Option<String>,
    usage: Option<Usage>,
}

impl Assembler {
    /// A completion asked of `model` (kept if the server names none).
    pub(crate) fn new(model: &str) -> Self {
        Self {
            model: model.to_owned(),
            content: None,
            calls: BTreeMap::new(),
            finish: None,
            usage: None,
        }
    }

    /// Takes in one chunk; returns the events it produced, or the error a server sent
    /// in-stream.
    pub(crate) fn push(&mut self, chunk: Chunk) -> Result<Vec<StreamEvent>, ProviderError> {
        if let Some(error) = chunk.error {
            let status = error["code"].as_u64().and_then(|c| u16::try_from(c).ok());
            let body = serde_json::json!({ "error": error }).to_string();
            let mut err = classify(
                status.unwrap_or(500),
                &reqwest::header::HeaderMap::new(),
                body.as_bytes(),
            );
            err.status = status;
            return Err(err);
        }
        if let Some(model) = chunk.model.filter(|m| !m.is_empty()) {
            self.model = model;
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage.into());
        }
        let mut events = Vec::new();
        // Only the first choice is read: requests never ask for more than one.
        if let Some(choice) = chunk.choices.into_iter().next() {
            if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                self.content.get_or_insert_with(String::new).push_str(&text);
                events.push(StreamEvent::TextDelta(text));
            }
            for (position, delta) in choice.delta.tool_calls.into_iter().enumerate() {
                let index = delta.index.unwrap_or(position);
                let call = self.calls.entry(index).or_default();
                if let Some(id) = delta.id.filter(|i| !i.is_empty()) {
                    call.id.get_or_insert(id);
                }
                if let Some(function) = delta.function {
                    if let Some(name) = function.name {
                        call.name.push_str(&name);
                    }
                    call.arguments.push_str(&arguments_text(function.arguments));
                }
                if !call.announced && !call.name.is_empty() {
                    call.announced = true;
                    let id = call
                        .id
                        .get_or_insert_with(|| format!("call_{index}"))
                        .clone();
                    events.push(StreamEvent::ToolCallStarted {
                        id,
                        name: call.name.clone(),
                    });
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.finish = Some(reason);
            }
        }
        Ok(events)
    }

    /// The assembled completion, once the stream has ended; an error when it ended before
    /// the model said why it stopped (the connection dropped mid-answer).
    pub(crate) fn finish(self) -> Result<ChatOutcome, ProviderError> {
        let Some(reason) = self.finish else {
            return Err(ProviderError::new(
                PROVIDER,
                ProviderErrorKind::Transient,
                "the stream ended before the model finished its answer",
            ));
        };
        let tool_calls: Vec<_> = self
            .calls
            .into_iter()
            .map(|(index, c)| tool_call(c.id, index, c.name, c.arguments))
            .collect();
        Ok(ChatOutcome {
            model: self.model,
            content: self.content,
            finish_reason: finish_reason(Some(&reason), !tool_calls.is_empty()),
            tool_calls,
            usage: self.usage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Assembler;
    use crate::llm::{FinishReason, StreamEvent, ToolCall};
    use serde_json::json;

    fn chunk(v: serde_json::Value) -> super::Chunk {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn interleaved_tool_calls_are_assembled_by_index() {
        let mut a = Assembler::new("asked");
        let mut events = Vec::new();
        for c in [
            json!({"choices": [{"delta": {"role": "assistant", "content": ""}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "a", "type": "function", "function": {"name": "one", "arguments": ""}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 1, "id": "b", "type": "function", "function": {"name": "two", "arguments": "{\"x\""}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 1, "function": {"arguments": ":1}"}}]}}]}),
            json!({"choices": [{"delta": {}, "finish_reason": "tool_calls"}]}),
        ] {
            events.extend(a.push(chunk(c)).unwrap());
        }
        assert_eq!(
            events,
            vec![
                StreamEvent::ToolCallStarted {
                    id: "a".into(),
                    name: "one".into()
                },
                StreamEvent::ToolCallStarted {
                    id: "b".into(),
                    name: "two".into()
                },
            ]
        );
        let done = a.finish().unwrap();
        assert_eq!(done.model, "asked");
        assert_eq!(done.finish_reason, FinishReason::ToolCalls);
        assert_eq!(
            done.tool_calls,
            vec![
                ToolCall {
                    id: "a".into(),
                    name: "one".into(),
                    arguments: "{}".into()
                },
                ToolCall {
                    id: "b".into(),
                    name: "two".into(),
                    arguments: "{\"x\":1}".into()
                },
            ]
        );
    }

    #[test]
    fn a_stream_cut_before_the_finish_is_an_error() {
        let mut a = Assembler::new("m");
        a.push(chunk(json!({"choices": [{"delta": {"content": "Hel"}}]})))
            .unwrap();
        assert!(a.finish().unwrap_err().is_transient());
    }

    #[test]
    fn an_error_sent_in_stream_is_classified() {
        let mut a = Assembler::new("m");
        let e = a
            .push(chunk(
                json!({"error": {"message": "overloaded", "type": "server_error", "code": 503}}),
            ))
            .unwrap_err();
        assert_eq!((e.status, e.message.as_str()), (Some(503), "overloaded"));
        assert!(e.is_transient());
    }
}
