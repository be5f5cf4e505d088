//! RevOS agents: the chat with the Campaign Manager, Lead Enrichment and Content Generation
//! agents ([`chat`], [`definitions`]), the tools they act through ([`tools`]), RevOS's tools as
//! an MCP server and external MCP servers' tools as a client ([`mcp`]), and the offline
//! command grammar that reaches every tool without a model ([`commands`]).
//!
//! Agents act only through the use cases of [`revos_app::App`]: this crate does not depend on
//! the store, so an agent cannot do what an endpoint could not.

pub mod chat;
pub mod commands;
pub mod definitions;
pub mod mcp;
pub mod tools;

pub use chat::Agents;
