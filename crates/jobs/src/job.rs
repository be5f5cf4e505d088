//! Job kinds and enqueueing.

use crate::QueueError;
use crate::registry::{JobContext, Outcome};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_store::Tx;
use revos_store::jobs::{self, NewJob};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::time::Duration;
use uuid::Uuid;

/// A kind of background job: its payload is the implementing type, serialised as JSON, and its
/// behaviour is [`Job::run`], so a kind's name, queue, attempts, deduplication, pacing and
/// handler are written in one place and a [`Registry`](crate::Registry) needs only the type.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// What the handler works with (the application services, typically); one registry
    /// holds kinds of one context.
    type Context: Clone + Send + Sync + 'static;

    /// Stable name of the kind; selects the handler. Never rename a kind with jobs in flight.
    const KIND: &'static str;
    /// The queue it waits in; each queue has its own concurrency.
    const QUEUE: &'static str = "default";
    /// Higher runs first among due jobs of a queue.
    const PRIORITY: i64 = 0;
    /// Attempts before the job is dead.
    const MAX_ATTEMPTS: u32 = 5;

    /// The tenant the job works for; `None` for system jobs.
    fn tenant(&self) -> Option<TenantId>;

    /// While a job with this key is live, enqueueing another returns it instead. The tenant is
    /// prefixed automatically, so keys only need to be unique within a tenant.
    fn unique_key(&self) -> Option<String> {
        None
    }

    /// The LinkedIn account whose pacing policy the job must respect (it runs only when the
    /// account may send, and uses one send slot).
    fn pacing_account(&self) -> Option<Uuid> {
        None
    }

    /// Runs one attempt of the job. An implementation may be written `async fn run(...)`.
    fn run(
        self,
        ctx: JobContext,
        app: &Self::Context,
    ) -> impl Future<Output = Result<Outcome, JobError>> + Send;
}

/// How an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth trying again: after the backoff, or after `after` when the provider said so
    /// (`Retry-After`).
    #[error("{message}")]
    Retry {
        /// What went wrong.
        message: String,
        /// The provider's own wait, overriding the backoff.
        after: Option<Duration>,
    },
    /// Will never succeed: the job goes straight to `dead`.
    #[error("{0}")]
    Permanent(String),
    /// The provider signalled a limit on the job's LinkedIn account (429, restricted): the
    /// account is paused, the tenant told, and the job waits for the pause to end without
    /// using up an attempt.
    #[error("account limited: {message}")]
    AccountLimited {
        /// The provider's words.
        message: String,
        /// How long the provider asked to wait, if it said.
        after: Option<Duration>,
    },
}

impl JobError {
    /// A transient failure with the default backoff.
    pub fn retry(message: impl Into<String>) -> Self {
        JobError::Retry {
            message: message.into(),
            after: None,
        }
    }
}

/// The result of [`enqueue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enqueued {
    /// The job's id.
    pub id: Uuid,
    /// True when a live job with the same unique key already existed and was returned.
    pub existing: bool,
}

/// Enqueues `job` to run at `run_at`, in the caller's transaction: it exists only if the
/// transaction commits.
pub async fn enqueue<J: Job>(
    tx: &mut Tx,
    job: &J,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Enqueued, QueueError> {
    let payload = serde_json::to_string(job)?;
    let key = scoped_key(job);
    let (id, existing) =
        jobs::enqueue(tx, &new_job(job, &payload, key.as_deref(), run_at), now).await?;
    Ok(Enqueued { id, existing })
}

/// Enqueues many jobs of one kind in bulk (multi-row inserts), in the caller's transaction.
/// Jobs with a unique key are enqueued one by one, since each needs its duplicate check.
pub async fn enqueue_many<J: Job>(
    tx: &mut Tx,
    batch: &[J],
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), QueueError> {
    let mut plain = Vec::new();
    for job in batch {
        if job.unique_key().is_some() {
            enqueue(tx, job, run_at, now).await?;
        } else {
            plain.push(serde_json::to_string(job)?);
        }
    }
    let rows: Vec<NewJob<'_>> = batch
        .iter()
        .filter(|j| j.unique_key().is_none())
        .zip(&plain)
        .map(|(job, payload)| new_job(job, payload, None, run_at))
        .collect();
    jobs::enqueue_many(tx, &rows, now).await?;
    Ok(())
}

fn scoped_key<J: Job>(job: &J) -> Option<String> {
    job.unique_key().map(|k| match job.tenant() {
        Some(t) => format!("{t}:{}:{k}", J::KIND),
        None => format!("system:{}:{k}", J::KIND),
    })
}

fn new_job<'a, J: Job>(
    job: &J,
    payload: &'a str,
    key: Option<&'a str>,
    run_at: DateTime<Utc>,
) -> NewJob<'a> {
    NewJob {
        id: Uuid::now_v7(),
        tenant: job.tenant(),
        kind: J::KIND,
        queue: J::QUEUE,
        payload,
        priority: J::PRIORITY,
        run_at,
        max_attempts: i64::from(J::MAX_ATTEMPTS.max(1)),
        unique_key: key,
        pacing_account: job.pacing_account(),
    }
}
