//! Fake Instantly (v2) and Smartlead servers: campaigns that collect leads, skipping ones
//! already enrolled as the real services do, with injectable faults.

use super::Fault;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The state both fakes share in shape: leads per campaign and queued faults.
#[derive(Default)]
pub struct FakeSequencer {
    campaigns: Mutex<HashMap<String, Vec<Value>>>,
    faults: Mutex<VecDeque<Fault>>,
    calls: Mutex<usize>,
}

/// A running fake.
pub struct Running {
    /// Base URL to configure the client with.
    pub base_url: String,
    /// The fake's state.
    pub state: Arc<FakeSequencer>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl FakeSequencer {
    /// Starts a fake Instantly API v2 (`…/api/v2`).
    pub async fn start_instantly() -> Running {
        let state = Arc::new(FakeSequencer::default());
        let router = Router::new()
            .route("/api/v2/leads/add", post(instantly_add))
            .with_state(Arc::clone(&state));
        let (base, _) = super::serve(router).await;
        Running {
            base_url: format!("{base}/api/v2"),
            state,
        }
    }

    /// Starts a fake Smartlead API (`…/api/v1`).
    pub async fn start_smartlead() -> Running {
        let state = Arc::new(FakeSequencer::default());
        let router = Router::new()
            .route("/api/v1/campaigns/{id}/leads", post(smartlead_add))
            .with_state(Arc::clone(&state));
        let (base, _) = super::serve(router).await;
        Running {
            base_url: format!("{base}/api/v1"),
            state,
        }
    }

    /// Queues faults: each request consumes one until none are left.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.faults).extend(faults);
    }

    /// The leads enrolled in `campaign`, in order.
    pub fn leads(&self, campaign: &str) -> Vec<Value> {
        lock(&self.campaigns)
            .get(campaign)
            .cloned()
            .unwrap_or_default()
    }

    /// How many requests arrived.
    pub fn calls(&self) -> usize {
        *lock(&self.calls)
    }

    /// Applies the next fault; `Err` is the answer to give instead.
    async fn fault(&self) -> Result<Option<Fault>, Box<Response>> {
        *lock(&self.calls) += 1;
        let fault = lock(&self.faults).pop_front();
        match fault {
            Some(Fault::RateLimited { retry_after_secs }) => Err(Box::new(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", retry_after_secs.to_string())],
                    Json(json!({"statusCode": 429, "error": "Too Many Requests", "message": "Rate limit exceeded"})),
                )
                    .into_response(),
            )),
            Some(Fault::ServerError) => Err(Box::new((StatusCode::BAD_GATEWAY, "bad gateway").into_response())),
            Some(Fault::Malformed) => Err(Box::new((StatusCode::OK, "not json").into_response())),
            Some(Fault::Status(code)) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
                Err(Box::new(
                    (status, Json(json!({"statusCode": code, "error": "Bad Request", "message": "injected"}))).into_response(),
                ))
            }
            Some(Fault::Stall(ms)) => {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                Ok(None)
            }
            Some(Fault::Huge(bytes)) => Err(Box::new(super::huge_json(bytes))),
            Some(Fault::Redirect(url)) => Err(Box::new(super::redirect(&url))),
            other => Ok(other),
        }
    }

    /// Enrols `lead` unless its email is already in `campaign`; true when added.
    fn enrol(&self, campaign: &str, lead: Value) -> bool {
        let mut campaigns = lock(&self.campaigns);
        let leads = campaigns.entry(campaign.to_owned()).or_default();
        let email = lead["email"].as_str().unwrap_or_default().to_lowercase();
        if leads
            .iter()
            .any(|l| l["email"].as_str().unwrap_or_default().to_lowercase() == email)
        {
            return false;
        }
        leads.push(lead);
        true
    }
}

async fn stall_after(fault: Option<Fault>) {
    if let Some(Fault::StallAfterEffect(ms)) = fault {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

async fn instantly_add(
    State(s): State<Arc<FakeSequencer>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid API key"})),
        )
            .into_response();
    }
    let fault = match s.fault().await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let campaign = body["campaign_id"].as_str().unwrap_or_default().to_owned();
    let leads = body["leads"].as_array().cloned().unwrap_or_default();
    let total = leads.len();
    let uploaded = leads
        .into_iter()
        .filter(|l| s.enrol(&campaign, l.clone()))
        .count();
    stall_after(fault).await;
    Json(json!({"status": "success", "total_sent": total, "leads_uploaded": uploaded, "skipped_count": total - uploaded})).into_response()
}

async fn smartlead_add(
    State(s): State<Arc<FakeSequencer>>,
    Path(campaign): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Response {
    if !q.contains_key("api_key") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "api_key is required"})),
        )
            .into_response();
    }
    let fault = match s.fault().await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let leads = body["lead_list"].as_array().cloned().unwrap_or_default();
    let total = leads.len();
    let uploaded = leads
        .into_iter()
        .filter(|l| s.enrol(&campaign, l.clone()))
        .count();
    stall_after(fault).await;
    Json(json!({"ok": true, "upload_count": uploaded, "total_leads": total, "already_added_to_campaign": total - uploaded}))
        .into_response()
}
