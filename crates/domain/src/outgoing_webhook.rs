//! Outgoing webhooks, the pure part: which events of the log a workspace may subscribe an
//! endpoint to, the JSON body each delivery carries, when a failed delivery is tried again
//! (exponential backoff inside a 24-hour window) and when a failing endpoint is turned off,
//! and the signature in the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the
//! bytes of a `whsec_<base64>` secret).

use crate::validation::ValidationErrors;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use hmac::{KeyInit, Mac};
use uuid::Uuid;

/// The event kinds an endpoint may subscribe to, with how the settings page names them: the
/// pipeline's steps of a lead and the approval workflow of a post.
pub const EVENT_TYPES: [(&str, &str); 17] = [
    ("lead_scraped", "Lead created (commented a trigger word)"),
    ("lead_enriched", "Lead enriched"),
    ("dm_queued", "DM queued"),
    ("dm_sent", "DM sent"),
    ("magnet_opened", "Opened the lead magnet link"),
    ("dm_replied", "Replied to the DM"),
    ("email_sequenced", "Added to the email sequence"),
    ("email_not_sequenced", "Not added to the email sequence"),
    ("email_bounced", "Email bounced"),
    ("email_sequence_stopped", "Email sequence stopped"),
    ("email_replied", "Replied by email"),
    ("opted_out", "Opted out"),
    ("post_submitted", "Post submitted for approval"),
    ("post_approved", "Post approved"),
    ("post_rejected", "Post rejected"),
    ("post_scheduled", "Post scheduled"),
    ("post_published", "Post published"),
];

/// The event appended when the worker turns a failing endpoint off (the notifier tells the
/// workspace).
pub const ENDPOINT_DISABLED_EVENT: &str = "webhook_endpoint_disabled";

/// How old an event must be before it is delivered: a transaction that appended an older
/// event of the same lead may commit after one with a newer event (PostgreSQL), and the newer
/// must not go out first. Longer than any transaction that appends an event.
pub const SETTLE: TimeDelta = TimeDelta::seconds(5);

/// How long a rotated signing secret keeps signing beside the new one, so a receiver can
/// switch to the new secret without refusing a delivery meanwhile (the header then carries
/// both signatures, space-separated, as the Standard Webhooks specification allows).
pub const SECRET_OVERLAP: TimeDelta = TimeDelta::hours(24);

/// How long a delivery is tried: its last attempt is this long after it was queued.
pub const RETRY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// How long every attempt to an endpoint must have failed before it is turned off.
pub const DISABLE_AFTER: TimeDelta = TimeDelta::hours(24);

/// The wait after the first failed attempt; each further failure doubles it.
const FIRST_BACKOFF: TimeDelta = TimeDelta::seconds(30);

/// The longest wait between two attempts.
const MAX_BACKOFF: TimeDelta = TimeDelta::hours(6);

/// The longest wait a receiver's `Retry-After` may ask for.
const MAX_RETRY_AFTER: TimeDelta = TimeDelta::hours(6);

/// Where one delivery of an event to an endpoint stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// An attempt got a 2xx answer.
    Delivered,
    /// Every attempt of its 24-hour window failed.
    Failed,
}

impl DeliveryState {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }
}

/// The prefix of a signing secret's text.
pub const SECRET_PREFIX: &str = "whsec_";

