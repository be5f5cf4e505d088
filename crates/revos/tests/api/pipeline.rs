//! The engagement pipeline end to end against fake Unipile, Apollo and Instantly servers:
//! comments become exactly the expected leads, each is enriched once and DMed once within
//! pacing, replies arrive by webhook (authenticated, deduplicated; email replies on the
//! workspace's own webhook URL) and by polling, and the
//! leads who did not reply are handed to the email sequence 48 hours after their DM.

use crate::campaign_fakes::activated_campaign;
use crate::helpers::{Db, TestApp};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use revos_domain::TenantId;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::fakes::email::FakeSequencer;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_store::leads;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

const SECRET: &str = "whsec-test-0123456789";
const POST: &str = "7400000000000000200";
/// The owner of `acc1`, as the fake's `GET /users/me` gives it.
const OWNER: &str = "ACoOwnerOfacc1";

/// The fakes and the app wired to them.
struct World {
    t: TestApp,
    unipile: revos_providers::fakes::unipile::Running,
    apollo: revos_providers::fakes::apollo::Running,
    instantly: revos_providers::fakes::email::Running,
    token: String,
    tenant: TenantId,
    campaign: Uuid,
}

async fn world(db: Db) -> World {
    let unipile = FakeUnipile::start().await;
    let apollo = FakeApollo::start().await;
    let instantly = FakeSequencer::start_instantly().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            apollo_url: apollo.base_url.clone(),
            apollo_key: Some("apollo-key".to_owned().into()),
            instantly_url: instantly.base_url.clone(),
            instantly_key: Some("instantly-key".to_owned().into()),
            webhook_secret: Some(SECRET.to_owned().into()),
            public_url: Some("https://revos.example".into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    unipile
        .state
        .add_post(POST, "Comment GUIDE and I'll send the playbook");
    let (token, tenant, _) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let account = unipile_account(&t, &token).await;
    let body = json!({
        "name": "Playbook", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
        "connect_reply_template": "Thanks {{ first_name }}! Let's connect and I'll send it.",
        "email_fallback": {"provider": "instantly", "campaign_id": "inst-1"}
    });
    let (campaign, _) = activated_campaign(&t, &token, body).await;
    World {
        t,
        unipile,
        apollo,
        instantly,
        token,
        tenant,
        campaign,
    }
}

/// The Unipile account `acc1`, connected through the API, that may send around the clock (50
/// an hour, 2 to 15 minutes apart); its owner, [`OWNER`], comes from the fake's `GET
/// /users/me`.
async fn unipile_account(t: &TestApp, token: &str) -> Uuid {
    assert_eq!(FakeUnipile::owner_id("acc1"), OWNER);
    let id = crate::helpers::unipile_account(t, token, (120, 900), 50).await;
    let (_, account) = t
        .get(&format!("/api/v1/linkedin-accounts/{id}"), token)
        .await;
    assert_eq!(account["owner_provider_id"], OWNER, "{account}");
    assert_eq!(account["blocked_reason"], Value::Null, "{account}");
    id
}

fn person(i: usize) -> String {
    format!("ACoP{i}")
}

/// The Unipile `message_received` delivery for `sender` writing `text` in `chat`.
fn message_received(chat: &str, message: &str, sender: &str, text: &str) -> Value {
    crate::world::message_received(chat, message, (sender, "Someone"), text)
}

async fn webhook(t: &TestApp, path: &str, secret: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut req = t
        .http
        .post(format!("{}{path}", t.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = secret {
        req = req.header("Unipile-Auth", s);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Stage of each lead of the campaign, by provider id.
async fn stages(w: &World) -> HashMap<String, (Uuid, String, bool)> {
    let mut tx = w.t.store.begin_for(w.tenant).await.unwrap();
    leads::of_campaign(&mut tx, w.tenant, w.campaign)
        .await
        .unwrap()
        .into_iter()
        .map(|(l, s)| (l.provider_id, (l.id, s.to_string(), l.do_not_contact)))
        .collect()
}

/// Every job kind with the production schedules, except that comments are polled every
/// five minutes instead of every 30 s: days of simulated time stay quick to run.
fn runner(w: &World) -> revos_jobs::Runner<revos_app::App> {
    let crons = revos_workers::crons()
        .into_iter()
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
        revos_workers::registry(&w.t.app),
        w.t.app.clone(),
        w.t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        crons,
    )
}

crate::both_backends!(two_hundred_comments_make_exactly_the_expected_leads_dms_and_sequences);

async fn two_hundred_comments_make_exactly_the_expected_leads_dms_and_sequences(db: Db) {
    let w = world(db).await;
    let start = w.t.app.now();

    // Three people asked never to be contacted.
    for i in 0..3 {
        let (status, body) =
            w.t.post(
                "/api/v1/do-not-contact",
                Some(&w.token),
                json!({"provider_id": format!("ACoDnc{i}")}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // 200 comments, 60 with the trigger word: 50 people once, 4 of them again, the account
    // owner 3 times, and 3 people on the do-not-contact list. 140 comments without it.
    let variants = [
        "GUIDE please",
        "guide!",
        "GUDE pls 🙏",
        "Would love the Guide",
    ];
    let mut comments: Vec<(String, String)> = Vec::new();
    for i in 0..50 {
        comments.push((person(i), variants[i % 4].to_owned()));
    }
    for i in 0..4 {
        comments.push((person(i), "GUIDE again, thanks".into()));
    }
    for _ in 0..3 {
        comments.push((OWNER.into(), "GUIDE sent to everyone!".into()));
    }
    for i in 0..3 {
        comments.push((format!("ACoDnc{i}"), "GUIDE".into()));
    }
    let chatter = [
        "Great post!",
        "Great guidance here",
        "So true",
        "Leadership matters",
    ];
    for j in 0..140 {
        let who = if j < 10 {
            person(40 + j)
        } else {
            format!("ACoN{j}")
        };
        comments.push((who, chatter[j % 4].into()));
    }
    assert_eq!(comments.len(), 200);
    // A fixed interleaving, so repeats and chatter arrive between first comments.
    let mut order: Vec<usize> = (0..200).collect();
    order.sort_by_key(|i| (i * 7919) % 211);
    for i in order {
        let (who, text) = &comments[i];
        w.unipile
            .state
            .add_comment(POST, who, &format!("Pat{} Doe", &who[3..]), text, true);
        w.unipile.state.connect("acc1", who);
    }
    // Apollo knows 30 of the 50.
    for i in 0..30 {
        w.apollo.state.add_person(
            &format!("https://www.linkedin.com/in/{}", person(i)),
            &format!("p{i}@acme{i}.io"),
            "Founder",
            &format!("Acme {i}"),
        );
    }

    // Twelve simulated hours: the monitor, enrichment and the paced DMs.
    let runner = runner(&w);
    runner
        .run_simulated_until(&w.t.clock, start + Duration::hours(12))
        .await
        .unwrap();

    let st = stages(&w).await;
    let expected: BTreeSet<String> = (0..50).map(person).collect();
    assert_eq!(st.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        w.apollo.state.requests().len(),
        50,
        "one enrichment call per lead"
    );
    // With a public URL each DM carries the lead's own tracked link to the magnet.
    let mut links = BTreeSet::new();
    for i in 0..50 {
        let sent = w.unipile.state.sent_to(&person(i));
        assert_eq!(sent.len(), 1, "one DM to {}: {sent:?}", person(i));
        let prefix = format!(
            "Hi Pat{}! Here is The Playbook: https://revos.example/m/",
            &person(i)[3..]
        );
        let token = sent[0]
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{sent:?}"));
        assert!(revos_domain::magnet_link::is_token(token), "{token}");
        links.insert(token.to_owned());
    }
    assert_eq!(links.len(), 50, "one link per lead");
    let sends = w
        .unipile
        .state
        .requests()
        .iter()
        .filter(|(m, p)| m == "POST" && p == "/chats")
        .count();
    assert_eq!(sends, 50, "one send call per lead");
    for who in [OWNER, "ACoDnc0", "ACoN11"] {
        assert!(w.unipile.state.sent_to(who).is_empty(), "{who} got a DM");
    }
    let sent = {
        let mut tx = w.t.store.begin_for(w.tenant).await.unwrap();
        revos_store::messages::sent_times(&mut tx, w.tenant, w.campaign)
            .await
            .unwrap()
    };
    assert_eq!(sent.len(), 50);
    crate::helpers::assert_paced(&sent.iter().map(|(_, t)| *t).collect::<Vec<_>>());

    // Twelve leads answer by webhook: one asks to stop, one Apollo did not know writes an
    // email address.
    for i in (0..11).chain([30]) {
        let text = match i {
            10 => "Not interested, please stop. (p10-private@home.io)",
            30 => "Thanks! Write me at P30@Mail.io",
            _ => "Thanks, got it!",
        };
        let (chat, message) = w.unipile.state.reply_from(&person(i), text).unwrap();
        let body = message_received(&chat, &message, &person(i), text).to_string();
        let (status, report) = webhook(&w.t, "/api/v1/webhooks/unipile", Some(SECRET), &body).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["recorded"], 1);
        if i == 0 {
            // Unipile retries deliveries: the same message again changes nothing.
            let (status, again) =
                webhook(&w.t, "/api/v1/webhooks/unipile", Some(SECRET), &body).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                (again["recorded"].clone(), again["ignored"].clone()),
                (json!(0), json!(1))
            );
        }
    }
    // Our own message (sent from another device) is not a reply.
    let own = message_received("chat-x", "own-1", OWNER, "Following up!").to_string();
    let (_, report) = webhook(&w.t, "/api/v1/webhooks/unipile", Some(SECRET), &own).await;
    assert_eq!(
        (report["recorded"].clone(), report["ignored"].clone()),
        (json!(0), json!(1))
    );

    // Two more days: the 48-hour email fallback for those who did not answer.
    runner
        .run_simulated_until(&w.t.clock, start + Duration::hours(12 + 50))
        .await
        .unwrap();

    let st = stages(&w).await;
    for i in 0..10 {
        assert_eq!(st[&person(i)].1, "replied", "{}", person(i));
    }
    assert_eq!(st[&person(10)].1, "opted_out");
    assert!(
        st[&person(10)].2,
        "an opt-out puts the person on the do-not-contact list"
    );
    for i in 11..30 {
        assert_eq!(st[&person(i)].1, "email_sequenced", "{}", person(i));
    }
    assert_eq!(st[&person(30)].1, "replied");
    for i in 31..50 {
        assert_eq!(
            st[&person(i)].1,
            "dm_sent",
            "no email known for {}",
            person(i)
        );
    }
    let sequenced: BTreeSet<String> = w
        .instantly
        .state
        .leads("inst-1")
        .iter()
        .map(|l| l["email"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = (11..30).map(|i| format!("p{i}@acme{i}.io")).collect();
    assert_eq!(sequenced, expected, "repliers are never sequenced");
    let enrolled = w.instantly.state.leads("inst-1");
    let p11 = enrolled
        .iter()
        .find(|l| l["email"] == "p11@acme11.io")
        .unwrap();
    assert_eq!(p11["first_name"], "PatP11");
    assert_eq!(p11["custom_variables"]["lead_magnet"], "The Playbook");

    // Each sequence started at least 48 hours after its DM; replies were counted once though
    // the poller read them too.
    // Two simulated days outlived the session: log in again.
    let (status, login) =
        w.t.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "dana@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let token = login["token"].as_str().unwrap().to_owned();
    for i in [11, 20, 29] {
        let id = st[&person(i)].0;
        let (status, detail) = w.t.get(&format!("/api/v1/leads/{id}"), &token).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let at = |kind: &str| -> DateTime<Utc> {
            let e = detail["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["kind"] == kind)
                .unwrap_or_else(|| panic!("no {kind} in {detail}"));
            e["at"].as_str().unwrap().parse().unwrap()
        };
        assert!(at("email_sequenced") - at("dm_sent") >= Duration::hours(48));
    }
    let (_, funnel) =
        w.t.get(&format!("/api/v1/campaigns/{}/funnel", w.campaign), &token)
            .await;
    assert_eq!(funnel["scraped"], 50, "{funnel}");
    assert_eq!(funnel["enriched"], 50);
    assert_eq!(funnel["dm_sent"], 50);
    assert_eq!(funnel["email_sequenced"], 19);
    let cost = funnel["cost_usd"].as_f64().unwrap();
    assert!(
        (cost - 30.0 * revos_domain::costs::APOLLO_MATCH_USD).abs() < 1e-6,
        "{funnel}"
    );
    let mut tx = w.t.store.begin_for(w.tenant).await.unwrap();
    let email_of = |l: Option<leads::LeadRow>| l.unwrap().email;
    let p30 = leads::get(&mut tx, w.tenant, st[&person(30)].0)
        .await
        .unwrap();
    assert_eq!(
        email_of(p30).as_deref(),
        Some("p30@mail.io"),
        "the email in the reply is kept"
    );
    let p10 = leads::get(&mut tx, w.tenant, st[&person(10)].0)
        .await
        .unwrap();
    assert_eq!(
        email_of(p10).as_deref(),
        Some("p10@acme10.io"),
        "a known email is not replaced"
    );
    // The funnel rollup equals the per-lead count (the workers still hold the database).
    let compared = revos_test_support::funnel_check::assert_rollup_matches(&w.t.db).await;
    assert!(compared > 0, "campaigns were compared");
}

crate::both_backends!(webhooks_need_the_secret_and_a_well_formed_body);

async fn webhooks_need_the_secret_and_a_well_formed_body(db: Db) {
    let w = world(db).await;
    w.unipile
        .state
        .add_comment(POST, "ACoA", "Ana Lopez", "GUIDE", true);
    w.unipile.state.connect("acc1", "ACoA");
    let runner = runner(&w);
    let start = w.t.app.now();
    runner
        .run_simulated_until(&w.t.clock, start + Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(stages(&w).await["ACoA"].1, "dm_sent");
    let (chat, message) = w.unipile.state.reply_from("ACoA", "stop").unwrap();
    let body = message_received(&chat, &message, "ACoA", "stop").to_string();

    for secret in [None, Some("wrong"), Some("whsec-test-012345678")] {
        let (status, err) = webhook(&w.t, "/api/v1/webhooks/unipile", secret, &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{secret:?}");
        assert_eq!(err["error"]["code"], "unauthorized");
    }
    for (bad, field) in [
        ("{not json", "body"),
        (r#"{"event":"message_received","account_id":"acc1"}"#, "."),
        (r#"{"hello":"world"}"#, "event"),
        (
            r#"{"AccountStatus":{"account_id":7}}"#,
            "AccountStatus.account_id",
        ),
        // PostgreSQL refuses NUL in text: it answered 500 before the body was checked for it.
        (
            r#"{"AccountStatus":{"account_id":"acc\u0000","message":"OK"}}"#,
            "AccountStatus.account_id",
        ),
    ] {
        let (status, err) = webhook(&w.t, "/api/v1/webhooks/unipile", Some(SECRET), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(err["error"]["details"][0]["field"], field, "{err}");
    }
    for (path, payload) in [
        ("/api/v1/webhooks/instantly", json!({"event_type": "reply_received", "campaign_id": "inst-1",
            "lead_email": "ana@x.io", "timestamp": "t", "reply_text": "stop"}).to_string()),
        ("/api/v1/webhooks/smartlead", json!({"event_type": "EMAIL_REPLY", "campaign_id": 1,
            "sl_lead_email": "ana@x.io", "secret_key": "nope", "reply_message": {"message_id": "m", "text": "stop"}}).to_string()),
    ] {
        // The instance-secret email routes are retired: always 410, whatever the secret.
        for secret in [Some("wrong"), Some(SECRET)] {
            let (status, err) = webhook(&w.t, path, secret, &payload).await;
            assert_eq!(status, StatusCode::GONE, "{path}");
            assert!(err["error"]["message"].as_str().unwrap().contains("/api/v1/webhooks"));
        }
    }
    // None of that changed anything.
    let st = stages(&w).await;
    assert_eq!(st["ACoA"].1, "dm_sent");
    assert!(!st["ACoA"].2, "not on the do-not-contact list");

    let (status, report) = webhook(&w.t, "/api/v1/webhooks/unipile", Some(SECRET), &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["recorded"], 1);
    let st = stages(&w).await;
    assert_eq!(st["ACoA"].1, "opted_out");
    assert!(st["ACoA"].2);

    // Account status: a credentials problem means the account needs reconnecting.
    let status_body = json!({"AccountStatus": {"account_id": "acc1", "account_type": "LINKEDIN", "message": "CREDENTIALS"}});
    let (status, _) = webhook(
        &w.t,
        "/api/v1/webhooks/unipile",
        Some(SECRET),
        &status_body.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, accounts) = w.t.get("/api/v1/linkedin-accounts", &w.token).await;
    assert_eq!(accounts["items"][0]["status"], "needs_reconnect");
}

crate::both_backends!(email_replies_and_connections_arrive_by_webhook);

async fn email_replies_and_connections_arrive_by_webhook(db: Db) {
    let w = world(db).await;
    // The workspace's own Instantly URL (read now: the session ends before the reply comes).
    let (status, hooks) = w.t.get("/api/v1/webhooks", &w.token).await;
    assert_eq!(status, StatusCode::OK, "{hooks}");
    let instantly_hook = hooks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["provider"] == "instantly")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .strip_prefix("https://revos.example")
        .unwrap()
        .to_owned();
    // Bea is connected and known to Apollo; Cem is not connected yet.
    w.unipile
        .state
        .add_comment(POST, "ACoBea", "Bea Novak", "GUIDE", true);
    w.unipile.state.connect("acc1", "ACoBea");
    w.unipile
        .state
        .add_comment(POST, "ACoCem", "Cem Yilmaz", "guide please", false);
    w.apollo.state.add_person(
        "https://www.linkedin.com/in/ACoBea",
        "bea@novak.io",
        "CEO",
        "Novak",
    );
    let runner = runner(&w);
    let start = w.t.app.now();
    runner
        .run_simulated_until(&w.t.clock, start + Duration::hours(49))
        .await
        .unwrap();
    let st = stages(&w).await;
    assert_eq!(st["ACoBea"].1, "email_sequenced");
    assert_eq!(st["ACoCem"].1, "awaiting_connection");
    let replies = w.unipile.state.replies();
    assert_eq!(
        replies.len(),
        1,
        "one public reply inviting Cem: {replies:?}"
    );
    assert_eq!(replies[0].2, "Thanks Cem! Let's connect and I'll send it.");
    assert!(w.unipile.state.sent_to("ACoCem").is_empty());

    // Bea answers the email; Instantly tells us.
    let reply = json!({"timestamp": "2026-11-27T10:00:00.000Z", "event_type": "reply_received",
        "campaign_id": "inst-1", "lead_email": "Bea@Novak.io", "reply_text": "Sounds good, call me"});
    let (status, report) = webhook(&w.t, &instantly_hook, None, &reply.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["recorded"], 1);
    assert_eq!(stages(&w).await["ACoBea"].1, "email_replied");

    // Cem accepts the connection; Unipile's new_relation webhook queues the DM at once.
    w.unipile.state.connect("acc1", "ACoCem");
    w.unipile
        .state
        .add_comment(POST, "ACoCem", "Cem Yilmaz", "thanks", true);
    let relation = json!({"event": "new_relation", "account_id": "acc1", "account_type": "LINKEDIN",
        "webhook_name": "", "user_full_name": "Cem Yilmaz", "user_provider_id": "ACoCem",
        "user_public_identifier": "cem", "user_profile_url": "https://www.linkedin.com/in/cem"});
    let (status, _) = webhook(
        &w.t,
        "/api/v1/webhooks/unipile",
        Some(SECRET),
        &relation.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stages(&w).await["ACoCem"].1, "dm_queued");
    let now = w.t.app.now();
    runner
        .run_simulated_until(&w.t.clock, now + Duration::minutes(20))
        .await
        .unwrap();
    assert_eq!(w.unipile.state.sent_to("ACoCem").len(), 1);
    assert_eq!(
        w.unipile.state.replies().len(),
        1,
        "the public reply is never repeated"
    );
    // The funnel rollup (and the migration's backfill) equal the per-lead count.
    let compared = revos_test_support::funnel_check::assert_funnels_match(&w.t.db).await;
    assert!(compared > 0, "campaigns were compared");
}

crate::both_backends!(unipile_accounts_connect_by_their_account_id);

async fn unipile_accounts_connect_by_their_account_id(db: Db) {
    let w = world(db).await;
    w.unipile.state.add_account("acc9", "Eve Martin");
    let (status, acct) =
        w.t.post(
            "/api/v1/linkedin-accounts",
            Some(&w.token),
            json!({"provider": "unipile", "account_id": "acc9"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    assert_eq!(acct["display_name"], "Eve Martin");
    assert_eq!(acct["status"], "ok");
    assert_eq!(acct["sandbox"], false);
    assert!(
        w.unipile
            .state
            .requests()
            .iter()
            .any(|(m, p)| m == "GET" && p == "/accounts/acc9"),
        "Unipile was asked about the account"
    );
    for (body, field, code) in [
        (
            json!({"provider": "unipile", "account_id": "nope"}),
            "account_id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"provider": "unipile"}),
            "account_id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"provider": "linkedin", "display_name": "x"}),
            "provider",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"provider": "sandbox"}),
            "display_name",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, err) =
            w.t.post("/api/v1/linkedin-accounts", Some(&w.token), body.clone())
                .await;
        assert_eq!(status, code, "{body} {err}");
        assert_eq!(err["error"]["details"][0]["field"], field, "{err}");
    }
    let (status, again) =
        w.t.post(
            "/api/v1/linkedin-accounts",
            Some(&w.token),
            json!({"provider": "unipile", "account_id": "acc9"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "connecting again is idempotent: {again}"
    );
    assert_eq!(again["id"], acct["id"]);
    let (_, accounts) = w.t.get("/api/v1/linkedin-accounts", &w.token).await;
    let acc9 = accounts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["provider_account_id"] == "acc9")
        .count();
    assert_eq!(acc9, 1);
}

crate::both_backends!(hosted_auth_links_connect_an_account_once);

async fn hosted_auth_links_connect_an_account_once(db: Db) {
    let w = world(db).await;
    let (status, link) =
        w.t.post(
            "/api/v1/linkedin-accounts/hosted-link",
            Some(&w.token),
            json!({"display_name": "Sales team"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap();
    let name = url.split("name=").nth(1).unwrap().to_owned();
    assert!(name.starts_with("rvu_"), "{url}");
    w.unipile.state.add_account("acc7", "Fay Lin");
    let notice = |name: &str| {
        json!({"status": "CREATION_SUCCESS", "account_id": "acc7", "name": name}).to_string()
    };
    let path = "/api/v1/webhooks/unipile/hosted";
    let (status, _) = webhook(&w.t, path, None, &notice("rvu_made-up")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, err) = webhook(&w.t, path, None, r#"{"status":"CREATION_SUCCESS"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let (status, report) = webhook(&w.t, path, None, &notice(&name)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert!(report["linkedin_account_id"].is_string());
    let (status, _) = webhook(&w.t, path, None, &notice(&name)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a link is used once");
    let (_, accounts) = w.t.get("/api/v1/linkedin-accounts", &w.token).await;
    let connected: Vec<_> = accounts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["provider_account_id"] == "acc7")
        .collect();
    assert_eq!(connected.len(), 1, "{accounts}");
    assert_eq!(connected[0]["display_name"], "Sales team");
}
