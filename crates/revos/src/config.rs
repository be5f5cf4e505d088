//! Configuration: defaults, then revos.toml, then REVOS_* variables, then flags. Every error
//! names the key and the source it came from, so a bad setting is fixed in one look.

use crate::cli::GlobalArgs;
use revos_domain::mcp_servers::{McpServer, McpTransport, is_server_name};
use revos_providers::outbound::{OutboundPolicy, PrivateUrls};
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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

/// Parses `name=N,name=N`.
fn parse_queues(source: &str, raw: &str) -> Result<Vec<(String, usize)>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let bad = || {
                err(
                    source,
                    &format!("{part:?} is not QUEUE=CONCURRENCY (e.g. default=10,linkedin=4)"),
                )
            };
            let (name, n) = part.split_once('=').ok_or_else(bad)?;
            let n: usize = n.trim().parse().map_err(|_| bad())?;
            if name.trim().is_empty() || n > 1000 {
                return Err(bad());
            }
            Ok((name.trim().to_owned(), n))
        })
        .collect()
}

/// The keys revos.toml may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<String>,
    master_key: Option<String>,
    log_format: Option<String>,
    log: Option<String>,
    queues: Option<String>,
    worker_id: Option<String>,
    job_lease_seconds: Option<f64>,
    request_timeout_seconds: Option<f64>,
    shutdown_grace_seconds: Option<f64>,
    apollo_url: Option<String>,
    apollo_api_key: Option<String>,
    unipile_url: Option<String>,
    unipile_api_key: Option<String>,
    instantly_url: Option<String>,
    instantly_api_key: Option<String>,
    smartlead_url: Option<String>,
    smartlead_api_key: Option<String>,
    webhook_secret: Option<String>,
    public_url: Option<String>,
    openai_url: Option<String>,
    openai_api_key: Option<String>,
    openai_model: Option<String>,
    embedding_model: Option<String>,
    llm_prices: Option<std::collections::BTreeMap<String, revos_domain::llm_pricing::ModelPrice>>,
    llm_workspace_budget_usd: Option<f64>,
    /// `true`/`false`, or a list of networks (as a string or an array of strings).
    allow_private_urls: Option<toml::Value>,
    mcp_servers: Option<std::collections::BTreeMap<String, McpServerFile>>,
    signup: Option<String>,
    trusted_proxies: Option<String>,
}

