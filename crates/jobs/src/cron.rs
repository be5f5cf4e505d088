//! Named schedules that fire once per slot however many processes run them.

use crate::QueueError;
use crate::job::{Job, enqueue};
use chrono::{DateTime, TimeZone, Utc};
use revos_store::{Store, jobs};
use std::sync::Arc;
use std::time::Duration;

/// A schedule: every `period`, aligned to the Unix epoch, enqueue one job.
///
/// Each slot is recorded in `cron_runs` (insert-if-absent), so only the first process to
/// reach a slot fires it. The job carries the unique key `cron:<name>`, so while the previous
/// run is still live the new slot is skipped: runs never pile up. After downtime only the
/// current slot fires: one catch-up run, not one per missed slot.
#[derive(Clone)]
pub struct Cron {
    /// The schedule's name.
    pub name: &'static str,
    /// How often it fires.
    pub period: Duration,
    /// The unique key its runs hold while live (as stored, tenant-scoped).
    job_key: String,
    make: Arc<dyn Fn() -> Box<dyn CronJob> + Send + Sync>,
    /// The last slot this process saw claimed (by itself or another process): it needs no
    /// database round trip to know that slot is done.
    settled: Arc<std::sync::Mutex<Option<DateTime<Utc>>>>,
}

/// A job a cron schedule can enqueue (object-safe wrapper over [`Job`]).
pub(crate) trait CronJob: Send {
    fn enqueue<'a>(
        &'a self,
        tx: &'a mut revos_store::Tx,
        now: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, QueueError>> + Send + 'a>>;
}

struct Wrapped<J: Job>(J);

impl<J: Job> CronJob for Wrapped<J> {
    fn enqueue<'a>(
        &'a self,
        tx: &'a mut revos_store::Tx,
        now: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, QueueError>> + Send + 'a>>
    {
        Box::pin(async move { Ok(!enqueue(tx, &self.0, now, now).await?.existing) })
    }
}

impl Cron {
    /// A schedule named `name` enqueueing `make()` every `period`. The job's unique key is
    /// ignored: the schedule's own key keeps runs from piling up.
    pub fn every<J: Job + Clone>(name: &'static str, period: Duration, job: J) -> Self {
        let scope = job
            .tenant()
            .map_or_else(|| "system".to_owned(), |t| t.to_string());
        Self {
            name,
            period,
            job_key: format!("{scope}:{}:cron:{name}", J::KIND),
            make: Arc::new(move || {
                Box::new(Wrapped(Keyed {
                    name,
                    job: job.clone(),
                }))
            }),
            settled: Arc::default(),
        }
    }

    /// The unique key a live run of this schedule holds in the queue: how a run that never
    /// ends (a stuck schedule) is found.
    pub fn job_key(&self) -> &str {
        &self.job_key
    }

    /// The start of the slot containing `now`.
    pub fn slot(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let period_ms = i64::try_from(self.period.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let ms = now.timestamp_millis();
        Utc.timestamp_millis_opt(ms - ms.rem_euclid(period_ms))
            .single()
            .unwrap_or(now)
    }

    /// The start of the slot after the one containing `now`.
    pub fn next_slot(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.slot(now) + chrono::Duration::from_std(self.period).unwrap_or(chrono::Duration::MAX)
    }

    /// Fires the current slot if no process has: returns true when this call enqueued a run.
    pub async fn tick(&self, store: &Store, now: DateTime<Utc>) -> Result<bool, QueueError> {
        let slot = self.slot(now);
        let settled = || self.settled.lock().unwrap_or_else(|e| e.into_inner());
        if *settled() == Some(slot) {
            return Ok(false);
        }
        let mut tx = store.begin_system().await?;
        if !jobs::claim_cron_slot(&mut tx, self.name, slot, now).await? {
            *settled() = Some(slot);
            return Ok(false);
        }
        let fired = (self.make)().enqueue(&mut tx, now).await?;
        tx.commit().await?;
        *settled() = Some(slot);
        if fired {
            tracing::debug!(schedule = self.name, %slot, "cron fired");
        } else {
            tracing::info!(schedule = self.name, %slot, "cron slot skipped: the previous run is still going");
        }
        Ok(fired)
    }
}

/// A schedule's job with the schedule's unique key.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct Keyed<J> {
    #[serde(skip)]
    name: &'static str,
    job: J,
}

impl<J: Job> Job for Keyed<J> {
    type Context = J::Context;
    const KIND: &'static str = J::KIND;
    const QUEUE: &'static str = J::QUEUE;
    const PRIORITY: i64 = J::PRIORITY;
    const MAX_ATTEMPTS: u32 = J::MAX_ATTEMPTS;

    fn tenant(&self) -> Option<revos_domain::TenantId> {
        self.job.tenant()
    }

    fn unique_key(&self) -> Option<String> {
        Some(format!("cron:{}", self.name))
    }

    /// Never registered: the runner decodes the payload as the schedule's own `J`.
    async fn run(
        self,
        ctx: crate::JobContext,
        app: &J::Context,
    ) -> Result<crate::Outcome, crate::JobError> {
        self.job.run(ctx, app).await
    }
}
