//! Lead tags (issue 21, item 4): a lead's tags are replaced as a set, normalised (trimmed,
//! lower-case, merged, at most 20 of at most 40 characters), shown on the list and the lead,
//! filter the list and the export, belong to one workspace, come with the GDPR export and go
//! with an erasure. Leads are made through the import API.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use crate::lead_import::{active_campaign, import};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(tags_are_normalised_filter_and_go_with_the_person);

/// Imports `n` people named `Person 0…` (even rows at Acme, odd at Globex) into a new
/// workspace's active campaign; (token, campaign, lead ids in file order).
pub(crate) async fn imported(t: &TestApp, email: &str, n: usize) -> (String, Uuid, Vec<Uuid>) {
    let (token, campaign) = active_campaign(t, email).await;
    let slug = email.split('@').next().unwrap();
    let mut csv = String::from("name,linkedin_url,email,company\n");
    for i in 0..n {
        let company = if i % 2 == 0 { "Acme" } else { "Globex" };
        csv.push_str(&format!(
            "Person {i},https://www.linkedin.com/in/{slug}-{i}/,p{i}@example.com,{company}\n"
        ));
    }
    let (status, report) = import(t, &token, campaign, &csv, None, false).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], n as u64, "{}", report["errors"][0]);
    let mut ids = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = t
            .get(&format!("/api/v1/leads?limit=200{after}"), &token)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for l in page["items"].as_array().unwrap() {
            ids.push(l["id"].as_str().unwrap().parse().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => after = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(ids.len(), n);
    (token, campaign, ids)
}

/// The ids of the leads a list URL answers (one page of up to 200).
async fn listed(t: &TestApp, token: &str, path: &str) -> Vec<Uuid> {
    let (status, page) = t.get(path, token).await;
    assert_eq!(status, StatusCode::OK, "{path}: {page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn put_tags(t: &TestApp, token: &str, lead: Uuid, tags: Value) -> (StatusCode, Value) {
    t.put(
        &format!("/api/v1/leads/{lead}/tags"),
        token,
        json!({ "tags": tags }),
    )
    .await
}

async fn tags_are_normalised_filter_and_go_with_the_person(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, ids) = imported(&t, "ann@tags.io", 6).await;
    let (a, b, c) = (ids[0], ids[1], ids[2]);

    let (status, body) = put_tags(&t, &token, a, json!(["  Warm ", "VIP", "warm"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"tags": ["vip", "warm"]}));
    let (status, body) = put_tags(&t, &token, b, json!(["warm", "Webinar 2026"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The filter compares normalised, on the list and within a campaign-free export.
    assert_eq!(
        listed(&t, &token, "/api/v1/leads?tag=WARM").await,
        vec![a, b]
    );
    assert_eq!(listed(&t, &token, "/api/v1/leads?tag=vip").await, vec![a]);
    assert_eq!(
        listed(&t, &token, "/api/v1/leads?tag=webinar%202026&q=person").await,
        vec![b]
    );
    assert!(
        listed(&t, &token, "/api/v1/leads?tag=cold")
            .await
            .is_empty()
    );
    let (_, page) = t.get("/api/v1/leads?tag=warm", &token).await;
    assert_eq!(page["items"][0]["tags"], json!(["vip", "warm"]));
    assert_eq!(page["items"][1]["tags"], json!(["warm", "webinar 2026"]));
    let (_, all) = t.get("/api/v1/leads", &token).await;
    assert_eq!(all["items"][2]["tags"], json!([]), "{all}");
    let (status, lead) = t.get(&format!("/api/v1/leads/{a}"), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lead["tags"], json!(["vip", "warm"]));
    let csv = t
        .http
        .get(format!("{}/api/v1/leads/export.csv?tag=warm", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exported: Vec<&str> = csv.lines().skip(1).map(|l| &l[..36]).collect();
    assert_eq!(exported, [a.to_string(), b.to_string()]);

    // Replacing the set drops what is not given again.
    let (status, body) = put_tags(&t, &token, a, json!(["vip"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(listed(&t, &token, "/api/v1/leads?tag=warm").await, vec![b]);
    let (status, body) = put_tags(&t, &token, c, json!([])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tags"], json!([]));

    // Bad input names the field.
    let (status, e) = put_tags(&t, &token, a, json!(["ok", " "])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["tags[1]"]);
    let (status, e) = put_tags(&t, &token, a, json!(["x".repeat(41)])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["tags[0]"]);
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let (status, e) = put_tags(&t, &token, a, json!(many)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["tags"]);
    let (status, e) = put_tags(&t, &token, a, json!(many[..20])).await;
    assert_eq!(status, StatusCode::OK, "twenty is allowed: {e}");
    let (status, e) = t
        .get(&format!("/api/v1/leads?tag={}", "y".repeat(41)), &token)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["tag"]);
    let (status, _) = put_tags(&t, &token, Uuid::now_v7(), json!(["a"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Another workspace neither sees nor changes them.
    let (other, _, _) = t.signup("eve@other.io", "Other").await;
    let (status, _) = put_tags(&t, &other, b, json!(["mine"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        listed(&t, &other, "/api/v1/leads?tag=warm")
            .await
            .is_empty()
    );
    assert_eq!(listed(&t, &token, "/api/v1/leads?tag=warm").await, vec![b]);

    // The GDPR export carries them; the erasure takes them away.
    let (status, person) = t.get(&format!("/api/v1/people/{b}/export"), &token).await;
    assert_eq!(status, StatusCode::OK, "{person}");
    assert_eq!(person["lead"]["tags"], json!(["warm", "webinar 2026"]));
    let (status, body) = t.delete(&format!("/api/v1/people/{b}"), &token).await;
    assert!(status.is_success(), "{status} {body}");
    assert!(
        listed(&t, &token, "/api/v1/leads?tag=warm")
            .await
            .is_empty()
    );
    let (_, lead) = t.get(&format!("/api/v1/leads/{b}"), &token).await;
    assert_eq!(lead["tags"], json!([]));
}
