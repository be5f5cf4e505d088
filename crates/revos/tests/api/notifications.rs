//! Notifications end to end against the fake Unipile and a fake Slack incoming webhook:
//! replies (Unipile's `message_received` webhook) and an account that needs reconnecting
//! (Unipile's account-status webhook) become notifications of their workspace only, read
//! state and preferences per member, and Slack gets ONE digest for a burst of 50 replies,
//! while a failing Slack endpoint never blocks or fails the pipeline.

use crate::campaign_fakes::activated_campaign;
use crate::helpers::{Db, TestApp};
use chrono::Duration;
use reqwest::StatusCode;
use revos_app::providers::{OutboundPolicy, PrivateUrls};
use revos_providers::fakes::Fault;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::fakes::slack::FakeSlack;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};

const SECRET: &str = "whsec-test-0123456789";
const POST: &str = "7400000000000000300";
const OWNER: &str = "ACoOwnerOfacc1";

struct World {
    t: TestApp,
    unipile: revos_providers::fakes::unipile::Running,
    _apollo: revos_providers::fakes::apollo::Running,
    token: String,
}

/// Dana's workspace "Acme" with the Unipile account `acc1` and an active campaign watching
/// [`POST`]; workspace URLs may reach 127.0.0.1 (where the fake Slack listens).
async fn world(db: Db) -> World {
    let unipile = FakeUnipile::start().await;
    let apollo = FakeApollo::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            apollo_url: apollo.base_url.clone(),
            apollo_key: Some("apollo-key".to_owned().into()),
            webhook_secret: Some(SECRET.to_owned().into()),
            public_url: Some("https://revos.example".into()),
            timeout: std::time::Duration::from_millis(500),
            outbound: OutboundPolicy::new(PrivateUrls::Networks(vec![
                "127.0.0.1/32".parse().unwrap(),
            ])),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    unipile
        .state
        .add_post(POST, "Comment GUIDE for the playbook");
    let (token, _, _) = t.signup("dana@example.com", "Acme").await;
    assert_eq!(FakeUnipile::owner_id("acc1"), OWNER);
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

/// Every job kind with the production schedules (comments polled every five minutes).
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

async fn run_for(w: &World, minutes: i64) {
    let until = w.t.app.now() + Duration::minutes(minutes);
    runner(w)
        .run_simulated_until(&w.t.clock, until)
        .await
        .unwrap();
}

fn person(i: usize) -> String {
    format!("ACoN{i}")
}

/// People `range` comment the trigger word (connected, so they become leads).
fn comments(w: &World, range: std::ops::Range<usize>) {
    for i in range {
        let who = person(i);
        w.unipile
            .state
            .add_comment(POST, &who, &format!("Lead{i} Doe"), "GUIDE", true);
        w.unipile.state.connect("acc1", &who);
    }
}

async fn webhook(w: &World, body: Value) -> (StatusCode, Value) {
    let resp =
        w.t.http
            .post(format!("{}/api/v1/webhooks/unipile", w.t.base))
            .header("content-type", "application/json")
            .header("Unipile-Auth", SECRET)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// `who` writes to the account; Unipile's `message_received` webhook tells us.
async fn reply(w: &World, who: &str, text: &str) -> Value {
    let (chat, message) = w.unipile.state.message_from(who, text);
    let body = crate::world::message_received(&chat, &message, (who, "Someone"), text);
    let (status, report) = webhook(w, body).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}

async fn notifications(w: &World, token: &str, query: &str) -> Value {
    let (status, list) =
        w.t.get(&format!("/api/v1/notifications{query}"), token)
            .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list
}

/// A page of the web app as the holder of the session `token` sees it.
async fn page(w: &World, token: &str, path: &str) -> String {
    let resp =
        w.t.http
            .get(format!("{}{path}", w.t.base))
            .header("cookie", format!("revos_session={token}"))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap()
}

async fn unread(w: &World, token: &str) -> i64 {
    let (status, body) = w.t.get("/api/v1/notifications/unread", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["unread"].as_i64().unwrap()
}

crate::both_backends!(
    replies_and_reconnects_notify_their_workspace_only,
    fifty_replies_are_one_slack_digest_and_a_failing_slack_never_blocks_the_pipeline
);

async fn replies_and_reconnects_notify_their_workspace_only(db: Db) {
    let w = world(db).await;
    let (eve, _, _) = w.t.signup("eve@example.com", "Rival").await;
    comments(&w, 0..1);
    run_for(&w, 6).await;
    assert_eq!(notifications(&w, &w.token, "").await["items"], json!([]));

    // Lead0 replies; a minute later the notifier has made it a notification.
    assert_eq!(reply(&w, &person(0), "Sounds great").await["recorded"], 1);
    run_for(&w, 1).await;
    let list = notifications(&w, &w.token, "").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["kind"], "reply");
    assert_eq!(items[0]["title"], "New reply from Lead0 Doe on LinkedIn");
    assert_eq!(items[0]["read"], false);
    assert!(items[0]["link"].as_str().unwrap().starts_with("/leads/"));
    let reply_id = items[0]["id"].as_str().unwrap().to_owned();

    // The account loses its session: Unipile's account-status webhook.
    let status = json!({"AccountStatus": {"account_id": "acc1", "account_type": "LINKEDIN", "message": "CREDENTIALS"}});
    assert_eq!(webhook(&w, status).await.0, StatusCode::OK);
    run_for(&w, 1).await;
    let list = notifications(&w, &w.token, "").await;
    assert_eq!(list["items"][0]["kind"], "account_attention", "{list}");
    assert_eq!(list["items"][0]["title"], "Dana needs reconnecting");
    assert_eq!(unread(&w, &w.token).await, 2);
    // The notification centre and the bell on every page.
    let html = page(&w, &w.token, "/notifications").await;
    assert!(
        html.contains("New reply from Lead0 Doe on LinkedIn"),
        "{html}"
    );
    assert!(html.contains(r#"id="bell-count">2<"#), "{html}");
    assert!(
        page(&w, &w.token, "/leads")
            .await
            .contains(r#"id="bell-count">2<"#)
    );

    // Keyset pages, newest first.
    let first = notifications(&w, &w.token, "?limit=1").await;
    assert_eq!(first["items"][0]["kind"], "account_attention");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = notifications(&w, &w.token, &format!("?limit=1&cursor={cursor}")).await;
    assert_eq!(second["items"][0]["id"], reply_id.as_str());
    assert_eq!(second["next_cursor"], Value::Null);

    // The other workspace sees none of it and cannot mark Dana's read.
    assert_eq!(notifications(&w, &eve, "").await["items"], json!([]));
    assert_eq!(unread(&w, &eve).await, 0);
    let html = page(&w, &eve, "/notifications").await;
    assert!(
        !html.contains("bell-count") && !html.contains("Lead0"),
        "{html}"
    );
    let (status, out) =
        w.t.post(
            "/api/v1/notifications/read",
            Some(&eve),
            json!({"ids": [reply_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["marked"], 0);
    assert_eq!(unread(&w, &w.token).await, 2);

    // Dana reads the reply, then everything.
    let (status, out) =
        w.t.post(
            "/api/v1/notifications/read",
            Some(&w.token),
            json!({"ids": [reply_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        (out["marked"].as_i64(), out["unread"].as_i64()),
        (Some(1), Some(1))
    );
    let list = notifications(&w, &w.token, "").await;
    assert_eq!(list["items"][1]["read"], true, "{list}");
    let (_, out) =
        w.t.post(
            "/api/v1/notifications/read",
            Some(&w.token),
            json!({"all": true}),
        )
        .await;
    assert_eq!(out["unread"], 0, "{out}");

    // The same lead writes again within the hour: the notification counts up and is unread
    // again, no second one.
    w.t.clock.advance(Duration::seconds(5));
    assert_eq!(reply(&w, &person(0), "Any news?").await["recorded"], 1);
    run_for(&w, 1).await;
    let list = notifications(&w, &w.token, "").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list["items"][1]["count"], 2, "{list}");
    assert_eq!(list["items"][1]["read"], false);
    assert_eq!(unread(&w, &w.token).await, 1);

    // Preferences: replies off in-app hides them; bad input names the field.
    let (status, prefs) = w.t.get("/api/v1/notifications/preferences", &w.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(prefs["items"].as_array().unwrap().len(), 7, "{prefs}");
    assert_eq!(
        prefs["items"][0],
        json!({"kind": "reply", "label": "A lead replied", "in_app": true, "slack": true})
    );
    assert_eq!(prefs["slack_configured"], false);
    let (status, prefs) =
        w.t.put(
            "/api/v1/notifications/preferences",
            &w.token,
            json!({"items": [{"kind": "reply", "in_app": false, "slack": true}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{prefs}");
    assert_eq!(prefs["items"][0]["in_app"], false);
    let list = notifications(&w, &w.token, "").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(unread(&w, &w.token).await, 0);
    let (status, err) =
        w.t.put(
            "/api/v1/notifications/preferences",
            &w.token,
            json!({"items": [{"kind": "gossip", "in_app": true, "slack": true}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "items[0].kind");
    let (status, err) =
        w.t.post("/api/v1/notifications/read", Some(&w.token), json!({}))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "ids");
}

async fn fifty_replies_are_one_slack_digest_and_a_failing_slack_never_blocks_the_pipeline(db: Db) {
    let w = world(db).await;
    let slack = FakeSlack::start().await;
    // The outbound guard refuses an internal address when the URL is saved.
    let (status, err) =
        w.t.put(
            "/api/v1/notifications/slack",
            &w.token,
            json!({"url": "http://169.254.169.254/services/T/B/X"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "url");
    let (status, saved) =
        w.t.put(
            "/api/v1/notifications/slack",
            &w.token,
            json!({"url": slack.webhook_url}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert!(!saved.to_string().contains("XXXXXXXXXXXXXXXX"), "{saved}");

    comments(&w, 0..55);
    run_for(&w, 6).await;
    // 50 replies within the same minute.
    for i in 0..50 {
        assert_eq!(reply(&w, &person(i), "Yes please").await["recorded"], 1);
    }
    run_for(&w, 5).await;
    let messages = slack.state.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["text"], "Acme: 50 new replies");
    assert_eq!(messages[0]["blocks"][0]["type"], "section");
    let list = notifications(&w, &w.token, "?limit=200").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 50);

    // Slack revokes the webhook (404 no_service): replies are still recorded and the
    // pipeline goes on; only the digest job fails, and nobody is told on Slack about it.
    slack.state.fail_always(Some(Fault::Status(404)));
    comments(&w, 55..58);
    for i in 50..53 {
        assert_eq!(reply(&w, &person(i), "Count me in").await["recorded"], 1);
    }
    run_for(&w, 60).await;
    assert!(slack.state.requests() > 1, "the digest was tried");
    assert_eq!(slack.state.messages().len(), 1);
    let (_, leads) = w.t.get("/api/v1/leads?limit=200", &w.token).await;
    assert_eq!(
        leads["items"].as_array().unwrap().len(),
        58,
        "the monitor kept finding leads while Slack failed"
    );
    let (_, dead) = w.t.get("/api/v1/jobs?state=dead", &w.token).await;
    for job in dead["items"].as_array().unwrap() {
        assert_eq!(
            job["kind"], "notify.slack",
            "only the digest failed: {dead}"
        );
    }
    let list = notifications(&w, &w.token, "?limit=200").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 53);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] == "reply"),
        "a dead digest job notifies nobody: {list}"
    );

    // Slack is back, after one 5xx the client retries: the next digest carries what waited.
    slack.state.fail_always(None);
    slack.state.inject([Fault::ServerError]);
    assert_eq!(reply(&w, &person(53), "Me too").await["recorded"], 1);
    run_for(&w, 5).await;
    let messages = slack.state.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[1]["text"], "Acme: 4 new replies");
}
