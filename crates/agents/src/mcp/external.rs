//! One external MCP server as the agents use it: connected with rmcp's client (a child process,
//! or streamable HTTP through the outbound URL guard), its tools listed, and each call
//! forwarded with a time limit and its output cut to a size a model can take. A server's
//! credential comes from the workspace's vault by the secret name the operator gave, never
//! from cartridge text. Which servers a run may reach, and how long a listing is reused, is
//! [`super::clients`]'s business.

use crate::tools::{ToolError, ToolResult};
use revos_domain::mcp_servers::{McpServer, McpTransport};
use revos_providers::outbound::OutboundPolicy;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use zeroize::Zeroizing;

/// How long connecting to a server and listing its tools may take: a run waits this long at
/// most before it goes on without the server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one call of an external tool may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The most characters of one tool's output that reach the model, the chat and the
/// transcript; longer output is cut, with a note saying so.
pub const MAX_OUTPUT_CHARS: usize = 16_000;

/// The most characters of a tool's description the model sees.
const MAX_DESCRIPTION_CHARS: usize = 1_000;

/// The error code of a tool whose server cannot be reached.
pub const TOOL_UNAVAILABLE: &str = "tool_unavailable";

/// A connection to one server, shared by the tools listed through it. A call that fails in
/// transport (not one the server answered with an error) marks it broken, so that the next
/// run connects again instead of reusing it.
pub(crate) struct Connection {
    client: RunningService<RoleClient, ()>,
    /// The server's name, for messages.
    server: String,
    broken: AtomicBool,
}

impl Connection {
    /// Whether a call through it failed in transport.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Relaxed)
    }

    /// Every tool the server offers.
    pub(crate) async fn list_tools(&self) -> Result<Vec<Tool>, String> {
        self.client
            .list_all_tools()
            .await
            .map_err(|e| e.to_string())
    }
}

/// One tool of an external server, called through its connection.
pub struct RemoteTool {
    connection: Arc<Connection>,
    /// The tool's own name on its server.
    name: String,
}

impl RemoteTool {
    /// The tool `name` of the server behind `connection`.
    pub(crate) fn new(connection: Arc<Connection>, name: String) -> Self {
        Self { connection, name }
    }

    /// Calls the tool. An `isError` answer or a protocol error the server sent is a failed
    /// result; a server that fails in transport or does not answer in time is "tool
    /// unavailable". Either way the run goes on.
    pub(crate) async fn call(&self, arguments: Value) -> ToolResult {
        let Value::Object(arguments) = arguments else {
            return ToolResult::failure(ToolError::field(
                "invalid_arguments",
                "arguments",
                "the arguments must be a JSON object",
            ));
        };
        let server = &self.connection.server;
        let params = CallToolRequestParams::new(self.name.clone()).with_arguments(arguments);
        let why = match tokio::time::timeout(CALL_TIMEOUT, self.connection.client.call_tool(params))
            .await
        {
            Ok(Ok(result)) => return capped(from_call_result(result)),
            Ok(Err(ServiceError::McpError(e))) => {
                return capped(ToolResult::failure(ToolError {
                    code: "tool_failed",
                    message: format!("the MCP server {server} refused the call: {}", e.message),
                    field: None,
                }));
            }
            Ok(Err(e)) => {
                tracing::warn!(server = %server, tool = %self.name, error = %e, "an MCP tool call failed");
                "failed to answer".to_owned()
            }
            Err(_) => format!("did not answer within {} s", CALL_TIMEOUT.as_secs()),
        };
        self.connection.broken.store(true, Ordering::Relaxed);
        unavailable(server, &why)
    }
}

/// The failed result of a tool whose server cannot be used: code [`TOOL_UNAVAILABLE`], and a
/// summary starting "Tool unavailable" for the chat's card.
pub fn unavailable(server: &str, why: &str) -> ToolResult {
    let message = format!("the MCP server {server} {why}");
    ToolResult {
        ok: false,
        value: json!({"error": {"code": TOOL_UNAVAILABLE, "message": message}}),
        summary: format!("Tool unavailable: {message}"),
        link: None,
    }
}

/// An MCP tool result as a registry result: the structured content (or the last text, as
/// JSON when it parses) is the value, the first text the summary.
fn from_call_result(result: CallToolResult) -> ToolResult {
    let texts: Vec<&str> = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
        .collect();
    let value = result.structured_content.clone().unwrap_or_else(|| {
        texts
            .last()
            .map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String((*t).to_owned())))
            .unwrap_or(Value::Null)
    });
    let ok = !result.is_error.unwrap_or(false);
    let mut summary: String = texts
        .first()
        .copied()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    if summary.is_empty() {
        summary = if ok { "Done" } else { "Failed" }.to_owned();
    }
    let value = if ok || value.get("error").is_some() {
        value
    } else {
        json!({"error": {"code": "tool_failed", "message": summary, "details": value}})
    };
    ToolResult {
        ok,
        value,
        summary,
        link: None,
    }
}

