//! The one inbox's conversations: one row per lead's chat with one of the workspace's
//! LinkedIn accounts, holding where it stands (open / waiting / handled), its assignee, its
//! read flag and its last activity. Every message write that concerns a chat (the campaign's
//! DM going out, a reply coming in, an answer sent from RevOS) updates its conversation in the
//! same transaction ([`note_message`]), so the list is one indexed query with no per-row
//! reads ([`list`]).

use crate::sql_builder::{Bind, SqlBuilder, bind_each};
use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::inbox::ConversationState;
use revos_domain::{PageRequest, TenantId};
use uuid::Uuid;

/// The columns of a conversation as the inbox shows it, read from `inbox_conversations v`
/// and its joins.
const COLUMNS: &str = "SELECT v.id, v.linkedin_account_id, a.display_name AS account_name, a.provider, \
    a.provider_account_id, v.chat_id, v.lead_id, l.name AS lead_name, l.headline AS lead_headline, \
    v.campaign_id, c.name AS campaign_name, v.cartridge_id, k.name AS cartridge_name, v.state, \
    v.assignee_id, u.email AS assignee_email, v.unread, v.last_activity_at, v.last_message \
    FROM inbox_conversations v \
    JOIN linkedin_accounts a ON a.id = v.linkedin_account_id \
    JOIN leads l ON l.id = v.lead_id \
    LEFT JOIN campaigns c ON c.id = v.campaign_id \
    LEFT JOIN cartridges k ON k.id = v.cartridge_id \
    LEFT JOIN users u ON u.id = v.assignee_id";

/// A conversation with the names it is shown with.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConversationRow {
    /// Its id.
    pub id: Uuid,
    /// The LinkedIn account whose chat it is.
    pub linkedin_account_id: Uuid,
    /// That account's name.
    pub account_name: String,
    /// That account's provider (`unipile` or `sandbox`).
    pub provider: String,
    /// That account's id at the provider.
    pub provider_account_id: String,
    /// The chat's id at the provider.
    pub chat_id: String,
    /// The lead.
    pub lead_id: Uuid,
    /// The lead's name.
    pub lead_name: String,
    /// The lead's headline.
    pub lead_headline: Option<String>,
    /// The campaign that started it.
    pub campaign_id: Option<Uuid>,
    /// That campaign's name.
    pub campaign_name: Option<String>,
    /// The campaign's client (cartridge).
    pub cartridge_id: Option<Uuid>,
    /// The client's name.
    pub cartridge_name: Option<String>,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub state: ConversationState,
    /// The member it is assigned to.
    pub assignee_id: Option<Uuid>,
    /// That member's email.
    pub assignee_email: Option<String>,
    /// True when they wrote last and nobody opened it since.
    pub unread: bool,
    /// When its last message came.
    pub last_activity_at: DateTime<Utc>,
    /// The text of its last message.
    pub last_message: String,
}

/// The filters of the list; each one set adds one condition, walked through its own index.
#[derive(Clone, Copy, Debug, Default)]
pub struct InboxFilter {
    /// Only this LinkedIn account's conversations.
    pub account: Option<Uuid>,
    /// Only this campaign's.
    pub campaign: Option<Uuid>,
    /// Only this client's (cartridge).
    pub cartridge: Option<Uuid>,
    /// Only those in this state.
    pub state: Option<ConversationState>,
}

/// A message write that concerns a chat, to note in its conversation.
#[derive(Clone, Debug)]
pub struct ChatMessage<'a> {
    /// The campaign whose account holds the chat.
    pub campaign: Uuid,
    /// The lead.
    pub lead: Uuid,
    /// The chat at the provider.
    pub chat: &'a str,
    /// True for ours.
    pub from_us: bool,
    /// The provider's id of the message, when known.
    pub provider_message_id: Option<&'a str>,
    /// Its text.
    pub body: &'a str,
    /// When it was sent or received.
    pub at: DateTime<Utc>,
}

/// Notes `m` in its conversation (created on the first message of the chat) and keeps it in
/// the conversation's thread, in the caller's transaction; returns the conversation, or
/// `None` when the campaign has no LinkedIn account. A message already kept (same provider
/// id) changes nothing.
pub async fn note_message(
    tx: &mut Tx,
    tenant: TenantId,
    m: &ChatMessage<'_>,
) -> Result<Option<Uuid>> {
    const THREAD: &str = "INSERT INTO inbox_messages (id, tenant_id, conversation_id, direction, status, body, \
        provider_message_id, at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) \
        ON CONFLICT (conversation_id, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING";
    let Some(conversation) = upsert(tx, tenant, m).await? else {
        return Ok(None);
    };
    let (direction, status) = if m.from_us {
        ("out", "sent")
    } else {
        ("in", "received")
    };
    on_conn!(tx, c => sqlx::query(THREAD).bind(Uuid::now_v7()).bind(tenant.0).bind(conversation).bind(direction)
        .bind(status).bind(m.body).bind(m.provider_message_id).bind(m.at).execute(c).await?.rows_affected());
    Ok(Some(conversation))
}

