//! Activation refuses what cannot work, naming every failing field at once, and the campaign
//! stays a draft: no watched post, a placeholder lead magnet link, an account that is not
//! `ok`, an email fallback whose provider has no key. Validation answers list every failing
//! field at once too (campaign create and edit, the account's pacing).

use crate::helpers::{Db, TestApp, cartridge, error_fields};
use reqwest::{Method, StatusCode};
use revos_app::providers::ProviderSettings;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};
use std::collections::BTreeSet;

crate::both_backends!(
    activation_names_each_missing_piece_and_keeps_the_draft,
    validation_names_every_failing_field_at_once,
);

const PUBLIC: &str = "https://revos.example";

/// A campaign body on `account` that can be activated (no email fallback).
fn ready(account: &Value) -> Value {
    json!({
        "name": "Playbook launch", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
        "trigger_words": ["PLAYBOOK"], "watched_posts": ["7400000000000000700"],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    })
}

/// The fields as a set, for comparisons that do not depend on order.
fn fields(err: &Value) -> BTreeSet<String> {
    error_fields(err).into_iter().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Creates `body` as a draft and tries to activate it: the activation's answer, after
/// checking that a refusal left the campaign a draft.
async fn try_activate(t: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    let (status, c) = t.post("/api/v1/campaigns", Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap();
    let answer = t
        .post(
            &format!("/api/v1/campaigns/{id}/activate"),
            Some(token),
            json!({}),
        )
        .await;
    let (_, now) = t.get(&format!("/api/v1/campaigns/{id}"), token).await;
    let expected = if answer.0 == StatusCode::OK {
        "active"
    } else {
        "draft"
    };
    assert_eq!(now["status"], expected, "{}", answer.1);
    answer
}

async fn activation_names_each_missing_piece_and_keeps_the_draft(db: Db) {
    let unipile = FakeUnipile::start().await;
    unipile.state.add_account("acc1", "Dana");
    let t = TestApp::spawn_providers(
        db,
        ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            webhook_secret: Some("whsec-activation-0123456789".to_owned().into()),
            public_url: Some(PUBLIC.into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    let (token, _, _) = t.signup("dana@acme.io", "Acme").await;
    let (status, sandbox) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Dana (sandbox)"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sandbox}");
    let sandbox = sandbox["id"].clone();

    // Everything in order: it activates.
    let (status, ok) = try_activate(&t, &token, ready(&sandbox)).await;
    assert_eq!(status, StatusCode::OK, "{ok}");

    // Each missing piece alone is named alone.
    let mut no_post = ready(&sandbox);
    no_post["watched_posts"] = json!([]);
    let mut placeholders = Vec::new();
    for url in [
        "https://example.com/lead-magnets/the-playbook",
        "https://files.example.org/playbook.pdf",
        "http://www.example.net/p",
        "http://localhost:3000/playbook",
    ] {
        let mut body = ready(&sandbox);
        body["lead_magnet"]["url"] = json!(url);
        placeholders.push(body);
    }
    let mut instantly = ready(&sandbox);
    instantly["email_fallback"] = json!({"provider": "instantly", "campaign_id": "inst-1"});
    let mut smartlead = ready(&sandbox);
    smartlead["email_fallback"] = json!({"provider": "smartlead", "campaign_id": "42"});
    let cases = [(no_post, "watched_posts")]
        .into_iter()
        .chain(placeholders.into_iter().map(|b| (b, "lead_magnet.url")))
        .chain([
            (instantly.clone(), "email_fallback.provider"),
            (smartlead, "email_fallback.provider"),
        ]);
    for (body, field) in cases {
        let (status, err) = try_activate(&t, &token, body.clone()).await;
        assert_eq!(
            (status, error_fields(&err)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_owned()]),
            "{body}"
        );
        assert_eq!(err["error"]["code"], "validation_failed", "{err}");
    }

    // With the workspace's own Instantly key, the same campaign activates; the sandbox
    // sequencer needs no key.
    let (status, saved) = t
        .call(
            Method::PUT,
            "/api/v1/secrets/instantly_api_key",
            Some(&token),
            Some(json!({"value": "instantly-key"})),
        )
        .await;
    assert!(status.is_success(), "{saved}");
    let (status, ok) = try_activate(&t, &token, instantly).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    let mut simulated = ready(&sandbox);
    simulated["email_fallback"] = json!({"provider": "sandbox", "campaign_id": "seq"});
    assert_eq!(try_activate(&t, &token, simulated).await.0, StatusCode::OK);

    // A Unipile account whose credentials Unipile reports expired is not `ok`.
    let (status, linked) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "unipile", "account_id": "acc1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{linked}");
    let (_, hooks) = t.get("/api/v1/webhooks", &token).await;
    let hook = hooks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["provider"] == "unipile")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .strip_prefix(PUBLIC)
        .unwrap()
        .to_owned();
    let credentials = json!({"AccountStatus": {"account_id": "acc1", "account_type": "LINKEDIN", "message": "CREDENTIALS"}});
    let resp = t
        .http
        .post(format!("{}{hook}", t.base))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, account) = t
        .get(
            &format!(
                "/api/v1/linkedin-accounts/{}",
                linked["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(account["status"], "needs_reconnect");
    let (status, err) = try_activate(&t, &token, ready(&linked["id"])).await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["linkedin_account_id".to_owned()]
        )
    );
    assert!(
        err["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("needs_reconnect"),
        "{err}"
    );

    // Several at once: every one is named in one answer.
    let mut everything = ready(&linked["id"]);
    everything["watched_posts"] = json!([]);
    everything["lead_magnet"]["url"] = json!("https://example.com/lead-magnets/the-playbook");
    everything["email_fallback"] = json!({"provider": "smartlead", "campaign_id": "42"});
    let (status, err) = try_activate(&t, &token, everything).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(
        fields(&err),
        set(&[
            "watched_posts",
            "lead_magnet.url",
            "linkedin_account_id",
            "email_fallback.provider"
        ])
    );
}

async fn validation_names_every_failing_field_at_once(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@acme.io", "Acme").await;
    let (other, _, _) = t.signup("bo@beta.io", "Beta").await;
    let (_, account) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Ana"}),
        )
        .await;
    let (_, foreign_cartridge) = t
        .post("/api/v1/cartridges", Some(&other), cartridge("Bo's voice"))
        .await;

    // Bad fields and references to another workspace's rows, in one answer.
    let mut bad = ready(&json!(uuid::Uuid::now_v7()));
    bad["cartridge_id"] = foreign_cartridge["id"].clone();
    bad["dm_template"] = json!("Hi {{ nickname }}");
    bad["lead_magnet"]["url"] = json!("ftp://x");
    bad["trigger_words"] = json!(["!!!"]);
    let expected = set(&[
        "lead_magnet.url",
        "trigger_words[0]",
        "dm_template",
        "linkedin_account_id",
        "cartridge_id",
    ]);
    let (status, err) = t.post("/api/v1/campaigns", Some(&token), bad.clone()).await;
    assert_eq!(
        (status, fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, expected.clone())
    );
    let (status, c) = t
        .post("/api/v1/campaigns", Some(&token), ready(&account["id"]))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let path = format!("/api/v1/campaigns/{}", c["id"].as_str().unwrap());
    let (status, err) = t.put(&path, &token, bad).await;
    assert_eq!(
        (status, fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, expected)
    );
    let (_, unchanged) = t.get(&path, &token).await;
    assert_eq!(
        unchanged["dm_template"],
        ready(&account["id"])["dm_template"]
    );

    // The pacing PATCH names every failing field, not the first.
    let pacing = format!(
        "/api/v1/linkedin-accounts/{}/pacing",
        account["id"].as_str().unwrap()
    );
    let (status, err) = t
        .patch(
            &pacing,
            &token,
            json!({"time_zone": "Mars/Olympus", "limit_pause_seconds": 1, "hourly_cap": 0,
                   "daily_cap": -5, "window_start": "21:00", "min_gap_seconds": 99999999999_i64}),
        )
        .await;
    assert_eq!(
        (status, fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            set(&[
                "time_zone",
                "limit_pause_seconds",
                "hourly_cap",
                "daily_cap",
                "min_gap_seconds",
                "window_end"
            ])
        ),
        "{err}"
    );
    assert_eq!(
        error_fields(&err).len(),
        6,
        "each field once, with its first reason: {err}"
    );
    let (_, after) = t
        .get(
            &format!(
                "/api/v1/linkedin-accounts/{}",
                account["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(
        after["pacing"]["hourly_cap"], 50,
        "a refused change changes nothing"
    );
}
