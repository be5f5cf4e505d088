//! Tagging leads (issue 21, item 4): a lead's tags are replaced as a whole set, normalised
//! by the domain ([`revos_domain::lead_tag`]); the workspace's tags in use feed the tag
//! filter's suggestions. Any member may tag, like the do-not-contact list.

use crate::{App, AppError, Principal, Result};
use revos_domain::ValidationErrors;
use revos_domain::lead_tag::parse_tag_set;
use revos_store::{lead_queries, lead_tags};
use uuid::Uuid;

impl App {
    /// Replaces the tags of lead `lead` of the caller's workspace by `tags` (each trimmed and
    /// lower-cased, duplicates merged, at most 20) and returns them as stored, alphabetically;
    /// 404 for any other lead.
    pub async fn set_lead_tags(
        &self,
        who: &Principal,
        lead: Uuid,
        tags: &[String],
    ) -> Result<Vec<String>> {
        let tags = parse_tag_set("tags", tags).map_err(ValidationErrors)?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        lead_queries::get(&mut tx, who.tenant, lead)
            .await?
            .ok_or(AppError::NotFound("lead"))?;
        let names: Vec<&str> = tags.iter().map(|t| t.as_str()).collect();
        lead_tags::set(&mut tx, who.tenant, lead, &names, self.now()).await?;
        let stored = lead_tags::of_lead(&mut tx, who.tenant, lead).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The distinct tags in use in the caller's workspace, alphabetically (at most 500).
    pub async fn lead_tag_names(&self, who: &Principal) -> Result<Vec<String>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        Ok(lead_tags::names(&mut tx, who.tenant).await?)
    }
}