/// Creates or moves the conversation of `m`'s chat: its state and read flag follow the
/// message ([`ConversationState::after_message`]), its last activity only moves forward.
async fn upsert(tx: &mut Tx, tenant: TenantId, m: &ChatMessage<'_>) -> Result<Option<Uuid>> {
    const SQL: &str = "INSERT INTO inbox_conversations (id, tenant_id, linkedin_account_id, chat_id, lead_id, \
        campaign_id, cartridge_id, state, unread, last_activity_at, last_message, created_at, updated_at) \
        SELECT $1, c.tenant_id, c.linkedin_account_id, $3, $4, c.id, c.cartridge_id, $6, $7, $8, $9, $8, $8 \
        FROM campaigns c WHERE c.tenant_id = $2 AND c.id = $5 AND c.linkedin_account_id IS NOT NULL \
        ON CONFLICT (tenant_id, linkedin_account_id, chat_id) DO UPDATE SET \
        state = CASE WHEN excluded.last_activity_at >= inbox_conversations.last_activity_at \
            THEN excluded.state ELSE inbox_conversations.state END, \
        unread = CASE WHEN excluded.last_activity_at >= inbox_conversations.last_activity_at \
            THEN excluded.unread ELSE inbox_conversations.unread END, \
        last_message = CASE WHEN excluded.last_activity_at >= inbox_conversations.last_activity_at \
            THEN excluded.last_message ELSE inbox_conversations.last_message END, \
        last_activity_at = CASE WHEN excluded.last_activity_at >= inbox_conversations.last_activity_at \
            THEN excluded.last_activity_at ELSE inbox_conversations.last_activity_at END, \
        updated_at = excluded.updated_at \
        RETURNING id";
    let state = ConversationState::after_message(m.from_us);
    let unread = ConversationState::unread_after_message(m.from_us);
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(m.chat).bind(m.lead)
        .bind(m.campaign).bind(state.as_str()).bind(unread).bind(m.at).bind(m.body)
        .fetch_optional(c).await?),
    )
}

/// A page of `tenant`'s conversations matching `filter`: unread first, then newest first,
/// keyset after the conversation `page.after` (its current place in that order). One query;
/// each filter set walks its own index (migration `inbox`).
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    filter: &InboxFilter,
    page: PageRequest,
) -> Result<Vec<ConversationRow>> {
    let mut b = SqlBuilder::default();
    b.push(COLUMNS)
        .push(" WHERE v.tenant_id = ")
        .bind(Bind::Uuid(tenant.0));
    if let Some(account) = filter.account {
        b.push(" AND v.linkedin_account_id = ")
            .bind(Bind::Uuid(account));
    }
    if let Some(campaign) = filter.campaign {
        b.push(" AND v.campaign_id = ").bind(Bind::Uuid(campaign));
    }
    if let Some(cartridge) = filter.cartridge {
        b.push(" AND v.cartridge_id = ").bind(Bind::Uuid(cartridge));
    }
    if let Some(state) = filter.state {
        b.push(" AND v.state = ")
            .bind(Bind::Text(state.as_str().to_owned()));
    }
    if let Some(after) = page.after {
        b.push(
            " AND (v.unread, v.last_activity_at, v.id) < (SELECT p.unread, p.last_activity_at, p.id \
             FROM inbox_conversations p WHERE p.tenant_id = ",
        )
        .bind(Bind::Uuid(tenant.0))
        .push(" AND p.id = ")
        .bind(Bind::Uuid(after))
        .push(")");
    }
    b.push(" ORDER BY v.unread DESC, v.last_activity_at DESC, v.id DESC LIMIT ")
        .bind(Bind::Int(page.fetch_limit()));
    Ok(
        on_conn!(tx, c => bind_each!(sqlx::query_as(sqlx::AssertSqlSafe(b.sql())), b.binds()).fetch_all(c).await?),
    )
}

/// One conversation of `tenant`.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Option<ConversationRow>> {
    let sql = format!("{COLUMNS} WHERE v.tenant_id = $1 AND v.id = $2");
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(id)
        .fetch_optional(c).await?),
    )
}

/// The most unread conversations [`unread_count`] counts: the nav shows "99+" past it, and
/// every page render stays a bounded index read however many wait.
pub const UNREAD_CAP: i64 = 100;

/// How many of `tenant`'s conversations are unread (the nav's count), up to [`UNREAD_CAP`];
/// an index-only count.
pub async fn unread_count(tx: &mut Tx, tenant: TenantId) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM inbox_conversations \
        WHERE tenant_id = $1 AND unread = $2 LIMIT $3) capped";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(true).bind(UNREAD_CAP)
        .fetch_one(c).await?),
    )
}

/// What a member changes on a conversation; `None` leaves a field as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Triage {
    /// The new state.
    pub state: Option<ConversationState>,
    /// The new assignee: `Some(None)` unassigns.
    pub assignee: Option<Option<Uuid>>,
    /// The read flag.
    pub unread: Option<bool>,
}

/// Applies `t` to a conversation of `tenant`; false when there is none.
pub async fn triage(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    t: &Triage,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut b = SqlBuilder::default();
    b.push("UPDATE inbox_conversations SET updated_at = ")
        .bind(Bind::Time(now));
    if let Some(state) = t.state {
        b.push(", state = ")
            .bind(Bind::Text(state.as_str().to_owned()));
    }
    if let Some(assignee) = t.assignee {
        match assignee {
            Some(user) => b.push(", assignee_id = ").bind(Bind::Uuid(user)),
            None => b.push(", assignee_id = NULL"),
        };
    }
    if let Some(unread) = t.unread {
        b.push(", unread = ").bind(Bind::Bool(unread));
    }
    b.push(" WHERE tenant_id = ")
        .bind(Bind::Uuid(tenant.0))
        .push(" AND id = ")
        .bind(Bind::Uuid(id));
    let n = on_conn!(tx, c => bind_each!(sqlx::query(sqlx::AssertSqlSafe(b.sql())), b.binds())
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
