//! The content approval workflow: a post is drafted in a cartridge's voice, submitted, approved
//! (as is or edited) or rejected with a reason, scheduled, and published through the LinkedIn
//! provider of its account, exactly once; its counts are read back afterwards, and a published
//! post can be attached to a campaign, which then watches it for comments.
//!
//! Publishing exactly once over a provider with no idempotency keys works like the DM: attempts
//! at one post take turns under a lock (a PostgreSQL advisory lock, which the server releases
//! if the holder dies; one process-wide lock on SQLite, whose database one process owns); the
//! attempt is claimed durably before the provider is called; and an attempt that finds an
//! earlier claim first looks for the post among the account's recent posts, recording it
//! instead of publishing again.

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::memory::{ExampleKind, ExampleSource};
use revos_domain::post::{self as rules, PostMove, PostStatus, same_text};
use revos_domain::{CartridgeId, Page, PageRequest, TenantId, ValidationErrors};
use revos_jobs::Job;
use revos_providers::ProviderErrorKind;
use revos_store::posts::{self as store, DraftFields, PostRow};
use revos_store::{Backend, Tx, campaigns, cartridges, events, linkedin_accounts};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A post as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Post {
    /// Its id.
    pub id: Uuid,
    /// Where it is in the workflow.
    pub status: PostStatus,
    /// The current text (the approved text, once approved).
    pub body: String,
    /// The first draft (the AI's), kept beside the current text.
    pub draft_body: Option<String>,
    /// The voice it is written in.
    pub cartridge_id: Option<Uuid>,
    /// The LinkedIn account it is published from.
    pub linkedin_account_id: Option<Uuid>,
    /// The campaign it is for; once published and attached, that campaign watches it.
    pub campaign_id: Option<Uuid>,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// Who last submitted it for approval.
    pub submitted_by: Option<Uuid>,
    /// When.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Who approved it.
    pub approved_by: Option<Uuid>,
    /// When.
    pub approved_at: Option<DateTime<Utc>>,
    /// Whether the approver changed the text.
    pub approved_edited: bool,
    /// Who last rejected it.
    pub rejected_by: Option<Uuid>,
    /// When.
    pub rejected_at: Option<DateTime<Utc>>,
    /// Why.
    pub rejection_reason: Option<String>,
    /// When it is to be published.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// LinkedIn's id of it.
    pub provider_post_id: Option<String>,
    /// Where it can be seen.
    pub url: Option<String>,
    /// True when it was published to the simulated LinkedIn: nobody saw it.
    pub sandbox: bool,
    /// Its counts, once read.
    pub metrics: PostMetrics,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A published post's counts at the last refresh.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostMetrics {
    /// Reactions.
    pub reactions: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
    /// Reposts.
    pub reposts: Option<i64>,
    /// Impressions, when the provider gives them.
    pub impressions: Option<i64>,
    /// When they were read.
    pub refreshed_at: Option<DateTime<Utc>>,
}

/// One move in a post's history: who approved what, and when.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostTransition {
    /// Who made it; `null` for the system (a scheduled publish).
    pub actor_id: Option<Uuid>,
    /// The status before; `null` when the post was created.
    pub from: Option<PostStatus>,
    /// The status after.
    pub to: PostStatus,
    /// Why (a rejection's reason).
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A post with its history.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostDetail {
    /// The post.
    #[serde(flatten)]
    pub post: Post,
    /// Every move, oldest first.
    pub history: Vec<PostTransition>,
}

/// A new draft.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    /// The text (at most 3000 characters).
    pub body: String,
    /// The cartridge whose voice it is written in.
    pub cartridge_id: Uuid,
    /// The LinkedIn account to publish from (needed by the time it is scheduled).
    #[serde(default)]
    pub linkedin_account_id: Option<Uuid>,
    /// The campaign it is for: once published, that campaign watches it.
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
}

/// Changes to a draft; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostPatch {
    /// The text.
    #[serde(default)]
    pub body: Option<String>,
    /// The cartridge.
    #[serde(default)]
    pub cartridge_id: Option<Uuid>,
    /// The LinkedIn account to publish from.
    #[serde(default)]
    pub linkedin_account_id: Option<Uuid>,
    /// The campaign it is for.
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
}

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
    const KIND: &'static str = "post.publish";
    const QUEUE: &'static str = "posts";
    const MAX_ATTEMPTS: u32 = 8;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(format!("{}:{}", self.post, self.at.timestamp_millis()))
    }
}

