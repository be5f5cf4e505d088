//! A published post's counts (reactions, comments, reposts, impressions): read from LinkedIn
//! soon after publishing, then refreshed for [`METRICS_WINDOW_DAYS`] days.

use crate::{App, Result};
use revos_domain::TenantId;
use revos_domain::post::{PostStatus, same_text};
use revos_jobs::Job;
use revos_store::posts as store;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The job that reads a published post's counts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshPostMetrics {
    /// The tenant.
    pub tenant: TenantId,
    /// The post.
    pub post: Uuid,
}

impl Job for RefreshPostMetrics {
    type Context = crate::App;
    const KIND: &'static str = "post.metrics";
    const QUEUE: &'static str = "posts";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(self.post.to_string())
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        app.refresh_post_metrics(self.tenant, self.post).await?;
        Ok(revos_jobs::Outcome::Done)
    }
}

/// The cron job that queues a metrics refresh of every post published in the last
/// [`METRICS_WINDOW_DAYS`] days.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PollPostMetrics;

impl Job for PollPostMetrics {
    type Context = crate::App;
    const KIND: &'static str = "post.metrics_all";
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
        app.poll_post_metrics()
            .await
            .map_err(crate::AppError::into_sweep_error)?;
        Ok(revos_jobs::Outcome::Done)
    }
}

/// How long after publishing a post's counts keep being refreshed.
pub const METRICS_WINDOW_DAYS: i64 = 14;

/// How soon after publishing the first counts are read.
pub const FIRST_METRICS_AFTER_MINUTES: i64 = 10;

impl App {
    /// Reads a published post's counts from its account's LinkedIn and stores them.
    /// Posts not (or no longer) published are skipped.
    pub async fn refresh_post_metrics(&self, tenant: TenantId, id: Uuid) -> Result<()> {
        let (row, account) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let row = self.read_post(&mut tx, tenant, id).await?;
            if row.status != PostStatus::Published {
                return Ok(());
            }
            let account = self.publishing_account(&mut tx, tenant, &row, None).await?;
            (row, account)
        };
        let linkedin = self.linkedin_for(tenant, &account.provider).await?;
        let acct = account.provider_account_id.as_str();
        let learnt = match &row.provider_post_id {
            Some(_) => None,
            None => linkedin
                .recent_posts(acct)
                .await?
                .into_iter()
                .find(|p| same_text(&p.text, &row.body))
                .map(|p| p.id),
        };
        let Some(pid) = row.provider_post_id.as_deref().or(learnt.as_deref()) else {
            tracing::warn!(post = %id, "a published post's LinkedIn id is still unknown");
            return Ok(());
        };
        let m = linkedin.post_metrics(acct, pid).await?;
        let metrics = store::Metrics {
            reactions: m.reactions,
            comments: m.comments,
            reposts: m.reposts,
            impressions: m.impressions,
            url: m.url.as_deref(),
            provider_post_id: learnt.as_deref(),
        };
        let mut tx = self.store.begin_for(tenant).await?;
        store::set_metrics(&mut tx, tenant, id, &metrics, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a metrics refresh of every post published in the last
    /// [`METRICS_WINDOW_DAYS`] days (one still queued is not doubled).
    pub async fn poll_post_metrics(&self) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.begin_system().await?;
        let since = now - chrono::Duration::days(METRICS_WINDOW_DAYS);
        let posts = store::published_since_all(&mut tx, since).await?;
        for (tenant, post) in &posts {
            let job = RefreshPostMetrics {
                tenant: TenantId(*tenant),
                post: *post,
            };
            revos_jobs::enqueue(&mut tx, &job, now, now).await?;
        }
        tx.commit().await?;
        Ok(posts.len())
    }
}
