//! Provider webhooks: Unipile (`message_received`, `new_relation`, account status),
//! Instantly and Smartlead replies. Each must present the instance's webhook secret
//! (`REVOS_WEBHOOK_SECRET`), set as a custom header when the webhook is registered with the
//! provider (`Unipile-Auth` for Unipile, `X-Revos-Webhook-Secret` for any), or for Smartlead
//! as its `secret_key`. A wrong secret gets 401 and a malformed body 400, and neither changes
//! anything. Deliveries are idempotent: replies are deduplicated on the provider's message id.

use crate::error::{ApiError, ErrorBody};
use crate::extract::nul_field;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use revos_app::replies::WebhookReport;
use revos_domain::campaign::EmailProvider;
use revos_providers::email::{EmailReply, Instantly, Smartlead};
use revos_providers::webhooks::{UnipileEvent, parse_unipile};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(unipile))
        .routes(routes!(unipile_hosted))
        .routes(routes!(instantly))
        .routes(routes!(smartlead))
}

/// The header any provider may carry the webhook secret in.
const SECRET_HEADER: &str = "x-revos-webhook-secret";

fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    extra: &[Option<&str>],
) -> Result<(), ApiError> {
    let presented = headers
        .get(SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .into_iter()
        .chain(extra.iter().flatten().copied());
    for secret in presented {
        if state.app.webhook_secret_matches(secret) {
            return Ok(());
        }
    }
    Err(ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "the webhook secret is missing or wrong (webhooks need REVOS_WEBHOOK_SECRET)",
    ))
}

fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    if let Some(field) = nul_field(body) {
        return Err(malformed(&field, "must not contain NUL characters"));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("the body is not JSON: {e}"))
            .with_field("body", "must be a JSON object")
    })
}

fn malformed(field: &str, message: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_webhook",
        format!("{field}: {message}"),
    )
    .with_field(field, message)
}

