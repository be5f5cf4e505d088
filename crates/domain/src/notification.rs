//! Notifications: which events of a workspace's log tell its members something (a reply, a
//! post awaiting approval, a post published, an account needing attention, a failing job, the
//! model budget reached), what each one says, how a burst about one subject folds into one
//! notification, and the text of the Slack digest that carries many at once. Pure rules; the
//! notifier job reads the events and writes what these functions return.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a notification is about; each member turns each kind on or off, in-app and on Slack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A lead answered (a DM or an email).
    Reply,
    /// A post was submitted and waits for someone to approve it.
    PostAwaitingApproval,
    /// An approved post is on LinkedIn.
    PostPublished,
    /// A LinkedIn account needs reconnecting, was restricted, or was paused by a limit.
    AccountAttention,
    /// A background job of a campaign step failed for good (a dead job).
    JobFailed,
    /// The workspace spent its monthly budget on the instance's model.
    BudgetReached,
    /// An outgoing webhook endpoint was turned off after failing for a day.
    WebhookDisabled,
}

impl NotificationKind {
    /// Every kind, in the order the preferences form lists them.
    pub const ALL: [NotificationKind; 7] = [
        NotificationKind::Reply,
        NotificationKind::PostAwaitingApproval,
        NotificationKind::PostPublished,
        NotificationKind::AccountAttention,
        NotificationKind::JobFailed,
        NotificationKind::BudgetReached,
        NotificationKind::WebhookDisabled,
    ];

    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Reply => "reply",
            NotificationKind::PostAwaitingApproval => "post_awaiting_approval",
            NotificationKind::PostPublished => "post_published",
            NotificationKind::AccountAttention => "account_attention",
            NotificationKind::JobFailed => "job_failed",
            NotificationKind::BudgetReached => "budget_reached",
            NotificationKind::WebhookDisabled => "webhook_disabled",
        }
    }

    /// The kind stored as `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// How people read it in the preferences form.
    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::Reply => "A lead replied",
            NotificationKind::PostAwaitingApproval => "A post awaits approval",
            NotificationKind::PostPublished => "An approved post was published",
            NotificationKind::AccountAttention => {
                "A LinkedIn account needs reconnecting or was paused"
            }
            NotificationKind::JobFailed => "A campaign step failed",
            NotificationKind::BudgetReached => "The model budget was reached",
            NotificationKind::WebhookDisabled => "An outgoing webhook was turned off",
        }
    }

    /// How a digest names `count` notifications of this kind.
    fn counted(self, count: i64) -> String {
        let (one, many) = match self {
            NotificationKind::Reply => ("new reply", "new replies"),
            NotificationKind::PostAwaitingApproval => {
                ("post awaiting approval", "posts awaiting approval")
            }
            NotificationKind::PostPublished => ("post published", "posts published"),
            NotificationKind::AccountAttention => {
                ("account needing attention", "accounts needing attention")
            }
            NotificationKind::JobFailed => ("failed job", "failed jobs"),
            NotificationKind::BudgetReached => ("budget reached", "budgets reached"),
            NotificationKind::WebhookDisabled => ("webhook turned off", "webhooks turned off"),
        };
        format!("{count} {}", if count == 1 { one } else { many })
    }
}

/// The event kinds the notifier reads. The migration's partial index `events_notify` names
/// exactly these, and the store's query repeats them so that the index serves it.
pub const NOTIFYING_EVENTS: [&str; 9] = [
    "dm_replied",
    "email_replied",
    "post_submitted",
    "post_published",
    "account_status",
    "account_paused",
    "job_dead",
    "llm_budget_reached",
    crate::outgoing_webhook::ENDPOINT_DISABLED_EVENT,
];

/// Job kinds whose death notifies nobody: the notifier's own jobs (a dead Slack delivery must
/// not announce itself on Slack, again and again).
pub const SILENT_JOB_PREFIX: &str = "notify.";

/// How old an event must be before the notifier reads it: a transaction that appended an
/// event with a smaller id may commit after one with a larger id (PostgreSQL), and the
/// watermark must not pass it meanwhile. Longer than any transaction that appends a
/// notifying event.
pub const SETTLE: TimeDelta = TimeDelta::seconds(5);

/// How long the Slack digest waits after the first notification it will carry, and at least
/// how far apart two digests of a workspace are: a burst inside one period is one message.
pub const DIGEST_PERIOD: TimeDelta = TimeDelta::seconds(60);

/// How long notifications about one kind and subject fold into one (counting up).
pub const DEDUP_WINDOW: TimeDelta = TimeDelta::hours(1);

