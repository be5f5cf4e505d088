//! Posts written in RevOS and their approval workflow (`draft → pending_approval → approved |
//! rejected → scheduled → published`), with the history of every move. The rows share the
//! `posts` table with the posts campaigns only watch (status `watching`, see
//! [`crate::campaigns::watch_post`]); every query here leaves those out. Each move is a
//! conditional update on the statuses it may start from, so two people racing cannot both
//! move a post; the domain decides which moves are legal ([`PostStatus::sources_of`]) and the
//! `WHERE` clause is derived from that rule, never spelled here.

use crate::tx::on_conn;
use crate::{Result, Store, Tx};
use chrono::{DateTime, Utc};
use revos_domain::post::{PostMove, PostStatus};
use revos_domain::{PageRequest, TenantId};
use sqlx::Connection;
use uuid::Uuid;

pub use crate::post_metrics::PostMetrics;

/// Runs move `$step` on post `$id` of `$tenant`: `UPDATE posts SET status = <its target>,
/// $set WHERE tenant_id = $1 AND id = $2 AND status IN (<the statuses the domain allows it
/// from>) $extra`, with the `$bind` values as `$4`, `$5`, …; evaluates to the rows changed.
macro_rules! run_move {
    ($tx:expr, $step:expr, $tenant:expr, $id:expr, $set:literal, $extra:literal $(, $bind:expr)*) => {{
        let step: PostMove = $step;
        let from = PostStatus::sources_of(step);
        let first = 4 + [$(stringify!($bind)),*].len();
        let sql = format!(
            concat!("UPDATE posts SET status = $3, ", $set, " WHERE tenant_id = $1 AND id = $2 AND status IN ({})", $extra),
            crate::allowed_from::placeholders(first, from.len())
        );
        on_conn!($tx, c => {
            let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind($tenant.0).bind($id).bind(step.target().as_str());
            $(let q = q.bind($bind);)*
            let mut q = q;
            for s in &from {
                q = q.bind(s.as_str());
            }
            q.execute(c).await?.rows_affected()
        })
    }};
}

/// Runs `$sql` (a statement on post `$2` of tenant `$1` ending in `status IN ({})`) with the
/// statuses `$from` filled in after the `$bind` values (`$3`, …); evaluates to the rows
/// changed.
macro_rules! run_in_statuses {
    ($tx:expr, $sql:literal, $from:expr, $tenant:expr, $id:expr $(, $bind:expr)*) => {{
        let from: Vec<PostStatus> = $from;
        let first = 3 + [$(stringify!($bind)),*].len();
        let sql = format!($sql, crate::allowed_from::placeholders(first, from.len()));
        on_conn!($tx, c => {
            let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind($tenant.0).bind($id);
            $(let q = q.bind($bind);)*
            let mut q = q;
            for s in &from {
                q = q.bind(s.as_str());
            }
            q.execute(c).await?.rows_affected()
        })
    }};
}

/// The statuses whose text may still be edited.
fn editable() -> Vec<PostStatus> {
    PostStatus::ALL
        .into_iter()
        .filter(|s| s.is_editable())
        .collect()
}

// A stored post of the approval workflow; its serialisation (and its doc, the OpenAPI
// description) is the API's `Post`.
/// A post as the API shows it.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Post))]
pub struct PostRow {
    /// Its id.
    pub id: Uuid,
    /// Where it is in the workflow.
    #[sqlx(try_from = "String")]
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
    #[sqlx(rename = "target_campaign_id")]
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
    /// When a publish attempt claimed it (it may be on LinkedIn from then on); not shown.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub publish_claimed_at: Option<DateTime<Utc>>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// LinkedIn's id of it.
    pub provider_post_id: Option<String>,
    /// Where it can be seen.
    pub url: Option<String>,
    /// True when it was published to the simulated LinkedIn: nobody saw it.
    #[sqlx(rename = "is_sandbox")]
    pub sandbox: bool,
    /// Its counts, once read.
    #[sqlx(flatten)]
    pub metrics: PostMetrics,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, status, body, draft_body, cartridge_id, linkedin_account_id, target_campaign_id, created_by, \
         submitted_by, submitted_at, approved_by, approved_at, approved_edited, rejected_by, rejected_at, \
         rejection_reason, scheduled_at, publish_claimed_at, published_at, provider_post_id, url, reactions, \
         comment_count, reposts, impressions, metrics_refreshed_at, is_sandbox, created_at, updated_at"
    };
}

