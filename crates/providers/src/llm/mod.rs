//! The language-model layer's wire-independent types: the messages, tool specifications, tool
//! calls and token usage that the agent runtime speaks. The OpenAI-compatible client maps them
//! to and from the documented JSON; the agent runtime persists them as the transcript.

mod types;

pub use types::{ChatOutcome, ChatRequest, FinishReason, LlmMessage, StreamEvent, ToolCall, ToolSpec, Usage};
