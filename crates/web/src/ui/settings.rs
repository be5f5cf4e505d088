//! Settings: the LinkedIn accounts with their status and pacing (and a form to add a sandbox
//! account), the vault's keys masked (set and delete), the members (and invitations), the API
//! keys (a new key is shown once), the share links for clients without an account (see
//! [`super::share_link_settings`]), the workspace's webhook URLs (with a rotate button), and
//! the language model's mode and this month's usage.
//! Forms post, then redirect back; a form with a mistake is shown again with the message
//! beside the field (422). Owners and admins see the forms; members see the lists, except
//! the vault, which only owners and admins see at all.

use super::page_params::{parse_id, when};
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::AppError;
use revos_domain::{ApiKeyId, PageRequest, Role, ValidationErrors};
use serde::Deserialize;

/// The vault keys RevOS itself reads, offered by the key form.
const KNOWN_SECRETS: &[&str] = &[
    "apollo_api_key",
    "unipile_api_key",
    "instantly_api_key",
    "smartlead_api_key",
    "openai_api_key",
    "openai_url",
    "openai_model",
];

const ALL: PageRequest = PageRequest {
    limit: PageRequest::MAX_LIMIT,
    after: None,
};

/// A form that was sent back with mistakes: which one, the fields at fault and what was
/// typed (never a secret's value).
struct Failed {
    form: &'static str,
    errors: Vec<(String, String)>,
    values: Value,
}

/// What the last action did, shown once after its redirect.
#[derive(Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "account" => "The sandbox account was added.",
        "connected" => {
            "Unipile connected the account; it is listed below once Unipile has told RevOS."
        }
        "unipile_key" => "The workspace's Unipile key was saved.",
        "secret" => "The key was saved.",
        "secret_deleted" => "The key was deleted.",
        "key_revoked" => "The API key was revoked.",
        "webhooks_rotated" => "New webhook URLs were made; the old ones no longer work.",
        "analytics" => "The analytics export was saved.",
        "endpoint_updated" => "The webhook endpoint was changed.",
        "endpoint_deleted" => "The webhook endpoint was deleted with its delivery log.",
        "share_link_revoked" => "The share link was revoked: it opens nothing any more.",
        _ => return None,
    })
}