/// The job that reads a published post's counts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshPostMetrics {
    /// The tenant.
    pub tenant: TenantId,
    /// The post.
    pub post: Uuid,
}

impl Job for RefreshPostMetrics {
    const KIND: &'static str = "post.metrics";
    const QUEUE: &'static str = "posts";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(self.post.to_string())
    }
}

/// The cron job that queues a metrics refresh of every post published in the last
/// [`METRICS_WINDOW_DAYS`] days.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PollPostMetrics;

impl Job for PollPostMetrics {
    const KIND: &'static str = "post.metrics_all";
    const QUEUE: &'static str = "system";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        None
    }
}

/// How long after publishing a post's counts keep being refreshed.
pub const METRICS_WINDOW_DAYS: i64 = 14;

/// How soon after publishing the first counts are read.
pub const FIRST_METRICS_AFTER_MINUTES: i64 = 10;

/// SQLite is owned by one process: its publish attempts take turns here.
static SQLITE_PUBLISHING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Held while one attempt publishes: no other attempt at the same post runs meanwhile.
enum PublishTurn {
    /// A PostgreSQL transaction holding the post's advisory lock.
    Postgres { _lock: Tx },
    /// The process-wide turn on SQLite.
    Sqlite {
        _turn: tokio::sync::MutexGuard<'static, ()>,
    },
}

fn parse_status(raw: &str) -> Result<PostStatus> {
    PostStatus::parse(raw).ok_or_else(|| AppError::Internal(format!("unknown post status {raw}")))
}

