//! The workspace's do-not-contact list: people the pipeline must never message. Putting
//! someone on it is a manual opt-out (recorded as an `opted_out` event with no campaign);
//! a person who is not a lead yet becomes one, marked, so the comment monitor skips them
//! when they comment later. Any member may change the list, like campaigns.

use crate::leads::Lead;
use crate::{App, AppError, Principal, Result};
use revos_domain::ValidationErrors;
use revos_domain::lead::LeadStage;
use revos_domain::validation::Collector;
use revos_store::{events, lead_queries, leads};
use serde::Deserialize;
use uuid::Uuid;

/// The longest provider id accepted.
const MAX_PROVIDER_ID_CHARS: usize = 200;
/// The longest name accepted.
const MAX_NAME_CHARS: usize = 200;

/// Who to put on the list: an existing lead, or a LinkedIn member by provider id.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DoNotContactRequest {
    /// A lead of this workspace. Give this or `provider_id`, not both.
    pub lead_id: Option<Uuid>,
    /// A LinkedIn member's provider id; they become a lead if they are not one yet.
    pub provider_id: Option<String>,
    /// The member's name, kept when a new lead is made for `provider_id` (default: the
    /// provider id itself).
    pub name: Option<String>,
}

/// Whom a valid request names.
enum Target<'a> {
    Lead(Uuid),
    Person { provider_id: &'a str, name: &'a str },
}

impl DoNotContactRequest {
    fn target(&self) -> Result<Target<'_>> {
        let mut c = Collector::default();
        if let Some(p) = &self.provider_id {
            c.text("provider_id", p, 1, MAX_PROVIDER_ID_CHARS);
        }
        if let Some(n) = &self.name {
            c.text("name", n, 1, MAX_NAME_CHARS);
        }
        c.finish()?;
        let wrong = |field, message| Err(ValidationErrors::single(field, message).into());
        match (self.lead_id, self.provider_id.as_deref()) {
            (Some(_), Some(_)) => wrong("provider_id", "give lead_id or provider_id, not both"),
            (None, None) => wrong("lead_id", "give lead_id or provider_id"),
            (Some(_), None) if self.name.is_some() => {
                wrong("name", "only applies with provider_id")
            }
            (Some(id), None) => Ok(Target::Lead(id)),
            (None, Some(p)) => {
                let provider_id = p.trim();
                Ok(Target::Person {
                    provider_id,
                    name: self.name.as_deref().map_or(provider_id, str::trim),
                })
            }
        }
    }
}

impl App {
    /// Puts a person on the do-not-contact list and returns their lead. Adding someone
    /// already on it changes nothing (and records no second event).
    pub async fn add_do_not_contact(
        &self,
        who: &Principal,
        req: &DoNotContactRequest,
    ) -> Result<Lead> {
        let target = req.target()?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let (id, already) = match target {
            Target::Lead(id) => {
                let lead = lead_queries::get(&mut tx, who.tenant, id)
                    .await?
                    .ok_or(AppError::NotFound("lead"))?;
                (lead.id, lead.do_not_contact)
            }
            Target::Person { provider_id, name } => {
                let new = leads::NewLead {
                    provider_id,
                    name,
                    linkedin_url: None,
                    headline: None,
                    email: None,
                    sandbox: false,
                };
                let lead = leads::upsert(&mut tx, who.tenant, &new, now).await?;
                (lead.id, lead.do_not_contact)
            }
        };
        if !already {
            leads::set_do_not_contact(&mut tx, who.tenant, id, true, now).await?;
            let data = serde_json::json!({
                "campaign_id": null, "lead_id": id, "cost": 0, "source": "manual",
            })
            .to_string();
            events::append(
                &mut tx,
                who.tenant,
                LeadStage::OptedOut.as_str(),
                None,
                Some(id),
                &data,
                now,
            )
            .await?;
        }
        let lead = lead_queries::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("lead"))?;
        tx.commit().await?;
        Ok(lead)
    }

    /// Takes a lead of the workspace off the do-not-contact list (a no-op when it is not on
    /// it); 404 for any other lead.
    pub async fn remove_do_not_contact(&self, who: &Principal, lead: Uuid) -> Result<()> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        if !leads::set_do_not_contact(&mut tx, who.tenant, lead, false, self.now()).await? {
            return Err(AppError::NotFound("lead"));
        }
        tx.commit().await?;
        Ok(())
    }
}
