//! Hostile tenants (issue 14): a second workspace plays the attacker against the first, on
//! SQLite and PostgreSQL, through the public path only (the API, the pages, spawned `revos
//! serve` processes and the fake provider servers). Every test asserts that the attack fails
//! AND that the victim's data, sends and secrets are unchanged. One module, one file per
//! front of the attack (`cargo test -p revos --test api hostile_tenants`):
//!
//! | Item | What the attacker tries | File |
//! |---|---|---|
//! | 1 | send the instance's model key to its own URL, read upstream errors, spend past the budget | [`llm`] |
//! | 2 | saved and redirected URLs into the instance's network; 100 MB model and provider answers | [`llm`] |
//! | 3 | CPU and memory bomb templates, at save and at send time | [`templates`] |
//! | 4, 5, 6 | attach the victim's LinkedIn account, receive its webhooks, name undeclared MCP servers | [`accounts_webhooks_mcp`] |
//! | 7 | invitation brute force after lockout, spoofed `X-Forwarded-For`, secrets as a member, open `next`, a demoted inviter's invitation | [`auth`] |
//! | 8 | a request past its timeout and SIGTERM with stuck requests (through the real binary: `binary::timeouts_and_shutdown`) | `binary.rs` |
//! | 9 | a lead's text telling the agent to act; the personaliser's tools | [`prompts`] |
//! | 10 | script in names rendered on the victim's pages; the security headers | [`headers`] |
//!
//! The API as a whole is fuzzed by schemathesis in `tests/api_fuzz.rs`.

mod accounts_webhooks_mcp;
mod auth;
mod headers;
mod llm;
mod prompts;
mod templates;
