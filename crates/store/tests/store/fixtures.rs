//! Rows the store tests start from, written as the database's owner with plain SQL (below
//! the store's API and its row types, which these tests do not pin down).

use chrono::Utc;
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use revos_store::{Store, tenants};
use revos_test_support::{Db, TestDb};
use uuid::Uuid;

/// A connection pool on the test database as its owner (on PostgreSQL the server's
/// superuser, so row-level security does not apply).
pub enum Owner {
    /// On SQLite.
    Sqlite(sqlx::SqlitePool),
    /// On PostgreSQL.
    Postgres(sqlx::PgPool),
}

impl Owner {
    /// Connects to `db` as its owner.
    pub async fn connect(db: &TestDb) -> Self {
        match db.kind {
            Db::Sqlite => Self::Sqlite(sqlx::SqlitePool::connect(&db.url).await.expect("connect")),
            Db::Postgres => Self::Postgres(sqlx::PgPool::connect(&db.url).await.expect("connect")),
        }
    }
}

/// Runs `sql` with the bound values on an [`Owner`] pool.
macro_rules! owner_exec {
    ($owner:expr, $sql:expr $(, $bind:expr)* $(,)?) => {
        match $owner {
            Owner::Sqlite(pool) => {
                sqlx::query($sql)$(.bind($bind))*.execute(pool).await.expect($sql);
            }
            Owner::Postgres(pool) => {
                sqlx::query($sql)$(.bind($bind))*.execute(pool).await.expect($sql);
            }
        }
    };
}

/// Puts `lead` at `stage` in `campaign`, as the owner (a test's starting point).
pub async fn set_stage(db: &Owner, campaign: Uuid, lead: Uuid, stage: LeadStage) {
    set_stage_word(db, campaign, lead, stage.as_str()).await;
}

/// Stores `word` as the stage of `lead` in `campaign`, as the owner: any word, even one the
/// domain does not know.
pub async fn set_stage_word(db: &Owner, campaign: Uuid, lead: Uuid, word: &str) {
    owner_exec!(
        db,
        "UPDATE campaign_leads SET status = $1 WHERE campaign_id = $2 AND lead_id = $3",
        word,
        campaign,
        lead,
    );
}

/// A tenant with one campaign, one lead in it at some stage, and one post.
pub struct Seeded {
    /// The workspace.
    pub tenant: TenantId,
    /// Its draft campaign.
    pub campaign: Uuid,
    /// Its lead, in the campaign.
    pub lead: Uuid,
    /// A post of the workspace.
    pub post: Uuid,
}

/// A new workspace (through the store) whose lead is in its campaign at `stage`.
pub async fn seed(db: &Owner, store: &Store, stage: LeadStage) -> Seeded {
    let now = Utc::now();
    let tenant = TenantId::new();
    let mut tx = store.begin().await.unwrap();
    tenants::insert(&mut tx, tenant, "Acme", now).await.unwrap();
    tx.commit().await.unwrap();
    let (campaign, lead, post) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    owner_exec!(
        db,
        "INSERT INTO campaigns (id, tenant_id, name, status, created_at, updated_at) \
         VALUES ($1, $2, 'Launch', 'draft', $3, $3)",
        campaign,
        tenant.0,
        now,
    );
    owner_exec!(
        db,
        "INSERT INTO leads (id, tenant_id, provider_id, name, created_at, updated_at) \
         VALUES ($1, $2, 'p1', 'Ana', $3, $3)",
        lead,
        tenant.0,
        now,
    );
    owner_exec!(
        db,
        "INSERT INTO campaign_leads (id, tenant_id, campaign_id, lead_id, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        Uuid::now_v7(),
        tenant.0,
        campaign,
        lead,
        stage.as_str(),
        now,
    );
    owner_exec!(
        db,
        "INSERT INTO posts (id, tenant_id, status, body, created_at, updated_at) \
         VALUES ($1, $2, 'draft', 'Hello', $3, $3)",
        post,
        tenant.0,
        now,
    );
    Seeded {
        tenant,
        campaign,
        lead,
        post,
    }
}

/// Adds `seeded`'s lead to a second campaign of its workspace, at `stage`; returns it.
pub async fn second_campaign(db: &Owner, seeded: &Seeded, stage: LeadStage) -> Uuid {
    let now = Utc::now();
    let campaign = Uuid::now_v7();
    owner_exec!(
        db,
        "INSERT INTO campaigns (id, tenant_id, name, status, created_at, updated_at) \
         VALUES ($1, $2, 'Second', 'draft', $3, $3)",
        campaign,
        seeded.tenant.0,
        now,
    );
    owner_exec!(
        db,
        "INSERT INTO campaign_leads (id, tenant_id, campaign_id, lead_id, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        Uuid::now_v7(),
        seeded.tenant.0,
        campaign,
        seeded.lead,
        stage.as_str(),
        now,
    );
    campaign
}

/// The stage of `lead` in `campaign`, as stored, read as the owner.
pub async fn stage_of(db: &Owner, campaign: Uuid, lead: Uuid) -> String {
    const SQL: &str = "SELECT status FROM campaign_leads WHERE campaign_id = $1 AND lead_id = $2";
    match db {
        Owner::Sqlite(pool) => sqlx::query_scalar(SQL)
            .bind(campaign)
            .bind(lead)
            .fetch_one(pool)
            .await
            .unwrap(),
        Owner::Postgres(pool) => sqlx::query_scalar(SQL)
            .bind(campaign)
            .bind(lead)
            .fetch_one(pool)
            .await
            .unwrap(),
    }
}

/// Has `seeded`'s campaign watch its post (LinkedIn id `urn:li:activity:1`), as the owner.
pub async fn watch_post(db: &Owner, seeded: &Seeded) {
    owner_exec!(
        db,
        "UPDATE posts SET status = 'watching', campaign_id = $1, provider_post_id = 'urn:li:activity:1' \
         WHERE id = $2",
        seeded.campaign,
        seeded.post,
    );
}