/// One event of the log, with the names the notifier looked up for it.
#[derive(Clone, Debug)]
pub struct NotifyingEvent<'a> {
    /// The event's kind (one of [`NOTIFYING_EVENTS`]).
    pub kind: &'a str,
    /// What it is about (a lead, a post, an account, a job).
    pub subject: Option<Uuid>,
    /// Its JSON data.
    pub data: &'a serde_json::Value,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The lead's name, when the subject is a lead.
    pub lead_name: Option<&'a str>,
    /// The account's name, when the subject is a LinkedIn account.
    pub account_name: Option<&'a str>,
}

/// A notification to add (or to count up, when one of the same kind, subject and window
/// exists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// Its kind.
    pub kind: NotificationKind,
    /// What it is about, as text (an id, or a job kind): the unit of deduplication.
    pub subject_key: String,
    /// The start of its deduplication window.
    pub window_start: DateTime<Utc>,
    /// The sentence shown.
    pub title: String,
    /// Where to look, a path of the web app.
    pub link: String,
    /// How many events it stands for.
    pub count: i64,
}

/// The notification an event makes, if it makes one: an account status other than
/// reconnect/restricted and the death of the notifier's own jobs make none.
pub fn draft(event: &NotifyingEvent<'_>) -> Option<Draft> {
    let subject = event.subject.map(|s| s.to_string());
    let (kind, subject_key, title, link) = match event.kind {
        "dm_replied" | "email_replied" => {
            let lead = subject?;
            let who = event.lead_name.unwrap_or("a lead");
            let via = if event.kind == "dm_replied" {
                "on LinkedIn"
            } else {
                "by email"
            };
            let title = format!("New reply from {who} {via}");
            (
                NotificationKind::Reply,
                lead.clone(),
                title,
                format!("/leads/{lead}"),
            )
        }
        "post_submitted" => {
            let post = subject?;
            let title = "A post awaits approval".to_owned();
            let link = format!("/posts/{post}");
            (NotificationKind::PostAwaitingApproval, post, title, link)
        }
        "post_published" => {
            let post = subject?;
            let title = "An approved post was published on LinkedIn".to_owned();
            let link = format!("/posts/{post}");
            (NotificationKind::PostPublished, post, title, link)
        }
        "account_status" | "account_paused" => {
            let account = subject?;
            let name = event.account_name.unwrap_or("A LinkedIn account");
            let title = if event.kind == "account_paused" {
                format!("{name} was paused after a LinkedIn limit")
            } else {
                match event.data["status"].as_str() {
                    Some("needs_reconnect") => format!("{name} needs reconnecting"),
                    Some("restricted") => format!("{name} was restricted by LinkedIn"),
                    _ => return None,
                }
            };
            let link = format!("/accounts/{account}");
            (NotificationKind::AccountAttention, account, title, link)
        }
        "job_dead" => {
            let job = event.data["job_kind"].as_str().unwrap_or("a job");
            if job.starts_with(SILENT_JOB_PREFIX) {
                return None;
            }
            let title = format!("A campaign step failed for good ({job})");
            let link = "/queue".to_owned();
            (NotificationKind::JobFailed, job.to_owned(), title, link)
        }
        "llm_budget_reached" => {
            let title = "The monthly model budget is spent: drafting waits until next month or your own model key".to_owned();
            let link = "/settings".to_owned();
            (
                NotificationKind::BudgetReached,
                "budget".to_owned(),
                title,
                link,
            )
        }
        crate::outgoing_webhook::ENDPOINT_DISABLED_EVENT => {
            let endpoint = subject?;
            let name = event.data["name"].as_str().unwrap_or("A webhook endpoint");
            let title = format!(
                "The outgoing webhook {name} was turned off: every delivery failed for 24 hours"
            );
            let link = "/settings#outgoing-webhooks".to_owned();
            (NotificationKind::WebhookDisabled, endpoint, title, link)
        }
        _ => return None,
    };
    Some(Draft {
        kind,
        subject_key,
        window_start: window_start(event.at),
        title,
        link,
        count: 1,
    })
}

/// The start of the deduplication window holding `at`.
pub fn window_start(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(DEDUP_WINDOW).unwrap_or(at)
}

/// Folds drafts of the same kind, subject and window into one (counts added, first title
/// kept), in the order they first appear: a batch of events becomes one write per
/// notification.
pub fn fold(drafts: impl IntoIterator<Item = Draft>) -> Vec<Draft> {
    let mut out: Vec<Draft> = Vec::new();
    let mut index: std::collections::HashMap<(NotificationKind, String, DateTime<Utc>), usize> =
        std::collections::HashMap::new();
    for d in drafts {
        let key = (d.kind, d.subject_key.clone(), d.window_start);
        match index.get(&key) {
            Some(&i) => out[i].count += d.count,
            None => {
                index.insert(key, out.len());
                out.push(d);
            }
        }
    }
    out
}

