//! The comment monitor: reads a campaign's watched posts and turns qualifying commenters into
//! leads. Incremental and idempotent: each comment is recorded once, a person is one lead per
//! tenant, and a lead joins a campaign once, so nobody is ever contacted twice by one campaign.
//! Each post's comments are walked newest first down to its high-water mark (the newest
//! comment of the last walk that got that far), which moves only once a walk reached it: a
//! page that failed to load is walked again on the next pass, never hidden behind pages
//! already processed. Nothing is read while the account's owner is unknown, so the owner
//! never becomes a lead and no comment is lost meanwhile. Provider calls happen outside any
//! transaction. Each new lead's enrichment job is enqueued with it.

use crate::outreach::context::{self, CampaignContext};
use crate::outreach::dm::SendDm;
use crate::outreach::enrichment::EnrichLead;
use crate::outreach::requeue;
use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Result};
use revos_domain::TenantId;
use revos_domain::campaign::{CampaignSpec, CampaignStatus};
use revos_domain::lead::LeadStage;
use revos_domain::triggers::{find_email, qualifies};
use revos_providers::{LinkedIn, PostComment};
use revos_store::leads::{self, NewComment, NewLead};
use revos_store::linkedin_accounts::AccountRow;
use revos_store::{campaigns, watermarks};
use uuid::Uuid;

/// What one pass of the monitor found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonitorReport {
    /// Comments read that were new.
    pub new_comments: u64,
    /// Commenters who became leads of the campaign.
    pub new_leads: u64,
    /// Nothing was read: the account's owner is not known yet.
    pub waiting_for_owner: bool,
}

/// What a pass over one campaign works with.
struct Watch<'a> {
    tenant: TenantId,
    campaign: Uuid,
    spec: &'a CampaignSpec,
    account: &'a AccountRow,
    owner: &'a str,
    linkedin: &'a dyn LinkedIn,
}

impl App {
    /// One pass over a campaign's watched posts. Does nothing unless the campaign is active,
    /// nor while the owner of its account is unknown.
    pub async fn monitor_campaign(
        &self,
        tenant: TenantId,
        campaign: Uuid,
        linkedin: &dyn LinkedIn,
    ) -> Result<MonitorReport> {
        let (ctx, posts) = self.monitor_context(tenant, campaign).await?;
        self.monitor_with(tenant, campaign, &ctx, &posts, linkedin)
            .await
    }

    /// What a pass works with, read once: the campaign with its settings and account, and
    /// its watched posts.
    async fn monitor_context(
        &self,
        tenant: TenantId,
        campaign: Uuid,
    ) -> Result<(CampaignContext, Vec<String>)> {
        let mut tx = self.store.begin_for(tenant).await?;
        let ctx = context::read(&mut tx, tenant, campaign, None).await?;
        let posts = campaigns::watched_posts(&mut tx, tenant, campaign).await?;
        Ok((ctx, posts))
    }

    /// One pass over the posts of a campaign read by [`App::monitor_context`].
    async fn monitor_with(
        &self,
        tenant: TenantId,
        campaign: Uuid,
        ctx: &CampaignContext,
        posts: &[String],
        linkedin: &dyn LinkedIn,
    ) -> Result<MonitorReport> {
        let mut report = MonitorReport::default();
        if ctx.row.status != CampaignStatus::Active {
            return Ok(report);
        }
        let (spec, account) = (&ctx.row.settings, &ctx.account);
        let Some(owner) = account.owner_provider_id.clone() else {
            report.waiting_for_owner = true;
            return Ok(report);
        };
        let watch = Watch {
            tenant,
            campaign,
            spec,
            account,
            owner: &owner,
            linkedin,
        };
        for post in posts {
            self.walk_post(&watch, post, &mut report).await?;
        }
        Ok(report)
    }

