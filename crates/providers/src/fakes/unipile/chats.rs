//! The fake's chat listing, as api-notes.md documents Unipile v1's
//! `GET /chats?account_id&account_type&limit&cursor&before&after&unread`: a `ChatList` of the
//! account's chats, most recent first, each with the `timestamp` of its last message; `after`
//! and `before` (ISO 8601, exclusive) filter on that timestamp, `limit` is 1 to 250 (default
//! 100), and `cursor` (opaque) continues a listing until it comes back `null`.

use super::{FakeUnipile, lock, problem};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// An ISO 8601 instant of a query parameter; `Err` names the parameter.
#[allow(clippy::result_large_err)] // a test fake: the error is the answer itself
fn instant(q: &HashMap<String, String>, name: &str) -> Result<Option<DateTime<Utc>>, Response> {
    q.get(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    problem(
                        StatusCode::BAD_REQUEST,
                        "errors/invalid_parameters",
                        &format!("{name} must be an ISO 8601 date"),
                    )
                })
        })
        .transpose()
}

pub(super) async fn list_chats(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fault = match super::routes::gate(&s, &headers, "GET", "/chats".into()) {
        Ok(f) => f,
        Err(r) => return r,
    };
    super::routes::stall(&fault).await;
    let (after, before) = match (instant(&q, "after"), instant(&q, "before")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100)
        .clamp(1, 250);
    let start: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let account = q.get("account_id");
    let mut chats: Vec<(String, super::Chat)> = lock(&s.world)
        .chats
        .iter()
        .filter(|(_, c)| match (account, &c.account) {
            (Some(wanted), Some(owner)) => wanted == owner,
            _ => true,
        })
        .filter(|(_, c)| after.is_none_or(|a| c.last_message_at > a))
        .filter(|(_, c)| before.is_none_or(|b| c.last_message_at < b))
        .map(|(id, c)| (id.clone(), c.clone()))
        .collect();
    chats.sort_by(|a, b| {
        b.1.last_message_at
            .cmp(&a.1.last_message_at)
            .then(a.0.cmp(&b.0))
    });
    let items: Vec<Value> = chats
        .iter()
        .skip(start)
        .take(limit)
        .map(|(id, c)| {
            json!({"object": "Chat", "id": id, "account_id": c.account, "account_type": "LINKEDIN",
                   "attendee_provider_id": c.attendee, "unread_count": 0,
                   "timestamp": c.last_message_at.to_rfc3339_opts(SecondsFormat::Millis, true)})
        })
        .collect();
    let next = (start + limit < chats.len()).then(|| (start + limit).to_string());
    Json(json!({"object": "ChatList", "items": items, "cursor": next})).into_response()
}