/// One notification waiting for the Slack digest.
#[derive(Clone, Debug)]
pub struct DigestItem {
    /// Its kind.
    pub kind: NotificationKind,
    /// Its sentence.
    pub title: String,
    /// How many events it stands for.
    pub count: i64,
}

/// How many lines a digest lists before "and N more".
pub const DIGEST_LINES: usize = 10;

/// A Slack message: the plain-text `text` (the notification fallback) and the lines of its
/// section block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    /// The summary, e.g. `Acme: 50 new replies, 1 account needing attention`.
    pub text: String,
    /// One line per notification (at most [`DIGEST_LINES`], then how many more).
    pub lines: Vec<String>,
}

/// The one message that carries `items` (none when empty) for the workspace `workspace`.
pub fn digest(workspace: &str, items: &[DigestItem]) -> Option<Digest> {
    if items.is_empty() {
        return None;
    }
    let mut per_kind: Vec<(NotificationKind, i64)> = Vec::new();
    for item in items {
        match per_kind.iter_mut().find(|(k, _)| *k == item.kind) {
            Some((_, n)) => *n += item.count.max(1),
            None => per_kind.push((item.kind, item.count.max(1))),
        }
    }
    let summary: Vec<String> = per_kind.iter().map(|(k, n)| k.counted(*n)).collect();
    let mut lines: Vec<String> = items
        .iter()
        .take(DIGEST_LINES)
        .map(|i| match i.count {
            n if n > 1 => format!("• {} (×{n})", i.title),
            _ => format!("• {}", i.title),
        })
        .collect();
    if items.len() > DIGEST_LINES {
        lines.push(format!("…and {} more in RevOS", items.len() - DIGEST_LINES));
    }
    Some(Digest {
        text: format!("{workspace}: {}", summary.join(", ")),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event<'a>(kind: &'a str, data: &'a serde_json::Value) -> NotifyingEvent<'a> {
        NotifyingEvent {
            kind,
            subject: Some(Uuid::nil()),
            data,
            at: DateTime::parse_from_rfc3339("2026-12-07T10:42:00Z")
                .unwrap()
                .to_utc(),
            lead_name: Some("Jane Doe"),
            account_name: Some("Dana's LinkedIn"),
        }
    }

    #[test]
    fn every_notifying_event_makes_its_kind_and_others_make_none() {
        let null = serde_json::Value::Null;
        let reply = draft(&event("dm_replied", &null)).unwrap();
        assert_eq!(reply.kind, NotificationKind::Reply);
        assert_eq!(reply.title, "New reply from Jane Doe on LinkedIn");
        assert_eq!(reply.window_start.to_rfc3339(), "2026-12-07T10:00:00+00:00");
        let needs = json!({"status": "needs_reconnect"});
        let account = draft(&event("account_status", &needs)).unwrap();
        assert_eq!(account.kind, NotificationKind::AccountAttention);
        assert_eq!(account.title, "Dana's LinkedIn needs reconnecting");
        let ok = json!({"status": "ok"});
        assert_eq!(draft(&event("account_status", &ok)), None);
        let own = json!({"job_kind": "notify.slack"});
        assert_eq!(draft(&event("job_dead", &own)), None);
        let dm = json!({"job_kind": "outreach.dm"});
        assert_eq!(
            draft(&event("job_dead", &dm)).unwrap().subject_key,
            "outreach.dm"
        );
        assert_eq!(draft(&event("lead_scraped", &null)), None);
        for kind in NOTIFYING_EVENTS {
            let data = json!({"status": "restricted", "job_kind": "x"});
            assert!(draft(&event(kind, &data)).is_some(), "{kind}");
        }
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn a_burst_about_one_subject_folds_into_one() {
        let null = serde_json::Value::Null;
        let one = draft(&event("dm_replied", &null)).unwrap();
        let mut other = one.clone();
        other.subject_key = "other".into();
        let folded = fold([one.clone(), other, one.clone(), one]);
        assert_eq!(folded.len(), 2);
        assert_eq!(folded[0].count, 3);
        assert_eq!(folded[1].count, 1);
    }

    #[test]
    fn fifty_replies_make_one_digest_that_counts_them() {
        let items: Vec<DigestItem> = (0..50)
            .map(|i| DigestItem {
                kind: NotificationKind::Reply,
                title: format!("New reply from Lead {i} on LinkedIn"),
                count: 1,
            })
            .chain([DigestItem {
                kind: NotificationKind::AccountAttention,
                title: "Dana needs reconnecting".into(),
                count: 2,
            }])
            .collect();
        let d = digest("Acme", &items).unwrap();
        assert_eq!(d.text, "Acme: 50 new replies, 2 accounts needing attention");
        assert_eq!(d.lines.len(), DIGEST_LINES + 1);
        assert_eq!(d.lines.last().unwrap(), "…and 41 more in RevOS");
        assert_eq!(digest("Acme", &[]), None);
    }
}
