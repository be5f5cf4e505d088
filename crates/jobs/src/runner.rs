//! The worker runtime: claim, run, finish; heartbeats, reclaiming, retries, cron, shutdown.

mod config;
mod simulated;

pub use config::{QueueConfig, RunnerConfig};

use crate::QueueError;
use crate::cron::Cron;
use crate::job::JobError;
use crate::observer::{AttemptEnd, RunnerObserver, Unobserved};
use crate::pacing;
use crate::registry::{JobContext, Outcome, Registry};
use chrono::{DateTime, Utc};
use revos_domain::{Clock, TenantId};
use revos_store::JobsReady;
use revos_store::Store;
use revos_store::jobs::{self, AfterFailure, ClaimedJob};
use revos_store::worker_heartbeats;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Runs the jobs of a [`Registry`] against a store, with context `C` handed to every handler.
pub struct Runner<C> {
    inner: Arc<Inner<C>>,
}

struct Inner<C> {
    store: Store,
    clock: Arc<dyn Clock>,
    registry: Registry<C>,
    ctx: C,
    config: RunnerConfig,
    worker: Arc<str>,
    crons: Vec<Cron>,
    finished: Arc<AtomicU64>,
    /// Cancelled when a stopping worker's grace period is over: running jobs are stopped.
    cutoff: CancellationToken,
    /// Told of every finished attempt and of database outages (metrics, operator alerts).
    observer: Arc<dyn RunnerObserver>,
    /// When this runner was built: its heartbeat row's `started_at`.
    started_at: DateTime<Utc>,
}

/// How long stopped jobs get to unwind before their leases are released.
const UNWIND: Duration = Duration::from_secs(1);

/// A finished attempt on its way to the database.
struct Finished {
    job: ClaimedJob,
    /// The queue it was claimed from.
    queue: Arc<str>,
    result: Result<Outcome, JobError>,
    /// How long the attempt ran.
    took: Duration,
}

