//! Cartridge CRUD, validation, merge patch, versions and pagination.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge, error_fields};
use reqwest::StatusCode;
use serde_json::json;

both_backends!(
    cartridge_crud_and_versions,
    cartridge_validation_names_fields,
    lists_paginate_with_cursors
);

async fn cartridge_crud_and_versions(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, user) = t.signup("ana@example.com", "Acme").await;
    let (status, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&token),
            cartridge("Dana Coaching"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["version"], 1);
    assert_eq!(c["created_by"], user.as_str());
    assert!(c["system_prompt"].is_null());
    let prompt = c["effective_system_prompt"].as_str().unwrap();
    assert!(
        prompt.contains("Executive Coach") && prompt.contains("Vocabulary level 5"),
        "{prompt}"
    );

    let (status, got) = t.get(&format!("/api/v1/cartridges/{id}"), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, c);

    // PUT replaces everything; the override prompt wins.
    let mut body = cartridge("Dana Coaching v2");
    body["system_prompt"] = json!("You are Dana.");
    let (status, put) = t
        .put(&format!("/api/v1/cartridges/{id}"), &token, body)
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["version"], 2);
    assert_eq!(put["effective_system_prompt"], "You are Dana.");

    // PATCH merges; null removes the override again.
    let (status, patched) = t
        .patch(
            &format!("/api/v1/cartridges/{id}"),
            &token,
            json!({"writing_style": {"vocabulary_level": 8}, "system_prompt": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["version"], 3);
    assert_eq!(patched["writing_style"]["vocabulary_level"], 8);
    assert_eq!(patched["writing_style"]["tone"], "casual");
    assert!(
        patched["effective_system_prompt"]
            .as_str()
            .unwrap()
            .contains("Vocabulary level 8")
    );
    // A patch that would make it invalid changes nothing.
    let (status, body) = t
        .patch(
            &format!("/api/v1/cartridges/{id}"),
            &token,
            json!({"writing_style": {"vocabulary_level": 11}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["writing_style.vocabulary_level"]);
    assert_eq!(
        t.get(&format!("/api/v1/cartridges/{id}"), &token).await.1["version"],
        3
    );

    let (status, versions) = t
        .get(&format!("/api/v1/cartridges/{id}/versions?limit=2"), &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    let v: Vec<_> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["version"].as_i64().unwrap())
        .collect();
    assert_eq!(v, [3, 2]);
    assert_eq!(versions["items"][1]["spec"]["name"], "Dana Coaching v2");
    assert_eq!(versions["items"][0]["changed_by"], user.as_str());
    let (_, older) = t
        .get(
            &format!(
                "/api/v1/cartridges/{id}/versions?before={}",
                versions["next_before"]
            ),
            &token,
        )
        .await;
    assert_eq!(older["items"][0]["version"], 1);
    assert!(older["next_before"].is_null());

    assert_eq!(
        t.delete(&format!("/api/v1/cartridges/{id}"), &token)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.get(&format!("/api/v1/cartridges/{id}"), &token).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.delete(&format!("/api/v1/cartridges/{id}"), &token)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

async fn cartridge_validation_names_fields(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let cases = [
        (
            "/writing_style/vocabulary_level",
            json!(0),
            "writing_style.vocabulary_level",
        ),
        (
            "/writing_style/vocabulary_level",
            json!(300),
            "writing_style.vocabulary_level",
        ),
        ("/writing_style/tone", json!("angry"), "writing_style.tone"),
        ("/persona/role", json!(""), "persona.role"),
        ("/name", json!("x".repeat(201)), "name"),
        (
            "/tools_enabled",
            json!(["ok", "no spaces"]),
            "tools_enabled[1]",
        ),
        (
            "/examples",
            json!([{"post": "", "dm": "", "email": ""}]),
            "examples[0]",
        ),
    ];
    for (pointer, value, field) in cases {
        let mut body = cartridge("X");
        *body.pointer_mut(pointer).unwrap() = value;
        let (status, err) = t.post("/api/v1/cartridges", Some(&token), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{pointer}: {err}");
        assert_eq!(error_fields(&err), [field], "{pointer}: {err}");
    }
    let mut body = cartridge("X");
    body["persona"].as_object_mut().unwrap().remove("role");
    let (status, err) = t.post("/api/v1/cartridges", Some(&token), body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), ["persona.role"]);
}

async fn lists_paginate_with_cursors(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    for i in 0..5 {
        let (status, _) = t
            .post(
                "/api/v1/cartridges",
                Some(&token),
                cartridge(&format!("C{i}")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cartridges?limit=2&cursor={c}"),
            None => "/api/v1/cartridges?limit=2".to_owned(),
        };
        let (status, page) = t.get(&path, &token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["C0", "C1", "C2", "C3", "C4"]);
    for bad in [
        "limit=0",
        "limit=201",
        "limit=abc",
        "cursor=%%%",
        "cursor=AAAA",
    ] {
        let (status, body) = t.get(&format!("/api/v1/cartridges?{bad}"), &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}
