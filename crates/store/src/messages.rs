//! Outbound DMs and their state machine (`queued → sending → sent | failed`). One outbound
//! DM per campaign, lead and sequence step: the partial unique index `messages_one_outbound`
//! makes a second one impossible to record. A DM sent and a DM reply also move the lead's conversation in
//! the inbox ([`crate::inbox`]), in the same transaction.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::funnel::Progress;
use revos_domain::lead::DmState;
use uuid::Uuid;

/// A stored DM.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DmRow {
    /// Its id.
    pub id: Uuid,
    /// Where it is in its sending.
    #[sqlx(try_from = "String")]
    pub status: DmState,
    /// The text, once rendered.
    pub body: String,
    /// The chat it went to, once known.
    pub provider_chat_id: Option<String>,
    /// The provider's id of the message, once an answer (or the chat) gave it.
    pub provider_message_id: Option<String>,
    /// When the chat was read before the first send attempt; `None` if it never was.
    pub chat_read_before_send_at: Option<DateTime<Utc>>,
    /// The chat's newest message at that read (`None`: no chat, or an empty one).
    pub last_message_before_send: Option<String>,
    /// The sequence step it is (the step's id in the campaign's settings).
    pub step_id: String,
    /// When a follow-up recorded ahead of time is due (`None`: at once).
    pub due_at: Option<DateTime<Utc>>,
}

const DM_COLUMNS: &str = "id, status, body, provider_chat_id, provider_message_id, chat_read_before_send_at, \
    last_message_before_send, step_id, due_at";

/// Records a queued DM of sequence step `step` for a lead of a campaign, due at `due`
/// (`None`: at once); false when the lead has that step's DM already.
pub async fn insert_dm(
    tx: &mut Tx,
    tenant: TenantId,
    (campaign, lead): (Uuid, Uuid),
    step: &str,
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO messages (id, tenant_id, campaign_id, lead_id, channel, direction, status, body, \
        step_id, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'dm', 'out', 'queued', '', $5, $6, $7, $7) \
        ON CONFLICT (campaign_id, lead_id, channel, step_id) WHERE direction = 'out' DO NOTHING";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(campaign).bind(lead)
        .bind(step).bind(due).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The first DM of a lead in a campaign (the first step's; the chat every step goes to).
pub async fn dm(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
) -> Result<Option<DmRow>> {
    let sql = format!(
        "SELECT {DM_COLUMNS} FROM messages WHERE tenant_id = $1 AND campaign_id = $2 \
         AND lead_id = $3 AND channel = 'dm' AND direction = 'out' ORDER BY id LIMIT 1"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(campaign).bind(lead).fetch_optional(c).await?),
    )
}

/// The DM of sequence step `step` of a lead in a campaign.
pub async fn dm_of_step(
    tx: &mut Tx,
    tenant: TenantId,
    (campaign, lead): (Uuid, Uuid),
    step: &str,
) -> Result<Option<DmRow>> {
    let sql = format!(
        "SELECT {DM_COLUMNS} FROM messages WHERE tenant_id = $1 AND campaign_id = $2 \
         AND lead_id = $3 AND channel = 'dm' AND direction = 'out' AND step_id = $4"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(campaign).bind(lead).bind(step).fetch_optional(c).await?),
    )
}

/// Drops a follow-up DM of `tenant` that was never sent, still in `status` (`queued`, or
/// `sending` when the chat showed that the interrupted attempt never reached the person): the
/// lead replied, opted out, or the step's condition did not hold. True when it was dropped.
pub async fn drop_unsent(tx: &mut Tx, tenant: TenantId, id: Uuid, status: DmState) -> Result<bool> {
    const SQL: &str = "DELETE FROM messages WHERE tenant_id = $1 AND id = $2 AND status = $3 AND direction = 'out'";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(status.as_str()).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Moves a DM to `status`, recording what is known (text, chat, message id, error); a DM
/// that went out counts in its campaign's funnel in the same transaction.
#[allow(clippy::too_many_arguments)] // each is one column of the transition
pub async fn set_dm(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    status: DmState,
    body: Option<&str>,
    chat: Option<&str>,
    message: Option<&str>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE messages SET status = $3, body = COALESCE($4, body), provider_chat_id = COALESCE($5, provider_chat_id), \
        provider_message_id = COALESCE($6, provider_message_id), error = $7, \
        sent_at = CASE WHEN $3 = 'sent' THEN $8 ELSE sent_at END, updated_at = $8 WHERE tenant_id = $1 AND id = $2 \
        RETURNING campaign_id, lead_id, body, provider_chat_id, provider_message_id";
    type Moved = (Option<Uuid>, Uuid, String, Option<String>, Option<String>);
    let dm: Option<Moved> = on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id).bind(status.as_str()).bind(body)
        .bind(chat).bind(message).bind(error).bind(now).fetch_optional(c).await?);
    if let Some((Some(campaign), lead, body, chat, message)) = dm {
        let proven = Progress::from_message("dm", "out", status.as_str());
        crate::funnel_rollup::note(tx, tenant, campaign, lead, proven).await?;
        // A DM that went out starts (or continues) the lead's conversation in the inbox.
        if let (DmState::Sent, Some(chat)) = (status, chat.as_deref()) {
            let m = crate::inbox::ChatMessage {
                campaign,
                lead,
                chat,
                from_us: true,
                provider_message_id: message.as_deref(),
                body: &body,
                at: now,
            };
            crate::inbox::note_message(tx, tenant, &m).await?;
        }
    }
    Ok(())
}

