//! Signing up, logging in and out, and switching workspace, as plain HTML forms (they work
//! without JavaScript). Each sets or clears the session cookie; failures re-show the form
//! with the field at fault.

use super::next_path::same_origin_path;
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

/// Where to go after logging in: `next` when it is a path of this site, else the dashboard.
fn after_login(next: Option<&str>) -> String {
    same_origin_path(next).unwrap_or("/").to_owned()
}

fn session_cookie(headers: &HeaderMap, token: &str, state: &AppState) -> axum::http::HeaderValue {
    let ttl = state.app.session_ttl().num_seconds();
    cookie_header(token, ttl, is_https(headers))
}

/// A sign-up, log-in or invitation form to show again: its template and the values the person
/// typed (never the password).
struct EntryPage {
    template: &'static str,
    kept: minijinja::Value,
}

impl EntryPage {
    /// The form again with `status`, the sentence above it and the fields at fault.
    fn again(
        &self,
        status: StatusCode,
        error: &str,
        errors: &[(String, String)],
    ) -> Result<Response, UiError> {
        let ctx = context! { error => error, errors => minijinja::Value::from(minijinja::value::Serde(errors)), ..self.kept.clone() };
        Ok((status, render(self.template, ctx)?).into_response())
    }

    /// How the form ends: signed in and sent to `to` with the session cookie, or shown again
    /// with the problem, the fields at fault beside them (`general` replaces the error's own
    /// sentence when no field is named); server failures get the error page.
    fn finish(
        &self,
        result: revos_app::Result<revos_app::auth::SessionToken>,
        to: &str,
        headers: &HeaderMap,
        state: &AppState,
        general: Option<&str>,
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
        let message = match (err.field_errors().is_empty(), general) {
            (false, _) => "Please correct the fields below.",
            (true, Some(general)) => general,
            (true, None) => err.message(),
        };
        self.again(err.status(), message, err.field_errors())
    }

    /// The form refusing the attempt when the sender is over the attempt limit.
    fn over_limit(
        &self,
        state: &AppState,
        ip: std::net::IpAddr,
        email: Option<&str>,
    ) -> Option<Response> {
        let limited = state.limiter.check(ip, email).err()?;
        Some(
            self.again(limited.status(), limited.message(), &[])
                .unwrap_or_else(IntoResponse::into_response),
        )
    }
}

/// The login form.
pub(super) async fn login_form(Query(next): Query<Next>) -> Result<Response, UiError> {
    Ok(render(
        "login.html",
        context! { next => after_login(next.next.as_deref()), email => "", error => () },
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
    let next = after_login(form.next.as_deref());
    let entry = EntryPage {
        template: "login.html",
        kept: context! { next => next.clone(), email => form.email.clone() },
    };
    if let Some(refused) = entry.over_limit(&state, ip, Some(&form.email)) {
        return Ok(refused);
    }
    let result = state.app.login(&form.email, &form.password, None).await;
    entry.finish(result, &next, &headers, &state, None)
}

/// The sign-up form, or the plain statement that sign-up is closed when the operator's rule
/// (`REVOS_SIGNUP`) does not allow it now.
pub(super) async fn signup_form(State(state): State<AppState>) -> Result<Response, UiError> {
    if !state.app.signup_allowed().await? {
        return signup_closed(StatusCode::OK);
    }
    Ok(render(
        "signup.html",
        context! { email => "", workspace_name => "", error => (), errors => Vec::<minijinja::Value>::new() },
    )?
    .into_response())
}

/// The sign-up page saying that sign-up is closed and how to join instead.
fn signup_closed(status: StatusCode) -> Result<Response, UiError> {
    let message = revos_app::AppError::SignupClosed.to_string();
    Ok((
        status,
        render("signup.html", context! { closed => message })?,
    )
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
    let entry = EntryPage {
        template: "signup.html",
        kept: context! { email => form.email.clone(), workspace_name => form.workspace_name.clone() },
    };
    if let Some(refused) = entry.over_limit(&state, ip, Some(&form.email)) {
        return Ok(refused);
    }
    let result = state
        .app
        .signup(&form.email, &form.password, &form.workspace_name)
        .await;
    if let Err(revos_app::AppError::SignupClosed) = result {
        return signup_closed(StatusCode::FORBIDDEN);
    }
    entry.finish(result, "/", &headers, &state, None)
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
    let entry = EntryPage {
        template: "accept_invitation.html",
        kept: context! { token => form.token.clone() },
    };
    let token = form.token.trim();
    let email = state.app.invitation_email(token).await?;
    if let Some(refused) = entry.over_limit(&state, ip, email.as_deref()) {
        return Ok(refused);
    }
    let result = state.app.accept_invitation(token, &form.password).await;
    let general = "This invitation is unknown, used or expired, or the password is wrong.";
    entry.finish(result, "/", &headers, &state, Some(general))
}
