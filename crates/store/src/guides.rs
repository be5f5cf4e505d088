//! Generated guides and checklists of a workspace: their Markdown, state and rendered PDF.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::guides::{GuideKind, GuideStatus};
use revos_domain::{CartridgeId, FileId, GuideId, PageRequest, TenantId};
use uuid::Uuid;

/// A guide as stored.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuideRow {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    /// The cartridge whose voice and brand it has.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub cartridge_id: Uuid,
    /// Guide or checklist.
    #[sqlx(try_from = "String")]
    pub kind: GuideKind,
    /// Draft, approved or rendered.
    #[sqlx(try_from = "String")]
    pub status: GuideStatus,
    /// What it was asked to be about.
    pub topic: String,
    /// Its title (the cover's).
    pub title: String,
    /// Its body.
    pub markdown: String,
    /// The rendered PDF, once rendered (null again if that file is deleted).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub file_id: Option<Uuid>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl GuideRow {
    /// Its id, typed.
    pub fn guide_id(&self) -> GuideId {
        GuideId(self.id)
    }

    /// Its cartridge, typed.
    pub fn cartridge(&self) -> CartridgeId {
        CartridgeId(self.cartridge_id)
    }

    /// Its PDF, typed.
    pub fn file(&self) -> Option<FileId> {
        self.file_id.map(FileId)
    }
}

const COLUMNS: &str =
    "id, cartridge_id, kind, status, topic, title, markdown, file_id, created_at, updated_at";

/// Records a new guide of `tenant`.
pub async fn insert(tx: &mut Tx, tenant: TenantId, row: &GuideRow) -> Result<()> {
    const SQL: &str = "INSERT INTO guides (id, tenant_id, cartridge_id, kind, status, topic, title, \
        markdown, file_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    on_conn!(tx, c => sqlx::query(SQL).bind(row.id).bind(tenant.0).bind(row.cartridge_id)
        .bind(row.kind.as_str()).bind(row.status.as_str()).bind(&row.topic).bind(&row.title)
        .bind(&row.markdown).bind(row.file_id).bind(row.created_at).bind(row.updated_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Guide `id` of `tenant`, if it exists.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: GuideId) -> Result<Option<GuideRow>> {
    let sql = format!("SELECT {COLUMNS} FROM guides WHERE tenant_id = $1 AND id = $2");
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(id.0)
        .fetch_optional(c).await?),
    )
}

/// A page of `tenant`'s guides, newest first when `after` is None (then older ones).
pub async fn list(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<GuideRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM guides WHERE tenant_id = $1 AND ($2 IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(tenant.0).bind(page.after).bind(page.fetch_limit()).fetch_all(c).await?),
    )
}

/// Saves an edit of a draft's title and Markdown. False when it is not a draft of `tenant`.
pub async fn edit_draft(
    tx: &mut Tx,
    tenant: TenantId,
    id: GuideId,
    title: &str,
    markdown: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE guides SET title = $3, markdown = $4, updated_at = $5 \
        WHERE tenant_id = $1 AND id = $2 AND status = $6";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).bind(title).bind(markdown)
        .bind(now).bind(GuideStatus::Draft.as_str()).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Moves a guide from `from` to `to`. False when it was not in `from`.
pub async fn set_status(
    tx: &mut Tx,
    tenant: TenantId,
    id: GuideId,
    from: GuideStatus,
    to: GuideStatus,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE guides SET status = $4, updated_at = $5 \
        WHERE tenant_id = $1 AND id = $2 AND status = $3";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).bind(from.as_str())
        .bind(to.as_str()).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Records the rendered PDF of an approved or rendered guide. Returns the file it replaced,
/// or `None` (and changes nothing) when the guide is not approved.
pub async fn set_rendered(
    tx: &mut Tx,
    tenant: TenantId,
    id: GuideId,
    file: FileId,
    now: DateTime<Utc>,
) -> Result<Option<Option<Uuid>>> {
    let Some(current) = get(tx, tenant, id).await? else {
        return Ok(None);
    };
    if current.status == GuideStatus::Draft {
        return Ok(None);
    }
    const SQL: &str = "UPDATE guides SET status = $3, file_id = $4, updated_at = $5 \
        WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id.0).bind(GuideStatus::Rendered.as_str())
        .bind(file.0).bind(now).execute(c).await?.rows_affected());
    Ok(Some(current.file_id))
}

/// The rendered PDFs of `cartridge`'s guides (removed with the cartridge, whose deletion
/// cascades to its guides).
pub async fn files_of_cartridge(
    tx: &mut Tx,
    tenant: TenantId,
    cartridge: CartridgeId,
) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT file_id FROM guides WHERE tenant_id = $1 AND cartridge_id = $2 AND file_id IS NOT NULL";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(cartridge.0).fetch_all(c).await?),
    )
}
