//! The durable job queue: retries with backoff, dead letters, Retry-After, panics, unique
//! keys under concurrency, cron (two runners, no pile-up, one catch-up), reclaimed leases,
//! graceful shutdown, and pacing and account pauses through the real queue on a simulated clock.

use crate::both_backends;
use crate::helpers::{Db, migrated_store};
use chrono::{DateTime, Duration as Span, Utc};
use revos_app::{SimulatedClock, Store};
use revos_domain::TenantId;
use revos_jobs::{
    Backoff, Cron, Job, JobContext, JobError, Outcome, QueueConfig, Registry, Runner, RunnerConfig,
    enqueue,
};
use revos_store::jobs;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

both_backends!(
    retries_back_off_with_jitter_then_dead_letter,
    permanent_errors_and_panics,
    retry_after_overrides_the_backoff,
    unique_keys_hold_under_concurrent_enqueue,
    cron_catches_up_once_after_downtime,
    two_runners_fire_each_cron_slot_once_without_pile_up,
    expired_leases_are_reclaimed,
    shutdown_hands_running_jobs_back,
);

/// What the test handlers saw: (job number, attempt, when).
type Log = Arc<Mutex<Vec<(u32, u32, DateTime<Utc>)>>>;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Flaky {
    n: u32,
    /// "retry", "permanent", "panic", "retry_after", "sleep".
    mode: String,
    /// Fail this many first attempts.
    fails: u32,
    #[serde(default)]
    sleep_ms: u64,
}

