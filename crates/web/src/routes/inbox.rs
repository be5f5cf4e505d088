//! The one inbox: the workspace's conversations with leads, one conversation with its
//! thread, answering it (sent once, paced) and triaging it (state, assignee, read flag).

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use revos_app::inbox::{
    Conversation, ConversationDetail, ConversationPatch, InboxMessage, InboxQuery,
};
use revos_app::inbox_answer::AnswerRequest;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get, patch))
        .routes(routes!(answer))
}

/// The list's filters, as given in the query string.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct InboxFilters {
    /// Only this LinkedIn account's conversations.
    account_id: Option<String>,
    /// Only this campaign's.
    campaign_id: Option<String>,
    /// Only this client's (cartridge).
    client_id: Option<String>,
    /// `open`, `waiting` or `handled`.
    state: Option<String>,
}

impl InboxFilters {
    /// The filters, each id checked; a mistake names its parameter.
    pub(crate) fn parse(self) -> Result<InboxQuery, ApiError> {
        let given = |v: Option<String>| v.filter(|s| !s.is_empty());
        let mut problems: Vec<&str> = Vec::new();
        let mut id = |name: &'static str, raw: Option<String>| {
            given(raw).and_then(|r| {
                uuid::Uuid::parse_str(&r)
                    .map_err(|_| problems.push(name))
                    .ok()
            })
        };
        let query = InboxQuery {
            account_id: id("account_id", self.account_id),
            campaign_id: id("campaign_id", self.campaign_id),
            client_id: id("client_id", self.client_id),
            state: given(self.state),
        };
        if !problems.is_empty() {
            let mut err = ApiError::bad_request(format!("invalid filter: {}", problems.join(", ")));
            for field in problems {
                err = err.with_field(field, "must be a UUID");
            }
            return Err(err);
        }
        Ok(query)
    }
}

/// Lists the workspace's conversations with leads, across all its LinkedIn accounts and
/// campaigns: unread first, then newest first.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", security(("bearer" = [])),
    params(InboxFilters,
           ("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Conversation>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
    filters: Result<Query<InboxFilters>, QueryRejection>,
) -> Result<Json<List<Conversation>>, ApiError> {
    let Query(filters) = filters.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = filters.parse()?;
    Ok(Json(state.app.list_inbox(&who, &query, page).await?.into()))
}

/// One conversation with its lead, campaign and whole thread, synced from the provider's
/// chat first (`synced` is false when the provider could not be read: the kept copy is
/// shown). Opening it marks it read.
#[utoipa::path(get, path = "/api/v1/inbox/{conversation_id}", tag = "inbox", security(("bearer" = [])),
    params(("conversation_id" = uuid::Uuid, Path, description = "the conversation's id")),
    responses((status = 200, body = ConversationDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<ConversationDetail>, ApiError> {
    Ok(Json(state.app.open_conversation(&who, id).await?))
}

/// Changes a conversation's state (`open`, `waiting`, `handled`), its assignee (a member of
/// the workspace; `null` unassigns) or its read flag.
#[utoipa::path(patch, path = "/api/v1/inbox/{conversation_id}", tag = "inbox", security(("bearer" = [])),
    params(("conversation_id" = uuid::Uuid, Path, description = "the conversation's id")),
    request_body = ConversationPatch,
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(req): ApiJson<ConversationPatch>,
) -> Result<Json<Conversation>, ApiError> {
    Ok(Json(state.app.triage_conversation(&who, id, &req).await?))
}

/// Answers a conversation: the message is queued and sent through the account's chat once,
/// paced like every other action of the account, and recorded in the lead's timeline. A
/// request repeated with the same `idempotency_key` sends nothing more.
#[utoipa::path(post, path = "/api/v1/inbox/{conversation_id}/messages", tag = "inbox", security(("bearer" = [])),
    params(("conversation_id" = uuid::Uuid, Path, description = "the conversation's id")),
    request_body = AnswerRequest,
    responses((status = 202, body = InboxMessage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn answer(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(req): ApiJson<AnswerRequest>,
) -> Result<(StatusCode, Json<InboxMessage>), ApiError> {
    let sent = state.app.answer_conversation(&who, id, &req).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}
