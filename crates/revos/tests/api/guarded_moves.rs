//! The store's state changes obey the domain's transition rules on their own: a move the
//! domain forbids from a row's current status changes no row, even when a caller skips the
//! application's checks and calls the store directly.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge};
use reqwest::StatusCode;
use revos_domain::TenantId;
use revos_domain::campaign::CampaignStatus;
use revos_domain::lead::LeadStage;
use revos_domain::post::PostStatus;
use revos_store::{campaigns, leads, posts, stages};
use serde_json::json;
use uuid::Uuid;

both_backends!(forbidden_transitions_change_no_row);

async fn forbidden_transitions_change_no_row(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, user) = t.signup("ana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let user: Uuid = user.parse().unwrap();
    let (_, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Ana"}),
        )
        .await;
    let (_, cart) = t
        .post("/api/v1/cartridges", Some(&token), cartridge("Ana's voice"))
        .await;
    let (status, c) = t
        .post(
            "/api/v1/campaigns",
            Some(&token),
            json!({
                "name": "Playbook launch",
                "linkedin_account_id": acct["id"],
                "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
                "dm_template": "Hi {{ first_name }}!",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let campaign: Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let (status, p) = t
        .post(
            "/api/v1/posts",
            Some(&token),
            json!({"body": "Hello", "cartridge_id": cart["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let post: Uuid = p["id"].as_str().unwrap().parse().unwrap();

    let now = t.app.now();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    // A draft campaign cannot be paused (only an active one can).
    assert!(
        !campaigns::set_status(&mut tx, tenant, campaign, CampaignStatus::Paused, now)
            .await
            .unwrap()
    );
    let row = campaigns::get(&mut tx, tenant, campaign)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, CampaignStatus::Draft);
    // A draft post is neither approved, scheduled nor published.
    assert!(
        !posts::approve(&mut tx, tenant, post, Some(user), None, now)
            .await
            .unwrap()
    );
    assert!(
        !posts::schedule(&mut tx, tenant, post, Uuid::now_v7(), now, now)
            .await
            .unwrap()
    );
    assert!(
        !posts::mark_published(&mut tx, tenant, post, Some("x"), None, true, now)
            .await
            .unwrap()
    );
    let row = posts::get(&mut tx, tenant, post).await.unwrap().unwrap();
    assert_eq!(row.status, PostStatus::Draft);
    assert!(row.published_at.is_none() && row.approved_by.is_none());
    // A lead who replied is never moved back to a sent DM.
    let new = leads::NewLead {
        provider_id: "ACo1",
        name: "Ben",
        linkedin_url: None,
        headline: None,
        email: None,
        sandbox: true,
    };
    let lead = leads::upsert(&mut tx, tenant, &new, now).await.unwrap().id;
    assert!(
        leads::join_campaign(
            &mut tx,
            tenant,
            campaign,
            lead,
            None,
            LeadStage::Replied,
            now
        )
        .await
        .unwrap()
    );
    assert!(
        !stages::move_stage(&mut tx, tenant, campaign, lead, LeadStage::DmSent, now)
            .await
            .unwrap()
    );
    assert_eq!(
        leads::lock_stage(&mut tx, tenant, campaign, lead)
            .await
            .unwrap(),
        Some(LeadStage::Replied)
    );
    // The allowed moves do move.
    assert!(
        campaigns::set_status(&mut tx, tenant, campaign, CampaignStatus::Completed, now)
            .await
            .unwrap()
    );
    assert!(
        posts::submit(&mut tx, tenant, post, user, now)
            .await
            .unwrap()
    );
    let row = posts::get(&mut tx, tenant, post).await.unwrap().unwrap();
    assert_eq!(row.status, PostStatus::PendingApproval);
    assert_eq!(row.submitted_by, Some(user));
}
