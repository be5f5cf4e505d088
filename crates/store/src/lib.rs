//! One repository API over SQLite (the embedded default) and PostgreSQL (production).
//!
//! Every call runs inside a [`Tx`], so several calls can commit together, and every call on a
//! tenant-owned table takes the [`TenantId`](revos_domain::TenantId) it works for. SQL text is
//! shared between the dialects wherever it can be (`$1` placeholders work on both); the few
//! differences live in the migrations and in [`tx`].

mod account_policy;
mod allowed_from;
mod error;
mod funnel_rollup;
mod lead_list_sql;
mod lead_search;
mod post_metrics;
mod sql_builder;
mod store;
mod tx;

pub mod analytics_outbox;
pub mod analytics_queries;
pub mod api_keys;
pub mod backup;
pub mod bulk_load;
pub mod calendar;
pub mod campaign_queue;
pub mod campaigns;
pub mod cartridge_examples;
pub mod cartridges;
pub mod chat;
pub mod comments;
pub mod connect_replies;
pub mod email_bounces;
pub mod email_claims;
pub mod events;
pub mod files;
pub mod first_run;
pub mod funnel_queries;
pub mod guides;
pub mod inbox;
pub mod inbox_thread;
pub mod invitations;
pub mod jobs;
pub mod knowledge;
pub mod lead_bulk;
pub mod lead_export;
pub mod lead_import;
pub mod lead_magnets;
pub mod lead_queries;
pub mod lead_tags;
pub mod leads;
pub mod linkedin_accounts;
pub mod llm_calls;
pub mod magnet_links;
pub mod memberships;
pub mod messages;
pub mod notifications;
pub mod operator_alerts;
pub mod outbox_backlog;
pub mod overview;
pub mod paced_actions;
pub mod person_data;
pub mod post_media;
pub mod posts;
pub mod queue_stats;
pub mod reply_poll;
pub mod report_queries;
pub mod sessions;
pub mod share_links;
pub mod stages;
pub mod step_stats;
pub mod tenants;
pub mod unipile_links;
pub mod users;
pub mod vault;
pub mod watermarks;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
pub mod webhook_tokens;
pub mod worker_heartbeats;

pub use error::StoreError;
pub(crate) use error::decode_name;
pub use store::{APP_ROLE, Backend, JobsReady, Store, sqlite_url_in};
pub use tx::Tx;

/// Result of a storage call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
