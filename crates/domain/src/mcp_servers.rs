//! External MCP servers are the operator's decision: revos.toml declares each one
//! (`[mcp_servers.NAME]`: a program spoken to over stdio, or a streamable-HTTP URL; optionally
//! the workspaces allowed to use it and the vault secret that carries its credential), and a
//! cartridge's `tools_enabled` only names a declared server, as `mcp:NAME`. Their tools join
//! the agents' tools as `<server>__<tool>`, names the language model accepts
//! (`[a-zA-Z0-9_-]`, at most 64).

use crate::SecretName;

/// The prefix that marks an entry of `tools_enabled` as a declared MCP server.
pub const PREFIX: &str = "mcp:";

/// The prefix of the retired syntax that named a program or URL in the cartridge itself
/// (`mcp+stdio:…`, `mcp+http://…`); entries with it are refused on save and ignored at run
/// time.
pub const RETIRED_PREFIX: &str = "mcp+";

/// The longest tool name a model accepts.
pub const MAX_TOOL_NAME: usize = 64;

/// The longest server name (its tools are named `<server>__<tool>`).
pub const MAX_SERVER_NAME: usize = 32;

/// How RevOS reaches a declared server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum McpTransport {
    /// A program started as a child process, spoken to over its standard input and output.
    Stdio {
        /// The program.
        command: String,
        /// Its arguments.
        args: Vec<String>,
    },
    /// A streamable-HTTP endpoint (http or https).
    Http {
        /// Its URL.
        url: String,
    },
}

/// A server the operator declared in revos.toml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct McpServer {
    /// Its name: the `NAME` of `[mcp_servers.NAME]` and of `mcp:NAME`.
    pub name: String,
    /// How it is reached.
    pub transport: McpTransport,
    /// The workspaces (ids or slugs) that may use it; `None` means every workspace.
    pub workspaces: Option<Vec<String>>,
    /// The vault secret of the workspace whose value is its credential: the bearer token of
    /// an HTTP server, or for a stdio server the environment variable named like the secret
    /// in upper case (`crm_token` becomes `CRM_TOKEN`; `.` and `-` become `_`).
    pub secret: Option<SecretName>,
}

impl McpServer {
    /// The environment variable a stdio server receives its secret in.
    pub fn secret_env_var(&self) -> Option<String> {
        self.secret.as_ref().map(|s| {
            s.as_str()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect()
        })
    }
}

/// Whether `name` can name a server: 1 to [`MAX_SERVER_NAME`] of `a-z 0-9 _ -`, starting with
/// a letter.
pub fn is_server_name(name: &str) -> bool {
    name.len() <= MAX_SERVER_NAME
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
}

/// What one entry of `tools_enabled` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolEntry<'a> {
    /// A built-in tool id.
    Builtin(&'a str),
    /// A declared MCP server, by name.
    Server(&'a str),
}

impl<'a> ToolEntry<'a> {
    /// Reads an entry, or says what is wrong with it.
    pub fn parse(entry: &'a str) -> Result<Self, String> {
        let entry = entry.trim();
        if entry.starts_with(RETIRED_PREFIX) {
            return Err(format!(
                "external MCP servers are declared by the operator in revos.toml; name one as {PREFIX}NAME"
            ));
        }
        if let Some(name) = entry.strip_prefix(PREFIX) {
            if !is_server_name(name) {
                return Err(format!(
                    "{PREFIX}NAME must name a server with 1 to {MAX_SERVER_NAME} characters of a-z, 0-9, '_', '-', starting with a letter"
                ));
            }
            return Ok(Self::Server(name));
        }
        if entry.chars().count() > MAX_TOOL_NAME {
            return Err(format!("must be at most {MAX_TOOL_NAME} characters"));
        }
        if entry.is_empty()
            || !entry
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
        {
            return Err(format!(
                "must be a tool id of a-z, 0-9, '_', '-', '.', or a declared MCP server as {PREFIX}NAME"
            ));
        }
        Ok(Self::Builtin(entry))
    }
}

/// `text` with every character a tool name may not hold replaced by `_`.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The registry name of `tool` of server `server`: `<server>__<tool>`, sanitised and cut to
/// [`MAX_TOOL_NAME`] characters.
pub fn tool_name(server: &str, tool: &str) -> String {
    let mut name = format!("{}__{}", sanitize(server), sanitize(tool));
    name.truncate(MAX_TOOL_NAME);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_builtin_tools_or_declared_servers() {
        assert_eq!(ToolEntry::parse("apollo"), Ok(ToolEntry::Builtin("apollo")));
        assert_eq!(ToolEntry::parse("mcp:crm"), Ok(ToolEntry::Server("crm")));
        assert_eq!(
            ToolEntry::parse(" mcp:my-crm_2 "),
            Ok(ToolEntry::Server("my-crm_2"))
        );
    }

    #[test]
    fn programs_urls_and_bad_names_are_refused() {
        for bad in [
            "mcp+stdio:/bin/sh",
            "mcp+http://127.0.0.1:9000/mcp",
            "mcp:",
            "mcp:Upper",
            "mcp:/bin/sh",
            "mcp:1st",
            &format!("mcp:{}", "a".repeat(33)),
            "no spaces",
            "",
            &"x".repeat(65),
        ] {
            assert!(ToolEntry::parse(bad).is_err(), "{bad:?}");
        }
        assert!(
            ToolEntry::parse("mcp+stdio:/bin/sh")
                .unwrap_err()
                .contains("revos.toml")
        );
    }

    #[test]
    fn stdio_secrets_arrive_in_an_upper_case_variable() {
        let server = McpServer {
            name: "crm".into(),
            transport: McpTransport::Stdio {
                command: "crm".into(),
                args: vec![],
            },
            workspaces: None,
            secret: Some(SecretName::parse("secret", "crm.api-key").unwrap()),
        };
        assert_eq!(server.secret_env_var().as_deref(), Some("CRM_API_KEY"));
    }

    #[test]
    fn tool_names_are_sanitised_and_short() {
        assert_eq!(tool_name("my.server", "do it"), "my_server__do_it");
        assert_eq!(tool_name(&"s".repeat(80), "t").len(), MAX_TOOL_NAME);
    }
}
