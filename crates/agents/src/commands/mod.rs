//! The offline command grammar: plain sentences such as "launch the Spring Guide campaign" or
//! "leads who replied this week" turned into a tool call (a tool name and its JSON arguments),
//! so that every tool is reachable when no language model is configured. Pure: the caller
//! passes the current time, which relative dates ("this week", "today") are computed from.
//!
//! Words are matched ignoring case; a value of several words (a campaign name, a lead magnet
//! title) needs quotes only where it contains one of the command's keywords. Anything not
//! understood yields [`Parsed::Unknown`] with a hint naming the closest command; no input
//! panics.

use crate::tools::{
    CampaignReportArgs, DraftDmArgs, DraftPostArgs, EnrichLeadArgs, FunnelArgs, ListCartridgesArgs,
    LoadCartridgeArgs, QueueDmArgs, SearchLeadMagnetsArgs, SubmitPostArgs, SwitchCartridgeArgs,
    Tool,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

mod clauses;
mod help;
mod leads;
mod lifecycle;
#[cfg(test)]
mod tests;
mod tokens;

pub use help::help_text;

use clauses::{create_campaign, dm, list_campaigns, one, tool};
use help::closest;
use leads::list_leads;
use lifecycle::{lifecycle, without_courtesy};
use tokens::{Token, after, join, tokenize};

/// What a line of input asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    /// Call this tool with these arguments.
    Tool {
        /// The tool's name, as the registry knows it.
        name: &'static str,
        /// The arguments object.
        arguments: Value,
    },
    /// List the commands.
    Help,
    /// Not understood.
    Unknown {
        /// What to try instead: the closest command and its example.
        hint: String,
    },
}

/// Parses one line of input. `now` anchors relative dates ("this week" starts on the Monday
/// of `now`'s week, 00:00 UTC).
pub fn parse_command(input: &str, now: DateTime<Utc>) -> Parsed {
    let trimmed = input
        .trim()
        .trim_end_matches(['?', '!', '.'])
        .trim_start_matches('/');
    let tokens = tokenize(trimmed);
    if tokens.is_empty() {
        return Parsed::Unknown {
            hint: "Type a command, or `help` to list them.".into(),
        };
    }
    parse_tokens(&tokens, now).unwrap_or_else(|| closest(trimmed))
}

