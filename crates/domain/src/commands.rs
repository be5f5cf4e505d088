//! The offline command grammar: plain sentences such as "pause campaign Spring Guide" or
//! "leads who replied this week" turned into a tool call (a tool name and its JSON arguments),
//! so that every tool is reachable when no language model is configured. Pure: the caller
//! passes the current time, which relative dates ("this week", "today") are computed from.
//!
//! Words are matched ignoring case; a value of several words (a campaign name, a lead magnet
//! title) needs quotes only where it contains one of the command's keywords. Anything not
//! understood yields [`Parsed::Unknown`] with a hint naming the closest command; no input
//! panics.

use chrono::{DateTime, Datelike, Duration, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

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

/// One command of the grammar, for the help text and the hints.
struct Command {
    /// The words it starts with, for finding the closest command.
    lead: &'static str,
    /// Its shape.
    usage: &'static str,
    /// A line that works.
    example: &'static str,
}

const COMMANDS: &[Command] = &[
    Command {
        lead: "create campaign",
        usage: "create campaign <name> [for <client>] [trigger <words>] magnet <title> [url <url>] [account <LinkedIn account>] [watch <post ids>]",
        example: "create campaign Spring Guide for Acme trigger GUIDE magnet 'Hiring checklist'",
    },
    Command {
        lead: "pause campaign",
        usage: "pause campaign <name or id>",
        example: "pause campaign Spring Guide",
    },
    Command {
        lead: "resume campaign",
        usage: "resume campaign <name or id>",
        example: "resume campaign Spring Guide",
    },
    Command {
        lead: "report on campaign",
        usage: "report on campaign <name or id>",
        example: "report on campaign Spring Guide",
    },
    Command {
        lead: "list campaigns",
        usage: "list [draft|active|paused|completed] campaigns",
        example: "list active campaigns",
    },
    Command {
        lead: "leads",
        usage: "leads [who <stage>] [in campaign <name>] [today|yesterday|this week|this month|last <n> days] [matching <text>]",
        example: "leads who replied this week",
    },
    Command {
        lead: "enrich",
        usage: "enrich <lead name or id>",
        example: "enrich Ana Lopez",
    },
    Command {
        lead: "draft dm to",
        usage: "draft dm to <lead> for campaign <name>",
        example: "draft dm to Ana Lopez for campaign Spring Guide",
    },
    Command {
        lead: "queue dm to",
        usage: "queue dm to <lead> for campaign <name>",
        example: "queue dm to Ana Lopez for campaign Spring Guide",
    },
    Command {
        lead: "find lead magnets",
        usage: "find lead magnets about <words>",
        example: "find lead magnets about hiring",
    },
    Command {
        lead: "list cartridges",
        usage: "list cartridges",
        example: "list cartridges",
    },
    Command {
        lead: "load cartridge",
        usage: "load cartridge <name or id>",
        example: "load cartridge Acme",
    },
    Command {
        lead: "switch to",
        usage: "switch to <cartridge> | use cartridge <cartridge>",
        example: "switch to Acme",
    },
    Command {
        lead: "funnel",
        usage: "funnel [for <campaign>]",
        example: "funnel for Spring Guide",
    },
    Command {
        lead: "draft a post about",
        usage: "draft a post about <topic>",
        example: "draft a post about onboarding",
    },
    Command {
        lead: "submit post",
        usage: "submit post <id> | submit the post",
        example: "submit the post",
    },
    Command {
        lead: "help",
        usage: "help",
        example: "help",
    },
];

/// Every command with its shape and an example, one per line.
pub fn help_text() -> String {
    let mut out =
        String::from("Commands (words in <> are yours; quote values that contain a keyword):\n");
    for c in COMMANDS {
        out.push_str(&format!("  {}\n      e.g. {}\n", c.usage, c.example));
    }
    out
}

/// A word of the input: bare (matched as a keyword) or quoted (always a value).
#[derive(Clone, Debug)]
struct Token {
    text: String,
    quoted: bool,
}

impl Token {
    /// Whether this is the bare keyword `word` (any case).
    fn is(&self, word: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(word)
    }

    fn is_any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.is(w))
    }
}

