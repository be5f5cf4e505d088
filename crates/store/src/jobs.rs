//! The job queue's tables. Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL so that many
//! workers take disjoint jobs without waiting on each other; SQLite serialises writers anyway.
//! Every state change is a short transaction of its own; no lock is held while a job runs.

use crate::tx::{TxInner, on_conn};
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::job_state::JobState;
use revos_domain::{PageRequest, TenantId};
use uuid::Uuid;

/// A job to enqueue.
pub struct NewJob<'a> {
    /// Its id.
    pub id: Uuid,
    /// The tenant it works for; `None` for system jobs (cron, maintenance).
    pub tenant: Option<TenantId>,
    /// The job kind, which selects its handler.
    pub kind: &'a str,
    /// The queue it waits in.
    pub queue: &'a str,
    /// The job's JSON payload.
    pub payload: &'a str,
    /// Higher runs first.
    pub priority: i64,
    /// Not before this instant.
    pub run_at: DateTime<Utc>,
    /// Attempts before it is dead.
    pub max_attempts: i64,
    /// While a job with this key is live (scheduled, running or retrying), enqueueing the same
    /// key returns that job instead of adding one.
    pub unique_key: Option<&'a str>,
    /// The LinkedIn account whose pacing the job must respect.
    pub pacing_account: Option<Uuid>,
}

/// A job a worker has claimed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedJob {
    /// Its id.
    pub id: Uuid,
    /// Its tenant, if any.
    pub tenant_id: Option<Uuid>,
    /// Its kind.
    pub kind: String,
    /// Its JSON payload.
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// When it was due.
    pub run_at: DateTime<Utc>,
    /// Higher runs first.
    pub priority: i64,
    /// The paced account, if any.
    pub pacing_account_id: Option<Uuid>,
}

/// A job as stored and as shown to people (the API's and the CLI's `JobView`).
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = JobView))]
pub struct JobRow {
    /// Its id.
    pub id: Uuid,
    /// Its tenant; `null` for system jobs.
    pub tenant_id: Option<Uuid>,
    /// Its kind, e.g. `linkedin.send_dm`.
    pub kind: String,
    /// Its queue.
    pub queue: String,
    /// Its state.
    #[sqlx(try_from = "String")]
    pub state: JobState,
    /// Higher runs first.
    pub priority: i64,
    /// When it is (or was) due.
    pub run_at: DateTime<Utc>,
    /// Attempts so far.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// Its deduplication key (not shown).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub unique_key: Option<String>,
    /// The last failure, kept on dead jobs.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Whose jobs an operator query covers.
#[derive(Clone, Copy, Debug)]
pub enum JobScope {
    /// One tenant's jobs.
    Tenant(TenantId),
    /// Every job, system jobs included: operator commands only (needs [`Store::begin_system`](crate::Store::begin_system)).
    All,
}

impl JobScope {
    fn tenant(self) -> Option<Uuid> {
        match self {
            JobScope::Tenant(t) => Some(t.0),
            JobScope::All => None,
        }
    }
}

/// Enqueues a job in the caller's transaction. Returns its id and whether it already existed
/// (a live job with the same unique key). On PostgreSQL, idle workers are woken at commit.
pub async fn enqueue(tx: &mut Tx, job: &NewJob<'_>, now: DateTime<Utc>) -> Result<(Uuid, bool)> {
    const INSERT: &str = "INSERT INTO jobs (id, tenant_id, kind, queue, payload, state, priority, run_at, attempts, \
        max_attempts, unique_key, pacing_account_id, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $7, 0, $8, $9, $10, $11, $11) \
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'running', 'retrying') \
        DO NOTHING RETURNING id";
    const EXISTING: &str = "SELECT id FROM jobs WHERE unique_key = $1 AND state IN ('scheduled', 'running', 'retrying')";
    // The live job holding the key may finish between the two statements; then insert again.
    for _ in 0..3 {
        let inserted: Option<Uuid> = on_conn!(tx, c => sqlx::query_scalar(INSERT)
            .bind(job.id).bind(job.tenant.map(|t| t.0)).bind(job.kind).bind(job.queue).bind(job.payload)
            .bind(job.priority).bind(job.run_at).bind(job.max_attempts).bind(job.unique_key)
            .bind(job.pacing_account).bind(now).fetch_optional(c).await?);
        if let Some(id) = inserted {
            tx.jobs_ready(job.queue, job.run_at);
            return Ok((id, false));
        }
        let existing: Option<Uuid> = on_conn!(tx, c => sqlx::query_scalar(EXISTING).bind(job.unique_key).fetch_optional(c).await?);
        if let Some(id) = existing {
            return Ok((id, true));
        }
    }
    Err(crate::StoreError::Conflict(format!(
        "job key {:?} is contended",
        job.unique_key
    )))
}

/// Enqueues many jobs without unique keys in multi-row inserts (the bulk path: one statement
/// per 500 jobs). Jobs with a unique key must go through [`enqueue`].
pub async fn enqueue_many(tx: &mut Tx, batch: &[NewJob<'_>], now: DateTime<Utc>) -> Result<()> {
    const COLS: usize = 12;
    for chunk in batch.chunks(500) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p: Vec<String> = (1..=COLS).map(|c| format!("${}", r * COLS + c)).collect();
                format!("({}, 'scheduled', 0)", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO jobs (id, tenant_id, kind, queue, payload, priority, run_at, max_attempts, unique_key, \
             pacing_account_id, created_at, updated_at, state, attempts) VALUES {}",
            rows.join(", ")
        );
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q;
                for job in chunk {
                    q = q
                        .bind(job.id)
                        .bind(job.tenant.map(|t| t.0))
                        .bind(job.kind)
                        .bind(job.queue)
                        .bind(job.payload)
                        .bind(job.priority)
                        .bind(job.run_at)
                        .bind(job.max_attempts)
                        .bind(job.unique_key)
                        .bind(job.pacing_account)
                        .bind(now)
                        .bind(now);
                }
                q
            }};
        }
        match &mut tx.inner {
            TxInner::Postgres(t) => {
                bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)))
                    .execute(&mut **t)
                    .await?;
            }
            TxInner::Sqlite(t) => {
                bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)))
                    .execute(&mut **t)
                    .await?;
            }
        }
    }
    for job in batch {
        tx.jobs_ready(job.queue, job.run_at);
    }
    Ok(())
}

