//! Fake Instantly (v2) and Smartlead servers: campaigns that collect leads, skipping ones
//! already enrolled as the real services do, and that stop a lead as documented (Instantly:
//! `POST /leads/list` by campaign and address, `DELETE /leads/{id}`; Smartlead: `GET
//! /leads/?email=`, `POST /campaigns/{id}/leads/{lead_id}/pause`), with injectable faults.
//! [`FakeSequencer::bounce`] does what the services do when mail to an address bounces in a
//! campaign: Instantly sets the lead's status there to -1, Smartlead to `BLOCKED`.

use super::Fault;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The state both fakes share in shape: leads per campaign (each with the provider's `id`
/// and `status`), queued faults, and every request's method and path.
#[derive(Default)]
pub struct FakeSequencer {
    campaigns: Mutex<HashMap<String, Vec<Value>>>,
    faults: Mutex<VecDeque<Fault>>,
    calls: Mutex<usize>,
    requests: Mutex<Vec<(String, String)>>,
    /// Smartlead's lead ids, one per address across campaigns.
    ids: Mutex<HashMap<String, u64>>,
    next_id: Mutex<u64>,
    smartlead: bool,
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
            .route("/api/v2/leads/list", post(instantly_list))
            .route("/api/v2/leads/{id}", delete(instantly_delete))
            .with_state(Arc::clone(&state));
        let (base, _) = super::serve(router).await;
        Running {
            base_url: format!("{base}/api/v2"),
            state,
        }
    }

    /// Starts a fake Smartlead API (`…/api/v1`).
    pub async fn start_smartlead() -> Running {
        let state = Arc::new(FakeSequencer {
            smartlead: true,
            ..FakeSequencer::default()
        });
        let router = Router::new()
            .route("/api/v1/campaigns/{id}/leads", post(smartlead_add))
            .route("/api/v1/leads/", get(smartlead_lead_by_email))
            .route(
                "/api/v1/campaigns/{id}/leads/{lead}/pause",
                post(smartlead_pause),
            )
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

    /// Every request's method and path (without the query), in order of arrival.
    pub fn requests(&self) -> Vec<(String, String)> {
        lock(&self.requests).clone()
    }

    /// What the service does when mail to `email` bounces in `campaign`: the lead stops
    /// there (Instantly status -1, Smartlead `BLOCKED`).
    pub fn bounce(&self, campaign: &str, email: &str) {
        let status = if self.smartlead {
            json!("BLOCKED")
        } else {
            json!(-1)
        };
        for lead in lock(&self.campaigns)
            .get_mut(campaign)
            .into_iter()
            .flatten()
        {
            if same_email(lead, email) {
                lead["status"] = status.clone();
            }
        }
    }

    fn log(&self, method: &str, path: &str) {
        lock(&self.requests).push((method.to_owned(), path.to_owned()));
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
    fn enrol(&self, campaign: &str, mut lead: Value) -> bool {
        let email = lead["email"].as_str().unwrap_or_default().to_lowercase();
        let mut campaigns = lock(&self.campaigns);
        let leads = campaigns.entry(campaign.to_owned()).or_default();
        if leads.iter().any(|l| same_email(l, &email)) {
            return false;
        }
        let id = {
            let mut next = lock(&self.next_id);
            let mut ids = lock(&self.ids);
            let mut fresh = || {
                *next += 1;
                *next
            };
            if self.smartlead {
                *ids.entry(email).or_insert_with(fresh)
            } else {
                fresh()
            }
        };
        if self.smartlead {
            lead["id"] = json!(id);
            lead["status"] = json!("STARTED");
        } else {
            lead["id"] = json!(format!("0190c0de-0000-7000-8000-{id:012}"));
            lead["campaign"] = json!(campaign);
            lead["status"] = json!(1);
        }
        leads.push(lead);
        true
    }
}

fn same_email(lead: &Value, email: &str) -> bool {
    lead["email"]
        .as_str()
        .is_some_and(|e| e.eq_ignore_ascii_case(email))
}

fn instantly_authorized(headers: &HeaderMap) -> Result<(), Box<Response>> {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if authorized {
        return Ok(());
    }
    Err(Box::new(
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid API key"})),
        )
            .into_response(),
    ))
}

fn smartlead_authorized(q: &HashMap<String, String>) -> Result<(), Box<Response>> {
    if q.contains_key("api_key") {
        return Ok(());
    }
    Err(Box::new(
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "api_key is required"})),
        )
            .into_response(),
    ))
}

