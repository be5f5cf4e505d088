//! Configuration: defaults, then revos.toml, then REVOS_* variables, then flags. Every error
//! names the key and the source it came from, so a bad setting is fixed in one look. The
//! settings themselves are one declarative table (`table.rs`); revos.toml's keys are in
//! `file.rs`.

mod file;
mod table;

pub use table::environment_help;

use crate::cli::GlobalArgs;
use revos_domain::mcp_servers::{McpServer, McpTransport};
use revos_providers::outbound::OutboundPolicy;
use secrecy::SecretString;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The default address `serve` listens on.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = "./revos-data";

/// A setting that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {message}")]
pub struct ConfigError {
    /// Where the value came from: `REVOS_LISTEN`, `--listen` or `revos.toml: listen`.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// The resolved configuration.
#[derive(Debug)]
pub struct Settings {
    /// Where SQLite and the generated master key live.
    pub data_dir: PathBuf,
    /// The database URL; `None` means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Where `serve` listens.
    pub listen: SocketAddr,
    /// The master key's base64 text, when configured (else the key file is used).
    pub master_key: Option<(SecretString, String)>,
    /// Log line format.
    pub log_format: LogFormat,
    /// Log filter directives.
    pub log_filter: String,
    /// Per-queue worker concurrency, e.g. `default=10,probe=50`.
    pub queues: Vec<(String, usize)>,
    /// Names this process in job leases.
    pub worker_id: Option<String>,
    /// How long a claimed job stays reserved without a heartbeat (heartbeats come four times
    /// per lease): how soon the jobs of a crashed worker run elsewhere.
    pub job_lease: Option<std::time::Duration>,
    /// How long a request may take before it is answered 408 and its work dropped
    /// (`REVOS_REQUEST_TIMEOUT_SECONDS`).
    pub request_timeout: std::time::Duration,
    /// How long a stopping `serve` or `worker` lets requests and jobs in flight finish before
    /// it cuts them off (`REVOS_SHUTDOWN_GRACE_SECONDS`).
    pub shutdown_grace: std::time::Duration,
    /// Apollo (`REVOS_APOLLO_URL`, `REVOS_APOLLO_API_KEY`).
    pub apollo: Service,
    /// Unipile (`REVOS_UNIPILE_URL`, `REVOS_UNIPILE_API_KEY`).
    pub unipile: Service,
    /// Instantly (`REVOS_INSTANTLY_URL`, `REVOS_INSTANTLY_API_KEY`).
    pub instantly: Service,
    /// Smartlead (`REVOS_SMARTLEAD_URL`, `REVOS_SMARTLEAD_API_KEY`).
    pub smartlead: Service,
    /// PostHog (`REVOS_POSTHOG_URL`, `REVOS_POSTHOG_API_KEY`): where workspaces without a
    /// project of their own export analytics.
    pub posthog: Service,
    /// The operator's web analytics script on the app's pages
    /// (`REVOS_WEB_ANALYTICS_SCRIPT_URL`), checked.
    pub web_analytics_script_url: Option<String>,
    /// The origins that script talks to (`REVOS_WEB_ANALYTICS_ORIGINS`), checked.
    pub web_analytics_origins: String,
    /// The operator's own snippet text (`REVOS_WEB_ANALYTICS_SNIPPET`, or the file it names
    /// with `@`), read at start-up and checked; served at `/assets/web-analytics.js`.
    pub web_analytics_snippet: Option<String>,
    /// The secret provider webhooks must present (`REVOS_WEBHOOK_SECRET`).
    pub webhook_secret: Option<SecretString>,
    /// Where providers reach this instance (`REVOS_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// An OpenAI-compatible model (`REVOS_OPENAI_URL`, `REVOS_OPENAI_API_KEY`); neither set
    /// means offline mode.
    pub openai: Service,
    /// The chat model (`REVOS_OPENAI_MODEL`).
    pub openai_model: Option<String>,
    /// The embedding model (`REVOS_EMBEDDING_MODEL`).
    pub embedding_model: Option<String>,
    /// The image model of post graphics (`REVOS_IMAGE_MODEL`).
    pub image_model: Option<String>,
    /// Prices of models added to or replacing the built-in list (`REVOS_LLM_PRICES`, JSON, or
    /// the `[llm_prices]` table of revos.toml).
    pub llm_prices: std::collections::BTreeMap<String, revos_domain::llm_pricing::ModelPrice>,
    /// Each workspace's monthly budget on the instance's model, in USD
    /// (`REVOS_LLM_WORKSPACE_BUDGET_USD`); `None` keeps the default.
    pub llm_workspace_budget_usd: Option<f64>,
    /// Which internal addresses workspace URLs may reach (`REVOS_ALLOW_PRIVATE_URLS`).
    pub allow_private_urls: revos_app::providers::PrivateUrls,
    /// The external MCP servers cartridges may name (`[mcp_servers.NAME]` tables of revos.toml;
    /// file only).
    pub mcp_servers: Vec<McpServer>,
    /// Who may create a workspace by signing up (`REVOS_SIGNUP`: `first`, `open`, `closed`).
    pub signup: revos_domain::SignupPolicy,
    /// The reverse proxies whose `X-Forwarded-For` names the client for the attempt limits
    /// (`REVOS_TRUSTED_PROXIES`); none by default.
    pub trusted_proxies: revos_web::TrustedProxies,
    /// The bearer token `/metrics` requires on the API's address (`REVOS_METRICS_TOKEN`).
    pub metrics_token: Option<SecretString>,
    /// An address of its own to serve `/metrics` on (`REVOS_METRICS_LISTEN`).
    pub metrics_listen: Option<SocketAddr>,
    /// The operator's Slack incoming webhook for operator alerts
    /// (`REVOS_ALERT_SLACK_WEBHOOK_URL`).
    pub alert_slack_webhook_url: Option<SecretString>,
    /// Where workspaces' files are kept (`REVOS_STORAGE_URL` and the `REVOS_STORAGE_*`
    /// credentials) and the upload limit (`REVOS_MAX_UPLOAD_MB`).
    pub storage: revos_app::files::StorageSettings,
}

/// An external service's instance-wide configuration: its base URL (else the provider's
/// public one) and the key used for tenants without their own.
#[derive(Clone, Debug, Default)]
pub struct Service {
    /// The base URL.
    pub url: Option<String>,
    /// The key.
    pub api_key: Option<SecretString>,
}

impl Settings {
    /// The settings with no source at all: every setting's default.
    fn defaults() -> Result<Self, ConfigError> {
        Ok(Self {
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            listen: DEFAULT_LISTEN
                .parse()
                .map_err(|_| err("listen", "bad built-in default"))?,
            master_key: None,
            log_format: LogFormat::Text,
            log_filter: "info".to_owned(),
            queues: Vec::new(),
            worker_id: None,
            job_lease: None,
            request_timeout: revos_web::DEFAULT_REQUEST_TIMEOUT,
            shutdown_grace: revos_web::DEFAULT_SHUTDOWN_GRACE,
            apollo: Service::default(),
            unipile: Service::default(),
            instantly: Service::default(),
            smartlead: Service::default(),
            posthog: Service::default(),
            web_analytics_script_url: None,
            web_analytics_origins: String::new(),
            web_analytics_snippet: None,
            webhook_secret: None,
            public_url: None,
            openai: Service::default(),
            openai_model: None,
            embedding_model: None,
            image_model: None,
            llm_prices: Default::default(),
            llm_workspace_budget_usd: None,
            allow_private_urls: Default::default(),
            mcp_servers: Vec::new(),
            signup: revos_domain::SignupPolicy::default(),
            trusted_proxies: revos_web::TrustedProxies::default(),
            metrics_token: None,
            metrics_listen: None,
            alert_slack_webhook_url: None,
            storage: revos_app::files::StorageSettings {
                max_upload_mb: revos_app::files::DEFAULT_MAX_UPLOAD_MB,
                ..Default::default()
            },
        })
    }

