//! The comment monitor: reads a campaign's watched posts and turns qualifying commenters into
//! leads. Incremental and idempotent: each comment is recorded once, a person is one lead per
//! tenant, and a lead joins a campaign once, so nobody is ever contacted twice by one campaign.
//! Each post's comments are walked newest first down to its high-water mark (the newest
//! comment of the last walk that got that far), which moves only once a walk reached it: a
//! page that failed to load is walked again on the next pass, never hidden behind pages
//! already processed. Nothing is read while the account's owner is unknown, so the owner
//! never becomes a lead and no comment is lost meanwhile. Provider calls happen outside any
//! transaction. Each new lead's enrichment job is enqueued with it.
//!
//! At scale (20,000 posts every 30 s): a pass reads the campaign's posts and all their marks
//! in one query, walks a few posts at once, and a post whose newest comment is its mark costs
//! one provider call and nothing in the database. A page's new comments are recorded in one
//! multi-row insert, in one transaction with their leads and jobs (and, on the walk's last
//! page, the mark's move). Passes of different campaigns are spread over the period by a
//! stable offset of each campaign ([`poll_offset`]), so they do not all fall on one second.

use crate::outreach::context::{self, CampaignContext};
use crate::outreach::entry::{Entry, enter_campaign};
use crate::{App, AppError, Result};
use futures::StreamExt;
use revos_domain::TenantId;
use revos_domain::campaign::{CampaignSpec, CampaignStatus};
use revos_domain::triggers::{find_email, qualifies};
use revos_providers::{LinkedIn, PostComment};
use revos_store::campaigns;
use revos_store::comments::{self, NewComment};
use revos_store::leads::{self, NewLead};
use revos_store::linkedin_accounts::AccountRow;
use revos_store::watermarks::{self, WatchedPost};
use std::time::Duration;
use uuid::Uuid;

/// How often every active campaign's watched posts are polled (the `poll-comments` cron).
pub const POLL_PERIOD: Duration = Duration::from_secs(30);

/// Posts of one pass walked at once: a campaign's posts do not wait on each other's provider
/// calls, and a pass never opens more than this many calls (LinkedIn reads have no pacing
/// budget of their own; the HTTP client honours `Retry-After`).
const POSTS_AT_ONCE: usize = 4;

