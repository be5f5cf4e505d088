//! The commands that take values: a one-value command, `create campaign` with its clauses,
//! `list campaigns` and the DM commands.

use super::Parsed;
use super::help::usage_of;
use super::tokens::{Token, after, join, until};
use crate::tools::{CreateCampaignArgs, ListCampaignsArgs, Tool};
use revos_domain::campaign::CampaignStatus;
use serde_json::{Map, Value, json};

pub(super) fn tool(name: &'static str, arguments: Value) -> Parsed {
    Parsed::Tool { name, arguments }
}

/// A one-value command (`<verb> <name>`): the tool call, or the usage when the value is empty.
pub(super) fn one(name: &'static str, key: &str, rest: &[Token], lead: &str) -> Parsed {
    let value = join(rest);
    if value.is_empty() {
        return usage_of(lead);
    }
    tool(name, json!({ key: value }))
}

/// `create campaign <name> [for <client>] [trigger <words>] magnet <title> [url <url>]
/// [account <account>] [watch <posts>]`, clauses in any order after the name.
pub(super) fn create_campaign(rest: &[Token]) -> Parsed {
    const KEYWORDS: &[&str] = &[
        "for", "client", "trigger", "triggers", "magnet", "url", "account", "watch", "posts",
    ];
    let (name, mut rest) = until(rest, KEYWORDS);
    let mut args = Map::new();
    args.insert("name".into(), Value::String(join(name)));
    while let Some((keyword, tail)) = rest.split_first() {
        let (value, next) = until(tail, KEYWORDS);
        let text = join(value);
        let key = match keyword.text.to_ascii_lowercase().as_str() {
            "for" | "client" => "client",
            "trigger" | "triggers" => "trigger_words",
            "magnet" => "lead_magnet_title",
            "url" => "lead_magnet_url",
            "account" => "linkedin_account",
            _ => "watched_posts",
        };
        if matches!(key, "trigger_words" | "watched_posts") {
            let items: Vec<Value> = value
                .iter()
                .flat_map(|t| {
                    if t.quoted {
                        vec![t.text.clone()]
                    } else {
                        t.text.split(',').map(str::to_owned).collect()
                    }
                })
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("and"))
                .map(Value::String)
                .collect();
            let list = args.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = list {
                a.extend(items);
            }
        } else {
            args.insert(key.into(), Value::String(text));
        }
        rest = next;
    }
    let missing = |k: &str| {
        args.get(k)
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
    };
    if missing("name") || missing("lead_magnet_title") {
        return usage_of("create campaign");
    }
    tool(CreateCampaignArgs::NAME, Value::Object(args))
}

/// `list [status] campaigns`, `campaigns`, `show campaigns`.
pub(super) fn list_campaigns(t: &[Token]) -> Option<Parsed> {
    let statuses = CampaignStatus::ALL.map(CampaignStatus::as_str);
    let rest = after(t, &[&["list"], &["show"], &["show", "me"]]).unwrap_or(t);
    let rest = after(rest, &[&["all"], &["my"], &["the"]]).unwrap_or(rest);
    match rest {
        [c] if c.is_any(&["campaigns", "campaign"]) => {
            Some(tool(ListCampaignsArgs::NAME, json!({})))
        }
        [s, c] if c.is_any(&["campaigns"]) && s.is_any(&statuses) => Some(tool(
            ListCampaignsArgs::NAME,
            json!({ "status": s.text.to_ascii_lowercase() }),
        )),
        _ => None,
    }
}

/// `draft dm to <lead> for campaign <name>` (and `queue …`).
pub(super) fn dm(name: &'static str, rest: &[Token], lead_usage: &str) -> Parsed {
    let (lead, tail) = until(rest, &["for", "in", "from"]);
    let campaign = after(
        tail,
        &[
            &["for", "campaign"],
            &["in", "campaign"],
            &["from", "campaign"],
            &["for"],
            &["in"],
            &["from"],
        ],
    )
    .map(join)
    .unwrap_or_default();
    let lead = join(lead);
    if lead.is_empty() || campaign.is_empty() {
        return usage_of(lead_usage);
    }
    tool(name, json!({ "lead": lead, "campaign": campaign }))
}
