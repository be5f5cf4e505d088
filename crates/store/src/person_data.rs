//! One person's data for the GDPR tools (issue 21): the rows an export shows beyond the
//! lead's detail (their comments and inbox messages), and the erasure that removes their
//! personal data from every table while the rows that aggregate counts derive from stay as
//! anonymised tombstones.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// A comment the person wrote on one of the workspace's posts.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PersonComment))]
pub struct PersonComment {
    /// The comment.
    pub id: Uuid,
    /// The post it is on.
    pub post_id: Uuid,
    /// The author's name as LinkedIn showed it.
    pub author_name: String,
    /// What they wrote.
    pub body: String,
    /// When they wrote it.
    pub commented_at: DateTime<Utc>,
}

/// The comments `tenant`'s lead `lead` wrote (matched by its LinkedIn id), oldest first.
pub async fn comments_of(tx: &mut Tx, tenant: TenantId, lead: Uuid) -> Result<Vec<PersonComment>> {
    const SQL: &str = "SELECT c.id, c.post_id, c.author_name, c.body, c.commented_at FROM comments c \
        JOIN leads l ON l.tenant_id = c.tenant_id AND l.provider_id = c.author_provider_id \
        WHERE c.tenant_id = $1 AND l.id = $2 ORDER BY c.commented_at, c.id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_all(c).await?))
}

/// A message of a conversation with the person in the inbox.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PersonInboxMessage))]
pub struct PersonInboxMessage {
    /// The message.
    pub id: Uuid,
    /// Its conversation.
    pub conversation_id: Uuid,
    /// `in` (from the person) or `out`.
    pub direction: String,
    /// Its text.
    pub body: String,
    /// When it was sent or received.
    pub at: DateTime<Utc>,
}

/// The inbox messages of `tenant`'s conversations with lead `lead`, oldest first.
pub async fn inbox_messages_of(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
) -> Result<Vec<PersonInboxMessage>> {
    const SQL: &str = "SELECT m.id, m.conversation_id, m.direction, m.body, m.at FROM inbox_messages m \
        JOIN inbox_conversations c ON c.id = m.conversation_id \
        WHERE m.tenant_id = $1 AND c.tenant_id = $1 AND c.lead_id = $2 ORDER BY m.at, m.id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_all(c).await?))
}

/// What identifies the person, read before the erasure to find copies of it elsewhere.
#[derive(Clone, Debug, sqlx::FromRow)]
struct Identity {
    provider_id: String,
    linkedin_url: Option<String>,
    name: String,
    email: Option<String>,
    headline: Option<String>,
}

/// The shortest text searched for and redacted in free-text columns: shorter ones would
/// redact unrelated text.
const MIN_NEEDLE_CHARS: usize = 4;

/// The length from which a text the person wrote is taken as theirs alone and redacted
/// wherever it is quoted; shorter ones ("GUIDE please") only in rows about them.
const UNIQUE_TEXT_CHARS: usize = 24;

/// What replaces a personal text found in a free-text column.
const REDACTED: &str = "[redacted]";

/// Free-text columns that can hold copies of a person's data in another row's text
/// (event data, payloads, titles, logs), as (table, column).
const COPIES: &[(&str, &str)] = &[
    ("events", "data"),
    ("analytics_outbox", "properties"),
    ("webhook_deliveries", "payload"),
    ("webhook_deliveries", "last_error"),
    ("notifications", "title"),
    ("jobs", "payload"),
    ("jobs", "last_error"),
    ("chat_messages", "message"),
    ("chat_sessions", "title"),
    ("messages", "last_message_before_send"),
    ("inbox_messages", "last_message_before_send"),
    // Unique per account; a provider's chat id may embed the person's id.
    ("inbox_conversations", "chat_id"),
];

