//! The Model Context Protocol, with the official SDK (rmcp): RevOS's tools served to MCP
//! clients ([`server`]), and external MCP servers' tools called by RevOS's agents
//! ([`external`]), which only the operator declares (see [`revos_app::mcp_access`]).

pub mod external;
pub mod server;