/// The text of `allow_private_urls` as written in revos.toml.
fn private_urls_text(value: &toml::Value) -> String {
    match value {
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// One `[mcp_servers.NAME]` table: `command` (+ `args`) for a stdio server, or `url` for a
/// streamable-HTTP one; optionally the workspaces allowed and the vault secret to send.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct McpServerFile {
    command: Option<String>,
    args: Option<Vec<String>>,
    url: Option<String>,
    workspaces: Option<Vec<String>>,
    secret: Option<String>,
}

impl McpServerFile {
    /// The declared server `name`, or the first problem, naming `file: mcp_servers.NAME.key`.
    fn resolve(&self, file: &str, name: &str) -> Result<McpServer, ConfigError> {
        let key = |k: &str| format!("{file}: mcp_servers.{name}{k}");
        if !is_server_name(name) {
            return Err(err(
                &key(""),
                "a server name is 1 to 32 characters of a-z, 0-9, '_', '-', starting with a letter",
            ));
        }
        let transport = match (&self.command, &self.url) {
            (Some(command), None) if !command.trim().is_empty() => McpTransport::Stdio {
                command: command.clone(),
                args: self.args.clone().unwrap_or_default(),
            },
            (Some(_), None) => return Err(err(&key(".command"), "must name a program")),
            (None, Some(url)) => {
                if self.args.is_some() {
                    return Err(err(&key(".args"), "is only for a command (stdio) server"));
                }
                // The URL's form; its address is checked against the instance's policy when
                // the app starts (`check_mcp_urls`) and on every connection.
                let any_address = OutboundPolicy::new(PrivateUrls::Allowed);
                if let Err(e) = any_address.check_url(url) {
                    return Err(err(&key(".url"), &e.to_string()));
                }
                McpTransport::Http {
                    url: url.trim().to_owned(),
                }
            }
            _ => {
                return Err(err(
                    &key(""),
                    "needs either command (with optional args) or url, not both",
                ));
            }
        };
        let workspaces = match &self.workspaces {
            Some(list) if list.is_empty() || list.iter().any(|w| w.trim().is_empty()) => {
                return Err(err(
                    &key(".workspaces"),
                    "must list workspace ids or slugs (leave it out for every workspace)",
                ));
            }
            Some(list) => Some(list.iter().map(|w| w.trim().to_lowercase()).collect()),
            None => None,
        };
        let secret = match &self.secret {
            Some(raw) => Some(
                revos_domain::SecretName::parse("secret", raw)
                    .map_err(|e| err(&key(".secret"), &e.0[0].message))?,
            ),
            None => None,
        };
        Ok(McpServer {
            name: name.to_owned(),
            transport,
            workspaces,
            secret,
        })
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

/// One raw value and the name of its source.
struct Raw {
    value: String,
    source: String,
}

/// Resolves settings from `flags`, the process environment `env` and the config file.
pub fn resolve(
    flags: &GlobalArgs,
    listen_flag: Option<&str>,
    env: &HashMap<String, String>,
) -> Result<Settings, ConfigError> {
    let file = load_file(flags, env)?;
    let (file_cfg, file_name) = match &file {
        Some((cfg, name)) => (Some(cfg), name.as_str()),
        None => (None, "revos.toml"),
    };
    let pick = |flag: Option<String>,
                flag_name: &str,
                env_key: &str,
                file_val: Option<String>,
                file_key: &str| {
        if let Some(v) = flag {
            return Some(Raw {
                value: v,
                source: flag_name.to_owned(),
            });
        }
        if let Some(v) = env.get(env_key) {
            return Some(Raw {
                value: v.clone(),
                source: env_key.to_owned(),
            });
        }
        file_val.map(|v| Raw {
            value: v,
            source: format!("{file_name}: {file_key}"),
        })
    };
    let from_file = |f: fn(&FileConfig) -> Option<String>| file_cfg.and_then(f);

    let data_dir = pick(
        flags.data_dir.as_ref().map(|p| p.display().to_string()),
        "--data-dir",
        "REVOS_DATA_DIR",
        from_file(|c| c.data_dir.as_ref().map(|p| p.display().to_string())),
        "data_dir",
    );
    let data_dir = match data_dir {
        Some(raw) if raw.value.trim().is_empty() => {
            return Err(err(&raw.source, "must not be empty"));
        }
        Some(raw) => PathBuf::from(raw.value),
        None => PathBuf::from(DEFAULT_DATA_DIR),
    };

    let database_url = pick(
        flags.database_url.clone(),
        "--database-url",
        "REVOS_DATABASE_URL",
        from_file(|c| c.database_url.clone()),
        "database_url",
    );
    let database_url = match database_url {
        None => None,
        Some(raw) if raw.value.trim().is_empty() => None,
        Some(raw) => {
            let v = raw.value.trim();
            let ok = ["postgres://", "postgresql://", "sqlite:"]
                .iter()
                .any(|p| v.starts_with(p));
            if !ok {
                return Err(err(
                    &raw.source,
                    "must start with postgres://, postgresql:// or sqlite:",
                ));
            }
            Some(v.to_owned())
        }
    };

    let listen = pick(
        listen_flag.map(str::to_owned),
        "--listen",
        "REVOS_LISTEN",
        from_file(|c| c.listen.clone()),
        "listen",
    );
    let listen = match listen {
        Some(raw) => raw.value.trim().parse::<SocketAddr>().map_err(|_| {
            err(
                &raw.source,
                &format!(
                    "{:?} is not an address like {DEFAULT_LISTEN} (HOST:PORT with a numeric IP)",
                    raw.value
                ),
            )
        })?,
        None => DEFAULT_LISTEN
            .parse()
            .map_err(|_| err("listen", "bad built-in default"))?,
    };

    let master_key = pick(
        None,
        "",
        "REVOS_MASTER_KEY",
        from_file(|c| c.master_key.clone()),
        "master_key",
    )
    .filter(|raw| !raw.value.trim().is_empty())
    .map(|raw| (SecretString::from(raw.value), raw.source));

    let log_format = pick(
        flags.log_format.clone(),
        "--log-format",
        "REVOS_LOG_FORMAT",
        from_file(|c| c.log_format.clone()),
        "log_format",
    );
    let log_format = match log_format {
        None => LogFormat::Text,
        Some(raw) => match raw.value.trim().to_ascii_lowercase().as_str() {
            "text" | "" => LogFormat::Text,
            "json" => LogFormat::Json,
            _ => {
                return Err(err(
                    &raw.source,
                    &format!("{:?} is not a log format; use text or json", raw.value),
                ));
            }
        },
    };

    let log_filter = pick(
        flags.log.clone(),
        "--log",
        "REVOS_LOG",
        from_file(|c| c.log.clone()),
        "log",
    );
    let log_filter = match log_filter {
        None => "info".to_owned(),
        Some(raw) => {
            tracing_subscriber::EnvFilter::builder()
                .parse(&raw.value)
                .map_err(|e| err(&raw.source, &format!("not a log filter: {e}")))?;
            raw.value
        }
    };

    let queues = match pick(
        None,
        "",
        "REVOS_QUEUES",
        from_file(|c| c.queues.clone()),
        "queues",
    ) {
        Some(raw) => parse_queues(&raw.source, &raw.value)?,
        None => Vec::new(),
    };
    let worker_id = pick(
        None,
        "",
        "REVOS_WORKER_ID",
        from_file(|c| c.worker_id.clone()),
        "worker_id",
    )
    .map(|raw| raw.value)
    .filter(|v| !v.trim().is_empty());

    let job_lease = pick(
        None,
        "",
        "REVOS_JOB_LEASE_SECONDS",
        from_file(|c| c.job_lease_seconds.map(|v| v.to_string())),
        "job_lease_seconds",
    )
    .map(|raw| seconds(&raw, 0.5, 3600.0))
    .transpose()?;
    let request_timeout = pick(
        None,
        "",
        "REVOS_REQUEST_TIMEOUT_SECONDS",
        from_file(|c| c.request_timeout_seconds.map(|v| v.to_string())),
        "request_timeout_seconds",
    )
    .map(|raw| seconds(&raw, 0.1, 3600.0))
    .transpose()?
    .unwrap_or(revos_web::DEFAULT_REQUEST_TIMEOUT);
    let shutdown_grace = pick(
        None,
        "",
        "REVOS_SHUTDOWN_GRACE_SECONDS",
        from_file(|c| c.shutdown_grace_seconds.map(|v| v.to_string())),
        "shutdown_grace_seconds",
    )
    .map(|raw| seconds(&raw, 0.0, 3600.0))
    .transpose()?
    .unwrap_or(revos_web::DEFAULT_SHUTDOWN_GRACE);

    let service =
        |name: &str, url: Option<String>, key: Option<String>| -> Result<Service, ConfigError> {
            let upper = name.to_uppercase();
            let url_key = format!("{name}_url");
            let url = match pick(None, "", &format!("REVOS_{upper}_URL"), url, &url_key) {
                Some(raw)
                    if !(raw.value.starts_with("https://") || raw.value.starts_with("http://")) =>
                {
                    return Err(err(&raw.source, "must be an http(s) URL"));
                }
                Some(raw) => Some(raw.value.trim_end_matches('/').to_owned()),
                None => None,
            };
            let key_key = format!("{name}_api_key");
            let api_key = pick(None, "", &format!("REVOS_{upper}_API_KEY"), key, &key_key)
                .filter(|raw| !raw.value.trim().is_empty())
                .map(|raw| SecretString::from(raw.value));
            Ok(Service { url, api_key })
        };
    let apollo = service(
        "apollo",
        from_file(|c| c.apollo_url.clone()),
        from_file(|c| c.apollo_api_key.clone()),
    )?;
    let unipile = service(
        "unipile",
        from_file(|c| c.unipile_url.clone()),
        from_file(|c| c.unipile_api_key.clone()),
    )?;
    let instantly = service(
        "instantly",
        from_file(|c| c.instantly_url.clone()),
        from_file(|c| c.instantly_api_key.clone()),
    )?;
    let smartlead = service(
        "smartlead",
        from_file(|c| c.smartlead_url.clone()),
        from_file(|c| c.smartlead_api_key.clone()),
    )?;
    let openai = service(
        "openai",
        from_file(|c| c.openai_url.clone()),
        from_file(|c| c.openai_api_key.clone()),
    )?;
    let model_name = |env_key: &str, file_val: Option<String>, file_key: &str| match pick(
        None, "", env_key, file_val, file_key,
    ) {
        Some(raw) => {
            let name = raw.value.trim();
            if name.is_empty() || name.len() > 200 || name.chars().any(char::is_whitespace) {
                Err(err(&raw.source, "must be a model name without spaces"))
            } else {
                Ok(Some(name.to_owned()))
            }
        }
        None => Ok(None),
    };
    let openai_model = model_name(
        "REVOS_OPENAI_MODEL",
        from_file(|c| c.openai_model.clone()),
        "openai_model",
    )?;
    let embedding_model = model_name(
        "REVOS_EMBEDDING_MODEL",
        from_file(|c| c.embedding_model.clone()),
        "embedding_model",
    )?;
    let llm_prices = match env.get("REVOS_LLM_PRICES") {
        Some(raw) => serde_json::from_str(raw).map_err(|e| {
            err(
                "REVOS_LLM_PRICES",
                &format!(
                    "must be JSON like {{\"my-model\": {{\"input_per_million\": 0.5, \"output_per_million\": 1.5}}}}: {e}"
                ),
            )
        })?,
        None => file_cfg
            .and_then(|c| c.llm_prices.clone())
            .unwrap_or_default(),
    };
    let llm_workspace_budget_usd = match pick(
        None,
        "",
        "REVOS_LLM_WORKSPACE_BUDGET_USD",
        from_file(|c| c.llm_workspace_budget_usd.map(|v| v.to_string())),
        "llm_workspace_budget_usd",
    ) {
        Some(raw) => {
            let usd = raw
                .value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0);
            Some(usd.ok_or_else(|| {
                err(
                    &raw.source,
                    &format!(
                        "{:?} is not an amount in USD of 0 or more (0: no instance model for workspaces)",
                        raw.value
                    ),
                )
            })?)
        }
        None => None,
    };
    let allow_private_urls = match pick(
        None,
        "",
        "REVOS_ALLOW_PRIVATE_URLS",
        from_file(|c| c.allow_private_urls.as_ref().map(private_urls_text)),
        "allow_private_urls",
    ) {
        Some(raw) => raw
            .value
            .parse()
            .map_err(|e: String| err(&raw.source, &e))?,
        None => Default::default(),
    };
    let webhook_secret = pick(
        None,
        "",
        "REVOS_WEBHOOK_SECRET",
        from_file(|c| c.webhook_secret.clone()),
        "webhook_secret",
    )
    .filter(|raw| !raw.value.trim().is_empty())
    .map(|raw| SecretString::from(raw.value));

    let public_url = match pick(
        None,
        "",
        "REVOS_PUBLIC_URL",
        from_file(|c| c.public_url.clone()),
        "public_url",
    ) {
        Some(raw) if !(raw.value.starts_with("https://") || raw.value.starts_with("http://")) => {
            return Err(err(&raw.source, "must be an http(s) URL"));
        }
        Some(raw) => Some(raw.value.trim_end_matches('/').to_owned()),
        None => None,
    };

    let mcp_servers = match file_cfg.and_then(|c| c.mcp_servers.as_ref()) {
        Some(tables) => tables
            .iter()
            .map(|(name, table)| table.resolve(file_name, name))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let signup = match pick(
        None,
        "",
        "REVOS_SIGNUP",
        from_file(|c| c.signup.clone()),
        "signup",
    ) {
        Some(raw) => revos_domain::SignupPolicy::parse(&raw.value).ok_or_else(|| {
            err(
                &raw.source,
                &format!(
                    "{:?} is not a sign-up rule; use first, open or closed",
                    raw.value
                ),
            )
        })?,
        None => revos_domain::SignupPolicy::default(),
    };
    let trusted_proxies = match pick(
        None,
        "",
        "REVOS_TRUSTED_PROXIES",
        from_file(|c| c.trusted_proxies.clone()),
        "trusted_proxies",
    ) {
        Some(raw) => revos_web::TrustedProxies::parse(&raw.value)
            .map_err(|message| err(&raw.source, &message))?,
        None => revos_web::TrustedProxies::default(),
    };

    Ok(Settings {
        data_dir,
        database_url,
        listen,
        master_key,
        log_format,
        log_filter,
        queues,
        worker_id,
        job_lease,
        request_timeout,
        shutdown_grace,
        apollo,
        unipile,
        instantly,
        smartlead,
        webhook_secret,
        public_url,
        openai,
        openai_model,
        embedding_model,
        llm_prices,
        llm_workspace_budget_usd,
        allow_private_urls,
        mcp_servers,
        signup,
        trusted_proxies,
    })
}

/// A number of seconds from `min` to `max`.
fn seconds(raw: &Raw, min: f64, max: f64) -> Result<std::time::Duration, ConfigError> {
    raw.value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| (min..=max).contains(s))
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| {
            err(
                &raw.source,
                &format!(
                    "{:?} is not a number of seconds from {min} to {max}",
                    raw.value
                ),
            )
        })
}

fn err(key: &str, message: &str) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.to_owned(),
    }
}

