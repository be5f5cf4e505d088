//! External MCP servers named in a cartridge's `tools_enabled`: `mcp+stdio:<program> [args]`
//! starts a local server as a child process, `mcp+http://host[:port]/path` (or `mcp+https://`)
//! reaches one over streamable HTTP. Their tools join the agents' tools as
//! `<server>__<tool>`, names the language model accepts (`[a-zA-Z0-9_-]`, at most 64).

/// The prefix that marks an entry of `tools_enabled` as an MCP server.
pub const PREFIX: &str = "mcp+";

/// The longest tool name a model accepts.
pub const MAX_TOOL_NAME: usize = 64;

/// An external MCP server, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum McpServerRef {
    /// A program spoken to over its standard input and output.
    Stdio {
        /// The program.
        program: String,
        /// Its arguments (split on whitespace).
        args: Vec<String>,
    },
    /// A streamable-HTTP endpoint.
    Http {
        /// Its URL (http or https).
        url: String,
    },
}

impl McpServerRef {
    /// Parses a `tools_enabled` entry: `Ok(None)` when it is not an MCP server (a plain tool
    /// id), an error saying what is wrong with a malformed one.
    pub fn parse(entry: &str) -> Result<Option<Self>, String> {
        let Some(rest) = entry.trim().strip_prefix(PREFIX) else {
            return Ok(None);
        };
        if entry.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        if let Some(command) = rest.strip_prefix("stdio:") {
            let mut words = command.split_whitespace().map(str::to_owned);
            let Some(program) = words.next() else {
                return Err(
                    "mcp+stdio: must name a program, e.g. mcp+stdio:/usr/bin/server --flag".into(),
                );
            };
            return Ok(Some(Self::Stdio {
                program,
                args: words.collect(),
            }));
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let after_scheme = rest.split_once("://").map_or("", |(_, r)| r);
            let host = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
            if host.is_empty() || rest.contains(char::is_whitespace) {
                return Err(
                    "mcp+http(s):// must be followed by a host, e.g. mcp+http://127.0.0.1:9000/mcp"
                        .into(),
                );
            }
            return Ok(Some(Self::Http {
                url: rest.to_owned(),
            }));
        }
        Err("an MCP server must be mcp+stdio:<program> [args] or mcp+http(s)://host/path".into())
    }

    /// A short name for the server, the prefix of its tools' names: the program's file name,
    /// or the URL's host and port.
    pub fn name(&self) -> String {
        let raw = match self {
            Self::Stdio { program, .. } => program
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(program)
                .split('.')
                .next()
                .unwrap_or_default()
                .to_owned(),
            Self::Http { url } => url
                .split_once("://")
                .map_or("", |(_, r)| r)
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default()
                .to_owned(),
        };
        let name = sanitize(&raw);
        if name.is_empty() { "mcp".into() } else { name }
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
    fn stdio_and_http_servers_parse() {
        assert_eq!(
            McpServerRef::parse("mcp+stdio:/opt/bin/revos.bin mcp --api-key k").unwrap(),
            Some(McpServerRef::Stdio {
                program: "/opt/bin/revos.bin".into(),
                args: vec!["mcp".into(), "--api-key".into(), "k".into()],
            })
        );
        let http = McpServerRef::parse("mcp+http://127.0.0.1:9000/mcp")
            .unwrap()
            .unwrap();
        assert_eq!(http.name(), "127_0_0_1_9000");
        assert_eq!(McpServerRef::parse("apollo").unwrap(), None);
        assert_eq!(
            McpServerRef::parse("mcp+stdio:/opt/bin/revos.bin")
                .unwrap()
                .unwrap()
                .name(),
            "revos"
        );
    }

    #[test]
    fn malformed_servers_are_refused() {
        for bad in [
            "mcp+stdio:",
            "mcp+stdio:   ",
            "mcp+http://",
            "mcp+ftp://x",
            "mcp+http://a b",
            "mcp+stdio:x\u{7}",
        ] {
            assert!(McpServerRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tool_names_are_sanitised_and_short() {
        assert_eq!(tool_name("my.server", "do it"), "my_server__do_it");
        assert_eq!(tool_name(&"s".repeat(80), "t").len(), MAX_TOOL_NAME);
    }
}
