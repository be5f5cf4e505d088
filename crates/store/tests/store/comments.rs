//! Comments are recorded once each: a multi-row insert answers with the rows it added, so a
//! page read again records only what is new.

use crate::both_backends;
use crate::fixtures::{Owner, seed};
use chrono::Utc;
use revos_domain::lead::LeadStage;
use revos_store::comments::{self, NewComment};
use revos_test_support::{Db, TestDb};

both_backends!(a_page_read_again_records_only_new_comments);

fn comment(id: &str) -> NewComment<'_> {
    NewComment {
        provider_comment_id: id,
        author_provider_id: "ACo1",
        author_name: "Ana Lopez",
        body: "GUIDE",
    }
}

async fn a_page_read_again_records_only_new_comments(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    let first = comments::record_new(
        &mut tx,
        s.tenant,
        s.post,
        &[comment("c1"), comment("c2"), comment("c3")],
        Utc::now(),
    )
    .await
    .unwrap();
    let mut ids: Vec<&String> = first.keys().collect();
    ids.sort();
    assert_eq!(ids, ["c1", "c2", "c3"]);
    // The same page with one newer comment, and a comment twice in one page.
    let again = comments::record_new(
        &mut tx,
        s.tenant,
        s.post,
        &[comment("c4"), comment("c4"), comment("c1"), comment("c2")],
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(again.keys().collect::<Vec<_>>(), ["c4"]);
    assert!(!first.values().any(|id| again["c4"] == *id));
    tx.commit().await.unwrap();
}