/// The PostgreSQL channel on which enqueues wake workers.
pub const NOTIFY_CHANNEL: &str = "revos_jobs";

/// Claims up to `limit` due jobs of `queue` for `worker`, highest priority first, then oldest
/// `run_at`, leasing them until `lease_until`. Needs [`Store::begin_system`](crate::Store::begin_system) on PostgreSQL.
pub async fn claim(
    tx: &mut Tx,
    queue: &str,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ClaimedJob>> {
    // `= ANY(ARRAY(…))`, not `IN (…)`: the chosen ids are an init plan run once. Under `IN`,
    // a table whose statistics are stale (new, or just grown) can get a nested-loop semi join
    // that runs the locking subquery once per row of the table (seen: 0.5 s per claim on
    // 2,000 rows).
    const PG: &str = "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, \
        updated_at = $3 WHERE id = ANY(ARRAY(SELECT id FROM jobs WHERE queue = $4 AND state IN ('scheduled', 'retrying') \
        AND run_at <= $3 ORDER BY priority DESC, run_at LIMIT $5 FOR UPDATE SKIP LOCKED)) \
        RETURNING id, tenant_id, kind, payload, attempts, max_attempts, run_at, priority, pacing_account_id";
    const SQLITE: &str = "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, \
        updated_at = $3 WHERE id IN (SELECT id FROM jobs WHERE queue = $4 AND state IN ('scheduled', 'retrying') \
        AND run_at <= $3 ORDER BY priority DESC, run_at LIMIT $5) \
        RETURNING id, tenant_id, kind, payload, attempts, max_attempts, run_at, priority, pacing_account_id";
    let mut jobs: Vec<ClaimedJob> = match &mut tx.inner {
        TxInner::Postgres(t) => {
            sqlx::query_as(PG)
                .bind(worker)
                .bind(lease_until)
                .bind(now)
                .bind(queue)
                .bind(limit)
                .fetch_all(&mut **t)
                .await?
        }
        TxInner::Sqlite(t) => {
            sqlx::query_as(SQLITE)
                .bind(worker)
                .bind(lease_until)
                .bind(now)
                .bind(queue)
                .bind(limit)
                .fetch_all(&mut **t)
                .await?
        }
    };
    jobs.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.run_at.cmp(&b.run_at)));
    Ok(jobs)
}