/// Splits a line into words; `'…'` and `"…"` group words into one quoted value. A quote with
/// no closing partner is an ordinary character.
fn tokenize(input: &str) -> Vec<Token> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if matches!(c, '\'' | '"' | '“' | '‘') {
            let close = match c {
                '“' => '”',
                '‘' => '’',
                other => other,
            };
            if let Some(end) = (i + 1..chars.len()).find(|&j| chars[j] == close) {
                tokens.push(Token {
                    text: chars[i + 1..end]
                        .iter()
                        .collect::<String>()
                        .trim()
                        .to_owned(),
                    quoted: true,
                });
                i = end + 1;
                continue;
            }
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        tokens.push(Token {
            text: chars[start..i].iter().collect(),
            quoted: false,
        });
    }
    tokens
}

/// The rest of `tokens` after one of the keyword sequences in `prefixes`, if it starts with one.
fn after<'t>(tokens: &'t [Token], prefixes: &[&[&str]]) -> Option<&'t [Token]> {
    prefixes.iter().find_map(|p| {
        (tokens.len() >= p.len() && p.iter().zip(tokens).all(|(w, t)| t.is(w)))
            .then(|| &tokens[p.len()..])
    })
}

/// The words of `tokens` as one value.
fn join(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}

/// Splits `tokens` at the first bare keyword of `stops`: the value before it and the rest.
fn until<'t>(tokens: &'t [Token], stops: &[&str]) -> (&'t [Token], &'t [Token]) {
    let at = tokens
        .iter()
        .position(|t| t.is_any(stops))
        .unwrap_or(tokens.len());
    tokens.split_at(at)
}

fn tool(name: &'static str, arguments: Value) -> Parsed {
    Parsed::Tool { name, arguments }
}

/// The hint for a command whose value is missing.
fn usage_of(lead: &str) -> Parsed {
    let c = COMMANDS
        .iter()
        .find(|c| c.lead == lead)
        .unwrap_or(&COMMANDS[COMMANDS.len() - 1]);
    Parsed::Unknown {
        hint: format!(
            "Usage: {} (for example: {}). Type `help` for every command.",
            c.usage, c.example
        ),
    }
}

/// A one-value command (`<verb> <name>`): the tool call, or the usage when the value is empty.
fn one(name: &'static str, key: &str, rest: &[Token], lead: &str) -> Parsed {
    let value = join(rest);
    if value.is_empty() {
        return usage_of(lead);
    }
    tool(name, json!({ key: value }))
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
    for (verb, name) in [("pause", "pause_campaign"), ("resume", "resume_campaign")] {
        if let Some(rest) = after(
            t,
            &[&[verb, "the", "campaign"], &[verb, "campaign"], &[verb]],
        ) {
            return Some(one(name, "campaign", rest, &format!("{verb} campaign")));
        }
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
            "campaign_report",
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
        return Some(one("enrich_lead", "lead", rest, "enrich"));
    }
    for (verbs, name, lead) in [
        (&["draft", "write"][..], "draft_dm", "draft dm to"),
        (&["queue", "send"][..], "queue_dm", "queue dm to"),
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
            "search_lead_magnets",
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
        return Some(tool("list_cartridges", json!({})));
    }
    if let Some(rest) = after(
        t,
        &[&["load", "cartridge"], &["show", "cartridge"], &["load"]],
    ) {
        return Some(one("load_cartridge", "cartridge", rest, "load cartridge"));
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
        return Some(one("switch_cartridge", "cartridge", rest, "switch to"));
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
            tool("funnel_report", json!({}))
        } else {
            tool("funnel_report", json!({ "campaign": campaign }))
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
        return Some(one("draft_post", "topic", rest, "draft a post about"));
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
            tool("submit_post", json!({}))
        } else {
            tool("submit_post", json!({ "post": post }))
        });
    }
    None
}

/// `create campaign <name> [for <client>] [trigger <words>] magnet <title> [url <url>]
/// [account <account>] [watch <posts>]`, clauses in any order after the name.
fn create_campaign(rest: &[Token]) -> Parsed {
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
    tool("create_campaign", Value::Object(args))
}

/// `list [status] campaigns`, `campaigns`, `show campaigns`.
fn list_campaigns(t: &[Token]) -> Option<Parsed> {
    const STATUSES: [&str; 4] = ["draft", "active", "paused", "completed"];
    let rest = after(t, &[&["list"], &["show"], &["show", "me"]]).unwrap_or(t);
    let rest = after(rest, &[&["all"], &["my"], &["the"]]).unwrap_or(rest);
    match rest {
        [c] if c.is_any(&["campaigns", "campaign"]) => Some(tool("list_campaigns", json!({}))),
        [s, c] if c.is_any(&["campaigns"]) && s.is_any(&STATUSES) => Some(tool(
            "list_campaigns",
            json!({ "status": s.text.to_ascii_lowercase() }),
        )),
        _ => None,
    }
}