/// Erases `tenant`'s lead `lead`: the lead becomes an anonymised tombstone (its id, flags and
/// campaign memberships stay, so the funnel and dashboard counts stay); its messages, inbox
/// conversations and comments keep their rows without their text and provider ids (a chat
/// id names the person's conversation); bounces of its email stay counted under the
/// tombstone's id. In events, outboxes, webhook payloads, notifications, chats and jobs, every
/// copy of its name, email, LinkedIn id or URL and of the long texts they wrote is replaced by
/// `[redacted]`, and in the rows about them (holding their lead id or an identifier) their
/// headline and short texts too, so another lead who wrote the same words keeps them (two
/// statements per column); its tags are deleted. Returns false when there is no such lead.
pub async fn erase(tx: &mut Tx, tenant: TenantId, lead: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const WHO: &str = "SELECT provider_id, linkedin_url, name, email, headline FROM leads \
        WHERE tenant_id = $1 AND id = $2";
    let who: Option<Identity> =
        on_conn!(tx, c => sqlx::query_as(WHO).bind(tenant.0).bind(lead).fetch_optional(c).await?);
    let Some(who) = who else { return Ok(false) };

    // The texts the person wrote: their replies (DMs, emails, inbox) and comments. What the
    // workspace sent them is its own text: its personal parts are the name and links above.
    const TEXTS: &str = "SELECT body FROM messages WHERE tenant_id = $1 AND lead_id = $2 AND direction = 'in' \
        UNION SELECT m.body FROM inbox_messages m JOIN inbox_conversations c ON c.id = m.conversation_id \
            WHERE m.tenant_id = $1 AND c.lead_id = $2 AND m.direction = 'in' \
        UNION SELECT body FROM comments WHERE tenant_id = $1 AND author_provider_id = $3";
    let texts: Vec<String> = on_conn!(tx, c => sqlx::query_scalar(TEXTS).bind(tenant.0).bind(lead)
        .bind(&who.provider_id).fetch_all(c).await?);
    let email = who.email.clone().unwrap_or_default();
    // What names the person wherever it appears: their ids, links, name and the long texts
    // they wrote (quoted in a chat, say). What is theirs only where the row is about them:
    // their headline and short texts, which another person may share word for word
    // ("GUIDE please").
    let identifiers = needles([who.email, Some(who.provider_id.clone()), who.linkedin_url]);
    let (long, short): (Vec<String>, Vec<String>) = texts
        .into_iter()
        .partition(|t| t.chars().count() >= UNIQUE_TEXT_CHARS);
    let everywhere = needles(
        identifiers
            .iter()
            .cloned()
            .chain([who.name])
            .chain(long)
            .map(Some),
    );
    let about_them = needles(
        everywhere
            .iter()
            .cloned()
            .chain(who.headline)
            .chain(short)
            .map(Some),
    );
    // A row is about them when it holds their lead id or one of their identifiers.
    let marks: Vec<String> = identifiers.into_iter().chain([lead.to_string()]).collect();
    for (table, column) in COPIES {
        let theirs = About {
            lead,
            subject: (*table == "events").then_some("subject_id"),
            marks: &marks,
        };
        redact(tx, tenant, table, column, Some(&theirs), &about_them).await?;
        redact(tx, tenant, table, column, None, &everywhere).await?;
    }

    const COMMENTS: &str = "UPDATE comments SET author_name = '', body = '', author_provider_id = $3 \
        WHERE tenant_id = $1 AND author_provider_id = $2";
    let tombstone_id = format!("erased:{lead}");
    on_conn!(tx, c => sqlx::query(COMMENTS).bind(tenant.0).bind(&who.provider_id).bind(&tombstone_id)
        .execute(c).await?.rows_affected());
    const MESSAGES: &str = "UPDATE messages SET body = '', error = NULL, last_message_before_send = NULL, \
        provider_chat_id = NULL, provider_message_id = NULL, \
        updated_at = $3 WHERE tenant_id = $1 AND lead_id = $2";
    on_conn!(tx, c => sqlx::query(MESSAGES).bind(tenant.0).bind(lead).bind(now).execute(c).await?.rows_affected());
    const INBOX: &str = "UPDATE inbox_messages SET body = '', error = NULL, last_message_before_send = NULL, \
        provider_message_id = NULL, \
        updated_at = $3 WHERE tenant_id = $1 AND conversation_id IN \
        (SELECT id FROM inbox_conversations WHERE tenant_id = $1 AND lead_id = $2)";
    on_conn!(tx, c => sqlx::query(INBOX).bind(tenant.0).bind(lead).bind(now).execute(c).await?.rows_affected());
    const CONVERSATIONS: &str = "UPDATE inbox_conversations SET last_message = '', updated_at = $3 \
        WHERE tenant_id = $1 AND lead_id = $2";
    on_conn!(tx, c => sqlx::query(CONVERSATIONS).bind(tenant.0).bind(lead).bind(now)
        .execute(c).await?.rows_affected());
    const BOUNCES: &str =
        "UPDATE email_bounces SET email = $3 WHERE tenant_id = $1 AND LOWER(email) = LOWER($2)";
    on_conn!(tx, c => sqlx::query(BOUNCES).bind(tenant.0).bind(&email).bind(&tombstone_id)
        .execute(c).await?.rows_affected());
    // Tags are the workspace's words about the person: gone with them.
    crate::lead_tags::remove_all(tx, tenant, lead).await?;
    const LEAD: &str = "UPDATE leads SET provider_id = $3, linkedin_url = NULL, name = '', headline = NULL, \
        email = NULL, email_status = NULL, title = NULL, company = NULL, industry = NULL, company_size = NULL, \
        search_text = '', do_not_contact = $5, updated_at = $4 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(LEAD).bind(tenant.0).bind(lead).bind(&tombstone_id).bind(now)
        .bind(true).execute(c).await?.rows_affected());
    if let crate::tx::TxInner::Sqlite(t) = &mut tx.inner {
        // SQLite's trigram index keeps deleted terms in its segments until they merge.
        sqlx::query("INSERT INTO lead_search (lead_search) VALUES ('optimize')")
            .execute(&mut **t)
            .await?;
    }
    Ok(true)
}

