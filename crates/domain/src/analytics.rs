//! What a workspace's analytics export carries and how it waits: the properties of an event
//! that may leave RevOS (ids, codes, counts and costs, never a text a person or a lead wrote),
//! the person it is about when one acted, and the delay before the next attempt after the
//! analytics service failed (exponential, capped, never shorter than its `Retry-After`).

use serde_json::{Map, Value};
use std::time::Duration;
use uuid::Uuid;

/// Events one batch carries at most (PostHog's SDKs flush at 100).
pub const BATCH_SIZE: usize = 100;

/// The first retry's delay after a failed batch; it doubles per consecutive failure.
pub const RETRY_BASE: Duration = Duration::from_secs(10);

/// The longest wait between attempts while the analytics service is down.
pub const RETRY_CAP: Duration = Duration::from_secs(3600);

/// The properties an exported event may carry: identifiers, codes, flags, counts and costs.
/// Anything else in an event's data (a lead's name, a comment, a DM's or a post's text, an
/// e-mail address) stays in RevOS.
const EXPORTED: &[&str] = &[
    "campaign_id",
    "lead_id",
    "post_id",
    "cartridge_id",
    "conversation_id",
    "cost",
    "cost_usd",
    "credits",
    "found",
    "sandbox",
    "provider",
    "status",
    "type",
    "transient",
    "reason",
    "email_status",
    "require_verified",
    "source",
    "outcome",
    "edited",
    "budget_usd",
    "spent_usd",
    "model",
    "purpose",
    "prompt_tokens",
    "completion_tokens",
    "feature",
    "tool",
    "ok",
    "agent",
];

/// The data keys that name the member who acted (`post_approved` says `approved_by`).
const ACTOR_KEYS: &[&str] = &["by", "approved_by", "user_id"];

/// A string property is kept only when it is a code or an id: at most 64 characters of
/// `a-z A-Z 0-9 _ - . :` (a free-text `reason` someone typed is dropped).
fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// The exportable properties of an event's JSON `data`: the allowed keys with scalar values
/// (strings only when they are codes or ids); nulls and everything else are left out.
pub fn exported_properties(data: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(obj) = data.as_object() else {
        return out;
    };
    for key in EXPORTED {
        let keep = match obj.get(*key) {
            Some(Value::Bool(_) | Value::Number(_)) => true,
            Some(Value::String(s)) => is_code(s),
            _ => false,
        };
        if keep {
            out.insert((*key).to_owned(), obj[*key].clone());
        }
    }
    out
}

/// The member an event's data names as having acted, if any.
pub fn actor(data: &Value) -> Option<Uuid> {
    ACTOR_KEYS
        .iter()
        .find_map(|k| data.get(*k)?.as_str()?.parse().ok())
}

/// How long to wait before the next attempt after `failures` consecutive failed batches
/// (from 1): `RETRY_BASE · 2^(failures-1)` up to [`RETRY_CAP`], or the service's own
/// `Retry-After` when that is longer.
pub fn retry_delay(failures: u32, retry_after: Option<Duration>) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
    let backoff = RETRY_BASE.saturating_mul(factor).min(RETRY_CAP);
    retry_after.map_or(backoff, |r| r.max(backoff))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_ids_codes_and_numbers_leave() {
        let data = json!({
            "campaign_id": "0193a1b2-0000-7000-8000-000000000001", "cost": 0.02, "credits": 1,
            "found": true, "text": "Hi Jane, here is the guide", "final": "a whole post",
            "reason": "I did not like the tone of it", "provider": "apollo", "lead_id": null,
            "email": "jane@example.com",
        });
        let props = exported_properties(&data);
        assert_eq!(
            Value::Object(props),
            json!({"campaign_id": "0193a1b2-0000-7000-8000-000000000001", "cost": 0.02,
                   "credits": 1, "found": true, "provider": "apollo"})
        );
        assert_eq!(
            exported_properties(&json!({"reason": "email_bounced"}))["reason"],
            "email_bounced"
        );
        assert!(exported_properties(&json!("not an object")).is_empty());
    }

    #[test]
    fn the_actor_is_read_from_by_or_approved_by() {
        let u = Uuid::now_v7();
        assert_eq!(actor(&json!({"by": u})), Some(u));
        assert_eq!(actor(&json!({"approved_by": u.to_string()})), Some(u));
        assert_eq!(actor(&json!({"by": "someone"})), None);
        assert_eq!(actor(&json!({})), None);
    }

    #[test]
    fn delays_double_cap_and_honour_retry_after() {
        let secs: Vec<u64> = (1..=5).map(|n| retry_delay(n, None).as_secs()).collect();
        assert_eq!(secs, [10, 20, 40, 80, 160]);
        assert_eq!(retry_delay(40, None), RETRY_CAP);
        assert_eq!(
            retry_delay(1, Some(Duration::from_secs(120))),
            Duration::from_secs(120)
        );
        assert_eq!(
            retry_delay(5, Some(Duration::from_secs(1))),
            Duration::from_secs(160)
        );
    }
}
