//! A fake Slack incoming webhook (`api-notes.md` §8): `POST /services/T…/B…/X…` with a JSON
//! body carrying `text` (or `blocks`), answered `200 ok` in plain text; errors are plain-text
//! codes (`400 invalid_payload`, `400 no_text`, `404 no_service`, `500 rollup_error`, `429`
//! with `Retry-After`). Faults can be queued one per request, or set to hit every request.

use super::Fault;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The fake's state: the messages accepted, every request seen, and the faults to inject.
#[derive(Default)]
pub struct FakeSlack {
    messages: Mutex<Vec<Value>>,
    requests: Mutex<u64>,
    faults: Mutex<VecDeque<Fault>>,
    always: Mutex<Option<Fault>>,
}

/// A running fake Slack.
pub struct Running {
    /// The incoming-webhook URL to give a workspace.
    pub webhook_url: String,
    /// The fake's state.
    pub state: Arc<FakeSlack>,
}

impl FakeSlack {
    /// Starts a fake Slack on a random loopback port.
    pub async fn start() -> Running {
        let state = Arc::new(FakeSlack::default());
        let router = Router::new()
            .route("/services/{team}/{bot}/{secret}", post(incoming))
            .with_state(Arc::clone(&state));
        let (base, _) = super::serve(router).await;
        Running {
            webhook_url: format!("{base}/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX"),
            state,
        }
    }

    /// Queues faults: each request consumes one until none are left.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.faults).extend(faults);
    }

    /// Makes every request fail with `fault` (a revoked webhook, an outage), or none.
    pub fn fail_always(&self, fault: Option<Fault>) {
        *lock(&self.always) = fault;
    }

    /// The JSON bodies of the messages Slack accepted, in order.
    pub fn messages(&self) -> Vec<Value> {
        lock(&self.messages).clone()
    }

    /// How many requests arrived, failed ones included.
    pub fn requests(&self) -> u64 {
        *lock(&self.requests)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn plain(status: StatusCode, code: &'static str) -> Response {
    (status, [("content-type", "text/plain")], code).into_response()
}

async fn incoming(
    State(state): State<Arc<FakeSlack>>,
    Path((_team, _bot, _secret)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    *lock(&state.requests) += 1;
    let fault = lock(&state.faults)
        .pop_front()
        .or_else(|| lock(&state.always).clone());
    match fault {
        Some(Fault::RateLimited { retry_after_secs }) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", retry_after_secs.to_string())],
                "rate_limited",
            )
                .into_response();
        }
        Some(Fault::ServerError) => {
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "rollup_error");
        }
        Some(Fault::Stall(ms)) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "rollup_error");
        }
        Some(Fault::StallAfterEffect(ms)) => {
            if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                lock(&state.messages).push(v);
            }
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            return plain(StatusCode::OK, "ok");
        }
        Some(Fault::Status(404)) => return plain(StatusCode::NOT_FOUND, "no_service"),
        Some(Fault::Status(410)) => return plain(StatusCode::GONE, "channel_is_archived"),
        Some(Fault::Status(403)) => return plain(StatusCode::FORBIDDEN, "action_prohibited"),
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
            return plain(status, "invalid_payload");
        }
        Some(Fault::Malformed) => return plain(StatusCode::OK, "<html>not ok</html>"),
        Some(Fault::Huge(bytes)) => return super::huge_json(bytes),
        Some(Fault::Redirect(url)) => return super::redirect(&url),
        None => {}
    }
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return plain(StatusCode::BAD_REQUEST, "invalid_payload");
    };
    let has_text = message["text"].as_str().is_some_and(|t| !t.is_empty());
    if !has_text && message.get("blocks").is_none() {
        return plain(StatusCode::BAD_REQUEST, "no_text");
    }
    if let Some(blocks) = message.get("blocks")
        && !blocks
            .as_array()
            .is_some_and(|b| b.iter().all(|b| b["type"].is_string()))
    {
        return plain(StatusCode::BAD_REQUEST, "invalid_blocks");
    }
    lock(&state.messages).push(message);
    plain(StatusCode::OK, "ok")
}
