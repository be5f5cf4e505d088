//! The queue on both backends, over a fresh database per test: enqueueing with a unique key,
//! claims and leases, retries with backoff, dead letters and snoozing. The fixture is one
//! scripted job kind whose handler does what its payload says.

mod claims;
mod enqueue;
mod retries;

use crate::{Backoff, Job, JobContext, JobError, Outcome, Registry, Runner, RunnerConfig};
use chrono::{DateTime, Utc};
use revos_domain::{SimulatedClock, TenantId};
use revos_store::{Store, tenants};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the scripted job does when it runs.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
enum Script {
    /// Succeeds.
    Succeed,
    /// Fails with a transient error (default backoff).
    Fail,
    /// Fails, asking to be retried after this many seconds.
    FailAfter(u64),
    /// Snoozes this many seconds on its first run, then succeeds.
    SnoozeOnce(i64),
}

/// A job kind for these tests.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Scripted {
    tenant: TenantId,
    key: Option<String>,
    script: Script,
}

impl Job for Scripted {
    type Context = Seen;
    const KIND: &'static str = "test_scripted";
    const QUEUE: &'static str = "test";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        self.key.clone()
    }

    async fn run(self, ctx: JobContext, seen: &Seen) -> Result<Outcome, JobError> {
        let runs = {
            let mut attempts = seen.0.lock().unwrap();
            attempts.push(ctx.attempt);
            attempts.len()
        };
        match self.script {
            Script::Succeed => Ok(Outcome::Done),
            Script::Fail => Err(JobError::retry("scripted failure")),
            Script::FailAfter(secs) => Err(JobError::Retry {
                message: "scripted failure".into(),
                after: Some(Duration::from_secs(secs)),
            }),
            Script::SnoozeOnce(secs) if runs == 1 => Ok(Outcome::Snooze(
                ctx.due_at + chrono::Duration::seconds(secs),
            )),
            Script::SnoozeOnce(_) => Ok(Outcome::Done),
        }
    }
}

impl Scripted {
    fn new(tenant: TenantId, script: Script) -> Self {
        Self {
            tenant,
            key: None,
            script,
        }
    }
}

/// The attempts the handler saw, in order (the attempt number of each run).
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<u32>>>);

impl Seen {
    fn attempts(&self) -> Vec<u32> {
        self.0.lock().unwrap().clone()
    }
}

/// The backoff of these tests: 10 s base, 60 s cap.
const BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(10),
    cap: Duration::from_secs(60),
};

/// A runner of [`Scripted`] jobs on `store` at `clock`'s time, recording what it saw.
fn runner(store: &Store, clock: &Arc<SimulatedClock>) -> (Runner<Seen>, Seen) {
    let mut registry = Registry::new(store.clone());
    registry.register::<Scripted>();
    let seen = Seen::default();
    let config = RunnerConfig {
        backoff: BACKOFF,
        ..RunnerConfig::default()
    };
    let runner = Runner::new(registry, seen.clone(), clock.clone(), config, Vec::new());
    (runner, seen)
}

/// A simulated clock at the current time in whole milliseconds, which both backends store
/// exactly (PostgreSQL keeps microseconds).
fn clock() -> Arc<SimulatedClock> {
    use chrono::SubsecRound;
    Arc::new(SimulatedClock::new(Utc::now().trunc_subsecs(3)))
}

/// A new workspace in `store`.
async fn workspace(store: &Store, now: DateTime<Utc>) -> TenantId {
    let tenant = TenantId::new();
    let mut tx = store.begin().await.unwrap();
    tenants::insert(&mut tx, tenant, "Acme", now).await.unwrap();
    tx.commit().await.unwrap();
    tenant
}

/// Enqueues `job` to run now and commits; returns its id.
async fn enqueue_now(store: &Store, job: &Scripted, now: DateTime<Utc>) -> crate::Enqueued {
    let mut tx = store.begin_for(job.tenant).await.unwrap();
    let enqueued = crate::enqueue(&mut tx, job, now, now).await.unwrap();
    tx.commit().await.unwrap();
    enqueued
}

/// When the earliest waiting scripted job is due, if any (a dead job also wakes the
/// workspace's notifier, in a queue of its own).
async fn earliest_waiting(store: &Store) -> Option<DateTime<Utc>> {
    let mut tx = store.begin_system().await.unwrap();
    revos_store::jobs::earliest_waiting_per_queue(&mut tx)
        .await
        .unwrap()
        .into_iter()
        .find(|(queue, _)| queue == <Scripted as Job>::QUEUE)
        .map(|(_, at)| at)
}