/// Where in each period the pass of `campaign` is due: a stable offset derived from its id,
/// so passes of many campaigns spread evenly over the period and each campaign keeps its
/// rhythm from one period to the next.
pub fn poll_offset(campaign: Uuid, period: Duration) -> chrono::Duration {
    let period_ms = period.as_millis().max(1);
    // The id's random low bits, mixed with its high ones (ids made together share those).
    let bits = campaign.as_u128();
    let mixed = (bits ^ (bits >> 64)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let ms = i64::try_from((mixed >> 64) % period_ms).unwrap_or(0);
    chrono::Duration::milliseconds(ms)
}

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

impl MonitorReport {
    fn add(&mut self, other: MonitorReport) {
        self.new_comments += other.new_comments;
        self.new_leads += other.new_leads;
    }
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
    /// its watched posts with their marks (one query).
    async fn monitor_context(
        &self,
        tenant: TenantId,
        campaign: Uuid,
    ) -> Result<(CampaignContext, Vec<WatchedPost>)> {
        let mut tx = self.store.begin_read_for(tenant).await?;
        let ctx = context::read(&mut tx, tenant, campaign, None).await?;
        let posts = watermarks::of_campaign(&mut tx, tenant, campaign).await?;
        Ok((ctx, posts))
    }

    /// One pass over the posts read by [`App::monitor_context`], a few at once. A post whose
    /// walk fails does not stop the others; the pass then fails with the first error (its
    /// job is retried, and the failed walk resumes from its unmoved mark).
    async fn monitor_with(
        &self,
        tenant: TenantId,
        campaign: Uuid,
        ctx: &CampaignContext,
        posts: &[WatchedPost],
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
        // The walks are built first (futures do nothing until polled), then run a few at once.
        let pending: Vec<_> = posts.iter().map(|p| self.walk_post(&watch, p)).collect();
        let walks: Vec<Result<MonitorReport>> = futures::stream::iter(pending)
            .buffer_unordered(POSTS_AT_ONCE)
            .collect()
            .await;
        let mut first_error = None;
        for walk in walks {
            match walk {
                Ok(r) => report.add(r),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Walks the comments of `post` newest first down to its high-water mark (or to the
    /// oldest comment), processing each page with new comments in a transaction of its own;
    /// the last page's transaction moves the mark to the newest comment seen. A failed page
    /// load ends the walk with the mark unmoved. When the newest comment is the mark, the
    /// walk reads one page and writes nothing.
    async fn walk_post(&self, w: &Watch<'_>, post: &WatchedPost) -> Result<MonitorReport> {
        let mut report = MonitorReport::default();
        let mark = post.boundary.as_deref();
        let mut cursor: Option<String> = None;
        let mut newest: Option<String> = None;
        loop {
            let page = w
                .linkedin
                .comments(
                    &w.account.provider_account_id,
                    &post.provider_post_id,
                    cursor.as_deref(),
                )
                .await
                .map_err(AppError::Provider)?;
            if newest.is_none() {
                newest = page.items.first().map(|c| c.id.clone());
            }
            let at_mark = mark.and_then(|m| page.items.iter().position(|c| c.id == m));
            let fresh = &page.items[..at_mark.unwrap_or(page.items.len())];
            let next = page.cursor.filter(|_| at_mark.is_none());
            let advance = match &next {
                None => newest.as_deref().filter(|n| Some(*n) != mark),
                Some(_) => None,
            };
            if !fresh.is_empty() || advance.is_some() {
                report.add(self.process_page(w, post.post, fresh, advance).await?);
            }
            match next {
                Some(n) => cursor = Some(n),
                None => return Ok(report),
            }
        }
    }

    /// Records the comments of one page that were not recorded yet (one multi-row insert)
    /// and turns the qualifying ones (never the owner's) into leads of the campaign, with
    /// their enrichment and DM jobs; moves the post's mark to `advance` when the walk ends
    /// here: all in one transaction.
    async fn process_page(
        &self,
        w: &Watch<'_>,
        post_row: Uuid,
        comments: &[PostComment],
        advance: Option<&str>,
    ) -> Result<MonitorReport> {
        let mut report = MonitorReport::default();
        let (tenant, campaign) = (w.tenant, w.campaign);
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let rows: Vec<NewComment> = comments
            .iter()
            .map(|c| NewComment {
                provider_comment_id: &c.id,
                author_provider_id: &c.author.provider_id,
                author_name: &c.author.name,
                body: &c.text,
            })
            .collect();
        let mut recorded = comments::record_new(&mut tx, tenant, post_row, &rows, now).await?;
        for c in comments {
            let Some(comment_id) = recorded.remove(&c.id) else {
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
            let entry = Entry {
                tenant,
                campaign,
                lead: lead.id,
                account: w.account.id,
                comment: Some(comment_id),
            };
            if enter_campaign(&mut tx, entry, w.spec.first_step_id(), now).await? {
                report.new_leads += 1;
            }
        }
        if let Some(newest) = advance {
            watermarks::advance(&mut tx, tenant, post_row, newest, now).await?;
        }
        tx.commit().await?;
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

    /// Queues this period's monitor pass of every active campaign, each due at its own
    /// offset into the period ([`poll_offset`]), so passes spread over the period instead of
    /// falling on its first second. A pass still queued or running is not doubled (the job's
    /// unique key): a slow pass skips a period rather than piling up.
    pub async fn poll_campaigns(&self) -> Result<usize> {
        let now = self.now();
        let period_ms = i64::try_from(POLL_PERIOD.as_millis()).unwrap_or(30_000);
        let ms = now.timestamp_millis();
        let slot =
            chrono::DateTime::from_timestamp_millis(ms - ms.rem_euclid(period_ms)).unwrap_or(now);
        let mut tx = self.store.begin_system().await?;
        let active = campaigns::active_all(&mut tx).await?;
        for (tenant, campaign) in &active {
            let due = slot + poll_offset(*campaign, POLL_PERIOD);
            revos_jobs::enqueue(
                &mut tx,
                &MonitorCampaign {
                    tenant: TenantId(*tenant),
                    campaign: *campaign,
                },
                due,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(active.len())
    }
}
