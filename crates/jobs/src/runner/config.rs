//! The tunables of a [`super::Runner`]: its queues, their concurrency, leases and pacing of
//! its own loops.

use crate::backoff::Backoff;
use std::time::Duration;

/// How many jobs of one queue run at once.
#[derive(Clone, Debug)]
pub struct QueueConfig {
    /// The queue's name.
    pub name: String,
    /// Jobs of this queue running at the same time in this process.
    pub concurrency: usize,
}

/// Tunables of a [`super::Runner`].
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// Names this process in leases (`locked_by`).
    pub worker_id: String,
    /// Queues to work and their concurrency; queues of registered kinds not listed here get
    /// `default_concurrency`.
    pub queues: Vec<QueueConfig>,
    /// Concurrency of queues not listed in `queues`.
    pub default_concurrency: usize,
    /// How long a claimed job is reserved for this worker without a heartbeat.
    pub lease: Duration,
    /// How often leases are renewed and expired ones reclaimed.
    pub heartbeat: Duration,
    /// The longest an idle worker waits before looking again when nothing woke it.
    pub poll: Duration,
    /// How long a stopping worker lets running jobs finish before it stops them (their
    /// futures are dropped, so their transactions roll back) and hands them back.
    pub grace: Duration,
    /// Delays between attempts.
    pub backoff: Backoff,
    /// The most jobs claimed in one transaction.
    pub claim_batch: usize,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            worker_id: format!(
                "worker-{}-{:08x}",
                std::process::id(),
                rand::random::<u32>()
            ),
            queues: Vec::new(),
            default_concurrency: 10,
            lease: Duration::from_secs(60),
            heartbeat: Duration::from_secs(15),
            poll: Duration::from_secs(1),
            grace: Duration::from_secs(30),
            backoff: Backoff::default(),
            claim_batch: 500,
        }
    }
}
