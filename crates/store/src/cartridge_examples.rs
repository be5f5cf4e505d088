//! A cartridge's memory: its example posts and DMs with their embeddings. Vectors are stored
//! as f32 little-endian bytes with the model's name; ranking happens in the application by
//! exact cosine over one cartridge's rows (no vector index: fine at this scale).

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{CartridgeId, TenantId};
use uuid::Uuid;

/// A stored example.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExampleRow {
    /// Its id.
    pub id: Uuid,
    /// The cartridge whose memory it is in.
    pub cartridge_id: Uuid,
    /// `post` or `dm`.
    pub kind: String,
    /// The final text.
    pub body: String,
    /// The draft it was edited from, when it was edited.
    pub draft: Option<String>,
    /// `approval`, `manual` or `import`.
    pub source: String,
    /// What it came from (e.g. the approved post), when known.
    pub source_id: Option<Uuid>,
    /// The embedding of `body`, f32 little-endian.
    pub embedding: Vec<u8>,
    /// The model that made `embedding`.
    pub embedding_model: String,
    /// Who added it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, cartridge_id, kind, body, draft, source, source_id, embedding, embedding_model, created_by, created_at"
    };
}

/// Stores an example of `tenant` (the row's `cartridge_id` must be one of its cartridges).
pub async fn insert(tx: &mut Tx, tenant: TenantId, row: &ExampleRow) -> Result<()> {
    const SQL: &str = concat!(
        "INSERT INTO cartridge_examples (tenant_id, ",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(row.id).bind(row.cartridge_id)
        .bind(&row.kind).bind(&row.body).bind(&row.draft).bind(&row.source).bind(row.source_id)
        .bind(&row.embedding).bind(&row.embedding_model).bind(row.created_by).bind(row.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// The examples of a cartridge of `tenant`, oldest first; only those of `kind` when given.
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    cartridge: CartridgeId,
    kind: Option<&str>,
) -> Result<Vec<ExampleRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM cartridge_examples WHERE tenant_id = $1 AND cartridge_id = $2 \
         AND ($3 IS NULL OR kind = $3) ORDER BY id"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(cartridge.0).bind(kind)
        .fetch_all(c).await?),
    )
}

/// Replaces the embedding of an example of `tenant` (after the embedding model changed).
pub async fn set_embedding(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    embedding: &[u8],
    model: &str,
) -> Result<()> {
    const SQL: &str = "UPDATE cartridge_examples SET embedding = $3, embedding_model = $4 \
        WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(embedding).bind(model)
        .execute(c).await?.rows_affected());
    Ok(())
}
