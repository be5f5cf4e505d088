//! The settings' outgoing-webhooks section (owners and admins): add an endpoint (its signing
//! secret shown once), turn one on or off, rotate its secret (shown once), delete it, and its
//! delivery log with a button to redeliver. The section itself is rendered by the settings
//! page; these are its forms and the log page.

use super::page_params::parse_id;
use super::render::{UiError, page};
use super::session::Signed;
use super::settings::{back, reshow, shown_once};
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::outgoing_webhooks::{NewWebhookEndpoint, WebhookEndpointChange};
use revos_domain::PageRequest;
use revos_domain::outgoing_webhook::EVENT_TYPES;
use std::collections::HashMap;

/// The CSRF token a form presented (an absent one is refused by the check, not here).
fn csrf(form: &HashMap<String, String>) -> &str {
    form.get("_csrf").map_or("", String::as_str)
}

/// The event kinds ticked in a form (checkboxes named `event.<kind>`), in catalogue order.
fn ticked(form: &HashMap<String, String>) -> Vec<String> {
    EVENT_TYPES
        .iter()
        .filter(|(kind, _)| form.contains_key(&format!("event.{kind}")))
        .map(|(kind, _)| (*kind).to_owned())
        .collect()
}

/// `POST /settings/webhook-endpoints`: adds an endpoint and shows its signing secret once.
pub(super) async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let req = NewWebhookEndpoint {
        url: field("url"),
        description: Some(field("description")),
        events: ticked(&form),
        enabled: Some(true),
    };
    match state.app.create_webhook_endpoint(&signed.who, &req).await {
        Ok(created) => {
            let intro = format!(
                "Deliveries to {} are signed with this secret (Standard Webhooks: verify the webhook-signature header with it). Copy it now: it is shown only this once.",
                created.endpoint.url
            );
            shown_once(
                &state,
                &signed,
                "Webhook endpoint added",
                intro,
                "Signing secret",
                created.secret,
            )
            .await
        }
        Err(e) => {
            let values = context! {
                url => req.url, description => field("description"), events => req.events,
            };
            reshow(&state, &signed, "webhook_endpoint", values, e).await
        }
    }
}

/// `POST /settings/webhook-endpoints/{id}/toggle`: turns an endpoint on or off.
pub(super) async fn toggle(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let id = parse_id(&id, "webhook endpoint")?;
    let change = WebhookEndpointChange {
        enabled: Some(form.get("enabled").is_some_and(|v| v == "true")),
        ..Default::default()
    };
    state
        .app
        .update_webhook_endpoint(&signed.who, id, &change)
        .await?;
    Ok(back("endpoint_updated", "outgoing-webhooks"))
}

/// `POST /settings/webhook-endpoints/{id}/rotate`: a new signing secret, shown once.
pub(super) async fn rotate(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let id = parse_id(&id, "webhook endpoint")?;
    let secret = state.app.rotate_webhook_secret(&signed.who, id).await?;
    let intro = "Every delivery from now on is signed with this secret; the old one signs nothing more. Copy it now: it is shown only this once.".to_owned();
    shown_once(
        &state,
        &signed,
        "New signing secret",
        intro,
        "Signing secret",
        secret.secret,
    )
    .await
}

/// `POST /settings/webhook-endpoints/{id}/delete`: deletes an endpoint and its log.
pub(super) async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let id = parse_id(&id, "webhook endpoint")?;
    state.app.delete_webhook_endpoint(&signed.who, id).await?;
    Ok(back("endpoint_deleted", "outgoing-webhooks"))
}

/// `GET /settings/webhook-endpoints/{id}`: the endpoint's latest deliveries with their
/// attempts.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Html<String>, UiError> {
    let id = parse_id(&id, "webhook endpoint")?;
    let endpoint = state.app.get_webhook_endpoint(&signed.who, id).await?;
    let deliveries = state
        .app
        .list_webhook_deliveries(&signed.who, id, PageRequest::first())
        .await?;
    page(
        &state,
        &signed,
        "webhook_endpoint.html",
        "settings",
        context! {
            endpoint => Value::from(Serde(&endpoint)),
            deliveries => Value::from(Serde(&deliveries.items)),
        },
    )
    .await
}

/// `POST /settings/webhook-endpoints/{id}/deliveries/{delivery}/redeliver`.
pub(super) async fn redeliver(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, delivery)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let id = parse_id(&id, "webhook endpoint")?;
    let delivery = parse_id(&delivery, "webhook delivery")?;
    state
        .app
        .redeliver_webhook(&signed.who, id, delivery)
        .await?;
    Ok(Redirect::to(&format!("/settings/webhook-endpoints/{id}")).into_response())
}
