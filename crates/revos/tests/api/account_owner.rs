//! The account owner comes from the provider: connecting an account reads its owner from the
//! fake Unipile's `GET /users/me`; the owner's own "GUIDE" never becomes a lead nor gets a
//! public reply; while the owner is unknown (the read failed) the account shows why and its
//! comments wait, and once a later probe reads the owner they become leads.

use crate::both_backends;
use crate::campaign_fakes::{activated_campaign, unipile_settings};
use crate::helpers::{Db, TestApp, unipile_account};
use reqwest::StatusCode;
use revos_domain::TenantId;
use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::{FakeUnipile, Running};
use revos_store::leads;
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(
    the_owners_own_guide_is_never_a_lead_nor_replied_to,
    comments_wait_for_the_owner_then_become_leads
);

const POST: &str = "7400000000000000400";

/// The fake's post with a "GUIDE" from the owner of `acc1` and one from Ben, neither
/// connected to `acc1` (so each lead would get the public "Let's connect" reply).
fn world(fake: &Running) -> String {
    let owner = FakeUnipile::owner_id("acc1");
    fake.state.add_account("acc1", "Dana");
    fake.state.add_post(POST, "Comment GUIDE");
    fake.state.add_comment(
        POST,
        &owner,
        "Dana Owner",
        "GUIDE: it's in your inbox",
        false,
    );
    fake.state
        .add_comment(POST, "ACoBen", "Ben Smith", "GUIDE please", false);
    owner
}

/// An active campaign of `account` on [`POST`] that replies publicly to commenters who are
/// not connected.
async fn campaign(t: &TestApp, token: &str, account: Uuid) -> Uuid {
    let body = json!({
        "name": "Launch", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}",
        "connect_reply_template": "Thanks {{ first_name }}! Let's connect and I'll send it."
    });
    activated_campaign(t, token, body).await.0
}

async fn lead_ids(t: &TestApp, tenant: TenantId, campaign: Uuid) -> Vec<String> {
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    leads::of_campaign(&mut tx, tenant, campaign)
        .await
        .unwrap()
        .into_iter()
        .map(|(l, _)| l.provider_id)
        .collect()
}

/// A runner of every job kind with the given cron schedules, on the test's clock.
fn runner(t: &TestApp, crons: Vec<revos_jobs::Cron>) -> revos_jobs::Runner<revos_app::App> {
    revos_jobs::Runner::new(
        revos_workers::registry(&t.app),
        t.app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        crons,
    )
}

async fn the_owners_own_guide_is_never_a_lead_nor_replied_to(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let owner = world(&fake);
    let (token, tenant, _) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let account = unipile_account(&t, &token, (120, 900), 50).await;
    let (_, acct) = t
        .get(&format!("/api/v1/linkedin-accounts/{account}"), &token)
        .await;
    assert_eq!(acct["owner_provider_id"], owner.as_str(), "{acct}");
    assert_eq!(acct["blocked_reason"], Value::Null);
    assert!(
        fake.state
            .requests()
            .contains(&("GET".to_owned(), "/users/me".to_owned())),
        "the owner came from GET /users/me"
    );
    let campaign = campaign(&t, &token, account).await;

    let report = t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    assert_eq!((report.new_comments, report.new_leads), (2, 1));
    assert_eq!(lead_ids(&t, tenant, campaign).await, ["ACoBen"]);
    runner(&t, Vec::new())
        .run_simulated_until(&t.clock, t.app.now() + chrono::Duration::hours(1))
        .await
        .unwrap();
    let replies: Vec<String> = fake.state.replies().into_iter().map(|r| r.2).collect();
    assert_eq!(
        replies,
        ["Thanks Ben! Let's connect and I'll send it."],
        "Ben got the public reply; the owner got none"
    );
}

async fn comments_wait_for_the_owner_then_become_leads(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let owner = world(&fake);
    let (token, tenant, _) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());

    // GET /users/me fails when the account is connected: it connects all the same.
    fake.state.fail_owner_profile(
        "acc1",
        [Fault::RateLimited {
            retry_after_secs: 120,
        }],
    );
    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "unipile", "account_id": "acc1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    assert_eq!(acct["status"], "ok");
    assert_eq!(acct["owner_provider_id"], Value::Null);
    let why = acct["blocked_reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("GET /users/me") && why.contains("failed"),
        "{acct}"
    );
    let account: Uuid = acct["id"].as_str().unwrap().parse().unwrap();
    let settings = t
        .http
        .get(format!("{}/settings", t.base))
        .header("cookie", format!("revos_session={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        settings.contains(
            r#"class="small muted account-blocked">No leads yet: waiting for the account owner"#
        ),
        "the accounts page shows why: {settings}"
    );
    let campaign = campaign(&t, &token, account).await;

    // Until the owner is known, no comment is read, so none is turned into a lead or lost.
    let waiting = t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    assert!(waiting.waiting_for_owner);
    assert_eq!((waiting.new_comments, waiting.new_leads), (0, 0));
    assert!(lead_ids(&t, tenant, campaign).await.is_empty());

    // The owner probe reads the owner on its next run.
    let probe = revos_jobs::Cron::every(
        "probe-owners",
        revos_workers::OWNER_PROBE_PERIOD,
        revos_app::outreach::account_owner::ProbeAccountOwners,
    );
    runner(&t, vec![probe])
        .run_simulated_until(&t.clock, t.app.now() + chrono::Duration::minutes(10))
        .await
        .unwrap();
    let (_, acct) = t
        .get(&format!("/api/v1/linkedin-accounts/{account}"), &token)
        .await;
    assert_eq!(acct["owner_provider_id"], owner.as_str(), "{acct}");
    assert_eq!(acct["blocked_reason"], Value::Null);

    let report = t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    assert!(!report.waiting_for_owner);
    assert_eq!((report.new_comments, report.new_leads), (2, 1));
    assert_eq!(lead_ids(&t, tenant, campaign).await, ["ACoBen"]);
}
