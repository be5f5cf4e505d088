//! Hostile and broken input: every case gets a 4xx with the JSON error body naming the
//! problem, nothing is stored, and the server stays healthy. No case may produce a 5xx.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge, error_fields, parse};
use reqwest::StatusCode;
use serde_json::json;

both_backends!(bad_bodies_get_clear_4xx, hostile_strings_are_data_not_code);

async fn raw(
    t: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    ct: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut req = t
        .http
        .request(method, format!("{}{path}", t.base))
        .body(body);
    if let Some(ct) = ct {
        req = req.header("content-type", ct);
    }
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    parse(req.send().await.expect("request")).await
}

async fn bad_bodies_get_clear_4xx(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let json_ct = Some("application/json");
    let post = reqwest::Method::POST;
    let endpoints: [(&str, Option<&str>); 5] = [
        ("/api/v1/auth/signup", None),
        ("/api/v1/auth/login", None),
        ("/api/v1/cartridges", Some(&token)),
        ("/api/v1/api-keys", Some(&token)),
        ("/api/v1/invitations", Some(&token)),
    ];
    for (path, tok) in endpoints {
        // Malformed JSON, truncated JSON, invalid UTF-8: 400 naming the body.
        for body in [
            b"{\"".to_vec(),
            b"{not json}".to_vec(),
            b"{\"\xff\xfe\": 1}".to_vec(),
            Vec::new(),
        ] {
            let (status, err) = raw(&t, post.clone(), path, tok, json_ct, body.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body:?}: {err}");
            assert_eq!(error_fields(&err), ["body"], "{path}: {err}");
        }
        // Not JSON at all: 415.
        let (status, _) = raw(
            &t,
            post.clone(),
            path,
            tok,
            Some("text/plain"),
            b"hello".to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
        let (status, _) = raw(&t, post.clone(), path, tok, None, b"{}".to_vec()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
        // 10 MB: 413, without the server reading it all.
        let big = format!("{{\"name\":\"{}\"}}", "a".repeat(10 * 1024 * 1024)).into_bytes();
        let (status, err) = raw(&t, post.clone(), path, tok, json_ct, big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {err}");
        // A JSON array or number where an object belongs.
        let (status, _) = raw(&t, post.clone(), path, tok, json_ct, b"[1,2,3]".to_vec()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }

    // Wrong types, missing and unknown fields: 422 naming each field.
    let cases = [
        (
            "/api/v1/auth/signup",
            None,
            json!({"email": 5, "password": "correct horse battery", "workspace_name": "A"}),
            "email",
        ),
        (
            "/api/v1/auth/signup",
            None,
            json!({"password": "correct horse battery", "workspace_name": "A"}),
            "email",
        ),
        (
            "/api/v1/auth/signup",
            None,
            json!({"email": "x@y.co", "password": "correct horse battery", "workspace_name": "A", "admin": true}),
            "admin",
        ),
        (
            "/api/v1/auth/signup",
            None,
            json!({"email": "not-an-email", "password": "correct horse battery", "workspace_name": "A"}),
            "email",
        ),
        (
            "/api/v1/auth/signup",
            None,
            json!({"email": "x@y.co", "password": "short", "workspace_name": "A"}),
            "password",
        ),
        (
            "/api/v1/auth/signup",
            None,
            json!({"email": "x@y.co", "password": "correct horse battery", "workspace_name": " "}),
            "workspace_name",
        ),
        (
            "/api/v1/auth/login",
            None,
            json!({"email": ["a"], "password": "x"}),
            "email",
        ),
        (
            "/api/v1/api-keys",
            Some(token.as_str()),
            json!({"name": "k", "role": "god"}),
            "role",
        ),
        (
            "/api/v1/api-keys",
            Some(token.as_str()),
            json!({"name": ""}),
            "name",
        ),
        (
            "/api/v1/invitations",
            Some(token.as_str()),
            json!({"email": "b@x.co", "role": 3}),
            "role",
        ),
        (
            "/api/v1/cartridges",
            Some(token.as_str()),
            json!({"name": "x"}),
            "persona",
        ),
    ];
    for (path, tok, body, field) in cases {
        let (status, err) = t.post(path, tok, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {err}"
        );
        assert_eq!(error_fields(&err), [field], "{path} {body}: {err}");
    }
    let mut c = cartridge("X");
    c["writing_style"]["vocabulary_level"] = json!("ten");
    let (status, err) = t.post("/api/v1/cartridges", Some(&token), c).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), ["writing_style.vocabulary_level"]);

    // Secrets: wrong type, unknown field, bad name, empty value.
    let (status, err) = t
        .put(
            "/api/v1/secrets/apollo_api_key",
            &token,
            json!({"value": 42}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["value".to_owned()])
    );
    let (status, err) = t
        .put(
            "/api/v1/secrets/apollo_api_key",
            &token,
            json!({"value": "abc", "plain": true}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["plain".to_owned()])
    );
    let (status, err) = t
        .put(
            "/api/v1/secrets/apollo_api_key",
            &token,
            json!({"value": ""}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["value".to_owned()])
    );

    // Bad ids and unknown routes.
    let (status, err) = t.get("/api/v1/cartridges/not-a-uuid", &token).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::BAD_REQUEST, vec!["id".to_owned()])
    );
    assert_eq!(
        t.get("/api/v1/nothing-here", &token).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.call(reqwest::Method::DELETE, "/api/v1/auth/login", None, None)
            .await
            .0,
        StatusCode::METHOD_NOT_ALLOWED
    );

    // Nothing was stored by any of it, and the server is fine.
    let (_, list) = t.get("/api/v1/cartridges", &token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (_, keys) = t.get("/api/v1/api-keys", &token).await;
    assert_eq!(keys["items"].as_array().unwrap().len(), 0);
    t.assert_healthy().await;
}

async fn hostile_strings_are_data_not_code(db: Db) {
    let t = TestApp::spawn(db).await;
    let sql = "Robert'); DROP TABLE tenants; --";
    let (status, s) = t.post("/api/v1/auth/signup", None, json!({"email": "bobby@example.com", "password": "correct horse battery", "workspace_name": sql})).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let token = s["token"].as_str().unwrap();

    let mut c = cartridge(sql);
    c["persona"]["role"] = json!("' OR 1=1 --");
    c["examples"][0]["post"] = json!("Ünïcödé ✓ 🚀 \u{202e} <script>alert(1)</script>");
    let (status, created) = t.post("/api/v1/cartridges", Some(token), c.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, got) = t
        .get(
            &format!("/api/v1/cartridges/{}", created["id"].as_str().unwrap()),
            token,
        )
        .await;
    assert_eq!(got["name"], sql);
    assert_eq!(got["persona"]["role"], "' OR 1=1 --");
    assert_eq!(got["examples"][0]["post"], c["examples"][0]["post"]);

    // Very long strings are refused by name, not truncated and not a 5xx.
    let long = "x".repeat(100_000);
    let (status, err) = t
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"email": "a@b.co", "password": long, "workspace_name": "A"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["password".to_owned()]
        )
    );
    let (status, err) = t.post("/api/v1/auth/signup", None, json!({"email": format!("{long}@b.co"), "password": "correct horse battery", "workspace_name": "A"})).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["email".to_owned()])
    );
    let mut c = cartridge("X");
    c["persona"]["target_audience"] = json!(long);
    let (status, err) = t.post("/api/v1/cartridges", Some(token), c).await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["persona.target_audience".to_owned()]
        )
    );
    let (status, err) = t
        .put(
            "/api/v1/secrets/k",
            token,
            json!({"value": "v".repeat(9000)}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["value".to_owned()])
    );
    let (status, _) = t
        .get(&format!("/api/v1/cartridges/{}", "x".repeat(10_000)), token)
        .await;
    assert!(status.is_client_error());
    // NUL characters are refused by name too.
    let (status, err) = t
        .post("/api/v1/cartridges", Some(token), cartridge("bad\u{0}name"))
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_owned()])
    );
    // ...in every JSON body, also where no field validation looks (a post's text reached
    // PostgreSQL, which refuses NUL, and answered 500).
    let (status, err) = t
        .post(
            "/api/v1/posts",
            Some(token),
            json!({"body": "a\u{0}b", "cartridge_id": created["id"]}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["body".to_owned()])
    );

    // The tables are all still there.
    let (status, _) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "bobby@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    t.assert_healthy().await;
}
