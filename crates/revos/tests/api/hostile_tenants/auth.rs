//! Authentication edges played by an attacker (issue 14, item 7): a second workspace, or a
//! stranger, trying to guess a victim's password through an invitation once log-in is
//! locked, to dodge or abuse the attempt limits with `X-Forwarded-For`, to send people
//! off-site with `next=`, to read the vault as a mere member, and to keep a back door open
//! with invitations minted before being demoted. Each attack fails and the victim's
//! workspace is unchanged.

use crate::both_backends;
use crate::helpers::{Db, TestApp, TestConfig};
use crate::ui_html::{escaped, form_encode, no_redirects};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    hostile_auth_invitation_is_no_side_door_after_lockout,
    hostile_auth_forwarded_for_is_ignored_without_trusted_proxies,
    hostile_auth_bogus_logins_behind_a_proxy_lock_out_only_the_attacker,
    hostile_auth_members_cannot_list_secrets,
    hostile_auth_next_never_leaves_the_site,
    hostile_auth_demoted_inviters_invitations_die,
);

const VICTIM_PASSWORD: &str = "correct horse battery";

/// The emails of a workspace's members, as its owner sees them.
async fn hostile_auth_member_emails(t: &TestApp, token: &str) -> Vec<String> {
    let (status, body) = t.get("/api/v1/members", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut emails: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap().to_owned())
        .collect();
    emails.sort();
    emails
}