/// Parses an endpoint's event filter: 1 to [`EVENT_TYPES`] distinct known kinds, each error
/// naming its item (`field[i]`).
pub fn parse_event_types(field: &str, raw: &[String]) -> Result<Vec<String>, ValidationErrors> {
    let mut errors = Vec::new();
    if raw.is_empty() {
        return Err(ValidationErrors::single(
            field,
            "must name at least one event type",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, kind) in raw.iter().enumerate() {
        if !EVENT_TYPES.iter().any(|(k, _)| k == kind) {
            let known: Vec<&str> = EVENT_TYPES.iter().map(|(k, _)| *k).collect();
            errors.push(crate::FieldError {
                field: format!("{field}[{i}]"),
                message: format!("must be one of {}", known.join(", ")),
            });
        } else if !out.contains(kind) {
            out.push(kind.clone());
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ValidationErrors(errors))
    }
}

/// The JSON body of one delivery: `type` (the event kind), `timestamp` (when it happened,
/// RFC 3339) and `data` (the event's own data, with its id, workspace and subject added).
pub fn payload(
    kind: &str,
    event: Uuid,
    workspace: Uuid,
    subject: Option<Uuid>,
    data: &str,
    at: DateTime<Utc>,
) -> String {
    let mut body = match serde_json::from_str::<serde_json::Value>(data) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    body.insert("event_id".into(), event.to_string().into());
    body.insert("workspace_id".into(), workspace.to_string().into());
    body.insert(
        "subject_id".into(),
        subject.map_or(serde_json::Value::Null, |s| s.to_string().into()),
    );
    serde_json::json!({
        "type": kind,
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": body,
    })
    .to_string()
}

/// The wait after `failures` failed attempts (from 1): 30 s, 1 min, 2 min, … at most 6 h.
pub fn backoff(failures: u32) -> TimeDelta {
    let doublings = failures.saturating_sub(1).min(20);
    (FIRST_BACKOFF * 2_i32.pow(doublings)).min(MAX_BACKOFF)
}

/// When a delivery queued at `queued_at` that failed for the `failures`th time at `now` is
/// tried next (after the backoff, or the receiver's `Retry-After` when longer, and never
/// after the window's end, where the last attempt is made), or `None` when its window is
/// over and it has failed for good.
pub fn next_attempt(
    queued_at: DateTime<Utc>,
    failures: u32,
    retry_after: Option<TimeDelta>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let end = queued_at + RETRY_WINDOW;
    if now >= end {
        return None;
    }
    let wait = backoff(failures).max(retry_after.map_or(TimeDelta::zero(), |r| {
        r.clamp(TimeDelta::zero(), MAX_RETRY_AFTER)
    }));
    Some((now + wait).min(end))
}

/// Whether an endpoint whose attempts have all failed since `failing_since` is to be turned
/// off at `now`: they failed for [`DISABLE_AFTER`], or a delivery has just failed for good
/// (its whole retry window) and its first attempt, at `failed_delivery_from`, already failed
/// as part of this streak.
pub fn should_disable(
    failing_since: DateTime<Utc>,
    failed_delivery_from: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    now - failing_since >= DISABLE_AFTER
        || failed_delivery_from.is_some_and(|first| failing_since <= first)
}

/// A signing secret whose text is not `whsec_` followed by base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a signing secret must be whsec_ followed by base64")]
pub struct InvalidSecret;

/// The text of a new signing secret made of `bytes` (random, from the caller).
pub fn secret_text(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` header of a message: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` keyed with the secret's decoded bytes.
pub fn signature(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, InvalidSecret> {
    let key = secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|b| STANDARD.decode(b).ok())
        .filter(|k| !k.is_empty())
        .ok_or(InvalidSecret)?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(|_| InvalidSecret)?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header of a message signed with each of `secrets` (the current
/// one first, then one in its overlap): their [`signature`]s, space-separated.
pub fn signatures(
    secrets: &[&str],
    id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, InvalidSecret> {
    let each: Result<Vec<String>, InvalidSecret> = secrets
        .iter()
        .map(|s| signature(s, id, timestamp, body))
        .collect();
    Ok(each?.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_example_signs_as_documented() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(signature("MfKQ9r8", id, 1, body), Err(InvalidSecret));
        assert_eq!(signature("whsec_!!", id, 1, body), Err(InvalidSecret));
    }

    #[test]
    fn retries_back_off_exponentially_and_end_with_the_window() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(backoff(1), TimeDelta::seconds(30));
        assert_eq!(backoff(2), TimeDelta::seconds(60));
        assert_eq!(backoff(5), TimeDelta::minutes(8));
        assert_eq!(backoff(40), TimeDelta::hours(6));
        assert_eq!(
            next_attempt(t0, 1, None, t0),
            Some(t0 + TimeDelta::seconds(30))
        );
        // A longer Retry-After wins, within limits.
        assert_eq!(
            next_attempt(t0, 1, Some(TimeDelta::minutes(5)), t0),
            Some(t0 + TimeDelta::minutes(5))
        );
        // The last attempt is at the window's end; after it, the delivery has failed.
        let late = t0 + TimeDelta::hours(22);
        assert_eq!(next_attempt(t0, 13, None, late), Some(t0 + RETRY_WINDOW));
        assert_eq!(next_attempt(t0, 14, None, t0 + RETRY_WINDOW), None);
        // Walking the schedule: every attempt inside the window, about a dozen of them.
        let (mut now, mut attempts) = (t0, 1);
        while let Some(next) = next_attempt(t0, attempts, None, now) {
            assert!(next > now && next <= t0 + RETRY_WINDOW);
            now = next;
            attempts += 1;
        }
        assert!((10..=16).contains(&attempts), "{attempts} attempts");
        assert!(should_disable(t0, None, t0 + DISABLE_AFTER));
        assert!(!should_disable(t0, None, t0 + TimeDelta::hours(23)));
        // A delivery whose whole window failed within the streak turns it off; one that
        // started before a success (the streak began later) does not.
        let end = t0 + RETRY_WINDOW;
        assert!(should_disable(t0, Some(t0), end));
        assert!(!should_disable(t0 + TimeDelta::hours(1), Some(t0), end));
    }

    #[test]
    fn filters_name_the_bad_item_and_drop_repeats() {
        let ok = parse_event_types("events", &["dm_sent".into(), "dm_sent".into()]).unwrap();
        assert_eq!(ok, vec!["dm_sent".to_owned()]);
        let err = parse_event_types("events", &["dm_sent".into(), "gossip".into()]).unwrap_err();
        assert_eq!(err.0[0].field, "events[1]");
        assert_eq!(
            parse_event_types("events", &[]).unwrap_err().0[0].field,
            "events"
        );
    }

    #[test]
    fn payloads_carry_type_timestamp_and_the_event_data() {
        let (event, ws, lead) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let data = format!(r#"{{"lead_id":"{lead}","cost":0.02}}"#);
        let body: serde_json::Value =
            serde_json::from_str(&payload("dm_sent", event, ws, Some(lead), &data, at)).unwrap();
        assert_eq!(body["type"], "dm_sent");
        assert_eq!(body["timestamp"], "2026-12-01T10:00:00.000Z");
        assert_eq!(body["data"]["lead_id"], lead.to_string());
        assert_eq!(body["data"]["event_id"], event.to_string());
        assert_eq!(body["data"]["workspace_id"], ws.to_string());
        assert_eq!(body["data"]["cost"], 0.02);
    }
}
