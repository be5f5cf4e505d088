//! Connecting real LinkedIn accounts from the pages: a Unipile hosted-auth link (shown on a
//! page of its own, to open or to send to the account's owner), attaching an account by its
//! Unipile account id, storing the workspace's own Unipile key, and, on an account's page,
//! reconnecting a lost session and pausing or resuming it. Every action goes through the same
//! use cases as the API (`POST /api/v1/linkedin-accounts/hosted-link`,
//! `POST /api/v1/linkedin-accounts`, `PUT /api/v1/secrets/unipile_api_key`,
//! `POST /api/v1/linkedin-accounts/{id}/reconnect-link`, `PATCH …/{id}/pacing`).

use super::page_params::parse_id;
use super::render::{UiError, page};
use super::session::Signed;
use super::settings::reshow;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use revos_app::accounts::PacingPatch;
use revos_app::providers::UNIPILE_KEY;
use revos_app::unipile_links::HostedLink;
use serde::Deserialize;

/// The hosted-link form: an optional display name.
#[derive(Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    display_name: String,
}

/// The page showing a hosted-auth link; kept out of caches (whoever has the link connects an
/// account to this workspace).
async fn link_page(
    state: &AppState,
    signed: &Signed,
    link: &HostedLink,
    reconnect: Option<&str>,
) -> Result<Response, UiError> {
    let ctx = context! {
        url => link.url.clone(),
        expires => link.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        reconnect => reconnect,
    };
    let mut resp = page(state, signed, "connect_link.html", "settings", ctx)
        .await?
        .into_response();
    resp.headers_mut().insert(
        CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

/// `POST /settings/accounts/connect`: makes a hosted-auth link and shows it.
pub(super) async fn connect(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<LinkForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let name = Some(form.display_name.trim()).filter(|n| !n.is_empty());
    match state
        .app
        .unipile_hosted_link(&signed.who, name, Some("/settings?done=connected#accounts"))
        .await
    {
        Ok(link) => link_page(&state, &signed, &link, None).await,
        Err(e) => {
            let values = context! { link_display_name => form.display_name };
            reshow(&state, &signed, "connect", values, e).await
        }
    }
}

/// The form attaching an account by its Unipile account id.
#[derive(Deserialize)]
pub(super) struct AttachForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    display_name: String,
}

/// `POST /settings/accounts/attach`: attaches the account Unipile knows by `account_id`, then
/// its page.
pub(super) async fn attach(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<AttachForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let name = Some(form.display_name.trim()).filter(|n| !n.is_empty());
    match state
        .app
        .connect_unipile_account(&signed.who, form.account_id.trim(), name)
        .await
    {
        Ok(account) => {
            Ok(Redirect::to(&format!("/accounts/{}?done=connected", account.id)).into_response())
        }
        Err(e) => {
            let values = context! {
                account_id => form.account_id, attach_display_name => form.display_name,
            };
            reshow(&state, &signed, "attach", values, e).await
        }
    }
}

/// The workspace's own Unipile key.
#[derive(Deserialize)]
pub(super) struct KeyForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    value: String,
}

/// `POST /settings/unipile-key`: stores the workspace's own Unipile key in the vault.
pub(super) async fn put_key(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<KeyForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    match state
        .app
        .put_secret(&signed.who, UNIPILE_KEY, form.value.trim())
        .await
    {
        Ok(_) => Ok(Redirect::to("/settings?done=unipile_key#accounts").into_response()),
        Err(e) => reshow(&state, &signed, "unipile_key", context! {}, e).await,
    }
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    _csrf: String,
}

/// `POST /accounts/{id}/reconnect`: a hosted-auth link that reconnects the account.
pub(super) async fn reconnect(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&id, "account")?;
    let back = format!("/accounts/{id}?done=reconnected");
    let link = state
        .app
        .unipile_reconnect_link(&signed.who, id, Some(&back))
        .await?;
    link_page(&state, &signed, &link, Some(&format!("/accounts/{id}"))).await
}

/// `POST /accounts/{id}/pause`: nothing is sent for the account until it is resumed.
pub(super) async fn pause(
    state: State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    id: Path<String>,
    form: Form<CsrfOnly>,
) -> Result<Response, UiError> {
    set_paused(state, signed, headers, id, form, true).await
}

/// `POST /accounts/{id}/resume`: lifts a pause (a person's, or one after a limit signal).
pub(super) async fn resume(
    state: State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    id: Path<String>,
    form: Form<CsrfOnly>,
) -> Result<Response, UiError> {
    set_paused(state, signed, headers, id, form, false).await
}

async fn set_paused(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
    pause: bool,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&id, "account")?;
    let patch = PacingPatch {
        pause,
        resume: !pause,
        ..PacingPatch::default()
    };
    state.app.update_pacing(&signed.who, id, &patch).await?;
    let done = if pause { "pause" } else { "resume" };
    Ok(Redirect::to(&format!("/accounts/{id}?done={done}")).into_response())
}