/// `result` with its value cut to [`MAX_OUTPUT_CHARS`] characters of JSON when it is longer:
/// the value then holds the cut text and a note, and the summary says so. A failed result
/// keeps its error shape, the cut text in `details`.
fn capped(mut result: ToolResult) -> ToolResult {
    let text = result.value.to_string();
    let total = text.chars().count();
    if total <= MAX_OUTPUT_CHARS {
        return result;
    }
    let note =
        format!("The tool's output was cut to its first {MAX_OUTPUT_CHARS} of {total} characters.");
    let cut = json!({
        "truncated": true,
        "note": note,
        "output": text.chars().take(MAX_OUTPUT_CHARS).collect::<String>(),
    });
    result.value = if result.ok {
        cut
    } else {
        json!({"error": {"code": "tool_failed", "message": note, "details": cut}})
    };
    result.summary.push_str(" (output truncated)");
    result
}

/// The function spec the model sees for `tool` of `server`: its registry name, its
/// description (cut), and its input JSON Schema with `properties` present (small models
/// expect it even when a tool takes no arguments).
pub(crate) fn spec_of(server: &str, tool: &Tool) -> revos_providers::llm::ToolSpec {
    let mut parameters = (*tool.input_schema).clone();
    parameters
        .entry("properties")
        .or_insert_with(|| Value::Object(Default::default()));
    revos_providers::llm::ToolSpec {
        name: revos_domain::mcp_servers::tool_name(server, &tool.name),
        description: tool
            .description
            .as_deref()
            .unwrap_or_default()
            .chars()
            .take(MAX_DESCRIPTION_CHARS)
            .collect(),
        parameters: Value::Object(parameters),
    }
}

/// Starts or reaches one declared server, with the workspace's `secret` when it has one, and
/// completes the MCP handshake. A child process never sees the instance's `REVOS_*` settings
/// (the master key among them), and is killed when the connection is dropped.
pub(crate) async fn connect(
    server: &McpServer,
    secret: Option<&Zeroizing<String>>,
    policy: &OutboundPolicy,
) -> Result<Connection, String> {
    let client = match &server.transport {
        McpTransport::Stdio { command, args } => {
            let mut cmd = tokio::process::Command::new(command);
            cmd.args(args);
            for (key, _) in std::env::vars_os() {
                if key.to_string_lossy().starts_with("REVOS_") {
                    cmd.env_remove(key);
                }
            }
            if let (Some(var), Some(value)) = (server.secret_env_var(), secret) {
                cmd.env(var, value.as_str());
            }
            let (transport, _) = TokioChildProcess::builder(cmd)
                .stderr(std::process::Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start {command}: {e}"))?;
            ().serve(transport).await.map_err(|e| e.to_string())?
        }
        McpTransport::Http { url } => {
            policy.check_url(url).map_err(|e| format!("the URL {e}"))?;
            let client = policy
                .client_builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build()
                .map_err(|e| e.to_string())?;
            let mut config = StreamableHttpClientTransportConfig::with_uri(url.as_str());
            if let Some(token) = secret {
                config = config.auth_header(token.as_str());
            }
            let transport = StreamableHttpClientTransport::with_client(client, config);
            ().serve(transport).await.map_err(|e| e.to_string())?
        }
    };
    Ok(Connection {
        client,
        server: server.name.clone(),
        broken: AtomicBool::new(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(value: Value) -> ToolResult {
        ToolResult {
            ok: true,
            value,
            summary: "Found it".into(),
            link: None,
        }
    }

    #[test]
    fn long_output_is_cut_with_a_note() {
        let short = ok(json!({"text": "x".repeat(100)}));
        assert_eq!(capped(short.clone()), short);

        let long = capped(ok(json!({"text": "é".repeat(MAX_OUTPUT_CHARS * 2)})));
        assert!(long.ok);
        assert_eq!(long.value["truncated"], true);
        let output = long.value["output"].as_str().unwrap();
        assert_eq!(output.chars().count(), MAX_OUTPUT_CHARS);
        assert!(output.starts_with("{\"text\":\"éé"));
        let note = long.value["note"].as_str().unwrap();
        assert!(note.contains(&format!("{MAX_OUTPUT_CHARS} of")), "{note}");
        assert_eq!(long.summary, "Found it (output truncated)");

        let failed = capped(ToolResult {
            ok: false,
            ..ok(json!({"error": {"message": "y".repeat(MAX_OUTPUT_CHARS)}}))
        });
        assert_eq!(failed.value["error"]["code"], "tool_failed");
        assert_eq!(failed.value["error"]["details"]["truncated"], true);
    }

    #[test]
    fn unavailable_results_name_the_server() {
        let r = unavailable("crm", "failed to answer");
        assert!(!r.ok);
        assert_eq!(r.value["error"]["code"], TOOL_UNAVAILABLE);
        assert_eq!(
            r.summary,
            "Tool unavailable: the MCP server crm failed to answer"
        );
    }
}
