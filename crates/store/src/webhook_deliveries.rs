//! The outgoing-webhook outbox: an event appended to the log ([`crate::events`]) becomes, in
//! the same transaction, one delivery per enabled endpoint subscribed to its kind, and wakes
//! that endpoint's delivery job. The job sends each subject's (lead's, post's) deliveries in
//! the log's order (by event id): a delivery is due only while no delivery of an older event
//! of the same subject to the same endpoint is pending. Every attempt is logged with its
//! status (or error) and duration.

use crate::allowed_from::placeholders;
use crate::tx::on_conn;
use crate::{Result, Tx, webhook_endpoints};
use chrono::{DateTime, Utc};
use revos_domain::{PageRequest, TenantId};
use uuid::Uuid;

/// The kind of the delivery job (`revos_app::outgoing_webhooks::DeliverWebhooks`).
pub const DELIVERY_JOB_KIND: &str = "webhooks.deliver";
/// The queue deliveries wait in, apart from the pipeline's queues: a slow receiver holds
/// nothing else up.
pub const WEBHOOK_QUEUE: &str = "webhooks";

/// Adds a delivery of the event `event` to every enabled endpoint of `tenant` subscribed to
/// `kind`, in the caller's transaction, due once the event has settled
/// ([`SETTLE`](revos_domain::outgoing_webhook::SETTLE)), and wakes their delivery jobs.
#[allow(clippy::too_many_arguments)] // each is one part of the event
pub(crate) async fn capture(
    tx: &mut Tx,
    tenant: TenantId,
    event: Uuid,
    kind: &str,
    subject: Option<Uuid>,
    data: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let endpoints = webhook_endpoints::subscribed(tx, tenant, kind).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let payload = revos_domain::outgoing_webhook::payload(kind, event, tenant.0, subject, data, at);
    let due = at + revos_domain::outgoing_webhook::SETTLE;
    const SQL: &str = "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, \
        order_key, payload, state, attempts, queued_at, next_attempt_at, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $9, $8)";
    for endpoint in endpoints {
        on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(endpoint).bind(event)
            .bind(kind).bind(subject).bind(payload.as_str()).bind(at).bind(due).execute(c).await?.rows_affected());
        wake(tx, tenant, endpoint, due).await?;
    }
    Ok(())
}

/// Makes the delivery job of `endpoint` due at `at` in the caller's transaction: enqueues it,
/// or brings a live one that waits for later (a retry) forward.
pub async fn wake(tx: &mut Tx, tenant: TenantId, endpoint: Uuid, at: DateTime<Utc>) -> Result<()> {
    let payload = serde_json::json!({ "tenant": tenant, "endpoint": endpoint }).to_string();
    // The key as `revos_jobs` scopes a tenant job's unique key.
    let key = format!("{tenant}:{DELIVERY_JOB_KIND}:{endpoint}");
    let job = crate::jobs::NewJob {
        id: Uuid::now_v7(),
        tenant: Some(tenant),
        kind: DELIVERY_JOB_KIND,
        queue: WEBHOOK_QUEUE,
        payload: &payload,
        priority: 0,
        run_at: at,
        max_attempts: 5,
        unique_key: Some(&key),
        pacing_account: None,
    };
    let (id, existing) = crate::jobs::enqueue(tx, &job, at).await?;
    if existing {
        const SQL: &str = "UPDATE jobs SET run_at = $2, updated_at = $2 WHERE id = $1 \
            AND state IN ('scheduled', 'retrying') AND run_at > $2";
        let moved =
            on_conn!(tx, c => sqlx::query(SQL).bind(id).bind(at).execute(c).await?.rows_affected());
        if moved > 0 {
            tx.jobs_ready(WEBHOOK_QUEUE, at);
        }
    }
    Ok(())
}

/// A delivery as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    /// Its id, also the message id (`webhook-id`) the receiver sees on every attempt.
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The event it carries.
    pub event_id: Uuid,
    /// The event's kind.
    pub event_type: String,
    /// The JSON body, exactly as sent.
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// When its retry window started.
    pub queued_at: DateTime<Utc>,
    /// When it is tried next (while pending).
    pub next_attempt_at: DateTime<Utc>,
    /// When it was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's last status.
    pub last_status: Option<i64>,
    /// Why the last attempt got no answer.
    pub last_error: Option<String>,
    /// When an attempt succeeded.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the event was captured.
    pub created_at: DateTime<Utc>,
}

/// A pending delivery `d` that no pending delivery of an older event (in the log's order) of
/// its subject to its endpoint holds back (deliveries without a subject are never held back).
const NOT_HELD_BACK: &str = "NOT EXISTS (SELECT 1 FROM webhook_deliveries o \
    WHERE o.tenant_id = d.tenant_id AND o.endpoint_id = d.endpoint_id AND o.order_key = d.order_key \
    AND o.state = 'pending' AND o.event_id < d.event_id)";

const COLUMNS: &str = "id, endpoint_id, event_id, event_type, payload, state, attempts, queued_at, \
    next_attempt_at, last_attempt_at, last_status, last_error, delivered_at, created_at";

/// The pending deliveries of `endpoint` due at `now` that no older pending delivery of the
/// same subject holds back, oldest first, at most `limit`.
pub async fn due(
    tx: &mut Tx,
    tenant: TenantId,
    endpoint: Uuid,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DeliveryRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.endpoint_id = $2 \
         AND d.state = 'pending' AND d.next_attempt_at <= $3 AND {NOT_HELD_BACK} \
         ORDER BY d.event_id LIMIT $4"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(endpoint)
        .bind(now).bind(limit).fetch_all(c).await?),
    )
}