impl<C: Clone + Send + Sync + 'static> Runner<C> {
    /// A runner for `registry`'s kinds, with `crons` fired on schedule.
    pub fn new(
        registry: Registry<C>,
        ctx: C,
        clock: Arc<dyn Clock>,
        config: RunnerConfig,
        crons: Vec<Cron>,
    ) -> Self {
        let store = registry.store.clone();
        let worker = Arc::from(config.worker_id.as_str());
        let started_at = clock.now();
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                registry,
                ctx,
                config,
                worker,
                crons,
                finished: Arc::default(),
                cutoff: CancellationToken::new(),
                observer: Arc::new(Unobserved),
                started_at,
            }),
        }
    }

    /// The same runner telling `observer` of its attempts, database outages and heartbeats.
    pub fn with_observer(mut self, observer: Arc<dyn RunnerObserver>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.observer = observer;
        }
        self
    }

    /// A counter of attempts whose outcome this runner has recorded (successes and failures):
    /// a metric, and how benchmarks know when a batch is done.
    pub fn finished_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.inner.finished)
    }

    /// Writes this worker's heartbeat now (and renews its leases): `serve` announces its
    /// worker before it answers `/readyz`.
    pub async fn heartbeat_now(&self) -> Result<(), QueueError> {
        heartbeat(&self.inner, self.inner.clock.now()).await
    }

    /// This runner's worker id.
    pub fn worker_id(&self) -> &str {
        &self.inner.worker
    }

    /// Works until `shutdown` completes, then stops claiming, lets running jobs finish for up
    /// to the grace period, stops the rest and hands them back to the queue. Returns an
    /// error early when the worker cannot go on: its database is gone and no heartbeat
    /// succeeded for a whole lease period ([`QueueError::DatabaseGone`]: its jobs may already
    /// run elsewhere, so the running ones are stopped at once), or its upkeep stopped.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), QueueError> {
        let inner = self.inner;
        let (stop_tx, stop) = watch::channel(false);
        let (done_tx, done_rx) = mpsc::channel::<Finished>(4096);
        // Alive from the start (readiness), not only after the first heartbeat period.
        if let Err(e) = heartbeat(&inner, inner.clock.now()).await {
            tracing::warn!(error = %e, "first heartbeat failed");
        }
        let listener = inner.store.listen_jobs().await?;
        let finisher = tokio::spawn(finish_loop(Arc::clone(&inner), done_rx));
        let mut upkeep = tokio::spawn(upkeep_loop(Arc::clone(&inner), stop.clone()));
        let mut loops = Vec::new();
        let mut semaphores = Vec::new();
        for (queue, concurrency) in inner.queue_plan() {
            let sem = Arc::new(Semaphore::new(concurrency));
            semaphores.push((Arc::clone(&sem), concurrency));
            loops.push(tokio::spawn(queue_loop(
                Arc::clone(&inner),
                queue,
                sem,
                done_tx.clone(),
                stop.clone(),
            )));
        }
        drop(done_tx);
        tracing::info!(worker = %inner.worker, queues = ?inner.queue_plan(), "worker started");

        let failed = tokio::select! {
            () = shutdown => None,
            ended = &mut upkeep => Some(match ended {
                Ok(Err(e)) => e,
                Ok(Ok(())) => QueueError::UpkeepStopped("it returned".into()),
                Err(e) => QueueError::UpkeepStopped(e.to_string()),
            }),
        };
        if let Some(error) = failed {
            tracing::error!(worker = %inner.worker, %error, "stopping now: this worker cannot go on");
            let _ = stop_tx.send(true);
            inner.cutoff.cancel();
            for l in loops {
                let _ = l.await;
            }
            if let Some(l) = listener {
                l.abort();
            }
            finisher.abort();
            return Err(error);
        }
        tracing::info!(worker = %inner.worker, "stopping: no new claims; letting running jobs finish");
        let _ = stop_tx.send(true);
        for l in loops {
            let _ = l.await;
        }
        let drained = async {
            for (sem, n) in &semaphores {
                let _ = sem
                    .acquire_many(u32::try_from(*n).unwrap_or(u32::MAX))
                    .await;
            }
        };
        tokio::pin!(drained);
        if tokio::time::timeout(inner.config.grace, &mut drained)
            .await
            .is_err()
        {
            tracing::warn!("grace period over; stopping unfinished jobs and handing them back");
            inner.cutoff.cancel();
            let _ = tokio::time::timeout(UNWIND, drained).await;
        }
        // Whatever still runs (a job that never yields) is released for another worker; its
        // late result is ignored because this worker no longer holds the job.
        let mut tx = inner.store.begin_system().await?;
        let released = jobs::release_all(&mut tx, &inner.worker, inner.clock.now()).await?;
        // Stopped cleanly: no longer a live worker.
        worker_heartbeats::forget(&mut tx, &inner.worker).await?;
        tx.commit().await?;
        if released > 0 {
            tracing::info!(released, "released unfinished jobs");
        }
        upkeep.abort();
        if let Some(l) = listener {
            l.abort();
        }
        finisher.abort();
        tracing::info!(worker = %inner.worker, "worker stopped");
        Ok(())
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<C: Clone + Send + Sync + 'static> Inner<C> {
    /// Each queue to work with its concurrency.
    fn queue_plan(&self) -> Vec<(String, usize)> {
        let configured: HashMap<&str, usize> = self
            .config
            .queues
            .iter()
            .map(|q| (q.name.as_str(), q.concurrency))
            .collect();
        let mut plan: Vec<(String, usize)> = self
            .registry
            .queues()
            .iter()
            .map(|q| {
                (
                    q.to_string(),
                    configured
                        .get(q)
                        .copied()
                        .unwrap_or(self.config.default_concurrency),
                )
            })
            .collect();
        for q in &self.config.queues {
            if !plan.iter().any(|(name, _)| name == &q.name) {
                plan.push((q.name.clone(), q.concurrency));
            }
        }
        plan.retain(|(_, c)| *c > 0);
        plan
    }

    /// Claims up to `limit` due jobs of `queue` in one short transaction, peeking at pacing:
    /// a paced job whose account cannot act yet goes back with its new time. Nothing is
    /// reserved here; the handler takes its slot right before the call that acts.
    async fn claim(&self, queue: &str, limit: usize) -> Result<Vec<ClaimedJob>, QueueError> {
        let now = self.clock.now();
        let lease_until = now
            + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::minutes(1));
        let limit = i64::try_from(limit.min(self.config.claim_batch.max(1))).unwrap_or(1);
        let mut tx = self.store.begin_system().await?;
        let claimed = jobs::claim(&mut tx, queue, &self.worker, now, lease_until, limit).await?;
        let mut runnable = Vec::with_capacity(claimed.len());
        for job in claimed {
            if let (Some(account), Some(tenant)) = (job.pacing_account_id, job.tenant_id) {
                match pacing::peek(&mut tx, TenantId(tenant), account, now).await? {
                    None => runnable.push(job),
                    Some(at) => {
                        jobs::defer(&mut tx, &self.worker, job.id, at, now).await?;
                    }
                }
            } else {
                runnable.push(job);
            }
        }
        tx.commit().await?;
        Ok(runnable)
    }

    /// Runs one attempt; a panic is a failed attempt, not a dead worker.
    async fn execute(&self, job: &ClaimedJob) -> Result<Outcome, JobError> {
        let ctx = JobContext {
            id: job.id,
            attempt: u32::try_from(job.attempts).unwrap_or(u32::MAX),
            worker: Arc::clone(&self.worker),
            due_at: job.run_at,
        };
        let fut = self
            .registry
            .start(&job.kind, &job.payload, ctx, self.ctx.clone())?;
        let task = tokio::spawn(fut);
        // Dropping this attempt (the worker's cutoff) stops the job too.
        let _stop_with_attempt = AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(result) => result,
            Err(e) if e.is_panic() => {
                let panic = e.into_panic();
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(JobError::retry(format!("the job panicked: {msg}")))
            }
            Err(e) => Err(JobError::retry(format!("the job was cancelled: {e}"))),
        }
    }

    /// Records finished attempts: successes in one transaction, failures one by one.
    async fn finish(&self, batch: Vec<Finished>) -> Result<(), QueueError> {
        let now = self.clock.now();
        let done: Vec<uuid::Uuid> = batch
            .iter()
            .filter(|f| matches!(f.result, Ok(Outcome::Done)))
            .map(|f| f.job.id)
            .collect();
        let mut tx = self.store.begin_system().await?;
        if !done.is_empty() {
            jobs::succeed(&mut tx, &self.worker, &done, now).await?;
        }
        let mut ends = Vec::with_capacity(batch.len());
        for f in &batch {
            let end = match &f.result {
                Ok(Outcome::Snooze(at)) => {
                    jobs::defer(&mut tx, &self.worker, f.job.id, *at, now).await?;
                    AttemptEnd::Snoozed
                }
                Ok(Outcome::Done | Outcome::Completed) => AttemptEnd::Succeeded,
                Err(error) => self.record_failure(&mut tx, &f.job, error, now).await?,
            };
            ends.push(end);
        }
        tx.commit().await?;
        for (f, end) in batch.iter().zip(ends) {
            self.observer
                .attempt_finished(&f.job.kind, &f.queue, end, f.took);
        }
        self.finished
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    async fn record_failure(
        &self,
        tx: &mut revos_store::Tx,
        job: &ClaimedJob,
        error: &JobError,
        now: DateTime<Utc>,
    ) -> Result<AttemptEnd, QueueError> {
        let attempt = u32::try_from(job.attempts).unwrap_or(u32::MAX);
        let out_of_attempts = job.attempts >= job.max_attempts;
        let retry_at = |after: Option<Duration>| {
            let wait = after.unwrap_or_else(|| self.config.backoff.delay(attempt));
            now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
        };
        let next = match error {
            JobError::Permanent(_) => AfterFailure::Dead,
            JobError::AccountLimited { message, after } => {
                if let (Some(account), Some(tenant)) = (job.pacing_account_id, job.tenant_id) {
                    let until =
                        pacing::pause(tx, TenantId(tenant), account, *after, message, now).await?;
                    jobs::defer(tx, &self.worker, job.id, until, now).await?;
                    return Ok(AttemptEnd::AccountLimited);
                }
                if out_of_attempts {
                    AfterFailure::Dead
                } else {
                    AfterFailure::RetryAt(retry_at(*after))
                }
            }
            JobError::Retry { after, .. } => {
                if out_of_attempts {
                    AfterFailure::Dead
                } else {
                    AfterFailure::RetryAt(retry_at(*after))
                }
            }
        };
        match next {
            AfterFailure::Dead => {
                tracing::error!(job = %job.id, kind = %job.kind, attempt, error = %error, "job is dead")
            }
            AfterFailure::RetryAt(at) => {
                tracing::warn!(job = %job.id, kind = %job.kind, attempt, error = %error, retry_at = %at, "job failed; will retry")
            }
        }
        let recorded = jobs::fail(tx, &self.worker, job.id, next, &error.to_string(), now).await?;
        if let (true, AfterFailure::Dead, Some(tenant)) = (recorded, next, job.tenant_id) {
            // The workspace hears of it (the notifier reads `job_dead`); the error itself
            // stays on the job, shown on the queue page.
            let data = serde_json::json!({ "job_id": job.id, "job_kind": job.kind }).to_string();
            revos_store::events::append(
                tx,
                TenantId(tenant),
                "job_dead",
                None,
                Some(job.id),
                &data,
                now,
            )
            .await?;
        }
        Ok(match next {
            AfterFailure::Dead => AttemptEnd::Dead,
            AfterFailure::RetryAt(_) => AttemptEnd::Retry,
        })
    }
}