/// The stage a phrase after "who" names, and how many words it used.
fn stage_phrase(t: &[Token]) -> Option<(&'static str, usize)> {
    const PHRASES: &[(&[&str], &str)] = &[
        (&["email", "replied"], "email_replied"),
        (&["replied", "by", "email"], "email_replied"),
        (&["replied", "to", "an", "email"], "email_replied"),
        (&["replied"], "replied"),
        (&["answered"], "replied"),
        (&["opted", "out"], "opted_out"),
        (&["unsubscribed"], "opted_out"),
        (&["are", "awaiting", "connection"], "awaiting_connection"),
        (&["awaiting", "connection"], "awaiting_connection"),
        (&["got", "a", "dm"], "dm_sent"),
        (&["were", "messaged"], "dm_sent"),
        (&["were", "sent", "a", "dm"], "dm_sent"),
        (&["dm", "sent"], "dm_sent"),
        (&["are", "queued"], "dm_queued"),
        (&["dm", "queued"], "dm_queued"),
        (&["queued"], "dm_queued"),
        (&["were", "enriched"], "enriched"),
        (&["are", "enriched"], "enriched"),
        (&["enriched"], "enriched"),
        (&["were", "scraped"], "scraped"),
        (&["scraped"], "scraped"),
        (&["commented"], "scraped"),
        (&["email", "sequenced"], "email_sequenced"),
        (&["were", "sequenced"], "email_sequenced"),
        (&["sequenced"], "email_sequenced"),
    ];
    PHRASES
        .iter()
        .find_map(|(words, stage)| after(t, &[words]).map(|_| (*stage, words.len())))
}

fn stamp(at: DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Midnight UTC of `now`'s day.
fn midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |d| d.and_utc())
}

/// The window a time phrase names, and how many words it used.
fn time_phrase(
    t: &[Token],
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>, usize)> {
    let today = midnight(now);
    if after(t, &[&["this", "week"]]).is_some() {
        let monday = today - Duration::days(i64::from(now.weekday().num_days_from_monday()));
        return Some((monday, None, 2));
    }
    if after(t, &[&["this", "month"]]).is_some() {
        let first = today - Duration::days(i64::from(now.day0()));
        return Some((first, None, 2));
    }
    if after(t, &[&["today"]]).is_some() {
        return Some((today, None, 1));
    }
    if after(t, &[&["yesterday"]]).is_some() {
        return Some((today - Duration::days(1), Some(today), 1));
    }
    for lead in ["last", "past"] {
        if let Some(rest) = after(t, &[&[lead]]) {
            if after(rest, &[&["week"]]).is_some() {
                return Some((now - Duration::days(7), None, 2));
            }
            if after(rest, &[&["month"]]).is_some() {
                return Some((now - Duration::days(30), None, 2));
            }
            if let [n, unit, ..] = rest
                && let Ok(n) = n.text.parse::<i64>()
                && (1..=3650).contains(&n)
            {
                if unit.is_any(&["days", "day"]) {
                    return Some((now - Duration::days(n), None, 3));
                }
                if unit.is_any(&["hours", "hour"]) {
                    return Some((now - Duration::hours(n), None, 3));
                }
                if unit.is_any(&["weeks", "week"]) {
                    return Some((now - Duration::weeks(n), None, 3));
                }
            }
        }
    }
    None
}

/// `leads [who <stage>] [in campaign <name>] [<time>] [matching <text>]`, in any order.
fn list_leads(mut t: &[Token], now: DateTime<Utc>) -> Parsed {
    const STOPS: &[&str] = &[
        "who",
        "that",
        "in",
        "from",
        "this",
        "today",
        "yesterday",
        "last",
        "past",
        "matching",
        "named",
        "called",
        "since",
    ];
    let mut args = Map::new();
    while !t.is_empty() {
        if let Some(rest) = after(t, &[&["who"], &["that"]]) {
            let Some((stage, used)) = stage_phrase(rest) else {
                return usage_of("leads");
            };
            args.insert("stage".into(), Value::String(stage.into()));
            t = &rest[used..];
        } else if let Some(rest) = after(
            t,
            &[
                &["in", "campaign"],
                &["from", "campaign"],
                &["of", "campaign"],
                &["for", "campaign"],
                &["in"],
                &["from"],
            ],
        ) {
            let (name, next) = until(rest, STOPS);
            if name.is_empty() {
                return usage_of("leads");
            }
            args.insert("campaign".into(), Value::String(join(name)));
            t = next;
        } else if let Some(rest) = after(t, &[&["matching"], &["named"], &["called"]]) {
            let (text, next) = until(rest, STOPS);
            if text.is_empty() {
                return usage_of("leads");
            }
            args.insert("text".into(), Value::String(join(text)));
            t = next;
        } else if let Some((since, until_at, used)) =
            time_phrase(after(t, &[&["since"]]).unwrap_or(t), now)
        {
            args.insert("since".into(), stamp(since));
            if let Some(u) = until_at {
                args.insert("until".into(), stamp(u));
            }
            let skipped = usize::from(t.first().is_some_and(|f| f.is("since")));
            t = &t[(skipped + used).min(t.len())..];
        } else if let Some((stage, used)) = stage_phrase(t) {
            args.insert("stage".into(), Value::String(stage.into()));
            t = &t[used..];
        } else {
            return usage_of("leads");
        }
    }
    tool("list_leads", Value::Object(args))
}

