//! Share links: an agency member gives a client without an account a signed (random,
//! stored hashed), expiring, revocable link to the workspace's posts waiting for approval.
//! The visitor sees only those posts and approves or rejects them with a comment; the post's
//! history names them `via share link <label>`. A revoked link is refused (403), an expired
//! one is gone (410), an unknown one is not found (404).

use crate::posts::workflow::Decider;
use crate::posts::{Post, PostDetail, PostMedia};
use crate::{App, AppError, Credential, Principal, Result, tokens};
use chrono::{DateTime, Duration, Utc};
use revos_domain::post::PostStatus;
use revos_domain::validation::Collector;
use revos_domain::{FileId, Page, PageRequest, Role, TenantId, UserId};
use revos_store::share_links::{self as store, NewShareLink as NewRow, ShareLinkRow};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest a share link may live, in days.
pub const MAX_DAYS: u32 = 365;

/// A share link as listed: everything but the token.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareLinkInfo {
    /// Its id, used to revoke it.
    pub id: Uuid,
    /// Its label, named in a post's history (`via share link <label>`).
    pub label: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ShareLinkRow> for ShareLinkInfo {
    fn from(row: ShareLinkRow) -> Self {
        Self {
            id: row.id,
            label: row.label,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// A new link and its token, which is never shown again.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedShareLink {
    /// The link's details.
    #[serde(flatten)]
    pub info: ShareLinkInfo,
    /// The token itself.
    pub token: String,
    /// The page to give the client (relative to this server): `/share/<token>`.
    pub path: String,
}

/// What a new link is made of.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewShareLink {
    /// Who it is for (1 to 100 characters), named in the history of the posts it decides.
    pub label: String,
    /// How many days it works, 1 to 365.
    pub expires_in_days: u32,
}

/// What a share link shows: the link and the posts waiting for approval with their media.
#[derive(Clone, Debug)]
pub struct SharedQueue {
    /// The link's workspace.
    pub tenant: TenantId,
    /// The link's label.
    pub label: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The posts waiting for approval, oldest first.
    pub posts: Vec<Post>,
    /// Their attachments.
    pub media: Vec<PostMedia>,
}

/// Fails for a client: share links are made and revoked by the agency.
fn require_agency(who: &Principal) -> Result<()> {
    match who.role {
        Role::Client => Err(AppError::Forbidden("share links are managed by the agency")),
        _ => Ok(()),
    }
}

impl App {
    /// Creates a share link of the caller's workspace.
    pub async fn create_share_link(
        &self,
        who: &Principal,
        new: NewShareLink,
    ) -> Result<CreatedShareLink> {
        require_agency(who)?;
        let mut c = Collector::default();
        c.text("label", &new.label, 1, 100);
        if !(1..=MAX_DAYS).contains(&new.expires_in_days) {
            c.push(
                "expires_in_days",
                format!("must be a whole number from 1 to {MAX_DAYS}"),
            );
        }
        c.finish()?;
        let token = tokens::generate(tokens::SHARE_LINK_PREFIX);
        let hash = tokens::hash(&token);
        let now = self.now();
        let label = new.label.trim().to_owned();
        let row = NewRow {
            id: Uuid::now_v7(),
            label: &label,
            token_hash: &hash,
            created_by: who.user,
            expires_at: now + Duration::days(i64::from(new.expires_in_days)),
        };
        let mut tx = self.store.begin_for(who.tenant).await?;
        store::insert(&mut tx, who.tenant, &row, now).await?;
        tx.commit().await?;
        let (id, expires_at) = (row.id, row.expires_at);
        Ok(CreatedShareLink {
            info: ShareLinkInfo {
                id,
                label,
                created_at: now,
                expires_at,
                revoked_at: None,
            },
            path: format!("/share/{token}"),
            token,
        })
    }

    /// The full address of a share link's page (`path`, e.g. `/share/<token>`) when the
    /// instance knows its public URL (`REVOS_PUBLIC_URL`): what the agency sends the client.
    pub fn share_link_address(&self, path: &str) -> Option<String> {
        let base = self.provider_settings().public_url.as_deref()?;
        Some(format!("{}{path}", base.trim_end_matches('/')))
    }

    /// A page of the workspace's share links, revoked and expired ones included.
    pub async fn list_share_links(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<ShareLinkInfo>> {
        require_agency(who)?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, page).await?;
        tx.commit().await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(ShareLinkInfo::from))
    }

    /// Revokes a share link: it opens nothing from now on.
    pub async fn revoke_share_link(&self, who: &Principal, id: Uuid) -> Result<ShareLinkInfo> {
        require_agency(who)?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = store::revoke(&mut tx, who.tenant, id, self.now())
            .await?
            .ok_or(AppError::NotFound("share link"))?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// The link `token` opens, as the client it stands for: refused when unknown (404),
    /// revoked (403) or expired (410).
    async fn open_share_link(&self, token: &str) -> Result<(Principal, String, DateTime<Utc>)> {
        const UNKNOWN: AppError = AppError::NotFound("share link");
        if !token.starts_with(tokens::SHARE_LINK_PREFIX) {
            return Err(UNKNOWN);
        }
        let hash = tokens::hash(token);
        let mut tx = self.store.begin_read().await?;
        tx.scope_credential(&hash).await?;
        let row = store::find_by_hash(&mut tx, &hash).await?.ok_or(UNKNOWN)?;
        tx.commit().await?;
        if row.revoked_at.is_some() {
            return Err(AppError::Forbidden("this share link was revoked"));
        }
        if row.expires_at <= self.now() {
            return Err(AppError::Gone("this share link has expired"));
        }
        let who = Principal {
            tenant: TenantId(row.tenant_id),
            user: UserId(row.created_by),
            role: Role::Client,
            credential: Credential::ShareLink(row.id),
        };
        Ok((who, format!("via share link {}", row.label), row.expires_at))
    }

    /// The posts waiting for approval that share link `token` shows, with their media.
    pub async fn shared_queue(&self, token: &str) -> Result<SharedQueue> {
        let (who, label, expires_at) = self.open_share_link(token).await?;
        let page = PageRequest {
            limit: PageRequest::MAX_LIMIT,
            after: None,
        };
        let posts = self
            .list_posts(&who, Some(PostStatus::PendingApproval), page)
            .await?
            .items;
        let media = match (
            posts.iter().map(|p| p.id).min(),
            posts.iter().map(|p| p.id).max(),
        ) {
            (Some(first), Some(last)) => self.media_of_posts(who.tenant, first, last).await?,
            _ => Vec::new(),
        };
        Ok(SharedQueue {
            tenant: who.tenant,
            label,
            expires_at,
            posts,
            media,
        })
    }

    /// The visitor of share link `token` approves post `id` (waiting for approval) with an
    /// optional comment.
    pub async fn approve_shared_post(
        &self,
        token: &str,
        id: Uuid,
        comment: Option<&str>,
    ) -> Result<PostDetail> {
        let (who, label, _) = self.open_share_link(token).await?;
        let by = Decider {
            who: &who,
            label: Some(&label),
        };
        self.approve_as(by, id, None, comment).await
    }

    /// The visitor of share link `token` rejects post `id` (waiting for approval) with a
    /// comment saying why.
    pub async fn reject_shared_post(
        &self,
        token: &str,
        id: Uuid,
        reason: Option<&str>,
    ) -> Result<PostDetail> {
        let (who, label, _) = self.open_share_link(token).await?;
        let by = Decider {
            who: &who,
            label: Some(&label),
        };
        self.reject_as(by, id, reason).await
    }

    /// An attachment's file of a post waiting for approval, for share link `token`'s
    /// previews; any other file is 404.
    pub async fn shared_media(
        &self,
        token: &str,
        file: FileId,
    ) -> Result<(crate::files::StoredFile, bytes::Bytes)> {
        let queue = self.shared_queue(token).await?;
        if !queue.media.iter().any(|m| m.file_id == file.0) {
            return Err(AppError::NotFound("file"));
        }
        self.file_bytes(queue.tenant, file).await
    }
}
