//! The storage layer directly: the schema covers the mission on both backends, calls share a
//! transaction, and on PostgreSQL every tenant table (every table the catalogue shows with a
//! `tenant_id` column) is under forced row-level security with a policy, except the owner-only
//! tables the application role cannot touch at all.

use crate::both_backends;
use revos_domain::{Email, Role, TenantId, UserId};
use revos_store::{Store, memberships, tenants, users};
use revos_test_support::catalogue::{columns_by_table, row_security, tenant_tables};
use revos_test_support::{Db, TestDb};

both_backends!(
    schema_has_every_table_with_tenant_id,
    calls_share_one_transaction
);

/// The mission's tenant-owned tables, which must keep their `tenant_id`. Row-level security
/// is checked on every table the catalogue shows with one, not only on these.
const MISSION_TENANT_TABLES: [&str; 19] = [
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

/// Tenant tables the application role has no privilege on, read only through a view that
/// filters by the transaction's tenant itself (their owner reads them, so row-level security
/// is enabled but not forced): `lead_search`, whose trigram index row-level security would
/// keep the planner from using (see migration `0017_lead_search`).
const OWNER_ONLY_TABLES: [&str; 1] = ["lead_search"];

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
    let schema = columns_by_table(&test_db.url, db).await;
    for table in ["tenants", "users"] {
        assert!(
            schema
                .get(table)
                .is_some_and(|c| c.contains(&"id".to_owned())),
            "{table} missing"
        );
    }
    for table in MISSION_TENANT_TABLES {
        let cols = schema.get(table).cloned().unwrap_or_default();
        assert!(
            cols.contains(&"tenant_id".to_owned()),
            "{table} lacks tenant_id (columns: {cols:?})"
        );
    }
    if db == Db::Postgres {
        let tenant_tables = tenant_tables(&test_db.url, db).await;
        assert!(
            tenant_tables.len() >= MISSION_TENANT_TABLES.len(),
            "the catalogue shows only {tenant_tables:?} with tenant_id"
        );
        let security = row_security(&test_db.url).await;
        let pool = sqlx::PgPool::connect(&test_db.url).await.unwrap();
        for table in OWNER_ONLY_TABLES {
            let rls = &security[table];
            let app_may: bool = sqlx::query_scalar(
                "SELECT has_table_privilege('revos_app', $1, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')",
            )
            .bind(table)
            .fetch_one(&pool)
            .await
            .unwrap();
            assert!(
                rls.enabled && !rls.policies.is_empty() && !app_may,
                "{table}: the application role must have no privilege on it (policy as well: {rls:?})"
            );
        }
        for table in tenant_tables
            .iter()
            .filter(|t| !OWNER_ONLY_TABLES.contains(&t.as_str()))
        {
            let rls = security
                .get(table)
                .cloned()
                .unwrap_or_else(|| panic!("{table}: not in pg_class"));
            assert!(
                rls.enabled && rls.forced,
                "{table}: row-level security enabled={} forced={}",
                rls.enabled,
                rls.forced
            );
            assert!(
                !rls.policies.is_empty(),
                "{table}: no row-level security policy"
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
