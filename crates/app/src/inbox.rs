//! The one inbox: the workspace's conversations with leads across all its LinkedIn accounts
//! and campaigns (unread first, newest first, filtered by account, campaign, client and
//! state), one conversation with its lead, campaign and whole thread, and what a member
//! decides about it (state, assignee, read flag). Opening a conversation syncs its thread
//! from the provider's chat (the call made outside any transaction; a provider that fails
//! leaves the kept copy shown) and marks it read. Answers are in [`crate::inbox_answer`].

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::inbox::ConversationState;
use revos_domain::validation::Collector;
use revos_domain::{Page, PageRequest, UserId, ValidationErrors};
use revos_store::inbox::{self as store, ConversationRow, InboxFilter, Triage};
use revos_store::inbox_thread::{self, SyncedMessage, ThreadMessage};
use revos_store::memberships;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A conversation as the inbox lists it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    /// Its id.
    pub id: Uuid,
    /// The LinkedIn account whose chat it is.
    pub account_id: Uuid,
    /// That account's name.
    pub account_name: String,
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
    /// The client (cartridge) of the campaign.
    pub client_id: Option<Uuid>,
    /// The client's name.
    pub client_name: Option<String>,
    /// `open` (they wrote last), `waiting` (on them) or `handled`.
    pub state: ConversationState,
    /// The member it is assigned to.
    pub assignee_id: Option<Uuid>,
    /// That member's email.
    pub assignee_email: Option<String>,
    /// True when they wrote last and nobody opened it since.
    pub unread: bool,
    /// When its last message came.
    pub last_activity_at: DateTime<Utc>,
    /// Its last message's text.
    pub last_message: String,
}

impl From<ConversationRow> for Conversation {
    fn from(r: ConversationRow) -> Self {
        Self {
            id: r.id,
            account_id: r.linkedin_account_id,
            account_name: r.account_name,
            lead_id: r.lead_id,
            lead_name: r.lead_name,
            lead_headline: r.lead_headline,
            campaign_id: r.campaign_id,
            campaign_name: r.campaign_name,
            client_id: r.cartridge_id,
            client_name: r.cartridge_name,
            state: r.state,
            assignee_id: r.assignee_id,
            assignee_email: r.assignee_email,
            unread: r.unread,
            last_activity_at: r.last_activity_at,
            last_message: r.last_message,
        }
    }
}

/// One message of a thread.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxMessage {
    /// Its id.
    pub id: Uuid,
    /// `out` (ours) or `in` (theirs).
    pub direction: String,
    /// `queued`, `sending`, `sent` or `failed` for ours; `received` for theirs.
    pub status: String,
    /// Its text.
    pub body: String,
    /// The member who wrote an answer.
    pub author_id: Option<Uuid>,
    /// When it was sent or received (an answer not sent yet: when it was written).
    pub at: DateTime<Utc>,
}

impl From<ThreadMessage> for InboxMessage {
    fn from(m: ThreadMessage) -> Self {
        Self {
            id: m.id,
            direction: m.direction,
            status: m.status,
            body: m.body,
            author_id: m.author_id,
            at: m.at,
        }
    }
}

/// A conversation with its whole thread.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    /// The conversation.
    #[serde(flatten)]
    pub conversation: Conversation,
    /// Its messages, oldest first.
    pub messages: Vec<InboxMessage>,
    /// False when the provider's chat could not be read just now: the thread is the copy
    /// kept from earlier.
    pub synced: bool,
}

/// What a member changes on a conversation (`PATCH /api/v1/inbox/{conversation_id}`).
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    /// `open`, `waiting` or `handled`.
    pub state: Option<String>,
    /// A member of the workspace to assign it to; `null` unassigns.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub assignee_id: Option<Option<Uuid>>,
    /// Marks it unread (`true`) or read.
    pub unread: Option<bool>,
}

/// A field given (even as `null`) is `Some`; a field left out stays `None`.
fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

/// The filters of the list, as given.
#[derive(Clone, Debug, Default)]
pub struct InboxQuery {
    /// Only this LinkedIn account's conversations.
    pub account_id: Option<Uuid>,
    /// Only this campaign's.
    pub campaign_id: Option<Uuid>,
    /// Only this client's (cartridge).
    pub client_id: Option<Uuid>,
    /// Only those in this state (`open`, `waiting`, `handled`).
    pub state: Option<String>,
}

