//! The analytics outbox: what a workspace exports to PostHog, written in the transaction of
//! the event it reports (by [`crate::events::append_with_cost`], the ledger of model calls
//! and [`record_feature_use`]) and only while the workspace's export is on, so an event and
//! its export commit or roll back together. The shipper job (woken here, in the same
//! transaction) reads the rows in id order, sends them, and deletes them once the analytics
//! service accepted them; a row's id is the event's `uuid` there, which makes a batch sent
//! twice (an answer lost after PostHog took it) count once.
//!
//! Per workspace, `analytics_exports` holds whether the export is on and the shipper's state
//! (consecutive failures, the last error and success), which its backoff and the settings
//! page read.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// The kind of the shipper job (`revos_app::analytics::ShipAnalytics`).
pub const SHIPPER_JOB_KIND: &str = "analytics.ship";
/// The queue the shipper waits in, apart from the pipeline's queues: a slow analytics
/// service never holds up a DM.
pub const ANALYTICS_QUEUE: &str = "analytics";
/// The shipper's unique key within a workspace: one live job ships a workspace's outbox.
pub const SHIPPER_JOB_KEY: &str = "outbox";

/// One event to export.
#[derive(Clone, Debug)]
pub struct Capture<'a> {
    /// Its id, sent as the event's `uuid` (the event's own id when it is one).
    pub id: Uuid,
    /// The event name, e.g. `dm_sent`, `model_called`, `feature_used`.
    pub event: &'a str,
    /// The member who acted, when one did (else the workspace is the actor).
    pub user: Option<Uuid>,
    /// The exportable properties, as a JSON object.
    pub properties: &'a serde_json::Value,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// Writes `capture` to `tenant`'s outbox in the caller's transaction when the workspace's
/// export is on (one statement: an insert that selects the workspace's switch), and then
/// wakes its shipper.
pub(crate) async fn capture(tx: &mut Tx, tenant: TenantId, capture: &Capture<'_>) -> Result<()> {
    const SQL: &str = "INSERT INTO analytics_outbox (id, tenant_id, event, user_id, properties, occurred_at) \
        SELECT $1, tenant_id, $3, $4, $5, $6 FROM analytics_exports WHERE tenant_id = $2 AND enabled";
    let properties = capture.properties.to_string();
    let added = on_conn!(tx, c => sqlx::query(SQL).bind(capture.id).bind(tenant.0).bind(capture.event)
        .bind(capture.user).bind(&properties).bind(capture.at).execute(c).await?.rows_affected());
    if added > 0 {
        wake_shipper(tx, tenant, capture.at).await?;
    }
    Ok(())
}

/// Records that a member used a feature (a chat command, …): an outbox row and nothing
/// else, since the use itself is the event.
pub async fn record_feature_use(
    tx: &mut Tx,
    tenant: TenantId,
    user: Uuid,
    properties: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<()> {
    let c = Capture {
        id: Uuid::now_v7(),
        event: "feature_used",
        user: Some(user),
        properties,
        at,
    };
    capture(tx, tenant, &c).await
}

/// Enqueues `tenant`'s shipper (unless one is live) in the caller's transaction, due `at`.
pub async fn wake_shipper(tx: &mut Tx, tenant: TenantId, at: DateTime<Utc>) -> Result<()> {
    let payload = serde_json::json!({ "tenant": tenant }).to_string();
    // The key as `revos_jobs` scopes a tenant job's unique key.
    let key = format!("{tenant}:{SHIPPER_JOB_KIND}:{SHIPPER_JOB_KEY}");
    let job = crate::jobs::NewJob {
        id: Uuid::now_v7(),
        tenant: Some(tenant),
        kind: SHIPPER_JOB_KIND,
        queue: ANALYTICS_QUEUE,
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

/// One waiting export.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxRow {
    /// Its id (time-ordered), the event's `uuid`.
    pub id: Uuid,
    /// The event name.
    pub event: String,
    /// The member who acted, if one did.
    pub user_id: Option<Uuid>,
    /// The properties as a JSON object.
    pub properties: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// The oldest `limit` waiting exports of `tenant`, in id order.
pub async fn pending(tx: &mut Tx, tenant: TenantId, limit: i64) -> Result<Vec<OutboxRow>> {
    const SQL: &str = "SELECT id, event, user_id, properties, occurred_at FROM analytics_outbox \
        WHERE tenant_id = $1 ORDER BY id LIMIT $2";
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, OutboxRow>(SQL).bind(tenant.0).bind(limit)
        .fetch_all(c).await?),
    )
}

/// How many exports of `tenant` wait.
pub async fn backlog(tx: &mut Tx, tenant: TenantId) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM analytics_outbox WHERE tenant_id = $1";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).fetch_one(c).await?))
}

