//! The fake's hosted-auth flow, as api-notes.md documents Unipile v1's: `POST
//! /hosted/accounts/link` (`type` `create` or `reconnect`, `name`, `notify_url`,
//! `success_redirect_url`, `reconnect_account`) answers a `HostedAuthUrl` whose page lets a
//! person "connect" a LinkedIn account; finishing it makes the account (or marks the
//! reconnected one `OK`), posts `{status, account_id, name}` to `notify_url` (`CREATION_SUCCESS`
//! or `RECONNECTED`) and sends the browser to `success_redirect_url`.

use super::routes::gate;
use super::{FakeUnipile, lock, problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, HOST, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// A hosted-auth link the fake handed out.
#[derive(Clone, Debug)]
pub struct HostedLink {
    /// The request body as sent.
    pub body: Value,
    /// Whether its page was finished (a link is used once).
    pub used: bool,
}

/// `POST /hosted/accounts/link`.
pub(super) async fn create_link(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = gate(&s, &headers, "POST", "/hosted/accounts/link".into()) {
        return r;
    }
    let kind = body["type"].as_str().unwrap_or_default();
    if !matches!(kind, "create" | "reconnect")
        || body["api_url"].as_str().is_none()
        || body["expiresOn"].as_str().is_none()
        || (kind == "reconnect" && body["reconnect_account"].as_str().is_none())
    {
        return problem(
            StatusCode::BAD_REQUEST,
            "errors/invalid_parameters",
            "type (create|reconnect), api_url and expiresOn are required; reconnect needs reconnect_account",
        );
    }
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    let id = {
        let mut w = lock(&s.world);
        w.next_id += 1;
        let id = format!("hl{}", w.next_id);
        w.hosted
            .insert(id.clone(), HostedLink { body, used: false });
        id
    };
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("account.unipile.test");
    Json(
        json!({"object": "HostedAuthUrl", "url": format!("http://{host}/hosted/{id}?name={name}")}),
    )
    .into_response()
}

/// `GET /hosted/{id}`: the page a person connects their account on.
pub(super) async fn page(State(s): State<Arc<FakeUnipile>>, Path(id): Path<String>) -> Response {
    let Some(link) = lock(&s.world).hosted.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "unknown link").into_response();
    };
    let what = match link.body["type"].as_str() {
        Some("reconnect") => "Reconnect your LinkedIn account",
        _ => "Connect your LinkedIn account",
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Unipile (fake)</title></head>\
         <body><main><h1>{what}</h1><form method=\"post\" action=\"/hosted/{id}\">\
         <button type=\"submit\">{what}</button></form></main></body></html>"
    ))
    .into_response()
}

/// `POST /hosted/{id}`: the person finished; the account is made (or reconnected), RevOS is
/// notified, and the browser goes back.
pub(super) async fn finish(State(s): State<Arc<FakeUnipile>>, Path(id): Path<String>) -> Response {
    let (body, account) = {
        let mut w = lock(&s.world);
        w.next_id += 1;
        let n = w.next_id;
        let Some(link) = w.hosted.get_mut(&id) else {
            return (StatusCode::NOT_FOUND, "unknown link").into_response();
        };
        if link.used {
            return (StatusCode::GONE, "this link was used").into_response();
        }
        link.used = true;
        let body = link.body.clone();
        let account = body["reconnect_account"]
            .as_str()
            .map_or_else(|| format!("hosted{n}"), str::to_owned);
        (body, account)
    };
    let status = if body["type"] == "reconnect" {
        s.set_account_status(&account, "OK");
        "RECONNECTED"
    } else {
        s.add_account(&account, &format!("Hosted Person {account}"));
        "CREATION_SUCCESS"
    };
    if let Some(notify) = body["notify_url"].as_str() {
        let notice = json!({"status": status, "account_id": account, "name": body["name"]});
        let sent = reqwest::Client::new()
            .post(notify)
            .json(&notice)
            .send()
            .await;
        if !sent.is_ok_and(|r| r.status().is_success()) {
            return (StatusCode::BAD_GATEWAY, "the notify URL refused the notice").into_response();
        }
    }
    match body["success_redirect_url"].as_str() {
        Some(to) => (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response(),
        None => (
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Connected. You may close this page.",
        )
            .into_response(),
    }
}