/// `POST /leads/list`: the leads of `campaign` whose address is among `contacts`.
async fn instantly_list(
    State(s): State<Arc<FakeSequencer>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    s.log("POST", "/leads/list");
    if let Err(r) = instantly_authorized(&headers) {
        return *r;
    }
    if let Err(r) = s.fault().await {
        return *r;
    }
    let contacts: Vec<&str> = body["contacts"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let items: Vec<Value> = lock(&s.campaigns)
        .iter()
        .filter(|(c, _)| body["campaign"].as_str().is_none_or(|want| want == *c))
        .flat_map(|(_, leads)| leads.iter())
        .filter(|l| contacts.is_empty() || contacts.iter().any(|e| same_email(l, e)))
        .cloned()
        .collect();
    Json(json!({"items": items, "next_starting_after": null})).into_response()
}

/// `DELETE /leads/{id}`: removes the lead; 404 when there is none.
async fn instantly_delete(
    State(s): State<Arc<FakeSequencer>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    s.log("DELETE", &format!("/leads/{id}"));
    if let Err(r) = instantly_authorized(&headers) {
        return *r;
    }
    let fault = match s.fault().await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let removed = lock(&s.campaigns).values_mut().find_map(|leads| {
        let at = leads.iter().position(|l| l["id"] == id.as_str())?;
        Some(leads.remove(at))
    });
    stall_after(fault).await;
    match removed {
        Some(lead) => Json(lead).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"statusCode": 404, "error": "Not Found", "message": "Lead not found"})),
        )
            .into_response(),
    }
}

/// `GET /leads/?email=`: the lead with that address and the campaigns it is in.
async fn smartlead_lead_by_email(
    State(s): State<Arc<FakeSequencer>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    s.log("GET", "/leads/");
    if let Err(r) = smartlead_authorized(&q) {
        return *r;
    }
    if let Err(r) = s.fault().await {
        return *r;
    }
    let email = q.get("email").cloned().unwrap_or_default();
    let campaigns = lock(&s.campaigns);
    let mut found: Option<Value> = None;
    let mut data = Vec::new();
    for (campaign, leads) in campaigns.iter() {
        for lead in leads.iter().filter(|l| same_email(l, &email)) {
            let id = campaign
                .parse::<u64>()
                .map_or_else(|_| json!(campaign), |n| json!(n));
            data.push(
                json!({"campaign_id": id, "campaign_name": campaign, "lead_category_id": null}),
            );
            found.get_or_insert_with(|| lead.clone());
        }
    }
    match found {
        Some(mut lead) => {
            lead["lead_campaign_data"] = json!(data);
            Json(lead).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "Lead not found"})),
        )
            .into_response(),
    }
}

/// `POST /campaigns/{id}/leads/{lead}/pause`: pauses the lead in that campaign.
async fn smartlead_pause(
    State(s): State<Arc<FakeSequencer>>,
    Path((campaign, lead)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    s.log("POST", &format!("/campaigns/{campaign}/leads/{lead}/pause"));
    if let Err(r) = smartlead_authorized(&q) {
        return *r;
    }
    if let Err(r) = s.fault().await {
        return *r;
    }
    let mut campaigns = lock(&s.campaigns);
    let found = campaigns.get_mut(&campaign).and_then(|leads| {
        leads
            .iter_mut()
            .find(|l| l["id"].as_u64().is_some_and(|id| lead.parse() == Ok(id)))
    });
    match found {
        Some(l) => {
            l["status"] = json!("PAUSED");
            Json(json!({"ok": true, "data": "lead paused successfully"})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "Lead not found in the campaign"})),
        )
            .into_response(),
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
    s.log("POST", "/leads/add");
    if let Err(r) = instantly_authorized(&headers) {
        return *r;
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
    s.log("POST", &format!("/campaigns/{campaign}/leads"));
    if let Err(r) = smartlead_authorized(&q) {
        return *r;
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
