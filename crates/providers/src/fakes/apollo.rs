//! A fake Apollo `POST /people/match`.

use super::Fault;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The fake's state: known people by LinkedIn URL, queued faults, and every request seen.
#[derive(Default)]
pub struct FakeApollo {
    people: Mutex<HashMap<String, Value>>,
    faults: Mutex<VecDeque<Fault>>,
    requests: Mutex<Vec<(HeaderMap, Value)>>,
    peers: Mutex<Vec<SocketAddr>>,
    revoked: Mutex<bool>,
}

/// A running fake Apollo.
pub struct Running {
    /// Base URL to configure the client with (`…/api/v1`).
    pub base_url: String,
    /// The fake's state.
    pub state: Arc<FakeApollo>,
}

impl FakeApollo {
    /// Starts a fake Apollo on a random loopback port.
    pub async fn start() -> Running {
        let state = Arc::new(FakeApollo::default());
        let router = Router::new()
            .route("/api/v1/people/match", post(matcher))
            .with_state(Arc::clone(&state));
        let (base, _) = super::serve(router).await;
        Running {
            base_url: format!("{base}/api/v1"),
            state,
        }
    }

    /// Makes `linkedin_url` match a person with this email, title and company.
    pub fn add_person(&self, linkedin_url: &str, email: &str, title: &str, company: &str) {
        let person = json!({
            "id": format!("p{}", self.people.lock().unwrap_or_else(|e| e.into_inner()).len()),
            "first_name": "Test", "name": "Test Person", "email": email, "email_status": "verified",
            "title": title, "linkedin_url": linkedin_url,
            "organization": {"name": company, "industry": "information technology & services", "estimated_num_employees": 120}
        });
        self.people
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(linkedin_url.to_owned(), person);
    }

    /// Gives the person behind `linkedin_url` this `email_status` (`verified`, `unverified`,
    /// `likely to engage`, `unavailable`, ...), or none at all.
    pub fn set_email_status(&self, linkedin_url: &str, status: Option<&str>) {
        if let Some(person) = self
            .people
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(linkedin_url)
        {
            person["email_status"] = status.map_or(Value::Null, |s| Value::String(s.to_owned()));
        }
    }

    /// Queues faults: each request consumes one until none are left.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(faults);
    }

    /// Revokes the API key (every request is refused `401` as with no key, until it is
    /// restored), or restores it: an account whose key was rotated or disabled.
    pub fn set_key_revoked(&self, revoked: bool) {
        *self.revoked.lock().unwrap_or_else(|e| e.into_inner()) = revoked;
    }

    /// The client address of each request received so far: one address for two requests
    /// means they came on one TCP connection (a shared, reused connection pool).
    pub fn peers(&self) -> Vec<SocketAddr> {
        self.peers.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The requests received so far (headers and JSON body).
    pub fn requests(&self) -> Vec<(HeaderMap, Value)> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

async fn matcher(
    State(state): State<Arc<FakeApollo>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    state
        .peers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(peer);
    state
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((headers.clone(), body.clone()));
    if headers.get("x-api-key").is_none()
        || *state.revoked.lock().unwrap_or_else(|e| e.into_inner())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Invalid access credentials."})),
        )
            .into_response();
    }
    let fault = state
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop_front();
    match fault {
        Some(Fault::RateLimited { retry_after_secs }) => {
            let body = json!({
                "message": "The maximum number of api calls allowed for api/v1/people/match is 600 times per hour.",
                "error_details": {"code": "USAGE.RATE_LIMIT.API_RATE_LIMIT_EXCEEDED"}
            });
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", retry_after_secs.to_string())],
                Json(body),
            )
                .into_response();
        }
        Some(Fault::ServerError) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "upstream exploded").into_response();
        }
        Some(Fault::Stall(ms) | Fault::StallAfterEffect(ms)) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        Some(Fault::Malformed) => return (StatusCode::OK, "<html>not json</html>").into_response(),
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
            let body = json!({"status": "failed", "error_code": "INVALID_REQUEST", "error_message": "invalid request"});
            return (status, Json(body)).into_response();
        }
        Some(Fault::Huge(bytes)) => return super::huge_json(bytes),
        Some(Fault::Redirect(url)) => return super::redirect(&url),
        None => {}
    }
    let url = body["linkedin_url"].as_str().unwrap_or_default();
    let person = state
        .people
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(url)
        .cloned();
    Json(json!({ "person": person })).into_response()
}