/// The fields a draft is created with or edited to.
pub struct DraftFields<'a> {
    /// The text.
    pub body: &'a str,
    /// The voice.
    pub cartridge: Uuid,
    /// The account to publish from.
    pub account: Option<Uuid>,
    /// The campaign it is for.
    pub campaign: Option<Uuid>,
}

/// Stores a new draft of `tenant` written by `by`; the text is also kept as the first draft.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    f: &DraftFields<'_>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO posts (id, tenant_id, status, body, draft_body, cartridge_id, linkedin_account_id, \
        target_campaign_id, created_by, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $3, $4, $5, $6, $7, $8, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(id).bind(tenant.0).bind(f.body).bind(f.cartridge).bind(f.account)
        .bind(f.campaign).bind(by).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Reads one post of `tenant` (never a merely watched one).
pub async fn get(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Option<PostRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM posts WHERE tenant_id = $1 AND id = $2 AND status <> 'watching'"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id).fetch_optional(c).await?))
}

/// A page of the posts of `tenant`, optionally of one status.
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    status: Option<PostStatus>,
    page: PageRequest,
) -> Result<Vec<PostRow>> {
    let status = status.map(PostStatus::as_str);
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM posts WHERE tenant_id = $1 AND status <> 'watching' AND ($2 IS NULL OR status = $2) \
        AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(status).bind(page.after).bind(page.fetch_limit())
        .fetch_all(c).await?),
    )
}

/// Replaces a draft's fields; false unless it is (still) a draft.
pub async fn update_draft(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    f: &DraftFields<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run_in_statuses!(
        tx,
        "UPDATE posts SET body = $3, cartridge_id = $4, linkedin_account_id = $5, \
        target_campaign_id = $6, updated_at = $7 WHERE tenant_id = $1 AND id = $2 AND status IN ({})",
        editable(),
        tenant,
        id,
        f.body,
        f.cartridge,
        f.account,
        f.campaign,
        now
    );
    Ok(n == 1)
}

/// Draft → pending approval, submitted by `by`; false unless it was a draft.
pub async fn submit(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run_move!(
        tx,
        PostMove::Submit,
        tenant,
        id,
        "submitted_by = $4, submitted_at = $5, updated_at = $5",
        "",
        by,
        now
    );
    Ok(n == 1)
}

/// Pending approval → approved by `by`, with the approver's text when `edited` is some;
/// false unless it was pending.
pub async fn approve(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    by: Option<Uuid>,
    edited: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let step = if edited.is_some() {
        PostMove::ApproveEdited
    } else {
        PostMove::Approve
    };
    let n = run_move!(
        tx,
        step,
        tenant,
        id,
        "approved_by = $4, body = COALESCE($5, body), approved_edited = $6, approved_at = $7, updated_at = $7",
        "",
        by,
        edited,
        edited.is_some(),
        now
    );
    Ok(n == 1)
}

/// Pending approval → rejected by `by` for `reason`; false unless it was pending.
pub async fn reject(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    by: Option<Uuid>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run_move!(
        tx,
        PostMove::Reject,
        tenant,
        id,
        "rejected_by = $4, rejection_reason = $5, rejected_at = $6, updated_at = $6",
        "",
        by,
        reason,
        now
    );
    Ok(n == 1)
}

/// Rejected → draft, keeping the last rejection for the writer to read; false unless it
/// was rejected.
pub async fn revise(tx: &mut Tx, tenant: TenantId, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let n = run_move!(
        tx,
        PostMove::Revise,
        tenant,
        id,
        "approved_edited = FALSE, updated_at = $4",
        "",
        now
    );
    Ok(n == 1)
}

/// Approved → scheduled at `at` from `account`; false unless it was approved.
pub async fn schedule(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    account: Uuid,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run_move!(
        tx,
        PostMove::Schedule,
        tenant,
        id,
        "linkedin_account_id = $4, scheduled_at = $5, updated_at = $6",
        "",
        account,
        at,
        now
    );
    Ok(n == 1)
}

/// Scheduled → approved, dropping the time; false unless it was scheduled and no publish
/// attempt has claimed it.
pub async fn unschedule(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run_move!(
        tx,
        PostMove::Unschedule,
        tenant,
        id,
        "scheduled_at = NULL, updated_at = $4",
        " AND publish_claimed_at IS NULL",
        now
    );
    Ok(n == 1)
}

