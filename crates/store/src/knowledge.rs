//! A cartridge's knowledge: uploaded documents and their embedded passages. Vectors are
//! stored as f32 little-endian bytes with the model's name, like the cartridge's memory;
//! ranking happens in the application by exact cosine over one cartridge's passages.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{CartridgeId, TenantId};
use uuid::Uuid;

/// A stored knowledge document.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DocumentRow {
    /// Its id.
    pub id: Uuid,
    /// The cartridge it informs.
    pub cartridge_id: Uuid,
    /// The original upload in the file store; `None` once that file is gone.
    pub file_id: Option<Uuid>,
    /// Its file name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// How many passages it was cut into.
    pub chunks: i64,
    /// Who uploaded it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A passage of a document, with its embedding.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChunkRow {
    /// Its id.
    pub id: Uuid,
    /// The document it is from.
    pub document_id: Uuid,
    /// The cartridge of that document.
    pub cartridge_id: Uuid,
    /// Its place in the document, from 0.
    pub ordinal: i64,
    /// The passage's text.
    pub body: String,
    /// The embedding of `body`, f32 little-endian.
    pub embedding: Vec<u8>,
    /// The model that made `embedding`.
    pub embedding_model: String,
}

/// A passage with its document's name, as ranking reads them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NamedChunk {
    /// The passage.
    #[sqlx(flatten)]
    pub chunk: ChunkRow,
    /// Its document's file name.
    pub document_name: String,
}

const DOC_COLUMNS: &str =
    "id, cartridge_id, file_id, name, content_type, size, chunks, created_by, created_at";

/// Stores a document of `tenant` (its cartridge must be one of the tenant's).
pub async fn insert_document(tx: &mut Tx, tenant: TenantId, row: &DocumentRow) -> Result<()> {
    const SQL: &str = "INSERT INTO knowledge_documents (tenant_id, id, cartridge_id, file_id, \
        name, content_type, size, chunks, created_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(row.id).bind(row.cartridge_id)
        .bind(row.file_id).bind(&row.name).bind(&row.content_type).bind(row.size).bind(row.chunks)
        .bind(row.created_by).bind(row.created_at).execute(c).await?.rows_affected());
    Ok(())
}

/// Stores a passage of a document of `tenant`.
pub async fn insert_chunk(tx: &mut Tx, tenant: TenantId, row: &ChunkRow) -> Result<()> {
    const SQL: &str = "INSERT INTO knowledge_chunks (tenant_id, id, document_id, cartridge_id, \
        ordinal, body, embedding, embedding_model) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(row.id).bind(row.document_id)
        .bind(row.cartridge_id).bind(row.ordinal).bind(&row.body).bind(&row.embedding)
        .bind(&row.embedding_model).execute(c).await?.rows_affected());
    Ok(())
}

/// The documents of a cartridge of `tenant`, oldest first.
pub async fn list_documents(
    tx: &mut Tx,
    tenant: TenantId,
    cartridge: CartridgeId,
) -> Result<Vec<DocumentRow>> {
    let sql = format!(
        "SELECT {DOC_COLUMNS} FROM knowledge_documents WHERE tenant_id = $1 AND cartridge_id = $2 \
         ORDER BY id"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0)
        .bind(cartridge.0).fetch_all(c).await?),
    )
}

/// Deletes document `id` of a cartridge of `tenant` with its passages; returns the row it
/// was, or `None` when there is no such document.
pub async fn delete_document(
    tx: &mut Tx,
    tenant: TenantId,
    cartridge: CartridgeId,
    id: Uuid,
) -> Result<Option<DocumentRow>> {
    let sql = format!(
        "DELETE FROM knowledge_documents WHERE tenant_id = $1 AND cartridge_id = $2 AND id = $3 \
         RETURNING {DOC_COLUMNS}"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0)
        .bind(cartridge.0).bind(id).fetch_optional(c).await?),
    )
}

/// Every passage of a cartridge of `tenant` with its document's name, in document order.
pub async fn chunks_of(
    tx: &mut Tx,
    tenant: TenantId,
    cartridge: CartridgeId,
) -> Result<Vec<NamedChunk>> {
    const SQL: &str = "SELECT k.id, k.document_id, k.cartridge_id, k.ordinal, k.body, \
        k.embedding, k.embedding_model, d.name AS document_name \
        FROM knowledge_chunks k JOIN knowledge_documents d ON d.id = k.document_id \
        WHERE k.tenant_id = $1 AND k.cartridge_id = $2 ORDER BY k.document_id, k.ordinal";
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(cartridge.0)
        .fetch_all(c).await?),
    )
}

/// Replaces the embedding of a passage of `tenant` (after the embedding model changed).
pub async fn set_embedding(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    embedding: &[u8],
    model: &str,
) -> Result<()> {
    const SQL: &str = "UPDATE knowledge_chunks SET embedding = $3, embedding_model = $4 \
        WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(embedding).bind(model)
        .execute(c).await?.rows_affected());
    Ok(())
}
