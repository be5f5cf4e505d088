//! Enqueueing: a job exists only if its transaction commits, and a unique key returns the
//! live job of the same workspace instead of adding another.

use super::{Script, Scripted, clock, enqueue_now, runner, workspace};
use revos_domain::Clock;
use revos_test_support::{Db, TestDb, both_backends};

both_backends!(
    a_unique_key_returns_the_live_job,
    a_rolled_back_enqueue_leaves_nothing
);

async fn a_unique_key_returns_the_live_job(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let clock = clock();
    let now = clock.now();
    let (acme, rival) = (workspace(&store, now).await, workspace(&store, now).await);
    let keyed = |tenant| Scripted {
        key: Some("post-1".into()),
        ..Scripted::new(tenant, Script::Succeed)
    };

    let first = enqueue_now(&store, &keyed(acme), now).await;
    let again = enqueue_now(&store, &keyed(acme), now).await;
    assert!(!first.existing);
    assert!(again.existing);
    assert_eq!(again.id, first.id);
    // The key is the workspace's own: another workspace's job with it is another job.
    let other = enqueue_now(&store, &keyed(rival), now).await;
    assert!(!other.existing);
    assert_ne!(other.id, first.id);

    let (runner, seen) = runner(&store, &clock);
    assert_eq!(runner.run_due().await.unwrap(), 2);
    assert_eq!(seen.attempts(), [1, 1]);
    // Once the job finished, the key is free again.
    let after = enqueue_now(&store, &keyed(acme), now).await;
    assert!(!after.existing);
    assert_ne!(after.id, first.id);
}

async fn a_rolled_back_enqueue_leaves_nothing(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let clock = clock();
    let now = clock.now();
    let tenant = workspace(&store, now).await;
    let mut tx = store.begin_for(tenant).await.unwrap();
    crate::enqueue(&mut tx, &Scripted::new(tenant, Script::Succeed), now, now)
        .await
        .unwrap();
    drop(tx);

    let (runner, seen) = runner(&store, &clock);
    assert_eq!(runner.run_due().await.unwrap(), 0);
    assert!(seen.attempts().is_empty());
}