/// Returns jobs whose worker stopped renewing its lease to the queue (or to `dead` when their
/// attempts are used up). Returns how many were reclaimed.
pub async fn reclaim_expired(tx: &mut Tx, now: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'retrying' END, \
        last_error = 'the worker running this job stopped before finishing it (lease expired)', \
        locked_by = NULL, locked_until = NULL, run_at = $1, updated_at = $1 \
        WHERE state = 'running' AND locked_until < $1";
    Ok(on_conn!(tx, c => sqlx::query(SQL).bind(now).execute(c).await?.rows_affected()))
}

/// Extends the leases of every job `worker` is running.
pub async fn heartbeat(tx: &mut Tx, worker: &str, lease_until: DateTime<Utc>) -> Result<u64> {
    const SQL: &str =
        "UPDATE jobs SET locked_until = $2 WHERE locked_by = $1 AND state = 'running'";
    Ok(
        on_conn!(tx, c => sqlx::query(SQL).bind(worker).bind(lease_until).execute(c).await?.rows_affected()),
    )
}

/// Marks jobs `worker` finished as succeeded. A job whose lease was lost to another worker is
/// left alone. Returns how many were marked.
pub async fn succeed(tx: &mut Tx, worker: &str, ids: &[Uuid], now: DateTime<Utc>) -> Result<u64> {
    match &mut tx.inner {
        TxInner::Postgres(t) => {
            const SQL: &str = "UPDATE jobs SET state = 'succeeded', locked_by = NULL, locked_until = NULL, \
                updated_at = $3 WHERE id = ANY($1) AND locked_by = $2 AND state = 'running'";
            Ok(sqlx::query(SQL)
                .bind(ids)
                .bind(worker)
                .bind(now)
                .execute(&mut **t)
                .await?
                .rows_affected())
        }
        TxInner::Sqlite(t) => {
            const SQL: &str = "UPDATE jobs SET state = 'succeeded', locked_by = NULL, locked_until = NULL, \
                updated_at = $3 WHERE id = $1 AND locked_by = $2 AND state = 'running'";
            let mut n = 0;
            for id in ids {
                n += sqlx::query(SQL)
                    .bind(id)
                    .bind(worker)
                    .bind(now)
                    .execute(&mut **t)
                    .await?
                    .rows_affected();
            }
            Ok(n)
        }
    }
}

/// What happens to a job after a failed attempt.
#[derive(Clone, Copy, Debug)]
pub enum AfterFailure {
    /// Try again at this instant.
    RetryAt(DateTime<Utc>),
    /// Give up: the job is dead, its last error kept.
    Dead,
}

/// Records a failed attempt of a job `worker` holds; false when the lease was lost.
pub async fn fail(
    tx: &mut Tx,
    worker: &str,
    id: Uuid,
    next: AfterFailure,
    error: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE jobs SET state = $3, run_at = COALESCE($4, run_at), last_error = $5, \
        locked_by = NULL, locked_until = NULL, updated_at = $6 WHERE id = $1 AND locked_by = $2 AND state = 'running'";
    let (state, run_at) = match next {
        AfterFailure::RetryAt(at) => (JobState::Retrying, Some(at)),
        AfterFailure::Dead => (JobState::Dead, None),
    };
    let error: String = error.chars().take(4_000).collect();
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(id).bind(worker).bind(state.as_str()).bind(run_at).bind(&error).bind(now)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Puts a claimed job back without counting the attempt: for a job that may not run yet
/// (pacing) or that a stopping worker hands back.
pub async fn defer(
    tx: &mut Tx,
    worker: &str,
    id: Uuid,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE jobs SET state = 'scheduled', attempts = attempts - 1, run_at = $3, \
        locked_by = NULL, locked_until = NULL, updated_at = $4 WHERE id = $1 AND locked_by = $2 AND state = 'running'";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(id).bind(worker).bind(run_at).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Hands every job `worker` still holds back to the queue without counting the attempt: for
/// a worker that stops before its jobs finish. Returns how many it released.
pub async fn release_all(tx: &mut Tx, worker: &str, now: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "UPDATE jobs SET state = 'scheduled', attempts = attempts - 1, run_at = $2, \
        locked_by = NULL, locked_until = NULL, updated_at = $2 WHERE locked_by = $1 AND state = 'running'";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(worker).bind(now).execute(c).await?.rows_affected());
    Ok(n)
}

/// When the next job of `queue` becomes due, if any is waiting.
pub async fn next_due(tx: &mut Tx, queue: &str) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str =
        "SELECT MIN(run_at) FROM jobs WHERE queue = $1 AND state IN ('scheduled', 'retrying')";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(queue).fetch_one(c).await?))
}

