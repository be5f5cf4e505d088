//! Signing up, logging in and out, and switching workspace, as plain HTML forms (they work
//! without JavaScript). Each sets or clears the session cookie; failures re-show the form
//! with the field at fault.

use super::render::{UiError, render};
use super::session::{Signed, check_origin, cookie_header, is_https, redirect_with_cookie};
use crate::extract::ClientIp;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use revos_domain::TenantId;
use serde::Deserialize;
use uuid::Uuid;

/// Where to go after logging in.
#[derive(Deserialize)]
pub(super) struct Next {
    next: Option<String>,
}

/// Only paths of this site: never another host.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

fn session_cookie(headers: &HeaderMap, token: &str, state: &AppState) -> axum::http::HeaderValue {
    let ttl = state.app.session_ttl().num_seconds();
    cookie_header(token, ttl, is_https(headers))
}

/// A form re-shown after a failure: its status, the sentence above it, and the fields at fault.
type Again<'a> = dyn Fn(StatusCode, &str, Vec<(String, String)>) -> Result<Response, UiError> + 'a;

/// How a sign-up, log-in or invitation form ends: signed in and sent to `to` with the session
/// cookie, or shown again (`again`) with the problem, the fields at fault beside them (`general`
/// replaces the error's own sentence when no field is named); server failures get the error page.
fn signed_in_or_again(
    result: revos_app::Result<revos_app::auth::SessionToken>,
    to: &str,
    headers: &HeaderMap,
    state: &AppState,
    general: Option<&str>,
    again: &Again<'_>,
) -> Result<Response, UiError> {
    let err = match result {
        Ok(session) => {
            return Ok(redirect_with_cookie(
                to,
                session_cookie(headers, &session.token, state),
            ));
        }
        Err(err) => UiError::from(err),
    };
    if !err.status().is_client_error() {
        return Err(err);
    }
    let errors = err.field_errors().to_vec();
    let message = match (errors.is_empty(), general) {
        (false, _) => "Please correct the fields below.",
        (true, Some(general)) => general,
        (true, None) => err.message(),
    };
    again(err.status(), message, errors)
}

/// The login form.
pub(super) async fn login_form(Query(next): Query<Next>) -> Result<Response, UiError> {
    Ok(render(
        "login.html",
        context! { next => local_path(next.next.as_deref()), email => "", error => () },
    )?
    .into_response())
}

/// The login form's fields.
#[derive(Deserialize)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Logs in and sets the session cookie.
pub(super) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, UiError> {
    check_origin(&headers)?;
    let next = local_path(form.next.as_deref());
    let again =
        |status: StatusCode, error: &str, _: Vec<(String, String)>| -> Result<Response, UiError> {
            Ok((
                status,
                render(
                    "login.html",
                    context! { next => next.clone(), email => form.email.clone(), error => error },
                )?,
            )
                .into_response())
        };
    if let Err(limited) = state.limiter.check(ip, Some(&form.email)) {
        return again(limited.status(), limited.message(), Vec::new());
    }
    let result = state.app.login(&form.email, &form.password, None).await;
    signed_in_or_again(result, &next, &headers, &state, None, &again)
}

/// The sign-up form.
pub(super) async fn signup_form() -> Result<Response, UiError> {
    Ok(render(
        "signup.html",
        context! { email => "", workspace_name => "", error => (), errors => Vec::<minijinja::Value>::new() },
    )?
    .into_response())
}

/// The sign-up form's fields.
#[derive(Deserialize)]
pub(super) struct SignupForm {
    email: String,
    password: String,
    workspace_name: String,
}

/// Creates the workspace and its owner, and logs them in.
pub(super) async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignupForm>,
) -> Result<Response, UiError> {
    check_origin(&headers)?;
    let again = |status: StatusCode,
                 error: &str,
                 errors: Vec<(String, String)>|
     -> Result<Response, UiError> {
        Ok((
            status,
            render(
                "signup.html",
                context! { email => form.email.clone(), workspace_name => form.workspace_name.clone(), error => error, errors => minijinja::Value::from(minijinja::value::Serde(&errors)) },
            )?,
        )
            .into_response())
    };
    if let Err(limited) = state.limiter.check(ip, Some(&form.email)) {
        return again(limited.status(), limited.message(), Vec::new());
    }
    let result = state
        .app
        .signup(&form.email, &form.password, &form.workspace_name)
        .await;
    signed_in_or_again(result, "/", &headers, &state, None, &again)
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    _csrf: String,
}

/// Ends the session and clears the cookie.
pub(super) async fn logout(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    state.app.logout(&signed.who).await?;
    Ok(redirect_with_cookie(
        "/login",
        cookie_header("", 0, is_https(&headers)),
    ))
}

/// The workspace switcher's fields.
#[derive(Deserialize)]
pub(super) struct SwitchForm {
    _csrf: String,
    workspace_id: Uuid,
}

/// Moves the session to another workspace of the same person.
pub(super) async fn switch(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<SwitchForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    if TenantId(form.workspace_id) == signed.who.tenant {
        return Ok(Redirect::to("/").into_response());
    }
    let session = state
        .app
        .switch_workspace(&signed.who, TenantId(form.workspace_id))
        .await?;
    Ok(redirect_with_cookie(
        "/",
        session_cookie(&headers, &session.token, &state),
    ))
}

/// The invitation link's token.
#[derive(Deserialize)]
pub(super) struct InvitationLink {
    token: Option<String>,
}

/// `GET /invitations/accept`: the form to join a workspace with an invitation token.
pub(super) async fn accept_form(Query(link): Query<InvitationLink>) -> Result<Response, UiError> {
    Ok(render(
        "accept_invitation.html",
        context! { token => link.token.unwrap_or_default(), error => (), errors => Vec::<minijinja::Value>::new() },
    )?
    .into_response())
}

/// The invitation form's fields.
#[derive(Deserialize)]
pub(super) struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// `POST /invitations/accept`: joins the workspace (creating the account if needed) and logs in.
pub(super) async fn accept(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<AcceptForm>,
) -> Result<Response, UiError> {
    check_origin(&headers)?;
    let again = |status: StatusCode,
                 error: &str,
                 errors: Vec<(String, String)>|
     -> Result<Response, UiError> {
        Ok((
            status,
            render(
                "accept_invitation.html",
                context! { token => form.token.clone(), error => error, errors => minijinja::Value::from(minijinja::value::Serde(&errors)) },
            )?,
        )
            .into_response())
    };
    if let Err(limited) = state.limiter.check(ip, None) {
        return again(limited.status(), limited.message(), Vec::new());
    }
    let result = state
        .app
        .accept_invitation(form.token.trim(), &form.password)
        .await;
    let general = "This invitation is unknown, used or expired, or the password is wrong.";
    signed_in_or_again(result, "/", &headers, &state, Some(general), &again)
}
