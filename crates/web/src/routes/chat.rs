//! Chat with the agents: sessions per user with a selected cartridge, messages answered as
//! Server-Sent Events (text deltas, tool calls and results, usage, done), the transcript, and
//! the workspace's model usage.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use futures::Stream;
use revos_agents::chat::{
    ChatEvent, ChatRunHandle, ChatSession, ChatSessionChange, ChatTranscript, NewChatSession,
    RunLimits,
};
use revos_app::llm::LlmUsage;
use revos_domain::CartridgeId;
use serde::{Deserialize, Deserializer, Serialize};
use std::convert::Infallible;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update))
        .routes(routes!(send))
        .routes(routes!(cancel))
        .routes(routes!(usage))
}

/// A new chat session.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewSession {
    /// The cartridge (client) whose voice the agents use.
    cartridge_id: Option<Uuid>,
    /// `auto` (route each message by intent, the default), `campaign_manager`,
    /// `lead_enrichment` or `content_generation`.
    agent: Option<String>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

/// A change to a session: `cartridge_id` (null clears it) and/or `agent`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SessionChange {
    /// The cartridge to switch to; `null` to speak for no client.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    cartridge_id: Option<Option<Uuid>>,
    /// `auto` or an agent's name.
    agent: Option<String>,
}

/// A message to the agents.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    /// What the person wrote (1 to 8000 characters).
    content: String,
}

/// The caller's sessions.
#[derive(Serialize, utoipa::ToSchema)]
struct Sessions {
    /// Newest first, at most 100.
    items: Vec<ChatSession>,
}

/// Whether a run was cancelled.
#[derive(Serialize, utoipa::ToSchema)]
struct Cancelled {
    /// False when no run was in progress.
    cancelled: bool,
}

/// Period of the usage report.
#[derive(Deserialize, utoipa::IntoParams)]
struct UsageQuery {
    /// Start of the period (RFC 3339); default: 30 days ago.
    since: Option<DateTime<Utc>>,
}

/// Starts a chat session for the caller.
#[utoipa::path(post, path = "/api/v1/chat/sessions", tag = "chat", security(("bearer" = [])),
    request_body = NewSession, responses((status = 201, body = ChatSession), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<NewSession>,
) -> Result<(StatusCode, Json<ChatSession>), ApiError> {
    let new = NewChatSession {
        cartridge_id: body.cartridge_id.map(CartridgeId),
        agent: body.agent,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.agents.create_chat_session(&who, new).await?),
    ))
}

/// Lists the caller's own sessions.
#[utoipa::path(get, path = "/api/v1/chat/sessions", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = Sessions)))]
async fn list(State(state): State<AppState>, Auth(who): Auth) -> Result<Json<Sessions>, ApiError> {
    Ok(Json(Sessions {
        items: state.agents.list_chat_sessions(&who).await?,
    }))
}

/// Reads a session with its transcript and the model calls it made.
#[utoipa::path(get, path = "/api/v1/chat/sessions/{id}", tag = "chat", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the session's id")),
    responses((status = 200, body = ChatTranscript), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<ChatTranscript>, ApiError> {
    Ok(Json(state.agents.chat_transcript(&who, id).await?))
}

/// Switches a session's cartridge (the client selector) or agent.
#[utoipa::path(patch, path = "/api/v1/chat/sessions/{id}", tag = "chat", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the session's id")), request_body = SessionChange,
    responses((status = 200, body = ChatSession), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(body): ApiJson<SessionChange>,
) -> Result<Json<ChatSession>, ApiError> {
    let change = ChatSessionChange {
        cartridge_id: body.cartridge_id.map(|c| c.map(CartridgeId)),
        agent: body.agent,
    };
    Ok(Json(
        state.agents.update_chat_session(&who, id, change).await?,
    ))
}

/// Sends a message; the answer streams back as Server-Sent Events, each named by its `type`:
/// `started` (agent, mode `online`/`offline`, cartridge), `text` (`delta`), `tool_call`,
/// `tool_result` (`ok`, `summary`, `link`, `value`), `usage` (tokens, `cost_usd`), `error`,
/// and `done` (`stop`: completed, step_limit, cancelled or failed) last. Closing the stream
/// cancels the run.
#[utoipa::path(post, path = "/api/v1/chat/sessions/{id}/messages", tag = "chat", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the session's id")), request_body = NewMessage,
    responses((status = 200, description = "text/event-stream of chat events"), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn send(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(body): ApiJson<NewMessage>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let run = state
        .agents
        .send_chat_message(&who, id, &body.content, RunLimits::default())
        .await?;
    Ok(event_stream(run))
}

/// A run's events as Server-Sent Events, each named by its `type`. Dropping the stream (the
/// client went away) cancels the run.
pub(crate) fn event_stream(
    run: ChatRunHandle,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = futures::stream::unfold(run.events, |mut rx| async move {
        let event = rx.recv().await?;
        Some((Ok(sse_event(&event)), rx))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

fn sse_event(event: &ChatEvent) -> Event {
    let json = serde_json::to_value(event).unwrap_or(serde_json::Value::Null);
    let name = json
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("message")
        .to_owned();
    Event::default().event(name).data(json.to_string())
}

/// Cancels the session's run in progress.
#[utoipa::path(post, path = "/api/v1/chat/sessions/{id}/cancel", tag = "chat", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the session's id")),
    responses((status = 200, body = Cancelled), (status = 404, body = ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Cancelled>, ApiError> {
    Ok(Json(Cancelled {
        cancelled: state.agents.cancel_chat_run(&who, id).await?,
    }))
}

/// The workspace's language-model usage: mode, calls, tokens and cost since a date, and this
/// calendar month's budget on the instance's model (budget, spent, remaining).
#[utoipa::path(get, path = "/api/v1/llm/usage", tag = "chat", security(("bearer" = [])),
    params(UsageQuery), responses((status = 200, body = LlmUsage), (status = 400, body = ErrorBody)))]
async fn usage(
    State(state): State<AppState>,
    Auth(who): Auth,
    query: Result<Query<UsageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<LlmUsage>, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::bad_request(e.body_text()).with_field("since", "must be an RFC 3339 date-time")
    })?;
    let since = q
        .since
        .unwrap_or_else(|| state.app.now() - chrono::Duration::days(30));
    Ok(Json(state.app.llm_usage(&who, since).await?))
}
