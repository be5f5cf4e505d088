//! The sandbox's Apollo and email sequencer: about 60 % of the synthetic people have an email
//! (most verified, some only likely, a few unverified), and enrolment in a sequence is
//! idempotent per campaign.

use super::{COMPANIES, Sandbox, mix, unit};
use crate::ProviderError;
use crate::apollo::Person;
use crate::email::{Added, EmailLead, Stopped};
use crate::traits::{EmailSequencer, Enricher};
use async_trait::async_trait;

#[async_trait]
impl Enricher for Sandbox {
    fn is_sandbox(&self) -> bool {
        true
    }

    async fn enrich(&self, linkedin_url: &str) -> Result<Option<Person>, ProviderError> {
        let Some(id) = linkedin_url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|s| s.starts_with("sbx-"))
        else {
            return Ok(None);
        };
        let h = mix(self.seed, &["enrich", id], 0);
        if unit(h) >= 0.6 {
            return Ok(None);
        }
        let company = COMPANIES[((h >> 8) % 8) as usize];
        // Apollo's statuses, in about the shares a real list has.
        let status = match (h >> 20) % 10 {
            0 => "unverified",
            1 | 2 => "likely to engage",
            _ => "verified",
        };
        Ok(Some(Person {
            id: Some(format!("apollo-{id}")),
            email: Some(format!("{id}@{}.example", company.to_lowercase())),
            email_status: Some(status.into()),
            title: Some("Head of Growth".into()),
            company: Some(company.into()),
            industry: Some("software".into()),
            company_size: Some(50 + (h % 500) as i64),
        }))
    }
}

#[async_trait]
impl EmailSequencer for Sandbox {
    fn is_sandbox(&self) -> bool {
        true
    }

    async fn add_lead(&self, campaign: &str, lead: &EmailLead) -> Result<Added, ProviderError> {
        let fresh = self
            .world()
            .enrolled
            .entry(campaign.to_owned())
            .or_default()
            .insert(lead.email.to_lowercase());
        Ok(if fresh {
            Added::Added
        } else {
            Added::AlreadyThere
        })
    }

    async fn stop_lead(&self, campaign: &str, email: &str) -> Result<Stopped, ProviderError> {
        let removed = self
            .world()
            .enrolled
            .get_mut(campaign)
            .is_some_and(|leads| leads.remove(&email.to_lowercase()));
        Ok(if removed {
            Stopped::Stopped
        } else {
            Stopped::NotThere
        })
    }
}
