//! `revos mcp`: RevOS's tools served to an MCP client over standard input and output, acting
//! as the workspace and role of an API key. Standard output carries only the protocol; logs go
//! to standard error.

use crate::cli::McpArgs;
use crate::config::{ConfigError, Settings};
use revos_agents::mcp::server::McpServer;
use revos_agents::tools::{SwitchCartridgeArgs, Tool, ToolContext, ToolRegistry};
use rmcp::ServiceExt;

/// Authenticates the key, then serves until the client closes the connection.
pub async fn run(settings: Settings, args: McpArgs) -> anyhow::Result<()> {
    let key = args.api_key.unwrap_or_default();
    if key.trim().is_empty() {
        return Err(ConfigError {
            key: "--api-key".into(),
            message: "an API key is required (--api-key or REVOS_API_KEY)".into(),
        }
        .into());
    }
    let app = super::open_app(&settings).await?;
    let principal = match app.authenticate(key.trim()).await {
        Ok(p) => p,
        Err(revos_app::AppError::Unauthorized(_)) => {
            return Err(ConfigError {
                key: "--api-key".into(),
                message: "the API key is not valid (unknown, revoked or its creator left)".into(),
            }
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    let registry = ToolRegistry::standard();
    let mut ctx = ToolContext {
        principal,
        cartridge: None,
    };
    if let Some(cartridge) = args.cartridge.as_deref() {
        let arguments = serde_json::json!({ "cartridge": cartridge }).to_string();
        let chosen = registry
            .call(&app, &mut ctx, SwitchCartridgeArgs::NAME, &arguments)
            .await;
        if !chosen.ok {
            return Err(ConfigError {
                key: "--cartridge".into(),
                message: chosen.summary,
            }
            .into());
        }
    }
    tracing::info!(tenant = %ctx.principal.tenant, "serving MCP over stdio");
    let server = McpServer::new(app, registry, ctx.principal, ctx.cartridge);
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