/// Deletes the exports `ids` of `tenant` (the analytics service accepted them).
pub async fn remove(tx: &mut Tx, tenant: TenantId, ids: &[Uuid]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "DELETE FROM analytics_outbox WHERE tenant_id = $1 AND id IN ({})",
        marks.join(", ")
    );
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0);
        for id in ids {
            q = q.bind(*id);
        }
        q.execute(c).await?.rows_affected()
    }))
}

/// The tenants whose outbox holds exports, at most `limit` (the sweep that wakes shippers
/// a lost wake-up left asleep).
pub async fn tenants_waiting(tx: &mut Tx, limit: i64) -> Result<Vec<TenantId>> {
    const SQL: &str = "SELECT DISTINCT tenant_id FROM analytics_outbox LIMIT $1";
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(limit).fetch_all(c).await?);
    Ok(ids.into_iter().map(TenantId).collect())
}

/// A workspace's export switch and its shipper's state.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct ExportRow {
    /// Whether events are exported.
    pub enabled: bool,
    /// Failed attempts since the last accepted batch.
    pub failures: i64,
    /// The last failure, as a user may see it.
    pub last_error: Option<String>,
    /// When a batch was last accepted.
    pub last_sent_at: Option<DateTime<Utc>>,
}

/// `tenant`'s export state (off, with no history, when never set).
pub async fn export_state(tx: &mut Tx, tenant: TenantId) -> Result<ExportRow> {
    const SQL: &str = "SELECT enabled, failures, last_error, last_sent_at FROM analytics_exports \
        WHERE tenant_id = $1";
    let row: Option<ExportRow> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).fetch_optional(c).await?);
    Ok(row.unwrap_or_default())
}

/// Turns `tenant`'s export on or off. Turning it off drops what waited: the workspace no
/// longer wants it sent.
pub async fn set_enabled(
    tx: &mut Tx,
    tenant: TenantId,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO analytics_exports (tenant_id, enabled, failures, updated_at) \
        VALUES ($1, $2, 0, $3) ON CONFLICT (tenant_id) DO UPDATE \
        SET enabled = excluded.enabled, updated_at = excluded.updated_at";
    const DROP: &str = "DELETE FROM analytics_outbox WHERE tenant_id = $1";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(enabled).bind(now).execute(c).await?.rows_affected());
    if !enabled {
        on_conn!(tx, c => sqlx::query(DROP).bind(tenant.0).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// Records a failed attempt of `tenant`'s shipper; returns the consecutive failures now.
pub async fn record_failure(
    tx: &mut Tx,
    tenant: TenantId,
    error: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    const SQL: &str = "UPDATE analytics_exports SET failures = failures + 1, last_error = $2, \
        updated_at = $3 WHERE tenant_id = $1 RETURNING failures";
    let n: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(error).bind(now)
        .fetch_optional(c).await?);
    Ok(n.unwrap_or(1))
}

/// Records an accepted batch of `tenant`: the failures are over.
pub async fn record_success(tx: &mut Tx, tenant: TenantId, now: DateTime<Utc>) -> Result<()> {
    const SQL: &str = "UPDATE analytics_exports SET failures = 0, last_error = NULL, last_sent_at = $2, \
        updated_at = $2 WHERE tenant_id = $1";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(now).execute(c).await?.rows_affected());
    Ok(())
}
