//! The tools agents act through: typed async functions over the use cases (never the
//! database), each with a JSON Schema of its arguments, defined once and exposed alike to the
//! language-model agents, the offline command grammar and MCP clients. A tool's failure (bad
//! arguments, not found, a conflict, a provider error) is data handed back to the caller, never
//! a panic or an error that aborts an agent's run.

mod campaign_tools;
mod cartridge_tools;
mod content_tools;
mod guide_tools;
mod lead_tools;
mod post_tools;
mod registry;
mod resolve;
mod sequence_args;

pub use campaign_tools::{
    ActivateCampaignArgs, CampaignReportArgs, CreateCampaignArgs, FunnelArgs, ListCampaignsArgs,
    PauseCampaignArgs, ResumeCampaignArgs, SearchLeadMagnetsArgs, UpdateCampaignStepsArgs,
};
pub use cartridge_tools::{ListCartridgesArgs, LoadCartridgeArgs, SwitchCartridgeArgs};
pub use content_tools::{
    AnalyticsQueryArgs, ContentPlanArgs, GroupByArg, MetricArg, PeriodArg, SearchKnowledgeArgs,
};
pub use guide_tools::GenerateGuideArgs;
pub use lead_tools::{DraftDmArgs, EnrichLeadArgs, ListLeadsArgs, QueueDmArgs};
pub use post_tools::{DraftPostArgs, GenerateImageArgs, RenderCardArgs, SubmitPostArgs};
pub use registry::ToolRegistry;
pub use sequence_args::{StepArg, VariantArg};

use revos_app::{AppError, Principal};
use revos_domain::CartridgeId;
use serde::Serialize;
use serde_json::{Value, json};

/// A tool, named by its argument type: the registry, the agents' tool sets and the offline
/// grammar all take a tool's name from here, so that there is one list of names.
pub trait Tool {
    /// The tool's name, as models, MCP clients and the command grammar call it.
    const NAME: &'static str;
}

/// Names the tool whose arguments `$args` are.
macro_rules! tool_name {
    ($args:ty, $name:literal) => {
        impl $crate::tools::Tool for $args {
            const NAME: &'static str = $name;
        }
    };
}
pub(crate) use tool_name;

/// Who a tool runs for, and the session's selected client. Tools may change the cartridge
/// (`switch_cartridge`); the caller keeps the context between calls.
#[derive(Clone, Debug)]
pub struct ToolContext {
    /// The caller; every tool acts in this principal's workspace with its role.
    pub principal: Principal,
    /// The session's client (cartridge), the default for tools that need one.
    pub cartridge: Option<CartridgeId>,
}

/// What a tool does, for the rule that text from outside the workspace cannot make a chat run
/// change anything: once a run has received a result that carries such text, its calls to
/// tools that write are refused (see `crate::chat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToolEffect {
    /// It changes stored data or acts outside RevOS (queues a DM, spends an enrichment call).
    pub writes: bool,
    /// Its result carries text written by people outside the workspace (lead names, comments,
    /// replies, profiles, enrichment results).
    pub untrusted_output: bool,
}

impl ToolEffect {
    /// Reads the workspace's own data.
    pub const READ: Self = Self {
        writes: false,
        untrusted_output: false,
    };
    /// Reads data that includes text from outside the workspace.
    pub const READ_UNTRUSTED: Self = Self {
        writes: false,
        untrusted_output: true,
    };
    /// Changes something.
    pub const WRITE: Self = Self {
        writes: true,
        untrusted_output: false,
    };
    /// Changes something and returns text from outside the workspace.
    pub const WRITE_UNTRUSTED: Self = Self {
        writes: true,
        untrusted_output: true,
    };
}

/// What a tool call returned, ready for a model, a chat transcript or an MCP client.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToolResult {
    /// False when the call failed; `value` then holds `{"error":{"code","message","field"?}}`.
    pub ok: bool,
    /// The result, or the error.
    pub value: Value,
    /// One line for people, e.g. "Campaign created: Spring Guide".
    pub summary: String,
    /// The UI page of what the result is about, e.g. `/campaigns/{id}`.
    pub link: Option<String>,
}

impl ToolResult {
    /// A failed call.
    pub fn failure(error: ToolError) -> Self {
        let mut body = json!({ "code": error.code, "message": error.message });
        if let Some(field) = &error.field {
            body["field"] = Value::String(field.clone());
        }
        Self {
            ok: false,
            summary: format!("Failed: {}", error.message),
            value: json!({ "error": body }),
            link: None,
        }
    }
}

/// A successful tool's answer before it becomes a [`ToolResult`].
pub(crate) struct Done {
    value: Value,
    summary: String,
    link: Option<String>,
}

impl Done {
    /// A result with its one-line summary.
    pub(crate) fn new(
        value: impl Serialize,
        summary: impl Into<String>,
    ) -> Result<Self, ToolError> {
        let value = serde_json::to_value(value).map_err(|e| {
            ToolError::from(AppError::Internal(format!("cannot encode result: {e}")))
        })?;
        Ok(Self {
            value,
            summary: summary.into(),
            link: None,
        })
    }

    /// The same result with the UI page it is about.
    pub(crate) fn link(mut self, link: String) -> Self {
        self.link = Some(link);
        self
    }
}

/// Why a tool call failed, as the caller sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolError {
    /// A stable code: `invalid_arguments`, `validation_failed`, `not_found`, `ambiguous`,
    /// `conflict`, `forbidden`, `provider_failed`, `llm_budget_exceeded`, `unknown_tool`,
    /// `tool_failed` (an external MCP tool's error) or `internal`.
    pub code: &'static str,
    /// What went wrong, for a model or a person.
    pub message: String,
    /// The argument at fault, when one is.
    pub field: Option<String>,
}

impl ToolError {
    /// An error about one argument.
    pub fn field(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }
}

impl From<AppError> for ToolError {
    fn from(err: AppError) -> Self {
        let plain = |code, message: String| ToolError {
            code,
            message,
            field: None,
        };
        match err {
            AppError::Validation(v) | AppError::TooLarge(v) => {
                let message =
                    v.0.iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ");
                ToolError {
                    code: "validation_failed",
                    message,
                    field: v.0.first().map(|e| e.field.clone()),
                }
            }
            AppError::NotFound(what) => plain("not_found", format!("{what} not found")),
            AppError::Conflict(m) => plain("conflict", m),
            AppError::IllegalTransition(e) => plain("conflict", e.to_string()),
            AppError::Unauthorized(m) | AppError::Forbidden(m) => plain("forbidden", m.into()),
            AppError::SignupClosed => plain("forbidden", err.to_string()),
            AppError::Provider(e) => {
                tracing::warn!(error = %e, "a tool's provider call failed");
                plain(
                    "provider_failed",
                    format!("provider failure: {}", e.public_message()),
                )
            }
            over @ AppError::LlmBudgetExceeded { .. } => {
                plain("llm_budget_exceeded", over.to_string())
            }
            other => {
                tracing::error!(error = %other, "a tool failed");
                plain(
                    "internal",
                    "an internal error occurred; try again later".into(),
                )
            }
        }
    }
}

/// What a tool function returns.
pub(crate) type Outcome = Result<Done, ToolError>;
