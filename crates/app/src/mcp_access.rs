//! Which declared MCP servers a workspace may use: those the operator declared in revos.toml
//! for every workspace or for this one (by id, or by slug when no other workspace has that
//! slug), and, for HTTP servers, whose URL the outbound policy allows. A cartridge may name
//! only these (422 naming `tools_enabled[i]` otherwise); entries of stored cartridges that
//! name anything else are shown as `undeclared_tools` and ignored at run time.

use crate::operator::slug;
use crate::{App, Result};
use revos_domain::mcp_servers::{McpServer, McpTransport, ToolEntry};
use revos_domain::validation::Collector;
use revos_domain::{TenantId, ValidationErrors};
use revos_store::tenants;

/// The declared servers one workspace may use: what a cartridge's `mcp:NAME` entries may name,
/// and what the agents' MCP client may connect to.
pub struct McpAccess<'a> {
    /// Usable by this workspace.
    usable: Vec<&'a McpServer>,
    /// Declared for this workspace, but their URL is refused by the outbound policy.
    refused_url: Vec<&'a str>,
}

impl<'a> McpAccess<'a> {
    /// The server a `tools_enabled` entry names, when the workspace may use it.
    pub fn server(&self, entry: &str) -> Option<&'a McpServer> {
        match ToolEntry::parse(entry) {
            Ok(ToolEntry::Server(name)) => self.usable.iter().copied().find(|s| s.name == name),
            _ => None,
        }
    }

    /// The entries that name an MCP server the workspace may not use (or in the retired
    /// `mcp+…` syntax): shown with the cartridge, ignored at run time.
    pub(crate) fn undeclared(&self, tools_enabled: &[String]) -> Vec<String> {
        tools_enabled
            .iter()
            .filter(|t| match ToolEntry::parse(t) {
                Ok(ToolEntry::Builtin(_)) => false,
                Ok(ToolEntry::Server(_)) => self.server(t).is_none(),
                Err(_) => true,
            })
            .cloned()
            .collect()
    }

    /// Refuses every entry naming a server the workspace may not use, naming
    /// `tools_enabled[i]`. The message is the same whether the server is undeclared or
    /// declared for other workspaces only.
    pub(crate) fn check(&self, tools_enabled: &[String]) -> Result<(), ValidationErrors> {
        let mut c = Collector::default();
        for (i, entry) in tools_enabled.iter().enumerate() {
            let Ok(ToolEntry::Server(name)) = ToolEntry::parse(entry) else {
                continue;
            };
            if self.server(entry).is_some() {
                continue;
            }
            let message = if self.refused_url.contains(&name) {
                "this MCP server's URL is refused by this instance's outbound URL policy"
            } else {
                "names no MCP server the operator declared for this workspace"
            };
            c.push(format!("tools_enabled[{i}]"), message);
        }
        c.finish()
    }
}

impl App {
    /// The external MCP servers the operator declared.
    pub fn mcp_servers(&self) -> &[McpServer] {
        &self.provider_settings().mcp_servers
    }

    /// The declared servers `tenant` may use.
    pub async fn mcp_access(&self, tenant: TenantId) -> Result<McpAccess<'_>> {
        let servers = self.mcp_servers();
        let handles = if servers.iter().any(|s| s.workspaces.is_some()) {
            Some(self.workspace_handles(tenant).await?)
        } else {
            None
        };
        let mut access = McpAccess {
            usable: Vec::new(),
            refused_url: Vec::new(),
        };
        for server in servers {
            let allowed = match (&server.workspaces, &handles) {
                (None, _) => true,
                (Some(list), Some(own)) => list.iter().any(|w| own.contains(&w.to_lowercase())),
                (Some(_), None) => false,
            };
            if !allowed {
                continue;
            }
            match &server.transport {
                McpTransport::Http { url } if self.outbound_policy().check_url(url).is_err() => {
                    access.refused_url.push(&server.name);
                }
                _ => access.usable.push(server),
            }
        }
        Ok(access)
    }

    /// The names a `workspaces` list may use for `tenant`: its id, and its slug when no other
    /// workspace shares it (so signing up a look-alike workspace never gains access).
    async fn workspace_handles(&self, tenant: TenantId) -> Result<Vec<String>> {
        let mut tx = self.store.begin_read_system().await?;
        let all = tenants::list_all(&mut tx).await?;
        tx.commit().await?;
        let mut handles = vec![tenant.0.to_string()];
        if let Some(own) = all.iter().find(|t| t.id == tenant.0) {
            let own_slug = slug(&own.name);
            if all.iter().filter(|t| slug(&t.name) == own_slug).count() == 1 {
                handles.push(own_slug);
            }
        }
        Ok(handles)
    }
}