impl Job for Flaky {
    type Context = Clocked;
    const KIND: &'static str = "test.flaky";
    const QUEUE: &'static str = "test";
    const MAX_ATTEMPTS: u32 = 4;
    fn tenant(&self) -> Option<TenantId> {
        None
    }
    async fn run(self, ctx: JobContext, c: &Clocked) -> Result<Outcome, JobError> {
        c.log
            .lock()
            .unwrap()
            .push((self.n, ctx.attempt, revos_domain::Clock::now(&*c.clock)));
        if ctx.attempt > self.fails {
            return Ok(Outcome::Done);
        }
        match self.mode.as_str() {
            "permanent" => Err(JobError::Permanent("no such thing".into())),
            "panic" => panic!("handler bug"),
            "retry_after" => Err(JobError::Retry {
                message: "429".into(),
                after: Some(Duration::from_secs(420)),
            }),
            _ => Err(JobError::retry("provider said 503")),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Keyed {
    key: String,
}

impl Job for Keyed {
    type Context = ();
    const KIND: &'static str = "test.keyed";
    const QUEUE: &'static str = "test";
    fn tenant(&self) -> Option<TenantId> {
        None
    }
    fn unique_key(&self) -> Option<String> {
        Some(self.key.clone())
    }
    /// Only enqueued, never run.
    async fn run(self, _: JobContext, _: &()) -> Result<Outcome, JobError> {
        Ok(Outcome::Done)
    }
}

fn flaky(n: u32, mode: &str, fails: u32) -> Flaky {
    Flaky {
        n,
        mode: mode.into(),
        fails,
        sleep_ms: 0,
    }
}

struct Clocked {
    log: Log,
    clock: Arc<SimulatedClock>,
}

impl Clone for Clocked {
    fn clone(&self) -> Self {
        Self {
            log: Arc::clone(&self.log),
            clock: Arc::clone(&self.clock),
        }
    }
}

/// A runner of `Flaky` on a simulated clock, with a 60 s base / 300 s cap backoff.
fn flaky_runner(store: &Store, clock: Arc<SimulatedClock>, log: Log) -> Runner<Clocked> {
    let mut registry = Registry::new(store.clone());
    registry.register::<Flaky>();
    let config = RunnerConfig {
        backoff: Backoff {
            base: Duration::from_secs(60),
            cap: Duration::from_secs(300),
        },
        ..RunnerConfig::default()
    };
    let ctx = Clocked {
        log,
        clock: Arc::clone(&clock),
    };
    Runner::new(registry, ctx, clock, config, Vec::new())
}

async fn add<J: Job>(store: &Store, job: &J, at: DateTime<Utc>) -> Uuid {
    let mut tx = store.begin_system().await.unwrap();
    let id = enqueue(&mut tx, job, at, at).await.unwrap().id;
    tx.commit().await.unwrap();
    id
}

async fn job(store: &Store, id: Uuid) -> jobs::JobRow {
    let mut tx = store.begin_system().await.unwrap();
    jobs::get(&mut tx, jobs::JobScope::All, id)
        .await
        .unwrap()
        .expect("job exists")
}

async fn retries_back_off_with_jitter_then_dead_letter(db: Db) {
    let (_db, store) = migrated_store(db).await;
    let t0 = Utc::now();
    let clock = Arc::new(SimulatedClock::new(t0));
    let log: Log = Arc::default();
    let runner = flaky_runner(&store, Arc::clone(&clock), Arc::clone(&log));
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(add(&store, &flaky(n, "retry", 99), t0).await);
    }
    runner
        .run_simulated_until(&clock, t0 + Span::days(1))
        .await
        .unwrap();

    for (n, id) in ids.iter().enumerate() {
        let row = job(&store, *id).await;
        assert_eq!(row.state, "dead", "job {n}");
        assert_eq!(row.attempts, 4, "per-kind max attempts");
        assert_eq!(
            row.last_error.as_deref(),
            Some("provider said 503"),
            "the last error is kept"
        );
    }
    let log = log.lock().unwrap().clone();
    let mut first_gaps = Vec::new();
    for n in 0..20u32 {
        let times: Vec<_> = log
            .iter()
            .filter(|(j, _, _)| *j == n)
            .map(|(_, _, t)| *t)
            .collect();
        assert_eq!(times.len(), 4);
        for (i, pair) in times.windows(2).enumerate() {
            let gap = (pair[1] - pair[0]).num_milliseconds();
            let ceiling = [60_000, 120_000, 240_000][i];
            assert!(
                gap <= ceiling + 1,
                "gap {gap} ms after attempt {} exceeds its ceiling {ceiling}",
                i + 1
            );
        }
        first_gaps.push((times[1] - times[0]).num_milliseconds());
    }
    first_gaps.sort_unstable();
    first_gaps.dedup();
    assert!(
        first_gaps.len() >= 15,
        "full jitter spreads retries: {first_gaps:?}"
    );
}

async fn permanent_errors_and_panics(db: Db) {
    let (_db, store) = migrated_store(db).await;
    let t0 = Utc::now();
    let clock = Arc::new(SimulatedClock::new(t0));
    let log: Log = Arc::default();
    let runner = flaky_runner(&store, Arc::clone(&clock), Arc::clone(&log));
    let permanent = add(&store, &flaky(1, "permanent", 99), t0).await;
    let panics = add(&store, &flaky(2, "panic", 1), t0).await;
    let healthy = add(&store, &flaky(3, "retry", 0), t0).await;
    runner
        .run_simulated_until(&clock, t0 + Span::hours(1))
        .await
        .unwrap();

    let row = job(&store, permanent).await;
    assert_eq!(
        (row.state.as_str(), row.attempts),
        ("dead", 1),
        "a permanent error is dead at once"
    );
    let row = job(&store, panics).await;
    assert_eq!(
        (row.state.as_str(), row.attempts),
        ("succeeded", 2),
        "a panic is one failed attempt"
    );
    assert_eq!(
        job(&store, healthy).await.state,
        "succeeded",
        "the worker survived the panic"
    );
}

async fn retry_after_overrides_the_backoff(db: Db) {
    let (_db, store) = migrated_store(db).await;
    let t0 = Utc::now();
    let clock = Arc::new(SimulatedClock::new(t0));
    let log: Log = Arc::default();
    let runner = flaky_runner(&store, Arc::clone(&clock), Arc::clone(&log));
    let id = add(&store, &flaky(1, "retry_after", 2), t0).await;
    runner
        .run_simulated_until(&clock, t0 + Span::hours(1))
        .await
        .unwrap();
    assert_eq!(job(&store, id).await.state, "succeeded");
    let times: Vec<_> = log.lock().unwrap().iter().map(|(_, _, t)| *t).collect();
    assert_eq!(times.len(), 3);
    for pair in times.windows(2) {
        // PostgreSQL keeps microseconds, so allow for the truncation.
        let off = (pair[1] - pair[0] - Span::seconds(420))
            .num_microseconds()
            .unwrap()
            .abs();
        assert!(
            off < 1_000,
            "Retry-After (7 min) replaces the 60 s backoff: {:?}",
            pair[1] - pair[0]
        );
    }
}

async fn unique_keys_hold_under_concurrent_enqueue(db: Db) {
    let (_db, store) = migrated_store(db).await;
    let now = Utc::now();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin_system().await.unwrap();
            let e = enqueue(
                &mut tx,
                &Keyed {
                    key: "poll:post-1".into(),
                },
                now,
                now,
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            e
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let first = results[0].id;
    assert!(
        results.iter().all(|e| e.id == first),
        "every enqueue returns the one live job"
    );
    assert_eq!(
        results.iter().filter(|e| !e.existing).count(),
        1,
        "exactly one enqueue created it"
    );
    let mut tx = store.begin_system().await.unwrap();
    let n = jobs::counts(&mut tx, jobs::JobScope::All).await.unwrap();
    assert_eq!(n, vec![("scheduled".to_owned(), 1)]);
    drop(tx);

    // Once the job is no longer live, the key is free again.
    let mut tx = store.begin_system().await.unwrap();
    assert!(
        jobs::cancel(&mut tx, jobs::JobScope::All, first, now)
            .await
            .unwrap()
    );
    let again = enqueue(
        &mut tx,
        &Keyed {
            key: "poll:post-1".into(),
        },
        now,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(!again.existing);
    assert_ne!(again.id, first);
}

/// A cron job that takes a while, logging when it starts and ends (real time).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Slow {
    ms: u64,
}

impl Job for Slow {
    type Context = SlowCtx;
    const KIND: &'static str = "test.slow";
    const QUEUE: &'static str = "test";
    fn tenant(&self) -> Option<TenantId> {
        None
    }
    fn run(
        self,
        _ctx: JobContext,
        c: &SlowCtx,
    ) -> impl std::future::Future<Output = Result<Outcome, JobError>> + Send {
        // Set when the attempt's future is dropped, finished or not.
        let guard = SetOnDrop(Arc::clone(&c.stopped));
        let (spans, worker) = (Arc::clone(&c.spans), c.worker.clone());
        async move {
            let start = Utc::now();
            tokio::time::sleep(Duration::from_millis(self.ms)).await;
            spans.lock().unwrap().push((worker, start, Utc::now()));
            drop(guard);
            Ok(Outcome::Done)
        }
    }
}

type Spans = Arc<Mutex<Vec<(String, DateTime<Utc>, DateTime<Utc>)>>>;

/// What `Slow` works with: where it logs its spans, under which worker's name, and the flag
/// its attempt sets when its future is dropped.
#[derive(Clone, Default)]
struct SlowCtx {
    spans: Spans,
    worker: String,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

struct SetOnDrop(Arc<std::sync::atomic::AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

fn slow_runner(
    store: Store,
    spans: Spans,
    name: &str,
    period: Duration,
    clock: Arc<dyn revos_domain::Clock>,
) -> Runner<SlowCtx> {
    let mut registry = Registry::new(store);
    registry.register::<Slow>();
    let config = RunnerConfig {
        worker_id: name.to_owned(),
        heartbeat: Duration::from_millis(200),
        poll: Duration::from_millis(50),
        queues: vec![QueueConfig {
            name: "test".into(),
            concurrency: 4,
        }],
        ..RunnerConfig::default()
    };
    let ctx = SlowCtx {
        spans,
        worker: name.to_owned(),
        stopped: Arc::default(),
    };
    Runner::new(
        registry,
        ctx,
        clock,
        config,
        vec![Cron::every("slow", period, Slow { ms: 2_500 })],
    )
}

async fn cron_catches_up_once_after_downtime(db: Db) {
    let (_db, store) = migrated_store(db).await;
    let t0 = Utc::now();
    let clock = Arc::new(SimulatedClock::new(t0));
    let spans: Spans = Arc::default();
    let runner = slow_runner(
        store.clone(),
        Arc::clone(&spans),
        "w1",
        Duration::from_secs(60),
        clock.clone(),
    );
    runner.run_due().await.unwrap();
    // Ten minutes pass with no process running; then one catch-up run, not ten.
    clock.advance(Span::minutes(10));
    runner.run_due().await.unwrap();
    let mut tx = store.begin_system().await.unwrap();
    let counts = jobs::counts(&mut tx, jobs::JobScope::All).await.unwrap();
    assert_eq!(
        counts,
        vec![("succeeded".to_owned(), 2)],
        "one run at start, one catch-up"
    );
}

async fn two_runners_fire_each_cron_slot_once_without_pile_up(db: Db) {
    let test_db = crate::helpers::TestDb::new(db).await;
    let spans: Spans = Arc::default();
    let mut handles = Vec::new();
    let mut stops = Vec::new();
    for name in ["a", "b"] {
        // Each runner has its own connection pool, as two processes would.
        let store = Store::connect(&test_db.url).await.unwrap();
        store.migrate().await.unwrap();
        let clock: Arc<dyn revos_domain::Clock> = Arc::new(revos_app::SystemClock);
        let runner = slow_runner(
            store,
            Arc::clone(&spans),
            name,
            Duration::from_secs(1),
            clock,
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        stops.push(tx);
        handles.push(tokio::spawn(runner.run(async move {
            let _ = rx.await;
        })));
    }
    tokio::time::sleep(Duration::from_millis(6_500)).await;
    for s in stops {
        let _ = s.send(());
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let mut spans = spans.lock().unwrap().clone();
    spans.sort_by_key(|(_, start, _)| *start);
    assert!(spans.len() >= 2, "the schedule ran: {spans:?}");
    assert!(
        spans.len() <= 3,
        "a 2.5 s job on a 1 s schedule must not pile up: {spans:?}"
    );
    for pair in spans.windows(2) {
        assert!(pair[1].1 >= pair[0].2, "two runs overlapped: {pair:?}");
    }
    let store = Store::connect(&test_db.url).await.unwrap();
    let mut tx = store.begin_system().await.unwrap();
    let fired: i64 = {
        let rows = jobs::counts(&mut tx, jobs::JobScope::All).await.unwrap();
        rows.iter().map(|(_, n)| n).sum()
    };
    // One job per fired slot: the finished runs, plus at most one still running at shutdown.
    let fired = usize::try_from(fired).unwrap();
    assert!(
        fired == spans.len() || fired == spans.len() + 1,
        "{fired} jobs for {} runs",
        spans.len()
    );
}

async fn expired_leases_are_reclaimed(db: Db) {
    let (_db, store) = migrated_store(db).await;
    let now = Utc::now();
    let id = add(&store, &Slow { ms: 10 }, now).await;
    // A worker claims the job and dies: it never renews its 1 s lease.
    let mut tx = store.begin_system().await.unwrap();
    let claimed = jobs::claim(&mut tx, "test", "ghost", now, now + Span::seconds(1), 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(claimed.len(), 1);

    let spans: Spans = Arc::default();
    let clock: Arc<dyn revos_domain::Clock> = Arc::new(revos_app::SystemClock);
    let runner = slow_runner(
        store.clone(),
        Arc::clone(&spans),
        "rescuer",
        Duration::from_secs(3600),
        clock,
    );
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(runner.run(async move {
        let _ = rx.await;
    }));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let row = job(&store, id).await;
        if row.state == "succeeded" {
            assert_eq!(row.attempts, 2, "the dead worker's attempt counts");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job was not reclaimed: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(());
    handle.await.unwrap().unwrap();
}

async fn shutdown_hands_running_jobs_back(db: Db) {
    let (_db, store) = migrated_store(db).await;
    let id = add(&store, &Slow { ms: 30_000 }, Utc::now()).await;
    let spans: Spans = Arc::default();
    let clock: Arc<dyn revos_domain::Clock> = Arc::new(revos_app::SystemClock);
    let mut registry = Registry::new(store.clone());
    // Set when the running attempt's future is dropped: the job was stopped, not left behind.
    let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    registry.register::<Slow>();
    let config = RunnerConfig {
        grace: Duration::from_millis(300),
        poll: Duration::from_millis(50),
        ..RunnerConfig::default()
    };
    let ctx = SlowCtx {
        spans,
        worker: String::new(),
        stopped: Arc::clone(&stopped),
    };
    let runner = Runner::new(registry, ctx, clock, config, Vec::new());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(runner.run(async move {
        let _ = rx.await;
    }));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while job(&store, id).await.state != "running" {
        assert!(
            std::time::Instant::now() < deadline,
            "the job never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = std::time::Instant::now();
    let _ = stop.send(());
    handle.await.unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown waited {:?}",
        started.elapsed()
    );
    let unwound = std::time::Instant::now() + Duration::from_secs(1);
    while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(
            std::time::Instant::now() < unwound,
            "the job still runs after its worker stopped"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let row = job(&store, id).await;
    assert_eq!(
        (row.state.as_str(), row.attempts),
        ("scheduled", 0),
        "released without using up an attempt"
    );
}
