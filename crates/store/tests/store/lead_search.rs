//! Leads stored before lead search existed: the migration indexes them at once (lower-cased,
//! accents not folded yet) and `Store::migrate` folds them in Rust, in batches, idempotently;
//! a lead written without its folded text (by an older binary) is still found meanwhile.

use crate::both_backends;
use crate::fixtures::Owner;
use chrono::Utc;
use revos_domain::{PageRequest, TenantId};
use revos_store::lead_queries::{self, LeadFilter};
use revos_store::{Store, tenants};
use revos_test_support::{Db, TestDb};
use std::borrow::Cow;
use uuid::Uuid;

both_backends!(existing_leads_are_backfilled_and_found_without_accents);

/// The first migration of lead search on each backend.
fn search_migration(db: Db) -> i64 {
    match db {
        Db::Sqlite => 16,
        Db::Postgres => 17,
    }
}

/// Applies the migrations that came before lead search.
async fn migrate_before_search(test_db: &TestDb) {
    let mut migrator = match test_db.kind {
        Db::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Db::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    let first = search_migration(test_db.kind);
    migrator.migrations = Cow::Owned(
        migrator
            .migrations
            .iter()
            .filter(|m| m.version < first)
            .cloned()
            .collect(),
    );
    match test_db.kind {
        Db::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&format!("{}?mode=rwc", test_db.url))
                .await
                .unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        Db::Postgres => {
            let pool = sqlx::PgPool::connect(&test_db.url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// Stores a lead as the database's owner, with only the columns the old schema had.
async fn old_lead(owner: &Owner, tenant: TenantId, i: usize, name: &str, company: Option<&str>) {
    let sql = "INSERT INTO leads (id, tenant_id, provider_id, name, company, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $6)";
    let (id, provider, now) = (Uuid::now_v7(), format!("ACo{i}"), Utc::now());
    match owner {
        Owner::Sqlite(pool) => {
            sqlx::query(sql)
                .bind(id)
                .bind(tenant.0)
                .bind(&provider)
                .bind(name)
                .bind(company)
                .bind(now)
                .execute(pool)
                .await
                .unwrap();
        }
        Owner::Postgres(pool) => {
            sqlx::query(sql)
                .bind(id)
                .bind(tenant.0)
                .bind(&provider)
                .bind(name)
                .bind(company)
                .bind(now)
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

/// The names of the leads of `tenant` whose text contains `term`, in id order.
async fn found(store: &Store, tenant: TenantId, term: &str) -> Vec<String> {
    let mut tx = store.begin_for(tenant).await.unwrap();
    let filter = LeadFilter {
        search: Some(term),
        ..LeadFilter::default()
    };
    let page = PageRequest {
        limit: 5000,
        after: None,
    };
    let leads = lead_queries::list(&mut tx, tenant, &filter, page)
        .await
        .unwrap();
    leads.into_iter().map(|l| l.name).collect()
}

/// How many leads still lack their folded text.
async fn unfolded(owner: &Owner) -> i64 {
    let sql = "SELECT COUNT(*) FROM leads WHERE search_text IS NULL";
    match owner {
        Owner::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        Owner::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
    }
}

async fn existing_leads_are_backfilled_and_found_without_accents(db: Db) {
    let test_db = TestDb::new(db).await;
    migrate_before_search(&test_db).await;
    let store = Store::connect(&test_db.url).await.unwrap();
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let mut tx = store.begin().await.unwrap();
    tenants::insert(&mut tx, tenant, "Acme", Utc::now())
        .await
        .unwrap();
    tenants::insert(&mut tx, other, "Other", Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let owner = Owner::connect(&test_db).await;
    // More than one backfill batch, plus the people searched for.
    for i in 0..1050 {
        old_lead(&owner, tenant, i, &format!("Person {i}"), Some("Initech")).await;
    }
    old_lead(
        &owner,
        tenant,
        5000,
        "José Müller",
        Some("Société Générale"),
    )
    .await;
    old_lead(&owner, other, 5001, "José Müller", None).await;

    store.migrate().await.unwrap();
    assert_eq!(unfolded(&owner).await, 0, "every lead is folded");
    for term in ["jose muller", "JOSÉ", "müll", "societe gen", "SOCIÉTÉ"] {
        assert_eq!(found(&store, tenant, term).await, ["José Müller"], "{term}");
    }
    assert_eq!(found(&store, tenant, "initech").await.len(), 1050);
    assert_eq!(found(&store, tenant, "person 1049").await, ["Person 1049"]);
    // Migrating again has nothing left to do and changes no answer.
    store.migrate().await.unwrap();
    assert_eq!(found(&store, tenant, "jose").await, ["José Müller"]);

    // A lead an older binary still writes has no folded text: found by its lower-cased
    // fields until the next migration folds it.
    old_lead(&owner, tenant, 6000, "Zoë Ångström", Some("NORDIC AB")).await;
    assert_eq!(unfolded(&owner).await, 1);
    assert_eq!(found(&store, tenant, "nordic").await, ["Zoë Ångström"]);
    assert!(
        found(&store, tenant, "zoe").await.is_empty(),
        "not folded yet"
    );
    store.migrate().await.unwrap();
    assert_eq!(unfolded(&owner).await, 0);
    assert_eq!(
        found(&store, tenant, "zoe angstrom").await,
        ["Zoë Ångström"]
    );
}