/// Invites `email` as `role` with `token`'s workspace; returns the invitation token.
async fn hostile_auth_invite(t: &TestApp, token: &str, email: &str, role: &str) -> String {
    let (status, inv) = t
        .post(
            "/api/v1/invitations",
            Some(token),
            json!({"email": email, "role": role}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    inv["token"].as_str().unwrap().to_owned()
}

/// Redeems an invitation through the API.
async fn hostile_auth_accept(t: &TestApp, token: &str, password: &str) -> (StatusCode, Value) {
    t.post(
        "/api/v1/invitations/accept",
        None,
        json!({"token": token, "password": password}),
    )
    .await
}

/// A log-in attempt through the API, as sent by a client at `forwarded_for` (through a proxy
/// that writes `X-Forwarded-For`, or a client that forges it).
async fn hostile_auth_login_from(
    t: &TestApp,
    forwarded_for: &str,
    email: &str,
    password: &str,
) -> StatusCode {
    t.http
        .post(format!("{}/api/v1/auth/login", t.base))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn hostile_auth_invitation_is_no_side_door_after_lockout(db: Db) {
    // Four attempts per email: the victim's sign-up spends one, three wrong guesses the rest.
    let limiter =
        revos_web::LoginLimiter::new(100, Duration::from_secs(60), 4, Duration::from_secs(600));
    let t = TestApp::spawn_with(db, limiter).await;
    let (victim, _, _) = t.signup("ana@victim.example", "Victim").await;
    let (attacker, _, _) = t.signup("mallory@evil.example", "Evil").await;
    // The attacker invites the victim's email into their own workspace: redeeming it with an
    // existing account checks that account's password.
    let token = hostile_auth_invite(&t, &attacker, "ana@victim.example", "member").await;

    // Log-in for the victim is locked after three wrong guesses.
    for _ in 0..3 {
        let (status, _) = t
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "ana@victim.example", "password": "guess guess guess"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ana@victim.example", "password": VICTIM_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // The invitation counts against the same email: even the right password is refused, so
    // the answer tells nothing, through the API...
    for password in ["guess guess again", VICTIM_PASSWORD] {
        let (status, body) = hostile_auth_accept(&t, &token, password).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["error"]["code"], "rate_limited");
    }
    // ...and through the invitation page.
    let resp = no_redirects()
        .post(format!("{}/invitations/accept", t.base))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_encode(&[
            ("token", &token),
            ("password", VICTIM_PASSWORD),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("set-cookie").is_none());

    // The victim did not join the attacker's workspace and still works in their own.
    assert_eq!(
        hostile_auth_member_emails(&t, &attacker).await,
        ["mallory@evil.example"]
    );
    let (_, invitations) = t.get("/api/v1/invitations", &attacker).await;
    assert!(
        invitations["items"][0]["accepted_at"].is_null(),
        "{invitations}"
    );
    assert_eq!(
        hostile_auth_member_emails(&t, &victim).await,
        ["ana@victim.example"]
    );
    assert_eq!(t.get("/api/v1/me", &victim).await.0, StatusCode::OK);
}

async fn hostile_auth_forwarded_for_is_ignored_without_trusted_proxies(db: Db) {
    // Six attempts per address: the victim's sign-up spends one, five guesses the rest.
    let limiter =
        revos_web::LoginLimiter::new(6, Duration::from_secs(600), 100, Duration::from_secs(1));
    let t = TestApp::spawn_with(db, limiter).await;
    let (victim, _, _) = t.signup("ana@victim.example", "Victim").await;
    // A fresh forged address per guess would be a fresh budget per guess if it were believed.
    for i in 0..5 {
        let status = hostile_auth_login_from(
            &t,
            &format!("203.0.113.{i}"),
            "ana@victim.example",
            &format!("guess number {i}"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    for forged in ["203.0.113.99", "198.51.100.1, 203.0.113.100", "garbage"] {
        let status =
            hostile_auth_login_from(&t, forged, "ana@victim.example", VICTIM_PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{forged}");
    }
    assert_eq!(t.get("/api/v1/me", &victim).await.0, StatusCode::OK);
}

async fn hostile_auth_bogus_logins_behind_a_proxy_lock_out_only_the_attacker(db: Db) {
    // Every request reaches RevOS from the proxy on 127.0.0.1, which appends the address it
    // saw to X-Forwarded-For.
    let t = TestApp::spawn_config(
        db,
        TestConfig {
            limiter: revos_web::LoginLimiter::new(
                20,
                Duration::from_secs(600),
                100,
                Duration::from_secs(1),
            ),
            trusted_proxies: revos_web::TrustedProxies::parse("127.0.0.1").unwrap(),
            ..Default::default()
        },
    )
    .await;
    t.signup("ana@victim.example", "Victim").await;
    let attacker = "203.0.113.66";
    // 21 bogus log-ins: the attacker's own address is spent...
    for i in 0..20 {
        let status = hostile_auth_login_from(
            &t,
            attacker,
            &format!("nobody{i}@evil.example"),
            "nope nope nope",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        hostile_auth_login_from(&t, attacker, "nobody@evil.example", "nope nope nope").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...and forging a left part does not buy a new budget: the proxy's entry is the right-most.
    let forged = format!("198.51.100.200, {attacker}");
    assert_eq!(
        hostile_auth_login_from(&t, &forged, "nobody@evil.example", "nope nope nope").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The real user behind the same proxy logs in.
    assert_eq!(
        hostile_auth_login_from(&t, "198.51.100.7", "ana@victim.example", VICTIM_PASSWORD).await,
        StatusCode::OK
    );
}

async fn hostile_auth_members_cannot_list_secrets(db: Db) {
    let t = TestApp::spawn(db).await;
    let (owner, _, _) = t.signup("owner@victim.example", "Victim").await;
    let (status, _) = t
        .put(
            "/api/v1/secrets/apollo_api_key",
            &owner,
            json!({"value": "apollo-secret-WXYZ"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let member_invite = hostile_auth_invite(&t, &owner, "eve@victim.example", "member").await;
    let (_, eve) = hostile_auth_accept(&t, &member_invite, "eves long password").await;
    let eve = eve["token"].as_str().unwrap().to_owned();
    let admin_invite = hostile_auth_invite(&t, &owner, "adam@victim.example", "admin").await;
    let (_, adam) = hostile_auth_accept(&t, &admin_invite, "adams long password").await;
    let adam = adam["token"].as_str().unwrap().to_owned();

    // A member gets 403 from the API and no vault section on the settings page.
    let (status, body) = t.get("/api/v1/secrets", &eve).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.to_string().contains("apollo_api_key"));
    let page = |token: String| {
        let http = t.http.clone();
        let url = format!("{}/settings", t.base);
        async move {
            let resp = http
                .get(url)
                .header(COOKIE, format!("revos_session={token}"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            resp.text().await.unwrap()
        }
    };
    let eves_page = page(eve.clone()).await;
    assert!(eves_page.contains("id=\"members\""), "the page rendered");
    for hidden in ["id=\"vault\"", "apollo_api_key", "WXYZ"] {
        assert!(!eves_page.contains(hidden), "a member sees {hidden}");
    }

    // Owners and admins see the names and last four, unchanged.
    for token in [&owner, &adam] {
        let (status, list) = t.get("/api/v1/secrets", token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(list["items"][0]["name"], "apollo_api_key");
        assert_eq!(list["items"][0]["masked_value"], "••••WXYZ");
    }
    let adams_page = page(adam).await;
    assert!(adams_page.contains("id=\"vault\"") && adams_page.contains("••••WXYZ"));
}

async fn hostile_auth_next_never_leaves_the_site(db: Db) {
    let limiter =
        revos_web::LoginLimiter::new(100, Duration::from_secs(1), 100, Duration::from_secs(1));
    let t = TestApp::spawn_with(db, limiter).await;
    t.signup("ana@victim.example", "Victim").await;
    let http = no_redirects();
    let cases = [
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/%09/evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/%5C%5Cevil.example", "/"),
        ("javascript:alert(document.cookie)", "/"),
        ("https://evil.example/login", "/"),
        ("/leads?q=Ana%20co", "/leads?q=Ana%20co"),
    ];
    for (next, expected) in cases {
        // The link a victim would be sent: the login page keeps only a local `next`...
        let url = reqwest::Url::parse_with_params(&format!("{}/login", t.base), &[("next", next)])
            .unwrap();
        let page = http.get(url).send().await.unwrap().text().await.unwrap();
        let kept = format!("name=\"next\" value=\"{}\"", escaped(expected));
        assert!(
            page.contains(&kept),
            "{next:?}: the form keeps something else than {expected:?}"
        );
        // ...and logging in with a forged form never redirects off-site.
        let resp = http
            .post(format!("{}/login", t.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_encode(&[
                ("email", "ana@victim.example"),
                ("password", VICTIM_PASSWORD),
                ("next", next),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(resp.headers()[LOCATION], expected, "{next:?}");
    }
}

async fn hostile_auth_demoted_inviters_invitations_die(db: Db) {
    let t = TestApp::spawn(db).await;
    let (owner, _, _) = t.signup("owner@victim.example", "Victim").await;
    // Two admins, each of whom mints invitations for accomplices while still trusted.
    let mut minted = Vec::new();
    let mut admins = Vec::new();
    for name in ["rogue", "leaver"] {
        let invite =
            hostile_auth_invite(&t, &owner, &format!("{name}@victim.example"), "admin").await;
        let (status, s) = hostile_auth_accept(&t, &invite, "admins long password").await;
        assert_eq!(status, StatusCode::OK, "{s}");
        let token = s["token"].as_str().unwrap().to_owned();
        minted.push(
            hostile_auth_invite(&t, &token, &format!("{name}-friend@evil.example"), "member").await,
        );
        admins.push(s["user_id"].as_str().unwrap().to_owned());
    }
    // The owner also invites someone: that invitation stays good.
    let good = hostile_auth_invite(&t, &owner, "new@victim.example", "member").await;

    // One admin is demoted to member, the other removed.
    let (status, body) = t
        .patch(
            &format!("/api/v1/members/{}", admins[0]),
            &owner,
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = t
        .delete(&format!("/api/v1/members/{}", admins[1]), &owner)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Their invitations now fail exactly like a made-up token.
    let (status, unknown) = hostile_auth_accept(&t, "rvi_made-up", "friends long password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for token in &minted {
        let (status, body) = hostile_auth_accept(&t, token, "friends long password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body, unknown);
    }
    // The invitation page says the same as for an unknown token, and logs nobody in.
    let resp = no_redirects()
        .post(format!("{}/invitations/accept", t.base))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_encode(&[
            ("token", &minted[0]),
            ("password", "friends long password"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().get("set-cookie").is_none());

    let (status, _) = hostile_auth_accept(&t, &good, "news long password").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        hostile_auth_member_emails(&t, &owner).await,
        [
            "new@victim.example",
            "owner@victim.example",
            "rogue@victim.example"
        ]
    );
}
