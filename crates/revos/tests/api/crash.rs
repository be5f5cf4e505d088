//! Crash recovery on PostgreSQL with real processes: two `revos worker`s share the queue while
//! one of them is killed with SIGKILL again and again, mid-job. Every job completes, none is
//! lost, and none runs to completion twice (the probe job records its completion in the same
//! transaction that completes it, so a second completion would leave a second record).

use crate::helpers::{Db, TestDb};
use revos_app::{MasterKey, Store};
use revos_workers::QueueProbe;
use sqlx::Connection;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const JOBS: usize = 400;

/// A `revos worker` process, killed when dropped: a failed assertion must not leave workers
/// running (and eating the CPU) for the rest of the suite.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn worker(db_url: &str, dir: &std::path::Path, id: &str, key: &str) -> Worker {
    Worker(crate::helpers::revos_worker(
        db_url,
        dir,
        id,
        key,
        &[("REVOS_QUEUES", "probe=4")],
    ))
}

/// Waits until worker `id` holds a running job (true), or until every job has completed
/// (false): a kill is then known to land mid-job however slowly the worker started.
async fn holds_a_job(conn: &mut sqlx::PgConnection, id: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (held, unfinished): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE state = 'running' AND locked_by = $1), \
             count(*) FILTER (WHERE state <> 'succeeded') FROM jobs WHERE kind = 'queue.probe'",
        )
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        if held > 0 {
            return true;
        }
        if unfinished == 0 {
            return false;
        }
        assert!(Instant::now() < deadline, "{id} claimed no job in 60 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_no_job_and_complete_none_twice() {
    let db = TestDb::new(Db::Postgres).await;
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let now = chrono::Utc::now();
    let mut tx = store.begin_system().await.unwrap();
    let probe = QueueProbe {
        work_ms: 60,
        record: true,
        fail_first: 0,
    };
    revos_jobs::enqueue_many(&mut tx, &vec![probe; JOBS], now, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate().to_base64().to_string();
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    // The steady worker starts once the first victim holds a job: on a busy machine a worker
    // can take seconds to start, and a steady worker started first could drain the queue
    // before any victim claimed a job, leaving nothing to kill.
    let mut steady = None;
    let mut kills = 0;
    let mut seed = 7u64;
    for round in 0..8 {
        let id = format!("victim-{round}");
        let mut victim = worker(&db.url, dir.path(), &id, &key);
        if !holds_a_job(&mut conn, &id).await {
            break;
        }
        if steady.is_none() {
            steady = Some(worker(&db.url, dir.path(), "steady", &key));
        }
        // Somewhere in the middle of its jobs (each takes 60 ms).
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        tokio::time::sleep(Duration::from_millis((seed >> 33) % 150)).await;
        victim.0.kill().expect("SIGKILL");
        victim.0.wait().unwrap();
        kills += 1;
    }
    let mut last = worker(&db.url, dir.path(), "last", &key);

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'queue.probe' AND state = 'succeeded'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if done == JOBS as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {done} of {JOBS} jobs completed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (records, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT job_id) FROM queue_probes")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(distinct, JOBS as i64, "every job completed");
    assert_eq!(records, JOBS as i64, "no job completed twice");
    let not_done: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE state <> 'succeeded' AND kind = 'queue.probe'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(not_done, 0);
    let reclaimed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'queue.probe' AND attempts > 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(
        reclaimed > 0,
        "the {kills} kills never hit a running job; the test proved nothing"
    );
    eprintln!("{kills} kills, {reclaimed} jobs reclaimed from killed workers");

    let mut steady = steady.expect("the first victim held a job, so the steady worker started");
    for (name, Worker(child)) in [("steady", &mut steady), ("last", &mut last)] {
        assert!(
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        let status = child.wait().unwrap();
        assert!(
            status.success(),
            "the {name} worker did not stop cleanly on SIGTERM: {status}\n{}",
            std::fs::read_to_string(dir.path().join(format!("{name}.log"))).unwrap_or_default()
        );
    }
}
