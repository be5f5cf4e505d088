//! RevOS's tools as an MCP server: `tools/list` answers the registry's specs and `tools/call`
//! runs the same [`ToolRegistry::call`] the agents use, as one caller. A tool's failure is a
//! result with `isError: true` carrying the error JSON, never a protocol error. Over stdio the
//! caller is fixed when the server starts; over HTTP it is read from each request (the web
//! layer authenticates the API key and leaves the principal in the request's extensions).

use crate::tools::{ToolContext, ToolRegistry, ToolResult};
use revos_app::{App, Principal};
use revos_domain::CartridgeId;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData, Extensions,
    Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use std::sync::{Arc, Mutex};

/// Finds the authenticated caller of one request in its extensions.
pub type PrincipalOf = Arc<dyn Fn(&Extensions) -> Option<Principal> + Send + Sync>;

/// Who the server acts for.
#[derive(Clone)]
enum Caller {
    /// One principal for the whole connection (stdio).
    Fixed(Principal),
    /// The principal each request carries (HTTP).
    PerRequest(PrincipalOf),
}

/// The MCP server over a tool registry.
#[derive(Clone)]
pub struct McpServer {
    app: App,
    registry: ToolRegistry,
    caller: Caller,
    /// The connection's selected cartridge, changed by `switch_cartridge`.
    cartridge: Arc<Mutex<Option<CartridgeId>>>,
}

impl McpServer {
    /// A server acting for `principal` for its whole life (stdio), starting with `cartridge`
    /// selected.
    pub fn new(
        app: App,
        registry: ToolRegistry,
        principal: Principal,
        cartridge: Option<CartridgeId>,
    ) -> Self {
        Self {
            app,
            registry,
            caller: Caller::Fixed(principal),
            cartridge: Arc::new(Mutex::new(cartridge)),
        }
    }

    /// A server that reads the caller of every request with `principal_of`; a request
    /// without one is refused.
    pub fn per_request(app: App, registry: ToolRegistry, principal_of: PrincipalOf) -> Self {
        Self {
            app,
            registry,
            caller: Caller::PerRequest(principal_of),
            cartridge: Arc::new(Mutex::new(None)),
        }
    }

    fn principal(&self, extensions: &Extensions) -> Result<Principal, ErrorData> {
        match &self.caller {
            Caller::Fixed(p) => Ok(p.clone()),
            Caller::PerRequest(of) => of(extensions).ok_or_else(|| {
                ErrorData::invalid_request("this request is not authenticated", None)
            }),
        }
    }

    fn selected(&self) -> Option<CartridgeId> {
        *self.cartridge.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn select(&self, cartridge: Option<CartridgeId>) {
        *self.cartridge.lock().unwrap_or_else(|e| e.into_inner()) = cartridge;
    }

    fn tools(&self) -> Vec<Tool> {
        self.registry
            .specs()
            .into_iter()
            .map(|s| {
                let schema = match s.parameters {
                    serde_json::Value::Object(o) => o,
                    _ => Default::default(),
                };
                Tool::new(s.name, s.description, schema)
            })
            .collect()
    }
}

/// A registry result as an MCP tool result: the summary and the JSON as text, the JSON as
/// structured content, `isError` when the call failed.
pub fn to_call_result(result: ToolResult) -> CallToolResult {
    let mut out = if result.ok {
        CallToolResult::structured(result.value)
    } else {
        CallToolResult::structured_error(result.value)
    };
    out.content.insert(0, ContentBlock::text(result.summary));
    out
}

impl rmcp::ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("revos", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "RevOS: LinkedIn lead-magnet campaigns, leads, DMs and client cartridges. \
                 Name campaigns, leads and cartridges by name or id.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        self.principal(&context.extensions)?;
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let principal = self.principal(&context.extensions)?;
        let mut ctx = ToolContext {
            principal,
            cartridge: self.selected(),
        };
        let arguments = request
            .arguments
            .map(|a| serde_json::Value::Object(a).to_string())
            .unwrap_or_default();
        let result = self
            .registry
            .call(&self.app, &mut ctx, &request.name, &arguments)
            .await;
        self.select(ctx.cartridge);
        Ok(to_call_result(result).into())
    }
}
