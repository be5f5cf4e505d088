//! A fake PostHog (`api-notes.md` §4): `POST /batch/` with `api_key` in the JSON body and a
//! `batch` of events (each needing `event` and a `distinct_id`, in the event or in its
//! `properties`), answered `200 {"status":1}`; a body without a known key gets 401, a
//! malformed one 400. It records every accepted batch as sent and, like PostHog, counts an
//! event once per `uuid` however often it arrives. Faults (500, 429 with `Retry-After`, a
//! stall the client times out on) can be queued one per request or set to hit every request
//! (an outage) until cleared.

use super::Fault;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

/// The fake's state: the project keys it knows, the accepted batches, every request seen, and
/// the faults to inject.
#[derive(Default)]
pub struct FakePostHog {
    keys: Mutex<HashSet<String>>,
    batches: Mutex<Vec<Value>>,
    requests: Mutex<u64>,
    faults: Mutex<VecDeque<Fault>>,
    always: Mutex<Option<Fault>>,
}

/// A running fake PostHog.
pub struct Running {
    /// The host to configure (`REVOS_POSTHOG_URL`), without a trailing slash.
    pub base_url: String,
    /// The fake's state.
    pub state: Arc<FakePostHog>,
}

impl FakePostHog {
    /// Starts a fake PostHog on a random loopback port accepting the project key `api_key`.
    pub async fn start(api_key: &str) -> Running {
        let state = Arc::new(FakePostHog::default());
        state.add_key(api_key);
        let router = Router::new()
            .route("/batch/", post(batch))
            .with_state(Arc::clone(&state));
        let (base, _) = super::serve(router).await;
        Running {
            base_url: base,
            state,
        }
    }

    /// Accepts the project key `api_key` too (another workspace's project).
    pub fn add_key(&self, api_key: &str) {
        lock(&self.keys).insert(api_key.to_owned());
    }

    /// Queues faults: each request consumes one until none are left.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.faults).extend(faults);
    }

    /// Makes every request fail with `fault` (an outage), or none.
    pub fn fail_always(&self, fault: Option<Fault>) {
        *lock(&self.always) = fault;
    }

    /// The accepted batch bodies, in the order they arrived.
    pub fn batches(&self) -> Vec<Value> {
        lock(&self.batches).clone()
    }

    /// Every accepted event, in arrival order, duplicates included.
    pub fn received(&self) -> Vec<Value> {
        lock(&self.batches)
            .iter()
            .flat_map(|b| b["batch"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// The events as PostHog stores them: the first arrival of each `uuid`, in arrival order.
    pub fn events(&self) -> Vec<Value> {
        let mut seen = HashSet::new();
        self.received()
            .into_iter()
            .filter(|e| match e["uuid"].as_str() {
                Some(id) => seen.insert(id.to_owned()),
                None => true,
            })
            .collect()
    }

    /// How many requests arrived, failed ones included.
    pub fn requests(&self) -> u64 {
        *lock(&self.requests)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn error(status: StatusCode, kind: &str, detail: &str) -> Response {
    (
        status,
        axum::Json(json!({"type": kind, "code": kind, "detail": detail, "attr": null})),
    )
        .into_response()
}

/// Whether `event` has what PostHog requires of a batch item.
fn valid(event: &Value) -> bool {
    let named = event["event"].as_str().is_some_and(|e| !e.is_empty());
    let distinct = event["distinct_id"]
        .as_str()
        .or_else(|| event["properties"]["distinct_id"].as_str())
        .is_some_and(|d| !d.is_empty());
    named && distinct
}

async fn batch(State(state): State<Arc<FakePostHog>>, body: Bytes) -> Response {
    *lock(&state.requests) += 1;
    let fault = lock(&state.faults)
        .pop_front()
        .or_else(|| lock(&state.always).clone());
    match fault {
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut resp = error(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "Rate limit exceeded",
            );
            if let Ok(v) = retry_after_secs.to_string().parse() {
                resp.headers_mut().insert("retry-after", v);
            }
            return resp;
        }
        Some(Fault::ServerError) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "error");
        }
        Some(Fault::Stall(ms)) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "error");
        }
        Some(Fault::StallAfterEffect(ms)) => {
            if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                lock(&state.batches).push(v);
            }
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            return (StatusCode::OK, axum::Json(json!({"status": 1}))).into_response();
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
            return error(status, "validation_error", "injected");
        }
        Some(Fault::Malformed) => return (StatusCode::OK, "<html>").into_response(),
        Some(Fault::Huge(bytes)) => return super::huge_json(bytes),
        Some(Fault::Redirect(url)) => return super::redirect(&url),
        None => {}
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "Malformed request data",
        );
    };
    let known = body["api_key"]
        .as_str()
        .is_some_and(|k| lock(&state.keys).contains(k));
    if !known {
        return error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "Project API key invalid",
        );
    }
    let items_ok = body["batch"]
        .as_array()
        .is_some_and(|items| !items.is_empty() && items.iter().all(valid));
    if !items_ok {
        return error(StatusCode::BAD_REQUEST, "validation_error", "Invalid batch");
    }
    lock(&state.batches).push(body);
    (StatusCode::OK, axum::Json(json!({"status": 1}))).into_response()
}
