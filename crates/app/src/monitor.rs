//! The comment monitor: reads a campaign's watched posts and turns qualifying commenters into
//! leads. Incremental and idempotent: each comment is recorded once (a page of comments it
//! already knows ends the walk back in time), a person is one lead per tenant, and a lead
//! joins a campaign once, so nobody is ever contacted twice by one campaign. Provider calls
//! happen outside any transaction. Each new lead's enrichment job is enqueued with it.

use crate::dm::{SendDm, queue_dm};
use crate::enrichment::EnrichLead;
use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Result};
use revos_domain::TenantId;
use revos_domain::campaign::CampaignStatus;
use revos_domain::triggers::{find_email, qualifies};
use revos_providers::LinkedIn;
use revos_store::leads::{self, NewComment, NewLead};
use revos_store::{campaigns, linkedin_accounts};
use uuid::Uuid;

/// What one pass of the monitor found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonitorReport {
    /// Comments read that were new.
    pub new_comments: u64,
    /// Commenters who became leads of the campaign.
    pub new_leads: u64,
}

impl App {
    /// One pass over a campaign's watched posts. Does nothing unless the campaign is active.
    pub async fn monitor_campaign(
        &self,
        tenant: TenantId,
        campaign: Uuid,
        linkedin: &dyn LinkedIn,
    ) -> Result<MonitorReport> {
        let mut report = MonitorReport::default();
        let (spec, account, owner, posts) = {
            let mut tx = self.store.begin_for(tenant).await?;
            let row = campaigns::get(&mut tx, tenant, campaign)
                .await?
                .ok_or(AppError::NotFound("campaign"))?;
            if row.status != CampaignStatus::Active.as_str() {
                return Ok(report);
            }
            let spec = crate::campaigns::parse_spec(&row.settings)?;
            let account = linkedin_accounts::get(&mut tx, tenant, spec.linkedin_account_id)
                .await?
                .ok_or(AppError::NotFound("LinkedIn account"))?;
            let owner = linkedin_accounts::owner_of(&mut tx, tenant, account.id).await?;
            let posts = campaigns::watched_posts(&mut tx, tenant, campaign).await?;
            (spec, account, owner, posts)
        };
        for post in posts {
            let mut cursor: Option<String> = None;
            loop {
                let page = linkedin
                    .comments(&account.provider_account_id, &post, cursor.as_deref())
                    .await
                    .map_err(AppError::Provider)?;
                let now = self.now();
                let mut tx = self.store.begin_for(tenant).await?;
                let post_row = leads::post_row(&mut tx, tenant, campaign, &post)
                    .await?
                    .ok_or(AppError::NotFound("post"))?;
                let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
                let seen = leads::known_comments(&mut tx, tenant, post_row, &ids).await?;
                let mut known = 0;
                for c in &page.items {
                    if seen.contains(&c.id) {
                        known += 1;
                        continue;
                    }
                    let new = NewComment {
                        post: post_row,
                        provider_comment_id: &c.id,
                        author_provider_id: &c.author.provider_id,
                        author_name: &c.author.name,
                        body: &c.text,
                    };
                    let Some(comment_id) =
                        leads::record_comment(&mut tx, tenant, &new, now).await?
                    else {
                        known += 1;
                        continue;
                    };
                    report.new_comments += 1;
                    if owner.as_deref() == Some(c.author.provider_id.as_str())
                        || !qualifies(&c.text, &spec.trigger_words)
                    {
                        continue;
                    }
                    let email = find_email(&c.text);
                    let lead = leads::upsert(
                        &mut tx,
                        tenant,
                        &NewLead {
                            provider_id: &c.author.provider_id,
                            name: &c.author.name,
                            linkedin_url: c.author.profile_url.as_deref(),
                            headline: c.author.headline.as_deref(),
                            email: email.as_ref().map(|e| e.as_str()),
                            sandbox: linkedin.is_sandbox(),
                        },
                        now,
                    )
                    .await?;
                    if lead.do_not_contact {
                        continue;
                    }
                    if leads::join_campaign(
                        &mut tx,
                        tenant,
                        campaign,
                        lead.id,
                        Some(comment_id),
                        "scraped",
                        now,
                    )
                    .await?
                    {
                        report.new_leads += 1;
                        // Enrichment and the DM are queued in the same transaction as the lead:
                        // all or nothing. Enrichment runs first (its own queue, higher priority);
                        // the DM waits for its account's pacing and checks the connection itself.
                        let enrich = EnrichLead {
                            tenant,
                            lead: lead.id,
                            campaign: Some(campaign),
                        };
                        revos_jobs::enqueue(&mut tx, &enrich, now, now).await?;
                        let dm = SendDm {
                            tenant,
                            campaign,
                            lead: lead.id,
                            account: account.id,
                        };
                        queue_dm(&mut tx, &dm, now).await?;
                        let step = Step::new("lead_scraped", Some(campaign), lead.id);
                        pipeline_events::append(&mut tx, tenant, step, now).await?;
                    }
                }
                tx.commit().await?;
                match page.cursor {
                    Some(next) if known < page.items.len() => cursor = Some(next),
                    _ => break,
                }
            }
        }
        Ok(report)
    }
}

/// The job that runs one monitor pass over one campaign.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MonitorCampaign {
    /// The tenant.
    pub tenant: TenantId,
    /// The campaign.
    pub campaign: Uuid,
}

impl revos_jobs::Job for MonitorCampaign {
    const KIND: &'static str = "campaign.monitor";
    const QUEUE: &'static str = "monitor";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(self.campaign.to_string())
    }
}

/// The cron job (every 30 s) that queues a monitor pass for every active campaign.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PollCampaigns;

impl revos_jobs::Job for PollCampaigns {
    const KIND: &'static str = "campaign.poll_all";
    const QUEUE: &'static str = "system";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        None
    }
}

impl App {
    /// One monitor pass of a campaign with its account's LinkedIn (sandbox or Unipile).
    pub async fn monitor_campaign_job(
        &self,
        tenant: TenantId,
        campaign: Uuid,
    ) -> Result<MonitorReport> {
        let (_, spec, account) = {
            let mut tx = self.store.begin_for(tenant).await?;
            crate::campaigns::with_account(&mut tx, tenant, campaign).await?
        };
        // The simulated world's commenters use this campaign's own trigger words.
        let linkedin: std::sync::Arc<dyn LinkedIn> = if account.provider == "sandbox" {
            std::sync::Arc::new(self.sandbox().with_triggers(&spec.trigger_words))
        } else {
            self.linkedin_for(tenant, &account.provider).await?
        };
        self.monitor_campaign(tenant, campaign, &*linkedin).await
    }

    /// Queues a monitor pass for every active campaign (a pass still queued is not doubled).
    pub async fn poll_campaigns(&self) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.begin_system().await?;
        let active = campaigns::active_all(&mut tx).await?;
        for (tenant, campaign) in &active {
            revos_jobs::enqueue(
                &mut tx,
                &MonitorCampaign {
                    tenant: TenantId(*tenant),
                    campaign: *campaign,
                },
                now,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(active.len())
    }
}