/// Sets the account an approved or scheduled post is published from.
pub async fn set_account(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    account: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run_in_statuses!(
        tx,
        "UPDATE posts SET linkedin_account_id = $3, updated_at = $4 WHERE tenant_id = $1 \
        AND id = $2 AND publish_claimed_at IS NULL AND status IN ({})",
        PostStatus::sources_of(PostMove::Publish),
        tenant,
        id,
        account,
        now
    );
    Ok(n == 1)
}

/// Records, before the provider is called, that a publish attempt is under way; false when
/// the post is not publishable or an earlier attempt claimed it (and may have published it).
pub async fn claim_publish(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run_in_statuses!(
        tx,
        "UPDATE posts SET publish_claimed_at = $3, updated_at = $3 WHERE tenant_id = $1 \
        AND id = $2 AND publish_claimed_at IS NULL AND status IN ({})",
        PostStatus::sources_of(PostMove::Publish),
        tenant,
        id,
        now
    );
    Ok(n == 1)
}

/// Voids a publish claim after the provider refused the post (nothing was published).
pub async fn release_claim(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    run_in_statuses!(
        tx,
        "UPDATE posts SET publish_claimed_at = NULL, updated_at = $3 WHERE tenant_id = $1 \
        AND id = $2 AND status IN ({})",
        PostStatus::sources_of(PostMove::Publish),
        tenant,
        id,
        now
    );
    Ok(())
}

/// Approved or scheduled → published, with LinkedIn's id and URL when known; false unless it
/// was publishable.
pub async fn mark_published(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    provider_post_id: Option<&str>,
    url: Option<&str>,
    sandbox: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run_move!(
        tx,
        PostMove::Publish,
        tenant,
        id,
        "provider_post_id = $4, url = $5, is_sandbox = $6, published_at = $7, updated_at = $7",
        "",
        provider_post_id,
        url,
        sandbox,
        now
    );
    Ok(n == 1)
}

/// Counts read from LinkedIn; `None` where the provider gave none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metrics<'a> {
    /// Reactions.
    pub reactions: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
    /// Reposts.
    pub reposts: Option<i64>,
    /// Impressions.
    pub impressions: Option<i64>,
    /// The post's URL, when the provider gives one.
    pub url: Option<&'a str>,
    /// LinkedIn's id, when it was only learnt now.
    pub provider_post_id: Option<&'a str>,
}

/// Stores a published post's latest counts (a count the provider did not give keeps its
/// last value).
pub async fn set_metrics(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    m: &Metrics<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE posts SET reactions = COALESCE($3, reactions), comment_count = COALESCE($4, comment_count), \
        reposts = COALESCE($5, reposts), impressions = COALESCE($6, impressions), url = COALESCE($7, url), \
        provider_post_id = COALESCE(provider_post_id, $8), metrics_refreshed_at = $9, updated_at = $9 \
        WHERE tenant_id = $1 AND id = $2 AND status = 'published'";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(m.reactions).bind(m.comments).bind(m.reposts)
        .bind(m.impressions).bind(m.url).bind(m.provider_post_id).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Records the campaign a post is for (and, once published, watched by).
pub async fn set_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    campaign: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE posts SET target_campaign_id = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 \
        AND status <> 'watching'";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(campaign).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// A post's publishing turn on PostgreSQL: a session-level advisory lock on a connection of
/// its own, outside any transaction, so that a slow provider call holds no transaction open.
/// The server releases it when the connection ends: [`PublishingLock::release`], a drop, or
/// the death of the process holding it.
#[derive(Debug)]
pub struct PublishingLock {
    conn: sqlx::PgConnection,
}

impl PublishingLock {
    /// Ends the turn, closing its connection (which releases the lock).
    pub async fn release(self) {
        if let Err(e) = self.conn.close().await {
            // The connection is gone either way, and with it the lock.
            tracing::debug!(error = %e, "closing a publishing turn's connection");
        }
    }
}

/// Serialises publish attempts of one post across processes while the returned lock lives
/// (see [`PublishingLock`]). `None` on SQLite, whose one process serialises its attempts
/// itself.
pub async fn lock_publishing(store: &Store, id: Uuid) -> Result<Option<PublishingLock>> {
    let Some(mut conn) = store.detached_pg_connection().await? else {
        return Ok(None);
    };
    let (hi, lo) = id.as_u64_pair();
    // Fold the id into the lock's 64-bit key; a rare collision only serialises two posts.
    let key = (hi ^ lo) as i64;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut conn)
        .await?;
    Ok(Some(PublishingLock { conn }))
}

