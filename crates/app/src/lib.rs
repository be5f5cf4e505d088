//! RevOS application services: the use cases ("sign up", "store a secret", "update a
//! cartridge"), each a function over the store and the vault. The HTTP API, the CLI and the
//! workers all call these, so a rule lives in exactly one place.

pub mod account_pacing;
pub mod accounts;
pub mod activity;
pub mod analytics;
pub mod analytics_query;
pub mod api_keys;
pub mod auth;
pub mod calendar;
pub mod campaign_activation;
pub mod campaigns;
pub mod cartridge_files;
pub mod cartridges;
pub mod content_plan;
pub mod conversations;
mod cpu;
mod database;
pub mod do_not_contact;
pub mod drafting;
pub mod embedding;
mod error;
pub mod files;
pub mod first_run;
pub mod funnel;
pub mod gdpr;
pub mod guides;
pub mod inbox;
pub mod inbox_answer;
mod job_failure;
pub mod jobs;
mod key_health;
pub mod knowledge;
pub mod lead_bulk;
pub mod lead_import;
pub mod lead_magnets;
pub mod lead_tags;
pub mod leads;
pub mod llm;
pub mod magnet_links;
pub mod maintenance;
pub mod mcp_access;
pub mod members;
pub mod memory;
pub mod metrics;
pub mod notifications;
pub mod operator;
pub mod operator_alerts;
pub mod outgoing_webhooks;
pub mod outreach;
mod passwords;
mod pdf_text;
pub mod pipeline_events;
pub mod posts;
mod principal;
pub mod providers;
pub mod report_pdf;
pub mod reports;
mod runner_observer;
pub mod secrets;
pub mod sent_dm_log;
pub mod share_links;
pub mod step_stats;
mod tokens;
pub mod unipile_links;
pub mod unipile_setup;
pub mod vault;
pub mod webhooks;
pub mod worker_health;
pub mod workspaces;
pub mod writer;

pub use error::AppError;
pub use principal::{Credential, Principal};
pub use revos_domain::{Clock, SimulatedClock, SystemClock};
pub use revos_store::{Backend, Store};
pub use vault::MasterKey;

use std::sync::Arc;

/// Result of a use case.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Everything the use cases need, built once at start-up and shared by every caller.
#[derive(Clone)]
pub struct App {
    /// The database: private, so the layers above act through use cases (and the narrow
    /// methods of `database.rs`), never on tables.
    store: Store,
    master_key: Arc<MasterKey>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    providers: Arc<providers::Providers>,
    /// This instance's in-memory metrics (`/metrics`) and the watch on its provider keys.
    metrics: Arc<metrics::Metrics>,
    /// Where workspaces' files are kept (in memory until [`App::with_file_storage`]).
    files: Arc<files::FileStorage>,
}

/// Tunables of the application services.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How long a login session lasts.
    pub session_ttl: chrono::Duration,
    /// How long an invitation can be redeemed.
    pub invitation_ttl: chrono::Duration,
    /// Who may create a workspace by signing up (`REVOS_SIGNUP`).
    pub signup: revos_domain::SignupPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::hours(12),
            invitation_ttl: chrono::Duration::days(7),
            signup: revos_domain::SignupPolicy::default(),
        }
    }
}

impl App {
    /// Assembles the services over an opened (and migrated) store.
    pub fn new(
        store: Store,
        master_key: MasterKey,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        let providers = Arc::new(providers::Providers::new(
            Default::default(),
            Arc::clone(&clock),
        ));
        let metrics = Arc::new(metrics::Metrics::new(Arc::clone(&clock)));
        Self {
            store,
            master_key: Arc::new(master_key),
            clock,
            settings,
            providers,
            metrics,
            files: Arc::new(files::FileStorage::in_memory()),
        }
    }

    /// The same services with these provider settings (keys, URLs, sandbox seed).
    pub fn with_providers(mut self, settings: providers::ProviderSettings) -> Self {
        self.providers = Arc::new(providers::Providers::new(settings, Arc::clone(&self.clock)));
        self
    }

    /// The clock every scheduling decision reads.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// How long a login session lasts (the web app's cookie lives as long).
    pub fn session_ttl(&self) -> chrono::Duration {
        self.settings.session_ttl
    }

    /// The current time, from the injected clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests;