/// Stores the text of a DM of `tenant`, written from A/B variant `variant`, unless it has one
/// already; returns the text it keeps, which every attempt and every reconciliation then uses
/// (a personalised DM is generated once).
pub async fn keep_dm_text(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    (text, variant): (&str, &str),
    now: DateTime<Utc>,
) -> Result<String> {
    const SET: &str = "UPDATE messages SET body = $3, variant_id = $5, updated_at = $4 WHERE tenant_id = $1 \
        AND id = $2 AND body = ''";
    const GET: &str = "SELECT body FROM messages WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SET).bind(tenant.0).bind(id).bind(text).bind(now).bind(variant).execute(c).await?.rows_affected());
    Ok(on_conn!(tx, c => sqlx::query_scalar(GET).bind(tenant.0).bind(id).fetch_one(c).await?))
}

/// Marks a DM of `tenant` `sending` before its first send attempt, with what its chat held
/// then: the chat (if there was one) and its newest message (if any).
pub async fn mark_first_sending(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    chat: Option<&str>,
    last_message: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE messages SET status = 'sending', provider_chat_id = COALESCE($3, provider_chat_id), \
        chat_read_before_send_at = $5, last_message_before_send = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(chat).bind(last_message).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Records the chat of a DM of `tenant` as soon as it is known (found while reconciling),
/// unless one is recorded.
pub async fn record_dm_chat(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    chat: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE messages SET provider_chat_id = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 \
        AND provider_chat_id IS NULL";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(chat).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// When each DM of a campaign of `tenant` went out, oldest first (the demo's send log and the
/// pacing checks read it).
pub async fn sent_times(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Vec<(Uuid, DateTime<Utc>)>> {
    const SQL: &str = "SELECT lead_id, sent_at FROM messages WHERE tenant_id = $1 AND campaign_id = $2 \
        AND direction = 'out' AND channel = 'dm' AND status = 'sent' ORDER BY sent_at";
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .filter_map(|(l, t)| Some((l, t?)))
        .collect())
}

/// A DM of a campaign that still waits.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WaitingDm {
    /// The lead.
    pub lead_id: Uuid,
    /// The sequence step.
    pub step_id: String,
    /// When it is due (`None`: at once).
    pub due_at: Option<DateTime<Utc>>,
    /// True for the lead's first DM (no other DM of the campaign to them is older).
    pub first: bool,
}

/// The DMs of a campaign of `tenant` that still wait (`queued` or `sending`), every step.
pub async fn waiting_dms(tx: &mut Tx, tenant: TenantId, campaign: Uuid) -> Result<Vec<WaitingDm>> {
    const SQL: &str = "SELECT m.lead_id, m.step_id, m.due_at, NOT EXISTS (SELECT 1 FROM messages o \
        WHERE o.campaign_id = m.campaign_id AND o.lead_id = m.lead_id AND o.channel = 'dm' AND o.direction = 'out' \
        AND o.id < m.id) AS first FROM messages m WHERE m.tenant_id = $1 AND m.campaign_id = $2 \
        AND m.direction = 'out' AND m.channel = 'dm' AND m.status IN ('queued', 'sending') ORDER BY m.id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?))
}

/// An inbound message (a reply) to record.
pub struct Inbound<'a> {
    /// The campaign it answers, when known.
    pub campaign: Option<Uuid>,
    /// Who wrote it.
    pub lead: Uuid,
    /// `dm` or `email`.
    pub channel: &'a str,
    /// The provider's id of the message: a reply is recorded once.
    pub provider_message_id: &'a str,
    /// The chat it came in, for DMs.
    pub chat: Option<&'a str>,
    /// What they wrote.
    pub body: &'a str,
}