fn view(row: PostRow) -> Result<Post> {
    Ok(Post {
        id: row.id,
        status: parse_status(&row.status)?,
        body: row.body,
        draft_body: row.draft_body,
        cartridge_id: row.cartridge_id,
        linkedin_account_id: row.linkedin_account_id,
        campaign_id: row.target_campaign_id,
        created_by: row.created_by,
        submitted_by: row.submitted_by,
        submitted_at: row.submitted_at,
        approved_by: row.approved_by,
        approved_at: row.approved_at,
        approved_edited: row.approved_edited,
        rejected_by: row.rejected_by,
        rejected_at: row.rejected_at,
        rejection_reason: row.rejection_reason,
        scheduled_at: row.scheduled_at,
        published_at: row.published_at,
        provider_post_id: row.provider_post_id,
        url: row.url,
        sandbox: row.is_sandbox,
        metrics: PostMetrics {
            reactions: row.reactions,
            comments: row.comment_count,
            reposts: row.reposts,
            impressions: row.impressions,
            refreshed_at: row.metrics_refreshed_at,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Fails unless the caller may approve or reject content: owners and admins, so that the
/// person who drafts (any member) is not the one who lets it reach LinkedIn.
fn require_approver(who: &Principal) -> Result<()> {
    if who.role.can_administer() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "approving or rejecting posts needs the owner or admin role",
        ))
    }
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict("the post changed meanwhile; try again".into())
}

/// The public URL of a LinkedIn post known only by its id.
fn feed_url(provider_post_id: &str) -> String {
    if provider_post_id.starts_with("urn:") {
        format!("https://www.linkedin.com/feed/update/{provider_post_id}/")
    } else {
        format!("https://www.linkedin.com/feed/update/urn:li:activity:{provider_post_id}/")
    }
}

/// Appends a post event (`post_created`, `post_approved`, …) to the tenant's event log. Post
/// events carry no campaign column: the campaign funnel counts leads, not posts.
async fn post_event(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    post: Uuid,
    data: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<()> {
    events::append(tx, tenant, kind, None, Some(post), &data.to_string(), at).await?;
    Ok(())
}

/// Records that `who` moved post `id` between statuses (with the reason of a rejection), so
/// the history says who did what, and when.
async fn log_move(
    tx: &mut Tx,
    who: &Principal,
    id: Uuid,
    (from, to): (PostStatus, PostStatus),
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    store::add_transition(
        tx,
        who.tenant,
        id,
        Some(who.user.0),
        Some(from.as_str()),
        to.as_str(),
        reason,
        at,
    )
    .await?;
    Ok(())
}

/// Records the `post_approved` event with the draft, the submitted and the final text, in the
/// approval's transaction (the memory example is added after it commits).
async fn remember_edit(
    tx: &mut Tx,
    tenant: TenantId,
    row: &PostRow,
    final_text: &str,
    edited: bool,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    let data = serde_json::json!({
        "post_id": row.id, "cartridge_id": row.cartridge_id, "campaign_id": row.target_campaign_id,
        "approved_by": by, "edited": edited,
        "draft": row.draft_body.as_deref().unwrap_or(&row.body), "submitted": row.body,
        "final": final_text,
    });
    post_event(tx, tenant, "post_approved", row.id, data, at).await
}

impl App {
    async fn read_post(&self, tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<PostRow> {
        store::get(tx, tenant, id)
            .await?
            .ok_or(AppError::NotFound("post"))
    }

    async fn detail(&self, tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<PostDetail> {
        let row = self.read_post(tx, tenant, id).await?;
        let history = store::history(tx, tenant, id)
            .await?
            .into_iter()
            .map(|h| {
                Ok(PostTransition {
                    actor_id: h.actor_id,
                    from: h.from_status.as_deref().map(parse_status).transpose()?,
                    to: parse_status(&h.to_status)?,
                    reason: h.reason,
                    at: h.occurred_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PostDetail {
            post: view(row)?,
            history,
        })
    }

    /// Checks that the cartridge, account and campaign a post names are the caller's.
    async fn check_refs(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        cartridge: Option<Uuid>,
        account: Option<Uuid>,
        campaign: Option<Uuid>,
    ) -> Result<()> {
        if let Some(c) = cartridge
            && cartridges::get(tx, tenant, CartridgeId(c)).await?.is_none()
        {
            return Err(ValidationErrors::single(
                "cartridge_id",
                "no such cartridge in this workspace",
            )
            .into());
        }
        if let Some(a) = account
            && linkedin_accounts::get(tx, tenant, a).await?.is_none()
        {
            return Err(ValidationErrors::single(
                "linkedin_account_id",
                "no such LinkedIn account in this workspace",
            )
            .into());
        }
        if let Some(c) = campaign
            && campaigns::get(tx, tenant, c).await?.is_none()
        {
            return Err(ValidationErrors::single(
                "campaign_id",
                "no such campaign in this workspace",
            )
            .into());
        }
        Ok(())
    }

    /// Checks a move against the workflow; returns the statuses before and after.
    fn check_move(row: &PostRow, step: PostMove) -> Result<(PostStatus, PostStatus)> {
        let from = parse_status(&row.status)?;
        let to = from.apply(step)?;
        Ok((from, to))
    }

    /// Creates a draft.
    pub async fn create_post(&self, who: &Principal, new: NewPost) -> Result<PostDetail> {
        let body = rules::post_body("body", &new.body)?;
        let id = Uuid::now_v7();
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        self.check_refs(
            &mut tx,
            who.tenant,
            Some(new.cartridge_id),
            new.linkedin_account_id,
            new.campaign_id,
        )
        .await?;
        let fields = DraftFields {
            body: &body,
            cartridge: new.cartridge_id,
            account: new.linkedin_account_id,
            campaign: new.campaign_id,
        };
        store::insert(&mut tx, who.tenant, id, &fields, who.user.0, now).await?;
        let draft = PostStatus::Draft.as_str();
        store::add_transition(
            &mut tx,
            who.tenant,
            id,
            Some(who.user.0),
            None,
            draft,
            None,
            now,
        )
        .await?;
        let data =
            serde_json::json!({"post_id": id, "cartridge_id": new.cartridge_id, "by": who.user.0});
        post_event(&mut tx, who.tenant, "post_drafted", id, data, now).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Edits a draft; other statuses are read-only (a rejected post is revised first).
    pub async fn update_post(
        &self,
        who: &Principal,
        id: Uuid,
        patch: PostPatch,
    ) -> Result<PostDetail> {
        let body = patch
            .body
            .as_deref()
            .map(|b| rules::post_body("body", b))
            .transpose()?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let status = parse_status(&row.status)?;
        if !status.is_editable() {
            return Err(AppError::Conflict(format!(
                "a {} post cannot be edited; only drafts can",
                status.as_str()
            )));
        }
        self.check_refs(
            &mut tx,
            who.tenant,
            patch.cartridge_id,
            patch.linkedin_account_id,
            patch.campaign_id,
        )
        .await?;
        let cartridge = patch
            .cartridge_id
            .or(row.cartridge_id)
            .ok_or_else(|| ValidationErrors::single("cartridge_id", "a post needs a cartridge"))?;
        let fields = DraftFields {
            body: body.as_deref().unwrap_or(&row.body),
            cartridge,
            account: patch.linkedin_account_id.or(row.linkedin_account_id),
            campaign: patch.campaign_id.or(row.target_campaign_id),
        };
        if !store::update_draft(&mut tx, who.tenant, id, &fields, self.now()).await? {
            return Err(changed_meanwhile());
        }
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Reads a post with its history.
    pub async fn get_post(&self, who: &Principal, id: Uuid) -> Result<PostDetail> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        self.detail(&mut tx, who.tenant, id).await
    }

    /// Lists posts, optionally of one status.
    pub async fn list_posts(
        &self,
        who: &Principal,
        status: Option<PostStatus>,
        page: PageRequest,
    ) -> Result<Page<Post>> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, status.map(PostStatus::as_str), page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        let items = page
            .items
            .into_iter()
            .map(view)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            next_after: page.next_after,
        })
    }

    /// Submits a draft for approval.
    pub async fn submit_post(&self, who: &Principal, id: Uuid) -> Result<PostDetail> {
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let (from, to) = Self::check_move(&row, PostMove::Submit)?;
        if !store::submit(&mut tx, who.tenant, id, who.user.0, now).await? {
            return Err(changed_meanwhile());
        }
        log_move(&mut tx, who, id, (from, to), None, now).await?;
        let data = serde_json::json!({"post_id": id, "by": who.user.0});
        post_event(&mut tx, who.tenant, "post_submitted", id, data, now).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Approves a post waiting for approval, as written or with the approver's `edited`
    /// text; the approval (and the edit beside the draft) feeds the cartridge's memory.
    pub async fn approve_post(
        &self,
        who: &Principal,
        id: Uuid,
        edited: Option<String>,
    ) -> Result<PostDetail> {
        require_approver(who)?;
        let edited = edited
            .as_deref()
            .map(|b| rules::post_body("body", b))
            .transpose()?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let edited = edited.filter(|b| *b != row.body);
        let step = match edited {
            Some(_) => PostMove::ApproveEdited,
            None => PostMove::Approve,
        };
        let (from, to) = Self::check_move(&row, step)?;
        if !store::approve(&mut tx, who.tenant, id, who.user.0, edited.as_deref(), now).await? {
            return Err(changed_meanwhile());
        }
        log_move(&mut tx, who, id, (from, to), None, now).await?;
        let final_text = edited.as_deref().unwrap_or(&row.body);
        remember_edit(
            &mut tx,
            who.tenant,
            &row,
            final_text,
            edited.is_some(),
            who.user.0,
            now,
        )
        .await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        self.learn_from_approval(who, &row, final_text, edited.is_some())
            .await;
        Ok(detail)
    }

    /// Feeds an approved post into its cartridge's memory: the approved text, and when the
    /// approver edited it, beside the draft they corrected. The approval stands even if this
    /// fails (it is logged), so learning never blocks publishing.
    async fn learn_from_approval(&self, who: &Principal, row: &PostRow, text: &str, edited: bool) {
        let Some(cartridge) = row.cartridge_id else {
            return;
        };
        let draft = edited.then_some(row.body.as_str());
        if let Err(err) = self
            .record_example(
                who,
                CartridgeId(cartridge),
                ExampleKind::Post,
                draft,
                text,
                ExampleSource::Approval,
                Some(row.id),
            )
            .await
        {
            tracing::error!(post = %row.id, error = %err, "could not add an approved post to its cartridge's memory");
        }
    }

    /// Rejects a post waiting for approval; a reason is required.
    pub async fn reject_post(
        &self,
        who: &Principal,
        id: Uuid,
        reason: Option<&str>,
    ) -> Result<PostDetail> {
        require_approver(who)?;
        let reason = rules::rejection_reason(reason)?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let (from, to) = Self::check_move(&row, PostMove::Reject)?;
        if !store::reject(&mut tx, who.tenant, id, who.user.0, &reason, now).await? {
            return Err(changed_meanwhile());
        }
        log_move(&mut tx, who, id, (from, to), Some(reason.as_str()), now).await?;
        let data = serde_json::json!({"post_id": id, "by": who.user.0, "reason": reason});
        post_event(&mut tx, who.tenant, "post_rejected", id, data, now).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Takes a rejected post back to a draft, to be reworked and submitted again.
    pub async fn revise_post(&self, who: &Principal, id: Uuid) -> Result<PostDetail> {
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let (from, to) = Self::check_move(&row, PostMove::Revise)?;
        if !store::revise(&mut tx, who.tenant, id, now).await? {
            return Err(changed_meanwhile());
        }
        log_move(&mut tx, who, id, (from, to), None, now).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// The account a post is published from: `given`, else the post's own; checked to be
    /// the tenant's.
    async fn publishing_account(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        row: &PostRow,
        given: Option<Uuid>,
    ) -> Result<linkedin_accounts::AccountRow> {
        let Some(id) = given.or(row.linkedin_account_id) else {
            return Err(ValidationErrors::single(
                "linkedin_account_id",
                "the post has no LinkedIn account to publish from; name one",
            )
            .into());
        };
        linkedin_accounts::get(tx, tenant, id)
            .await?
            .ok_or_else(|| {
                ValidationErrors::single(
                    "linkedin_account_id",
                    "no such LinkedIn account in this workspace",
                )
                .into()
            })
    }

    /// Schedules an approved post to be published at `at` (not in the past) from `account`
    /// or the post's own account.
    pub async fn schedule_post(
        &self,
        who: &Principal,
        id: Uuid,
        at: DateTime<Utc>,
        account: Option<Uuid>,
    ) -> Result<PostDetail> {
        use chrono::SubsecRound;
        // Stored to the microsecond (PostgreSQL's precision), so the job's copy matches it.
        let at = at.trunc_subsecs(6);
        let now = self.now();
        if at < now.trunc_subsecs(6) {
            return Err(ValidationErrors::single("at", "must not be in the past").into());
        }
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let (from, to) = Self::check_move(&row, PostMove::Schedule)?;
        let account = self
            .publishing_account(&mut tx, who.tenant, &row, account)
            .await?;
        if !store::schedule(&mut tx, who.tenant, id, account.id, at, now).await? {
            return Err(changed_meanwhile());
        }
        log_move(&mut tx, who, id, (from, to), None, now).await?;
        let job = PublishPost {
            tenant: who.tenant,
            post: id,
            at,
        };
        revos_jobs::enqueue(&mut tx, &job, at, now).await?;
        let data = serde_json::json!({"post_id": id, "by": who.user.0, "at": at});
        post_event(&mut tx, who.tenant, "post_scheduled", id, data, now).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Takes a scheduled post back to approved; its publish job then does nothing.
    pub async fn unschedule_post(&self, who: &Principal, id: Uuid) -> Result<PostDetail> {
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let (from, to) = Self::check_move(&row, PostMove::Unschedule)?;
        if !store::unschedule(&mut tx, who.tenant, id, now).await? {
            return Err(AppError::Conflict(
                "the post is being published or changed meanwhile".into(),
            ));
        }
        log_move(&mut tx, who, id, (from, to), None, now).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

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
    async fn publishing_turn(&self, tenant: TenantId, id: Uuid) -> Result<PublishTurn> {
        Ok(match self.store.backend() {
            Backend::Postgres => {
                let mut tx = self.store.begin_for(tenant).await?;
                store::lock_publishing(&mut tx, id).await?;
                PublishTurn::Postgres { _lock: tx }
            }
            Backend::Sqlite => PublishTurn::Sqlite {
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
        let _turn = self.publishing_turn(tenant, id).await?;
        let (row, account) = {
            let mut tx = self.store.begin_for(tenant).await?;
            let row = self.read_post(&mut tx, tenant, id).await?;
            let status = parse_status(&row.status)?;
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
        let created = match linkedin.create_post(acct, &row.body).await {
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
        let to = PostStatus::Published.as_str();
        store::add_transition(
            &mut tx,
            tenant,
            row.id,
            actor,
            Some(&row.status),
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
        if let (Some(campaign), Some(pid)) = (row.target_campaign_id, provider_post_id)
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
        let status = parse_status(&row.status)?;
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
        campaigns::watch_post(&mut tx, who.tenant, campaign, pid, row.is_sandbox, now).await?;
        store::set_campaign(&mut tx, who.tenant, id, campaign, now).await?;
        let data = serde_json::json!({"post_id": id, "by": who.user.0, "campaign_id": campaign});
        post_event(&mut tx, who.tenant, "post_attached", id, data, now).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Reads a published post's counts from its account's LinkedIn and stores them.
    /// Posts not (or no longer) published are skipped.
    pub async fn refresh_post_metrics(&self, tenant: TenantId, id: Uuid) -> Result<()> {
        let (row, account) = {
            let mut tx = self.store.begin_for(tenant).await?;
            let row = self.read_post(&mut tx, tenant, id).await?;
            if row.status != PostStatus::Published.as_str() {
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
