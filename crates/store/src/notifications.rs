//! Notifications of a workspace: what the notifier made of its event log (deduplicated per
//! kind, subject and window), each member's reads and preferences, how far the notifier read
//! the log, and which notifications wait for the Slack digest.
//!
//! An event of a notifying kind wakes the notifier in the transaction that appends it
//! ([`wake_notifier`]): one live job per workspace, which reads every event after the
//! workspace's watermark.

use crate::sql_builder::{Bind, SqlBuilder, bind_each};
use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::notification::{Draft, NOTIFYING_EVENTS, SETTLE};
use revos_domain::{TenantId, UserId};
use uuid::Uuid;

/// The kind of the notifier job (`revos_app::notifications::NotifyWorkspace`).
pub const NOTIFIER_JOB_KIND: &str = "notify.workspace";
/// The queue the notifier and the Slack digest wait in, apart from the pipeline's queues.
pub const NOTIFY_QUEUE: &str = "notify";
/// The notifier job's unique key within a workspace: one live job reads the log at a time.
pub const NOTIFIER_JOB_KEY: &str = "events";

/// Wakes the notifier of `tenant` when `kind` notifies: enqueues its job (unless one is
/// already live) in the caller's transaction, due once an event of `at` has settled
/// ([`SETTLE`]).
pub(crate) async fn wake_notifier(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    if !NOTIFYING_EVENTS.contains(&kind) {
        return Ok(());
    }
    let at = at + SETTLE;
    let payload = serde_json::json!({ "tenant": tenant }).to_string();
    // The key as `revos_jobs` scopes a tenant job's unique key.
    let key = format!("{tenant}:{NOTIFIER_JOB_KIND}:{NOTIFIER_JOB_KEY}");
    let job = crate::jobs::NewJob {
        id: Uuid::now_v7(),
        tenant: Some(tenant),
        kind: NOTIFIER_JOB_KIND,
        queue: NOTIFY_QUEUE,
        payload: &payload,
        priority: 0,
        run_at: at,
        max_attempts: 5,
        unique_key: Some(&key),
        pacing_account: None,
    };
    crate::jobs::enqueue(tx, &job, at).await?;
    Ok(())
}

/// The `WHERE` predicate of the partial index `events_notify`, word for word.
fn notifying_predicate() -> String {
    let kinds: Vec<String> = NOTIFYING_EVENTS.iter().map(|k| format!("'{k}'")).collect();
    format!("e.kind IN ({})", kinds.join(", "))
}

/// A notifying event with the names of its subject.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotifyingEventRow {
    /// The event's id (time-ordered).
    pub id: Uuid,
    /// Its kind.
    pub kind: String,
    /// What it is about.
    pub subject_id: Option<Uuid>,
    /// Its JSON data.
    pub data: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The lead's name, when the subject is a lead of the workspace.
    pub lead_name: Option<String>,
    /// The account's name, when the subject is a LinkedIn account of the workspace.
    pub account_name: Option<String>,
}

/// The notifying events of `tenant` after `after` (from the start when `None`), oldest
/// first, at most `limit`, in one query over the partial index `events_notify`.
pub async fn events_after(
    tx: &mut Tx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<NotifyingEventRow>> {
    let sql = format!(
        "SELECT e.id, e.kind, e.subject_id, e.data, e.occurred_at, l.name AS lead_name, \
         a.display_name AS account_name FROM events e \
         LEFT JOIN leads l ON l.id = e.subject_id AND l.tenant_id = e.tenant_id \
         LEFT JOIN linkedin_accounts a ON a.id = e.subject_id AND a.tenant_id = e.tenant_id \
         WHERE e.tenant_id = $1 AND {} AND ($2 IS NULL OR e.id > $2) ORDER BY e.id LIMIT $3",
        notifying_predicate()
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, NotifyingEventRow>(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(after)
        .bind(limit).fetch_all(c).await?),
    )
}

/// The newest event of `tenant` the notifier has read.
pub async fn watermark(tx: &mut Tx, tenant: TenantId) -> Result<Option<Uuid>> {
    const SQL: &str = "SELECT last_event_id FROM notification_watermarks WHERE tenant_id = $1";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).fetch_optional(c).await?))
}

