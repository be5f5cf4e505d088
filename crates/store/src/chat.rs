//! Chat sessions with the agents and their persisted transcripts. A session belongs to one
//! user of one tenant; its messages are stored in order, each as the JSON of one model message.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{TenantId, UserId};
use uuid::Uuid;

/// A stored chat session.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChatSessionRow {
    /// Its id.
    pub id: Uuid,
    /// The user it belongs to.
    pub user_id: Uuid,
    /// The selected cartridge (the client the agents speak for).
    pub cartridge_id: Option<Uuid>,
    /// `auto` (routed by intent) or the name of a pinned agent.
    pub agent: String,
    /// A short title (the first message, cut).
    pub title: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One stored transcript message.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChatMessageRow {
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

/// Stores a new session of `user` in `tenant`.
pub async fn insert_session(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    row: &ChatSessionRow,
) -> Result<()> {
    const SQL: &str = "INSERT INTO chat_sessions (id, tenant_id, user_id, cartridge_id, agent, title, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(row.id).bind(tenant.0).bind(user.0).bind(row.cartridge_id)
        .bind(&row.agent).bind(&row.title).bind(row.created_at).bind(row.updated_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// The session `id` of `user`, if it is theirs.
pub async fn get_session(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    id: Uuid,
) -> Result<Option<ChatSessionRow>> {
    const SQL: &str = "SELECT id, user_id, cartridge_id, agent, title, created_at, updated_at FROM chat_sessions \
        WHERE tenant_id = $1 AND user_id = $2 AND id = $3";
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, ChatSessionRow>(SQL).bind(tenant.0).bind(user.0).bind(id)
        .fetch_optional(c).await?),
    )
}

/// The newest sessions of `user`, at most `limit`.
pub async fn list_sessions(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    limit: i64,
) -> Result<Vec<ChatSessionRow>> {
    const SQL: &str = "SELECT id, user_id, cartridge_id, agent, title, created_at, updated_at FROM chat_sessions \
        WHERE tenant_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3";
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, ChatSessionRow>(SQL).bind(tenant.0).bind(user.0).bind(limit)
        .fetch_all(c).await?),
    )
}

/// Changes a session's cartridge, agent and title.
pub async fn update_session(tx: &mut Tx, tenant: TenantId, row: &ChatSessionRow) -> Result<()> {
    const SQL: &str = "UPDATE chat_sessions SET cartridge_id = $3, agent = $4, title = $5, updated_at = $6 \
        WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(row.id).bind(row.cartridge_id).bind(&row.agent)
        .bind(&row.title).bind(row.updated_at).execute(c).await?.rows_affected());
    Ok(())
}

/// Appends `message` (JSON) to the transcript of `session`, after its last message.
pub async fn append_message(
    tx: &mut Tx,
    tenant: TenantId,
    session: Uuid,
    role: &str,
    agent: Option<&str>,
    message: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    const NEXT: &str = "SELECT COALESCE(MAX(seq), 0) + 1 FROM chat_messages WHERE tenant_id = $1 AND session_id = $2";
    const SQL: &str = "INSERT INTO chat_messages (id, tenant_id, session_id, seq, role, agent, message, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let seq: i64 = on_conn!(tx, c => sqlx::query_scalar(NEXT).bind(tenant.0).bind(session).fetch_one(c).await?);
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(session).bind(seq).bind(role)
        .bind(agent).bind(message).bind(at).execute(c).await?.rows_affected());
    Ok(seq)
}

/// The transcript of `session`, in order.
pub async fn messages(tx: &mut Tx, tenant: TenantId, session: Uuid) -> Result<Vec<ChatMessageRow>> {
    const SQL: &str = "SELECT seq, role, agent, message, created_at FROM chat_messages \
        WHERE tenant_id = $1 AND session_id = $2 ORDER BY seq";
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, ChatMessageRow>(SQL).bind(tenant.0).bind(session)
        .fetch_all(c).await?),
    )
}
