//! Rows decode into domain types in the store: a stored value the domain refuses is
//! [`StoreError::Corrupt`], never a string the app would have to parse.

use crate::both_backends;
use crate::fixtures::{Owner, seed, set_stage_word};
use revos_domain::PageRequest;
use revos_domain::lead::LeadStage;
use revos_store::lead_queries::{self, LeadFilter};
use revos_store::{StoreError, campaigns};
use revos_test_support::{Db, TestDb};

both_backends!(
    a_campaign_whose_settings_do_not_parse_is_corrupt,
    a_lead_stage_decodes_and_an_unknown_one_is_corrupt
);

async fn a_campaign_whose_settings_do_not_parse_is_corrupt(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    // The seeded campaign keeps the column's default, `{}`: no name, no account.
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    let read = campaigns::get(&mut tx, s.tenant, s.campaign).await;
    assert!(
        matches!(read, Err(StoreError::Corrupt(_))),
        "settings `{{}}` must not decode: {read:?}"
    );
}

async fn a_lead_stage_decodes_and_an_unknown_one_is_corrupt(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Replied).await;
    let filter = LeadFilter {
        campaign: Some(s.campaign),
        ..LeadFilter::default()
    };
    let page = PageRequest {
        limit: 10,
        after: None,
    };
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    let leads = lead_queries::list(&mut tx, s.tenant, &filter, page)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].stage, Some(LeadStage::Replied));

    set_stage_word(&owner, s.campaign, s.lead, "teleported").await;
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    let read = lead_queries::list(&mut tx, s.tenant, &filter, page).await;
    assert!(
        matches!(read, Err(StoreError::Corrupt(_))),
        "an unknown stage must not decode: {read:?}"
    );
}
