//! The queue's probe job: does nothing but (optionally) wait and record its completion in the
//! same transaction that completes it. `revos bench queue` measures the queue with it, and the
//! crash tests count its completions to prove that no job runs to completion twice.

use revos_app::App;
use revos_domain::TenantId;
use revos_jobs::{Job, JobContext, JobError, Outcome};
use serde::{Deserialize, Serialize};

/// A probe of the queue itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QueueProbe {
    /// How long the job works, in milliseconds.
    #[serde(default)]
    pub work_ms: u64,
    /// Record the completion in `queue_probes`, atomically with the job's completion.
    #[serde(default)]
    pub record: bool,
    /// Fail this many first attempts (to exercise retries).
    #[serde(default)]
    pub fail_first: u32,
}

impl Job for QueueProbe {
    type Context = App;
    const KIND: &'static str = "queue.probe";
    const QUEUE: &'static str = "probe";
    const MAX_ATTEMPTS: u32 = 25;

    fn tenant(&self) -> Option<TenantId> {
        None
    }

    async fn run(self, ctx: JobContext, app: &App) -> Result<Outcome, JobError> {
        if self.work_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(self.work_ms)).await;
        }
        if ctx.attempt <= self.fail_first {
            return Err(JobError::retry(format!(
                "probe fails attempt {} on purpose",
                ctx.attempt
            )));
        }
        if !self.record {
            return Ok(Outcome::Done);
        }
        app.complete_probe(&ctx).await
    }
}
