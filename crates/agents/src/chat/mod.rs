//! Chat with the agents: sessions per user with a selected cartridge (the client whose voice
//! the agents use), messages answered by a run of the Campaign Manager, Lead Enrichment or
//! Content Generation agent (pinned per session or routed by intent), and the persisted
//! transcript. Without a model the same sessions work offline through the command grammar.
//!
//! [`Agents`] holds what the chat needs beyond the use cases: the runs in progress in this
//! process. The web layer keeps one in its state; the binary builds it.

mod events;
mod history;
mod run;
mod runs;
mod runtime;
mod send;

pub use events::{ChatEvent, StopReason};
pub use runs::ChatRunHandle;
pub use runtime::RunLimits;

use crate::definitions::AgentKind;
use crate::mcp::clients::McpClients;
use chrono::{DateTime, Utc};
use revos_app::conversations::Conversation;
use revos_app::llm::{LlmCall, LlmMode};
use revos_app::{App, AppError, Principal, Result};
use revos_domain::{CartridgeId, ValidationErrors};
use runs::ChatRuns;
use serde::Serialize;
use std::sync::Arc;
use uuid::Uuid;

/// The longest chat message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 8_000;
/// `agent` value of a session that routes each message by intent.
pub const AUTO_AGENT: &str = "auto";
const NEW_TITLE: &str = "New chat";

/// The agents of one process: the use cases they act through, the chat runs in progress and
/// the external MCP servers' connections. Cheap to clone; clones share the runs and the
/// connections.
#[derive(Clone)]
pub struct Agents {
    app: App,
    runs: Arc<ChatRuns>,
    mcp: Arc<McpClients>,
}

impl Agents {
    /// The agents over `app`, with no run in progress and no MCP server connected.
    pub fn new(app: App) -> Self {
        Self {
            app,
            runs: Arc::default(),
            mcp: Arc::default(),
        }
    }

    /// The use cases the agents act through.
    pub fn app(&self) -> &App {
        &self.app
    }
}

/// A chat session as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatSession {
    /// Its id.
    pub id: Uuid,
    /// The selected cartridge (client).
    pub cartridge_id: Option<CartridgeId>,
    /// `auto` or the pinned agent's name.
    pub agent: String,
    /// The first message, cut.
    pub title: String,
    /// Whether a model answers now (`online`) or the command grammar (`offline`).
    pub mode: LlmMode,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One message of a transcript.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TranscriptEntry {
    /// Its position, from 1.
    pub seq: i64,
    /// The agent that wrote or received it.
    pub agent: Option<String>,
    /// The message: `role` (`user`, `assistant`, `tool`), `content`, `tool_calls`, `tool_call_id`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub message: serde_json::Value,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A session with its whole transcript and the model calls it made.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatTranscript {
    /// The session.
    pub session: ChatSession,
    /// Its messages, in order.
    pub messages: Vec<TranscriptEntry>,
    /// The model calls its runs made, with tokens and cost.
    pub llm_calls: Vec<LlmCall>,
}

/// What a new session starts with.
#[derive(Clone, Debug, Default)]
pub struct NewChatSession {
    /// The cartridge (client) to speak for.
    pub cartridge_id: Option<CartridgeId>,
    /// `auto` (default) or an agent's name.
    pub agent: Option<String>,
}

/// A change to a session: switch client or agent.
#[derive(Clone, Debug, Default)]
pub struct ChatSessionChange {
    /// `Some(None)` clears the cartridge, `Some(Some(id))` selects one.
    pub cartridge_id: Option<Option<CartridgeId>>,
    /// `auto` or an agent's name.
    pub agent: Option<String>,
}

fn parse_agent(raw: Option<&str>) -> Result<String> {
    match raw {
        None | Some(AUTO_AGENT) => Ok(AUTO_AGENT.into()),
        Some(name) if AgentKind::parse(name).is_some() => Ok(name.into()),
        Some(_) => Err(ValidationErrors::single(
            "agent",
            "must be auto, campaign_manager, lead_enrichment or content_generation",
        )
        .into()),
    }
}

