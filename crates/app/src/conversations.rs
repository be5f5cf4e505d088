//! Chat conversations as stored: a session per user (its selected cartridge, its agent, its
//! title) and its transcript, one message at a time, in order. The chat runtime (the
//! `revos-agents` crate) keeps its sessions through these use cases, never the database.

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::{CartridgeId, TenantId};
use revos_store::chat::{self as store, ChatMessageRow, ChatSessionRow};
use uuid::Uuid;

/// A stored chat session of one user.
#[derive(Clone, Debug)]
pub struct Conversation {
    /// Its id.
    pub id: Uuid,
    /// The selected cartridge (the client the agents speak for).
    pub cartridge_id: Option<CartridgeId>,
    /// `auto` (routed by intent) or the name of a pinned agent.
    pub agent: String,
    /// A short title (the first message, cut).
    pub title: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ChatSessionRow> for Conversation {
    fn from(row: ChatSessionRow) -> Self {
        Self {
            id: row.id,
            cartridge_id: row.cartridge_id.map(CartridgeId),
            agent: row.agent,
            title: row.title,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One stored message of a conversation.
#[derive(Clone, Debug)]
pub struct ConversationMessage {
    /// Its position in the session, from 1.
    pub seq: i64,
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// The agent that produced or received it, when one did.
    pub agent: Option<String>,
    /// The message as JSON.
    pub message: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

impl From<ChatMessageRow> for ConversationMessage {
    fn from(row: ChatMessageRow) -> Self {
        Self {
            seq: row.seq,
            role: row.role,
            agent: row.agent,
            message: row.message,
            created_at: row.created_at,
        }
    }
}

impl App {
    /// Stores a new conversation of the caller, with this cartridge, agent and title.
    pub async fn start_conversation(
        &self,
        who: &Principal,
        cartridge_id: Option<CartridgeId>,
        agent: &str,
        title: &str,
    ) -> Result<Conversation> {
        let now = self.now();
        let row = ChatSessionRow {
            id: Uuid::now_v7(),
            user_id: who.user.0,
            cartridge_id: cartridge_id.map(|c| c.0),
            agent: agent.to_owned(),
            title: title.to_owned(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin_for(who.tenant).await?;
        store::insert_session(&mut tx, who.tenant, who.user, &row).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// The caller's conversation `id` (404 when it is not theirs).
    pub async fn conversation(&self, who: &Principal, id: Uuid) -> Result<Conversation> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = store::get_session(&mut tx, who.tenant, who.user, id).await?;
        tx.commit().await?;
        row.map(Conversation::from)
            .ok_or(AppError::NotFound("chat session"))
    }

    /// The caller's newest conversations, at most `limit`.
    pub async fn list_conversations(
        &self,
        who: &Principal,
        limit: i64,
    ) -> Result<Vec<Conversation>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list_sessions(&mut tx, who.tenant, who.user, limit).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Conversation::from).collect())
    }

    /// Saves a conversation's cartridge, agent, title and time of change.
    pub async fn save_conversation(
        &self,
        tenant: TenantId,
        conversation: &Conversation,
    ) -> Result<()> {
        let c = conversation;
        let row = ChatSessionRow {
            id: c.id,
            // Not written by the update; the session keeps its owner.
            user_id: Uuid::nil(),
            cartridge_id: c.cartridge_id.map(|id| id.0),
            agent: c.agent.clone(),
            title: c.title.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        };
        let mut tx = self.store.begin_for(tenant).await?;
        store::update_session(&mut tx, tenant, &row).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The transcript of conversation `id`, in order.
    pub async fn conversation_messages(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Vec<ConversationMessage>> {
        let mut tx = self.store.begin_read_for(tenant).await?;
        let rows = store::messages(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(ConversationMessage::from).collect())
    }

    /// Appends one message (`role`, the agent that wrote or received it, the message as JSON)
    /// to the transcript of conversation `id`, stamped now.
    pub async fn append_conversation_message(
        &self,
        tenant: TenantId,
        id: Uuid,
        role: &str,
        agent: Option<&str>,
        message: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin_for(tenant).await?;
        store::append_message(&mut tx, tenant, id, role, agent, message, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }
}