/// Claims jobs of one queue ahead of need and starts them as permits free up. How far ahead
/// adapts to how long jobs take: enough to keep every slot busy for about 100 ms (quick jobs
/// come in large batches, slow ones one per free slot, so idle workers elsewhere can take
/// them). With nothing due it sleeps until the next known due time, an announcement of new
/// jobs, or the poll interval, without touching the database in between.
async fn queue_loop<C: Clone + Send + Sync + 'static>(
    inner: Arc<Inner<C>>,
    queue: String,
    sem: Arc<Semaphore>,
    done: mpsc::Sender<Finished>,
    mut stop: watch::Receiver<bool>,
) {
    let mut wake = inner.store.job_wakeups();
    let queue_name: Arc<str> = Arc::from(queue.as_str());
    let concurrency = sem.available_permits().max(1);
    let batch = inner.config.claim_batch.max(1);
    // Average job duration in microseconds (moving average), shared with the job tasks.
    let avg_us = Arc::new(AtomicU64::new(10_000));
    let mut buffer: VecDeque<ClaimedJob> = VecDeque::new();
    loop {
        if *stop.borrow() {
            // Buffered jobs are still leased to this worker; `run` releases them.
            return;
        }
        if buffer.len() < concurrency {
            let per_slot = usize::try_from(100_000 / avg_us.load(Ordering::Relaxed).max(1))
                .unwrap_or(1)
                .max(1);
            let prefetch = concurrency
                .saturating_mul(per_slot)
                .clamp(concurrency, batch.max(concurrency));
            match inner
                .claim(&queue, prefetch.saturating_sub(buffer.len()))
                .await
            {
                Ok(claimed) => buffer.extend(claimed),
                Err(e) => {
                    tracing::warn!(queue, error = %e, "claiming failed; retrying shortly");
                    tokio::time::sleep(inner.config.poll).await;
                    continue;
                }
            }
        }
        if buffer.is_empty() {
            if !idle(&inner, &queue, &mut wake, &mut stop).await {
                return;
            }
            continue;
        }
        while let Some(job) = buffer.pop_front() {
            let permit = tokio::select! {
                p = Arc::clone(&sem).acquire_owned() => match p { Ok(p) => p, Err(_) => return },
                _ = stop.changed() => return,
            };
            let inner = Arc::clone(&inner);
            let done = done.clone();
            let avg_us = Arc::clone(&avg_us);
            let queue = Arc::clone(&queue_name);
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let result = tokio::select! {
                    result = inner.execute(&job) => result,
                    // Stopped at the end of the grace period: `run` hands the job back
                    // without counting this attempt.
                    () = inner.cutoff.cancelled() => return,
                };
                let took = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                let old = avg_us.load(Ordering::Relaxed);
                avg_us.store(
                    (old.saturating_mul(7).saturating_add(took)) / 8,
                    Ordering::Relaxed,
                );
                let _ = done
                    .send(Finished {
                        job,
                        queue,
                        result,
                        took: started.elapsed(),
                    })
                    .await;
                drop(permit);
            });
            if buffer.len() < concurrency {
                break;
            }
        }
    }
}

