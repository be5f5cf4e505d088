//! Black-box tests of the `revos` program: the HTTP API on a real socket over a real database,
//! each test run against both SQLite and PostgreSQL, plus the binary itself. One test binary,
//! to link once.

use revos_test_support::both_backends;

mod campaign_fakes;
mod helpers;
#[path = "../live/server.rs"]
mod server;

mod account_connect;
mod account_limits;
mod account_owner;
mod activation;
mod agent_content_tools;
mod agents;
mod analytics_export;
mod auth;
mod backup;
mod bad_input;
mod bench_pipeline;
mod binary;
mod campaigns;
mod cartridge_files;
mod cartridge_memory;
mod cartridges;
mod clients;
mod crash;
mod demo;
mod dm_crash;
mod dm_text;
mod email_deliverability;
mod fault_soak;
mod files;
mod first_run;
mod guarded_moves;
mod guides;
mod hostile_tenants;
mod inbox;
mod isolation;
mod jobs_api;
mod lead_export;
mod lead_magnets;
mod lead_search;
mod leads_api;
mod magnet_links;
mod mcp;
mod mcp_chat;
mod members;
mod monitor;
mod monitor_pages;
mod notifications;
mod openapi;
mod operations;
mod operator_alerts;
mod outgoing_webhooks;
mod pacing;
mod personalize;
mod pipeline;
mod post_media;
mod posts;
mod prom_text;
mod provider_clients;
mod queue;
mod sandbox_leads;
mod secrets;
mod security_headers;
mod serve_supervision;
mod status_literals;
mod tools;
mod ui_content;
mod ui_html;
mod ui_live;
mod ui_ops;
mod ui_pipeline;
mod watch_scale;
mod writer_turn;