/// Renders the settings page, with `failed`'s form re-shown when there is one.
async fn settings_page(
    state: &AppState,
    signed: &Signed,
    notice: Option<&str>,
    failed: Option<Failed>,
) -> Result<Html<String>, UiError> {
    let app = &state.app;
    let who = &signed.who;
    let admin = who.role.can_administer();
    let now = app.now();
    let month_start = revos_app::llm::month_start(now);
    let usage = app.llm_usage(who, month_start).await?;
    let accounts = app.list_accounts(who, ALL).await?.items;
    let unipile = match admin {
        true => Some(app.unipile_setup(who).await?),
        false => None,
    };
    let secrets = match admin {
        true => app.list_secrets(who, ALL).await?.items,
        false => Vec::new(),
    };
    let members = app.list_members(who, ALL).await?.items;
    let analytics = match admin {
        true => Some(app.analytics_settings(who).await?),
        false => None,
    };
    let outgoing_webhooks = match admin {
        true => app.list_webhook_endpoints(who, ALL).await?.items,
        false => Vec::new(),
    };
    // Share links, oldest first, with whether each still works.
    let share_links: Vec<Value> = match admin {
        true => app
            .list_share_links(who, ALL)
            .await?
            .items
            .into_iter()
            .map(|l| {
                let state = match (l.revoked_at, l.expires_at <= now) {
                    (Some(_), _) => "revoked",
                    (None, true) => "expired",
                    (None, false) => "valid",
                };
                context! {
                    id => l.id.to_string(), label => l.label, state => state,
                    created => when(l.created_at), created_iso => l.created_at.to_rfc3339(),
                    expires => when(l.expires_at), expires_iso => l.expires_at.to_rfc3339(),
                    revoked => l.revoked_at.map(when),
                }
            })
            .collect(),
        false => Vec::new(),
    };
    let (invitations, api_keys, webhooks) = if admin {
        let pending: Vec<_> = app
            .list_invitations(who, ALL)
            .await?
            .items
            .into_iter()
            .filter(|i| i.accepted_at.is_none() && i.expires_at > now)
            .collect();
        let keys = app.list_api_keys(who, ALL).await?.items;
        (pending, keys, app.list_webhooks(who).await?)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let grantable: Vec<&str> = [Role::Owner, Role::Admin, Role::Member, Role::Client]
        .into_iter()
        .filter(|r| who.role.can_grant(*r))
        .map(Role::as_str)
        .collect();
    let failed = failed.map_or_else(
        || context! { form => "", errors => Vec::<Value>::new(), values => context! {} },
        |f| context! { form => f.form, errors => Value::from(Serde(&f.errors)), values => f.values },
    );
    page(
        state,
        signed,
        "settings.html",
        "settings",
        context! {
            admin => admin,
            notice => notice,
            failed => failed,
            llm => context! {
                mode => Value::from(Serde(&usage.mode)),
                since => month_start.format("%Y-%m-%d").to_string(),
                calls => usage.calls,
                prompt_tokens => usage.prompt_tokens,
                completion_tokens => usage.completion_tokens,
                cost => format!("${:.4}", usage.cost_usd),
                unpriced_calls => usage.unpriced_calls,
                budget => usage.budget_usd.map(|b| format!("${b:.2}")),
                spent => format!("${:.4}", usage.spent_usd),
                remaining => usage.remaining_usd.map(|r| format!("${r:.4}")),
                over_budget => usage.remaining_usd.is_some_and(|r| r <= 0.0),
            },
            accounts => Value::from(Serde(&accounts)),
            unipile => unipile.map(|u| context! {
                url => u.url, instance_key => u.instance_key, workspace_key => u.workspace_key,
                public_url => u.public_url, can_attach => u.can_attach(), can_link => u.can_link(),
            }),
            secrets => Value::from(Serde(&secrets)),
            known_secrets => KNOWN_SECRETS.to_vec(),
            members => Value::from(Serde(&members)),
            invitations => Value::from(Serde(&invitations)),
            api_keys => Value::from(Serde(&api_keys)),
            webhooks => Value::from(Serde(&webhooks)),
            outgoing_webhooks => Value::from(Serde(&outgoing_webhooks)),
            webhook_event_types => revos_domain::outgoing_webhook::EVENT_TYPES.to_vec(),
            grantable => grantable,
            own_role => who.role.as_str(),
            analytics => Value::from(Serde(&analytics)),
            share_links => share_links,
            share_link_days => super::share_link_settings::EXPIRY_DAYS.to_vec(),
        },
    )
    .await
}

/// `GET /settings`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(done): Query<Done>,
) -> Result<Html<String>, UiError> {
    settings_page(&state, &signed, notice(done.done.as_deref()), None).await
}

/// Shows the page again with `form`'s mistakes when `err` is about the input (422);
/// any other failure is the error page.
pub(super) async fn reshow(
    state: &AppState,
    signed: &Signed,
    form: &'static str,
    values: Value,
    err: AppError,
) -> Result<Response, UiError> {
    let e = UiError::from(err);
    if e.status() != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(e);
    }
    let failed = Failed {
        form,
        errors: e.field_errors().to_vec(),
        values,
    };
    let html = settings_page(state, signed, None, Some(failed)).await?;
    Ok((e.status(), html).into_response())
}

/// Back to the settings with a notice, at the section that changed.
pub(super) fn back(done: &str, section: &str) -> Response {
    Redirect::to(&format!("/settings?done={done}#{section}")).into_response()
}

/// A form with only the CSRF token (absent tokens are refused with 403, not a parse error).
#[derive(Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

/// The sandbox account form.
#[derive(Deserialize)]
pub(super) struct AccountForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    display_name: String,
}

/// `POST /settings/accounts`: adds a sandbox LinkedIn account.
pub(super) async fn add_account(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    match state
        .app
        .create_sandbox_account(&signed.who, &form.display_name)
        .await
    {
        Ok(_) => Ok(back("account", "accounts")),
        Err(e) => {
            let values = context! { display_name => form.display_name };
            reshow(&state, &signed, "account", values, e).await
        }
    }
}

