//! revos.toml: the keys it may hold (unknown keys are refused) and how it is found and read.

use super::{ConfigError, err};
use crate::cli::GlobalArgs;
use revos_domain::mcp_servers::{McpServer, McpTransport, is_server_name};
use revos_providers::outbound::{OutboundPolicy, PrivateUrls};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The keys revos.toml may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) data_dir: Option<PathBuf>,
    pub(super) database_url: Option<String>,
    pub(super) listen: Option<String>,
    pub(super) master_key: Option<String>,
    pub(super) log_format: Option<String>,
    pub(super) log: Option<String>,
    pub(super) queues: Option<String>,
    pub(super) worker_id: Option<String>,
    pub(super) job_lease_seconds: Option<f64>,
    pub(super) request_timeout_seconds: Option<f64>,
    pub(super) shutdown_grace_seconds: Option<f64>,
    pub(super) apollo_url: Option<String>,
    pub(super) apollo_api_key: Option<String>,
    pub(super) unipile_url: Option<String>,
    pub(super) unipile_api_key: Option<String>,
    pub(super) instantly_url: Option<String>,
    pub(super) instantly_api_key: Option<String>,
    pub(super) smartlead_url: Option<String>,
    pub(super) smartlead_api_key: Option<String>,
    pub(super) posthog_url: Option<String>,
    pub(super) posthog_api_key: Option<String>,
    pub(super) web_analytics_script_url: Option<String>,
    pub(super) web_analytics_origins: Option<String>,
    pub(super) web_analytics_snippet: Option<String>,
    pub(super) webhook_secret: Option<String>,
    pub(super) public_url: Option<String>,
    pub(super) openai_url: Option<String>,
    pub(super) openai_api_key: Option<String>,
    pub(super) openai_model: Option<String>,
    pub(super) embedding_model: Option<String>,
    pub(super) image_model: Option<String>,
    pub(super) llm_prices:
        Option<std::collections::BTreeMap<String, revos_domain::llm_pricing::ModelPrice>>,
    pub(super) llm_workspace_budget_usd: Option<f64>,
    /// `true`/`false`, or a list of networks (as a string or an array of strings).
    pub(super) allow_private_urls: Option<toml::Value>,
    pub(super) mcp_servers: Option<std::collections::BTreeMap<String, McpServerFile>>,
    pub(super) signup: Option<String>,
    pub(super) trusted_proxies: Option<String>,
    pub(super) metrics_token: Option<String>,
    pub(super) metrics_listen: Option<String>,
    pub(super) alert_slack_webhook_url: Option<String>,
    pub(super) storage_url: Option<String>,
    pub(super) storage_endpoint: Option<String>,
    pub(super) storage_region: Option<String>,
    pub(super) storage_access_key_id: Option<String>,
    pub(super) storage_secret_access_key: Option<String>,
    pub(super) max_upload_mb: Option<u64>,
}

/// The text of `allow_private_urls` as written in revos.toml.
pub(super) fn private_urls_text(value: &toml::Value) -> String {
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
pub(super) struct McpServerFile {
    command: Option<String>,
    args: Option<Vec<String>>,
    url: Option<String>,
    workspaces: Option<Vec<String>>,
    secret: Option<String>,
}

impl McpServerFile {
    /// The declared server `name`, or the first problem, naming `file: mcp_servers.NAME.key`.
    pub(super) fn resolve(&self, file: &str, name: &str) -> Result<McpServer, ConfigError> {
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

/// Reads the configuration file: `--config`, else `REVOS_CONFIG`, else `revos.toml` when it
/// exists; with its display name.
pub(super) fn load_file(
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
        let at = e.span().map(|span| where_in(&text, span.start));
        let msg = e.message().replace('\n', " ");
        match at {
            Some((line, Some(key))) => err(&format!("{name}: line {line}: {key}"), &msg),
            Some((line, None)) => err(&format!("{name}: line {line}"), &msg),
            None => err(&name, &msg),
        }
    })?;
    Ok(Some((cfg, name)))
}

/// The line (from 1) of byte `offset` in `text`, and the dotted key written there: the
/// table header above it (`[llm_prices."gpt-4o"]`) joined to the key before the line's `=`.
fn where_in(text: &str, offset: usize) -> (usize, Option<String>) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let here = text.lines().nth(line - 1).unwrap_or_default();
    let key = here
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let table = text
        .lines()
        .take(line)
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .map(|h| h.trim_matches(['[', ']']).trim().to_owned())
        })
        .last();
    let key = match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k.to_owned()),
        (Some(t), None) if here.trim_start().starts_with('[') => Some(t),
        _ => None,
    };
    (line, key)
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}