/// The state named `raw`, or a validation error on `field`.
fn parse_state(field: &str, raw: &str) -> Result<ConversationState> {
    raw.parse().map_err(|_| {
        ValidationErrors::single(field, "must be one of open, waiting, handled").into()
    })
}

impl App {
    /// A page of the workspace's conversations: unread first, then newest first.
    pub async fn list_inbox(
        &self,
        who: &Principal,
        query: &InboxQuery,
        page: PageRequest,
    ) -> Result<Page<Conversation>> {
        let filter = InboxFilter {
            account: query.account_id,
            campaign: query.campaign_id,
            cartridge: query.client_id,
            state: query
                .state
                .as_deref()
                .map(|s| parse_state("state", s))
                .transpose()?,
        };
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, &filter, page).await?;
        tx.commit().await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(Conversation::from))
    }

    /// How many of the workspace's conversations are unread (the nav's count), up to
    /// [`revos_store::inbox::UNREAD_CAP`].
    pub async fn inbox_unread(&self, who: &Principal) -> Result<i64> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let n = store::unread_count(&mut tx, who.tenant).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// One conversation of the workspace with its whole thread, synced from the provider's
    /// chat first, and marked read; 404 for any other.
    pub async fn open_conversation(&self, who: &Principal, id: Uuid) -> Result<ConversationDetail> {
        let tenant = who.tenant;
        let row = self.conversation_row(who, id).await?;
        // The provider is read with no transaction open.
        let read = match self.linkedin_for(tenant, &row.provider).await {
            Ok(linkedin) => linkedin
                .chat_messages(&row.provider_account_id, &row.chat_id)
                .await
                .map_err(AppError::from),
            Err(e) => Err(e),
        };
        let synced = match &read {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(conversation = %id, error = %e, "inbox sync failed; showing the kept thread");
                false
            }
        };
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        if let Ok(found) = &read {
            let messages: Vec<SyncedMessage<'_>> = found
                .iter()
                .map(|m| SyncedMessage {
                    provider_message_id: &m.id,
                    body: &m.text,
                    from_us: m.from_us,
                    at: m.at.unwrap_or(now),
                })
                .collect();
            inbox_thread::keep_synced(&mut tx, tenant, id, &messages, now).await?;
        }
        let read_now = Triage {
            unread: Some(false),
            ..Triage::default()
        };
        store::triage(&mut tx, tenant, id, &read_now, now).await?;
        let row = store::get(&mut tx, tenant, id)
            .await?
            .ok_or(AppError::NotFound("conversation"))?;
        let messages = inbox_thread::thread(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(ConversationDetail {
            conversation: row.into(),
            messages: messages.into_iter().map(InboxMessage::from).collect(),
            synced,
        })
    }

    /// Changes a conversation's state, assignee (a member of the workspace) or read flag.
    pub async fn triage_conversation(
        &self,
        who: &Principal,
        id: Uuid,
        patch: &ConversationPatch,
    ) -> Result<Conversation> {
        let tenant = who.tenant;
        let mut c = Collector::default();
        let state = match patch.state.as_deref() {
            Some(s) => match s.parse::<ConversationState>() {
                Ok(s) => Some(s),
                Err(_) => {
                    c.push("state", "must be one of open, waiting, handled");
                    None
                }
            },
            None => None,
        };
        c.finish()?;
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        if let Some(Some(user)) = patch.assignee_id
            && memberships::get(&mut tx, tenant, UserId(user))
                .await?
                .is_none()
        {
            return Err(ValidationErrors::single(
                "assignee_id",
                "must be a member of this workspace",
            )
            .into());
        }
        let t = Triage {
            state,
            assignee: patch.assignee_id,
            unread: patch.unread,
        };
        if !store::triage(&mut tx, tenant, id, &t, now).await? {
            return Err(AppError::NotFound("conversation"));
        }
        let row = store::get(&mut tx, tenant, id)
            .await?
            .ok_or(AppError::NotFound("conversation"))?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// A conversation of the caller's workspace, or 404.
    pub(crate) async fn conversation_row(
        &self,
        who: &Principal,
        id: Uuid,
    ) -> Result<ConversationRow> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        row.ok_or(AppError::NotFound("conversation"))
    }
}
