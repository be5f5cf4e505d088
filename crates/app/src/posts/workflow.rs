//! The moves of a post between statuses: drafted, edited, submitted, approved (as is or
//! edited, feeding the cartridge's memory) or rejected with a reason, revised, scheduled and
//! unscheduled. Each move is checked against the workflow of `revos_domain::post` and logged
//! with who made it.

use super::{NewPost, Post, PostDetail, PostPatch, PublishPost, changed_meanwhile, post_event};
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::calendar;
use revos_domain::memory::{ExampleKind, ExampleSource};
use revos_domain::post::{self as rules, PostMove, PostStatus};
use revos_domain::{CartridgeId, Page, PageRequest, TenantId, ValidationErrors};
use revos_store::posts::{self as store, DraftFields, PostRow};
use revos_store::{Tx, campaigns, cartridges, linkedin_accounts};
use uuid::Uuid;

/// When a post is to be published: an instant, or a wall-clock reading in the time zone of
/// the account it is published from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleTime {
    /// An instant (the API's `at`).
    Utc(DateTime<Utc>),
    /// A local date and time (the API's `local_at`, the calendar's slots).
    Local(chrono::NaiveDateTime),
}

/// Fails unless the caller may approve or reject content: owners and admins, so that the
/// person who drafts (any member) is not the one who lets it reach LinkedIn, and the client.
fn require_approver(who: &Principal) -> Result<()> {
    if who.role.can_approve() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "approving or rejecting posts needs the owner, admin or client role",
        ))
    }
}

/// Who decides on a post waiting for approval: a person of the workspace, or the visitor of
/// a share link (then `label` names the link, and no user is recorded).
#[derive(Clone, Copy)]
pub(crate) struct Decider<'a> {
    /// The caller (for a share link: the link's workspace, acting as a client).
    pub who: &'a Principal,
    /// `via share link <label>` for a share link's visitor.
    pub label: Option<&'a str>,
}

impl<'a> Decider<'a> {
    /// A person of the workspace.
    fn person(who: &'a Principal) -> Self {
        Self { who, label: None }
    }

    /// The user to record, none for a share link.
    fn user(&self) -> Option<Uuid> {
        self.label.is_none().then_some(self.who.user.0)
    }

    fn actor(&self) -> store::MoveActor<'a> {
        store::MoveActor {
            id: self.user(),
            label: self.label,
        }
    }
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
    log_decision(tx, Decider::person(who), id, (from, to), reason, at).await
}

/// [`log_move`] for a decider that may be a share link.
async fn log_decision(
    tx: &mut Tx,
    by: Decider<'_>,
    id: Uuid,
    (from, to): (PostStatus, PostStatus),
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    store::add_transition(
        tx,
        by.who.tenant,
        id,
        by.actor(),
        Some(from),
        to,
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
        "post_id": row.id, "cartridge_id": row.cartridge_id, "campaign_id": row.campaign_id,
        "approved_by": by, "edited": edited,
        "draft": row.draft_body.as_deref().unwrap_or(&row.body), "submitted": row.body,
        "final": final_text,
    });
    post_event(tx, tenant, "post_approved", row.id, data, at).await
}

impl App {
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
        let draft = PostStatus::Draft;
        store::add_transition(
            &mut tx,
            who.tenant,
            id,
            store::MoveActor::user(who.user.0),
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
        let status = row.status;
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
            campaign: patch.campaign_id.or(row.campaign_id),
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
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let detail = self.detail(&mut tx, who.tenant, id).await?;
        if who.role.is_client() && !detail.post.status.shown_to_clients() {
            return Err(AppError::NotFound("post"));
        }
        Ok(detail)
    }