fn load_file(
    flags: &GlobalArgs,
    env: &HashMap<String, String>,
) -> Result<Option<(FileConfig, String)>, ConfigError> {
    let (path, explicit, source) = match (&flags.config, env.get("REVOS_CONFIG")) {
        (Some(p), _) => (p.clone(), true, "--config".to_owned()),
        (None, Some(p)) if !p.is_empty() => (PathBuf::from(p), true, "REVOS_CONFIG".to_owned()),
        _ => (PathBuf::from("revos.toml"), false, "revos.toml".to_owned()),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(None),
        Err(e) => {
            return Err(err(
                &source,
                &format!("cannot read {}: {e}", path.display()),
            ));
        }
    };
    let name = display_name(&path);
    let cfg: FileConfig = toml::from_str(&text).map_err(|e| {
        let msg = e.message().to_owned();
        err(&name, &msg.replace('\n', " "))
    })?;
    Ok(Some((cfg, name)))
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// The process environment's REVOS_* variables.
pub fn revos_env() -> HashMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("REVOS_"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags() -> GlobalArgs {
        GlobalArgs {
            config: None,
            data_dir: None,
            database_url: None,
            log_format: None,
            log: None,
        }
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_without_any_source() {
        let s = resolve(&flags(), None, &env(&[("REVOS_CONFIG", "")])).unwrap();
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(s.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert!(s.database_url.is_none());
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.request_timeout, revos_web::DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(s.shutdown_grace, revos_web::DEFAULT_SHUTDOWN_GRACE);
        assert_eq!(s.runner_config().grace, s.shutdown_grace);
    }

    #[test]
    fn flags_beat_env_beat_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("revos.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:1000\"\nlog_format = \"json\"\nshutdown_grace_seconds = 2.5\n",
        )
        .unwrap();
        let mut f = flags();
        f.config = Some(file.clone());
        let s = resolve(&f, None, &env(&[])).unwrap();
        assert_eq!(s.listen.port(), 1000);
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.shutdown_grace, std::time::Duration::from_millis(2500));
        let s = resolve(&f, None, &env(&[("REVOS_SHUTDOWN_GRACE_SECONDS", "0")])).unwrap();
        assert_eq!(s.shutdown_grace, std::time::Duration::ZERO);
        let s = resolve(&f, None, &env(&[("REVOS_LISTEN", "127.0.0.1:2000")])).unwrap();
        assert_eq!(s.listen.port(), 2000);
        let s = resolve(
            &f,
            Some("127.0.0.1:3000"),
            &env(&[("REVOS_LISTEN", "127.0.0.1:2000")]),
        )
        .unwrap();
        assert_eq!(s.listen.port(), 3000);
    }

    #[test]
    fn errors_name_the_source() {
        let e = resolve(&flags(), None, &env(&[("REVOS_LISTEN", "nope")])).unwrap_err();
        assert_eq!(e.key, "REVOS_LISTEN");
        let e = resolve(&flags(), Some("x:y"), &env(&[])).unwrap_err();
        assert_eq!(e.key, "--listen");
        let e = resolve(&flags(), None, &env(&[("REVOS_LOG_FORMAT", "xml")])).unwrap_err();
        assert_eq!(e.key, "REVOS_LOG_FORMAT");
        let e = resolve(&flags(), None, &env(&[("REVOS_DATABASE_URL", "mysql://x")])).unwrap_err();
        assert_eq!(e.key, "REVOS_DATABASE_URL");
        let e = resolve(&flags(), None, &env(&[("REVOS_APOLLO_URL", "apollo.io")])).unwrap_err();
        assert_eq!(e.key, "REVOS_APOLLO_URL");
        let e = resolve(&flags(), None, &env(&[("REVOS_QUEUES", "default=lots")])).unwrap_err();
        assert_eq!(e.key, "REVOS_QUEUES");
        for key in [
            "REVOS_JOB_LEASE_SECONDS",
            "REVOS_REQUEST_TIMEOUT_SECONDS",
            "REVOS_SHUTDOWN_GRACE_SECONDS",
        ] {
            for bad in ["soon", "-1", "86400"] {
                let e = resolve(&flags(), None, &env(&[(key, bad)])).unwrap_err();
                assert_eq!(e.key, key, "{bad}");
            }
        }
        let s = resolve(
            &flags(),
            None,
            &env(&[("REVOS_QUEUES", "default=3, probe=50")]),
        )
        .unwrap();
        assert_eq!(
            s.queues,
            [("default".to_owned(), 3), ("probe".to_owned(), 50)]
        );
    }

    #[test]
    fn model_budget_and_private_urls() {
        use revos_app::providers::PrivateUrls;
        let s = resolve(&flags(), None, &env(&[("REVOS_CONFIG", "")])).unwrap();
        assert_eq!(s.llm_workspace_budget_usd, None);
        assert_eq!(s.allow_private_urls, PrivateUrls::Refused);
        let s = resolve(
            &flags(),
            None,
            &env(&[
                ("REVOS_LLM_WORKSPACE_BUDGET_USD", "0"),
                ("REVOS_ALLOW_PRIVATE_URLS", "127.0.0.2/32"),
            ]),
        )
        .unwrap();
        assert_eq!(s.llm_workspace_budget_usd, Some(0.0));
        assert!(matches!(s.allow_private_urls, PrivateUrls::Networks(ref n) if n.len() == 1));
        for (key, bad) in [
            ("REVOS_LLM_WORKSPACE_BUDGET_USD", "-1"),
            ("REVOS_LLM_WORKSPACE_BUDGET_USD", "lots"),
            ("REVOS_ALLOW_PRIVATE_URLS", "maybe"),
        ] {
            let e = resolve(&flags(), None, &env(&[(key, bad)])).unwrap_err();
            assert_eq!(e.key, key);
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("revos.toml");
        std::fs::write(
            &file,
            "allow_private_urls = true\nllm_workspace_budget_usd = 2.5\n",
        )
        .unwrap();
        let mut f = flags();
        f.config = Some(file.clone());
        let s = resolve(&f, None, &env(&[])).unwrap();
        assert_eq!(s.allow_private_urls, PrivateUrls::Allowed);
        assert_eq!(s.llm_workspace_budget_usd, Some(2.5));
        std::fs::write(
            &file,
            "allow_private_urls = [\"10.0.0.0/8\", \"127.0.0.2\"]\n",
        )
        .unwrap();
        let s = resolve(&f, None, &env(&[])).unwrap();
        assert!(matches!(s.allow_private_urls, PrivateUrls::Networks(ref n) if n.len() == 2));
    }

    #[test]
    fn file_errors_name_the_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("revos.toml");
        std::fs::write(&file, "listne = \"127.0.0.1:1\"\n").unwrap();
        let mut f = flags();
        f.config = Some(file);
        let e = resolve(&f, None, &env(&[])).unwrap_err();
        assert!(e.to_string().contains("listne"), "{e}");
        let mut f = flags();
        f.config = Some(dir.path().join("missing.toml"));
        assert_eq!(resolve(&f, None, &env(&[])).unwrap_err().key, "--config");
    }

    #[test]
    fn signup_rule_and_trusted_proxies_come_from_env_or_file() {
        let s = resolve(&flags(), None, &env(&[("REVOS_CONFIG", "")])).unwrap();
        assert_eq!(s.signup, revos_domain::SignupPolicy::First);
        assert_eq!(s.trusted_proxies, revos_web::TrustedProxies::default());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("revos.toml");
        std::fs::write(
            &file,
            "signup = \"closed\"\ntrusted_proxies = \"10.0.0.0/8, 127.0.0.1\"\n",
        )
        .unwrap();
        let mut f = flags();
        f.config = Some(file);
        let s = resolve(&f, None, &env(&[])).unwrap();
        assert_eq!(s.signup, revos_domain::SignupPolicy::Closed);
        assert_eq!(
            s.trusted_proxies,
            revos_web::TrustedProxies::parse("10.0.0.0/8,127.0.0.1").unwrap()
        );
        let s = resolve(&f, None, &env(&[("REVOS_SIGNUP", "open")])).unwrap();
        assert_eq!(s.signup, revos_domain::SignupPolicy::Open);
        let e = resolve(&f, None, &env(&[("REVOS_SIGNUP", "sometimes")])).unwrap_err();
        assert_eq!(e.key, "REVOS_SIGNUP");
        let e = resolve(&f, None, &env(&[("REVOS_TRUSTED_PROXIES", "my-proxy")])).unwrap_err();
        assert_eq!(e.key, "REVOS_TRUSTED_PROXIES");
        assert!(e.message.contains("my-proxy"), "{e}");
    }

    #[test]
    fn mcp_servers_are_declared_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("revos.toml");
        let mut f = flags();
        f.config = Some(file.clone());
        std::fs::write(
            &file,
            "[mcp_servers.crm]\ncommand = \"/usr/bin/crm\"\nargs = [\"--stdio\"]\nsecret = \"crm_token\"\n\
             [mcp_servers.search]\nurl = \"https://search.example/mcp\"\nworkspaces = [\"Acme\"]\n",
        )
        .unwrap();
        let s = resolve(&f, None, &env(&[])).unwrap();
        assert_eq!(s.mcp_servers.len(), 2);
        assert_eq!(
            s.mcp_servers[0].transport,
            McpTransport::Stdio {
                command: "/usr/bin/crm".into(),
                args: vec!["--stdio".into()]
            }
        );
        assert_eq!(
            s.mcp_servers[0].secret_env_var().as_deref(),
            Some("CRM_TOKEN")
        );
        assert_eq!(
            s.mcp_servers[1].workspaces.as_deref(),
            Some(&["acme".to_owned()][..])
        );
        let policy = OutboundPolicy::default();
        check_mcp_urls(&s.mcp_servers, &policy).unwrap();

        for (text, key) in [
            (
                "[mcp_servers.x]\ncommand = \"a\"\nurl = \"https://a.io\"\n",
                "mcp_servers.x",
            ),
            (
                "[mcp_servers.x]\nurl = \"ftp://a.io\"\n",
                "mcp_servers.x.url",
            ),
            (
                "[mcp_servers.x]\nurl = \"https://a.io\"\nargs = []\n",
                "mcp_servers.x.args",
            ),
            (
                "[mcp_servers.x]\ncommand = \"a\"\nsecret = \"Bad Name\"\n",
                "mcp_servers.x.secret",
            ),
            (
                "[mcp_servers.x]\ncommand = \"a\"\nworkspaces = []\n",
                "mcp_servers.x.workspaces",
            ),
            ("[mcp_servers.Bad]\ncommand = \"a\"\n", "mcp_servers.Bad"),
        ] {
            std::fs::write(&file, text).unwrap();
            let e = resolve(&f, None, &env(&[])).unwrap_err();
            assert!(e.key.ends_with(key), "{text}: {e}");
        }
        std::fs::write(&file, "[mcp_servers.x]\ncommand = \"a\"\nenv = {}\n").unwrap();
        let e = resolve(&f, None, &env(&[])).unwrap_err();
        assert!(
            e.to_string().contains("env"),
            "unknown keys are errors: {e}"
        );

        // A declared HTTP server on an internal address needs the operator's opt-in.
        std::fs::write(
            &file,
            "[mcp_servers.local]\nurl = \"http://127.0.0.1:9000/mcp\"\n",
        )
        .unwrap();
        let s = resolve(&f, None, &env(&[])).unwrap();
        let e = check_mcp_urls(&s.mcp_servers, &policy).unwrap_err();
        assert_eq!(e.key, "mcp_servers.local.url");
        let open = OutboundPolicy::new(PrivateUrls::Allowed);
        check_mcp_urls(&s.mcp_servers, &open).unwrap();
    }
}
