//! The language-model layer: the wire-independent types the agent runtime speaks (messages,
//! tool specifications, tool calls, token usage) and the OpenAI-compatible client that maps
//! them to and from the documented JSON, for OpenAI and local compatible servers alike.

mod client;
mod config;
mod images;
mod stream;
mod transport;
mod types;
mod wire;

pub use client::{Embeddings, OpenAiClient};
pub use config::LlmConfig;
pub use images::GeneratedImage;
pub use types::{
    ChatOutcome, ChatRequest, FinishReason, LlmMessage, StreamEvent, ToolCall, ToolSpec, Usage,
};