/// Waits while `queue` has nothing due. Returns false when the worker is stopping.
async fn idle<C: Clone + Send + Sync + 'static>(
    inner: &Inner<C>,
    queue: &str,
    wake: &mut broadcast::Receiver<JobsReady>,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let next_due = async {
        let mut tx = inner.store.begin_read_system().await?;
        jobs::next_due(&mut tx, queue).await
    };
    let mut next = next_due.await.ok().flatten();
    loop {
        let now = inner.clock.now();
        let wait = match next {
            Some(at) => (at - now)
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(inner.config.poll),
            None => inner.config.poll,
        };
        if wait.is_zero() {
            return true;
        }
        tokio::select! {
            news = wake.recv() => match news {
                Ok(news) if news.queue == queue => {
                    if news.at <= inner.clock.now() {
                        return true;
                    }
                    next = Some(next.map_or(news.at, |n| n.min(news.at)));
                }
                Ok(_) => {}
                // Missed announcements: look at the database.
                Err(broadcast::error::RecvError::Lagged(_)) => return true,
                Err(broadcast::error::RecvError::Closed) => return !*stop.borrow(),
            },
            () = tokio::time::sleep(wait) => return true,
            _ = stop.changed() => return false,
        }
    }
}

/// Writes finished attempts, batching the successes that arrive together.
async fn finish_loop<C: Clone + Send + Sync + 'static>(
    inner: Arc<Inner<C>>,
    mut rx: mpsc::Receiver<Finished>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 2000 {
            match rx.try_recv() {
                Ok(f) => batch.push(f),
                Err(_) => break,
            }
        }
        if let Err(e) = inner.finish(batch).await {
            // The leases run out and the jobs are retried: nothing is lost.
            tracing::error!(error = %e, "could not record finished jobs; they will be retried after their lease");
        }
    }
}

