//! Two tenants: nothing of one is visible to, or changeable by, the other; and on PostgreSQL,
//! row-level security hides other tenants' rows even from a query without a tenant filter.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge};
use reqwest::StatusCode;
use revos_domain::TenantId;
use serde_json::json;

both_backends!(tenants_see_nothing_of_each_other);

async fn tenants_see_nothing_of_each_other(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, tenant_a, a_user) = t.signup("ana@example.com", "Acme").await;
    let (b, tenant_b, _) = t.signup("bob@example.com", "Beta").await;

    // Tenant A creates one of everything.
    let (_, c) = t
        .post("/api/v1/cartridges", Some(&a), cartridge("Acme voice"))
        .await;
    let cid = c["id"].as_str().unwrap().to_owned();
    t.put(
        "/api/v1/secrets/apollo_api_key",
        &a,
        json!({"value": "acme-secret-value-1234"}),
    )
    .await;
    let (_, key) = t
        .post("/api/v1/api-keys", Some(&a), json!({"name": "acme"}))
        .await;
    let key_id = key["id"].as_str().unwrap().to_owned();
    let (_, inv) = t
        .post(
            "/api/v1/invitations",
            Some(&a),
            json!({"email": "carol@example.com"}),
        )
        .await;
    let inv_id = inv["id"].as_str().unwrap().to_owned();
    // Tenant B has a cartridge of its own, so its lists are not trivially empty.
    t.post("/api/v1/cartridges", Some(&b), cartridge("Beta voice"))
        .await;

    // Every list of B shows only B.
    for path in [
        "/api/v1/cartridges",
        "/api/v1/secrets",
        "/api/v1/api-keys",
        "/api/v1/invitations",
        "/api/v1/members",
    ] {
        let (status, list) = t.get(path, &b).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let text = list.to_string();
        for leak in [
            "Acme voice",
            "apollo_api_key",
            "acme",
            "carol@example.com",
            "ana@example.com",
            &cid,
            &key_id,
        ] {
            assert!(
                !text.contains(leak),
                "{path} shows tenant A's {leak}: {text}"
            );
        }
    }

    // Every get, update and delete of A's ids from B is 404.
    let cpath = format!("/api/v1/cartridges/{cid}");
    assert_eq!(t.get(&cpath, &b).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&format!("{cpath}/versions"), &b).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.put(&cpath, &b, cartridge("hijack")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.patch(&cpath, &b, json!({"name": "hijack"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.delete(&cpath, &b).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        t.delete("/api/v1/secrets/apollo_api_key", &b).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.delete(&format!("/api/v1/api-keys/{key_id}"), &b).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.delete(&format!("/api/v1/invitations/{inv_id}"), &b)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.patch(
            &format!("/api/v1/members/{a_user}"),
            &b,
            json!({"role": "member"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.delete(&format!("/api/v1/members/{a_user}"), &b).await.0,
        StatusCode::NOT_FOUND
    );
    // A login naming A's workspace does not get B in.
    let (status, _) = t
        .post("/api/v1/auth/login", None, json!({"email": "bob@example.com", "password": "correct horse battery", "tenant_id": tenant_a}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // And A's things are all still there and unchanged.
    let (_, still) = t.get(&cpath, &a).await;
    assert_eq!(still["name"], "Acme voice");
    assert_eq!(still["version"], 1);
    assert_eq!(
        t.get("/api/v1/me", key["key"].as_str().unwrap()).await.0,
        StatusCode::OK
    );
    assert_eq!(
        t.get("/api/v1/secrets", &a).await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    if db == Db::Postgres {
        raw_queries_see_one_tenant(&t, &tenant_a, &tenant_b).await;
    }
}

/// Queries with no tenant filter, through the app's own pool (role revos_app).
async fn raw_queries_see_one_tenant(t: &TestApp, tenant_a: &str, tenant_b: &str) {
    const TABLES: [&str; 9] = [
        "memberships",
        "sessions",
        "api_keys",
        "invitations",
        "tenant_keys",
        "secrets",
        "cartridges",
        "cartridge_versions",
        "events",
    ];
    let a = TenantId(tenant_a.parse().unwrap());
    let mut tx = t.store.begin_for(a).await.unwrap();
    let conn = tx.postgres_connection().unwrap();
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(role, "revos_app");
    let mut seen_a = 0;
    for table in TABLES {
        let sql = format!("SELECT tenant_id::text FROM {table}");
        let tenants: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        assert!(
            !tenants.iter().any(|t| t == tenant_b),
            "{table} shows tenant B's rows to tenant A"
        );
        seen_a += tenants.iter().filter(|t| *t == tenant_a).count();
    }
    assert!(seen_a >= 6, "tenant A should see its own rows ({seen_a})");
    // Writing a row for another tenant is refused too.
    let err = sqlx::query("INSERT INTO lead_magnets (id, tenant_id, title, url, created_at, updated_at) VALUES (gen_random_uuid(), $1::uuid, 't', 'u', now(), now())")
        .bind(tenant_b)
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);

    // With no scope at all, no tenant rows are visible.
    let mut tx = t.store.begin().await.unwrap();
    let conn = tx.postgres_connection().unwrap();
    for table in TABLES {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(n, 0, "{table} visible without a tenant scope");
    }
    // Events are append-only for the app role.
    let err = sqlx::query("UPDATE events SET kind = 'x'")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
}