/// Records a reply (counted in its campaign's funnel); false when this provider message was
/// recorded before (webhook and polling both deliver replies).
pub async fn insert_inbound(
    tx: &mut Tx,
    tenant: TenantId,
    m: &Inbound<'_>,
    at: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO messages (id, tenant_id, campaign_id, lead_id, channel, direction, status, body, \
        provider_chat_id, provider_message_id, sent_at, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, 'in', 'received', $6, $7, $8, $9, $9, $9) \
        ON CONFLICT (tenant_id, channel, provider_message_id) WHERE direction = 'in' DO NOTHING";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(m.campaign).bind(m.lead)
        .bind(m.channel).bind(m.body).bind(m.chat).bind(m.provider_message_id).bind(at).execute(c).await?.rows_affected());
    if let (1, Some(campaign)) = (n, m.campaign) {
        let proven = Progress::from_message(m.channel, "in", "received");
        crate::funnel_rollup::note(tx, tenant, campaign, m.lead, proven).await?;
        // A DM reply opens its conversation in the inbox, unread.
        if let ("dm", Some(chat)) = (m.channel, m.chat) {
            let reply = crate::inbox::ChatMessage {
                campaign,
                lead: m.lead,
                chat,
                from_us: false,
                provider_message_id: Some(m.provider_message_id),
                body: m.body,
                at,
            };
            crate::inbox::note_message(tx, tenant, &reply).await?;
        }
    }
    Ok(n == 1)
}

/// The campaign and lead of a tenant's sent DM in `chat`, if any.
pub async fn dm_in_chat(tx: &mut Tx, tenant: TenantId, chat: &str) -> Result<Option<(Uuid, Uuid)>> {
    const SQL: &str = "SELECT campaign_id, lead_id FROM messages WHERE tenant_id = $1 AND provider_chat_id = $2 \
        AND channel = 'dm' AND direction = 'out' AND campaign_id IS NOT NULL ORDER BY id LIMIT 1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(chat).fetch_optional(c).await?))
}

/// A sent DM still waiting for an answer, in a chat the reply poller found changed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenDm {
    /// The campaign.
    pub campaign_id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// The chat to read.
    pub chat_id: String,
}

/// The DMs of `tenant`'s LinkedIn account `account` sent since `since` whose lead has not
/// answered (stage `dm_sent` or `email_sequenced`), among the chats `chats`: one indexed
/// query (`messages_out_chat`) per page of the account's changed chats.
pub async fn open_dms_in_chats(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    chats: &[&str],
    since: DateTime<Utc>,
) -> Result<Vec<OpenDm>> {
    if chats.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..chats.len()).map(|i| format!("${}", i + 4)).collect();
    // Every step of a sequence goes to the same chat: one row per campaign, lead and chat.
    let sql = format!(
        "SELECT m.campaign_id, m.lead_id, m.provider_chat_id AS chat_id FROM messages m \
         JOIN campaign_leads cl ON cl.campaign_id = m.campaign_id AND cl.lead_id = m.lead_id \
         JOIN campaigns c ON c.id = m.campaign_id \
         WHERE m.tenant_id = $1 AND c.linkedin_account_id = $2 AND m.channel = 'dm' AND m.direction = 'out' \
         AND m.status = 'sent' AND m.sent_at >= $3 AND cl.status IN ('dm_sent', 'email_sequenced') \
         AND m.provider_chat_id IN ({}) GROUP BY m.campaign_id, m.lead_id, m.provider_chat_id ORDER BY m.campaign_id, m.lead_id",
        placeholders.join(", ")
    );
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(account).bind(since);
        for chat in chats {
            q = q.bind(*chat);
        }
        q.fetch_all(c).await?
    }))
}

/// The leads of a campaign of `tenant` whose DMs went out, with no step still waiting, and
/// who have neither answered nor been sequenced, with when their last DM went out (resuming a
/// campaign queues their email fallback, which follows the sequence's last step).
pub async fn sent_unanswered(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Vec<(Uuid, DateTime<Utc>)>> {
    const SQL: &str = "SELECT m.lead_id, MAX(m.sent_at) FROM messages m JOIN campaign_leads cl \
        ON cl.campaign_id = m.campaign_id AND cl.lead_id = m.lead_id WHERE m.tenant_id = $1 AND m.campaign_id = $2 \
        AND m.channel = 'dm' AND m.direction = 'out' AND m.status = 'sent' AND cl.status = 'dm_sent' \
        AND NOT EXISTS (SELECT 1 FROM messages w WHERE w.campaign_id = m.campaign_id AND w.lead_id = m.lead_id \
        AND w.channel = 'dm' AND w.direction = 'out' AND w.status IN ('queued', 'sending')) \
        GROUP BY m.lead_id ORDER BY m.lead_id";
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .filter_map(|(l, t)| Some((l, t?)))
        .collect())
}
