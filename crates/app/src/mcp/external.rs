//! External MCP servers a cartridge names in `tools_enabled` (`mcp+stdio:…`, `mcp+http://…`):
//! connected with rmcp's client (a child process, or streamable HTTP), their tools listed and
//! added to a registry as `<server>__<tool>`, each call forwarded through the client. The
//! connection lives as long as the registry that holds its tools.

use crate::tools::{ToolError, ToolRegistry, ToolResult};
use revos_domain::mcp_servers::{McpServerRef, tool_name};
use revos_providers::llm::ToolSpec;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// How long connecting to a server and listing its tools may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one call of an external tool may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// A connected MCP server.
type Client = Arc<RunningService<RoleClient, ()>>;

/// Why an external MCP server's tools could not be added.
#[derive(Debug, thiserror::Error)]
pub enum ExternalToolError {
    /// A `tools_enabled` entry is not a valid MCP server.
    #[error("tools_enabled[{index}]: {message}")]
    Invalid {
        /// Its position in `tools_enabled`.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// The server could not be started, reached, or asked for its tools.
    #[error("MCP server {server}: {message}")]
    Unreachable {
        /// The server's name.
        server: String,
        /// What failed.
        message: String,
    },
}

/// One tool of an external server, called through its client.
pub struct RemoteTool {
    client: Client,
    /// The tool's own name on its server.
    name: String,
}

impl RemoteTool {
    /// Calls the tool; a transport failure or an `isError` answer is a failed result.
    pub(crate) async fn call(&self, arguments: Value) -> ToolResult {
        let Value::Object(arguments) = arguments else {
            return ToolResult::failure(ToolError::field(
                "invalid_arguments",
                "arguments",
                "the arguments must be a JSON object",
            ));
        };
        let params = CallToolRequestParams::new(self.name.clone()).with_arguments(arguments);
        match tokio::time::timeout(CALL_TIMEOUT, self.client.call_tool(params)).await {
            Ok(Ok(result)) => from_call_result(result),
            Ok(Err(e)) => ToolResult::failure(ToolError {
                code: "provider_failed",
                message: format!("the MCP server failed: {e}"),
                field: None,
            }),
            Err(_) => ToolResult::failure(ToolError {
                code: "provider_failed",
                message: "the MCP server did not answer in time".into(),
                field: None,
            }),
        }
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
        serde_json::json!({"error": {"code": "tool_failed", "message": summary, "details": value}})
    };
    ToolResult {
        ok,
        value,
        summary,
        link: None,
    }
}

/// Starts or reaches one server.
async fn connect(server: &McpServerRef) -> Result<Client, String> {
    let running = match server {
        McpServerRef::Stdio { program, args } => {
            let mut cmd = tokio::process::Command::new(program);
            cmd.args(args);
            let (transport, _) = TokioChildProcess::builder(cmd)
                .stderr(std::process::Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start {program}: {e}"))?;
            ().serve(transport).await.map_err(|e| e.to_string())?
        }
        McpServerRef::Http { url } => {
            let transport = StreamableHttpClientTransport::from_uri(url.as_str());
            ().serve(transport).await.map_err(|e| e.to_string())?
        }
    };
    Ok(Arc::new(running))
}

impl ToolRegistry {
    /// This registry plus the tools of every MCP server named in `tools_enabled` (other
    /// entries are plain tool ids and are skipped), each as `<server>__<tool>`. Fails when an
    /// entry is malformed or a server cannot be reached or listed.
    pub async fn with_external(
        mut self,
        tools_enabled: &[String],
    ) -> Result<Self, ExternalToolError> {
        for (index, entry) in tools_enabled.iter().enumerate() {
            let server = match McpServerRef::parse(entry) {
                Ok(Some(s)) => s,
                Ok(None) => continue,
                Err(message) => return Err(ExternalToolError::Invalid { index, message }),
            };
            let name = server.name();
            let unreachable = |message: String| ExternalToolError::Unreachable {
                server: name.clone(),
                message,
            };
            let listed = tokio::time::timeout(CONNECT_TIMEOUT, async {
                let client = connect(&server).await?;
                let tools = client.list_all_tools().await.map_err(|e| e.to_string())?;
                Ok::<_, String>((client, tools))
            })
            .await
            .map_err(|_| unreachable("did not answer in time".into()))?
            .map_err(unreachable)?;
            let (client, tools) = listed;
            for tool in tools {
                let spec = ToolSpec {
                    name: tool_name(&name, &tool.name),
                    description: tool.description.as_deref().unwrap_or_default().to_owned(),
                    parameters: Value::Object((*tool.input_schema).clone()),
                };
                self.add_remote(
                    spec,
                    RemoteTool {
                        client: Arc::clone(&client),
                        name: tool.name.to_string(),
                    },
                );
            }
        }
        Ok(self)
    }
}