/// One move of a post, for its history.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TransitionRow {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// Who made it; `None` for the system (a scheduled publish).
    pub actor_id: Option<Uuid>,
    /// The status before; `None` when the post was created. Decoded by [`StoredTransition`],
    /// as `try_from` does not read an optional column.
    #[sqlx(skip)]
    pub from_status: Option<PostStatus>,
    /// The status after.
    #[sqlx(try_from = "String")]
    pub to_status: PostStatus,
    /// Why: a rejection's reason, or the comment an approver left.
    pub reason: Option<String>,
    /// Who made it when no user did (`via share link <label>`).
    pub actor_label: Option<String>,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// A [`TransitionRow`] as read, with its former status still the stored word.
#[derive(sqlx::FromRow)]
struct StoredTransition {
    #[sqlx(flatten)]
    row: TransitionRow,
    from_status: Option<String>,
}

/// Who made a move: a user, the system (neither), or a visitor named by a label (a share link).
#[derive(Clone, Copy, Debug, Default)]
pub struct MoveActor<'a> {
    /// The user; `None` for the system or a share link.
    pub id: Option<Uuid>,
    /// The name of an actor that is no user (`via share link <label>`).
    pub label: Option<&'a str>,
}

impl MoveActor<'_> {
    /// A user.
    pub fn user(id: Uuid) -> Self {
        Self {
            id: Some(id),
            label: None,
        }
    }
}

/// Appends a move to a post's history.
#[allow(clippy::too_many_arguments)] // each is one column of the history row
pub async fn add_transition(
    tx: &mut Tx,
    tenant: TenantId,
    post: Uuid,
    actor: MoveActor<'_>,
    from: Option<PostStatus>,
    to: PostStatus,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO post_transitions (id, tenant_id, post_id, actor_id, actor_label, from_status, to_status, \
        reason, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(post).bind(actor.id).bind(actor.label)
        .bind(from.map(PostStatus::as_str)).bind(to.as_str()).bind(reason).bind(at).execute(c).await?.rows_affected());
    Ok(())
}

/// A post's history, oldest first.
pub async fn history(tx: &mut Tx, tenant: TenantId, post: Uuid) -> Result<Vec<TransitionRow>> {
    const SQL: &str = "SELECT id, actor_id, actor_label, from_status, to_status, reason, occurred_at FROM post_transitions \
        WHERE tenant_id = $1 AND post_id = $2 ORDER BY id";
    let rows: Vec<StoredTransition> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(post).fetch_all(c).await?);
    rows.into_iter()
        .map(|r| {
            let mut row = r.row;
            row.from_status = r.from_status.map(crate::decode_name).transpose()?;
            Ok(row)
        })
        .collect()
}

/// Every post published since `since`, across tenants, as (tenant, post): the metrics
/// refresh's work list. System scope.
pub async fn published_since_all(tx: &mut Tx, since: DateTime<Utc>) -> Result<Vec<(Uuid, Uuid)>> {
    const SQL: &str = "SELECT tenant_id, id FROM posts WHERE status = 'published' AND published_at >= $1 ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(since).fetch_all(c).await?))
}

/// The texts of `tenant`'s best-performing published posts, at most `limit`: most comments,
/// reactions and reposts first (comments weigh most: they are what campaigns feed on).
pub async fn best_published(tx: &mut Tx, tenant: TenantId, limit: i64) -> Result<Vec<String>> {
    const SQL: &str = "SELECT body FROM posts WHERE tenant_id = $1 AND status = 'published' \
        ORDER BY 3 * COALESCE(comment_count, 0) + COALESCE(reactions, 0) + 2 * COALESCE(reposts, 0) DESC, id DESC \
        LIMIT $2";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(limit).fetch_all(c).await?))
}

/// Takes post `id` of `tenant` for a change to its attachments: true (with the row locked
/// until the transaction ends, so concurrent changes take turns) while it is a draft or
/// awaiting approval, false otherwise.
pub async fn lock_for_media(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE posts SET updated_at = $3 WHERE tenant_id = $1 AND id = $2 \
        AND status IN ($4, $5)";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(now)
        .bind(PostStatus::Draft.as_str()).bind(PostStatus::PendingApproval.as_str())
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
