//! Killing `revos worker` processes in the middle of sending DMs loses no DM and sends none
//! twice: a DM recorded as `sending` by a killed worker is reconciled from the chat by the
//! next one before anything is sent again.

use crate::helpers::{Db, TestApp};
use revos_domain::TenantId;
use revos_providers::HttpConfig;
use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_providers::unipile::Unipile;
use serde_json::json;
use sqlx::Connection;
use std::process::Child;
use std::time::{Duration, Instant};
use uuid::Uuid;

const LEADS: usize = 16;
const POST: &str = "7400000000000000300";

fn worker(db_url: &str, unipile: &str, dir: &std::path::Path, id: &str, key: &str) -> Child {
    let envs = [
        ("REVOS_UNIPILE_URL", unipile),
        ("REVOS_UNIPILE_API_KEY", "unipile-key"),
    ];
    crate::helpers::revos_worker(db_url, dir, id, key, &envs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_mid_send_lose_no_dm_and_send_none_twice() {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        Db::Postgres,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(fake.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            ..Default::default()
        },
    )
    .await;
    fake.state.add_account("acc1", "Dana");
    fake.state.add_post(POST, "Comment GUIDE");
    for i in 0..LEADS {
        let id = format!("ACoK{i}");
        fake.state
            .add_comment(POST, &id, &format!("Kim{i} Lee"), "GUIDE", true);
        fake.state.connect("acc1", &id);
    }
    let (token, tenant, _) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    // An account allowed to send a DM every second or so, to keep the test short.
    let account = crate::helpers::unipile_account(&t, &token, (0, 1), 1000).await;
    let body = json!({
        "name": "Launch", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}"
    });
    let (_, c) = t.post("/api/v1/campaigns", Some(&token), body).await;
    let campaign: Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    // The monitor queues every lead's DM; then workers send them, and die.
    let unipile = Unipile::new(HttpConfig::new(&fake.base_url, "k".to_owned().into()));
    let report = t
        .app
        .monitor_campaign(tenant, campaign, &unipile)
        .await
        .unwrap();
    assert_eq!(report.new_leads, LEADS as u64);
    // Every other request hangs for a while after taking effect: sends are delivered and
    // then the worker is killed before it can record them.
    fake.state.inject((0..200).map(|i| {
        if i % 2 == 0 {
            Fault::StallAfterEffect(1_500)
        } else {
            Fault::Stall(0)
        }
    }));

    let dir = tempfile::tempdir().unwrap();
    let mut conn = sqlx::PgConnection::connect(&t.db.url).await.unwrap();
    let mut seed = 11u64;
    let mut kills = 0;
    for round in 0..6 {
        let mut victim = worker(
            &t.db.url,
            &fake.base_url,
            dir.path(),
            &format!("victim-{round}"),
            &t.master_key,
        );
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        tokio::time::sleep(Duration::from_millis(1_200 + (seed >> 33) % 1_500)).await;
        victim.kill().expect("SIGKILL");
        victim.wait().unwrap();
        kills += 1;
    }
    let mid = sent_count(&mut conn).await;
    let mut last = worker(&t.db.url, &fake.base_url, dir.path(), "last", &t.master_key);
    // A worker killed during a send leaves its paced slot unfinished: the account then waits
    // out the provider timeout (20 s) before its next action, by design. The deadline guards
    // liveness on a loaded machine, not speed.
    let deadline = Instant::now() + Duration::from_secs(300);
    while sent_count(&mut conn).await < LEADS as i64 {
        assert!(Instant::now() < deadline, "not every DM went out");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    last.kill().unwrap();
    last.wait().unwrap();

    for i in 0..LEADS {
        assert_eq!(
            fake.state.sent_to(&format!("ACoK{i}")).len(),
            1,
            "ACoK{i} got exactly one DM"
        );
    }
    let rerun: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'linkedin.send_dm' AND attempts > 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    eprintln!("{kills} kills; {mid} DMs recorded before the last worker; {rerun} sends re-run");
    assert!(
        mid < LEADS as i64,
        "the killed workers finished everything; the test proved nothing"
    );
    assert!(
        rerun > 0,
        "no kill hit a send in flight; the test proved nothing"
    );
}

async fn sent_count(conn: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE channel = 'dm' AND direction = 'out' AND status = 'sent'",
    )
    .fetch_one(conn)
    .await
    .unwrap()
}
