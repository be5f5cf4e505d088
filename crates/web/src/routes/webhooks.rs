//! Provider webhooks. Each workspace has its own URLs (`GET /api/v1/webhooks`), one per
//! provider, carrying an unguessable token: `POST /api/v1/webhooks/{unipile|instantly|smartlead}/{token}`.
//! A delivery there touches that workspace only: an email reply is matched within it (never by
//! a provider campaign id alone), a Unipile event only for its own accounts. An unknown or
//! rotated token gets 401 and changes nothing.
//!
//! The instance secret (`REVOS_WEBHOOK_SECRET`, header `Unipile-Auth` or
//! `X-Revos-Webhook-Secret`) is accepted only on `POST /api/v1/webhooks/unipile`, for
//! Unipile webhooks already registered with it: each Unipile account belongs to one workspace,
//! so its events go there. The old instance-secret Instantly and Smartlead routes are gone
//! (410): their bodies name only a provider campaign id, which two workspaces could share.
//! A malformed body gets 400 and changes nothing. Deliveries are idempotent: replies are
//! deduplicated on the provider's message id, bounces (Instantly `email_bounced`, Smartlead
//! `EMAIL_BOUNCE`) on the address.

use crate::error::{ApiError, ErrorBody};
use crate::extract::Auth;
use crate::extract::nul_field;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use revos_app::outreach::replies::WebhookReport;
use revos_app::webhooks::{WebhookProvider, WebhookScope, WebhookUrl};
use revos_domain::campaign::EmailProvider;
use revos_providers::email::{EmailReply, Instantly, Smartlead};
use revos_providers::webhooks::{UnipileEvent, parse_unipile};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(rotate))
        .routes(routes!(unipile))
        .routes(routes!(unipile_hosted))
        .routes(routes!(unipile_workspace))
        .routes(routes!(instantly_workspace))
        .routes(routes!(smartlead_workspace))
        .routes(routes!(instantly_retired))
        .routes(routes!(smartlead_retired))
}

/// The header Unipile may also carry the instance webhook secret in.
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

/// The workspace's webhook URLs, one per provider, to register with each provider (made on
/// first use). Owners and admins only.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookList), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<WebhookList>, ApiError> {
    let items = state.app.list_webhooks(&who).await?;
    Ok(Json(WebhookList { items }))
}

/// Replaces every webhook token of the workspace: the old URLs stop working at once. Owners
/// and admins only.
#[utoipa::path(post, path = "/api/v1/webhooks/rotate", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookList), (status = 403, body = ErrorBody)))]
async fn rotate(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<WebhookList>, ApiError> {
    let items = state.app.rotate_webhooks(&who).await?;
    Ok(Json(WebhookList { items }))
}

/// The workspace's webhook URLs.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct WebhookList {
    /// One per provider.
    items: Vec<WebhookUrl>,
}

/// The workspace a token of `provider` belongs to, or 401.
async fn workspace(
    state: &AppState,
    provider: WebhookProvider,
    token: &str,
) -> Result<revos_domain::TenantId, ApiError> {
    state
        .app
        .webhook_workspace(provider, token)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "not a webhook URL of this instance (unknown or rotated token)",
            )
        })
}

/// Handles a Unipile delivery for the workspaces `scope` admits.
async fn unipile_event(
    state: &AppState,
    body: &Bytes,
    scope: WebhookScope,
) -> Result<Json<WebhookReport>, ApiError> {
    let value = json_body(body)?;
    let event = parse_unipile(&value).map_err(|e| malformed(&e.field, &e.message))?;
    let app = &state.app;
    let report = match event {
        UnipileEvent::MessageReceived(m) => app.unipile_message(&m, scope).await?,
        UnipileEvent::NewRelation {
            account_id,
            user_provider_id,
        } => {
            app.unipile_new_relation(&account_id, &user_provider_id, scope)
                .await?;
            WebhookReport::default()
        }
        UnipileEvent::AccountStatus {
            account_id,
            message,
        } => {
            app.unipile_account_status(&account_id, &message, scope)
                .await?;
            WebhookReport::default()
        }
        UnipileEvent::Ignored(_) => WebhookReport {
            recorded: 0,
            ignored: 1,
        },
    };
    Ok(Json(report))
}

