//! External MCP servers a cartridge names in `tools_enabled` (`mcp:NAME`, declared by the
//! operator in revos.toml): connected with rmcp's client (a child process, or streamable HTTP
//! through the outbound URL guard), their tools listed and added to a registry as
//! `<server>__<tool>`, each call forwarded through the client. A server's credential comes from
//! the workspace's vault by the secret name the operator gave, never from cartridge text.
//! Entries naming anything else (undeclared, another workspace's, the retired `mcp+…` syntax)
//! are ignored. The connection lives as long as the registry that holds its tools.

use crate::tools::{ToolError, ToolRegistry, ToolResult};
use revos_app::App;
use revos_domain::TenantId;
use revos_domain::mcp_servers::{McpServer, McpTransport, tool_name};
use revos_providers::llm::ToolSpec;
use revos_providers::outbound::OutboundPolicy;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// How long connecting to a server and listing its tools may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one call of an external tool may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// A connected MCP server.
type Client = Arc<RunningService<RoleClient, ()>>;

/// Why an external MCP server's tools could not be added.
#[derive(Debug, thiserror::Error)]
pub enum ExternalToolError {
    /// The server could not be started, reached, or asked for its tools.
    #[error("MCP server {server}: {message}")]
    Unreachable {
        /// The server's name.
        server: String,
        /// What failed.
        message: String,
    },
    /// Reading the workspace's access or vault failed.
    #[error(transparent)]
    App(#[from] revos_app::AppError),
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

/// Starts or reaches one declared server, with the workspace's `secret` when it has one. A
/// child process never sees the instance's `REVOS_*` settings (the master key among them).
async fn connect(
    server: &McpServer,
    secret: Option<Zeroizing<String>>,
    policy: &OutboundPolicy,
) -> Result<Client, String> {
    let running = match &server.transport {
        McpTransport::Stdio { command, args } => {
            let mut cmd = tokio::process::Command::new(command);
            cmd.args(args);
            for (key, _) in std::env::vars_os() {
                if key.to_string_lossy().starts_with("REVOS_") {
                    cmd.env_remove(key);
                }
            }
            if let (Some(var), Some(value)) = (server.secret_env_var(), &secret) {
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
            if let Some(token) = &secret {
                config = config.auth_header(token.as_str());
            }
            let transport = StreamableHttpClientTransport::with_client(client, config);
            ().serve(transport).await.map_err(|e| e.to_string())?
        }
    };
    Ok(Arc::new(running))
}

/// Adds external MCP servers' tools to a registry, reading the workspace's access and vault
/// through the use cases of [`App`].
pub trait ExternalTools {
    /// `registry` plus the tools of every declared MCP server that `tools_enabled` names and
    /// `tenant` may use, each as `<server>__<tool>`; other entries are skipped. Fails when a
    /// server's secret is missing from the vault, or it cannot be reached or listed.
    fn with_external_tools(
        &self,
        registry: ToolRegistry,
        tenant: TenantId,
        tools_enabled: &[String],
    ) -> impl Future<Output = Result<ToolRegistry, ExternalToolError>> + Send;
}

impl ExternalTools for App {
    async fn with_external_tools(
        &self,
        mut registry: ToolRegistry,
        tenant: TenantId,
        tools_enabled: &[String],
    ) -> Result<ToolRegistry, ExternalToolError> {
        let access = self.mcp_access(tenant).await?;
        for entry in tools_enabled {
            let Some(server) = access.server(entry) else {
                continue;
            };
            let unreachable = |message: String| ExternalToolError::Unreachable {
                server: server.name.clone(),
                message,
            };
            let secret = match &server.secret {
                Some(name) => Some(self.reveal_secret(tenant, name).await?.ok_or_else(|| {
                    unreachable(format!(
                        "its secret {} is not in this workspace's vault",
                        name.as_str()
                    ))
                })?),
                None => None,
            };
            let listed = tokio::time::timeout(CONNECT_TIMEOUT, async {
                let client = connect(server, secret, self.outbound_policy()).await?;
                let tools = client.list_all_tools().await.map_err(|e| e.to_string())?;
                Ok::<_, String>((client, tools))
            })
            .await
            .map_err(|_| unreachable("did not answer in time".into()))?
            .map_err(unreachable)?;
            let (client, tools) = listed;
            for tool in tools {
                let spec = ToolSpec {
                    name: tool_name(&server.name, &tool.name),
                    description: tool.description.as_deref().unwrap_or_default().to_owned(),
                    parameters: Value::Object((*tool.input_schema).clone()),
                };
                registry.add_remote(
                    spec,
                    RemoteTool {
                        client: Arc::clone(&client),
                        name: tool.name.to_string(),
                    },
                );
            }
        }
        Ok(registry)
    }
}