    /// The job runner's settings.
    pub fn runner_config(&self) -> revos_jobs::RunnerConfig {
        let defaults = revos_jobs::RunnerConfig::default();
        let lease = self.job_lease.unwrap_or(defaults.lease);
        revos_jobs::RunnerConfig {
            queues: self
                .queues
                .iter()
                .map(|(name, concurrency)| revos_jobs::QueueConfig {
                    name: name.clone(),
                    concurrency: *concurrency,
                })
                .collect(),
            worker_id: self.worker_id.clone().unwrap_or(defaults.worker_id.clone()),
            lease,
            heartbeat: (lease / 4).max(std::time::Duration::from_millis(100)),
            grace: self.shutdown_grace,
            ..defaults
        }
    }
}

/// Refuses a declared HTTP MCP server whose URL `policy` does not allow (the operator opens
/// internal addresses with `REVOS_ALLOW_PRIVATE_URLS`).
pub fn check_mcp_urls(servers: &[McpServer], policy: &OutboundPolicy) -> Result<(), ConfigError> {
    for server in servers {
        if let McpTransport::Http { url } = &server.transport
            && let Err(e) = policy.check_url(url)
        {
            return Err(err(
                &format!("mcp_servers.{}.url", server.name),
                &format!("{e} (set REVOS_ALLOW_PRIVATE_URLS to open internal addresses)"),
            ));
        }
    }
    Ok(())
}

/// Resolves settings from `flags`, the process environment `env` and the config file: each
/// row of the settings table ([`table::SETTINGS`]) from its flag, else its variable, else
/// the file, else its default; then the file's `[mcp_servers]` and the model prices.
pub fn resolve(
    flags: &GlobalArgs,
    listen_flag: Option<&str>,
    env: &HashMap<String, String>,
) -> Result<Settings, ConfigError> {
    let file = file::load_file(flags, env)?;
    let file = file.as_ref().map(|(cfg, name)| (cfg, name.as_str()));
    let flags = table::Flags {
        global: flags,
        listen: listen_flag,
    };
    let mut settings = Settings::defaults()?;
    for setting in table::SETTINGS {
        if let Some(raw) = setting.pick(&flags, env, file) {
            (setting.apply)(&mut settings, raw)?;
        }
    }
    settings.llm_prices = match env.get("REVOS_LLM_PRICES") {
        Some(raw) => serde_json::from_str(raw).map_err(|e| {
            err(
                "REVOS_LLM_PRICES",
                &format!(
                    "must be JSON like {{\"my-model\": {{\"input_per_million\": 0.5, \"output_per_million\": 1.5}}}}: {e}"
                ),
            )
        })?,
        None => file
            .and_then(|(c, _)| c.llm_prices.clone())
            .unwrap_or_default(),
    };
    if let Some((cfg, file_name)) = file
        && let Some(tables) = &cfg.mcp_servers
    {
        settings.mcp_servers = tables
            .iter()
            .map(|(name, table)| table.resolve(file_name, name))
            .collect::<Result<Vec<_>, _>>()?;
    }
    Ok(settings)
}

/// An error about the value from `key` (its source).
fn err(key: &str, message: &str) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.to_owned(),
    }
}

/// The process environment's REVOS_* variables.
pub fn revos_env() -> HashMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("REVOS_"))
        .collect()
}

#[cfg(test)]
mod tests;