/// The texts to search for: each as written and as it appears inside a JSON string, at
/// least [`MIN_NEEDLE_CHARS`] long, longest first (so a text containing the name is
/// redacted whole), without repeats.
fn needles(texts: impl IntoIterator<Item = Option<String>>) -> Vec<String> {
    let mut found: Vec<String> = texts
        .into_iter()
        .flatten()
        .flat_map(|t| {
            let json = serde_json::to_string(&t).unwrap_or_default();
            let json = json
                .get(1..json.len().saturating_sub(1))
                .unwrap_or("")
                .to_owned();
            [t, json]
        })
        .filter(|t| t.chars().count() >= MIN_NEEDLE_CHARS)
        .collect();
    found.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    found.dedup();
    found
}

/// Which rows of a table are about the erased person: those whose text holds one of `marks`
/// (their lead id and identifiers) or, where the table names its subject, whose subject is
/// their lead.
struct About<'a> {
    lead: Uuid,
    subject: Option<&'static str>,
    marks: &'a [String],
}

/// Replaces each of `needles` by `[redacted]` in `column` of `table`'s rows of `tenant` (only
/// those `about` the person when given), in one statement.
async fn redact(
    tx: &mut Tx,
    tenant: TenantId,
    table: &str,
    column: &str,
    about: Option<&About<'_>>,
    needles: &[String],
) -> Result<()> {
    if needles.is_empty() {
        return Ok(());
    }
    // Placeholders: $1 the tenant, $2 the lead, then the needles, then the marks.
    // `REPLACE(c, m, '') <> c` is "contains" on both backends, with no wildcards to escape.
    let mut replaced = column.to_owned();
    for n in 0..needles.len() {
        replaced = format!("REPLACE({replaced}, ${}, '{REDACTED}')", n + 3);
    }
    let (lead, marks, only) = match about {
        None => (None, &[][..], String::new()),
        Some(about) => {
            let mut any: Vec<String> = (0..about.marks.len())
                .map(|m| {
                    format!(
                        "REPLACE({column}, ${}, '') <> {column}",
                        needles.len() + m + 3
                    )
                })
                .collect();
            if let Some(subject) = about.subject {
                any.push(format!("{subject} = $2"));
            }
            (
                Some(about.lead),
                about.marks,
                format!(" AND ({})", any.join(" OR ")),
            )
        }
    };
    let sql = format!(
        "UPDATE {table} SET {column} = {replaced} WHERE tenant_id = $1{only} AND {column} <> {replaced}"
    );
    on_conn!(tx, c => {
        // Table and column come from COPIES, the texts are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(lead);
        for n in needles.iter().chain(marks) {
            q = q.bind(n);
        }
        q.execute(c).await?.rows_affected()
    });
    Ok(())
}
