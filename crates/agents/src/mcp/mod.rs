//! The Model Context Protocol, with the official SDK (rmcp): RevOS's tools served to MCP
//! clients ([`server`]), and external MCP servers' tools called by RevOS's agents
//! ([`external`]: one server's connection and calls; [`clients`]: which servers a run may
//! reach, and their cached tool lists), which only the operator declares (see
//! [`revos_app::mcp_access`]).

pub mod clients;
pub mod external;
pub mod server;
