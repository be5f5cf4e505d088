//! Comment watermarks: a post has none until a walk completes, the mark then moves to the
//! newest comment of each completed walk, and it belongs to the post's workspace only.

use crate::both_backends;
use crate::fixtures::{Owner, Seeded, seed, watch_post};
use chrono::Utc;
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use revos_store::{Store, tenants, watermarks};
use revos_test_support::{Db, TestDb};
use uuid::Uuid;

both_backends!(a_mark_advances_per_walk, a_mark_is_the_workspace_own);

/// The mark of the seeded post as a monitor pass of `tenant` over the seeded campaign reads
/// it; `None` when the pass does not see the post at all.
async fn mark(store: &Store, tenant: TenantId, s: &Seeded) -> Option<Option<String>> {
    let mut tx = store.begin_read_for(tenant).await.unwrap();
    let posts = watermarks::of_campaign(&mut tx, tenant, s.campaign)
        .await
        .unwrap();
    let seen: Vec<Uuid> = posts.iter().map(|p| p.post).collect();
    assert!(seen.iter().all(|p| *p == s.post), "{seen:?}");
    posts.into_iter().next().map(|p| p.boundary)
}

async fn a_mark_advances_per_walk(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    watch_post(&owner, &s).await;
    assert_eq!(mark(&store, s.tenant, &s).await, Some(None));
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    watermarks::advance(&mut tx, s.tenant, s.post, "c-10", Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(mark(&store, s.tenant, &s).await, Some(Some("c-10".into())));

    let mut tx = store.begin_for(s.tenant).await.unwrap();
    watermarks::advance(&mut tx, s.tenant, s.post, "c-42", Utc::now())
        .await
        .unwrap();
    // Not committed: the mark stays where the last completed walk left it.
    drop(tx);
    assert_eq!(mark(&store, s.tenant, &s).await, Some(Some("c-10".into())));
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    watermarks::advance(&mut tx, s.tenant, s.post, "c-42", Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(mark(&store, s.tenant, &s).await, Some(Some("c-42".into())));
}

async fn a_mark_is_the_workspace_own(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    watch_post(&owner, &s).await;
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

    assert_eq!(mark(&store, s.tenant, &s).await, Some(Some("c-10".into())));
    // Another workspace's pass over the same campaign sees neither the post nor its mark.
    assert_eq!(mark(&store, other, &s).await, None);
}
