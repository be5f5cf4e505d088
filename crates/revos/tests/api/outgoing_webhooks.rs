//! Outgoing webhooks end to end (issue 19, item 3): a workspace's endpoint receives the
//! pipeline's events (leads found on the fake Unipile, enriched by the fake Apollo, DMed)
//! from the delivery outbox, signed in the Standard Webhooks scheme, which a receiver here
//! (an axum server) verifies with its own implementation of the scheme written from the
//! specification (HMAC-SHA256 built from SHA-256, not our signer). A receiver down for ten
//! simulated minutes gets every event once it is back, in order per lead; deliveries are
//! logged per attempt and can be redelivered; an endpoint failing for a day is turned off and
//! the workspace notified; private addresses are refused; another workspace sees none of it.

use crate::campaign_fakes::activated_campaign;
use crate::helpers::{Db, TestApp};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use reqwest::StatusCode;
use revos_app::providers::{OutboundPolicy, PrivateUrls};
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

crate::both_backends!(
    deliveries_are_signed_retried_in_order_per_lead_and_redeliverable,
    an_endpoint_failing_for_a_day_is_turned_off_and_the_workspace_told,
    private_addresses_are_refused_and_another_workspace_sees_nothing,
    the_settings_section_adds_rotates_turns_off_and_deletes_an_endpoint,
    ended_deliveries_are_pruned_with_their_attempts_after_the_retention,
);

const POST: &str = "7400000000000000190";

// ---------------------------------------------------------------------------------------
// The reference implementation of the Standard Webhooks signature, from the specification:
// the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, the key is the base64
// after `whsec_`, the signature HMAC-SHA256 (RFC 2104) in base64, sent as `v1,<sig>` in a
// space-separated list.

/// HMAC-SHA256 as RFC 2104 defines it: H((K ^ opad) || H((K ^ ipad) || m)), 64-byte blocks.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// Whether `signatures` (the `webhook-signature` header) holds a valid `v1` signature of
/// `body` with `id` and `timestamp` under `secret`.
fn verifies(secret: &str, id: &str, timestamp: &str, body: &str, signatures: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("base64 key");
    let expected = STANDARD.encode(hmac_sha256(
        &key,
        format!("{id}.{timestamp}.{body}").as_bytes(),
    ));
    signatures
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|sig| sig == expected)
}

#[test]
fn the_reference_verifier_accepts_the_specifications_example() {
    let body = r#"{"test": 2432232314}"#;
    let sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(verifies(
        secret,
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265330",
        body,
        sig
    ));
    assert!(!verifies(
        secret,
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265331",
        body,
        sig
    ));
}

// ---------------------------------------------------------------------------------------
// The receiver: records every request and answers with the status it is set to.

/// One request the receiver got, and what it answered.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    content_type: String,
    body: String,
    answered: u16,
}

#[derive(Clone)]
struct Receiver {
    url: String,
    log: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
}

impl Receiver {
    async fn start() -> Self {
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answer = Arc::new(AtomicU16::new(200));
        let state = (log.clone(), answer.clone());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, log, answer }
    }

    fn answer(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    fn all(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// The requests it accepted (2xx), in arrival order.
    fn accepted(&self) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| r.answered == 200)
            .collect()
    }
}

type ReceiverState = (Arc<Mutex<Vec<Received>>>, Arc<AtomicU16>);

async fn receive(
    axum::extract::State((log, answer)): axum::extract::State<ReceiverState>,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::http::StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let status = answer.load(Ordering::SeqCst);
    log.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body,
        answered: status,
    });
    axum::http::StatusCode::from_u16(status).unwrap()
}

// ---------------------------------------------------------------------------------------
// The world.

/// Workspace URLs may reach 127.0.0.1 (where the receiver listens), nothing else internal.
fn loopback_only() -> OutboundPolicy {
    OutboundPolicy::new(PrivateUrls::Networks(vec!["127.0.0.1/32".parse().unwrap()]))
}

struct World {
    t: TestApp,
    unipile: revos_providers::fakes::unipile::Running,
    _apollo: revos_providers::fakes::apollo::Running,
    token: String,
}