/// `draft dm to <lead> for campaign <name>` (and `queue …`).
fn dm(name: &'static str, rest: &[Token], lead_usage: &str) -> Parsed {
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

/// Edit distance between two strings, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The hint for input that matched no command: the command whose first words are closest.
fn closest(input: &str) -> Parsed {
    let lower = input.to_lowercase();
    let best = COMMANDS
        .iter()
        .min_by_key(|c| {
            let n = c.lead.chars().count();
            let head: String = lower.chars().take(n).collect();
            distance(&head, c.lead)
        })
        .unwrap_or(&COMMANDS[0]);
    Parsed::Unknown {
        hint: format!(
            "I did not understand that. Closest command: {} (for example: {}). Type `help` for every command.",
            best.usage, best.example
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    /// Thursday 2026-11-26, 15:30 UTC.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).unwrap()
    }

    fn call(input: &str) -> (&'static str, Value) {
        match parse_command(input, now()) {
            Parsed::Tool { name, arguments } => (name, arguments),
            other => panic!("{input:?} parsed as {other:?}"),
        }
    }

    fn hint(input: &str) -> String {
        match parse_command(input, now()) {
            Parsed::Unknown { hint } => hint,
            other => panic!("{input:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn create_campaign_from_few_words() {
        assert_eq!(
            call("create campaign Spring Guide for Acme trigger GUIDE magnet 'Hiring checklist'"),
            (
                "create_campaign",
                json!({"name": "Spring Guide", "client": "Acme", "trigger_words": ["GUIDE"],
                       "lead_magnet_title": "Hiring checklist"})
            )
        );
        assert_eq!(
            call(
                "Create Campaign 'Q3 for founders' trigger guide, playbook magnet Hiring checklist url https://acme.io/h account Dana"
            ),
            (
                "create_campaign",
                json!({"name": "Q3 for founders", "trigger_words": ["guide", "playbook"],
                       "lead_magnet_title": "Hiring checklist",
                       "lead_magnet_url": "https://acme.io/h", "linkedin_account": "Dana"})
            )
        );
        assert_eq!(
            call("create campaign X magnet Y trigger A B watch 123 456"),
            (
                "create_campaign",
                json!({"name": "X", "lead_magnet_title": "Y", "trigger_words": ["A", "B"],
                       "watched_posts": ["123", "456"]})
            )
        );
        assert!(hint("create campaign Spring Guide for Acme").contains("magnet"));
    }

    #[test]
    fn campaign_lifecycle_and_report() {
        for (input, name) in [
            ("pause campaign Spring Guide", "pause_campaign"),
            ("PAUSE Spring Guide", "pause_campaign"),
            ("resume campaign Spring Guide", "resume_campaign"),
            ("report on campaign Spring Guide", "campaign_report"),
            ("campaign report Spring Guide", "campaign_report"),
        ] {
            assert_eq!(
                call(input),
                (name, json!({"campaign": "Spring Guide"})),
                "{input}"
            );
        }
        assert!(hint("pause campaign").contains("pause campaign <name or id>"));
    }

    #[test]
    fn list_campaigns_with_or_without_status() {
        assert_eq!(call("list campaigns"), ("list_campaigns", json!({})));
        assert_eq!(call("campaigns"), ("list_campaigns", json!({})));
        assert_eq!(
            call("show paused campaigns"),
            ("list_campaigns", json!({"status": "paused"}))
        );
    }

    #[test]
    fn leads_with_stage_time_campaign_and_text() {
        assert_eq!(
            call("leads who replied this week"),
            (
                "list_leads",
                json!({"stage": "replied", "since": "2026-11-23T00:00:00Z"})
            )
        );
        assert_eq!(
            call("leads today"),
            ("list_leads", json!({"since": "2026-11-26T00:00:00Z"}))
        );
        assert_eq!(
            call("leads last 7 days"),
            ("list_leads", json!({"since": "2026-11-19T15:30:00Z"}))
        );
        assert_eq!(
            call("leads yesterday"),
            (
                "list_leads",
                json!({"since": "2026-11-25T00:00:00Z", "until": "2026-11-26T00:00:00Z"})
            )
        );
        assert_eq!(
            call("list leads in campaign Spring Guide who opted out matching acme"),
            (
                "list_leads",
                json!({"campaign": "Spring Guide", "stage": "opted_out", "text": "acme"})
            )
        );
        assert_eq!(call("leads"), ("list_leads", json!({})));
        assert!(hint("leads who danced").contains("leads [who <stage>]"));
    }

    #[test]
    fn enrich_and_dms() {
        assert_eq!(
            call("enrich Ana Lopez"),
            ("enrich_lead", json!({"lead": "Ana Lopez"}))
        );
        assert_eq!(
            call("draft dm to Ana Lopez for campaign Spring Guide"),
            (
                "draft_dm",
                json!({"lead": "Ana Lopez", "campaign": "Spring Guide"})
            )
        );
        assert_eq!(
            call("queue dm to 'Ana for Lopez' for Spring Guide"),
            (
                "queue_dm",
                json!({"lead": "Ana for Lopez", "campaign": "Spring Guide"})
            )
        );
        assert!(hint("queue dm to Ana").contains("queue dm to <lead> for campaign"));
    }

    #[test]
    fn lead_magnets_and_cartridges() {
        assert_eq!(
            call("find lead magnets about hiring"),
            ("search_lead_magnets", json!({"query": "hiring"}))
        );
        assert_eq!(call("list cartridges"), ("list_cartridges", json!({})));
        assert_eq!(
            call("load cartridge Acme"),
            ("load_cartridge", json!({"cartridge": "Acme"}))
        );
        for input in ["switch to Acme", "use cartridge Acme", "Switch To acme"] {
            let (name, args) = call(input);
            assert_eq!(name, "switch_cartridge");
            assert!(
                args["cartridge"]
                    .as_str()
                    .unwrap()
                    .eq_ignore_ascii_case("acme")
            );
        }
    }

    #[test]
    fn funnel_posts_and_help() {
        assert_eq!(call("funnel"), ("funnel_report", json!({})));
        assert_eq!(
            call("funnel for Spring Guide"),
            ("funnel_report", json!({"campaign": "Spring Guide"}))
        );
        assert_eq!(
            call("draft a post about onboarding"),
            ("draft_post", json!({"topic": "onboarding"}))
        );
        let id = "0199a1b2-0000-7000-8000-000000000001";
        assert_eq!(
            call(&format!("submit post {id}")),
            ("submit_post", json!({"post": id}))
        );
        assert_eq!(call("submit the post"), ("submit_post", json!({})));
        assert_eq!(parse_command("help", now()), Parsed::Help);
        assert_eq!(parse_command("  HELP? ", now()), Parsed::Help);
        let help = help_text();
        for c in COMMANDS {
            assert!(help.contains(c.example), "{}", c.example);
        }
    }

    #[test]
    fn every_example_in_the_help_parses() {
        for c in COMMANDS {
            assert!(
                !matches!(parse_command(c.example, now()), Parsed::Unknown { .. }),
                "{}",
                c.example
            );
        }
    }

    #[test]
    fn unknown_commands_get_the_closest_command() {
        assert!(hint("paws campaign Spring").contains("pause campaign"));
        assert!(hint("funel").contains("funnel"));
        assert!(hint("").contains("help"));
        assert!(hint("make me a sandwich").contains("help"));
    }

    proptest! {
        #[test]
        fn no_input_panics(input in any::<String>()) {
            let _ = parse_command(&input, now());
        }

        #[test]
        fn no_command_shaped_input_panics(
            verb in prop::sample::select(vec!["create campaign", "leads", "draft dm to", "submit", "funnel", "use", "leads who", "leads last"]),
            tail in "[ a-zA-Z0-9'\"“,]{0,40}",
        ) {
            let _ = parse_command(&format!("{verb} {tail}"), now());
        }
    }
}