fn parse_tokens(t: &[Token], now: DateTime<Utc>) -> Option<Parsed> {
    let t = without_courtesy(t);
    if after(
        t,
        &[
            &["help"],
            &["commands"],
            &["?"],
            &["what", "can", "you", "do"],
        ],
    )
    .is_some_and(<[Token]>::is_empty)
    {
        return Some(Parsed::Help);
    }
    if let Some(rest) = after(
        t,
        &[
            &["create", "a", "campaign"],
            &["create", "campaign"],
            &["new", "campaign"],
        ],
    ) {
        return Some(create_campaign(rest));
    }
    if let Some(p) = lifecycle(t) {
        return Some(p);
    }
    if let Some(rest) = after(
        t,
        &[
            &["report", "on", "campaign"],
            &["report", "on", "the", "campaign"],
            &["report", "on"],
            &["report", "for", "campaign"],
            &["report", "campaign"],
            &["campaign", "report", "for"],
            &["campaign", "report"],
            &["report"],
        ],
    ) {
        return Some(one(
            CampaignReportArgs::NAME,
            "campaign",
            rest,
            "report on campaign",
        ));
    }
    if let Some(p) = list_campaigns(t) {
        return Some(p);
    }
    if let Some(rest) = after(
        t,
        &[
            &["list", "leads"],
            &["show", "leads"],
            &["show", "me", "leads"],
            &["find", "leads"],
            &["leads"],
        ],
    ) {
        return Some(list_leads(rest, now));
    }
    if let Some(rest) = after(t, &[&["enrich", "lead"], &["enrich"]]) {
        return Some(one(EnrichLeadArgs::NAME, "lead", rest, "enrich"));
    }
    for (verbs, name, lead) in [
        (&["draft", "write"][..], DraftDmArgs::NAME, "draft dm to"),
        (&["queue", "send"][..], QueueDmArgs::NAME, "queue dm to"),
    ] {
        for verb in verbs {
            if let Some(rest) = after(
                t,
                &[
                    &[verb, "a", "dm", "to"],
                    &[verb, "a", "dm", "for"],
                    &[verb, "dm", "to"],
                    &[verb, "dm", "for"],
                    &[verb, "the", "dm", "to"],
                    &[verb, "the", "dm", "for"],
                    &[verb, "dm"],
                ],
            ) {
                return Some(dm(name, rest, lead));
            }
        }
    }
    if let Some(rest) = after(
        t,
        &[
            &["find", "lead", "magnets", "about"],
            &["find", "lead", "magnets", "on"],
            &["find", "lead", "magnets"],
            &["search", "lead", "magnets", "for"],
            &["search", "lead", "magnets", "about"],
            &["search", "lead", "magnets"],
            &["lead", "magnets", "about"],
            &["lead", "magnets"],
        ],
    ) {
        return Some(one(
            SearchLeadMagnetsArgs::NAME,
            "query",
            rest,
            "find lead magnets",
        ));
    }
    if after(
        t,
        &[
            &["list", "cartridges"],
            &["show", "cartridges"],
            &["list", "clients"],
            &["cartridges"],
        ],
    )
    .is_some_and(<[Token]>::is_empty)
    {
        return Some(tool(ListCartridgesArgs::NAME, json!({})));
    }
    if let Some(rest) = after(
        t,
        &[&["load", "cartridge"], &["show", "cartridge"], &["load"]],
    ) {
        return Some(one(
            LoadCartridgeArgs::NAME,
            "cartridge",
            rest,
            "load cartridge",
        ));
    }
    if let Some(rest) = after(
        t,
        &[
            &["switch", "to", "cartridge"],
            &["switch", "cartridge", "to"],
            &["switch", "cartridge"],
            &["switch", "to"],
            &["use", "cartridge"],
            &["use"],
        ],
    ) {
        return Some(one(
            SwitchCartridgeArgs::NAME,
            "cartridge",
            rest,
            "switch to",
        ));
    }
    if let Some(rest) = after(
        t,
        &[
            &["show", "the", "funnel"],
            &["show", "funnel"],
            &["funnel", "report"],
            &["funnel"],
        ],
    ) {
        let rest = after(
            rest,
            &[&["for", "campaign"], &["of", "campaign"], &["for"], &["of"]],
        )
        .unwrap_or(rest);
        let campaign = join(rest);
        return Some(if campaign.is_empty() {
            tool(FunnelArgs::NAME, json!({}))
        } else {
            tool(FunnelArgs::NAME, json!({ "campaign": campaign }))
        });
    }
    if let Some(rest) = after(
        t,
        &[
            &["draft", "a", "post", "about"],
            &["draft", "a", "post", "on"],
            &["draft", "post", "about"],
            &["draft", "a", "post"],
            &["draft", "post"],
            &["write", "a", "post", "about"],
            &["write", "a", "post", "on"],
            &["write", "a", "post"],
        ],
    ) {
        return Some(one(
            DraftPostArgs::NAME,
            "topic",
            rest,
            "draft a post about",
        ));
    }
    if let Some(rest) = after(
        t,
        &[
            &["submit", "the", "post"],
            &["submit", "post"],
            &["submit", "it"],
            &["submit"],
        ],
    ) {
        let rest = after(rest, &[&["for", "approval"]]).unwrap_or(rest);
        let post = join(rest);
        return Some(if post.is_empty() {
            tool(SubmitPostArgs::NAME, json!({}))
        } else {
            tool(SubmitPostArgs::NAME, json!({ "post": post }))
        });
    }
    None
}
