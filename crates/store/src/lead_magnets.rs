//! A workspace's lead magnet library: one row per magnet (an external link, or a stored file
//! with an empty `url`), and its search pieces with their embeddings. Vectors are f32
//! little-endian bytes with their model's name, ranked in the application by exact cosine as
//! cartridge memory does (no vector index: a library holds tens to hundreds of magnets).

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::lead_magnet::Tags;
use revos_domain::{LeadMagnetId, PageRequest, TenantId};
use uuid::Uuid;

/// Points the magnets holding file `old` at file `new` (a guide rendered again); returns the
/// ids of those that moved, whose search pieces are then rebuilt from the new file.
pub async fn repoint_file(
    tx: &mut Tx,
    tenant: TenantId,
    old: Uuid,
    new: Uuid,
) -> Result<Vec<Uuid>> {
    const SQL: &str =
        "UPDATE lead_magnets SET file_id = $3 WHERE tenant_id = $1 AND file_id = $2 RETURNING id";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(old).bind(new).fetch_all(c).await?),
    )
}

/// A stored magnet.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MagnetRow {
    /// Its id.
    pub id: Uuid,
    /// Its title.
    pub title: String,
    /// Its external link; empty for a file.
    pub url: String,
    /// What it is.
    pub description: String,
    /// Its labels.
    #[sqlx(try_from = "String")]
    pub tags: Tags,
    /// The stored file, when it is one.
    pub file_id: Option<Uuid>,
    /// The cartridge it belongs to.
    pub cartridge_id: Option<Uuid>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A magnet's columns as an edit sets them.
pub struct MagnetFields<'a> {
    /// Its title.
    pub title: &'a str,
    /// Its external link; empty for a file.
    pub url: &'a str,
    /// What it is.
    pub description: &'a str,
    /// Its labels as a JSON list.
    pub tags: &'a str,
    /// The stored file.
    pub file_id: Option<Uuid>,
    /// The cartridge it belongs to.
    pub cartridge_id: Option<Uuid>,
    /// The folded text the plain match looks in.
    pub search_text: &'a str,
}

const COLUMNS: &str =
    "id, title, url, description, tags, file_id, cartridge_id, created_at, updated_at";

/// Stores a new magnet of `tenant`.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    id: LeadMagnetId,
    f: &MagnetFields<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO lead_magnets (id, tenant_id, title, url, description, tags, file_id, \
        cartridge_id, search_text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
    on_conn!(tx, c => sqlx::query(SQL).bind(id.0).bind(tenant.0).bind(f.title).bind(f.url)
        .bind(f.description).bind(f.tags).bind(f.file_id).bind(f.cartridge_id).bind(f.search_text)
        .bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Replaces the fields of a magnet of `tenant`; false when there is none.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: LeadMagnetId,
    f: &MagnetFields<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE lead_magnets SET title = $3, url = $4, description = $5, tags = $6, \
        file_id = $7, cartridge_id = $8, search_text = $9, updated_at = $10 WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).bind(f.title).bind(f.url)
        .bind(f.description).bind(f.tags).bind(f.file_id).bind(f.cartridge_id).bind(f.search_text)
        .bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Magnet `id` of `tenant`, if it exists.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: LeadMagnetId) -> Result<Option<MagnetRow>> {
    let sql = format!("SELECT {COLUMNS} FROM lead_magnets WHERE tenant_id = $1 AND id = $2");
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(id.0)
        .fetch_optional(c).await?),
    )
}

/// The URL magnet of `tenant` with this title and link, if one exists (the oldest): where a
/// campaign's inline magnet is filed.
pub async fn find_url_magnet(
    tx: &mut Tx,
    tenant: TenantId,
    title: &str,
    url: &str,
) -> Result<Option<Uuid>> {
    const SQL: &str = "SELECT id FROM lead_magnets WHERE tenant_id = $1 AND file_id IS NULL \
        AND title = $2 AND url = $3 ORDER BY id LIMIT 1";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(title).bind(url)
        .fetch_optional(c).await?),
    )
}

