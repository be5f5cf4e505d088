//! A durable job queue kept in the application's own database, so that a state change and the
//! job it causes commit in one transaction and nothing is lost when a process dies.
//!
//! * [`Job`]: a typed job kind (name, queue, priority, attempts, deduplication, pacing);
//!   [`enqueue`] adds one inside the caller's transaction.
//! * [`Registry`]: the handler of each kind.
//! * [`Runner`]: claims due jobs with a lease in one short transaction, runs them outside any
//!   transaction, and finishes them in another; heartbeats, reclaims expired leases, retries
//!   with exponential backoff and full jitter, dead-letters, fires [`Cron`] schedules once per
//!   slot, and peeks at each LinkedIn account's pacing before handing its jobs out.
//! * [`pacing`]: the paced slot a handler takes right before the provider call that acts.
//!
//! No crate serves all of this on both SQLite and PostgreSQL (apalis 1.0 comes closest but
//! retries in memory while holding the task and has no per-account rate limit that holds
//! across processes), so it is written here on the store layer.

mod backoff;
mod cron;
mod job;
mod observer;
pub mod pacing;
mod registry;
mod runner;

pub use backoff::Backoff;
pub use cron::Cron;
pub use job::{Enqueued, Job, JobError, enqueue, enqueue_many};
pub use observer::{AttemptEnd, RunnerObserver};
pub use registry::{JobContext, Outcome, Registry};
pub use runner::{QueueConfig, Runner, RunnerConfig};

/// Errors of the queue itself (not of the jobs it runs).
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] revos_store::StoreError),
    /// A payload could not be encoded.
    #[error("cannot encode the job payload: {0}")]
    Encode(#[from] serde_json::Error),
    /// The worker's database is gone (it no longer exists, or it refuses the worker's
    /// login) and no heartbeat succeeded for a whole lease period: other workers may take over
    /// its jobs, and it cannot work anyway, so it stops. Busy or briefly unreachable databases
    /// are waited out instead.
    #[error(
        "no heartbeat for {lease:?}, the job lease, and the database is gone (last error: {last})"
    )]
    DatabaseGone {
        /// The lease period (`REVOS_JOB_LEASE_SECONDS`).
        lease: std::time::Duration,
        /// Why the last heartbeat failed.
        last: String,
    },
    /// The database gave a heartbeat or cron tick no answer within the job lease (a locked
    /// SQLite file, a PostgreSQL server that does not answer): it counts as failed.
    #[error("the database did not answer within {0:?}, the job lease")]
    NoAnswer(std::time::Duration),
    /// The worker's upkeep (heartbeats, reclaiming, cron) ended unexpectedly (a panic).
    #[error("the worker's upkeep stopped: {0}")]
    UpkeepStopped(String),
}

#[cfg(test)]
mod tests;