/// Moves the notifier's watermark of `tenant` to `event`.
pub async fn advance_watermark(
    tx: &mut Tx,
    tenant: TenantId,
    event: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO notification_watermarks (tenant_id, last_event_id, updated_at) \
        VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO UPDATE \
        SET last_event_id = excluded.last_event_id, updated_at = excluded.updated_at";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(event).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Adds `drafts` (already folded, so each key appears once) to `tenant`'s notifications in
/// one statement; a notification of the same kind, subject and window counts up, takes the
/// newer title and becomes unread again. Those whose kind is in `to_slack` wait for the
/// Slack digest. Returns how many drafts went to Slack.
pub async fn add(
    tx: &mut Tx,
    tenant: TenantId,
    drafts: &[Draft],
    to_slack: impl Fn(&Draft) -> bool,
    now: DateTime<Utc>,
) -> Result<usize> {
    if drafts.is_empty() {
        return Ok(0);
    }
    let mut b = SqlBuilder::default();
    b.push(
        "INSERT INTO notifications (id, tenant_id, kind, subject_key, window_start, title, link, \
         count, slack_state, created_at, updated_at) VALUES ",
    );
    let mut slack = 0;
    for (i, d) in drafts.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        let state = if to_slack(d) {
            slack += 1;
            "'pending'"
        } else {
            "NULL"
        };
        b.push("(")
            .bind(Bind::Uuid(Uuid::now_v7()))
            .push(", ")
            .bind(Bind::Uuid(tenant.0))
            .push(", ")
            .bind(Bind::Text(d.kind.as_str().to_owned()))
            .push(", ")
            .bind(Bind::Text(d.subject_key.clone()))
            .push(", ")
            .bind(Bind::Time(d.window_start))
            .push(", ")
            .bind(Bind::Text(d.title.clone()))
            .push(", ")
            .bind(Bind::Text(d.link.clone()))
            .push(", ")
            .bind(Bind::Int(d.count))
            .push(", ")
            .push(state)
            .push(", ")
            .bind(Bind::Time(now))
            .push(", ")
            .bind(Bind::Time(now))
            .push(")");
    }
    b.push(
        " ON CONFLICT (tenant_id, kind, subject_key, window_start) DO UPDATE SET \
         count = notifications.count + excluded.count, title = excluded.title, \
         updated_at = excluded.updated_at, \
         slack_state = COALESCE(excluded.slack_state, notifications.slack_state)",
    );
    on_conn!(tx, c => bind_each!(sqlx::query(sqlx::AssertSqlSafe(b.sql().to_owned())), b.binds()).execute(c).await?.rows_affected());
    Ok(slack)
}

/// A notification as a member sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// Its kind's stored name.
    pub kind: String,
    /// The sentence shown.
    pub title: String,
    /// Where to look.
    pub link: String,
    /// How many events it stands for.
    pub count: i64,
    /// Whether this member has read it since it last changed.
    pub read: bool,
    /// When it was first made.
    pub created_at: DateTime<Utc>,
    /// When it last counted up.
    pub updated_at: DateTime<Utc>,
}

/// Until when `user` of `tenant` marked everything read.
pub async fn read_mark(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str =
        "SELECT read_through FROM notification_read_marks WHERE tenant_id = $1 AND user_id = $2";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(user.0).fetch_optional(c).await?),
    )
}

/// The joins and filter every read of a member's notifications shares: the kinds the member
/// keeps in-app ($2 is the user) and the member's reads.
const MEMBER_VIEW: &str = "FROM notifications n \
    LEFT JOIN notification_preferences p ON p.tenant_id = n.tenant_id AND p.user_id = $2 AND p.kind = n.kind \
    LEFT JOIN notification_reads r ON r.tenant_id = n.tenant_id AND r.user_id = $2 AND r.notification_id = n.id \
    WHERE n.tenant_id = $1 AND (p.in_app IS NULL OR p.in_app = TRUE)";

/// `user`'s notifications of `tenant` older than `before` (the newest when `None`), newest
/// first, at most `limit`; `mark` is the user's [`read_mark`].
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    mark: Option<DateTime<Utc>>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<NotificationRow>> {
    let sql = format!(
        "SELECT n.id, n.kind, n.title, n.link, n.count, n.created_at, n.updated_at, \
         (($3 IS NOT NULL AND n.updated_at <= $3) OR (r.read_at IS NOT NULL AND r.read_at >= n.updated_at)) AS read \
         {MEMBER_VIEW} AND ($4 IS NULL OR n.id < $4) ORDER BY n.id DESC LIMIT $5"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, NotificationRow>(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(user.0)
        .bind(mark).bind(before).bind(limit).fetch_all(c).await?),
    )
}

/// How many of `user`'s notifications of `tenant` are unread, counting no further than
/// `cap` (the bell shows "9+"); `mark` is the user's [`read_mark`].
pub async fn unread_count(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    mark: Option<DateTime<Utc>>,
    cap: i64,
) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 AS one {MEMBER_VIEW} AND ($3 IS NULL OR n.updated_at > $3) \
         AND (r.read_at IS NULL OR r.read_at < n.updated_at) LIMIT $4) unread"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(user.0).bind(mark).bind(cap)
        .fetch_one(c).await?),
    )
}

/// Marks the notifications `ids` of `tenant` read by `user` at `now` (ids of other
/// workspaces, or of none, are ignored). Returns how many were marked.
pub async fn mark_read(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut b = SqlBuilder::default();
    b.push("INSERT INTO notification_reads (tenant_id, user_id, notification_id, read_at) SELECT n.tenant_id, ")
        .bind(Bind::Uuid(user.0))
        .push(", n.id, ")
        .bind(Bind::Time(now))
        .push(" FROM notifications n WHERE n.tenant_id = ")
        .bind(Bind::Uuid(tenant.0))
        .push(" AND n.id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.bind(Bind::Uuid(*id));
    }
    b.push(
        ") ON CONFLICT (tenant_id, user_id, notification_id) DO UPDATE SET read_at = excluded.read_at",
    );
    Ok(
        on_conn!(tx, c => bind_each!(sqlx::query(sqlx::AssertSqlSafe(b.sql().to_owned())), b.binds()).execute(c).await?.rows_affected()),
    )
}