/// Dana's workspace "Acme" with the Unipile account `acc1` and an active campaign watching
/// [`POST`].
async fn campaign_world(db: Db) -> World {
    let unipile = FakeUnipile::start().await;
    let apollo = FakeApollo::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            apollo_url: apollo.base_url.clone(),
            apollo_key: Some("apollo-key".to_owned().into()),
            timeout: std::time::Duration::from_millis(500),
            outbound: loopback_only(),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    unipile
        .state
        .add_post(POST, "Comment GUIDE for the playbook");
    let (token, _, _) = t.signup("dana@example.com", "Acme").await;
    let account = crate::helpers::unipile_account(&t, &token, (120, 900), 50).await;
    let body = json!({
        "name": "Playbook", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    activated_campaign(&t, &token, body).await;
    World {
        t,
        unipile,
        _apollo: apollo,
        token,
    }
}

/// Every job kind; the schedules `keep` names (the comment poll every five minutes).
fn runner(t: &TestApp, keep: &[&str]) -> revos_jobs::Runner<revos_app::App> {
    let crons = revos_workers::crons()
        .into_iter()
        .filter(|c| keep.contains(&c.name))
        .map(|c| {
            if c.name == "poll-comments" {
                revos_jobs::Cron::every(
                    "poll-comments",
                    std::time::Duration::from_secs(300),
                    revos_app::outreach::monitor::PollCampaigns,
                )
            } else {
                c
            }
        })
        .collect();
    revos_jobs::Runner::new(
        revos_workers::registry(&t.app),
        t.app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        crons,
    )
}

async fn run_for(t: &TestApp, keep: &[&str], minutes: i64) {
    let until = t.app.now() + Duration::minutes(minutes);
    runner(t, keep)
        .run_simulated_until(&t.clock, until)
        .await
        .unwrap();
}

const ALL_CRONS: &[&str] = &[
    "housekeeping",
    "poll-comments",
    "poll-replies",
    "poll-connections",
    "probe-owners",
    "post-metrics",
    "webhook-sweep",
];

async fn create_endpoint(t: &TestApp, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let (status, created) = t
        .post(
            "/api/v1/webhook-endpoints",
            Some(token),
            json!({"url": url, "description": "CRM", "events": events}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        secret,
    )
}

/// A page of the web app as the holder of the session `token` sees it.
async fn page(t: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let resp = t
        .http
        .get(format!("{}{path}", t.base))
        .header("cookie", format!("revos_session={token}"))
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

async fn deliveries(t: &TestApp, token: &str, endpoint: &str) -> Vec<Value> {
    let (status, list) = t
        .get(
            &format!("/api/v1/webhook-endpoints/{endpoint}/deliveries?limit=200"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"].as_array().unwrap().clone()
}

// ---------------------------------------------------------------------------------------

const SUBSCRIBED: [&str; 4] = ["lead_scraped", "lead_enriched", "dm_queued", "dm_sent"];

/// A fresh session of Dana's (hers expire while simulated days pass).
async fn log_in_again(t: &TestApp) -> String {
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "dana@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    login["token"].as_str().unwrap().to_owned()
}

async fn ended_deliveries_are_pruned_with_their_attempts_after_the_retention(db: Db) {
    let w = campaign_world(db).await;
    let t = &w.t;
    let receiver = Receiver::start().await;
    let (endpoint, _) = create_endpoint(t, &w.token, &receiver.url, &["lead_scraped"]).await;
    let crons = ["poll-comments", "webhook-sweep", "housekeeping"];
    w.unipile
        .state
        .add_comment(POST, "ACoOld", "Old Doe", "GUIDE", true);
    run_for(t, &crons, 10).await;
    let old = deliveries(t, &w.token, &endpoint).await;
    assert_eq!(old.len(), 1, "{old:?}");
    assert_eq!(old[0]["state"], "delivered", "{old:?}");
    assert_eq!(old[0]["attempts"].as_array().unwrap().len(), 1);
    let old_id = old[0]["id"].as_str().unwrap().to_owned();

    // Housekeeping keeps it while it is within the retention.
    t.clock
        .advance(revos_app::maintenance::WEBHOOK_RETENTION - Duration::days(1));
    run_for(t, &crons, 10).await;
    // (Dana's session of a month ago has expired: she logs in again.)
    let token = log_in_again(t).await;
    assert_eq!(deliveries(t, &token, &endpoint).await.len(), 1);

    // Past the retention it goes, with its attempts; a new delivery stays.
    t.clock.advance(Duration::days(1));
    w.unipile
        .state
        .add_comment(POST, "ACoNew", "New Doe", "GUIDE", true);
    run_for(t, &crons, 10).await;
    let token = log_in_again(t).await;
    let log = deliveries(t, &token, &endpoint).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_ne!(log[0]["id"], old_id.as_str());
    assert_eq!(log[0]["state"], "delivered", "{log:?}");
    assert_eq!(receiver.accepted().len(), 2);
    let (status, body) = t
        .post(
            &format!("/api/v1/webhook-endpoints/{endpoint}/deliveries/{old_id}/redeliver"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

async fn deliveries_are_signed_retried_in_order_per_lead_and_redeliverable(db: Db) {
    let w = campaign_world(db).await;
    let t = &w.t;
    let receiver = Receiver::start().await;
    let (endpoint, secret) = create_endpoint(t, &w.token, &receiver.url, &SUBSCRIBED).await;
    let started = t.app.now().timestamp();

    // The receiver is down (503) for ten simulated minutes while three people comment.
    receiver.answer(503);
    for i in 0..3 {
        let who = format!("ACoN{i}");
        w.unipile
            .state
            .add_comment(POST, &who, &format!("Lead{i} Doe"), "GUIDE", true);
        w.unipile.state.connect("acc1", &who);
    }
    run_for(t, ALL_CRONS, 10).await;
    let refused = receiver.all();
    assert!(
        !refused.is_empty(),
        "deliveries were tried while it was down"
    );
    assert!(refused.iter().all(|r| r.answered == 503));
    let log = deliveries(t, &w.token, &endpoint).await;
    assert!(log.iter().any(|d| d["state"] == "pending"), "{log:?}");
    let failed_attempt = log
        .iter()
        .flat_map(|d| d["attempts"].as_array().unwrap())
        .next()
        .expect("an attempt is logged");
    assert_eq!(failed_attempt["status"], 503, "{failed_attempt}");
    assert!(failed_attempt["duration_ms"].as_i64().is_some());

    // Back up: within the hour every event arrives, each once, in order per lead.
    receiver.answer(200);
    run_for(t, ALL_CRONS, 60).await;
    let accepted = receiver.accepted();
    let log = deliveries(t, &w.token, &endpoint).await;
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|d| d["state"] == "delivered"),
        "every delivery went through: {log:?}"
    );
    assert_eq!(accepted.len(), log.len(), "each delivery accepted once");
    let mut ids: Vec<&str> = accepted.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), accepted.len(), "no webhook-id accepted twice");
    let finished = t.app.now().timestamp();
    let mut per_lead: std::collections::BTreeMap<String, Vec<(String, String)>> =
        Default::default();
    for r in &accepted {
        assert!(
            verifies(&secret, &r.id, &r.timestamp, &r.body, &r.signature),
            "signature of {r:?}"
        );
        assert_eq!(r.content_type, "application/json");
        let ts: i64 = r.timestamp.parse().unwrap();
        assert!((started..=finished).contains(&ts), "timestamp {ts}");
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert!(
            SUBSCRIBED.contains(&body["type"].as_str().unwrap()),
            "{body}"
        );
        assert!(
            log.iter()
                .any(|d| d["id"] == r.id.as_str() && d["payload"] == body)
        );
        let lead = body["data"]["lead_id"].as_str().unwrap().to_owned();
        per_lead.entry(lead).or_default().push((
            body["data"]["event_id"].as_str().unwrap().to_owned(),
            body["type"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(per_lead.len(), 3, "{per_lead:?}");
    for (lead, got) in &per_lead {
        // Every event of the lead's timeline, each once, in the log's order (event ids are
        // time-ordered), though the receiver saw none of them before it was back.
        let (status, detail) = t.get(&format!("/api/v1/leads/{lead}"), &w.token).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let timeline: Vec<String> = detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "event")
            .filter_map(|e| e["kind"].as_str())
            .filter(|k| SUBSCRIBED.contains(k))
            .map(str::to_owned)
            .collect();
        let mut kinds: Vec<String> = got.iter().map(|(_, k)| k.clone()).collect();
        let mut expected = timeline.clone();
        kinds.sort();
        expected.sort();
        assert_eq!(kinds, expected, "lead {lead}: {got:?} against {timeline:?}");
        assert!(kinds.contains(&"dm_sent".to_owned()), "{kinds:?}");
        let events: Vec<&String> = got.iter().map(|(e, _)| e).collect();
        assert!(
            events.windows(2).all(|p| p[0] < p[1]),
            "event order {events:?}"
        );
    }

    // Manual redelivery: the same body and webhook-id, signed afresh, logged as an attempt.
    let first = log.last().unwrap().clone();
    let id = first["id"].as_str().unwrap();
    let (status, redelivered) = t
        .post(
            &format!("/api/v1/webhook-endpoints/{endpoint}/deliveries/{id}/redeliver"),
            Some(&w.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{redelivered}");
    assert_eq!(redelivered["state"], "pending");
    t.clock.advance(Duration::seconds(5));
    run_for(t, &["webhook-sweep"], 1).await;
    let again: Vec<Received> = receiver
        .accepted()
        .into_iter()
        .filter(|r| r.id == id)
        .collect();
    assert_eq!(again.len(), 2, "{again:?}");
    assert_eq!(again[0].body, again[1].body);
    assert!(verifies(
        &secret,
        id,
        &again[1].timestamp,
        &again[1].body,
        &again[1].signature
    ));
    let log = deliveries(t, &w.token, &endpoint).await;
    let entry = log.iter().find(|d| d["id"] == id).unwrap();
    assert_eq!(entry["state"], "delivered");
    assert_eq!(
        entry["attempts"].as_array().unwrap().len(),
        first["attempts"].as_array().unwrap().len() + 1
    );

    // A rotated secret signs every later attempt; for a day the old one signs beside it
    // (both in the header), so a receiver switches without refusing anything; then it stops.
    let (status, rotated) = t
        .post(
            &format!("/api/v1/webhook-endpoints/{endpoint}/rotate-secret"),
            Some(&w.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let until: chrono::DateTime<chrono::Utc> = rotated["previous_secret_until"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(until - t.app.now(), Duration::hours(24), "{rotated}");
    let (_, listed) = t.get("/api/v1/webhook-endpoints", &w.token).await;
    let listed_until: chrono::DateTime<chrono::Utc> = listed["items"][0]["previous_secret_until"]
        .as_str()
        .unwrap_or_else(|| panic!("{listed}"))
        .parse()
        .unwrap();
    assert!(
        (listed_until - until).abs() < Duration::milliseconds(1),
        "{listed}"
    );
    let redeliver = || async {
        let before = receiver.accepted().len();
        let token = log_in_again(t).await;
        let (status, body) = t
            .post(
                &format!("/api/v1/webhook-endpoints/{endpoint}/deliveries/{id}/redeliver"),
                Some(&token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        run_for(t, &["webhook-sweep"], 1).await;
        let accepted = receiver.accepted();
        assert_eq!(accepted.len(), before + 1, "redelivered");
        accepted.into_iter().rfind(|r| r.id == id).unwrap()
    };
    let during = redeliver().await;
    for key in [new_secret, secret.as_str()] {
        assert!(
            verifies(key, id, &during.timestamp, &during.body, &during.signature),
            "{}",
            during.signature
        );
    }
    assert_eq!(
        during.signature.split(' ').count(),
        2,
        "{}",
        during.signature
    );
    t.clock.advance(Duration::hours(24) + Duration::seconds(1));
    let after = redeliver().await;
    assert!(verifies(
        new_secret,
        id,
        &after.timestamp,
        &after.body,
        &after.signature
    ));
    assert!(!verifies(
        &secret,
        id,
        &after.timestamp,
        &after.body,
        &after.signature
    ));
    // The secret is never shown again.
    let (status, listed) = t
        .get("/api/v1/webhook-endpoints", &log_in_again(t).await)
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert!(!listed.to_string().contains(new_secret), "{listed}");
}

async fn an_endpoint_failing_for_a_day_is_turned_off_and_the_workspace_told(db: Db) {
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            outbound: loopback_only(),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    let (token, _, _) = t.signup("dana@example.com", "Acme").await;
    let receiver = Receiver::start().await;
    receiver.answer(500);
    let (endpoint, secret) = create_endpoint(&t, &token, &receiver.url, &["opted_out"]).await;
    let (status, lead) = t
        .post(
            "/api/v1/do-not-contact",
            Some(&token),
            json!({"provider_id": "ACoQuit", "name": "Quinn Quit"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{lead}");

    // A day and an hour of failures: retried with backoff, then turned off, and told.
    run_for(&t, &["webhook-sweep"], 25 * 60).await;
    // (Dana's session expired meanwhile.)
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "dana@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let token = login["token"].as_str().unwrap().to_owned();
    let (_, ep) = t
        .get(&format!("/api/v1/webhook-endpoints/{endpoint}"), &token)
        .await;
    assert_eq!(ep["enabled"], false, "{ep}");
    assert_eq!(ep["disabled_reason"], "failing", "{ep}");
    let log = deliveries(&t, &token, &endpoint).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["state"], "failed");
    assert_eq!(log[0]["event_type"], "opted_out");
    let attempts = log[0]["attempts"].as_array().unwrap();
    assert!((10..=16).contains(&attempts.len()), "{attempts:?}");
    assert!(attempts.iter().all(|a| a["status"] == 500));
    assert_eq!(receiver.all().len(), attempts.len());
    let at = |i: usize| {
        chrono::DateTime::parse_from_rfc3339(attempts[i]["at"].as_str().unwrap()).unwrap()
    };
    let gaps: Vec<i64> = (1..attempts.len())
        .map(|i| (at(i) - at(i - 1)).num_seconds())
        .collect();
    assert!(
        gaps[1] > gaps[0] && gaps[2] > gaps[1],
        "backoff grows: {gaps:?}"
    );
    let span = (at(attempts.len() - 1) - at(0)).num_minutes();
    assert!(
        (23 * 60..=24 * 60).contains(&span),
        "the last attempt ends the day: {gaps:?}"
    );
    let (_, notes) = t.get("/api/v1/notifications", &token).await;
    let note = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "webhook_disabled")
        .unwrap_or_else(|| panic!("{notes}"));
    assert!(note["title"].as_str().unwrap().contains("CRM"), "{note}");

    // Off, it cannot be redelivered; on again, a redelivery reaches the mended receiver.
    let id = log[0]["id"].as_str().unwrap();
    let redeliver = format!("/api/v1/webhook-endpoints/{endpoint}/deliveries/{id}/redeliver");
    let (status, err) = t.post(&redeliver, Some(&token), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let (status, ep) = t
        .patch(
            &format!("/api/v1/webhook-endpoints/{endpoint}"),
            &token,
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ep}");
    assert_eq!(ep["disabled_reason"], Value::Null);
    receiver.answer(200);
    let (status, _) = t.post(&redeliver, Some(&token), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    run_for(&t, &["webhook-sweep"], 1).await;
    let ok = receiver.accepted();
    assert_eq!(ok.len(), 1);
    assert!(verifies(
        &secret,
        id,
        &ok[0].timestamp,
        &ok[0].body,
        &ok[0].signature
    ));
    let (_, ep) = t
        .get(&format!("/api/v1/webhook-endpoints/{endpoint}"), &token)
        .await;
    assert_eq!(ep["failing_since"], Value::Null, "{ep}");
}

async fn private_addresses_are_refused_and_another_workspace_sees_nothing(db: Db) {
    // With the default policy even loopback is refused; with loopback opened, the metadata
    // address and private networks still are.
    let closed = TestApp::spawn(db).await;
    let (token, _, _) = closed.signup("ops@example.com", "Closed").await;
    let (status, err) = closed
        .post(
            "/api/v1/webhook-endpoints",
            Some(&token),
            json!({"url": "http://127.0.0.1:9/hook", "events": ["dm_sent"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "url");
    drop(closed);

    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            outbound: loopback_only(),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    let (dana, dana_tenant, _) = t.signup("dana@example.com", "Acme").await;
    let (eve, _, _) = t.signup("eve@example.com", "Rival").await;
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://[::1]:8080/hook",
        "ftp://example.com/hook",
    ] {
        let (status, err) = t
            .post(
                "/api/v1/webhook-endpoints",
                Some(&dana),
                json!({"url": url, "events": ["dm_sent"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {err}");
        assert_eq!(err["error"]["details"][0]["field"], "url", "{err}");
    }
    let (status, err) = t
        .post(
            "/api/v1/webhook-endpoints",
            Some(&dana),
            json!({"url": "http://127.0.0.1:9/hook", "events": ["dm_sent", "gossip"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "events[1]");

    let receiver = Receiver::start().await;
    let (endpoint, _) = create_endpoint(&t, &dana, &receiver.url, &["opted_out"]).await;
    let (status, err) = t
        .patch(
            &format!("/api/v1/webhook-endpoints/{endpoint}"),
            &dana,
            json!({"url": "http://192.168.1.10/hook"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "url");

    // Eve's workspace sees none of Dana's, and its events never reach Dana's endpoint.
    let (_, list) = t.get("/api/v1/webhook-endpoints", &eve).await;
    assert_eq!(list["items"], json!([]), "{list}");
    let base = format!("/api/v1/webhook-endpoints/{endpoint}");
    assert_eq!(t.get(&base, &eve).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&format!("{base}/deliveries"), &eve).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.patch(&base, &eve, json!({"enabled": false})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post(&format!("{base}/rotate-secret"), Some(&eve), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = t
        .post(
            "/api/v1/do-not-contact",
            Some(&eve),
            json!({"provider_id": "ACoEve", "name": "Eve's Lead"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    run_for(&t, &["webhook-sweep"], 5).await;
    assert!(receiver.all().is_empty(), "{:?}", receiver.all());
    let (_, dana_log) = t.get(&format!("{base}/deliveries"), &dana).await;
    assert_eq!(dana_log["items"], json!([]));

    // Dana's own event arrives, naming her workspace; Eve cannot redeliver it or delete
    // the endpoint.
    t.post(
        "/api/v1/do-not-contact",
        Some(&dana),
        json!({"provider_id": "ACoQuit", "name": "Quinn Quit"}),
    )
    .await;
    run_for(&t, &["webhook-sweep"], 1).await;
    let got = receiver.accepted();
    assert_eq!(got.len(), 1, "{got:?}");
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "opted_out");
    assert_eq!(body["data"]["workspace_id"], dana_tenant.as_str());
    let delivery = &got[0].id;
    assert_eq!(
        t.post(
            &format!("{base}/deliveries/{delivery}/redeliver"),
            Some(&eve),
            json!({})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.delete(&base, &eve).await.0, StatusCode::NOT_FOUND);
    // The settings page shows the endpoint to Dana only; its delivery log page too.
    let (status, html) = page(&t, &dana, "/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Outgoing webhooks") && html.contains(&endpoint),
        "{html}"
    );
    let (_, html) = page(&t, &eve, "/settings").await;
    assert!(!html.contains(&endpoint), "{html}");
    let log_page = format!("/settings/webhook-endpoints/{endpoint}");
    let (status, html) = page(&t, &dana, &log_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("opted_out") && html.contains("Redeliver"),
        "{html}"
    );
    assert_eq!(page(&t, &eve, &log_page).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.delete(&base, &dana).await.0, StatusCode::NO_CONTENT);
}

async fn the_settings_section_adds_rotates_turns_off_and_deletes_an_endpoint(db: Db) {
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            outbound: loopback_only(),
            ..Default::default()
        },
    )
    .await;
    let ana = crate::ui_ops::Browser::signup(&t, "ana@example.com", "Acme").await;
    let receiver = Receiver::start().await;
    let csrf = ana.csrf().await;

    // A private address is refused beside the field, with what was typed kept.
    let (status, _, html) = ana
        .post(
            "/settings/webhook-endpoints",
            &[
                ("_csrf", &csrf),
                ("url", "http://10.0.0.1/hook"),
                ("event.dm_sent", "on"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="url-error""#), "{html}");

    // Added: the secret is shown once, the endpoint listed with the events ticked.
    let (status, _, html) = ana
        .post(
            "/settings/webhook-endpoints",
            &[
                ("_csrf", &csrf),
                ("url", &receiver.url),
                ("description", "Zapier"),
                ("event.dm_sent", "on"),
                ("event.dm_replied", "on"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("whsec_"), "{html}");
    let (_, list) = t.get("/api/v1/webhook-endpoints", ana.token()).await;
    let endpoint = list["items"][0].clone();
    assert_eq!(endpoint["description"], "Zapier", "{list}");
    assert_eq!(endpoint["events"], json!(["dm_sent", "dm_replied"]));
    let id = endpoint["id"].as_str().unwrap();

    // Turned off, then a new secret (shown once), then deleted.
    let (status, location, _) = ana
        .post(
            &format!("/settings/webhook-endpoints/{id}/toggle"),
            &[("_csrf", &csrf), ("enabled", "false")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("#outgoing-webhooks"), "{location}");
    let (_, ep) = t
        .get(&format!("/api/v1/webhook-endpoints/{id}"), ana.token())
        .await;
    assert_eq!(ep["enabled"], false, "{ep}");
    let (status, _, html) = ana
        .post(
            &format!("/settings/webhook-endpoints/{id}/rotate"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("whsec_"), "{html}");
    let (status, _, _) = ana
        .post(
            &format!("/settings/webhook-endpoints/{id}/delete"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = t.get("/api/v1/webhook-endpoints", ana.token()).await;
    assert_eq!(list["items"], json!([]), "{list}");
}
