//! The vault over HTTP: masked listing, no plaintext at rest, master-key rotation.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use reqwest::StatusCode;
use revos_app::MasterKey;
use serde_json::json;

both_backends!(
    secrets_are_masked_and_encrypted_at_rest,
    rotation_rewraps_every_data_key
);

const PLAINTEXT: &str = "sk-live-7f3c9a1b2d4e6f8091a2b3c4";

async fn secrets_are_masked_and_encrypted_at_rest(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let (status, put) = t
        .put(
            "/api/v1/secrets/apollo_api_key",
            &token,
            json!({"value": PLAINTEXT}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["masked_value"], "••••b3c4");
    assert!(!put.to_string().contains(PLAINTEXT));

    let (status, list) = t.get("/api/v1/secrets", &token).await;
    assert_eq!(status, StatusCode::OK);
    let item = &list["items"][0];
    assert_eq!(item["name"], "apollo_api_key");
    assert_eq!(item["masked_value"], "••••b3c4");
    assert!(item["created_at"].is_string() && item["updated_at"].is_string());
    assert!(!list.to_string().contains(PLAINTEXT));

    // Replacing keeps one entry; a bad name is 422 naming `name`.
    t.put(
        "/api/v1/secrets/apollo_api_key",
        &token,
        json!({"value": "another-secret-value-9999"}),
    )
    .await;
    let (_, list) = t.get("/api/v1/secrets", &token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["masked_value"], "••••9999");
    t.put(
        "/api/v1/secrets/apollo_api_key",
        &token,
        json!({"value": PLAINTEXT}),
    )
    .await;
    let (status, body) = t
        .put("/api/v1/secrets/Bad%20Name", &token, json!({"value": "x"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(crate::helpers::error_fields(&body), ["name"]);

    // The plaintext is nowhere in the stored data.
    match db {
        Db::Sqlite => {
            t.store.close().await;
            for entry in std::fs::read_dir(t.db.dir.path()).unwrap() {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                assert!(
                    !contains(&bytes, PLAINTEXT.as_bytes()),
                    "plaintext found in the SQLite files"
                );
            }
        }
        Db::Postgres => {
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&t.db.url)
                .await
                .unwrap();
            let dump: Vec<String> = sqlx::query_scalar(
                "SELECT concat_ws('|', name, encode(ciphertext, 'escape')) FROM secrets \
                 UNION ALL SELECT encode(wrapped_key, 'escape') FROM tenant_keys",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert_eq!(dump.len(), 2);
            assert!(
                dump.iter().all(|row| !row.contains(PLAINTEXT)),
                "plaintext found in PostgreSQL"
            );
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn rotation_rewraps_every_data_key(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, tenant_a, _) = t.signup("ana@example.com", "Acme").await;
    let (b, _, _) = t.signup("bob@example.com", "Beta").await;
    t.put(
        "/api/v1/secrets/unipile_api_key",
        &a,
        json!({"value": PLAINTEXT}),
    )
    .await;
    t.put(
        "/api/v1/secrets/unipile_api_key",
        &b,
        json!({"value": "bobs-secret-value-0000"}),
    )
    .await;
    let old = MasterKey::parse(&t.master_key).unwrap();
    let new = MasterKey::generate();
    let n = revos_app::secrets::rotate_master_key(&t.store, &old, &new, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(n, 2);
    // Running again is a no-op: every key is already sealed with the new master key.
    assert_eq!(
        revos_app::secrets::rotate_master_key(&t.store, &old, &new, chrono::Utc::now())
            .await
            .unwrap(),
        0
    );

    // An app with the new key reads the secrets; the old key no longer opens them.
    let clock = std::sync::Arc::new(revos_app::SystemClock);
    let fresh = revos_app::App::new(t.store.clone(), new, clock.clone(), Default::default());
    let name = revos_domain::SecretName::parse("name", "unipile_api_key").unwrap();
    let tenant = revos_domain::TenantId(tenant_a.parse().unwrap());
    assert_eq!(
        fresh
            .reveal_secret(tenant, &name)
            .await
            .unwrap()
            .unwrap()
            .as_str(),
        PLAINTEXT
    );
    let stale = revos_app::App::new(t.store.clone(), old, clock, Default::default());
    assert!(stale.reveal_secret(tenant, &name).await.is_err());
}