/// Marks everything of `tenant` read by `user` up to `now`.
pub async fn mark_all_read(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO notification_read_marks (tenant_id, user_id, read_through) VALUES ($1, $2, $3) \
        ON CONFLICT (tenant_id, user_id) DO UPDATE SET read_through = excluded.read_through";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(user.0).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// A member's stored choice for one kind.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PreferenceRow {
    /// The kind's stored name.
    pub kind: String,
    /// Shown in the notification centre.
    pub in_app: bool,
    /// Carried to the workspace's Slack channel.
    pub slack: bool,
}

/// `user`'s stored choices in `tenant` (kinds without a row keep the defaults).
pub async fn preferences(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<PreferenceRow>> {
    const SQL: &str = "SELECT kind, in_app, slack FROM notification_preferences \
        WHERE tenant_id = $1 AND user_id = $2 ORDER BY kind";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(user.0).fetch_all(c).await?))
}

/// Stores `user`'s choices in `tenant`, one row per kind, in one statement.
pub async fn set_preferences(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    choices: &[PreferenceRow],
    now: DateTime<Utc>,
) -> Result<()> {
    if choices.is_empty() {
        return Ok(());
    }
    let mut b = SqlBuilder::default();
    b.push("INSERT INTO notification_preferences (tenant_id, user_id, kind, in_app, slack, updated_at) VALUES ");
    for (i, c) in choices.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.push("(")
            .bind(Bind::Uuid(tenant.0))
            .push(", ")
            .bind(Bind::Uuid(user.0))
            .push(", ")
            .bind(Bind::Text(c.kind.clone()))
            .push(", ")
            .bind(Bind::Bool(c.in_app))
            .push(", ")
            .bind(Bind::Bool(c.slack))
            .push(", ")
            .bind(Bind::Time(now))
            .push(")");
    }
    b.push(
        " ON CONFLICT (tenant_id, user_id, kind) DO UPDATE SET in_app = excluded.in_app, \
         slack = excluded.slack, updated_at = excluded.updated_at",
    );
    on_conn!(tx, c => bind_each!(sqlx::query(sqlx::AssertSqlSafe(b.sql().to_owned())), b.binds()).execute(c).await?.rows_affected());
    Ok(())
}

/// The kinds every member of `tenant` turned off for Slack (a kind goes to the channel while
/// one member still wants it there), in one grouped query.
pub async fn kinds_off_slack(tx: &mut Tx, tenant: TenantId) -> Result<Vec<String>> {
    const SQL: &str = "SELECT kind FROM notification_preferences WHERE tenant_id = $1 AND slack = FALSE \
        GROUP BY kind HAVING COUNT(*) >= (SELECT COUNT(*) FROM memberships WHERE tenant_id = $1)";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).fetch_all(c).await?))
}

/// A notification waiting for the Slack digest.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PendingRow {
    /// Its id.
    pub id: Uuid,
    /// Its kind's stored name.
    pub kind: String,
    /// Its sentence.
    pub title: String,
    /// How many events it stands for.
    pub count: i64,
}

/// The notifications of `tenant` waiting for the Slack digest, oldest first, at most
/// `limit` (the partial index `notifications_slack_pending`).
pub async fn slack_pending(tx: &mut Tx, tenant: TenantId, limit: i64) -> Result<Vec<PendingRow>> {
    const SQL: &str = "SELECT id, kind, title, count FROM notifications \
        WHERE tenant_id = $1 AND slack_state = 'pending' ORDER BY id LIMIT $2";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(limit).fetch_all(c).await?))
}

/// Marks the notifications `ids` of `tenant` as carried by a digest.
pub async fn slack_sent(tx: &mut Tx, tenant: TenantId, ids: &[Uuid]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut b = SqlBuilder::default();
    b.push("UPDATE notifications SET slack_state = 'sent' WHERE tenant_id = ")
        .bind(Bind::Uuid(tenant.0))
        .push(" AND id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.bind(Bind::Uuid(*id));
    }
    b.push(")");
    Ok(
        on_conn!(tx, c => bind_each!(sqlx::query(sqlx::AssertSqlSafe(b.sql().to_owned())), b.binds()).execute(c).await?.rows_affected()),
    )
}

/// Whether `tenant` has an event of `kind` at or after `since` (the index `events_tenant`):
/// a source that may fire often (the model budget, checked before every call) appends its
/// event once per period.
pub async fn event_since(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    since: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "SELECT id FROM events WHERE tenant_id = $1 AND kind = $2 AND occurred_at >= $3 LIMIT 1";
    let found: Option<Uuid> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(kind).bind(since)
        .fetch_optional(c).await?);
    Ok(found.is_some())
}
