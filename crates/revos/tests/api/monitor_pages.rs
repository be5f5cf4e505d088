//! The comment monitor never loses a commenter: a post's comments are walked down to its
//! high-water mark, which moves only once a walk got there, so a page that failed to load is
//! read again on the next pass (against the fake Unipile, the account connected through the
//! API).

use crate::both_backends;
use crate::campaign_fakes::{activated_campaign, unipile_settings};
use crate::helpers::{Db, TestApp, unipile_account};
use revos_app::AppError;
use revos_domain::TenantId;
use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_store::leads;
use serde_json::json;
use std::collections::HashSet;

both_backends!(a_failed_page_is_read_again_and_every_commenter_becomes_a_lead_once);

const POST: &str = "7400000000000000300";

/// The provider ids of the campaign's leads, in no particular order.
async fn lead_ids(t: &TestApp, tenant: TenantId, campaign: uuid::Uuid) -> Vec<String> {
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    leads::of_campaign(&mut tx, tenant, campaign)
        .await
        .unwrap()
        .into_iter()
        .map(|(l, _)| l.provider_id)
        .collect()
}

/// How many times the fake was asked for the post's comments.
fn comment_reads(fake: &revos_providers::fakes::unipile::Running) -> usize {
    let path = format!("/posts/urn:li:activity:{POST}/comments");
    fake.state
        .requests()
        .iter()
        .filter(|(m, p)| m == "GET" && *p == path)
        .count()
}

async fn a_failed_page_is_read_again_and_every_commenter_becomes_a_lead_once(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    fake.state.add_account("acc1", "Dana");
    fake.state.add_post(POST, "Comment GUIDE");
    // 250 commenters: three pages of at most 100, newest first.
    for i in 0..250 {
        fake.state.add_comment(
            POST,
            &format!("ACoP{i}"),
            &format!("P{i} Lee"),
            "GUIDE",
            true,
        );
    }
    let (token, tenant, _) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let account = unipile_account(&t, &token, (120, 900), 50).await;
    let body = json!({
        "name": "Launch", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}"
    });
    let (campaign, _) = activated_campaign(&t, &token, body).await;

    // Page 2 fails once (rate limited for longer than the client waits in a call).
    fake.state.fail_comments_page(
        POST,
        2,
        [Fault::RateLimited {
            retry_after_secs: 120,
        }],
    );
    let failed = t.app.monitor_campaign_job(tenant, campaign).await;
    assert!(
        matches!(failed, Err(AppError::Provider(_))),
        "the pass fails: {failed:?}"
    );
    assert_eq!(lead_ids(&t, tenant, campaign).await.len(), 100, "page 1");

    // The next pass reads page 1 again (all known), then pages 2 and 3.
    let report = t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    assert_eq!(report.new_leads, 150);
    let ids = lead_ids(&t, tenant, campaign).await;
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 250, "every commenter is a lead exactly once");
    assert_eq!(distinct.len(), 250);
    assert!((0..250).all(|i| distinct.contains(&format!("ACoP{i}"))));

    // That walk reached the bottom: the mark moved to the newest comment, so the next pass
    // reads one page and stops there.
    let before = comment_reads(&fake);
    let quiet = t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    assert_eq!((quiet.new_comments, quiet.new_leads), (0, 0));
    assert_eq!(
        comment_reads(&fake) - before,
        1,
        "one page down to the mark"
    );

    // A new comment above the mark becomes a lead on the next pass.
    fake.state
        .add_comment(POST, "ACoNew", "Nia Okafor", "guide please", false);
    let before = comment_reads(&fake);
    let next = t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    assert_eq!((next.new_comments, next.new_leads), (1, 1));
    assert_eq!(comment_reads(&fake) - before, 1);
    assert_eq!(lead_ids(&t, tenant, campaign).await.len(), 251);
}
