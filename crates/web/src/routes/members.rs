//! Members and invitations.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use revos_app::members::{CreatedInvitation, Invitation, Member};
use revos_domain::{InvitationId, Role, UserId};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(set_role, remove_member))
        .routes(routes!(invite, list_invitations))
        .routes(routes!(revoke_invitation))
}

/// An invitation to send.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InviteRequest {
    /// Whom to invite.
    email: String,
    /// The role they get; `member` when omitted.
    #[serde(default = "member")]
    role: Role,
}

fn member() -> Role {
    Role::Member
}

/// A role change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetRoleRequest {
    /// The new role.
    role: Role,
}

/// Lists the workspace's members.
#[utoipa::path(get, path = "/api/v1/members", tag = "members", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Member>)))]
async fn list_members(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<Member>>, ApiError> {
    Ok(Json(state.app.list_members(&who, page).await?.into()))
}

/// Changes a member's role.
#[utoipa::path(patch, path = "/api/v1/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("user_id" = uuid::Uuid, Path, description = "the member's user id")), request_body = SetRoleRequest,
    responses((status = 200, body = Member), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn set_role(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(req): ApiJson<SetRoleRequest>,
) -> Result<Json<Member>, ApiError> {
    Ok(Json(
        state
            .app
            .set_member_role(&who, UserId(id), req.role)
            .await?,
    ))
}

/// Removes a member from the workspace.
#[utoipa::path(delete, path = "/api/v1/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("user_id" = uuid::Uuid, Path, description = "the member's user id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state.app.remove_member(&who, UserId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Invites someone; the answer's `token` is for them to redeem and is shown only once.
#[utoipa::path(post, path = "/api/v1/invitations", tag = "members", security(("bearer" = [])),
    request_body = InviteRequest,
    responses((status = 201, body = CreatedInvitation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn invite(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<CreatedInvitation>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.invite(&who, &req.email, req.role).await?),
    ))
}

/// Lists the workspace's invitations.
#[utoipa::path(get, path = "/api/v1/invitations", tag = "members", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Invitation>), (status = 403, body = ErrorBody)))]
async fn list_invitations(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<Invitation>>, ApiError> {
    Ok(Json(state.app.list_invitations(&who, page).await?.into()))
}

/// Withdraws an invitation.
#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "members", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the invitation's id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_invitation(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_invitation(&who, InvitationId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
