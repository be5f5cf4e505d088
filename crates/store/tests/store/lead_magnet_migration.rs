//! Campaigns stored before the lead magnet library: the migration files each workspace's
//! distinct inline magnets (title and URL) into its library once, points every campaign at
//! its magnet, and the campaign reads back with the same magnet and its `lead_magnet_id`.

use crate::both_backends;
use crate::fixtures::Owner;
use chrono::Utc;
use revos_domain::{PageRequest, TenantId};
use revos_store::{Store, campaigns, lead_magnets, tenants};
use revos_test_support::{Db, TestDb};
use std::borrow::Cow;
use uuid::Uuid;

both_backends!(inline_magnets_are_filed_into_the_library_once_per_workspace);

/// Applies the migrations that came before the library.
async fn migrate_before_library(test_db: &TestDb) {
    let mut migrator = match test_db.kind {
        Db::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Db::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    let first = match test_db.kind {
        Db::Sqlite => 29,
        Db::Postgres => 30,
    };
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

/// Stores a campaign as an older binary did: its magnet only inline, in its settings.
async fn old_campaign(owner: &Owner, tenant: TenantId, title: &str, url: &str) -> Uuid {
    let id = Uuid::now_v7();
    let settings = serde_json::json!({
        "name": "Launch", "linkedin_account_id": Uuid::now_v7(),
        "lead_magnet": {"title": title, "url": url, "description": "30 pages"},
        "trigger_words": ["GUIDE"], "watched_posts": [],
        "dm_template": "Hi {{ first_name }}! {{ lead_magnet_url }}"
    })
    .to_string();
    let sql = "INSERT INTO campaigns (id, tenant_id, name, status, settings, created_at, updated_at) \
               VALUES ($1, $2, 'Launch', 'draft', $3, $4, $4)";
    match owner {
        Owner::Sqlite(pool) => {
            sqlx::query(sql)
                .bind(id)
                .bind(tenant.0)
                .bind(&settings)
                .bind(Utc::now())
                .execute(pool)
                .await
                .unwrap();
        }
        Owner::Postgres(pool) => {
            sqlx::query(sql)
                .bind(id)
                .bind(tenant.0)
                .bind(&settings)
                .bind(Utc::now())
                .execute(pool)
                .await
                .unwrap();
        }
    }
    id
}

async fn inline_magnets_are_filed_into_the_library_once_per_workspace(db: Db) {
    let test_db = TestDb::new(db).await;
    migrate_before_library(&test_db).await;
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
    let a1 = old_campaign(&owner, tenant, "The Playbook", "https://acme.io/p").await;
    let a2 = old_campaign(&owner, tenant, "The Playbook", "https://acme.io/p").await;
    let a3 = old_campaign(&owner, tenant, "The Playbook", "https://acme.io/p2").await;
    let b1 = old_campaign(&owner, other, "The Playbook", "https://acme.io/p").await;

    store.migrate().await.unwrap();
    store.migrate().await.unwrap();

    let page = PageRequest {
        limit: 100,
        after: None,
    };
    let mut tx = store.begin_for(tenant).await.unwrap();
    let library = lead_magnets::list(&mut tx, tenant, None, page)
        .await
        .unwrap();
    let mut urls: Vec<&str> = library.iter().map(|m| m.url.as_str()).collect();
    urls.sort();
    assert_eq!(urls, ["https://acme.io/p", "https://acme.io/p2"]);
    assert!(
        library
            .iter()
            .all(|m| m.title == "The Playbook" && m.description == "30 pages")
    );
    let magnet_of = |url: &str| library.iter().find(|m| m.url == url).unwrap().id;
    for (campaign, url) in [
        (a1, "https://acme.io/p"),
        (a2, "https://acme.io/p"),
        (a3, "https://acme.io/p2"),
    ] {
        let row = campaigns::get(&mut tx, tenant, campaign)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.lead_magnet_id, Some(magnet_of(url)));
        assert_eq!(
            row.settings.lead_magnet_id.map(|m| m.0),
            Some(magnet_of(url))
        );
        assert_eq!(row.settings.lead_magnet.url, url);
    }
    // Each magnet is searchable: its title and description are its first piece.
    let chunks = lead_magnets::chunks(&mut tx, tenant).await.unwrap();
    assert_eq!(chunks.len(), 2);
    assert!(
        chunks
            .iter()
            .all(|c| c.body == "The Playbook\n30 pages" && c.embedding_model.is_empty())
    );
    // The plain match finds them by folded words.
    assert_eq!(
        lead_magnets::matching(&mut tx, tenant, "playbook", 10)
            .await
            .unwrap()
            .len(),
        2
    );
    tx.commit().await.unwrap();

    let mut tx = store.begin_for(other).await.unwrap();
    let theirs = lead_magnets::list(&mut tx, other, None, page)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1, "each workspace gets its own row");
    let row = campaigns::get(&mut tx, other, b1).await.unwrap().unwrap();
    assert_eq!(row.lead_magnet_id, Some(theirs[0].id));
    tx.commit().await.unwrap();
}
