//! A post's attachments, in order: one row each, naming the stored file it shows.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::post_media::PostMediaKind;
use uuid::Uuid;

/// An attachment of a post, as stored (and as the API shows it).
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostMediaRow {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    /// The post.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub post_id: Uuid,
    /// The stored file (`GET /api/v1/files/{file_id}/content` serves it).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub file_id: Uuid,
    /// Its place among the post's attachments, from 0.
    pub position: i32,
    /// Image, or document (a PDF carousel).
    #[sqlx(try_from = "String")]
    pub kind: PostMediaKind,
    /// Its alternative text.
    pub alt_text: Option<String>,
    /// When it was attached.
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, post_id, file_id, position, kind, alt_text, created_at";

/// Attaches a file to a post of `tenant` at `row.position`.
pub async fn insert(tx: &mut Tx, tenant: TenantId, row: &PostMediaRow) -> Result<()> {
    const SQL: &str = "INSERT INTO post_media (id, tenant_id, post_id, file_id, position, kind, \
        alt_text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(row.id).bind(tenant.0).bind(row.post_id)
        .bind(row.file_id).bind(row.position).bind(row.kind.as_str()).bind(&row.alt_text)
        .bind(row.created_at).execute(c).await?.rows_affected());
    Ok(())
}

/// The attachments of post `post` of `tenant`, in order.
pub async fn of_post(tx: &mut Tx, tenant: TenantId, post: Uuid) -> Result<Vec<PostMediaRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM post_media WHERE tenant_id = $1 AND post_id = $2 \
         ORDER BY position, id"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(post)
        .fetch_all(c).await?),
    )
}

/// The attachments of `tenant`'s posts whose ids lie between `first` and `last` (a page of
/// posts listed by id), ordered by post then position: one query for a whole page.
pub async fn of_posts_between(
    tx: &mut Tx,
    tenant: TenantId,
    first: Uuid,
    last: Uuid,
) -> Result<Vec<PostMediaRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM post_media WHERE tenant_id = $1 AND post_id >= $2 \
         AND post_id <= $3 ORDER BY post_id, position, id"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(first)
        .bind(last).fetch_all(c).await?),
    )
}

/// Detaches attachment `id` from post `post`; returns its file id, `None` when there was no
/// such attachment.
pub async fn delete(tx: &mut Tx, tenant: TenantId, post: Uuid, id: Uuid) -> Result<Option<Uuid>> {
    const SQL: &str = "DELETE FROM post_media WHERE tenant_id = $1 AND post_id = $2 AND id = $3 RETURNING file_id";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(post).bind(id)
        .fetch_optional(c).await?),
    )
}

/// Moves attachment `id` of post `post` to `position`.
pub async fn set_position(
    tx: &mut Tx,
    tenant: TenantId,
    post: Uuid,
    id: Uuid,
    position: i32,
) -> Result<()> {
    const SQL: &str =
        "UPDATE post_media SET position = $4 WHERE tenant_id = $1 AND post_id = $2 AND id = $3";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(post).bind(id).bind(position)
        .execute(c).await?.rows_affected());
    Ok(())
}
