//! What a chat run reports while it works, in order: which agent answers and in which mode,
//! pieces of text, each tool call and its result, the model's usage, and how the run ended.
//! The web layer sends each as one Server-Sent Event named by its `type`.

use crate::definitions::AgentKind;
use revos_app::llm::LlmMode;
use serde::Serialize;
use uuid::Uuid;

/// One event of a chat run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    /// The run began: which agent answers, online or offline.
    Started {
        /// The session.
        session_id: Uuid,
        /// The agent chosen (pinned or routed by intent).
        agent: AgentKind,
        /// Whether a model answers (`online`) or the command grammar (`offline`).
        mode: LlmMode,
        /// The cartridge (client) the agent speaks for.
        cartridge_id: Option<Uuid>,
    },
    /// A piece of the answer.
    Text {
        /// The piece.
        delta: String,
    },
    /// A tool is about to run.
    ToolCall {
        /// The call's id.
        id: String,
        /// The tool.
        name: String,
        /// Its arguments (the raw text when they are not valid JSON).
        arguments: serde_json::Value,
    },
    /// A tool finished (successfully or not; failures are handed back to the model). An
    /// external MCP server the run goes without is shown the same way, before the model's
    /// first step and with no `tool_call`: named `mcp:NAME`, not ok, code `tool_unavailable`.
    ToolResult {
        /// The call's id.
        id: String,
        /// The tool.
        name: String,
        /// Whether it succeeded.
        ok: bool,
        /// One line for people, e.g. "Campaign created: Spring Guide".
        summary: String,
        /// A page of the app that shows the result, when there is one.
        link: Option<String>,
        /// The full result (or the error).
        value: serde_json::Value,
    },
    /// A model call finished and was recorded.
    Usage {
        /// The model.
        model: String,
        /// Input tokens.
        prompt_tokens: u32,
        /// Output tokens.
        completion_tokens: u32,
        /// Its cost in USD, when the model has a price.
        cost_usd: Option<f64>,
    },
    /// The run failed (the model could not be reached, for instance); `done` follows.
    Error {
        /// A stable code.
        code: String,
        /// What happened.
        message: String,
    },
    /// The run ended; always the last event.
    Done {
        /// Why it ended.
        stop: StopReason,
        /// Model steps taken (0 offline).
        steps: u32,
        /// Online or offline.
        mode: LlmMode,
    },
}

/// Why a chat run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The agent answered.
    Completed,
    /// It reached the step limit without a final answer.
    StepLimit,
    /// The caller cancelled it (or went away).
    Cancelled,
    /// It failed; an `error` event says why.
    Failed,
}
