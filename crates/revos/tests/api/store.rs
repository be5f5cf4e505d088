//! The storage layer directly: the schema covers the mission on both backends, calls share a
//! transaction, and on PostgreSQL every tenant table is under forced row-level security.

use crate::both_backends;
use crate::helpers::{Db, TestDb};
use revos_app::Store;
use revos_domain::{Email, Role, TenantId, UserId};
use revos_store::{memberships, tenants, users};

both_backends!(
    schema_has_every_table_with_tenant_id,
    calls_share_one_transaction
);

const TENANT_TABLES: [&str; 19] = [
    "memberships",
    "sessions",
    "api_keys",
    "invitations",
    "tenant_keys",
    "secrets",
    "cartridges",
    "cartridge_versions",
    "linkedin_accounts",
    "campaigns",
    "posts",
    "comments",
    "leads",
    "campaign_leads",
    "messages",
    "lead_magnets",
    "events",
    "jobs",
    "webhook_tokens",
];

async fn columns(url: &str, db: Db, table: &str) -> Vec<String> {
    match db {
        Db::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let sql = format!("SELECT name FROM pragma_table_info('{table}')");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(&pool)
                .await
                .unwrap()
        }
        Db::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1",
            )
            .bind(table)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    }
}

async fn open(db: Db) -> (TestDb, Store) {
    let test_db = TestDb::new(db).await;
    let store = Store::connect(&test_db.url).await.unwrap();
    store.migrate().await.unwrap();
    // Migrating twice is a no-op.
    store.migrate().await.unwrap();
    (test_db, store)
}

async fn schema_has_every_table_with_tenant_id(db: Db) {
    let (test_db, _store) = open(db).await;
    for table in ["tenants", "users"] {
        assert!(
            columns(&test_db.url, db, table)
                .await
                .contains(&"id".to_owned()),
            "{table} missing"
        );
    }
    for table in TENANT_TABLES {
        let cols = columns(&test_db.url, db, table).await;
        assert!(
            cols.contains(&"tenant_id".to_owned()),
            "{table} lacks tenant_id (columns: {cols:?})"
        );
    }
    if db == Db::Postgres {
        let pool = sqlx::PgPool::connect(&test_db.url).await.unwrap();
        for table in TENANT_TABLES {
            let (enabled, forced): (bool, bool) = sqlx::query_as(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = $1",
            )
            .bind(table)
            .fetch_one(&pool)
            .await
            .unwrap();
            assert!(
                enabled && forced,
                "{table}: row-level security enabled={enabled} forced={forced}"
            );
        }
        let (owner_is_app, bypass): (bool, bool) = sqlx::query_as(
            "SELECT bool_or(tableowner = 'revos_app'), (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = 'revos_app') \
             FROM pg_tables WHERE schemaname = 'public'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(
            !owner_is_app && !bypass,
            "revos_app must own nothing and not bypass RLS"
        );
    }
}

async fn calls_share_one_transaction(db: Db) {
    let (_test_db, store) = open(db).await;
    let now = chrono::Utc::now();
    let tenant = TenantId::new();
    let user = UserId::new();
    let email = Email::parse("email", "ana@example.com").unwrap();

    // Three calls, no commit: nothing is kept.
    let mut tx = store.begin().await.unwrap();
    tenants::insert(&mut tx, tenant, "Acme", now).await.unwrap();
    users::insert(&mut tx, user, &email, "hash", now)
        .await
        .unwrap();
    tx.scope_tenant(tenant).await.unwrap();
    memberships::insert(&mut tx, tenant, user, Role::Owner, now)
        .await
        .unwrap();
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    assert!(tenants::get(&mut tx, tenant).await.unwrap().is_none());
    assert!(
        users::find_by_email(&mut tx, &email)
            .await
            .unwrap()
            .is_none()
    );
    drop(tx);

    // The same calls committed together are all kept.
    let mut tx = store.begin().await.unwrap();
    tenants::insert(&mut tx, tenant, "Acme", now).await.unwrap();
    users::insert(&mut tx, user, &email, "hash", now)
        .await
        .unwrap();
    tx.scope_tenant(tenant).await.unwrap();
    memberships::insert(&mut tx, tenant, user, Role::Owner, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_for(tenant).await.unwrap();
    assert_eq!(
        memberships::role_of(&mut tx, tenant, user).await.unwrap(),
        Some(Role::Owner)
    );
    // A duplicate is a typed conflict, not a generic database error.
    let err = users::insert(&mut tx, UserId::new(), &email, "hash", now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, revos_store::StoreError::Conflict(_)),
        "{err:?}"
    );
}