/// Renews leases, reclaims expired ones and fires cron slots. Returns
/// [`QueueError::DatabaseGone`] when no heartbeat succeeded for a whole lease period and the
/// database says it is gone.
async fn upkeep_loop<C: Clone + Send + Sync + 'static>(
    inner: Arc<Inner<C>>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), QueueError> {
    let tick = Duration::from_millis(250).min(inner.config.heartbeat);
    let mut last_heartbeat = std::time::Instant::now();
    let mut last_renewed = std::time::Instant::now();
    let mut outage_reported = false;
    let mut last_slots: HashMap<&'static str, DateTime<Utc>> = HashMap::new();
    loop {
        let now = inner.clock.now();
        if last_heartbeat.elapsed() >= inner.config.heartbeat {
            last_heartbeat = std::time::Instant::now();
            // A heartbeat that waits longer than the lease (on a locked file, a server that
            // does not answer) has failed: the outage is told while it lasts, not after it.
            let beat = tokio::time::timeout(inner.config.lease, heartbeat(&inner, now))
                .await
                .unwrap_or(Err(QueueError::NoAnswer(inner.config.lease)));
            match beat {
                Ok(()) => {
                    if outage_reported {
                        outage_reported = false;
                        inner
                            .observer
                            .database_reachable(&inner.worker, last_renewed.elapsed());
                    }
                    last_renewed = std::time::Instant::now();
                }
                Err(e) if database_gone(&e) && last_renewed.elapsed() >= inner.config.lease => {
                    if !outage_reported {
                        inner.observer.database_unreachable(
                            &inner.worker,
                            last_renewed.elapsed(),
                            &e.to_string(),
                        );
                    }
                    return Err(QueueError::DatabaseGone {
                        lease: inner.config.lease,
                        last: e.to_string(),
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "heartbeat failed");
                    // Two heartbeat periods without one reaching the database: an outage.
                    if !outage_reported
                        && last_renewed.elapsed() >= inner.config.heartbeat.saturating_mul(2)
                    {
                        outage_reported = true;
                        inner.observer.database_unreachable(
                            &inner.worker,
                            last_renewed.elapsed(),
                            &e.to_string(),
                        );
                    }
                }
            }
        }
        // During an outage the slots wait (each tick would wait out the database's timeout
        // and hold up the next heartbeat); they fire once it is back.
        if !outage_reported {
            for cron in &inner.crons {
                let slot = cron.slot(now);
                if last_slots.get(cron.name) != Some(&slot) {
                    let ticked =
                        tokio::time::timeout(inner.config.lease, cron.tick(&inner.store, now))
                            .await
                            .unwrap_or(Err(QueueError::NoAnswer(inner.config.lease)));
                    match ticked {
                        Ok(_) => {
                            last_slots.insert(cron.name, slot);
                        }
                        Err(e) => {
                            tracing::warn!(schedule = cron.name, error = %e, "cron tick failed")
                        }
                    }
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            _ = stop.changed() => return Ok(()),
        }
    }
}

/// Whether `error` says the database itself is gone, not busy or briefly unreachable: on
/// PostgreSQL it does not exist (`3D000`) or refuses the login (`28000`, `28P01`).
fn database_gone(error: &QueueError) -> bool {
    let QueueError::Store(revos_store::StoreError::Database(e)) = error else {
        return false;
    };
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| matches!(code.as_ref(), "3D000" | "28000" | "28P01"))
}

async fn heartbeat<C>(inner: &Inner<C>, now: DateTime<Utc>) -> Result<(), QueueError> {
    let lease_until = now
        + chrono::Duration::from_std(inner.config.lease).unwrap_or(chrono::Duration::minutes(1));
    let status = inner.observer.heartbeat_status();
    let mut tx = inner.store.begin_system().await?;
    jobs::heartbeat(&mut tx, &inner.worker, lease_until).await?;
    let reclaimed = jobs::reclaim_expired(&mut tx, now).await?;
    worker_heartbeats::beat(&mut tx, &inner.worker, inner.started_at, now, &status).await?;
    worker_heartbeats::prune(&mut tx, now - chrono::Duration::days(1)).await?;
    tx.commit().await?;
    if reclaimed > 0 {
        tracing::warn!(
            reclaimed,
            "reclaimed jobs whose worker stopped renewing its lease"
        );
    }
    Ok(())
}
