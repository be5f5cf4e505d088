//! Connecting LinkedIn accounts from RevOS (issue 18, item 1): reconnect links for a lost
//! session (the fake Unipile's hosted-auth flow, its `RECONNECTED` notice), pausing and
//! resuming an account through the pacing API and its page, the Settings explanation when the
//! instance has no Unipile yet, and the workspace's own Unipile key; plus the small things of
//! item 5 that the API and pages show (the password rule stated once, a blank cartridge
//! prompt meaning "generate it").

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge};
use crate::ui_ops::Browser;
use reqwest::StatusCode;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};

both_backends!(
    reconnect_links_restore_a_lost_session,
    accounts_pause_until_resumed,
    settings_explain_what_connecting_needs,
    connect_forms_go_through_unipile,
    blank_system_prompt_means_generate_it,
);

/// An app on a fake Unipile (instance URL and key, a public URL), with a signed-in owner.
async fn on_fake(db: Db) -> (TestApp, revos_providers::fakes::unipile::Running, Browser) {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            public_url: Some("https://revos.example".into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    (t, unipile, ana)
}

/// Delivers Unipile's hosted-auth notice.
async fn notify(t: &TestApp, status: &str, account: &str, name: &str) -> (StatusCode, Value) {
    let resp = t
        .http
        .post(format!("{}/api/v1/webhooks/unipile/hosted", t.base))
        .json(&json!({"status": status, "account_id": account, "name": name}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn reconnect_links_restore_a_lost_session(db: Db) {
    let (t, unipile, ana) = on_fake(db).await;
    unipile.state.add_account("acc5", "Lost Session");
    unipile.state.set_account_status("acc5", "CREDENTIALS");
    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(ana.token()),
            json!({"provider": "unipile", "account_id": "acc5"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    assert_eq!(acct["status"], "needs_reconnect");
    let id = acct["id"].as_str().unwrap();

    // The account page says so and offers to reconnect.
    let (_, html) = ana.get(&format!("/accounts/{id}")).await;
    assert!(html.contains(r#"id="needs-reconnect""#), "{html}");
    assert!(html.contains(r#"id="reconnect-account""#));

    let path = format!("/api/v1/linkedin-accounts/{id}/reconnect-link");
    let (status, link) = t.post(&path, Some(ana.token()), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let sent: Vec<Value> = unipile
        .state
        .hosted_links()
        .into_values()
        .map(|l| l.body)
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["type"], "reconnect");
    assert_eq!(sent[0]["reconnect_account"], "acc5");
    let name = sent[0]["name"].as_str().unwrap().to_owned();
    assert!(link["url"].as_str().unwrap().contains("/hosted/"), "{link}");

    // A second workspace can neither reconnect it nor see it.
    let (other, _, _) = t.signup("eve@example.com", "Other").await;
    let (status, _) = t.post(&path, Some(&other), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    unipile.state.set_account_status("acc5", "OK");
    let (status, report) = notify(&t, "RECONNECTED", "acc5", &name).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["linkedin_account_id"], id);
    let (_, after) = t
        .get(&format!("/api/v1/linkedin-accounts/{id}"), ana.token())
        .await;
    assert_eq!(after["status"], "ok", "{after}");
    let (status, _) = notify(&t, "RECONNECTED", "acc5", &name).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a link is used once");

    // A sandbox account has no session to reconnect.
    let (_, sandbox) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(ana.token()),
            json!({"provider": "sandbox", "display_name": "Sandy"}),
        )
        .await;
    let (status, err) = t
        .post(
            &format!(
                "/api/v1/linkedin-accounts/{}/reconnect-link",
                sandbox["id"].as_str().unwrap()
            ),
            Some(ana.token()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
}

async fn accounts_pause_until_resumed(db: Db) {
    let t = TestApp::spawn(db).await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    let (_, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(ana.token()),
            json!({"provider": "sandbox", "display_name": "Sandy"}),
        )
        .await;
    let id = acct["id"].as_str().unwrap();
    let pacing = format!("/api/v1/linkedin-accounts/{id}/pacing");
    let (status, err) = t
        .patch(&pacing, ana.token(), json!({"pause": true, "resume": true}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "pause", "{err}");

    let (status, paused) = t.patch(&pacing, ana.token(), json!({"pause": true})).await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert_eq!(paused["status"], "paused");
    assert_eq!(paused["waiting_reason"], "paused");
    let until: chrono::DateTime<chrono::Utc> =
        paused["paused_until"].as_str().unwrap().parse().unwrap();
    assert!(
        until > chrono::Utc::now() + chrono::Duration::days(3650),
        "{until}"
    );

    // The page says who paused it and offers to resume; a second workspace gets 404.
    let (_, html) = ana.get(&format!("/accounts/{id}")).await;
    assert!(
        html.contains("nothing is sent until someone resumes the account"),
        "{html}"
    );
    assert!(html.contains(r#"id="resume-account""#) && !html.contains(r#"id="pause-account""#));
    let eve = Browser::signup(&t, "eve@example.com", "Other").await;
    let (status, _) = eve.get(&format!("/accounts/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let eve_csrf = eve.csrf().await;
    let (status, _, _) = eve
        .post(&format!("/accounts/{id}/resume"), &[("_csrf", &eve_csrf)])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Resumed from its page.
    let csrf = ana.csrf().await;
    let (status, location, _) = ana
        .post(&format!("/accounts/{id}/resume"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("/accounts/{id}?done=resume"))
    );
    let (_, resumed) = t
        .get(&format!("/api/v1/linkedin-accounts/{id}"), ana.token())
        .await;
    assert_eq!(resumed["status"], "ok", "{resumed}");
    assert!(resumed["paused_until"].is_null());
    let (status, location, _) = ana
        .post(&format!("/accounts/{id}/pause"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("/accounts/{id}?done=pause"))
    );
    let (_, html) = ana.get(&format!("/accounts/{id}?done=pause")).await;
    assert!(html.contains(r#"id="resume-account""#), "{html}");
    assert!(html.contains(r#"id="account-owner""#));
}

async fn settings_explain_what_connecting_needs(db: Db) {
    let t = TestApp::spawn(db).await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    let (_, html) = ana.get("/settings").await;
    assert!(html.contains(r#"id="unipile-missing""#), "{html}");
    assert!(html.contains("REVOS_UNIPILE_URL"));
    assert!(!html.contains(r#"id="connect-linkedin-button""#));
    assert!(!html.contains(r#"action="/settings/accounts/attach""#));

    // The signup page states the server's one password rule.
    let (_, signup) = ana.get("/signup").await;
    let min = revos_domain::password::NewPassword::MIN_CHARS;
    assert!(
        signup.contains(&format!(r#"minlength="{min}""#)),
        "{signup}"
    );
    assert!(signup.contains(&format!("At least {min} characters")));
}

async fn connect_forms_go_through_unipile(db: Db) {
    let (t, unipile, ana) = on_fake(db).await;
    let (_, html) = ana.get("/settings").await;
    assert!(!html.contains(r#"id="unipile-missing""#), "{html}");
    assert!(html.contains(r#"id="connect-linkedin-button""#));
    assert!(html.contains("the instance&#x27;s key") || html.contains("the instance's key"));
    crate::ui_html::assert_labelled(&html, "settings");
    let csrf = ana.csrf().await;

    // The hosted link: shown on its own page, made with a way back to the settings.
    let (status, _, page) = ana
        .post(
            "/settings/accounts/connect",
            &[("_csrf", &csrf), ("display_name", "Sales")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(r#"id="open-hosted-link""#), "{page}");
    let links = unipile.state.hosted_links();
    let body = &links.values().next().unwrap().body;
    assert_eq!(body["type"], "create");
    assert_eq!(
        body["success_redirect_url"],
        "https://revos.example/settings?done=connected#accounts"
    );
    assert_eq!(
        body["notify_url"],
        "https://revos.example/api/v1/webhooks/unipile/hosted"
    );

    // An existing account id: refused when Unipile does not know it, attached when it does.
    let (status, _, page) = ana
        .post(
            "/settings/accounts/attach",
            &[("_csrf", &csrf), ("account_id", "nope")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="account_id-error""#), "{page}");
    unipile.state.add_account("acc8", "Gil");
    let (status, location, _) = ana
        .post(
            "/settings/accounts/attach",
            &[("_csrf", &csrf), ("account_id", "acc8")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("?done=connected"), "{location}");
    let (_, html) = ana.get(&location).await;
    assert!(html.contains("The account is connected."), "{html}");
    assert!(
        html.contains(&FakeUnipile::owner_id("acc8")),
        "the owner is shown"
    );

    // The workspace's own key, in the vault (masked), used from then on.
    let (status, location, _) = ana
        .post(
            "/settings/unipile-key",
            &[("_csrf", &csrf), ("value", "own-unipile-key-9876")],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/settings?done=unipile_key#accounts")
    );
    let (_, secrets) = t.get("/api/v1/secrets", ana.token()).await;
    assert_eq!(secrets["items"][0]["name"], "unipile_api_key", "{secrets}");
    assert_eq!(secrets["items"][0]["masked_value"], "••••9876");
    let (_, html) = ana.get("/settings").await;
    assert!(html.contains("This workspace uses its own key"), "{html}");
}

async fn blank_system_prompt_means_generate_it(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let mut body = cartridge("Blank prompt");
    body["system_prompt"] = json!("");
    let (status, created) = t.post("/api/v1/cartridges", Some(&token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["system_prompt_source"], "generated", "{created}");
    assert!(created["effective_system_prompt"].as_str().unwrap().len() > 20);
}