/// Whether any job is running or due by `now` in any of `queues`: used by simulated runs to
/// know when to move the clock.
pub async fn busy_or_due(tx: &mut Tx, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "SELECT EXISTS (SELECT 1 FROM jobs WHERE state = 'running' \
        OR (state IN ('scheduled', 'retrying') AND run_at <= $1))";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(now).fetch_one(c).await?))
}

/// The queues with a job due by `now` (simulated runs claim only from those).
pub async fn due_queues(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<String>> {
    const SQL: &str =
        "SELECT DISTINCT queue FROM jobs WHERE state IN ('scheduled', 'retrying') AND run_at <= $1";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(now).fetch_all(c).await?))
}

/// The earliest `run_at` of the waiting jobs of each queue: a simulated run moves its clock
/// only to jobs of the queues it serves (a job of a queue no runner of it serves would
/// otherwise hold the clock at the same instant forever).
pub async fn earliest_waiting_per_queue(tx: &mut Tx) -> Result<Vec<(String, DateTime<Utc>)>> {
    const SQL: &str = "SELECT queue, MIN(run_at) FROM jobs WHERE state IN ('scheduled', 'retrying') \
        GROUP BY queue";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).fetch_all(c).await?))
}

macro_rules! columns {
    () => {
        "id, tenant_id, kind, queue, state, priority, run_at, attempts, max_attempts, unique_key, last_error, \
         created_at, updated_at"
    };
}

/// A page of jobs, newest first is not stable under inserts, so in id order; optionally
/// filtered by state and kind.
pub async fn list(
    tx: &mut Tx,
    scope: JobScope,
    state: Option<JobState>,
    kind: Option<&str>,
    page: PageRequest,
) -> Result<Vec<JobRow>> {
    let state = state.map(JobState::as_str);
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM jobs WHERE ($1 IS NULL OR tenant_id = $1) \
        AND ($2 IS NULL OR state = $2) AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR id > $4) ORDER BY id LIMIT $5"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(scope.tenant()).bind(state).bind(kind).bind(page.after)
        .bind(page.fetch_limit()).fetch_all(c).await?),
    )
}

/// One job.
pub async fn get(tx: &mut Tx, scope: JobScope, id: Uuid) -> Result<Option<JobRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM jobs WHERE ($1 IS NULL OR tenant_id = $1) AND id = $2"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(scope.tenant()).bind(id).fetch_optional(c).await?),
    )
}

/// How many jobs are in each state.
pub async fn counts(tx: &mut Tx, scope: JobScope) -> Result<Vec<(String, i64)>> {
    const SQL: &str =
        "SELECT state, COUNT(*) FROM jobs WHERE ($1 IS NULL OR tenant_id = $1) GROUP BY state";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(scope.tenant()).fetch_all(c).await?))
}

/// How many jobs are in each state, per queue: (queue, state, count).
pub async fn counts_by_queue(tx: &mut Tx, scope: JobScope) -> Result<Vec<(String, String, i64)>> {
    const SQL: &str = "SELECT queue, state, COUNT(*) FROM jobs WHERE ($1 IS NULL OR tenant_id = $1) \
        GROUP BY queue, state ORDER BY queue";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(scope.tenant()).fetch_all(c).await?))
}