    /// Lists posts, optionally of one status.
    pub async fn list_posts(
        &self,
        who: &Principal,
        status: Option<PostStatus>,
        page: PageRequest,
    ) -> Result<Page<Post>> {
        if who.role.is_client() && !status.is_some_and(PostStatus::shown_to_clients) {
            return Err(AppError::Forbidden(
                "a client lists posts of one status: pending_approval, approved, scheduled or published",
            ));
        }
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, status, page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        Ok(Page {
            items: page.items,
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
    /// text and an optional `comment` (kept in its history); the approval (and the edit beside
    /// the draft) feeds the cartridge's memory.
    pub async fn approve_post(
        &self,
        who: &Principal,
        id: Uuid,
        edited: Option<String>,
        comment: Option<&str>,
    ) -> Result<PostDetail> {
        self.approve_as(Decider::person(who), id, edited, comment)
            .await
    }

    /// [`App::approve_post`] by a person or a share link.
    pub(crate) async fn approve_as(
        &self,
        by: Decider<'_>,
        id: Uuid,
        edited: Option<String>,
        comment: Option<&str>,
    ) -> Result<PostDetail> {
        let who = by.who;
        require_approver(who)?;
        let edited = edited
            .as_deref()
            .map(|b| rules::post_body("body", b))
            .transpose()?;
        let comment = rules::approval_comment(comment)?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let edited = edited.filter(|b| *b != row.body);
        let step = match edited {
            Some(_) => PostMove::ApproveEdited,
            None => PostMove::Approve,
        };
        let (from, to) = Self::check_move(&row, step)?;
        if !store::approve(&mut tx, who.tenant, id, by.user(), edited.as_deref(), now).await? {
            return Err(changed_meanwhile());
        }
        log_decision(&mut tx, by, id, (from, to), comment.as_deref(), now).await?;
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

    /// Rejects a post waiting for approval; a reason (the rejecting comment) is required.
    pub async fn reject_post(
        &self,
        who: &Principal,
        id: Uuid,
        reason: Option<&str>,
    ) -> Result<PostDetail> {
        self.reject_as(Decider::person(who), id, reason).await
    }

    /// [`App::reject_post`] by a person or a share link.
    pub(crate) async fn reject_as(
        &self,
        by: Decider<'_>,
        id: Uuid,
        reason: Option<&str>,
    ) -> Result<PostDetail> {
        let who = by.who;
        require_approver(who)?;
        let reason = rules::rejection_reason(reason)?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.read_post(&mut tx, who.tenant, id).await?;
        let (from, to) = Self::check_move(&row, PostMove::Reject)?;
        if !store::reject(&mut tx, who.tenant, id, by.user(), &reason, now).await? {
            return Err(changed_meanwhile());
        }
        log_decision(&mut tx, by, id, (from, to), Some(reason.as_str()), now).await?;
        let data = serde_json::json!({"post_id": id, "by": by.user(), "by_label": by.label, "reason": reason});
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

    /// Schedules an approved post to be published at `at` (not in the past) from `account`
    /// or the post's own account; a scheduled post is moved there.
    pub async fn schedule_post(
        &self,
        who: &Principal,
        id: Uuid,
        at: DateTime<Utc>,
        account: Option<Uuid>,
    ) -> Result<PostDetail> {
        self.schedule_post_at(who, id, ScheduleTime::Utc(at), account)
            .await
    }

    /// Schedules an approved post, or moves a scheduled one (the calendar's "schedule it
    /// again"), to `when` from `account` or the post's own account. A local time is read in
    /// that account's time zone: a time the clocks skip is refused naming `local_at`, one they
    /// repeat is its earliest reading. The time may not be in the past.
    pub async fn schedule_post_at(
        &self,
        who: &Principal,
        id: Uuid,
        when: ScheduleTime,
        account: Option<Uuid>,
    ) -> Result<PostDetail> {
        use chrono::SubsecRound;
        let now = self.now();
        // Stored to the microsecond (PostgreSQL's precision), so the job's copy matches it.
        let not_past = |at: DateTime<Utc>, field: &str| {
            let at = at.trunc_subsecs(6);
            if at < now.trunc_subsecs(6) {
                Err(ValidationErrors::single(field, "must not be in the past"))
            } else {
                Ok(at)
            }
        };
        if let ScheduleTime::Utc(at) = when {
            not_past(at, "at")?;
        }
        let mut tx = self.store.begin_for(who.tenant).await?;
        let mut row = self.read_post(&mut tx, who.tenant, id).await?;
        if row.status != PostStatus::Scheduled {
            Self::check_move(&row, PostMove::Schedule)?;
        }
        let account = self
            .publishing_account(&mut tx, who.tenant, &row, account)
            .await?;
        let at = match when {
            ScheduleTime::Utc(at) => not_past(at, "at")?,
            ScheduleTime::Local(local) => {
                let tz = calendar::parse_zone("linkedin_account_id", &account.time_zone)?;
                not_past(calendar::local_instant("local_at", tz, local)?, "local_at")?
            }
        };
        if row.status == PostStatus::Scheduled {
            // Moving: back to approved first (refused once a publish attempt claimed it), so
            // the old time's publish job finds nothing to do.
            let (from, to) = Self::check_move(&row, PostMove::Unschedule)?;
            if !store::unschedule(&mut tx, who.tenant, id, now).await? {
                return Err(AppError::Conflict(
                    "the post is being published or changed meanwhile".into(),
                ));
            }
            log_move(&mut tx, who, id, (from, to), None, now).await?;
            row.status = to;
        }
        let (from, to) = Self::check_move(&row, PostMove::Schedule)?;
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
}
