//! Comment watermarks: a post has none until a walk completes, the mark then moves to the
//! newest comment of each completed walk, and it belongs to the post's workspace only.

use crate::both_backends;
use crate::fixtures::{Owner, seed};
use chrono::Utc;
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use revos_store::{tenants, watermarks};
use revos_test_support::{Db, TestDb};

both_backends!(a_mark_advances_per_walk, a_mark_is_the_workspace_own);

async fn a_mark_advances_per_walk(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    assert_eq!(
        watermarks::boundary(&mut tx, s.tenant, s.post)
            .await
            .unwrap(),
        None
    );
    watermarks::advance(&mut tx, s.tenant, s.post, "c-10", Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin_for(s.tenant).await.unwrap();
    assert_eq!(
        watermarks::boundary(&mut tx, s.tenant, s.post)
            .await
            .unwrap()
            .as_deref(),
        Some("c-10")
    );
    watermarks::advance(&mut tx, s.tenant, s.post, "c-42", Utc::now())
        .await
        .unwrap();
    // Not committed: the mark stays where the last completed walk left it.
    drop(tx);
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    assert_eq!(
        watermarks::boundary(&mut tx, s.tenant, s.post)
            .await
            .unwrap()
            .as_deref(),
        Some("c-10")
    );
    watermarks::advance(&mut tx, s.tenant, s.post, "c-42", Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    assert_eq!(
        watermarks::boundary(&mut tx, s.tenant, s.post)
            .await
            .unwrap()
            .as_deref(),
        Some("c-42")
    );
}

async fn a_mark_is_the_workspace_own(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    let other = TenantId::new();
    let mut tx = store.begin().await.unwrap();
    tenants::insert(&mut tx, other, "Rival", Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    watermarks::advance(&mut tx, s.tenant, s.post, "c-10", Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin_for(other).await.unwrap();
    assert_eq!(
        watermarks::boundary(&mut tx, other, s.post).await.unwrap(),
        None
    );
}
