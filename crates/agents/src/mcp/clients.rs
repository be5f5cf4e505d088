//! The external MCP servers of this process's chat runs, per workspace and server: which
//! servers a cartridge's `tools_enabled` reaches (only those the operator declared for the
//! workspace: nothing else is ever contacted), and their connections and tool lists, made once
//! and reused by every run for [`TOOL_LIST_TTL`], then made again. A server that cannot be
//! reached is left out of runs, each saying so ("tool unavailable") instead of failing, and is
//! tried again after [`RETRY_AFTER`].

use super::external::{CONNECT_TIMEOUT, Connection, RemoteTool, connect, spec_of};
use crate::tools::{ToolRegistry, ToolResult};
use chrono::{DateTime, Utc};
use revos_app::App;
use revos_domain::TenantId;
use revos_domain::mcp_servers::{McpServer, ToolEntry};
use rmcp::model::Tool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// How long a server's tool list (and the connection it came through) is reused.
pub const TOOL_LIST_TTL: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// How long a server that could not be reached is left out before it is tried again.
pub const RETRY_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// A declared server's tools, listed through a live connection.
#[derive(Clone)]
struct Listed {
    connection: Arc<Connection>,
    tools: Arc<Vec<Tool>>,
}

/// What was last learnt of one server for one workspace, and from what.
struct Listing {
    /// The declaration it was made for (a changed declaration connects again).
    server: McpServer,
    /// The credential it was made with (a changed secret connects again).
    secret: Option<Zeroizing<String>>,
    /// When it was made, on the app's clock.
    at: DateTime<Utc>,
    /// The tools; `None` when the server could not be reached (why is logged, not shown).
    state: Option<Listed>,
}

impl Listing {
    /// Whether a run may use this listing as it is.
    fn fresh(
        &self,
        server: &McpServer,
        secret: Option<&Zeroizing<String>>,
        now: DateTime<Utc>,
    ) -> bool {
        if self.server != *server || self.secret.as_ref() != secret {
            return false;
        }
        match &self.state {
            Some(listed) => now - self.at < TOOL_LIST_TTL && !listed.connection.is_broken(),
            None => now - self.at < RETRY_AFTER,
        }
    }
}

/// A declared server a run goes without, and why, in words for the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable {
    /// The server's name.
    pub server: String,
    /// Why, e.g. "could not be reached".
    pub why: String,
}

impl Unavailable {
    /// The failed "tool unavailable" result that stands for the server in the chat.
    pub fn result(&self) -> ToolResult {
        super::external::unavailable(&self.server, &self.why)
    }
}

/// A registry with the tools of the external servers a cartridge names, and the declared
/// servers it goes without.
pub struct ExternalTools {
    /// The registry given, plus every listed tool as `<server>__<tool>`.
    pub registry: ToolRegistry,
    /// Declared servers whose tools are missing (secret not in the vault, unreachable).
    pub unavailable: Vec<Unavailable>,
}

/// One workspace's slot for one server: locked while it is being listed, so that concurrent
/// runs connect once.
type Slot = Arc<tokio::sync::Mutex<Option<Listing>>>;

/// The connections and tool lists of external MCP servers, per workspace and server. One per
/// process (the chat's [`crate::Agents`] holds it); cheap to share.
#[derive(Default)]
pub struct McpClients {
    slots: Mutex<HashMap<(TenantId, String), Slot>>,
}

