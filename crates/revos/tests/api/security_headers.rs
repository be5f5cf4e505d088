//! The headers every response carries (API answers, pages, errors, assets): a
//! Content-Security-Policy without inline script or style, `nosniff`, a same-origin referrer
//! policy, no framing, HSTS only when the instance is served over https; and the icon.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap};
use std::collections::HashMap;

both_backends!(
    every_response_carries_the_security_headers,
    hsts_only_when_the_public_url_is_https,
);

/// The policy's directives, by name.
pub fn csp_directives(headers: &HeaderMap, what: &str) -> HashMap<String, Vec<String>> {
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    csp.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace().map(str::to_owned);
            Some((words.next()?, words.collect()))
        })
        .collect()
}

/// Asserts the headers every answer must carry; `https` says whether HSTS is expected.
pub fn assert_security_headers(headers: &HeaderMap, what: &str, https: bool) {
    let csp = csp_directives(headers, what);
    let only = |name: &str, want: &[&str]| {
        assert_eq!(
            csp.get(name).map(Vec::as_slice),
            Some(&want.iter().map(|w| w.to_string()).collect::<Vec<_>>()[..]),
            "{what}: {name} in {csp:?}"
        );
    };
    only("default-src", &["'self'"]);
    only("script-src", &["'self'"]);
    only("style-src", &["'self'"]);
    only("img-src", &["'self'", "data:"]);
    only("connect-src", &["'self'"]);
    only("frame-ancestors", &["'none'"]);
    only("base-uri", &["'none'"]);
    only("form-action", &["'self'"]);
    assert!(
        !csp.values().flatten().any(|s| s.starts_with("'unsafe")),
        "{what}: {csp:?}"
    );
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header("referrer-policy").as_deref(),
        Some("same-origin"),
        "{what}"
    );
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{what}");
    match header("strict-transport-security") {
        Some(v) => {
            assert!(https, "{what}: HSTS over plain http: {v}");
            let age: u64 = v
                .strip_prefix("max-age=")
                .and_then(|a| a.split(';').next())
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| panic!("{what}: HSTS without max-age: {v}"));
            assert!(age >= 15_552_000, "{what}: HSTS for only {age} s");
        }
        None => assert!(!https, "{what}: no HSTS although served over https"),
    }
}

/// GETs `path` (signed in with `session` when given: a bearer token for the API, the cookie
/// for pages) and returns status, headers and body.
async fn fetch(t: &TestApp, path: &str, session: Option<&str>) -> (u16, HeaderMap, String) {
    let mut req = t.http.get(format!("{}{path}", t.base));
    match session {
        Some(s) if path.starts_with("/api/") => req = req.bearer_auth(s),
        Some(s) => req = req.header(COOKIE, format!("revos_session={s}")),
        None => {}
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

async fn every_response_carries_the_security_headers(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let cases: [(&str, Option<&str>, u16, &str); 10] = [
        ("/api/v1/cartridges", Some(&token), 200, "application/json"),
        ("/api/v1/cartridges", None, 401, "application/json"),
        (
            "/api/v1/no-such-thing",
            Some(&token),
            404,
            "application/json",
        ),
        ("/api/v1/openapi.json", None, 200, "application/json"),
        ("/", Some(&token), 200, "text/html"),
        ("/login", None, 200, "text/html"),
        ("/no-such-page", Some(&token), 404, "text/html"),
        ("/assets/app.js", None, 200, "text/javascript"),
        ("/assets/app.css", None, 200, "text/css"),
        ("/favicon.ico", None, 200, "image/svg+xml"),
    ];
    for (path, session, status, kind) in cases {
        let what = format!(
            "GET {path} ({})",
            if session.is_some() {
                "signed in"
            } else {
                "anonymous"
            }
        );
        let (got, headers, body) = fetch(&t, path, session).await;
        assert_eq!(got, status, "{what}: {body}");
        let content_type = headers[CONTENT_TYPE].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{what}: {content_type}");
        assert_security_headers(&headers, &what, false);
        if kind == "text/html" {
            assert!(
                body.contains(
                    r#"<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">"#
                ),
                "{what}: no icon link"
            );
        }
    }
    // The icon the pages link is the one served, and it is an SVG picture.
    let (status, headers, icon) = fetch(&t, "/assets/favicon.svg", None).await;
    assert_eq!(status, 200);
    assert_eq!(headers[CONTENT_TYPE], "image/svg+xml");
    assert!(
        icon.starts_with("<svg") && icon.trim_end().ends_with("</svg>"),
        "{icon}"
    );
    assert_eq!(fetch(&t, "/favicon.ico", None).await.2, icon);
    // A refused form (the error page) and a wrong method carry them too.
    let resp = t
        .http
        .post(format!("{}/login", t.base))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("email=ana%40example.com&password=wrong+password+here")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert_security_headers(resp.headers(), "a refused log-in", false);
    let resp = t
        .http
        .delete(format!("{}/api/v1/openapi.json", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_security_headers(resp.headers(), "a wrong method", false);
}

async fn hsts_only_when_the_public_url_is_https(db: Db) {
    let providers = revos_app::providers::ProviderSettings {
        public_url: Some("https://revos.example.com".into()),
        ..Default::default()
    };
    let t = TestApp::spawn_providers(db, providers).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    for (path, session) in [
        ("/api/v1/cartridges", Some(token.as_str())),
        ("/", Some(token.as_str())),
        ("/api/v1/no-such-thing", None),
        ("/assets/app.js", None),
    ] {
        let (_, headers, _) = fetch(&t, path, session).await;
        assert_security_headers(&headers, path, true);
    }
}
