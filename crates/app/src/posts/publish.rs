//! Publishing a post through the LinkedIn provider of its account, exactly once, now or at its
//! scheduled time (the `post.publish` job); and attaching a published post to a campaign.
//!
//! Publishing exactly once over a provider with no idempotency keys works like the DM: attempts
//! at one post take turns under a lock (a PostgreSQL session-level advisory lock on a
//! connection of its own, which the server releases if the holder dies; one process-wide lock
//! on SQLite, whose database one process owns); the attempt is claimed durably, in a short
//! transaction, before the provider is called with no transaction open; the outcome is
//! recorded in another; and an attempt that finds an earlier claim first looks for the post
//! among the account's recent posts, recording it instead of publishing again. Neither lock
//! is a transaction or SQLite's writer turn: other writes go on during a slow call.

use super::metrics::{FIRST_METRICS_AFTER_MINUTES, RefreshPostMetrics};
use super::{PostDetail, changed_meanwhile, post_event};
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::post::{PostMove, PostStatus, same_text};
use revos_domain::{TenantId, ValidationErrors};
use revos_jobs::Job;
use revos_providers::ProviderErrorKind;
use revos_store::campaigns;
use revos_store::posts::{self as store, PostRow};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a publish attempt did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishOutcome {
    /// The post went out now.
    Published,
    /// It had gone out before (recorded, or found on the account after a crash): nothing
    /// was published now.
    AlreadyPublished,
    /// A scheduled attempt whose schedule changed (unscheduled or moved): nothing to do.
    NotDue,
}

/// The job that publishes a scheduled post at its time.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PublishPost {
    /// The tenant.
    pub tenant: TenantId,
    /// The post.
    pub post: Uuid,
    /// The time it was scheduled for: a job of an older schedule does nothing.
    pub at: DateTime<Utc>,
}

impl Job for PublishPost {
    type Context = crate::App;
    const KIND: &'static str = "post.publish";
    const QUEUE: &'static str = "posts";
    const MAX_ATTEMPTS: u32 = 8;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(format!("{}:{}", self.post, self.at.timestamp_millis()))
    }

    /// A timed-out publish is retried, and the retry reconciles before publishing again; a
    /// post moved on by someone else ends the job.
    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        let outcome = app.publish_scheduled(&self).await?;
        tracing::info!(post = %self.post, ?outcome, "scheduled publish done");
        Ok(revos_jobs::Outcome::Done)
    }
}

/// SQLite is owned by one process: its publish attempts take turns here.
static SQLITE_PUBLISHING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Held while one attempt publishes: no other attempt at the same post runs meanwhile.
enum PublishTurn {
    /// The post's advisory lock on PostgreSQL (no transaction).
    Postgres(store::PublishingLock),
    /// The process-wide turn on SQLite.
    Sqlite {
        _turn: tokio::sync::MutexGuard<'static, ()>,
    },
}

impl PublishTurn {
    /// Ends the turn (dropping it ends it too, less tidily on PostgreSQL).
    async fn release(self) {
        if let Self::Postgres(lock) = self {
            lock.release().await;
        }
    }
}

/// The public URL of a LinkedIn post known only by its id.
fn feed_url(provider_post_id: &str) -> String {
    if provider_post_id.starts_with("urn:") {
        format!("https://www.linkedin.com/feed/update/{provider_post_id}/")
    } else {
        format!("https://www.linkedin.com/feed/update/urn:li:activity:{provider_post_id}/")
    }
}

impl App {
    /// Publishes an approved or scheduled post now, from `account` or the post's own.
    pub async fn publish_post_now(
        &self,
        who: &Principal,
        id: Uuid,
        account: Option<Uuid>,
    ) -> Result<PostDetail> {
        {
            let mut tx = self.store.begin_for(who.tenant).await?;
            let row = self.read_post(&mut tx, who.tenant, id).await?;
            Self::check_move(&row, PostMove::Publish)?;
            let chosen = self
                .publishing_account(&mut tx, who.tenant, &row, account)
                .await?;
            if row.linkedin_account_id != Some(chosen.id)
                && !store::set_account(&mut tx, who.tenant, id, chosen.id, self.now()).await?
            {
                return Err(changed_meanwhile());
            }
            tx.commit().await?;
        }
        self.publish_post(who.tenant, id, Some(who.user.0), None)
            .await?;
        self.get_post(who, id).await
    }

    /// The scheduled publish of a post (the `post.publish` job).
    pub async fn publish_scheduled(&self, job: &PublishPost) -> Result<PublishOutcome> {
        self.publish_post(job.tenant, job.post, None, Some(job.at))
            .await
    }

    /// Takes this post's publishing turn: no other attempt at it runs until the turn is
    /// dropped, in this process or any other.
    async fn publishing_turn(&self, id: Uuid) -> Result<PublishTurn> {
        Ok(match store::lock_publishing(&self.store, id).await? {
            Some(lock) => PublishTurn::Postgres(lock),
            None => PublishTurn::Sqlite {
                _turn: SQLITE_PUBLISHING.lock().await,
            },
        })
    }

    /// One attempt to publish a post, exactly once: see the module documentation. `due` is
    /// the schedule a job was queued for; the attempt does nothing if the post's schedule
    /// has changed since.
    async fn publish_post(
        &self,
        tenant: TenantId,
        id: Uuid,
        actor: Option<Uuid>,
        due: Option<DateTime<Utc>>,
    ) -> Result<PublishOutcome> {
        let turn = self.publishing_turn(id).await?;
        let outcome = self.publish_in_turn(tenant, id, actor, due).await;
        turn.release().await;
        outcome
    }

