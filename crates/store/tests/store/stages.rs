//! The lead stage transitions of `revos_store::stages`: the store moves a lead exactly when
//! the domain's rule allows it, only for the lead's own workspace.

use crate::both_backends;
use crate::fixtures::{Owner, second_campaign, seed, set_stage, stage_of};
use chrono::Utc;
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use revos_store::{stages, tenants};
use revos_test_support::{Db, TestDb};

both_backends!(
    every_move_follows_the_domain_rule,
    another_workspace_cannot_move_a_lead,
    moving_everywhere_skips_campaigns_past_the_stage
);

async fn every_move_follows_the_domain_rule(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    for from in LeadStage::ALL {
        for to in LeadStage::ALL {
            set_stage(&owner, s.campaign, s.lead, from).await;
            let mut tx = store.begin_for(s.tenant).await.unwrap();
            let moved = stages::move_stage(&mut tx, s.tenant, s.campaign, s.lead, to, Utc::now())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(moved, from.can_become(to), "{from:?} -> {to:?}");
            let expected = if moved { to } else { from };
            assert_eq!(
                stage_of(&owner, s.campaign, s.lead).await,
                expected.as_str(),
                "{from:?} -> {to:?}"
            );
        }
    }
}

async fn another_workspace_cannot_move_a_lead(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::DmSent).await;
    let other = TenantId::new();
    let mut tx = store.begin().await.unwrap();
    tenants::insert(&mut tx, other, "Rival", Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin_for(other).await.unwrap();
    let moved = stages::move_stage(
        &mut tx,
        other,
        s.campaign,
        s.lead,
        LeadStage::Replied,
        Utc::now(),
    )
    .await
    .unwrap();
    let everywhere =
        stages::move_stage_everywhere(&mut tx, other, s.lead, LeadStage::OptedOut, Utc::now())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert!(!moved);
    assert_eq!(everywhere, 0);
    assert_eq!(
        stage_of(&owner, s.campaign, s.lead).await,
        LeadStage::DmSent.as_str()
    );
}

async fn moving_everywhere_skips_campaigns_past_the_stage(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    let replied = second_campaign(&owner, &s, LeadStage::Replied).await;

    let mut tx = store.begin_for(s.tenant).await.unwrap();
    let moved =
        stages::move_stage_everywhere(&mut tx, s.tenant, s.lead, LeadStage::Enriched, Utc::now())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(moved, 1);
    assert_eq!(
        stage_of(&owner, s.campaign, s.lead).await,
        LeadStage::Enriched.as_str()
    );
    assert_eq!(
        stage_of(&owner, replied, s.lead).await,
        LeadStage::Replied.as_str()
    );
}
