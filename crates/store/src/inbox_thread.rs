//! A conversation's thread kept locally: our DM, their replies, the messages a sync of the
//! chat through the provider found, and the answers sent from RevOS. An answer is recorded
//! once per idempotency key before anything is sent, marked `sending` (with the chat's newest
//! message then) right before the provider call, and `sent` after, with its conversation
//! moved in the same transaction: the same exactly-once trail as the campaign's DM.

use crate::sql_builder::{Bind, SqlBuilder, bind_each};
use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::inbox::ConversationState;
use revos_domain::lead::DmState;
use uuid::Uuid;

/// The most messages of a thread read at once (the newest ones).
pub const THREAD_LIMIT: i64 = 500;

/// One message of a thread.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ThreadMessage {
    /// Its id.
    pub id: Uuid,
    /// `out` (ours) or `in` (theirs).
    pub direction: String,
    /// `queued`, `sending`, `sent`, `failed` (ours) or `received` (theirs).
    pub status: String,
    /// Its text.
    pub body: String,
    /// The member who wrote an answer.
    pub author_id: Option<Uuid>,
    /// When it was sent or received (for an answer not sent yet, when it was written).
    pub at: DateTime<Utc>,
}

/// The thread of a conversation of `tenant`, oldest first (its newest [`THREAD_LIMIT`]).
pub async fn thread(
    tx: &mut Tx,
    tenant: TenantId,
    conversation: Uuid,
) -> Result<Vec<ThreadMessage>> {
    const SQL: &str = "SELECT id, direction, status, body, author_id, at FROM inbox_messages \
        WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY at DESC, id DESC LIMIT $3";
    let mut rows: Vec<ThreadMessage> = on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(conversation)
        .bind(THREAD_LIMIT).fetch_all(c).await?);
    rows.reverse();
    Ok(rows)
}

/// A message of the chat as the provider lists it.
#[derive(Clone, Debug)]
pub struct SyncedMessage<'a> {
    /// The provider's id.
    pub provider_message_id: &'a str,
    /// Its text.
    pub body: &'a str,
    /// True for ours.
    pub from_us: bool,
    /// When, as the provider says (else when it was read).
    pub at: DateTime<Utc>,
}

/// Keeps the messages of a sync that the thread of a conversation of `tenant` does not hold
/// yet (by provider id), in one statement; returns how many were new.
pub async fn keep_synced(
    tx: &mut Tx,
    tenant: TenantId,
    conversation: Uuid,
    messages: &[SyncedMessage<'_>],
    now: DateTime<Utc>,
) -> Result<u64> {
    if messages.is_empty() {
        return Ok(0);
    }
    let mut b = SqlBuilder::default();
    b.push(
        "INSERT INTO inbox_messages (id, tenant_id, conversation_id, direction, status, body, \
         provider_message_id, at, created_at, updated_at) VALUES ",
    );
    for (i, m) in messages.iter().enumerate() {
        let (direction, status) = if m.from_us {
            ("out", "sent")
        } else {
            ("in", "received")
        };
        b.push(if i == 0 { "(" } else { ", (" })
            .bind(Bind::Uuid(Uuid::now_v7()))
            .push(", ")
            .bind(Bind::Uuid(tenant.0))
            .push(", ")
            .bind(Bind::Uuid(conversation))
            .push(", ")
            .bind(Bind::Text(direction.to_owned()))
            .push(", ")
            .bind(Bind::Text(status.to_owned()))
            .push(", ")
            .bind(Bind::Text(m.body.to_owned()))
            .push(", ")
            .bind(Bind::Text(m.provider_message_id.to_owned()))
            .push(", ")
            .bind(Bind::Time(m.at))
            .push(", ")
            .bind(Bind::Time(now))
            .push(", ")
            .bind(Bind::Time(now))
            .push(")");
    }
    b.push(
        " ON CONFLICT (conversation_id, provider_message_id) WHERE provider_message_id IS NOT NULL \
         DO NOTHING",
    );
    Ok(
        on_conn!(tx, c => bind_each!(sqlx::query(sqlx::AssertSqlSafe(b.sql())), b.binds())
        .execute(c).await?.rows_affected()),
    )
}

/// An answer written in RevOS, as its sending needs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AnswerRow {
    /// Its id.
    pub id: Uuid,
    /// Its conversation.
    pub conversation_id: Uuid,
    /// Where it is in its sending.
    #[sqlx(try_from = "String")]
    pub status: DmState,
    /// The text.
    pub body: String,
    /// The provider's id, once an answer (or the chat) gave it.
    pub provider_message_id: Option<String>,
    /// When the chat was read before the first send attempt.
    pub chat_read_before_send_at: Option<DateTime<Utc>>,
    /// The chat's newest message at that read.
    pub last_message_before_send: Option<String>,
}

