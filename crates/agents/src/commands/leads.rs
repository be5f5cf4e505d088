//! `leads …`: a stage phrase ("who replied"), a campaign, a time window ("this week",
//! "last 7 days") and a text filter, in any order.

use super::Parsed;
use super::clauses::tool;
use super::help::usage_of;
use super::tokens::{Token, after, join, until};
use crate::tools::{ListLeadsArgs, Tool};
use chrono::{DateTime, Datelike, Duration, SecondsFormat, Utc};
use revos_domain::lead::LeadStage;
use serde_json::{Map, Value};

/// The stage a phrase after "who" names, and how many words it used.
fn stage_phrase(t: &[Token]) -> Option<(LeadStage, usize)> {
    const PHRASES: &[(&[&str], LeadStage)] = &[
        (&["email", "replied"], LeadStage::EmailReplied),
        (&["replied", "by", "email"], LeadStage::EmailReplied),
        (&["replied", "to", "an", "email"], LeadStage::EmailReplied),
        (&["replied"], LeadStage::Replied),
        (&["answered"], LeadStage::Replied),
        (&["opted", "out"], LeadStage::OptedOut),
        (&["unsubscribed"], LeadStage::OptedOut),
        (
            &["are", "awaiting", "connection"],
            LeadStage::AwaitingConnection,
        ),
        (&["awaiting", "connection"], LeadStage::AwaitingConnection),
        (&["got", "a", "dm"], LeadStage::DmSent),
        (&["were", "messaged"], LeadStage::DmSent),
        (&["were", "sent", "a", "dm"], LeadStage::DmSent),
        (&["dm", "sent"], LeadStage::DmSent),
        (&["are", "queued"], LeadStage::DmQueued),
        (&["dm", "queued"], LeadStage::DmQueued),
        (&["queued"], LeadStage::DmQueued),
        (&["were", "enriched"], LeadStage::Enriched),
        (&["are", "enriched"], LeadStage::Enriched),
        (&["enriched"], LeadStage::Enriched),
        (&["were", "scraped"], LeadStage::Scraped),
        (&["scraped"], LeadStage::Scraped),
        (&["commented"], LeadStage::Scraped),
        (&["email", "sequenced"], LeadStage::EmailSequenced),
        (&["were", "sequenced"], LeadStage::EmailSequenced),
        (&["sequenced"], LeadStage::EmailSequenced),
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
pub(super) fn list_leads(mut t: &[Token], now: DateTime<Utc>) -> Parsed {
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
            args.insert("stage".into(), Value::String(stage.as_str().into()));
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
            args.insert("stage".into(), Value::String(stage.as_str().into()));
            t = &t[used..];
        } else {
            return usage_of("leads");
        }
    }
    tool(ListLeadsArgs::NAME, Value::Object(args))
}