fn session_view(c: Conversation, mode: LlmMode) -> ChatSession {
    ChatSession {
        id: c.id,
        cartridge_id: c.cartridge_id,
        agent: c.agent,
        title: c.title,
        mode,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

impl Agents {
    async fn check_cartridge(&self, who: &Principal, id: CartridgeId) -> Result<()> {
        match self.app.get_cartridge(who, id).await {
            Ok(_) => Ok(()),
            Err(AppError::NotFound(_)) => Err(ValidationErrors::single(
                "cartridge_id",
                "no cartridge with this id in the workspace",
            )
            .into()),
            Err(other) => Err(other),
        }
    }

    /// Starts a chat session for the caller.
    pub async fn create_chat_session(
        &self,
        who: &Principal,
        new: NewChatSession,
    ) -> Result<ChatSession> {
        let agent = parse_agent(new.agent.as_deref())?;
        if let Some(c) = new.cartridge_id {
            self.check_cartridge(who, c).await?;
        }
        let conversation = self
            .app
            .start_conversation(who, new.cartridge_id, &agent, NEW_TITLE)
            .await?;
        Ok(session_view(
            conversation,
            self.app.llm_mode(who.tenant).await?,
        ))
    }

    /// The caller's newest chat sessions (their own only).
    pub async fn list_chat_sessions(&self, who: &Principal) -> Result<Vec<ChatSession>> {
        let mode = self.app.llm_mode(who.tenant).await?;
        let conversations = self.app.list_conversations(who, 100).await?;
        Ok(conversations
            .into_iter()
            .map(|c| session_view(c, mode))
            .collect())
    }

    /// Switches a session's cartridge (the client selector) or agent.
    pub async fn update_chat_session(
        &self,
        who: &Principal,
        id: Uuid,
        change: ChatSessionChange,
    ) -> Result<ChatSession> {
        let mut conversation = self.app.conversation(who, id).await?;
        if let Some(agent) = change.agent.as_deref() {
            conversation.agent = parse_agent(Some(agent))?;
        }
        if let Some(cartridge) = change.cartridge_id {
            if let Some(c) = cartridge {
                self.check_cartridge(who, c).await?;
            }
            conversation.cartridge_id = cartridge;
        }
        conversation.updated_at = self.app.now();
        self.app
            .save_conversation(who.tenant, &conversation)
            .await?;
        Ok(session_view(
            conversation,
            self.app.llm_mode(who.tenant).await?,
        ))
    }

    /// A session of the caller with its transcript and model calls.
    pub async fn chat_transcript(&self, who: &Principal, id: Uuid) -> Result<ChatTranscript> {
        let conversation = self.app.conversation(who, id).await?;
        let stored = self.app.conversation_messages(who.tenant, id).await?;
        let messages = stored
            .into_iter()
            .map(|m| TranscriptEntry {
                seq: m.seq,
                agent: m.agent,
                message: serde_json::from_str(&m.message).unwrap_or(serde_json::Value::Null),
                created_at: m.created_at,
            })
            .collect();
        Ok(ChatTranscript {
            session: session_view(conversation, self.app.llm_mode(who.tenant).await?),
            messages,
            llm_calls: self.app.llm_calls_of_session(who, id).await?,
        })
    }

    /// Cancels every chat run of this process, now and from now on: the server is stopping,
    /// and a run waiting on a model must not hold its stream (and the shutdown) open.
    pub fn cancel_all_chat_runs(&self) {
        self.runs.stop_all();
    }

    /// Cancels the session's run in progress; false when none runs (in this process).
    pub async fn cancel_chat_run(&self, who: &Principal, id: Uuid) -> Result<bool> {
        self.app.conversation(who, id).await?;
        Ok(self.runs.cancel(id))
    }
}