/// When the earliest pending delivery of `endpoint` that no older one holds back is due, if
/// any is pending.
pub async fn next_due(
    tx: &mut Tx,
    tenant: TenantId,
    endpoint: Uuid,
) -> Result<Option<DateTime<Utc>>> {
    let sql = format!(
        "SELECT d.next_attempt_at FROM webhook_deliveries d WHERE d.tenant_id = $1 \
         AND d.endpoint_id = $2 AND d.state = 'pending' AND {NOT_HELD_BACK} \
         ORDER BY d.next_attempt_at LIMIT 1"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(endpoint)
        .fetch_optional(c).await?),
    )
}

/// One attempt's outcome.
pub struct AttemptOutcome<'a> {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The receiver's status, when it answered.
    pub status: Option<i64>,
    /// Why there was no answer (or what the status means), never a secret.
    pub error: Option<&'a str>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// The delivery's state after it: `delivered`, `pending` (tried again at
    /// `next_attempt_at`) or `failed`.
    pub state: &'a str,
    /// When a pending delivery is tried next.
    pub next_attempt_at: DateTime<Utc>,
}

/// Logs an attempt of delivery `id` and moves the delivery to its outcome. False (nothing
/// written) when the delivery is no longer pending (redelivered meanwhile, or deleted).
pub async fn record_attempt(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    outcome: &AttemptOutcome<'_>,
) -> Result<bool> {
    const SETTLE: &str = "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, \
        next_attempt_at = $4, last_attempt_at = $5, last_status = $6, last_error = $7, \
        delivered_at = CASE WHEN $3 = 'delivered' THEN $5 ELSE delivered_at END \
        WHERE tenant_id = $1 AND id = $2 AND state = 'pending'";
    const LOG: &str = "INSERT INTO webhook_attempts (id, tenant_id, delivery_id, attempted_at, status, error, \
        duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let n = on_conn!(tx, c => sqlx::query(SETTLE).bind(tenant.0).bind(id).bind(outcome.state)
        .bind(outcome.next_attempt_at).bind(outcome.at).bind(outcome.status).bind(outcome.error)
        .execute(c).await?.rows_affected());
    if n == 0 {
        return Ok(false);
    }
    on_conn!(tx, c => sqlx::query(LOG).bind(Uuid::now_v7()).bind(tenant.0).bind(id).bind(outcome.at)
        .bind(outcome.status).bind(outcome.error).bind(outcome.duration_ms).execute(c).await?.rows_affected());
    Ok(true)
}

/// The first attempt of delivery `id` at or after `since` (the start of its retry window).
pub async fn first_attempt(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    since: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str = "SELECT attempted_at FROM webhook_attempts WHERE tenant_id = $1 AND delivery_id = $2 \
        AND attempted_at >= $3 ORDER BY id LIMIT 1";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(id).bind(since).fetch_optional(c).await?),
    )
}

/// The deliveries of `endpoint`, newest first, one page (up to `limit + 1` rows, each older
/// than the cursor).
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    endpoint: Uuid,
    page: PageRequest,
) -> Result<Vec<DeliveryRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2 \
         AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(endpoint)
        .bind(page.after).bind(page.fetch_limit()).fetch_all(c).await?),
    )
}

/// Delivery `id` of `endpoint`, if it exists.
pub async fn get(
    tx: &mut Tx,
    tenant: TenantId,
    endpoint: Uuid,
    id: Uuid,
) -> Result<Option<DeliveryRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(endpoint)
        .bind(id).fetch_optional(c).await?),
    )
}

/// One logged attempt.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttemptRow {
    /// The delivery it belongs to.
    pub delivery_id: Uuid,
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status, when it answered.
    pub status: Option<i64>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

/// The attempts of `deliveries`, oldest first, in one query.
pub async fn attempts_of(
    tx: &mut Tx,
    tenant: TenantId,
    deliveries: &[Uuid],
) -> Result<Vec<AttemptRow>> {
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT delivery_id, attempted_at, status, error, duration_ms FROM webhook_attempts \
         WHERE tenant_id = $1 AND delivery_id IN ({}) ORDER BY id",
        placeholders(2, deliveries.len())
    );
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0);
        for d in deliveries {
            q = q.bind(*d);
        }
        q.fetch_all(c).await?
    }))
}

/// Queues delivery `id` of `endpoint` again now, whatever its state, with a new retry window.
/// False when there is no such delivery.
pub async fn redeliver(
    tx: &mut Tx,
    tenant: TenantId,
    endpoint: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE webhook_deliveries SET state = 'pending', queued_at = $4, next_attempt_at = $4 \
        WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(endpoint).bind(id).bind(now)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Enabled endpoints (with their workspaces) that have a delivery due at `now`, at most
/// `limit`: the sweep's safety net for a wake-up lost to a race. Run it in system scope.
pub async fn endpoints_due(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(Uuid, Uuid)>> {
    let sql = format!(
        "SELECT DISTINCT d.tenant_id, d.endpoint_id FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.tenant_id = d.tenant_id AND e.enabled \
         WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND {NOT_HELD_BACK} LIMIT $2"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(now).bind(limit)
        .fetch_all(c).await?),
    )
}

/// Deletes up to `batch` deliveries of any workspace that ended (delivered, or failed for
/// good) before `before`, oldest first, with their attempts (the foreign key cascades, by
/// `webhook_attempts_of_delivery`); pending ones stay whatever their age. Returns how many
/// deliveries (needs a system transaction).
pub async fn prune_finished(tx: &mut Tx, before: DateTime<Utc>, batch: i64) -> Result<u64> {
    let sql = crate::sql_builder::batch_delete(
        tx,
        "webhook_deliveries",
        "SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND last_attempt_at < $1 \
         ORDER BY last_attempt_at LIMIT $2",
    );
    Ok(
        on_conn!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(batch).execute(c).await?.rows_affected()),
    )
}