    /// [`App::publish_post`] once its turn is taken.
    async fn publish_in_turn(
        &self,
        tenant: TenantId,
        id: Uuid,
        actor: Option<Uuid>,
        due: Option<DateTime<Utc>>,
    ) -> Result<PublishOutcome> {
        let (row, account) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let row = self.read_post(&mut tx, tenant, id).await?;
            let status = row.status;
            if status == PostStatus::Published {
                return Ok(PublishOutcome::AlreadyPublished);
            }
            if let Some(due) = due
                && (status != PostStatus::Scheduled || row.scheduled_at != Some(due))
            {
                return Ok(PublishOutcome::NotDue);
            }
            Self::check_move(&row, PostMove::Publish)?;
            let account = self.publishing_account(&mut tx, tenant, &row, None).await?;
            (row, account)
        };
        let attachments = self.attachments_to_publish(tenant, id).await?;
        let linkedin = self.linkedin_for(tenant, &account.provider).await?;
        let acct = account.provider_account_id.as_str();
        if row.publish_claimed_at.is_some() {
            // An earlier attempt may have reached LinkedIn: look before publishing again.
            let recent = linkedin.recent_posts(acct).await?;
            if let Some(found) = recent.into_iter().find(|p| same_text(&p.text, &row.body)) {
                let url = found.url.unwrap_or_else(|| feed_url(&found.id));
                self.record_published(
                    tenant,
                    &row,
                    Some(&found.id),
                    Some(&url),
                    linkedin.is_sandbox(),
                    actor,
                )
                .await?;
                return Ok(PublishOutcome::AlreadyPublished);
            }
        } else {
            // Persist the intent before the call that cannot be undone.
            let mut tx = self.store.begin_for(tenant).await?;
            if !store::claim_publish(&mut tx, tenant, id, self.now()).await? {
                return Err(changed_meanwhile());
            }
            tx.commit().await?;
        }
        let created = match linkedin.create_post(acct, &row.body, &attachments).await {
            Ok(created) => created,
            Err(e) => {
                if e.kind == ProviderErrorKind::Permanent {
                    // LinkedIn refused it: nothing was published, the claim is void.
                    let mut tx = self.store.begin_for(tenant).await?;
                    store::release_claim(&mut tx, tenant, id, self.now()).await?;
                    tx.commit().await?;
                }
                return Err(e.into());
            }
        };
        let (post_id, url) = match created.id {
            Some(pid) => (Some(pid), created.url),
            // Unipile may not say which post it created: find it by its text.
            None => match linkedin
                .recent_posts(acct)
                .await?
                .into_iter()
                .find(|p| same_text(&p.text, &row.body))
            {
                Some(p) => (Some(p.id), p.url),
                None => (None, None),
            },
        };
        let url = url.or_else(|| post_id.as_deref().map(feed_url));
        self.record_published(
            tenant,
            &row,
            post_id.as_deref(),
            url.as_deref(),
            linkedin.is_sandbox(),
            actor,
        )
        .await?;
        Ok(PublishOutcome::Published)
    }

    /// Records a post as published, queues its first metrics refresh, and has its campaign
    /// (if it names one) watch it.
    async fn record_published(
        &self,
        tenant: TenantId,
        row: &PostRow,
        provider_post_id: Option<&str>,
        url: Option<&str>,
        sandbox: bool,
        actor: Option<Uuid>,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        if !store::mark_published(&mut tx, tenant, row.id, provider_post_id, url, sandbox, now)
            .await?
        {
            return Err(changed_meanwhile());
        }
        let to = PostStatus::Published;
        store::add_transition(
            &mut tx,
            tenant,
            row.id,
            store::MoveActor {
                id: actor,
                label: None,
            },
            Some(row.status),
            to,
            None,
            now,
        )
        .await?;
        let data = serde_json::json!({
            "post_id": row.id, "by": actor, "provider_post_id": provider_post_id, "url": url,
            "sandbox": sandbox,
        });
        post_event(&mut tx, tenant, "post_published", row.id, data, now).await?;
        let refresh = RefreshPostMetrics {
            tenant,
            post: row.id,
        };
        let first = now + chrono::Duration::minutes(FIRST_METRICS_AFTER_MINUTES);
        revos_jobs::enqueue(&mut tx, &refresh, first, now).await?;
        if let (Some(campaign), Some(pid)) = (row.campaign_id, provider_post_id)
            && campaigns::get(&mut tx, tenant, campaign).await?.is_some()
        {
            campaigns::watch_post(&mut tx, tenant, campaign, pid, sandbox, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Attaches a published post to a campaign, which then watches it for comments (through
    /// the same watched-post rows as the posts named in the campaign itself).
    pub async fn attach_post(
        &self,
        who: &Principal,
        id: Uuid,
        campaign: Uuid,
    ) -> Result<PostDetail> {
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let status = row.status;
        let Some(pid) = row
            .provider_post_id
            .as_deref()
            .filter(|_| status == PostStatus::Published)
        else {
            return Err(AppError::Conflict(format!(
                "only a published post with a LinkedIn id can be attached; this one is {}",
                status.as_str()
            )));
        };
        if campaigns::get(&mut tx, who.tenant, campaign)
            .await?
            .is_none()
        {
            return Err(ValidationErrors::single(
                "campaign_id",
                "no such campaign in this workspace",
            )
            .into());
        }
        campaigns::watch_post(&mut tx, who.tenant, campaign, pid, row.sandbox, now).await?;
        store::set_campaign(&mut tx, who.tenant, id, campaign, now).await?;
        let data = serde_json::json!({"post_id": id, "by": who.user.0, "campaign_id": campaign});
        post_event(&mut tx, who.tenant, "post_attached", id, data, now).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }
}