    /// Walks the comments of `post` newest first down to its high-water mark (or to the
    /// oldest comment), processing each page in a transaction of its own; then moves the
    /// mark to the newest comment seen. A failed page load ends the walk with the mark
    /// unmoved.
    async fn walk_post(&self, w: &Watch<'_>, post: &str, report: &mut MonitorReport) -> Result<()> {
        let (post_row, mark) = {
            let mut tx = self.store.begin_for(w.tenant).await?;
            let post_row = leads::post_row(&mut tx, w.tenant, w.campaign, post)
                .await?
                .ok_or(AppError::NotFound("post"))?;
            let mark = watermarks::boundary(&mut tx, w.tenant, post_row).await?;
            (post_row, mark)
        };
        let mut cursor: Option<String> = None;
        let mut newest: Option<String> = None;
        loop {
            let page = w
                .linkedin
                .comments(&w.account.provider_account_id, post, cursor.as_deref())
                .await
                .map_err(AppError::Provider)?;
            if newest.is_none() {
                newest = page.items.first().map(|c| c.id.clone());
            }
            let at_mark = mark
                .as_deref()
                .and_then(|m| page.items.iter().position(|c| c.id == m));
            let fresh = &page.items[..at_mark.unwrap_or(page.items.len())];
            self.process_page(w, post_row, fresh, report).await?;
            match page.cursor {
                Some(next) if at_mark.is_none() => cursor = Some(next),
                _ => break,
            }
        }
        if let Some(newest) = newest.filter(|n| Some(n) != mark.as_ref()) {
            let mut tx = self.store.begin_for(w.tenant).await?;
            watermarks::advance(&mut tx, w.tenant, post_row, &newest, self.now()).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Records the comments of one page that were not recorded yet and turns the qualifying
    /// ones (never the owner's) into leads of the campaign, with their enrichment and DM
    /// jobs: all in one transaction.
    async fn process_page(
        &self,
        w: &Watch<'_>,
        post_row: Uuid,
        comments: &[PostComment],
        report: &mut MonitorReport,
    ) -> Result<()> {
        let (tenant, campaign) = (w.tenant, w.campaign);
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let ids: Vec<&str> = comments.iter().map(|c| c.id.as_str()).collect();
        let seen = leads::known_comments(&mut tx, tenant, post_row, &ids).await?;
        for c in comments.iter().filter(|c| !seen.contains(&c.id)) {
            let new = NewComment {
                post: post_row,
                provider_comment_id: &c.id,
                author_provider_id: &c.author.provider_id,
                author_name: &c.author.name,
                body: &c.text,
            };
            let Some(comment_id) = leads::record_comment(&mut tx, tenant, &new, now).await? else {
                continue;
            };
            report.new_comments += 1;
            if c.author.provider_id == w.owner || !qualifies(&c.text, &w.spec.trigger_words) {
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
                    sandbox: w.linkedin.is_sandbox(),
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
                LeadStage::Scraped,
                now,
            )
            .await?
            {
                report.new_leads += 1;
                // Enrichment and the DM are queued in the same transaction as the lead: all
                // or nothing. Enrichment runs first (its own queue, higher priority); the DM
                // waits for its account's pacing and checks the connection itself.
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
                    account: w.account.id,
                };
                requeue::dm(&mut tx, &dm, now).await?;
                let step = Step::new("lead_scraped", Some(campaign), lead.id);
                pipeline_events::append(&mut tx, tenant, step, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
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
    type Context = crate::App;
    const KIND: &'static str = "campaign.monitor";
    const QUEUE: &'static str = "monitor";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(self.campaign.to_string())
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        let report = app.monitor_campaign_job(self.tenant, self.campaign).await?;
        if report.new_leads > 0 {
            tracing::info!(campaign = %self.campaign, new_leads = report.new_leads, "new leads");
        }
        Ok(revos_jobs::Outcome::Done)
    }
}

/// The cron job (every 30 s) that queues a monitor pass for every active campaign.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PollCampaigns;

impl revos_jobs::Job for PollCampaigns {
    type Context = crate::App;
    const KIND: &'static str = "campaign.poll_all";
    const QUEUE: &'static str = "system";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        None
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        app.poll_campaigns()
            .await
            .map_err(AppError::into_sweep_error)?;
        Ok(revos_jobs::Outcome::Done)
    }
}

impl App {
    /// One monitor pass of a campaign with its account's LinkedIn (sandbox or Unipile).
    pub async fn monitor_campaign_job(
        &self,
        tenant: TenantId,
        campaign: Uuid,
    ) -> Result<MonitorReport> {
        let (ctx, posts) = self.monitor_context(tenant, campaign).await?;
        // The simulated world's commenters use this campaign's own trigger words.
        let linkedin: std::sync::Arc<dyn LinkedIn> = if ctx.account.provider == "sandbox" {
            std::sync::Arc::new(
                self.sandbox()
                    .with_triggers(&ctx.row.settings.trigger_words),
            )
        } else {
            self.linkedin_for(tenant, &ctx.account.provider).await?
        };
        self.monitor_with(tenant, campaign, &ctx, &posts, &*linkedin)
            .await
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