/// Receives a Unipile webhook delivery.
#[utoipa::path(post, path = "/api/v1/webhooks/unipile", tag = "webhooks",
    params(("Unipile-Auth" = Option<String>, Header, description = "the webhook secret")),
    request_body(content = Object, description = "a Unipile `message_received`, `new_relation` or `AccountStatus` payload"),
    responses((status = 200, body = WebhookReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn unipile(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReport>, ApiError> {
    let own = headers.get("unipile-auth").and_then(|v| v.to_str().ok());
    authorize(&state, &headers, &[own])?;
    let value = json_body(&body)?;
    let event = parse_unipile(&value).map_err(|e| malformed(&e.field, &e.message))?;
    let app = &state.app;
    let report = match event {
        UnipileEvent::MessageReceived(m) => app.unipile_message(&m).await?,
        UnipileEvent::NewRelation {
            account_id,
            user_provider_id,
        } => {
            app.unipile_new_relation(&account_id, &user_provider_id)
                .await?;
            WebhookReport::default()
        }
        UnipileEvent::AccountStatus {
            account_id,
            message,
        } => {
            app.unipile_account_status(&account_id, &message).await?;
            WebhookReport::default()
        }
        UnipileEvent::Ignored(_) => WebhookReport {
            recorded: 0,
            ignored: 1,
        },
    };
    Ok(Json(report))
}

/// Unipile's notification that a hosted-auth link connected an account.
#[derive(serde::Deserialize, utoipa::ToSchema)]
struct HostedNotice {
    /// `CREATION_SUCCESS`, `RECONNECTED`, ...
    status: String,
    /// The connected account.
    account_id: String,
    /// The link's token, which RevOS set as its `name`.
    name: String,
}

/// What a hosted-auth notification did.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct HostedReport {
    /// The account RevOS added, if any.
    linkedin_account_id: Option<uuid::Uuid>,
}

/// Receives Unipile's hosted-auth notification. The link's single-use token (its `name`) is
/// the credential: an unknown, used or expired one gets 401.
#[utoipa::path(post, path = "/api/v1/webhooks/unipile/hosted", tag = "webhooks",
    request_body = HostedNotice,
    responses((status = 200, body = HostedReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn unipile_hosted(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<HostedReport>, ApiError> {
    let value = json_body(&body)?;
    let notice: HostedNotice = serde_path_to_error::deserialize(&value).map_err(|e| {
        let field = e.path().to_string();
        malformed(&field, &e.inner().to_string())
    })?;
    if !matches!(notice.status.as_str(), "CREATION_SUCCESS" | "RECONNECTED") {
        return Ok(Json(HostedReport {
            linkedin_account_id: None,
        }));
    }
    match state
        .app
        .unipile_hosted_connected(&notice.name, &notice.account_id)
        .await?
    {
        Some(account) => Ok(Json(HostedReport {
            linkedin_account_id: Some(account.id),
        })),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "not a live hosted-auth link of this instance",
        )),
    }
}

async fn email_reply(
    state: &AppState,
    provider: EmailProvider,
    value: &Value,
    reply: Option<EmailReply>,
    message_id: Option<String>,
) -> Result<Json<WebhookReport>, ApiError> {
    let Some(reply) = reply else {
        // Another event type (opens, clicks, ...): recognised, nothing to do. A reply event
        // missing its fields is malformed.
        let kind = value["event_type"].as_str().unwrap_or_default();
        if kind.is_empty() {
            return Err(malformed("event_type", "missing"));
        }
        if matches!(kind, "reply_received" | "EMAIL_REPLY") {
            return Err(malformed(
                "lead_email",
                "a reply needs its campaign and lead email",
            ));
        }
        return Ok(Json(WebhookReport {
            recorded: 0,
            ignored: 1,
        }));
    };
    let id =
        message_id.ok_or_else(|| malformed("message_id", "a reply needs an id or a timestamp"))?;
    Ok(Json(state.app.email_reply(provider, &reply, &id).await?))
}

/// Receives an Instantly webhook delivery (`reply_received` marks the lead replied).
#[utoipa::path(post, path = "/api/v1/webhooks/instantly", tag = "webhooks",
    params(("X-Revos-Webhook-Secret" = Option<String>, Header, description = "the webhook secret")),
    request_body(content = Object, description = "an Instantly webhook payload"),
    responses((status = 200, body = WebhookReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn instantly(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReport>, ApiError> {
    authorize(&state, &headers, &[])?;
    let value = json_body(&body)?;
    // Instantly gives no id of the reply itself: its lead and time identify it.
    let id = match (value["lead_email"].as_str(), value["timestamp"].as_str()) {
        (Some(lead), Some(at)) => Some(format!("instantly:{}:{at}", lead.to_lowercase())),
        _ => None,
    };
    let reply = Instantly::parse_reply(&value);
    email_reply(&state, EmailProvider::Instantly, &value, reply, id).await
}

/// Receives a Smartlead webhook delivery (`EMAIL_REPLY` marks the lead replied).
#[utoipa::path(post, path = "/api/v1/webhooks/smartlead", tag = "webhooks",
    request_body(content = Object, description = "a Smartlead webhook payload; its `secret_key` is the webhook secret"),
    responses((status = 200, body = WebhookReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn smartlead(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReport>, ApiError> {
    // The secret travels in the body: read it once, authenticate, then refuse a bad body.
    let parsed = json_body(&body);
    let secret = parsed.as_ref().ok().and_then(|v| v["secret_key"].as_str());
    authorize(&state, &headers, &[secret])?;
    let value = parsed?;
    let id = value["reply_message"]["message_id"]
        .as_str()
        .or(value["message_id"].as_str())
        .map(|id| format!("smartlead:{id}"));
    let reply = Smartlead::parse_reply(&value);
    email_reply(&state, EmailProvider::Smartlead, &value, reply, id).await
}
