//! Read-only transactions: they run beside an open write transaction (on SQLite without
//! waiting for the writer's turn) and refuse every write, on both backends.

use super::both_backends;
use chrono::Utc;
use revos_domain::TenantId;
use revos_store::{Store, tenants};
use revos_test_support::{Db, TestDb};
use std::time::Duration;

/// Only a guard against a hang: the read must not wait for the writer at all.
const HANG_GUARD: Duration = Duration::from_secs(5);

async fn new_tenant(store: &Store, name: &str) -> TenantId {
    let id = TenantId::new();
    let mut tx = store.begin_system().await.expect("begin");
    tenants::insert(&mut tx, id, name, Utc::now())
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    id
}

async fn read_beside_an_open_writer(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let known = new_tenant(&store, "known").await;

    // A write transaction is held open (on SQLite it holds the writer turn).
    let mut writer = store.begin_system().await.expect("begin writer");
    let pending = TenantId::new();
    tenants::insert(&mut writer, pending, "pending", Utc::now())
        .await
        .expect("insert");

    let read = async {
        let mut tx = store.begin_read_for(known).await.expect("begin read");
        let seen = tenants::get(&mut tx, known).await.expect("read known");
        let uncommitted = tenants::get(&mut tx, pending).await.expect("read pending");
        tx.commit().await.expect("end read");
        (seen.is_some(), uncommitted.is_some())
    };
    let (seen, uncommitted) = tokio::time::timeout(HANG_GUARD, read)
        .await
        .expect("a read transaction waited for the open writer");
    assert!(seen, "the committed tenant is visible");
    assert!(!uncommitted, "the open writer's row is not");

    // The system variant reads beside it too.
    let all = tokio::time::timeout(HANG_GUARD, async {
        let mut tx = store.begin_read_system().await.expect("begin read");
        tenants::list_all(&mut tx).await.expect("list")
    })
    .await
    .expect("a system read waited for the open writer");
    assert_eq!(all.len(), 1);

    writer.commit().await.expect("commit writer");
    let mut tx = store.begin_read().await.expect("begin read");
    assert!(
        tenants::get(&mut tx, pending)
            .await
            .expect("read")
            .is_some()
    );
}

async fn read_transactions_refuse_writes(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let tenant = new_tenant(&store, "t").await;
    for kind in ["tenant", "system", "unscoped"] {
        let mut tx = match kind {
            "tenant" => store.begin_read_for(tenant).await,
            "system" => store.begin_read_system().await,
            _ => store.begin_read().await,
        }
        .expect("begin read");
        let wrote = tenants::insert(&mut tx, TenantId::new(), "x", Utc::now()).await;
        assert!(wrote.is_err(), "a {kind} read transaction accepted a write");
    }
    let mut tx = store.begin_read().await.expect("begin read");
    assert_eq!(tenants::list_all(&mut tx).await.expect("list").len(), 1);
}

both_backends!(read_beside_an_open_writer, read_transactions_refuse_writes);
