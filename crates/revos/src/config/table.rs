//! The settings table: one row per setting, naming its revos.toml key, its `REVOS_*`
//! variable, its flag when it has one, its default and help text, and the parser that
//! validates a value and stores it. Resolution, errors (which name the source a value came
//! from) and `serve --help` all read this one table.

use super::file::{FileConfig, private_urls_text};
use super::{ConfigError, LogFormat, Service, Settings, err};
use crate::cli::GlobalArgs;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;

/// One raw value and the name of its source (`--listen`, `REVOS_LISTEN`, `revos.toml: listen`).
pub(super) struct Raw {
    /// The text as given.
    pub(super) value: String,
    /// Where it came from.
    pub(super) source: String,
}

/// The flags that set a setting: the global ones and `serve --listen`.
pub(super) struct Flags<'a> {
    /// `--data-dir`, `--database-url`, `--log-format`, `--log`.
    pub(super) global: &'a GlobalArgs,
    /// `serve --listen`.
    pub(super) listen: Option<&'a str>,
}

/// How a setting's flag value is read from the parsed flags.
pub(super) type FlagValue = fn(&Flags) -> Option<String>;

/// A setting: where its value may come from (flag over variable over file) and what is done
/// with it. Without any value the setting keeps its default ([`Settings::defaults`]).
pub(super) struct Setting {
    /// The key in revos.toml.
    pub(super) file_key: &'static str,
    /// The environment variable.
    pub(super) env: &'static str,
    /// The flag and its value, for the settings that have one.
    pub(super) flag: Option<(&'static str, FlagValue)>,
    /// The value in revos.toml, as text.
    pub(super) file: fn(&FileConfig) -> Option<String>,
    /// What the setting is, for `serve --help`.
    pub(super) help: &'static str,
    /// The default, for `serve --help` (empty: none shown).
    pub(super) default: &'static str,
    /// Validates a value and stores it; errors name `raw.source`.
    pub(super) apply: fn(&mut Settings, Raw) -> Result<(), ConfigError>,
}

impl Setting {
    /// This setting's value from the highest-precedence source that has one.
    pub(super) fn pick(
        &self,
        flags: &Flags,
        env: &std::collections::HashMap<String, String>,
        file: Option<(&FileConfig, &str)>,
    ) -> Option<Raw> {
        if let Some((name, value)) = self.flag.and_then(|(name, f)| Some((name, f(flags)?))) {
            return Some(Raw {
                value,
                source: name.to_owned(),
            });
        }
        if let Some(value) = env.get(self.env) {
            return Some(Raw {
                value: value.clone(),
                source: self.env.to_owned(),
            });
        }
        let (cfg, file_name) = file?;
        (self.file)(cfg).map(|value| Raw {
            value,
            source: format!("{file_name}: {}", self.file_key),
        })
    }
}

/// The flag values of the global options and `--listen`.
fn data_dir_flag(f: &Flags) -> Option<String> {
    f.global.data_dir.as_ref().map(|p| p.display().to_string())
}
fn database_url_flag(f: &Flags) -> Option<String> {
    f.global.database_url.clone()
}
fn listen_flag(f: &Flags) -> Option<String> {
    f.listen.map(str::to_owned)
}
fn log_format_flag(f: &Flags) -> Option<String> {
    f.global.log_format.clone()
}
fn log_flag(f: &Flags) -> Option<String> {
    f.global.log.clone()
}

/// Every scalar setting, in the order they are resolved (so the first bad one is reported).
/// `[llm_prices]` and `[mcp_servers]`, tables of their own in revos.toml, follow them.
pub(super) const SETTINGS: &[Setting] = &[
    Setting {
        file_key: "data_dir",
        env: "REVOS_DATA_DIR",
        flag: Some(("--data-dir", data_dir_flag)),
        file: |c| c.data_dir.as_ref().map(|p| p.display().to_string()),
        help: "data directory",
        default: super::DEFAULT_DATA_DIR,
        apply: |s, raw| {
            if raw.value.trim().is_empty() {
                return Err(err(&raw.source, "must not be empty"));
            }
            s.data_dir = PathBuf::from(raw.value);
            Ok(())
        },
    },
    Setting {
        file_key: "database_url",
        env: "REVOS_DATABASE_URL",
        flag: Some(("--database-url", database_url_flag)),
        file: |c| c.database_url.clone(),
        help: "postgres://... or sqlite://...",
        default: "<data dir>/revos.db",
        apply: |s, raw| {
            let v = raw.value.trim();
            if v.is_empty() {
                s.database_url = None;
                return Ok(());
            }
            let ok = ["postgres://", "postgresql://", "sqlite:"]
                .iter()
                .any(|p| v.starts_with(p));
            if !ok {
                return Err(err(
                    &raw.source,
                    "must start with postgres://, postgresql:// or sqlite:",
                ));
            }
            s.database_url = Some(v.to_owned());
            Ok(())
        },
    },
    Setting {
        file_key: "listen",
        env: "REVOS_LISTEN",
        flag: Some(("--listen", listen_flag)),
        file: |c| c.listen.clone(),
        help: "address to listen on",
        default: super::DEFAULT_LISTEN,
        apply: |s, raw| {
            s.listen = raw.value.trim().parse::<SocketAddr>().map_err(|_| {
                err(
                    &raw.source,
                    &format!(
                        "{:?} is not an address like {} (HOST:PORT with a numeric IP)",
                        raw.value,
                        super::DEFAULT_LISTEN
                    ),
                )
            })?;
            Ok(())
        },
    },
    Setting {
        file_key: "master_key",
        env: "REVOS_MASTER_KEY",
        flag: None,
        file: |c| c.master_key.clone(),
        help: "base64 32-byte vault key",
        default: "generated <data dir>/master.key",
        apply: |s, raw| {
            if !raw.value.trim().is_empty() {
                s.master_key = Some((SecretString::from(raw.value), raw.source));
            }
            Ok(())
        },
    },
    Setting {
        file_key: "log_format",
        env: "REVOS_LOG_FORMAT",
        flag: Some(("--log-format", log_format_flag)),
        file: |c| c.log_format.clone(),
        help: "text or json",
        default: "text",
        apply: |s, raw| {
            s.log_format = match raw.value.trim().to_ascii_lowercase().as_str() {
                "text" | "" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => {
                    return Err(err(
                        &raw.source,
                        &format!("{:?} is not a log format; use text or json", raw.value),
                    ));
                }
            };
            Ok(())
        },
    },
    Setting {
        file_key: "log",
        env: "REVOS_LOG",
        flag: Some(("--log", log_flag)),
        file: |c| c.log.clone(),
        help: "log filter",
        default: "info",
        apply: |s, raw| {
            tracing_subscriber::EnvFilter::builder()
                .parse(&raw.value)
                .map_err(|e| err(&raw.source, &format!("not a log filter: {e}")))?;
            s.log_filter = raw.value;
            Ok(())
        },
    },
    Setting {
        file_key: "queues",
        env: "REVOS_QUEUES",
        flag: None,
        file: |c| c.queues.clone(),
        help: "worker concurrency per queue, e.g. default=10,probe=50",
        default: "10 each",
        apply: |s, raw| {
            s.queues = parse_queues(&raw.source, &raw.value)?;
            Ok(())
        },
    },
    Setting {
        file_key: "worker_id",
        env: "REVOS_WORKER_ID",
        flag: None,
        file: |c| c.worker_id.clone(),
        help: "names this process in job leases",
        default: "worker-<pid>-<random>",
        apply: |s, raw| {
            s.worker_id = Some(raw.value).filter(|v| !v.trim().is_empty());
            Ok(())
        },
    },
    Setting {
        file_key: "job_lease_seconds",
        env: "REVOS_JOB_LEASE_SECONDS",
        flag: None,
        file: |c| c.job_lease_seconds.map(|v| v.to_string()),
        help: "how long a crashed worker's jobs wait before others take them (a worker whose database is gone stops after this long)",
        default: "60",
        apply: |s, raw| {
            s.job_lease = Some(seconds(&raw, 0.5, 3600.0)?);
            Ok(())
        },
    },
    Setting {
        file_key: "request_timeout_seconds",
        env: "REVOS_REQUEST_TIMEOUT_SECONDS",
        flag: None,
        file: |c| c.request_timeout_seconds.map(|v| v.to_string()),
        help: "a request without its answer by then gets 408 and is dropped",
        default: "30",
        apply: |s, raw| {
            s.request_timeout = seconds(&raw, 0.1, 3600.0)?;
            Ok(())
        },
    },
    Setting {
        file_key: "shutdown_grace_seconds",
        env: "REVOS_SHUTDOWN_GRACE_SECONDS",
        flag: None,
        file: |c| c.shutdown_grace_seconds.map(|v| v.to_string()),
        help: "after SIGTERM, how long requests and jobs may finish",
        default: "10",
        apply: |s, raw| {
            s.shutdown_grace = seconds(&raw, 0.0, 3600.0)?;
            Ok(())
        },
    },
    Setting {
        file_key: "apollo_url",
        env: "REVOS_APOLLO_URL",
        flag: None,
        file: |c| c.apollo_url.clone(),
        help: "Apollo API base URL",
        default: "https://api.apollo.io/api/v1",
        apply: |s, raw| set_url(&mut s.apollo, raw),
    },
    Setting {
        file_key: "apollo_api_key",
        env: "REVOS_APOLLO_API_KEY",
        flag: None,
        file: |c| c.apollo_api_key.clone(),
        help: "Apollo key for workspaces without their own",
        default: "none: the sandbox",
        apply: |s, raw| set_key(&mut s.apollo, raw),
    },
    Setting {
        file_key: "unipile_url",
        env: "REVOS_UNIPILE_URL",
        flag: None,
        file: |c| c.unipile_url.clone(),
        help: "Unipile API base URL, https://{DSN}/api/v1",
        default: "none: sandbox accounts only",
        apply: |s, raw| set_url(&mut s.unipile, raw),
    },
    Setting {
        file_key: "unipile_api_key",
        env: "REVOS_UNIPILE_API_KEY",
        flag: None,
        file: |c| c.unipile_api_key.clone(),
        help: "Unipile key for workspaces without their own",
        default: "",
        apply: |s, raw| set_key(&mut s.unipile, raw),
    },
    Setting {
        file_key: "instantly_url",
        env: "REVOS_INSTANTLY_URL",
        flag: None,
        file: |c| c.instantly_url.clone(),
        help: "Instantly API base URL",
        default: "https://api.instantly.ai/api/v2",
        apply: |s, raw| set_url(&mut s.instantly, raw),
    },
    Setting {
        file_key: "instantly_api_key",
        env: "REVOS_INSTANTLY_API_KEY",
        flag: None,
        file: |c| c.instantly_api_key.clone(),
        help: "Instantly key for workspaces without their own",
        default: "",
        apply: |s, raw| set_key(&mut s.instantly, raw),
    },
    Setting {
        file_key: "smartlead_url",
        env: "REVOS_SMARTLEAD_URL",
        flag: None,
        file: |c| c.smartlead_url.clone(),
        help: "Smartlead API base URL",
        default: "https://server.smartlead.ai/api/v1",
        apply: |s, raw| set_url(&mut s.smartlead, raw),
    },
    Setting {
        file_key: "smartlead_api_key",
        env: "REVOS_SMARTLEAD_API_KEY",
        flag: None,
        file: |c| c.smartlead_api_key.clone(),
        help: "Smartlead key for workspaces without their own",
        default: "",
        apply: |s, raw| set_key(&mut s.smartlead, raw),
    },
    Setting {
        file_key: "posthog_url",
        env: "REVOS_POSTHOG_URL",
        flag: None,
        file: |c| c.posthog_url.clone(),
        help: "PostHog host for workspaces exporting analytics without their own project",
        default: "https://us.i.posthog.com",
        apply: |s, raw| set_url(&mut s.posthog, raw),
    },
    Setting {
        file_key: "posthog_api_key",
        env: "REVOS_POSTHOG_API_KEY",
        flag: None,
        file: |c| c.posthog_api_key.clone(),
        help: "PostHog project key for workspaces without their own (each workspace turns its export on)",
        default: "none: workspaces need their own",
        apply: |s, raw| set_key(&mut s.posthog, raw),
    },
    Setting {
        file_key: "web_analytics_script_url",
        env: "REVOS_WEB_ANALYTICS_SCRIPT_URL",
        flag: None,
        file: |c| c.web_analytics_script_url.clone(),
        help: "https URL of a web analytics script (PostHog, Clarity) every app page loads",
        default: "none",
        apply: |s, raw| {
            if raw.value.trim().is_empty() {
                s.web_analytics_script_url = None;
                return Ok(());
            }
            let url = revos_domain::web_analytics::check_script_url(&raw.value)
                .map_err(|m| err(&raw.source, &m))?;
            s.web_analytics_script_url = Some(url);
            Ok(())
        },
    },
    Setting {
        file_key: "web_analytics_origins",
        env: "REVOS_WEB_ANALYTICS_ORIGINS",
        flag: None,
        file: |c| c.web_analytics_origins.clone(),
        help: "https origins that script loads from and sends to, allowed by the CSP",
        default: "none",
        apply: |s, raw| {
            revos_domain::web_analytics::check_origins(&raw.value)
                .map_err(|m| err(&raw.source, &m))?;
            s.web_analytics_origins = raw.value;
            Ok(())
        },
    },
    Setting {
        file_key: "web_analytics_snippet",
        env: "REVOS_WEB_ANALYTICS_SNIPPET",
        flag: None,
        file: |c| c.web_analytics_snippet.clone(),
        help: "a web analytics snippet's JavaScript (or @/path/file.js), served as /assets/web-analytics.js and loaded by every app page",
        default: "none",
        apply: |s, raw| {
            if raw.value.trim().is_empty() {
                s.web_analytics_snippet = None;
                return Ok(());
            }
            let text = match raw.value.trim().strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| err(&raw.source, &format!("cannot read {path}: {e}")))?,
                None => raw.value,
            };
            let snippet = revos_domain::web_analytics::check_snippet(&text)
                .map_err(|m| err(&raw.source, &m))?;
            s.web_analytics_snippet = Some(snippet);
            Ok(())
        },
    },
    Setting {
        file_key: "openai_url",
        env: "REVOS_OPENAI_URL",
        flag: None,
        file: |c| c.openai_url.clone(),
        help: "OpenAI-compatible API base URL",
        default: "none; https://api.openai.com/v1 when only a key is set",
        apply: |s, raw| set_url(&mut s.openai, raw),
    },
    Setting {
        file_key: "openai_api_key",
        env: "REVOS_OPENAI_API_KEY",
        flag: None,
        file: |c| c.openai_api_key.clone(),
        help: "model key for workspaces without their own",
        default: "none: offline mode",
        apply: |s, raw| set_key(&mut s.openai, raw),
    },
    Setting {
        file_key: "openai_model",
        env: "REVOS_OPENAI_MODEL",
        flag: None,
        file: |c| c.openai_model.clone(),
        help: "chat model",
        default: "gpt-4o-mini",
        apply: |s, raw| {
            s.openai_model = Some(model_name(raw)?);
            Ok(())
        },
    },
    Setting {
        file_key: "embedding_model",
        env: "REVOS_EMBEDDING_MODEL",
        flag: None,
        file: |c| c.embedding_model.clone(),
        help: "embedding model",
        default: "text-embedding-3-small",
        apply: |s, raw| {
            s.embedding_model = Some(model_name(raw)?);
            Ok(())
        },
    },
    Setting {
        file_key: "image_model",
        env: "REVOS_IMAGE_MODEL",
        flag: None,
        file: |c| c.image_model.clone(),
        help: "image model of post graphics",
        default: "gpt-image-1",
        apply: |s, raw| {
            s.image_model = Some(model_name(raw)?);
            Ok(())
        },
    },
    Setting {
        file_key: "llm_workspace_budget_usd",
        env: "REVOS_LLM_WORKSPACE_BUDGET_USD",
        flag: None,
        file: |c| c.llm_workspace_budget_usd.map(|v| v.to_string()),
        help: "each workspace's monthly budget on the instance's model, in USD (0: none)",
        default: "10",
        apply: |s, raw| {
            let usd = raw
                .value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0);
            s.llm_workspace_budget_usd = Some(usd.ok_or_else(|| {
                err(
                    &raw.source,
                    &format!(
                        "{:?} is not an amount in USD of 0 or more (0: no instance model for workspaces)",
                        raw.value
                    ),
                )
            })?);
            Ok(())
        },
    },
    Setting {
        file_key: "allow_private_urls",
        env: "REVOS_ALLOW_PRIVATE_URLS",
        flag: None,
        file: |c| c.allow_private_urls.as_ref().map(private_urls_text),
        help: "internal addresses workspace URLs may reach: true, false or networks",
        default: "false",
        apply: |s, raw| {
            s.allow_private_urls = raw
                .value
                .parse()
                .map_err(|e: String| err(&raw.source, &e))?;
            Ok(())
        },
    },
    Setting {
        file_key: "webhook_secret",
        env: "REVOS_WEBHOOK_SECRET",
        flag: None,
        file: |c| c.webhook_secret.clone(),
        help: "secret provider webhooks must present",
        default: "none: webhooks refused",
        apply: |s, raw| {
            if !raw.value.trim().is_empty() {
                s.webhook_secret = Some(SecretString::from(raw.value));
            }
            Ok(())
        },
    },
    Setting {
        file_key: "public_url",
        env: "REVOS_PUBLIC_URL",
        flag: None,
        file: |c| c.public_url.clone(),
        help: "where providers reach this instance (hosted-auth notify URL; https:// also sends HSTS)",
        default: "none",
        apply: |s, raw| {
            s.public_url = Some(http_url(raw)?);
            Ok(())
        },
    },
    Setting {
        file_key: "signup",
        env: "REVOS_SIGNUP",
        flag: None,
        file: |c| c.signup.clone(),
        help: "who may create a workspace by signing up: first, open or closed",
        default: "first",
        apply: |s, raw| {
            s.signup = revos_domain::SignupPolicy::parse(&raw.value).ok_or_else(|| {
                err(
                    &raw.source,
                    &format!(
                        "{:?} is not a sign-up rule; use first, open or closed",
                        raw.value
                    ),
                )
            })?;
            Ok(())
        },
    },
    Setting {
        file_key: "trusted_proxies",
        env: "REVOS_TRUSTED_PROXIES",
        flag: None,
        file: |c| c.trusted_proxies.clone(),
        help: "reverse proxies (IPs, CIDRs) whose X-Forwarded-For is believed",
        default: "none",
        apply: |s, raw| {
            s.trusted_proxies = revos_web::TrustedProxies::parse(&raw.value)
                .map_err(|message| err(&raw.source, &message))?;
            Ok(())
        },
    },
    Setting {
        file_key: "metrics_token",
        env: "REVOS_METRICS_TOKEN",
        flag: None,
        file: |c| c.metrics_token.clone(),
        help: "bearer token that serves /metrics on the API's address",
        default: "none: /metrics not served there",
        apply: |s, raw| {
            let token = raw.value.trim();
            if token.is_empty() {
                s.metrics_token = None;
                return Ok(());
            }
            if token.len() < 16 || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(err(
                    &raw.source,
                    "must be at least 16 characters without spaces (e.g. openssl rand -hex 32)",
                ));
            }
            s.metrics_token = Some(SecretString::from(token.to_owned()));
            Ok(())
        },
    },
    Setting {
        file_key: "metrics_listen",
        env: "REVOS_METRICS_LISTEN",
        flag: None,
        file: |c| c.metrics_listen.clone(),
        help: "an address of its own to serve /metrics on (serve and worker)",
        default: "none",
        apply: |s, raw| {
            if raw.value.trim().is_empty() {
                s.metrics_listen = None;
                return Ok(());
            }
            s.metrics_listen = Some(raw.value.trim().parse::<SocketAddr>().map_err(|_| {
                err(
                    &raw.source,
                    &format!(
                        "{:?} is not an address like 127.0.0.1:9090 (HOST:PORT with a numeric IP)",
                        raw.value
                    ),
                )
            })?);
            Ok(())
        },
    },
    Setting {
        file_key: "alert_slack_webhook_url",
        env: "REVOS_ALERT_SLACK_WEBHOOK_URL",
        flag: None,
        file: |c| c.alert_slack_webhook_url.clone(),
        help: "the operator's Slack incoming webhook for operator alerts",
        default: "none: no alerts",
        apply: |s, raw| {
            if raw.value.trim().is_empty() {
                s.alert_slack_webhook_url = None;
                return Ok(());
            }
            let url = http_url(Raw {
                value: raw.value.trim().to_owned(),
                source: raw.source,
            })?;
            s.alert_slack_webhook_url = Some(SecretString::from(url));
            Ok(())
        },
    },
    Setting {
        file_key: "storage_url",
        env: "REVOS_STORAGE_URL",
        flag: None,
        file: |c| c.storage_url.clone(),
        help: "where files are kept: s3://BUCKET[/PREFIX] or file:///DIR",
        default: "DATA_DIR/files",
        apply: |s, raw| {
            let url = raw.value.trim();
            let ok = url.is_empty()
                || (url.starts_with("s3://") && url.len() > "s3://".len())
                || url.starts_with("file:///");
            if !ok {
                return Err(err(
                    &raw.source,
                    &format!("{url:?} is not s3://BUCKET[/PREFIX] or file:///DIR"),
                ));
            }
            s.storage.url = (!url.is_empty()).then(|| url.to_owned());
            Ok(())
        },
    },
    Setting {
        file_key: "storage_endpoint",
        env: "REVOS_STORAGE_ENDPOINT",
        flag: None,
        file: |c| c.storage_endpoint.clone(),
        help: "the S3 API endpoint of an S3-compatible store (MinIO, R2, ...)",
        default: "AWS",
        apply: |s, raw| {
            s.storage.endpoint = Some(http_url(raw)?);
            Ok(())
        },
    },
    Setting {
        file_key: "storage_region",
        env: "REVOS_STORAGE_REGION",
        flag: None,
        file: |c| c.storage_region.clone(),
        help: "the bucket's region",
        default: "us-east-1",
        apply: |s, raw| {
            s.storage.region = Some(raw.value.trim().to_owned()).filter(|r| !r.is_empty());
            Ok(())
        },
    },
    Setting {
        file_key: "storage_access_key_id",
        env: "REVOS_STORAGE_ACCESS_KEY_ID",
        flag: None,
        file: |c| c.storage_access_key_id.clone(),
        help: "the object store's access key id",
        default: "none",
        apply: |s, raw| {
            s.storage.access_key_id = Some(raw.value.trim().to_owned()).filter(|r| !r.is_empty());
            Ok(())
        },
    },
    Setting {
        file_key: "storage_secret_access_key",
        env: "REVOS_STORAGE_SECRET_ACCESS_KEY",
        flag: None,
        file: |c| c.storage_secret_access_key.clone(),
        help: "the object store's secret access key",
        default: "none",
        apply: |s, raw| {
            s.storage.secret_access_key = Some(raw.value.trim().to_owned())
                .filter(|r| !r.is_empty())
                .map(SecretString::from);
            Ok(())
        },
    },
    Setting {
        file_key: "max_upload_mb",
        env: "REVOS_MAX_UPLOAD_MB",
        flag: None,
        file: |c| c.max_upload_mb.map(|n| n.to_string()),
        help: "the largest file a workspace may upload, in MiB",
        default: "25",
        apply: |s, raw| {
            s.storage.max_upload_mb = raw
                .value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=2048).contains(n))
                .ok_or_else(|| {
                    err(
                        &raw.source,
                        &format!("{:?} is not a number of MiB from 1 to 2048", raw.value),
                    )
                })?;
            Ok(())
        },
    },
];