/// Receives a Unipile webhook registered with the instance secret (`Unipile-Auth` header):
/// each event goes to the workspace its account belongs to.
#[utoipa::path(post, path = "/api/v1/webhooks/unipile", tag = "webhooks",
    params(("Unipile-Auth" = Option<String>, Header, description = "the instance webhook secret")),
    request_body(content = Object, description = "a Unipile `message_received`, `new_relation` or `AccountStatus` payload"),
    responses((status = 200, body = WebhookReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn unipile(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReport>, ApiError> {
    let own = headers.get("unipile-auth").and_then(|v| v.to_str().ok());
    authorize(&state, &headers, &[own])?;
    unipile_event(&state, &body, WebhookScope::Instance).await
}

/// Receives a Unipile webhook on a workspace's own URL: events for accounts of other
/// workspaces are ignored.
#[utoipa::path(post, path = "/api/v1/webhooks/unipile/{token}", tag = "webhooks",
    params(("token" = String, Path, description = "the workspace's Unipile webhook token")),
    request_body(content = Object, description = "a Unipile `message_received`, `new_relation` or `AccountStatus` payload"),
    responses((status = 200, body = WebhookReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn unipile_workspace(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<WebhookReport>, ApiError> {
    let tenant = workspace(&state, WebhookProvider::Unipile, &token).await?;
    unipile_event(&state, &body, WebhookScope::Workspace(tenant)).await
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
    tenant: revos_domain::TenantId,
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
    Ok(Json(
        state.app.email_reply(tenant, provider, &reply, &id).await?,
    ))
}

/// Receives an Instantly webhook on a workspace's own URL (`reply_received` marks the
/// workspace's lead replied; `email_bounced` marks the address bounced and stops its
/// sequencing).
#[utoipa::path(post, path = "/api/v1/webhooks/instantly/{token}", tag = "webhooks",
    params(("token" = String, Path, description = "the workspace's Instantly webhook token")),
    request_body(content = Object, description = "an Instantly webhook payload"),
    responses((status = 200, body = WebhookReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn instantly_workspace(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<WebhookReport>, ApiError> {
    let tenant = workspace(&state, WebhookProvider::Instantly, &token).await?;
    let value = json_body(&body)?;
    let bounce = Instantly::parse_bounce(&value).map_err(|e| malformed(&e.field, &e.message))?;
    if let Some(bounce) = bounce {
        let report = state
            .app
            .email_bounce(tenant, EmailProvider::Instantly, &bounce)
            .await?;
        return Ok(Json(report));
    }
    // Instantly gives no id of the reply itself: its lead and time identify it.
    let id = match (value["lead_email"].as_str(), value["timestamp"].as_str()) {
        (Some(lead), Some(at)) => Some(format!("instantly:{}:{at}", lead.to_lowercase())),
        _ => None,
    };
    let reply = Instantly::parse_reply(&value);
    email_reply(&state, tenant, EmailProvider::Instantly, &value, reply, id).await
}

/// Receives a Smartlead webhook on a workspace's own URL (`EMAIL_REPLY` marks the
/// workspace's lead replied; `EMAIL_BOUNCE` marks the address bounced and stops its
/// sequencing).
#[utoipa::path(post, path = "/api/v1/webhooks/smartlead/{token}", tag = "webhooks",
    params(("token" = String, Path, description = "the workspace's Smartlead webhook token")),
    request_body(content = Object, description = "a Smartlead webhook payload"),
    responses((status = 200, body = WebhookReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn smartlead_workspace(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<WebhookReport>, ApiError> {
    let tenant = workspace(&state, WebhookProvider::Smartlead, &token).await?;
    let value = json_body(&body)?;
    let bounce = Smartlead::parse_bounce(&value).map_err(|e| malformed(&e.field, &e.message))?;
    if let Some(bounce) = bounce {
        let report = state
            .app
            .email_bounce(tenant, EmailProvider::Smartlead, &bounce)
            .await?;
        return Ok(Json(report));
    }
    let id = value["reply_message"]["message_id"]
        .as_str()
        .or(value["message_id"].as_str())
        .map(|id| format!("smartlead:{id}"));
    let reply = Smartlead::parse_reply(&value);
    email_reply(&state, tenant, EmailProvider::Smartlead, &value, reply, id).await
}

/// The answer of the retired instance-secret email routes.
fn retired(provider: WebhookProvider) -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "gone",
        format!(
            "the instance-wide {0} webhook is retired: register the workspace's own URL from GET /api/v1/webhooks (POST /api/v1/webhooks/{0}/{{token}})",
            provider.as_str()
        ),
    )
}

/// Retired: Instantly replies go to each workspace's own URL
/// (`/api/v1/webhooks/instantly/{token}`). Always 410; nothing changes.
#[utoipa::path(post, path = "/api/v1/webhooks/instantly", tag = "webhooks",
    responses((status = 410, body = ErrorBody)))]
async fn instantly_retired() -> ApiError {
    retired(WebhookProvider::Instantly)
}

/// Retired: Smartlead replies go to each workspace's own URL
/// (`/api/v1/webhooks/smartlead/{token}`). Always 410; nothing changes.
#[utoipa::path(post, path = "/api/v1/webhooks/smartlead", tag = "webhooks",
    responses((status = 410, body = ErrorBody)))]
async fn smartlead_retired() -> ApiError {
    retired(WebhookProvider::Smartlead)
}
