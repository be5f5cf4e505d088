//! The workers' heartbeats: one row per running worker process, renewed with its job leases
//! and deleted when it stops cleanly, so `/readyz` and the operator alerts can tell a live
//! worker from one that died. A system table: only [`Store::begin_system`](crate::Store::begin_system)
//! and [`Store::begin_read_system`](crate::Store::begin_read_system) see it.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};

/// A worker's last heartbeat.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WorkerBeat {
    /// The worker's id (`REVOS_WORKER_ID`).
    pub worker_id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it last renewed its leases.
    pub beat_at: DateTime<Utc>,
    /// What only that process sees, as JSON (the health of the instance's provider keys).
    pub status: String,
}

/// Records that `worker` is alive at `now`, with its `status`.
pub async fn beat(
    tx: &mut Tx,
    worker: &str,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
    status: &str,
) -> Result<()> {
    const SQL: &str = "INSERT INTO worker_heartbeats (worker_id, started_at, beat_at, status) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (worker_id) \
        DO UPDATE SET beat_at = excluded.beat_at, status = excluded.status";
    on_conn!(tx, c => sqlx::query(SQL).bind(worker).bind(started_at).bind(now).bind(status).execute(c).await?.rows_affected());
    Ok(())
}

/// Removes `worker`'s row: it stopped cleanly and runs nothing any more.
pub async fn forget(tx: &mut Tx, worker: &str) -> Result<()> {
    const SQL: &str = "DELETE FROM worker_heartbeats WHERE worker_id = $1";
    on_conn!(tx, c => sqlx::query(SQL).bind(worker).execute(c).await?.rows_affected());
    Ok(())
}

/// Deletes the rows of workers silent since before `before` (they died long ago).
pub async fn prune(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM worker_heartbeats WHERE beat_at < $1";
    Ok(on_conn!(tx, c => sqlx::query(SQL).bind(before).execute(c).await?.rows_affected()))
}

/// Every worker's last heartbeat, most recent first (a handful of rows: one per process).
pub async fn list(tx: &mut Tx) -> Result<Vec<WorkerBeat>> {
    const SQL: &str = "SELECT worker_id, started_at, beat_at, status FROM worker_heartbeats \
        ORDER BY beat_at DESC, worker_id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).fetch_all(c).await?))
}
