//! Sign-up, login, logout and "who am I".

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, ClientIp};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use revos_app::Credential;
use revos_app::auth::SessionToken;
use revos_domain::{Role, TenantId, UserId};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(accept_invitation))
}

/// Creates a workspace and its owner.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignupRequest {
    /// The owner's email; also the login.
    email: String,
    /// At least 10 characters.
    password: String,
    /// The workspace's display name.
    workspace_name: String,
}

/// Logs in.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    /// The account's email.
    email: String,
    /// Its password.
    password: String,
    /// The workspace to act in; the first one joined when omitted.
    #[serde(default)]
    tenant_id: Option<TenantId>,
}

/// Redeems an invitation.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AcceptInvitationRequest {
    /// The token the inviter passed on.
    token: String,
    /// A new password, or the existing account's password.
    password: String,
}

/// A login session.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SessionResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// The workspace the session acts in.
    tenant_id: TenantId,
    /// Who is logged in.
    user_id: UserId,
    /// When the token stops working.
    expires_at: DateTime<Utc>,
}

impl From<SessionToken> for SessionResponse {
    fn from(s: SessionToken) -> Self {
        Self {
            token: s.token,
            tenant_id: s.tenant,
            user_id: s.user,
            expires_at: s.expires_at,
        }
    }
}

/// The caller.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Me {
    /// Who is calling.
    user_id: UserId,
    /// The workspace the token acts in.
    tenant_id: TenantId,
    /// The caller's role there.
    role: Role,
    /// `session` or `api_key`.
    credential: &'static str,
}

/// Creates a workspace with its owner and returns a session for them, when the operator's
/// sign-up rule (`REVOS_SIGNUP`) allows: otherwise 403 `signup_closed`.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = SessionResponse), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    state.limiter.check(ip, Some(&req.email))?;
    let session = state
        .app
        .signup(&req.email, &req.password, &req.workspace_name)
        .await?;
    Ok((StatusCode::CREATED, Json(session.into())))
}

/// Exchanges email and password for a session token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    state.limiter.check(ip, Some(&req.email))?;
    let session = state
        .app
        .login(&req.email, &req.password, req.tenant_id)
        .await?;
    Ok(Json(session.into()))
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, Auth(who): Auth) -> Result<StatusCode, ApiError> {
    state.app.logout(&who).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to and what it may do.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(Auth(who): Auth) -> Json<Me> {
    let credential = match who.credential {
        Credential::Session(_) => "session",
        Credential::ApiKey(_) => "api_key",
        Credential::Operator => "operator",
        Credential::Worker => "worker",
        Credential::ShareLink(_) => "share_link",
    };
    Json(Me {
        user_id: who.user,
        tenant_id: who.tenant,
        role: who.role,
        credential,
    })
}

/// Redeems an invitation: creates the account if needed, joins the workspace, logs in.
/// Attempts count against the same per-address and per-email limits as log-ins (the email
/// being the invitation's), so an invitation is no side door for guessing a password.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "members", request_body = AcceptInvitationRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn accept_invitation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<AcceptInvitationRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let email = state.app.invitation_email(&req.token).await?;
    state.limiter.check(ip, email.as_deref())?;
    let session = state
        .app
        .accept_invitation(&req.token, &req.password)
        .await?;
    Ok(Json(session.into()))
}
