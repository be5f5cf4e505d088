//! Claims and leases: a claimed job is reserved for its worker until its lease expires, then
//! another worker may take it, and that counts as a new attempt.

use super::{Script, Scripted, enqueue_now, workspace};
use chrono::{Duration, Utc};
use revos_store::jobs;
use revos_test_support::{Db, TestDb, both_backends};

both_backends!(a_lease_reserves_a_job_until_it_expires);

async fn a_lease_reserves_a_job_until_it_expires(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let now = Utc::now();
    let tenant = workspace(&store, now).await;
    let job = enqueue_now(&store, &Scripted::new(tenant, Script::Succeed), now).await;
    let queue = <Scripted as crate::Job>::QUEUE;
    let lease = now + Duration::seconds(60);

    let mut tx = store.begin_system().await.unwrap();
    let a = jobs::claim(&mut tx, queue, "worker-a", now, lease, 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        a.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        [(job.id, 1)]
    );

    // While the lease holds, nobody else gets it and nothing is reclaimed.
    let later = now + Duration::seconds(30);
    let mut tx = store.begin_system().await.unwrap();
    assert_eq!(jobs::reclaim_expired(&mut tx, later).await.unwrap(), 0);
    let b = jobs::claim(
        &mut tx,
        queue,
        "worker-b",
        later,
        later + Duration::seconds(60),
        10,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(b.is_empty());

    // Once it expires, it goes back to the queue and the next claim is attempt 2.
    let expired = now + Duration::seconds(61);
    let mut tx = store.begin_system().await.unwrap();
    assert_eq!(jobs::reclaim_expired(&mut tx, expired).await.unwrap(), 1);
    let b = jobs::claim(
        &mut tx,
        queue,
        "worker-b",
        expired,
        expired + Duration::seconds(60),
        10,
    )
    .await
    .unwrap();
    // Worker A's late success does not count: the job is B's now.
    assert_eq!(
        jobs::succeed(&mut tx, "worker-a", &[job.id], expired)
            .await
            .unwrap(),
        0
    );
    tx.commit().await.unwrap();
    assert_eq!(
        b.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        [(job.id, 2)]
    );
}
