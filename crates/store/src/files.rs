//! A workspace's files: one row each, the authority on what exists. The bytes live in the
//! object store (the app layer's `files` module); this module stores what is known of them.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::files::FilePurpose;
use revos_domain::{FileId, TenantId};
use uuid::Uuid;

/// A file as stored.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileRow {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    /// What it is for.
    #[sqlx(try_from = "String")]
    pub purpose: FilePurpose,
    /// Its name, as uploaded (a plain file name).
    pub name: String,
    /// The media type it is served with (checked against its bytes).
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// The SHA-256 of its bytes, in hex.
    pub sha256: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

impl FileRow {
    /// Its id, typed.
    pub fn file_id(&self) -> FileId {
        FileId(self.id)
    }
}

const COLUMNS: &str = "id, purpose, name, content_type, size, sha256, created_at";

/// Records a stored file of `tenant`.
pub async fn insert(tx: &mut Tx, tenant: TenantId, row: &FileRow) -> Result<()> {
    const SQL: &str = "INSERT INTO files (id, tenant_id, purpose, name, content_type, size, sha256, \
        created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(row.id).bind(tenant.0).bind(row.purpose.as_str())
        .bind(&row.name).bind(&row.content_type).bind(row.size).bind(&row.sha256).bind(row.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// File `id` of `tenant`, if it exists.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: FileId) -> Result<Option<FileRow>> {
    let sql = format!("SELECT {COLUMNS} FROM files WHERE tenant_id = $1 AND id = $2");
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(id.0)
        .fetch_optional(c).await?),
    )
}

/// Forgets file `id` of `tenant`. False when there was no such file.
pub async fn delete(tx: &mut Tx, tenant: TenantId, id: FileId) -> Result<bool> {
    const SQL: &str = "DELETE FROM files WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).execute(c).await?.rows_affected());
    Ok(n == 1)
}
