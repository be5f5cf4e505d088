//! Campaigns over HTTP: validation naming fields, references that must be the workspace's
//! own, the lifecycle, sandbox marking, and tenant isolation.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge, error_fields};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends!(campaign_lifecycle_and_validation);

fn campaign(account: &str, cartridge: Option<&str>) -> Value {
    json!({
        "name": "Playbook launch",
        "cartridge_id": cartridge,
        "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook", "description": "30 pages"},
        "trigger_words": ["GUIDE"],
        "watched_posts": ["7332661864792854528"],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
        "connect_reply_template": "Thanks {{ first_name }}! Let's connect and I'll send it.",
        "email_fallback": {"provider": "sandbox", "campaign_id": "c-1"}
    })
}

async fn campaign_lifecycle_and_validation(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, _, _) = t.signup("ana@example.com", "Acme").await;
    let (b, _, _) = t.signup("bob@example.com", "Beta").await;
    let (_, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&a),
            json!({"provider": "sandbox", "display_name": "Ana"}),
        )
        .await;
    let account = acct["id"].as_str().unwrap().to_owned();
    let (_, cart) = t
        .post("/api/v1/cartridges", Some(&a), cartridge("Ana's voice"))
        .await;
    let cart = cart["id"].as_str().unwrap().to_owned();

    let (status, c) = t
        .post(
            "/api/v1/campaigns",
            Some(&a),
            campaign(&account, Some(&cart)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["sandbox"], true, "sandbox campaigns are marked");
    assert_eq!(c["email_fallback"]["delay_hours"], 48, "48 h by default");
    let id = c["id"].as_str().unwrap().to_owned();

    // Bad input names the field; references must be this workspace's own.
    let mut bad = campaign(&account, None);
    bad["dm_template"] = json!("Hi {{ nickname }}");
    let (status, err) = t.post("/api/v1/campaigns", Some(&a), bad).await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["dm_template".to_owned()]
        )
    );
    let (_, other_acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&b),
            json!({"provider": "sandbox", "display_name": "Bob"}),
        )
        .await;
    let (status, err) = t
        .post(
            "/api/v1/campaigns",
            Some(&a),
            campaign(other_acct["id"].as_str().unwrap(), None),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["linkedin_account_id".to_owned()]
        )
    );
    let (status, err) = t
        .post(
            "/api/v1/campaigns",
            Some(&b),
            campaign(other_acct["id"].as_str().unwrap(), Some(&cart)),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["cartridge_id".to_owned()]
        )
    );

    // Lifecycle: draft → active → paused → active → completed; wrong steps are 409.
    let path = |s: &str| format!("/api/v1/campaigns/{id}/{s}");
    assert_eq!(
        t.post(&path("pause"), Some(&a), json!({})).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        t.post(&path("resume"), Some(&a), json!({})).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        t.post(&path("activate"), Some(&a), json!({})).await.1["status"],
        "active"
    );
    assert_eq!(
        t.post(&path("pause"), Some(&a), json!({})).await.1["status"],
        "paused"
    );
    assert_eq!(
        t.post(&path("activate"), Some(&a), json!({})).await.0,
        StatusCode::CONFLICT,
        "resume, not activate"
    );
    assert_eq!(
        t.post(&path("resume"), Some(&a), json!({})).await.1["status"],
        "active"
    );

    // Editing an active campaign is allowed; listing filters by status.
    let mut edited = campaign(&account, Some(&cart));
    edited["trigger_words"] = json!(["GUIDE", "PLAYBOOK"]);
    let (status, e) = t.put(&format!("/api/v1/campaigns/{id}"), &a, edited).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["trigger_words"], json!(["GUIDE", "PLAYBOOK"]));
    assert_eq!(e["status"], "active");
    let (_, active) = t.get("/api/v1/campaigns?status=active", &a).await;
    assert_eq!(active["items"].as_array().unwrap().len(), 1);
    let (_, drafts) = t.get("/api/v1/campaigns?status=draft", &a).await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        t.get("/api/v1/campaigns?status=sleeping", &a).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        t.delete(&format!("/api/v1/campaigns/{id}"), &a).await.0,
        StatusCode::CONFLICT,
        "only drafts are deleted"
    );

    assert_eq!(
        t.post(&path("complete"), Some(&a), json!({})).await.1["status"],
        "completed"
    );
    assert_eq!(
        t.post(&path("resume"), Some(&a), json!({})).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        t.put(
            &format!("/api/v1/campaigns/{id}"),
            &a,
            campaign(&account, None)
        )
        .await
        .0,
        StatusCode::CONFLICT
    );

    // The other workspace sees none of it.
    assert_eq!(
        t.get(&format!("/api/v1/campaigns/{id}"), &b).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post(&path("pause"), Some(&b), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = t.get("/api/v1/campaigns", &b).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    // A draft can be deleted.
    let (_, d) = t
        .post("/api/v1/campaigns", Some(&a), campaign(&account, None))
        .await;
    assert_eq!(
        t.delete(
            &format!("/api/v1/campaigns/{}", d["id"].as_str().unwrap()),
            &a
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
}