/// The `run_at` of the oldest job that is due and waiting: how far behind the workers are.
pub async fn oldest_due(
    tx: &mut Tx,
    scope: JobScope,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str = "SELECT MIN(run_at) FROM jobs WHERE ($1 IS NULL OR tenant_id = $1) \
        AND state IN ('scheduled', 'retrying') AND run_at <= $2";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(scope.tenant()).bind(now).fetch_one(c).await?),
    )
}

/// Schedules a dead or cancelled job again with fresh attempts; false when it is in another
/// state (or absent).
pub async fn retry(tx: &mut Tx, scope: JobScope, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "UPDATE jobs SET state = 'scheduled', attempts = 0, run_at = $3, updated_at = $3 \
        WHERE ($1 IS NULL OR tenant_id = $1) AND id = $2 AND state IN ('dead', 'cancelled')";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(scope.tenant()).bind(id).bind(now).execute(c).await?.rows_affected());
    if n == 1 {
        let queue: String = on_conn!(tx, c => sqlx::query_scalar("SELECT queue FROM jobs WHERE id = $1").bind(id).fetch_one(c).await?);
        tx.jobs_ready(&queue, now);
    }
    Ok(n == 1)
}

/// Cancels a job that is not running or finished; false otherwise.
pub async fn cancel(tx: &mut Tx, scope: JobScope, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "UPDATE jobs SET state = 'cancelled', updated_at = $3 \
        WHERE ($1 IS NULL OR tenant_id = $1) AND id = $2 AND state IN ('scheduled', 'retrying', 'dead')";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(scope.tenant()).bind(id).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Deletes one batch of at most `batch` succeeded and cancelled jobs last changed before
/// `before`; returns how many. Callers repeat it, each batch in a transaction of its own, until
/// it deletes fewer than `batch`: a million finished jobs never become one giant delete (nor
/// one long lock on the table). Found through the partial index `jobs_finished`.
pub async fn prune_finished(tx: &mut Tx, before: DateTime<Utc>, batch: i64) -> Result<u64> {
    let sql = crate::sql_builder::batch_delete(
        tx,
        "jobs",
        "SELECT id FROM jobs WHERE state IN ('succeeded', 'cancelled') AND updated_at < $1 LIMIT $2",
    );
    Ok(
        on_conn!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(batch).execute(c).await?.rows_affected()),
    )
}

/// [`prune_finished`] for the jobs of one `kind` only: high-volume kinds (a monitor pass per
/// campaign every 30 s) are kept for a shorter time than the rest.
pub async fn prune_finished_of_kind(
    tx: &mut Tx,
    kind: &str,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64> {
    let sql = crate::sql_builder::batch_delete(
        tx,
        "jobs",
        "SELECT id FROM jobs WHERE state IN ('succeeded', 'cancelled') AND updated_at < $1 AND kind = $3 LIMIT $2",
    );
    Ok(
        on_conn!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(batch).bind(kind).execute(c).await?.rows_affected()),
    )
}

/// Records that cron schedule `name` fired for `slot`; false when some process already did.
pub async fn claim_cron_slot(
    tx: &mut Tx,
    name: &str,
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "INSERT INTO cron_runs (name, slot, fired_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(name).bind(slot).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Deletes cron slot records older than `before`.
pub async fn prune_cron_runs(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM cron_runs WHERE fired_at < $1";
    Ok(on_conn!(tx, c => sqlx::query(SQL).bind(before).execute(c).await?.rows_affected()))
}

/// Records a completion of the queue's probe job (in the transaction that completes it).
pub async fn record_probe(tx: &mut Tx, job: Uuid, worker: &str, now: DateTime<Utc>) -> Result<()> {
    const SQL: &str =
        "INSERT INTO queue_probes (id, job_id, worker, completed_at) VALUES ($1, $2, $3, $4)";
    on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(job).bind(worker).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Deletes every job of `queue` (benchmarks clean up after themselves with it).
pub async fn delete_queue(tx: &mut Tx, queue: &str) -> Result<u64> {
    const SQL: &str = "DELETE FROM jobs WHERE queue = $1";
    Ok(on_conn!(tx, c => sqlx::query(SQL).bind(queue).execute(c).await?.rows_affected()))
}
