//! The content approval workflow over the API: a member drafts and submits, an admin approves
//! (with edits) or rejects with a reason, the post is published at its scheduled time on the
//! simulated clock through the fake Unipile exactly once, its counts are read back, and it can
//! be attached to a campaign that then watches it. Illegal moves answer 409, tenants are
//! isolated, and killed `revos worker` processes never publish a post twice.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use reqwest::StatusCode;
use revos_domain::TenantId;
use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::{FakeUnipile, Running};
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(
    a_post_is_approved_edited_scheduled_and_published_once,
    illegal_moves_conflict_and_bad_input_names_the_field,
    members_cannot_approve_and_tenants_are_isolated,
    sandbox_posts_publish_now_and_gain_metrics,
);

/// The app wired to a fake Unipile with the account `acc1`, an owner, a member (Bob), a
/// cartridge and a Unipile account.
struct World {
    t: TestApp,
    unipile: Running,
    owner: String,
    owner_id: String,
    bob: String,
    bob_id: String,
    tenant: TenantId,
    cartridge: String,
    account: Uuid,
}

async fn world(db: Db) -> World {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    let (owner, tenant, owner_id) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let (bob, bob_id) = member(&t, &owner, "bob@example.com").await;
    let (status, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&owner),
            crate::helpers::cartridge("Dana's voice"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let account = crate::helpers::unipile_account(&t, &owner, (0, 1), 100).await;
    World {
        t,
        unipile,
        owner,
        owner_id,
        bob,
        bob_id,
        tenant,
        cartridge: c["id"].as_str().unwrap().to_owned(),
        account,
    }
}

/// Invites `email` as a member and accepts; returns (token, user id).
async fn member(t: &TestApp, owner: &str, email: &str) -> (String, String) {
    let (_, inv) = t
        .post(
            "/api/v1/invitations",
            Some(owner),
            json!({"email": email, "role": "member"}),
        )
        .await;
    let (status, s) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    (
        s["token"].as_str().unwrap().to_owned(),
        s["user_id"].as_str().unwrap().to_owned(),
    )
}

/// Creates a draft as `token`; returns its id.
async fn draft(w: &World, token: &str, body: &str, account: Option<Uuid>) -> String {
    let (status, p) =
        w.t.post(
            "/api/v1/posts",
            Some(token),
            json!({"body": body, "cartridge_id": w.cartridge, "linkedin_account_id": account}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["status"], "draft");
    p["id"].as_str().unwrap().to_owned()
}

async fn step(w: &World, token: &str, id: &str, action: &str, body: Value) -> (StatusCode, Value) {
    w.t.post(&format!("/api/v1/posts/{id}/{action}"), Some(token), body)
        .await
}

/// A 409 `illegal_transition` naming `from` and `to`.
fn assert_illegal(status: StatusCode, body: &Value, from: &str, to: &str) {
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "illegal_transition", "{body}");
    let details = &body["error"]["details"];
    assert_eq!(
        details[0],
        json!({"field": "from", "message": from}),
        "{body}"
    );
    assert_eq!(details[1], json!({"field": "to", "message": to}), "{body}");
}

/// A runner of every job kind without the cron schedules, on the test's simulated clock.
fn runner(t: &TestApp) -> revos_jobs::Runner<revos_app::App> {
    revos_jobs::Runner::new(
        revos_workers::registry(&t.app),
        t.app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    )
}

fn create_calls(unipile: &Running) -> usize {
    unipile
        .state
        .requests()
        .iter()
        .filter(|(m, p)| m == "POST" && p == "/posts")
        .count()
}

async fn a_post_is_approved_edited_scheduled_and_published_once(db: Db) {
    let w = world(db).await;
    let original = "Managers: stop fixing, start asking. What do you ask first?";
    let id = draft(&w, &w.bob, "Managers: stop fixing.", Some(w.account)).await;
    let (status, p) =
        w.t.patch(
            &format!("/api/v1/posts/{id}"),
            &w.bob,
            json!({"body": original}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["body"], original);
    let (status, p) = step(&w, &w.bob, &id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "pending_approval");

    let approved = "Managers: stop fixing, start asking.\n\nWhat is the first question you ask?";
    let (status, p) = step(&w, &w.owner, &id, "approve", json!({"body": approved})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "approved");
    assert_eq!(p["approved_edited"], true);
    assert_eq!(p["body"], approved);
    assert_eq!(
        p["draft_body"], "Managers: stop fixing.",
        "the first draft is kept"
    );
    assert_eq!(p["approved_by"], w.owner_id.as_str());

    let at = w.t.app.now() + chrono::Duration::hours(2);
    let (status, p) = step(&w, &w.owner, &id, "schedule", json!({"at": at})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "scheduled");

    // Nothing goes out before its time.
    let runner = runner(&w.t);
    runner
        .run_simulated_until(&w.t.clock, at - chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert!(w.unipile.state.created_posts().is_empty());
    let (_, p) = w.t.get(&format!("/api/v1/posts/{id}"), &w.bob).await;
    assert_eq!(p["status"], "scheduled");

    runner
        .run_simulated_until(&w.t.clock, at + chrono::Duration::minutes(1))
        .await
        .unwrap();
    let created = w.unipile.state.created_posts();
    assert_eq!(created.len(), 1, "published exactly once");
    assert_eq!(created[0].1, approved, "the approved text went out");
    assert_eq!(create_calls(&w.unipile), 1);
    let provider_id = created[0].0.clone();
    let (_, p) = w.t.get(&format!("/api/v1/posts/{id}"), &w.bob).await;
    assert_eq!(p["status"], "published", "{p}");
    assert_eq!(p["provider_post_id"], provider_id.as_str());
    assert!(
        p["url"].as_str().unwrap().contains(&provider_id),
        "{}",
        p["url"]
    );
    assert!(p["published_at"].is_string());

    // Who did each step, and when.
    let history: Vec<(Value, Value, Value)> = p["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["actor_id"].clone(), h["from"].clone(), h["to"].clone()))
        .collect();
    let (bob, owner) = (json!(w.bob_id), json!(w.owner_id));
    assert_eq!(
        history,
        vec![
            (bob.clone(), Value::Null, json!("draft")),
            (bob.clone(), json!("draft"), json!("pending_approval")),
            (owner.clone(), json!("pending_approval"), json!("approved")),
            (owner.clone(), json!("approved"), json!("scheduled")),
            (Value::Null, json!("scheduled"), json!("published")),
        ]
    );

    // Publishing again, or any other move, is illegal now.
    let (status, body) = step(&w, &w.owner, &id, "publish", json!({})).await;
    assert_illegal(status, &body, "published", "published");
    assert_eq!(create_calls(&w.unipile), 1);

    // The first metrics refresh, shortly after publishing, stores the provider's counts.
    w.unipile
        .state
        .add_comment(&provider_id, "ACoFan", "Fan One", "So true", false);
    w.unipile.state.set_counts(&provider_id, 42, 5, 1234);
    runner
        .run_simulated_until(&w.t.clock, at + chrono::Duration::minutes(20))
        .await
        .unwrap();
    let (_, p) = w.t.get(&format!("/api/v1/posts/{id}"), &w.bob).await;
    let m = &p["metrics"];
    assert_eq!(
        (
            &m["reactions"],
            &m["comments"],
            &m["reposts"],
            &m["impressions"]
        ),
        (&json!(42), &json!(1), &json!(5), &json!(1234)),
        "{p}"
    );
    assert!(m["refreshed_at"].is_string());
    // The hourly refresh covers posts of the last two weeks only.
    w.unipile.state.set_counts(&provider_id, 50, 6, 2000);
    assert_eq!(w.t.app.poll_post_metrics().await.unwrap(), 1);
    runner
        .run_simulated_until(&w.t.clock, at + chrono::Duration::minutes(30))
        .await
        .unwrap();
    let (_, p) = w.t.get(&format!("/api/v1/posts/{id}"), &w.bob).await;
    assert_eq!(p["metrics"]["reactions"], 50);

    // Attached to a campaign, the post becomes one of its watched posts.
    let campaign = campaign(&w).await;
    let (status, p) = step(&w, &w.bob, &id, "attach", json!({"campaign_id": campaign})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["campaign_id"], campaign.to_string());
    let mut tx = w.t.store.begin_for(w.tenant).await.unwrap();
    let watched = revos_store::campaigns::watched_posts(&mut tx, w.tenant, campaign)
        .await
        .unwrap();
    drop(tx);
    assert_eq!(watched, vec![provider_id.clone()]);
    // The watching row is not a post of the approval list.
    let (_, list) = w.t.get("/api/v1/posts", &w.bob).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    // Attaching a post that is not published is refused.
    let other = draft(&w, &w.bob, "Not yet", None).await;
    let (status, body) = step(
        &w,
        &w.bob,
        &other,
        "attach",
        json!({"campaign_id": campaign}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Two weeks on, the hourly refresh leaves the post alone.
    w.t.clock.advance(chrono::Duration::days(15));
    assert_eq!(w.t.app.poll_post_metrics().await.unwrap(), 0);
}

/// A draft campaign on the Unipile account; returns its id.
async fn campaign(w: &World) -> Uuid {
    let body = json!({
        "name": "Spring", "linkedin_account_id": w.account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [],
        "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}"
    });
    let (status, c) = w.t.post("/api/v1/campaigns", Some(&w.owner), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().parse().unwrap()
}

async fn illegal_moves_conflict_and_bad_input_names_the_field(db: Db) {
    let w = world(db).await;
    let id = draft(&w, &w.bob, "A first idea", None).await;
    let (status, body) = step(&w, &w.owner, &id, "approve", json!({})).await;
    assert_illegal(status, &body, "draft", "approved");
    let (status, body) = step(&w, &w.owner, &id, "publish", json!({})).await;
    assert_illegal(status, &body, "draft", "published");
    let at = w.t.app.now() + chrono::Duration::hours(1);
    let (status, body) = step(&w, &w.owner, &id, "schedule", json!({"at": at})).await;
    assert_illegal(status, &body, "draft", "scheduled");
    let (status, body) = step(&w, &w.owner, &id, "unschedule", json!({})).await;
    assert_illegal(status, &body, "draft", "approved");

    let (status, _) = step(&w, &w.bob, &id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = step(&w, &w.bob, &id, "submit", json!({})).await;
    assert_illegal(status, &body, "pending_approval", "pending_approval");
    let (status, body) =
        w.t.patch(&format!("/api/v1/posts/{id}"), &w.bob, json!({"body": "x"}))
            .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // A rejection needs a reason.
    for bad in [json!({}), json!({"reason": "   "}), json!({"reason": 7})] {
        let (status, body) = step(&w, &w.owner, &id, "reject", bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), ["reason"], "{body}");
    }
    let (status, p) = step(&w, &w.owner, &id, "reject", json!({"reason": "Too salesy"})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(
        (&p["status"], &p["rejection_reason"]),
        (&json!("rejected"), &json!("Too salesy"))
    );
    let (status, body) = step(&w, &w.owner, &id, "approve", json!({})).await;
    assert_illegal(status, &body, "rejected", "approved");
    let (status, p) = step(&w, &w.bob, &id, "revise", json!({})).await;
    assert_eq!((status, &p["status"]), (StatusCode::OK, &json!("draft")));
    let last = p["history"].as_array().unwrap().len();
    assert_eq!(p["history"][last - 2]["reason"], "Too salesy");
    let (status, p) =
        w.t.patch(
            &format!("/api/v1/posts/{id}"),
            &w.bob,
            json!({"body": "A better idea"}),
        )
        .await;
    assert_eq!(
        (status, &p["body"]),
        (StatusCode::OK, &json!("A better idea"))
    );

    // Approved as written, then scheduling checks its time and its account.
    step(&w, &w.bob, &id, "submit", json!({})).await;
    let (_, p) = step(
        &w,
        &w.owner,
        &id,
        "approve",
        json!({"body": "A better idea"}),
    )
    .await;
    assert_eq!(p["approved_edited"], false, "the same text is no edit");
    let past = w.t.app.now() - chrono::Duration::minutes(5);
    let (status, body) = step(
        &w,
        &w.owner,
        &id,
        "schedule",
        json!({"at": past, "linkedin_account_id": w.account}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["at"]);
    let (status, body) = step(&w, &w.owner, &id, "schedule", json!({"at": at})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["linkedin_account_id"]);
    let (status, body) = step(&w, &w.owner, &id, "schedule", json!({"at": "tomorrow"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["at"]);
    let (status, p) = step(
        &w,
        &w.owner,
        &id,
        "schedule",
        json!({"at": at, "linkedin_account_id": w.account}),
    )
    .await;
    assert_eq!(
        (status, &p["status"]),
        (StatusCode::OK, &json!("scheduled")),
        "{p}"
    );
    // Unscheduled, the old job publishes nothing when its time comes.
    let (status, p) = step(&w, &w.owner, &id, "unschedule", json!({})).await;
    assert_eq!((status, &p["status"]), (StatusCode::OK, &json!("approved")));
    runner(&w.t)
        .run_simulated_until(&w.t.clock, at + chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert!(w.unipile.state.created_posts().is_empty());
    let (_, p) = w.t.get(&format!("/api/v1/posts/{id}"), &w.bob).await;
    assert_eq!(p["status"], "approved");

    // Bad drafts name the field.
    let cases = [
        (json!({"body": "", "cartridge_id": w.cartridge}), "body"),
        (
            json!({"body": "x".repeat(3001), "cartridge_id": w.cartridge}),
            "body",
        ),
        (
            json!({"body": "Hi", "cartridge_id": Uuid::now_v7()}),
            "cartridge_id",
        ),
        (json!({"body": "Hi"}), "cartridge_id"),
        (
            json!({"body": "Hi", "cartridge_id": w.cartridge, "linkedin_account_id": Uuid::now_v7()}),
            "linkedin_account_id",
        ),
        (
            json!({"body": "Hi", "cartridge_id": w.cartridge, "campaign_id": Uuid::now_v7()}),
            "campaign_id",
        ),
        (
            json!({"body": "Hi", "cartridge_id": w.cartridge, "colour": "red"}),
            "colour",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = w.t.post("/api/v1/posts", Some(&w.bob), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(error_fields(&answer), [field], "{answer}");
    }
    // Lists filter by status; a bad filter is named.
    let (_, approved) = w.t.get("/api/v1/posts?status=approved", &w.bob).await;
    assert_eq!(approved["items"].as_array().unwrap().len(), 1);
    let (_, drafts) = w.t.get("/api/v1/posts?status=draft", &w.bob).await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 0);
    let (status, body) = w.t.get("/api/v1/posts?status=watching", &w.bob).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&body), ["status"]);
    let (status, _) = w.t.get("/api/v1/posts/not-a-uuid", &w.bob).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn members_cannot_approve_and_tenants_are_isolated(db: Db) {
    let w = world(db).await;
    let id = draft(&w, &w.bob, "Something to approve", Some(w.account)).await;
    step(&w, &w.bob, &id, "submit", json!({})).await;
    let (status, body) = step(&w, &w.bob, &id, "approve", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = step(&w, &w.bob, &id, "reject", json!({"reason": "no"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, p) = w.t.get(&format!("/api/v1/posts/{id}"), &w.bob).await;
    assert_eq!(p["status"], "pending_approval");

    // Another workspace neither sees nor moves it.
    let (eve, _, _) = w.t.signup("eve@example.com", "Globex").await;
    let (status, _) = w.t.get(&format!("/api/v1/posts/{id}"), &eve).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (action, body) in [
        ("approve", json!({})),
        ("reject", json!({"reason": "mine now"})),
        ("publish", json!({})),
    ] {
        let (status, answer) = step(&w, &eve, &id, action, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}: {answer}");
    }
    let (status, _) =
        w.t.patch(&format!("/api/v1/posts/{id}"), &eve, json!({"body": "x"}))
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = w.t.get("/api/v1/posts", &eve).await;
    assert_eq!(list["items"], json!([]));
    // Nor can it draft in the first workspace's voice, or from its account.
    let (status, body) =
        w.t.post(
            "/api/v1/posts",
            Some(&eve),
            json!({"body": "Hi", "cartridge_id": w.cartridge}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["cartridge_id"]);

    // The admin approves, and publishes at once.
    let (status, p) = step(&w, &w.owner, &id, "approve", json!({})).await;
    assert_eq!(
        (status, &p["approved_edited"]),
        (StatusCode::OK, &json!(false))
    );
    let resp =
        w.t.http
            .post(format!("{}/api/v1/posts/{id}/publish", w.t.base))
            .bearer_auth(&w.bob)
            .send()
            .await
            .unwrap();
    let (status, p) = crate::helpers::parse(resp).await;
    assert_eq!(status, StatusCode::OK, "an empty body publishes: {p}");
    assert_eq!(p["status"], "published");
    assert_eq!(
        p["history"].as_array().unwrap().last().unwrap()["actor_id"],
        w.bob_id.as_str()
    );
    assert_eq!(w.unipile.state.created_posts().len(), 1);
}

async fn sandbox_posts_publish_now_and_gain_metrics(db: Db) {
    let t = TestApp::spawn(db).await;
    let (owner, _, _) = t.signup("ana@example.com", "Acme").await;
    let (_, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&owner),
            crate::helpers::cartridge("Voice"),
        )
        .await;
    let (status, a) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&owner),
            json!({"provider": "sandbox", "display_name": "Sandy"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let (_, p) = t
        .post(
            "/api/v1/posts",
            Some(&owner),
            json!({"body": "Hello, simulated world", "cartridge_id": c["id"]}),
        )
        .await;
    let id = p["id"].as_str().unwrap().to_owned();
    t.post(
        &format!("/api/v1/posts/{id}/submit"),
        Some(&owner),
        json!({}),
    )
    .await;
    t.post(
        &format!("/api/v1/posts/{id}/approve"),
        Some(&owner),
        json!({}),
    )
    .await;
    let (status, body) = t
        .post(
            &format!("/api/v1/posts/{id}/publish"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no account yet: {body}"
    );
    assert_eq!(error_fields(&body), ["linkedin_account_id"]);
    let (status, p) = t
        .post(
            &format!("/api/v1/posts/{id}/publish"),
            Some(&owner),
            json!({"linkedin_account_id": a["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["sandbox"], true);
    assert!(p["provider_post_id"].as_str().unwrap().starts_with("sbx-"));
    assert!(p["url"].as_str().unwrap().contains("sandbox"));
    let start = t.app.now();
    let runner = runner(&t);
    runner
        .run_simulated_until(&t.clock, start + chrono::Duration::minutes(15))
        .await
        .unwrap();
    let (_, early) = t.get(&format!("/api/v1/posts/{id}"), &owner).await;
    assert!(early["metrics"]["refreshed_at"].is_string(), "{early}");
    t.clock.advance(chrono::Duration::hours(10));
    t.app.poll_post_metrics().await.unwrap();
    runner
        .run_simulated_until(&t.clock, t.app.now() + chrono::Duration::minutes(1))
        .await
        .unwrap();
    let (_, later) = t.get(&format!("/api/v1/posts/{id}"), &owner).await;
    assert!(
        later["metrics"]["impressions"].as_i64() > early["metrics"]["impressions"].as_i64(),
        "{early} {later}"
    );
}

/// A post whose publish took effect on LinkedIn while the worker was killed is found on the
/// account by the next worker and recorded, never published a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_mid_publish_never_publishes_twice() {
    use std::time::{Duration, Instant};
    let w = world(Db::Postgres).await;
    let body = "Exactly once, even when the lights go out.";
    let id = draft(&w, &w.bob, body, Some(w.account)).await;
    step(&w, &w.bob, &id, "submit", json!({})).await;
    step(&w, &w.owner, &id, "approve", json!({})).await;
    // The worker processes run on the wall clock; the test's clock started at the same time.
    let at = w.t.app.now() + chrono::Duration::seconds(1);
    let (status, p) = step(&w, &w.owner, &id, "schedule", json!({"at": at})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    // The publish takes effect, then the answer hangs long enough to kill the worker.
    w.unipile.state.inject([Fault::StallAfterEffect(8_000)]);

    let dir = tempfile::tempdir().unwrap();
    let envs = [
        ("REVOS_UNIPILE_URL", w.unipile.base_url.as_str()),
        ("REVOS_UNIPILE_API_KEY", "unipile-key"),
    ];
    let mut victim =
        crate::helpers::revos_worker(&w.t.db.url, dir.path(), "victim", &w.t.master_key, &envs);
    let deadline = Instant::now() + Duration::from_secs(30);
    while w.unipile.state.created_posts().is_empty() {
        assert!(Instant::now() < deadline, "the worker never published");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    victim.kill().expect("SIGKILL");
    victim.wait().unwrap();
    let post: Uuid = id.parse().unwrap();
    let row = read(&w, post).await;
    assert_eq!(
        row.status, "scheduled",
        "killed before it could record the publish"
    );
    assert!(
        row.publish_claimed_at.is_some(),
        "the attempt was claimed first"
    );

    let mut last =
        crate::helpers::revos_worker(&w.t.db.url, dir.path(), "last", &w.t.master_key, &envs);
    let deadline = Instant::now() + Duration::from_secs(60);
    let row = loop {
        let row = read(&w, post).await;
        if row.status == "published" {
            break row;
        }
        assert!(
            Instant::now() < deadline,
            "the post was never recorded as published"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    last.kill().unwrap();
    last.wait().unwrap();
    let created = w.unipile.state.created_posts();
    assert_eq!(created.len(), 1, "published exactly once");
    assert_eq!(create_calls(&w.unipile), 1);
    assert_eq!(row.provider_post_id.as_deref(), Some(created[0].0.as_str()));
    assert!(
        w.unipile
            .state
            .requests()
            .iter()
            .any(|(m, p)| m == "GET" && p == "/users/ACoOwnerOfacc1/posts"),
        "the second worker looked on the account before publishing"
    );
}

async fn read(w: &World, post: Uuid) -> revos_store::posts::PostRow {
    let mut tx = w.t.store.begin_for(w.tenant).await.unwrap();
    revos_store::posts::get(&mut tx, w.tenant, post)
        .await
        .unwrap()
        .unwrap()
}
