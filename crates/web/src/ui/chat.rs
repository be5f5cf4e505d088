//! The floating chat's endpoints for the signed-in page: start a session (with the client
//! selector's cartridge), switch its client, and send a message answered as Server-Sent
//! Events. The same use cases as the chat API, authenticated by the session cookie and the
//! CSRF header instead of a bearer token.

use super::render::UiError;
use super::session::Signed;
use crate::extract::{ApiJson, PathId};
use crate::routes::chat::event_stream;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use revos_agents::chat::{ChatSessionChange, NewChatSession, RunLimits};
use revos_domain::CartridgeId;
use serde::Deserialize;
use uuid::Uuid;

/// The client the chat speaks for.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Client {
    cartridge_id: Option<Uuid>,
}

/// A message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Message {
    content: String,
}

/// `POST /ui/chat/sessions`: a new session for the client selector's cartridge.
pub(super) async fn start(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Client>,
) -> Result<Response, UiError> {
    signed.check_script(&headers)?;
    let session = state
        .agents
        .create_chat_session(
            &signed.who,
            NewChatSession {
                cartridge_id: body.cartridge_id.map(CartridgeId),
                agent: None,
            },
        )
        .await?;
    Ok(Json(session).into_response())
}

/// `POST /ui/chat/sessions/{id}/client`: the client selector changed.
pub(super) async fn switch_client(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    PathId(id): PathId,
    ApiJson(body): ApiJson<Client>,
) -> Result<Response, UiError> {
    signed.check_script(&headers)?;
    let change = ChatSessionChange {
        cartridge_id: Some(body.cartridge_id.map(CartridgeId)),
        agent: None,
    };
    let session = state
        .agents
        .update_chat_session(&signed.who, id, change)
        .await?;
    Ok(Json(session).into_response())
}

/// `POST /ui/chat/sessions/{id}/messages`: the answer, streamed.
pub(super) async fn send(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    PathId(id): PathId,
    ApiJson(body): ApiJson<Message>,
) -> Result<Response, UiError> {
    signed.check_script(&headers)?;
    let run = state
        .agents
        .send_chat_message(&signed.who, id, &body.content, RunLimits::default())
        .await?;
    Ok(event_stream(run).into_response())
}
