//! The workers' liveness as `/readyz` reports it: each worker process's last heartbeat
//! (written with its lease renewals, removed when it stops cleanly).

use crate::{App, Result};
use chrono::{DateTime, Utc};
use revos_store::worker_heartbeats;
use std::time::Duration;

/// One worker process as the readiness probe shows it.
#[derive(Clone, Debug)]
pub struct WorkerLiveness {
    /// Its id (`REVOS_WORKER_ID`).
    pub worker_id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it last renewed its leases.
    pub last_heartbeat_at: DateTime<Utc>,
    /// Whether that was within the allowed silence.
    pub alive: bool,
}

impl App {
    /// Every worker with a heartbeat row, alive when it beat within `within`.
    pub async fn worker_liveness(&self, within: Duration) -> Result<Vec<WorkerLiveness>> {
        let now = self.now();
        let within = chrono::Duration::from_std(within).unwrap_or(chrono::Duration::minutes(1));
        let mut tx = self.store.begin_read_system().await?;
        let beats = worker_heartbeats::list(&mut tx).await?;
        tx.commit().await?;
        Ok(beats
            .into_iter()
            .map(|b| WorkerLiveness {
                alive: b.beat_at > now - within,
                worker_id: b.worker_id,
                started_at: b.started_at,
                last_heartbeat_at: b.beat_at,
            })
            .collect())
    }
}