/// A page of the magnets of `tenant` by id; only those whose folded text contains the folded
/// `term` when one is given.
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    term: Option<&str>,
    page: PageRequest,
) -> Result<Vec<MagnetRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM lead_magnets WHERE tenant_id = $1");
    let mut next = 2;
    if term.is_some() {
        sql.push_str(&format!(" AND search_text LIKE ${next} ESCAPE '\\'"));
        next += 1;
    }
    if page.after.is_some() {
        sql.push_str(&format!(" AND id > ${next}"));
        next += 1;
    }
    sql.push_str(&format!(" ORDER BY id LIMIT ${next}"));
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0);
        if let Some(term) = term {
            q = q.bind(crate::lead_search::like_pattern(term));
        }
        if let Some(after) = page.after {
            q = q.bind(after);
        }
        q.bind(page.fetch_limit()).fetch_all(c).await?
    }))
}

/// The magnets of `tenant` among `ids` (one query for a ranked page).
pub async fn get_many(tx: &mut Tx, tenant: TenantId, ids: &[Uuid]) -> Result<Vec<MagnetRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM lead_magnets WHERE tenant_id = $1 AND id IN ({})",
        crate::allowed_from::placeholders(2, ids.len())
    );
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(c).await?
    }))
}

/// The ids of the magnets of `tenant` whose folded text contains the folded `term`, at most
/// `limit`: the plain match beside the ranking.
pub async fn matching(tx: &mut Tx, tenant: TenantId, term: &str, limit: i64) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT id FROM lead_magnets WHERE tenant_id = $1 AND search_text LIKE $2 ESCAPE '\\' \
        ORDER BY id LIMIT $3";
    let pattern = crate::lead_search::like_pattern(term);
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(&pattern).bind(limit)
        .fetch_all(c).await?),
    )
}

/// Deletes a magnet of `tenant` (its pieces go with it); false when there is none.
pub async fn delete(tx: &mut Tx, tenant: TenantId, id: LeadMagnetId) -> Result<bool> {
    const SQL: &str = "DELETE FROM lead_magnets WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// How many campaigns of `tenant` that are not completed send magnet `id`.
pub async fn live_campaigns_using(tx: &mut Tx, tenant: TenantId, id: LeadMagnetId) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM campaigns WHERE tenant_id = $1 AND lead_magnet_id = $2 \
        AND status <> $3";
    let done = revos_domain::campaign::CampaignStatus::Completed.as_str();
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(id.0).bind(done)
        .fetch_one(c).await?),
    )
}

/// A search piece of a magnet with its embedding.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChunkRow {
    /// Its id.
    pub id: Uuid,
    /// The magnet it belongs to.
    pub lead_magnet_id: Uuid,
    /// Its text.
    pub body: String,
    /// Its embedding, f32 little-endian; empty until it is embedded.
    pub embedding: Vec<u8>,
    /// The model that made `embedding`; empty until it is embedded.
    pub embedding_model: String,
}

/// Replaces the search pieces of magnet `id` of `tenant` with `bodies` (not embedded yet).
pub async fn replace_chunks(
    tx: &mut Tx,
    tenant: TenantId,
    id: LeadMagnetId,
    bodies: &[String],
) -> Result<()> {
    const DELETE: &str =
        "DELETE FROM lead_magnet_chunks WHERE tenant_id = $1 AND lead_magnet_id = $2";
    on_conn!(tx, c => sqlx::query(DELETE).bind(tenant.0).bind(id.0).execute(c).await?.rows_affected());
    if bodies.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..bodies.len())
        .map(|i| {
            let b = 3 + i * 3;
            format!("(${b}, $1, $2, ${}, ${})", b + 1, b + 2)
        })
        .collect();
    let sql = format!(
        "INSERT INTO lead_magnet_chunks (id, tenant_id, lead_magnet_id, position, body) VALUES {}",
        rows.join(", ")
    );
    on_conn!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(id.0);
        for (i, body) in bodies.iter().enumerate() {
            q = q.bind(Uuid::now_v7()).bind(i as i32).bind(body);
        }
        q.execute(c).await?.rows_affected()
    });
    Ok(())
}

/// Every search piece of `tenant`'s library.
pub async fn chunks(tx: &mut Tx, tenant: TenantId) -> Result<Vec<ChunkRow>> {
    const SQL: &str = "SELECT id, lead_magnet_id, body, embedding, embedding_model FROM lead_magnet_chunks \
        WHERE tenant_id = $1 ORDER BY lead_magnet_id, position";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).fetch_all(c).await?))
}

/// Saves a piece's embedding.
pub async fn set_chunk_embedding(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    embedding: &[u8],
    model: &str,
) -> Result<()> {
    const SQL: &str = "UPDATE lead_magnet_chunks SET embedding = $3, embedding_model = $4 \
        WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(embedding).bind(model)
        .execute(c).await?.rows_affected());
    Ok(())
}
