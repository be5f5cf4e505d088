//! Which job kinds a runner runs, each by its own [`Job::run`].

use crate::job::{Job, JobError};
use revos_store::{Store, Tx, jobs};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use uuid::Uuid;

/// What a handler reports when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done; the runner marks the job succeeded.
    Done,
    /// Done, and already marked succeeded by the handler with [`JobContext::complete_in`],
    /// together with its own writes.
    Completed,
    /// Not done and not failed: the job could not act yet (no paced slot of its account is
    /// free). It runs again at this instant without using up an attempt.
    Snooze(chrono::DateTime<chrono::Utc>),
}

/// What a handler knows about the attempt it runs.
#[derive(Clone, Debug)]
pub struct JobContext {
    /// The job's id.
    pub id: Uuid,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// The worker running it.
    pub worker: Arc<str>,
    /// When it was due: how late it started is now minus this.
    pub due_at: chrono::DateTime<chrono::Utc>,
}

impl JobContext {
    /// Marks the job succeeded inside the handler's own transaction, so that the handler's
    /// writes and the completion commit together: if the process dies before the commit,
    /// neither happened and the job runs again; after it, the job never runs again. Returns
    /// false (write nothing then) when this worker no longer holds the job.
    pub async fn complete_in(
        &self,
        tx: &mut Tx,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, JobError> {
        jobs::succeed(tx, &self.worker, &[self.id], now)
            .await
            .map(|n| n == 1)
            .map_err(|e| JobError::retry(format!("could not complete the job: {e}")))
    }
}

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Result<Outcome, JobError>> + Send>>;
type Handler<C> = Arc<dyn Fn(&str, JobContext, C) -> Result<BoxFuture, JobError> + Send + Sync>;

/// The handlers of every job kind a runner can run, sharing a context `C` (the application
/// services, typically).
pub struct Registry<C> {
    handlers: HashMap<&'static str, Handler<C>>,
    queues: Vec<&'static str>,
    /// The store handlers may use.
    pub store: Store,
}

impl<C: Clone + Send + Sync + 'static> Registry<C> {
    /// An empty registry over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            handlers: HashMap::new(),
            queues: Vec::new(),
            store,
        }
    }

    /// Registers job kind `J`, whose [`Job::run`] handles it.
    pub fn register<J: Job<Context = C>>(&mut self) -> &mut Self {
        self.handlers.insert(
            J::KIND,
            Arc::new(|payload: &str, ctx: JobContext, c: C| {
                let job: J = serde_json::from_str(payload).map_err(|e| {
                    JobError::Permanent(format!("the payload of {} is invalid: {e}", J::KIND))
                })?;
                Ok(Box::pin(async move { job.run(ctx, &c).await }) as BoxFuture)
            }),
        );
        if !self.queues.contains(&J::QUEUE) {
            self.queues.push(J::QUEUE);
        }
        self
    }

    /// The queues of the registered kinds.
    pub fn queues(&self) -> &[&'static str] {
        &self.queues
    }

    /// Starts the handler of `kind` on `payload`.
    pub(crate) fn start(
        &self,
        kind: &str,
        payload: &str,
        ctx: JobContext,
        c: C,
    ) -> Result<BoxFuture, JobError> {
        match self.handlers.get(kind) {
            Some(h) => h(payload, ctx, c),
            None => Err(JobError::Permanent(format!(
                "no handler is registered for job kind {kind:?}"
            ))),
        }
    }
}