/// The vault key form.
#[derive(Deserialize)]
pub(super) struct SecretForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
}

/// `POST /settings/secrets`: stores (or replaces) a vault key.
pub(super) async fn put_secret(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<SecretForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    match state
        .app
        .put_secret(&signed.who, &form.name, &form.value)
        .await
    {
        Ok(_) => Ok(back("secret", "vault")),
        Err(e) => {
            let values = context! { name => form.name };
            reshow(&state, &signed, "secret", values, e).await
        }
    }
}

/// `POST /settings/secrets/{name}/delete`: deletes a vault key.
pub(super) async fn delete_secret(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    state.app.delete_secret(&signed.who, &name).await?;
    Ok(back("secret_deleted", "vault"))
}

/// `POST /settings/webhooks/rotate`: makes new webhook URLs (the old ones stop working).
pub(super) async fn rotate_webhooks(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    state.app.rotate_webhooks(&signed.who).await?;
    Ok(back("webhooks_rotated", "webhooks"))
}

/// The invitation form.
#[derive(Deserialize)]
pub(super) struct InviteForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// A role named by a form, or the field's mistake.
fn form_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw).ok_or_else(|| {
        ValidationErrors::single("role", "must be owner, admin, member or client").into()
    })
}

/// A page showing a token (`value`, labelled `label`) that is never shown again; kept out of
/// caches.
pub(super) async fn shown_once(
    state: &AppState,
    signed: &Signed,
    title: &str,
    intro: String,
    label: &str,
    value: String,
) -> Result<Response, UiError> {
    let ctx = context! { title => title, intro => intro, label => label, value => value };
    let mut resp = page(state, signed, "shown_once.html", "settings", ctx)
        .await?
        .into_response();
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `POST /settings/invitations`: invites someone and shows their invitation token once.
pub(super) async fn invite(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let created = match form_role(&form.role) {
        Ok(role) => state.app.invite(&signed.who, &form.email, role).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(inv) => {
            shown_once(&state, &signed, "Invitation created", format!("{} is invited as {}. Send them this invitation token; they join at /invitations/accept with it and a password of their own. It is shown only this once.", inv.invitation.email, inv.invitation.role.as_str()), "Invitation token", inv.token).await
        }
        Err(e) => {
            let values = context! { email => form.email, role => form.role };
            reshow(&state, &signed, "invite", values, e).await
        }
    }
}

/// The API key form.
#[derive(Deserialize)]
pub(super) struct ApiKeyForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// `POST /settings/api-keys`: creates an API key and shows it once.
pub(super) async fn create_api_key(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<ApiKeyForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let created = match form.role.as_str() {
        "" => {
            state
                .app
                .create_api_key(&signed.who, &form.name, None)
                .await
        }
        raw => match form_role(raw) {
            Ok(role) => {
                state
                    .app
                    .create_api_key(&signed.who, &form.name, Some(role))
                    .await
            }
            Err(e) => Err(e),
        },
    };
    match created {
        Ok(key) => {
            shown_once(&state, &signed, "API key created", format!("The key “{}” acts with the {} role. Copy it now: it is shown only this once. Scripts send it as a bearer token.", key.info.name, key.info.role.as_str()), "API key", key.key).await
        }
        Err(e) => {
            let values = context! { name => form.name, role => form.role };
            reshow(&state, &signed, "api_key", values, e).await
        }
    }
}

/// `POST /settings/api-keys/{id}/revoke`: revokes an API key.
pub(super) async fn revoke_api_key(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&id, "API key")?;
    state.app.revoke_api_key(&signed.who, ApiKeyId(id)).await?;
    Ok(back("key_revoked", "api-keys"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_notices_are_shown() {
        assert_eq!(notice(Some("secret")), Some("The key was saved."));
        assert_eq!(notice(Some("<script>")), None);
        assert_eq!(notice(None), None);
    }

    #[test]
    fn form_roles_name_the_field() {
        assert_eq!(form_role("admin").ok(), Some(Role::Admin));
        match form_role("boss") {
            Err(AppError::Validation(v)) => assert_eq!(v.0[0].field, "role"),
            other => panic!("{other:?}"),
        }
    }
}