/// The environment variables with their help and defaults, listed under `serve --help`.
pub fn environment_help() -> String {
    let mut text =
        String::from("Environment (flags win over variables, variables over revos.toml):\n");
    let mut line = |env: &str, help: &str, default: &str| {
        text.push_str(&format!("  {env:<21} {help}"));
        if !default.is_empty() {
            text.push_str(&format!(" [default: {default}]"));
        }
        text.push('\n');
    };
    line(
        "REVOS_CONFIG",
        "configuration file",
        "./revos.toml, if present",
    );
    for s in SETTINGS {
        line(s.env, s.help, s.default);
    }
    line(
        "REVOS_LLM_PRICES",
        "JSON prices per million tokens added to the built-in list, e.g. {\"llama3.1\":{\"input_per_million\":0}}",
        "",
    );
    text
}

/// An http(s) base URL, without trailing slashes.
fn http_url(raw: Raw) -> Result<String, ConfigError> {
    if !(raw.value.starts_with("https://") || raw.value.starts_with("http://")) {
        return Err(err(&raw.source, "must be an http(s) URL"));
    }
    Ok(raw.value.trim_end_matches('/').to_owned())
}

/// A service's base URL.
fn set_url(service: &mut Service, raw: Raw) -> Result<(), ConfigError> {
    service.url = Some(http_url(raw)?);
    Ok(())
}

/// A service's key; an empty value sets none.
fn set_key(service: &mut Service, raw: Raw) -> Result<(), ConfigError> {
    if !raw.value.trim().is_empty() {
        service.api_key = Some(SecretString::from(raw.value));
    }
    Ok(())
}

/// A model name: no spaces, at most 200 bytes.
fn model_name(raw: Raw) -> Result<String, ConfigError> {
    let name = raw.value.trim();
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_whitespace) {
        Err(err(&raw.source, "must be a model name without spaces"))
    } else {
        Ok(name.to_owned())
    }
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
