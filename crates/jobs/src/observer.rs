//! What a [`Runner`](crate::Runner) tells the rest of the process about its work, for
//! metrics and operator alerts: each finished attempt, the database becoming unreachable and
//! reachable again, and a status of its own to publish with each heartbeat. The queue knows
//! nothing about metrics or Slack; whoever assembles the runner decides what to do with it.

use revos_domain::job_state::JobState;
use std::time::Duration;

/// How an attempt ended, as the runner recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptEnd {
    /// The job succeeded.
    Succeeded,
    /// It could not act yet (pacing) and runs again later, without using up an attempt.
    Snoozed,
    /// It failed and will be retried.
    Retry,
    /// Its LinkedIn account was paused by a provider limit; it waits for the pause.
    AccountLimited,
    /// It failed for good: the job is dead.
    Dead,
}

impl AttemptEnd {
    /// The stable label of this end (`succeeded`, `snoozed`, `retry`, `account_limited`, `dead`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => JobState::Succeeded.as_str(),
            Self::Snoozed => "snoozed",
            Self::Retry => "retry",
            Self::AccountLimited => "account_limited",
            Self::Dead => JobState::Dead.as_str(),
        }
    }

    /// Whether the attempt failed.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Retry | Self::AccountLimited | Self::Dead)
    }
}

/// Receives a runner's news. Every method has a default that does nothing.
pub trait RunnerObserver: Send + Sync + 'static {
    /// An attempt of a job of `kind` in `queue` ended after running for `took`.
    fn attempt_finished(&self, kind: &str, queue: &str, end: AttemptEnd, took: Duration) {
        let _ = (kind, queue, end, took);
    }

    /// No heartbeat of `worker` reached the database for `down` (the last error: `error`);
    /// said once per outage.
    fn database_unreachable(&self, worker: &str, down: Duration, error: &str) {
        let _ = (worker, down, error);
    }

    /// The database answers `worker`'s heartbeats again after an outage that was reported.
    fn database_reachable(&self, worker: &str, down: Duration) {
        let _ = (worker, down);
    }

    /// The status published with each heartbeat (JSON), and a moment for periodic upkeep.
    fn heartbeat_status(&self) -> String {
        "{}".to_owned()
    }
}

/// The observer of a runner nobody watches.
pub(crate) struct Unobserved;

impl RunnerObserver for Unobserved {}
