//! `revos bench queue`: the queue's throughput and timeliness, measured the same way as the
//! BullMQ peer script in `bench/bullmq` so that the figures compare.

use crate::cli::BenchQueueArgs;
use crate::config::{ConfigError, Settings};
use chrono::Utc;
use revos_app::{Store, SystemClock};
use revos_jobs::{
    Job, JobContext, JobError, Outcome, QueueConfig, Registry, Runner, RunnerConfig, enqueue,
    enqueue_many,
};
use revos_workers::QueueProbe;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How late each recorded probe started, in milliseconds.
type Lateness = Arc<Mutex<Vec<f64>>>;

/// The queue probe as the benchmark runs it: the same kind and payload, but it only notes how
/// late it started (when `record` is set), so the figures measure the queue, not the database
/// writes of the probe's own handler.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct TimedProbe(QueueProbe);

impl Job for TimedProbe {
    type Context = Lateness;
    const KIND: &'static str = QueueProbe::KIND;
    const QUEUE: &'static str = QueueProbe::QUEUE;
    const PRIORITY: i64 = QueueProbe::PRIORITY;
    const MAX_ATTEMPTS: u32 = QueueProbe::MAX_ATTEMPTS;

    fn tenant(&self) -> Option<revos_domain::TenantId> {
        self.0.tenant()
    }

    async fn run(self, ctx: JobContext, lateness: &Lateness) -> Result<Outcome, JobError> {
        if self.0.record {
            let late = (Utc::now() - ctx.due_at).num_microseconds().unwrap_or(0) as f64 / 1000.0;
            lateness
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(late);
        }
        Ok(Outcome::Done)
    }
}

/// Runs the three phases and prints the figures.
pub async fn queue(settings: Settings, args: BenchQueueArgs) -> anyhow::Result<()> {
    let bad = |key: &str, message: &str| ConfigError {
        key: key.into(),
        message: message.into(),
    };
    if args.jobs == 0 || args.concurrency == 0 || args.concurrency > 1000 {
        return Err(bad(
            "--jobs/--concurrency",
            "must be at least 1 (concurrency at most 1000)",
        )
        .into());
    }
    let scratch = tempfile_dir()?;
    let url = match args.backend.as_str() {
        "sqlite" => format!("sqlite://{}", scratch.join("bench.db").display()),
        "postgres" => match &settings.database_url {
            Some(u) if u.starts_with("postgres") => u.clone(),
            _ => "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
        },
        _ => return Err(bad("--backend", "must be sqlite or postgres").into()),
    };
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    clear(&store).await?;
    // Start from a vacuumed table, as autovacuum keeps it (it is off on some machines).
    let durability = store.vacuum_jobs().await?;

    let now = || Utc::now();
    let probe = QueueProbe {
        work_ms: 0,
        record: false,
        fail_first: 0,
    };

    // Phase 1: enqueue N jobs in bulk, 100 per transaction (as the peer's addBulk of 100).
    eprintln!("enqueueing {} jobs", args.jobs);
    let started = Instant::now();
    let mut left = args.jobs;
    while left > 0 {
        let chunk = left.min(100);
        let mut tx = store.begin_system().await?;
        let t = now();
        enqueue_many(&mut tx, &vec![probe.clone(); chunk], t, t).await?;
        tx.commit().await?;
        left -= chunk;
    }
    let enqueue_per_s = args.jobs as f64 / started.elapsed().as_secs_f64();

    // Phase 2: process them with one runner at the given concurrency.
    let lateness = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut registry = Registry::new(store.clone());
    registry.register::<TimedProbe>();
    let config = RunnerConfig {
        queues: vec![QueueConfig {
            name: "probe".into(),
            concurrency: args.concurrency,
        }],
        poll: Duration::from_millis(200),
        ..RunnerConfig::default()
    };
    let runner = Runner::new(
        registry,
        Arc::clone(&lateness),
        Arc::new(SystemClock),
        config,
        Vec::new(),
    );
    let finished = runner.finished_counter();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    eprintln!("processing with concurrency {}", args.concurrency);
    let started = Instant::now();
    let handle = tokio::spawn(runner.run(async move {
        let _ = stop_rx.await;
    }));
    wait_for(&finished, args.jobs as u64, Duration::from_secs(600)).await?;
    let process_per_s = args.jobs as f64 / started.elapsed().as_secs_f64();

    store.vacuum_jobs().await?;
    // Phase 3: delayed jobs due 100 ms to 3 s ahead, enqueued one per transaction.
    eprintln!("scheduling {} delayed jobs", args.delayed);
    let timed = QueueProbe {
        work_ms: 0,
        record: true,
        fail_first: 0,
    };
    for _ in 0..args.delayed {
        let delay = chrono::Duration::milliseconds(100 + (rand::random::<u64>() % 2900) as i64);
        let mut tx = store.begin_system().await?;
        let t = now();
        enqueue(&mut tx, &timed, t + delay, t).await?;
        tx.commit().await?;
    }
    wait_for(
        &finished,
        (args.jobs + args.delayed) as u64,
        Duration::from_secs(600),
    )
    .await?;
    let _ = stop_tx.send(());
    handle.await??;
    clear(&store).await?;
    store.close().await;
    let _ = std::fs::remove_dir_all(&scratch);

    let mut late = lateness.lock().unwrap_or_else(|e| e.into_inner()).clone();
    late.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| -> f64 {
        if late.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * late.len() as f64).ceil() as usize;
        late[rank.clamp(1, late.len()) - 1]
    };
    let result = json!({
        "backend": args.backend,
        "jobs": args.jobs,
        "concurrency": args.concurrency,
        "delayed": args.delayed,
        "enqueue_per_s": round1(enqueue_per_s),
        "process_per_s": round1(process_per_s),
        "lateness_p50_ms": round1(pct(50.0)),
        "lateness_p99_ms": round1(pct(99.0)),
        "lateness_max_ms": round1(pct(100.0)),
        "durability": durability,
    });
    if args.json {
        println!("{result}");
    } else {
        println!(
            "{}: enqueue {:.0}/s, process {:.0}/s at concurrency {}, delayed jobs late by p50 {:.1} ms, p99 {:.1} ms",
            args.backend,
            enqueue_per_s,
            process_per_s,
            args.concurrency,
            pct(50.0),
            pct(99.0)
        );
    }
    Ok(())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

async fn wait_for(
    counter: &std::sync::atomic::AtomicU64,
    target: u64,
    limit: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    while counter.load(Ordering::Relaxed) < target {
        if started.elapsed() > limit {
            anyhow::bail!("the benchmark did not finish within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// Deletes the bench's own jobs (queue `probe`), leaving everything else alone.
async fn clear(store: &Store) -> anyhow::Result<()> {
    let mut tx = store.begin_system().await?;
    revos_store::jobs::delete_queue(&mut tx, "probe").await?;
    tx.commit().await?;
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "revos-bench-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
