//! The queue as an operator watches it: per queue and state, how many jobs, the oldest due
//! one and the last change, read in one grouped query over the queue's partial indexes
//! (`jobs_claim`, `jobs_leases`, `jobs_dead`) at scrape and check time; and the live runs of
//! given unique keys (a cron schedule's run that never ends).

use crate::tx::{TxInner, on_conn};
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::job_state::JobState;

/// The jobs of one queue in one state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QueueStat {
    /// The queue.
    pub queue: String,
    /// Scheduled, retrying, running or dead.
    #[sqlx(try_from = "String")]
    pub state: JobState,
    /// How many jobs.
    pub jobs: i64,
    /// The `run_at` of the oldest waiting job that is due by now (waiting states only).
    pub oldest_due: Option<DateTime<Utc>>,
    /// The most recent change among them (for `dead`: when the last one died).
    pub last_change: Option<DateTime<Utc>>,
}

/// Every queue's waiting, running and dead jobs, grouped by queue and state.
pub async fn per_queue(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<QueueStat>> {
    const SQL: &str = "SELECT queue, state, COUNT(*) AS jobs, \
        MIN(CASE WHEN state IN ('scheduled', 'retrying') AND run_at <= $1 THEN run_at END) AS oldest_due, \
        MAX(updated_at) AS last_change \
        FROM jobs WHERE state IN ('scheduled', 'retrying', 'running', 'dead') \
        GROUP BY queue, state ORDER BY queue, state";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(now).fetch_all(c).await?))
}

/// The live (waiting or running) jobs holding one of `keys`, with when each was enqueued:
/// one lookup of the partial unique index on `unique_key`.
pub async fn live_since(tx: &mut Tx, keys: &[String]) -> Result<Vec<(String, DateTime<Utc>)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT unique_key, created_at FROM jobs WHERE unique_key IN ({}) \
         AND state IN ('scheduled', 'running', 'retrying')",
        params.join(", ")
    );
    macro_rules! bind_keys {
        ($q:expr) => {{
            let mut q = $q;
            for key in keys {
                q = q.bind(key);
            }
            q
        }};
    }
    Ok(match &mut tx.inner {
        TxInner::Postgres(t) => {
            bind_keys!(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
                .fetch_all(&mut **t)
                .await?
        }
        TxInner::Sqlite(t) => {
            bind_keys!(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
                .fetch_all(&mut **t)
                .await?
        }
    })
}
