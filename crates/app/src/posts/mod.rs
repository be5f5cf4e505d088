//! The content approval workflow: a post is drafted in a cartridge's voice, submitted, approved
//! (as is or edited) or rejected with a reason, scheduled, and published through the LinkedIn
//! provider of its account, exactly once; its counts are read back afterwards, and a published
//! post can be attached to a campaign, which then watches it for comments.
//!
//! This module holds the model (the views and inputs the API shows and takes) and the reads its
//! parts share: `workflow` moves a post between statuses, `publish` publishes it exactly once
//! (the `post.publish` job), `metrics` reads its counts back afterwards.

mod media;
mod metrics;
mod publish;
pub(crate) mod workflow;

pub use media::{AttachFile, CardStyle, GenerateImage, MediaOrder, PostMedia, RenderCard};

pub use metrics::{
    FIRST_METRICS_AFTER_MINUTES, METRICS_WINDOW_DAYS, PollPostMetrics, RefreshPostMetrics,
};
pub use publish::{PublishOutcome, PublishPost};
pub use workflow::ScheduleTime;

use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use revos_domain::post::{PostMove, PostStatus};
use revos_domain::{TenantId, ValidationErrors};
use revos_store::posts::{self as store, PostRow};
use revos_store::{Tx, events, linkedin_accounts};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A published post's counts at the last refresh (part of [`Post`]).
pub use revos_store::posts::PostMetrics;
/// A post as the API shows it: the store's row, whose serialisation is the API's.
pub use revos_store::posts::PostRow as Post;

/// One move in a post's history: who approved what, and when.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostTransition {
    /// Who made it; `null` for the system (a scheduled publish) or a share link.
    pub actor_id: Option<Uuid>,
    /// Who made it when no user did: `via share link <label>`.
    pub actor_label: Option<String>,
    /// The status before; `null` when the post was created.
    pub from: Option<PostStatus>,
    /// The status after.
    pub to: PostStatus,
    /// Why: a rejection's reason, or the comment an approver left.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A post with its history and its attachments.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostDetail {
    /// The post.
    #[serde(flatten)]
    pub post: Post,
    /// Every move, oldest first.
    pub history: Vec<PostTransition>,
    /// Its attachments (images, or one PDF document), in the order they are published.
    pub media: Vec<PostMedia>,
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

pub(crate) fn changed_meanwhile() -> AppError {
    AppError::Conflict("the post changed meanwhile; try again".into())
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
            .map(|h| PostTransition {
                actor_id: h.actor_id,
                actor_label: h.actor_label,
                from: h.from_status,
                to: h.to_status,
                reason: h.reason,
                at: h.occurred_at,
            })
            .collect();
        let media = revos_store::post_media::of_post(tx, tenant, id).await?;
        Ok(PostDetail {
            post: row,
            history,
            media,
        })
    }

    /// Checks a move against the workflow; returns the statuses before and after.
    fn check_move(row: &PostRow, step: PostMove) -> Result<(PostStatus, PostStatus)> {
        let from = row.status;
        let to = from.apply(step)?;
        Ok((from, to))
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
}
