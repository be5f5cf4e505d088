//! Sign-up, login, session tokens and API keys.

use crate::both_backends;
use crate::helpers::{Db, TestApp, TestConfig};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

both_backends!(
    signup_then_login,
    sessions_expire_and_log_out,
    login_never_reveals_emails,
    api_keys_work_once_shown_and_die_when_revoked,
    login_is_rate_limited_per_email_and_ip,
    signup_with_existing_email_needs_its_password,
    signup_first_allows_only_the_first_workspace,
    signup_closed_refuses_everyone,
    signup_open_lets_anyone_create_workspaces
);

async fn signup_then_login(db: Db) {
    let t = TestApp::spawn(db).await;
    let (status, body) = t
        .post("/api/v1/auth/signup", None, json!({"email": "Ana@Example.com", "password": "correct horse battery", "workspace_name": "Acme"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for key in ["token", "tenant_id", "user_id"] {
        assert!(body[key].is_string(), "{key} missing in {body}");
    }
    let (status, me) = t.get("/api/v1/me", body["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "owner");
    assert_eq!(me["tenant_id"], body["tenant_id"]);

    // Email is case-insensitive; login returns a working token.
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ana@example.COM", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let (status, me) = t.get("/api/v1/me", login["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user_id"], body["user_id"]);

    // No token, a malformed header, or a made-up token: 401 with the error body.
    let (status, _) = t.call(reqwest::Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = t.get("/api/v1/me", "rvs_not-a-real-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = t.get("/api/v1/me", "garbage").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn sessions_expire_and_log_out(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    assert_eq!(t.get("/api/v1/me", &token).await.0, StatusCode::OK);
    t.clock.advance(chrono::Duration::hours(13));
    assert_eq!(
        t.get("/api/v1/me", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Housekeeping removes the expired session from the database.
    assert_eq!(t.app.purge_expired_sessions().await.unwrap(), 1);

    let (_, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ana@example.com", "password": "correct horse battery"}),
        )
        .await;
    let token = login["token"].as_str().unwrap();
    assert_eq!(
        t.post("/api/v1/auth/logout", Some(token), json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(t.get("/api/v1/me", token).await.0, StatusCode::UNAUTHORIZED);
}

async fn login_never_reveals_emails(db: Db) {
    let t = TestApp::spawn(db).await;
    t.signup("ana@example.com", "Acme").await;
    let (s1, wrong_pw) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ana@example.com", "password": "wrong password!"}),
        )
        .await;
    let (s2, no_user) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "bob@example.com", "password": "wrong password!"}),
        )
        .await;
    let (s3, bad_email) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "not an email", "password": "x"}),
        )
        .await;
    assert_eq!(
        (s1, s2, s3),
        (
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED
        )
    );
    assert_eq!(wrong_pw, no_user);
    assert_eq!(wrong_pw, bad_email);
}

async fn signup_with_existing_email_needs_its_password(db: Db) {
    let t = TestApp::spawn(db).await;
    let (_, first_tenant, user) = t.signup("ana@example.com", "Acme").await;
    let (status, body) = t
        .post("/api/v1/auth/signup", None, json!({"email": "ana@example.com", "password": "some other password", "workspace_name": "X"}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, login_fail) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "nobody@example.com", "password": "whatever123"}),
        )
        .await;
    assert_eq!(
        body, login_fail,
        "sign-up must not say more than login does"
    );
    // With the right password the same person gets a second workspace.
    let (status, second) = t
        .post("/api/v1/auth/signup", None, json!({"email": "ana@example.com", "password": "correct horse battery", "workspace_name": "Second"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(second["user_id"], user.as_str());
    assert_ne!(second["tenant_id"], first_tenant.as_str());
    // Login may pick either workspace.
    let (status, login) = t
        .post("/api/v1/auth/login", None, json!({"email": "ana@example.com", "password": "correct horse battery", "tenant_id": second["tenant_id"]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(login["tenant_id"], second["tenant_id"]);
}

async fn api_keys_work_once_shown_and_die_when_revoked(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, _) = t.signup("ana@example.com", "Acme").await;
    let (status, created) = t
        .post("/api/v1/api-keys", Some(&token), json!({"name": "zapier"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("rvk_"));

    let (status, me) = t.get("/api/v1/me", &key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["credential"], "api_key");
    assert_eq!(me["tenant_id"], tenant.as_str());

    let (status, list) = t.get("/api/v1/api-keys", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&key),
        "a listed key must not reveal the key"
    );
    assert!(
        list["items"][0]["last_used_at"].is_string(),
        "use is recorded"
    );

    // A member-role key cannot manage keys; an admin cannot mint an owner key.
    let (_, member_key) = t
        .post(
            "/api/v1/api-keys",
            Some(&token),
            json!({"name": "ro", "role": "member"}),
        )
        .await;
    let member_key = member_key["key"].as_str().unwrap();
    assert_eq!(
        t.get("/api/v1/api-keys", member_key).await.0,
        StatusCode::FORBIDDEN
    );

    let id = created["id"].as_str().unwrap();
    assert_eq!(
        t.delete(&format!("/api/v1/api-keys/{id}"), &token).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(t.get("/api/v1/me", &key).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        t.delete(&format!("/api/v1/api-keys/{id}"), &token).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn login_is_rate_limited_per_email_and_ip(db: Db) {
    let limiter =
        revos_web::LoginLimiter::new(6, Duration::from_secs(60), 3, Duration::from_secs(60));
    let t = TestApp::spawn_with(db, limiter).await;
    let attempt = |email: &'static str| {
        t.post(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": "nope nope nope"}),
        )
    };
    for _ in 0..3 {
        assert_eq!(attempt("ana@example.com").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = attempt("ana@example.com").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another email from the same IP still gets through until the IP budget is spent.
    for _ in 0..2 {
        assert_eq!(attempt("bob@example.com").await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        attempt("carol@example.com").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

const SIGNUP_CLOSED: &str = "Sign-up is closed on this instance; ask an owner for an invitation";

/// A server with the sign-up rule `signup`.
async fn with_signup(db: Db, signup: revos_domain::SignupPolicy) -> TestApp {
    TestApp::spawn_config(
        db,
        TestConfig {
            signup,
            ..Default::default()
        },
    )
    .await
}

/// Signs up through the API; returns the status and the answer.
async fn try_signup(t: &TestApp, email: &str, workspace: &str) -> (StatusCode, serde_json::Value) {
    t.post(
        "/api/v1/auth/signup",
        None,
        json!({"email": email, "password": "correct horse battery", "workspace_name": workspace}),
    )
    .await
}

/// The sign-up page (GET) and the sign-up form's answer (POST), as status and HTML.
async fn signup_pages(t: &TestApp, email: &str) -> [(StatusCode, String); 2] {
    let get = t
        .http
        .get(format!("{}/signup", t.base))
        .send()
        .await
        .unwrap();
    let get = (get.status(), get.text().await.unwrap());
    let post = crate::ui_html::no_redirects()
        .post(format!("{}/signup", t.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(crate::ui_html::form_encode(&[
            ("email", email),
            ("password", "correct horse battery"),
            ("workspace_name", "Page Co"),
        ]))
        .send()
        .await
        .unwrap();
    let post = (post.status(), post.text().await.unwrap());
    [get, post]
}

/// The answer refusing a sign-up: 403 `signup_closed` saying what to do instead.
fn assert_closed((status, body): (StatusCode, serde_json::Value)) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "signup_closed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(SIGNUP_CLOSED),
        "{body}"
    );
}

async fn signup_first_allows_only_the_first_workspace(db: Db) {
    let t = with_signup(db, revos_domain::SignupPolicy::First).await;
    // The empty instance offers the form...
    let page = t
        .http
        .get(format!("{}/signup", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("action=\"/signup\"") && !page.contains(SIGNUP_CLOSED));
    // ...and the first sign-up creates the first workspace.
    let (status, first) = try_signup(&t, "ana@example.com", "Acme").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let owner = first["token"].as_str().unwrap();

    // Later sign-ups are refused, a stranger's and the first owner's alike.
    assert_closed(try_signup(&t, "bo@example.com", "Beta").await);
    assert_closed(try_signup(&t, "ana@example.com", "Second").await);
    for (status, html) in signup_pages(&t, "bo@example.com").await {
        assert!(html.contains(SIGNUP_CLOSED), "{status}: {html}");
        assert!(!html.contains("action=\"/signup\""), "no form when closed");
    }
    let (_, me) = t.get("/api/v1/me", owner).await;
    assert_eq!(me["tenant_id"], first["tenant_id"]);

    // People still join by invitation.
    let (_, inv) = t
        .post(
            "/api/v1/invitations",
            Some(owner),
            json!({"email": "bo@example.com"}),
        )
        .await;
    let (status, joined) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "bos long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(joined["tenant_id"], first["tenant_id"]);
}

async fn signup_closed_refuses_everyone(db: Db) {
    let t = with_signup(db, revos_domain::SignupPolicy::Closed).await;
    assert_closed(try_signup(&t, "ana@example.com", "Acme").await);
    let [(get_status, get), (post_status, post)] = signup_pages(&t, "ana@example.com").await;
    assert_eq!(get_status, StatusCode::OK);
    assert_eq!(post_status, StatusCode::FORBIDDEN);
    for html in [get, post] {
        assert!(html.contains(SIGNUP_CLOSED) && !html.contains("action=\"/signup\""));
    }
    // Nothing was created: the login finds no account.
    let (status, _) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ana@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn signup_open_lets_anyone_create_workspaces(db: Db) {
    let t = with_signup(db, revos_domain::SignupPolicy::Open).await;
    let mut tenants = Vec::new();
    for (email, name) in [
        ("ana@example.com", "Acme"),
        ("bo@example.com", "Beta"),
        ("ana@example.com", "Acme 2"),
    ] {
        let (status, body) = try_signup(&t, email, name).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        tenants.push(body["tenant_id"].as_str().unwrap().to_owned());
    }
    tenants.dedup();
    assert_eq!(tenants.len(), 3);
    let [(status, html), _] = signup_pages(&t, "cy@example.com").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("action=\"/signup\"") && !html.contains(SIGNUP_CLOSED));
}
