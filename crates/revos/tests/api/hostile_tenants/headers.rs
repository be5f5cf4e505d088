//! A second workspace attacks the first through markup: its workspace and cartridge names
//! are script. The victim, invited into the attacker's workspace, sees those names in the
//! workspace switcher of every page of their own workspace and in the attacker's lists: they
//! stay text, and the Content-Security-Policy would stop an inline script anyway.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge};
use crate::security_headers::assert_security_headers;
use crate::ui_html::escaped;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::json;

both_backends!(hostile_headers_script_in_names_stays_text);

const HOSTILE_HEADERS_PAYLOAD: &str =
    "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>";

/// GETs a page of the workspace `session` is in; returns its headers and HTML.
async fn hostile_headers_page(
    t: &TestApp,
    path: &str,
    session: &str,
) -> (reqwest::header::HeaderMap, String) {
    let resp = t
        .http
        .get(format!("{}{path}", t.base))
        .header(COOKIE, format!("revos_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    let headers = resp.headers().clone();
    (headers, resp.text().await.unwrap())
}

/// Asserts that `html` shows the payload only as text.
fn hostile_headers_assert_inert(html: &str, what: &str) {
    assert!(
        html.contains(&escaped(HOSTILE_HEADERS_PAYLOAD)),
        "{what}: the name is not shown escaped"
    );
    for raw in ["<script>alert", "<img src=x"] {
        assert!(
            !html.contains(raw),
            "{what}: {raw} reached the page as markup"
        );
    }
}

async fn hostile_headers_script_in_names_stays_text(db: Db) {
    let t = TestApp::spawn(db).await;
    let (victim, _, _) = t.signup("victim@example.com", "Victim Co").await;
    let (status, own) = t
        .post(
            "/api/v1/cartridges",
            Some(&victim),
            cartridge("Victim voice"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");

    let (attacker, _, _) = t
        .signup("mallory@example.com", HOSTILE_HEADERS_PAYLOAD)
        .await;
    let (status, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&attacker),
            cartridge(HOSTILE_HEADERS_PAYLOAD),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, inv) = t
        .post(
            "/api/v1/invitations",
            Some(&attacker),
            json!({"email": "victim@example.com", "role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    let (status, joined) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    let in_attackers = joined["token"].as_str().unwrap().to_owned();

    // Every page of the victim's own workspace lists the attacker's workspace name.
    for path in ["/", "/cartridges", "/settings"] {
        let (headers, html) = hostile_headers_page(&t, path, &victim).await;
        let what = format!("the victim's {path}");
        hostile_headers_assert_inert(&html, &what);
        assert_security_headers(&headers, &what, false);
    }
    // In the attacker's workspace, the cartridge name too.
    let (headers, html) = hostile_headers_page(&t, "/cartridges", &in_attackers).await;
    hostile_headers_assert_inert(&html, "the attacker's cartridges");
    assert_security_headers(&headers, "the attacker's cartridges", false);

    // The victim's workspace is as it was.
    let (_, list) = t.get("/api/v1/cartridges", &victim).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Victim voice"]);
}
