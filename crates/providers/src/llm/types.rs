//! Chat and tool-calling types shared by the client, the fake server and the agent runtime.

use serde::{Deserialize, Serialize};

/// One message of a conversation with the model, in the roles the chat-completions API knows.
/// Serialised with a `role` tag so a transcript can be stored and replayed as is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum LlmMessage {
    /// Instructions: the cartridge's voice and the agent's job.
    System {
        /// The instructions.
        content: String,
    },
    /// What the person wrote.
    User {
        /// The text.
        content: String,
    },
    /// What the model answered: text, tool calls, or both.
    Assistant {
        /// Its text, if any.
        content: Option<String>,
        /// The tools it asked to run, in order.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one tool call, handed back to the model.
    Tool {
        /// The id of the call this answers.
        tool_call_id: String,
        /// The result (or the error) as JSON text.
        content: String,
    },
}

/// A tool the model may call: its name, what it is for, and the JSON Schema of its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// `[a-zA-Z0-9_-]{1,64}`, unique within a request.
    pub name: String,
    /// When to use it, for the model.
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// A tool call the model made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The model's id for the call, echoed in the tool message.
    pub id: String,
    /// Which tool.
    pub name: String,
    /// The arguments exactly as the model wrote them: a JSON string that may be invalid.
    pub arguments: String,
}

/// Tokens a call consumed, as the server reported them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens.
    pub prompt_tokens: u32,
    /// Output tokens.
    pub completion_tokens: u32,
}

/// Why the model stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// It finished its answer.
    Stop,
    /// It hit the token limit.
    Length,
    /// It wants tools run.
    ToolCalls,
    /// Its answer was filtered.
    ContentFilter,
    /// Anything else the server said.
    Other,
}

/// A chat-completion request: the conversation so far and the tools on offer.
#[derive(Clone, Debug, Default)]
pub struct ChatRequest {
    /// Model name; `None` uses the client's configured model.
    pub model: Option<String>,
    /// The conversation.
    pub messages: Vec<LlmMessage>,
    /// Tools the model may call (none: plain chat).
    pub tools: Vec<ToolSpec>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Upper bound on output tokens.
    pub max_tokens: Option<u32>,
}

/// A finished chat completion, streamed or not.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatOutcome {
    /// The model that answered (as the server named it).
    pub model: String,
    /// Its text, if any.
    pub content: Option<String>,
    /// The tool calls it made, in index order, arguments fully assembled.
    pub tool_calls: Vec<ToolCall>,
    /// Why it stopped.
    pub finish_reason: FinishReason,
    /// Tokens used, when the server reported them.
    pub usage: Option<Usage>,
}

/// One event of a streamed completion.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// A piece of the answer's text.
    TextDelta(String),
    /// The model started a tool call (its arguments follow and are in `Done`).
    ToolCallStarted {
        /// The call id.
        id: String,
        /// The tool.
        name: String,
    },
    /// The completion, assembled; always the last event.
    Done(ChatOutcome),
}