/// Records an answer of `author` to a conversation of `tenant`, queued, unless one with the
/// same idempotency key exists; returns the answer and whether it is new.
pub async fn record_answer(
    tx: &mut Tx,
    tenant: TenantId,
    conversation: Uuid,
    key: &str,
    body: &str,
    author: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(AnswerRow, bool)> {
    const SQL: &str = "INSERT INTO inbox_messages (id, tenant_id, conversation_id, direction, status, body, \
        idempotency_key, author_id, at, created_at, updated_at) VALUES ($1, $2, $3, 'out', 'queued', $4, $5, $6, $7, $7, $7) \
        ON CONFLICT (conversation_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING";
    const GET: &str = "SELECT id, conversation_id, status, body, provider_message_id, chat_read_before_send_at, \
        last_message_before_send FROM inbox_messages WHERE tenant_id = $1 AND conversation_id = $2 \
        AND idempotency_key = $3";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(conversation).bind(body)
        .bind(key).bind(author).bind(now).execute(c).await?.rows_affected());
    let row = on_conn!(tx, c => sqlx::query_as(GET).bind(tenant.0).bind(conversation).bind(key).fetch_one(c).await?);
    Ok((row, n == 1))
}

/// An answer of `tenant`.
pub async fn answer(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Option<AnswerRow>> {
    const SQL: &str = "SELECT id, conversation_id, status, body, provider_message_id, chat_read_before_send_at, \
        last_message_before_send FROM inbox_messages WHERE tenant_id = $1 AND id = $2 AND direction = 'out'";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id).fetch_optional(c).await?))
}

/// Marks an answer of `tenant` `sending` before its first attempt, with the chat's newest
/// message then (`None`: an empty chat).
pub async fn mark_answer_sending(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    last_message: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE inbox_messages SET status = 'sending', chat_read_before_send_at = $4, \
        last_message_before_send = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 AND status = 'queued'";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(last_message).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Records an answer of `tenant` as sent at `at` (with the provider's id when known) and
/// moves its conversation as our message does (waiting on them, read, last activity), in the
/// caller's transaction. An answer already sent is left as it is.
pub async fn answer_sent(
    tx: &mut Tx,
    tenant: TenantId,
    answer: &AnswerRow,
    provider_message_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE inbox_messages SET status = 'sent', provider_message_id = $3, at = $4, updated_at = $4 \
        WHERE tenant_id = $1 AND id = $2 AND status <> 'sent'";
    const MOVE: &str = "UPDATE inbox_conversations SET state = $3, unread = $4, last_message = $5, \
        last_activity_at = CASE WHEN last_activity_at > $6 THEN last_activity_at ELSE $6 END, updated_at = $6 \
        WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(answer.id).bind(provider_message_id)
        .bind(at).execute(c).await?.rows_affected());
    if n == 1 {
        let state = ConversationState::after_message(true);
        let unread = ConversationState::unread_after_message(true);
        on_conn!(tx, c => sqlx::query(MOVE).bind(tenant.0).bind(answer.conversation_id).bind(state.as_str())
            .bind(unread).bind(&answer.body).bind(at).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// Records that an answer of `tenant` will not be sent.
pub async fn answer_failed(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    error: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE inbox_messages SET status = 'failed', error = $3, updated_at = $4 \
        WHERE tenant_id = $1 AND id = $2 AND status <> 'sent'";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(error).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}