impl McpClients {
    /// `registry` plus the tools of every server `tools_enabled` names as `mcp:NAME` that
    /// the operator declared for `tenant`, each as `<server>__<tool>`; other entries are
    /// ignored and their servers never contacted. A server whose secret is missing from the
    /// vault, or that cannot be reached or listed, is reported in `unavailable`. Fails only
    /// when the workspace's access or vault cannot be read.
    pub async fn add_tools(
        &self,
        app: &App,
        mut registry: ToolRegistry,
        tenant: TenantId,
        tools_enabled: &[String],
    ) -> revos_app::Result<ExternalTools> {
        let mut unavailable = Vec::new();
        let names_a_server = tools_enabled
            .iter()
            .any(|t| matches!(ToolEntry::parse(t), Ok(ToolEntry::Server(_))));
        if !names_a_server {
            return Ok(ExternalTools {
                registry,
                unavailable,
            });
        }
        let now = app.now();
        self.forget_stale(now);
        let access = app.mcp_access(tenant).await?;
        let mut servers: Vec<&McpServer> = Vec::new();
        for entry in tools_enabled {
            if let Some(server) = access.server(entry)
                && !servers.iter().any(|s| s.name == server.name)
            {
                servers.push(server);
            }
        }
        let mut reachable = Vec::new();
        for server in servers {
            let secret = match &server.secret {
                Some(name) => match app.reveal_secret(tenant, name).await? {
                    Some(value) => Some(value),
                    None => {
                        unavailable.push(Unavailable {
                            server: server.name.clone(),
                            why: format!(
                                "needs the secret {} in this workspace's vault",
                                name.as_str()
                            ),
                        });
                        continue;
                    }
                },
                None => None,
            };
            reachable.push((server, secret));
        }
        let listings = futures::future::join_all(
            reachable
                .into_iter()
                .map(|(server, secret)| self.listing(app, tenant, server, secret, now)),
        )
        .await;
        for (server, listed) in listings {
            let Some(listed) = listed else {
                unavailable.push(Unavailable {
                    server: server.name.clone(),
                    why: "could not be reached".into(),
                });
                continue;
            };
            for tool in listed.tools.iter() {
                registry.add_remote(
                    spec_of(&server.name, tool),
                    RemoteTool::new(Arc::clone(&listed.connection), tool.name.to_string()),
                );
            }
        }
        Ok(ExternalTools {
            registry,
            unavailable,
        })
    }

    /// The slot of `tenant`'s use of the server `name`.
    fn slot(&self, tenant: TenantId, name: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(slots.entry((tenant, name.to_owned())).or_default())
    }

    /// Drops listings older than [`TOOL_LIST_TTL`] that no run is making, closing their
    /// connections (a stdio server's process ends) once runs using them finish.
    fn forget_stale(&self, now: DateTime<Utc>) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.retain(|_, slot| match slot.try_lock() {
            Ok(listing) => listing.as_ref().is_some_and(|l| now - l.at < TOOL_LIST_TTL),
            Err(_) => true,
        });
    }

    /// `server`'s tools for `tenant`: the listing in the cache while it is fresh, otherwise a
    /// new connection and listing (stored either way); `None` when the server cannot be
    /// reached.
    async fn listing<'s>(
        &self,
        app: &App,
        tenant: TenantId,
        server: &'s McpServer,
        secret: Option<Zeroizing<String>>,
        now: DateTime<Utc>,
    ) -> (&'s McpServer, Option<Listed>) {
        let slot = self.slot(tenant, &server.name);
        let mut cached = slot.lock().await;
        if let Some(listing) = cached
            .as_ref()
            .filter(|l| l.fresh(server, secret.as_ref(), now))
        {
            return (server, listing.state.clone());
        }
        // Dropping the old listing closes its connection once no run uses it.
        *cached = None;
        let listed = tokio::time::timeout(CONNECT_TIMEOUT, async {
            let connection = connect(server, secret.as_ref(), app.outbound_policy()).await?;
            let tools = connection.list_tools().await?;
            Ok::<_, String>(Listed {
                connection: Arc::new(connection),
                tools: Arc::new(tools),
            })
        })
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())));
        let state = match listed {
            Ok(listed) => Some(listed),
            Err(error) => {
                tracing::warn!(server = %server.name, tenant = %tenant.0, %error, "an MCP server is unavailable");
                None
            }
        };
        *cached = Some(Listing {
            server: server.clone(),
            secret,
            at: now,
            state: state.clone(),
        });
        (server, state)
    }
}
