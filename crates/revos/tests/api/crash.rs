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

fn worker(db_url: &str, dir: &std::path::Path, id: &str, key: &str) -> Child {
    crate::helpers::revos_worker(db_url, dir, id, key, &[("REVOS_QUEUES", "probe=4")])
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
    let mut steady = worker(&db.url, dir.path(), "steady", &key);
    let mut kills = 0;
    let mut seed = 7u64;
    for round in 0..8 {
        let mut victim = worker(&db.url, dir.path(), &format!("victim-{round}"), &key);
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        std::thread::sleep(Duration::from_millis(300 + (seed >> 33) % 500));
        victim.kill().expect("SIGKILL");
        victim.wait().unwrap();
        kills += 1;
    }
    let mut last = worker(&db.url, dir.path(), "last", &key);

    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
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

    for child in [&mut steady, &mut last] {
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
            "a worker did not stop cleanly on SIGTERM: {status}"
        );
    }
}
