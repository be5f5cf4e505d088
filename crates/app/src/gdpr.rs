//! The GDPR tools for one person (issue 21): export everything the workspace holds about a
//! lead, and erase their personal data while the aggregate counts stay. A person is keyed by
//! their lead id (one lead per LinkedIn profile per workspace).

use crate::leads::LeadDetail;
use crate::{App, AppError, Principal, Result};
use revos_store::events;
use revos_store::person_data::{self, PersonComment, PersonInboxMessage};
use serde::Serialize;
use uuid::Uuid;

/// The event kind recording an erasure; its data names who erased, never the person.
pub const PERSON_ERASED: &str = "person_erased";

/// Everything the workspace holds about one person.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonExport {
    /// The lead (profile, enrichment), its campaigns and its timeline of events and messages.
    pub lead: LeadDetail,
    /// The comments they wrote on the workspace's posts.
    pub comments: Vec<PersonComment>,
    /// The messages of the inbox conversations with them.
    pub inbox_messages: Vec<PersonInboxMessage>,
}

impl App {
    /// Everything about lead `id` of the caller's workspace; 404 for any other lead.
    pub async fn export_person(&self, who: &Principal, id: Uuid) -> Result<PersonExport> {
        let lead = self.get_lead(who, id).await?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let comments = person_data::comments_of(&mut tx, who.tenant, id).await?;
        let inbox_messages = person_data::inbox_messages_of(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(PersonExport {
            lead,
            comments,
            inbox_messages,
        })
    }

    /// Erases the personal data of lead `id` of the caller's workspace (owner or admin only),
    /// keeping an anonymised tombstone so the funnel and dashboard counts stay, and records
    /// the erasure as a `person_erased` event naming only the lead id and who erased.
    pub async fn erase_person(&self, who: &Principal, id: Uuid) -> Result<()> {
        who.require_admin()?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        if !person_data::erase(&mut tx, who.tenant, id, now).await? {
            return Err(AppError::NotFound("lead"));
        }
        let data = serde_json::json!({ "erased_by": who.user.0 }).to_string();
        events::append(
            &mut tx,
            who.tenant,
            PERSON_ERASED,
            None,
            Some(id),
            &data,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
