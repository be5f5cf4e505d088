//! Failures: a transient failure waits out the backoff (or the provider's own wait) and
//! retries, a job out of attempts is dead, and a snooze runs again later without using up an
//! attempt.

use super::{BACKOFF, Script, Scripted, clock, earliest_waiting, enqueue_now, runner, workspace};
use chrono::Duration;
use revos_domain::Clock;
use revos_test_support::{Db, TestDb, both_backends};

both_backends!(
    failures_back_off_then_die,
    a_provider_wait_overrides_the_backoff,
    a_snooze_keeps_the_attempt
);

async fn failures_back_off_then_die(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let clock = clock();
    let tenant = workspace(&store, clock.now()).await;
    enqueue_now(&store, &Scripted::new(tenant, Script::Fail), clock.now()).await;
    let (runner, seen) = runner(&store, &clock);

    for attempt in 1..=2u32 {
        assert_eq!(runner.run_due().await.unwrap(), 1);
        let next = earliest_waiting(&store)
            .await
            .expect("a retry is scheduled");
        let ceiling = Duration::from_std(BACKOFF.ceiling(attempt)).unwrap();
        assert!(
            next >= clock.now() && next <= clock.now() + ceiling,
            "attempt {attempt}: retry at {next}, now {}",
            clock.now()
        );
        clock.advance_to(next);
    }
    assert_eq!(runner.run_due().await.unwrap(), 1);
    // Out of attempts: dead, nothing waits, nothing runs again.
    assert_eq!(earliest_waiting(&store).await, None);
    clock.advance(Duration::hours(2));
    assert_eq!(runner.run_due().await.unwrap(), 0);
    assert_eq!(seen.attempts(), [1, 2, 3]);
}

async fn a_provider_wait_overrides_the_backoff(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let clock = clock();
    let tenant = workspace(&store, clock.now()).await;
    enqueue_now(
        &store,
        &Scripted::new(tenant, Script::FailAfter(90)),
        clock.now(),
    )
    .await;
    let (runner, _seen) = runner(&store, &clock);

    assert_eq!(runner.run_due().await.unwrap(), 1);
    assert_eq!(
        earliest_waiting(&store).await,
        Some(clock.now() + Duration::seconds(90))
    );
}

async fn a_snooze_keeps_the_attempt(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let clock = clock();
    let tenant = workspace(&store, clock.now()).await;
    enqueue_now(
        &store,
        &Scripted::new(tenant, Script::SnoozeOnce(300)),
        clock.now(),
    )
    .await;
    let (runner, seen) = runner(&store, &clock);

    assert_eq!(runner.run_due().await.unwrap(), 1);
    let next = earliest_waiting(&store)
        .await
        .expect("snoozed, not finished");
    assert_eq!(next, clock.now() + Duration::seconds(300));
    // Not before its time.
    clock.advance(Duration::seconds(299));
    assert_eq!(runner.run_due().await.unwrap(), 0);
    clock.advance_to(next);
    assert_eq!(runner.run_due().await.unwrap(), 1);
    assert_eq!(earliest_waiting(&store).await, None);
    // The snoozed run gave its attempt back: the second run is attempt 1 again.
    assert_eq!(seen.attempts(), [1, 1]);
}
