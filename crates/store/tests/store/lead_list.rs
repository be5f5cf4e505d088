//! The lead list beyond one walk: a filter that may match few leads (a search term; a stage
//! change in any campaign) is first walked over a bounded stretch of leads, then sought
//! through its own index when that stretch did not fill the page. Matches only past the
//! stretch are still found, and a common term pages through every match in id order.

use crate::both_backends;
use crate::fixtures::{Owner, seed};
use chrono::{DateTime, Duration, Utc};
use revos_domain::lead::LeadStage;
use revos_domain::{PageRequest, TenantId};
use revos_store::lead_queries::{self, LeadFilter};
use revos_store::leads::{self, NewLead};
use revos_store::{Store, stages};
use revos_test_support::{Db, TestDb};
use uuid::Uuid;

both_backends!(sparse_matches_past_the_walk_are_sought_and_common_ones_paged);

/// More leads than one bounded walk reads (`WALK_BUDGET`, 1000).
const LEADS: usize = 1010;

/// The leads matching the rare term and moved late: both past the walk.
const LATE: [usize; 2] = [1003, 1008];

/// Every page of `filter`'s leads of `tenant`, `limit` at a time: their ids in list order.
async fn all_pages(
    store: &Store,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    limit: u32,
) -> Vec<Uuid> {
    let (mut ids, mut after) = (Vec::new(), None);
    loop {
        let mut tx = store.begin_read_for(tenant).await.unwrap();
        let page = PageRequest { limit, after };
        let rows = lead_queries::list(&mut tx, tenant, filter, page)
            .await
            .unwrap();
        let more = rows.len() > limit as usize;
        ids.extend(rows.iter().take(limit as usize).map(|l| l.id));
        if !more {
            return ids;
        }
        after = ids.last().copied();
    }
}

async fn sparse_matches_past_the_walk_are_sought_and_common_ones_paged(db: Db) {
    let (test_db, store) = TestDb::migrated(db).await;
    let owner = Owner::connect(&test_db).await;
    let s = seed(&owner, &store, LeadStage::Scraped).await;
    let joined: DateTime<Utc> = Utc::now() + Duration::days(1);
    let mut ids = Vec::with_capacity(LEADS);
    let mut tx = store.begin_for(s.tenant).await.unwrap();
    for i in 0..LEADS {
        let mut headline = String::from("Sales");
        if i % 3 == 0 {
            headline.push_str(" growth");
        }
        if LATE.contains(&i) {
            headline.push_str(" zyzzwick");
        }
        let (provider, name) = (format!("ACo{i}"), format!("Lead {i}"));
        let lead = NewLead {
            provider_id: &provider,
            name: &name,
            linkedin_url: None,
            headline: Some(&headline),
            email: None,
            sandbox: false,
        };
        let row = leads::upsert(&mut tx, s.tenant, &lead, joined)
            .await
            .unwrap();
        leads::join_campaign(
            &mut tx,
            s.tenant,
            s.campaign,
            row.id,
            None,
            LeadStage::Scraped,
            joined,
        )
        .await
        .unwrap();
        ids.push(row.id);
    }
    let moved = joined + Duration::hours(1);
    for i in LATE {
        assert!(
            stages::move_stage(
                &mut tx,
                s.tenant,
                s.campaign,
                ids[i],
                LeadStage::Enriched,
                moved
            )
            .await
            .unwrap()
        );
    }
    tx.commit().await.unwrap();
    let mut late: Vec<Uuid> = LATE.iter().map(|&i| ids[i]).collect();
    late.sort();

    let rare = LeadFilter {
        search: Some("ZYZZWICK"),
        ..LeadFilter::default()
    };
    assert_eq!(
        all_pages(&store, s.tenant, &rare, 50).await,
        late,
        "a rare term past the walk"
    );

    let changed = LeadFilter {
        since: Some(moved - Duration::minutes(30)),
        ..LeadFilter::default()
    };
    assert_eq!(
        all_pages(&store, s.tenant, &changed, 50).await,
        late,
        "changed late, any campaign"
    );
    let at_stage = LeadFilter {
        stage: Some(LeadStage::Enriched),
        ..changed
    };
    assert_eq!(
        all_pages(&store, s.tenant, &at_stage, 1).await,
        late,
        "one per page"
    );
    let before = LeadFilter {
        until: Some(moved - Duration::minutes(30)),
        ..LeadFilter::default()
    };
    assert_eq!(
        all_pages(&store, s.tenant, &before, 200).await.len(),
        LEADS - LATE.len() + 1,
        "every other lead (and the seeded one) changed before"
    );

    let mut common: Vec<Uuid> = (0..LEADS).step_by(3).map(|i| ids[i]).collect();
    common.sort();
    assert_eq!(
        all_pages(
            &store,
            s.tenant,
            &LeadFilter {
                search: Some("Growth"),
                ..LeadFilter::default()
            },
            50
        )
        .await,
        common
    );
}
