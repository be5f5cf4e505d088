//! Campaigns and the posts they watch. The editable fields are one JSON document (`settings`),
//! validated by the domain; status, name and the account are copied out for queries.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::campaign::{CampaignSpec, CampaignStatus};
use revos_domain::{PageRequest, TenantId};
use uuid::Uuid;

/// A stored campaign.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CampaignRow {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Where it is in its life.
    #[sqlx(try_from = "String")]
    pub status: CampaignStatus,
    /// The editable fields, decoded from their JSON column.
    #[sqlx(try_from = "String")]
    pub settings: CampaignSpec,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The library magnet it sends (the column is the authority: it empties when the magnet
    /// is deleted).
    pub lead_magnet_id: Option<Uuid>,
    /// The library magnet's title.
    pub magnet_title: Option<String>,
    /// The library magnet's link (empty for a file).
    pub magnet_url: Option<String>,
    /// The library magnet's description.
    pub magnet_description: Option<String>,
    /// The library magnet's stored file, when it is one.
    pub magnet_file_id: Option<Uuid>,
}

impl CampaignRow {
    /// The row with its settings naming the library magnet and carrying its title, link and
    /// description, so every reader (the API, the DM, the activation check) sees the magnet
    /// as the library has it now.
    fn with_library_magnet(mut self) -> Self {
        self.settings.lead_magnet_id = self.lead_magnet_id.map(revos_domain::LeadMagnetId);
        if let (Some(_), Some(title)) = (self.lead_magnet_id, &self.magnet_title) {
            self.settings.lead_magnet = revos_domain::campaign::LeadMagnet {
                title: title.clone(),
                url: self.magnet_url.clone().unwrap_or_default(),
                description: self.magnet_description.clone().unwrap_or_default(),
            };
        }
        self
    }
}

macro_rules! columns {
    () => {
        "c.id, c.name, c.status, c.settings, c.created_at, c.updated_at, c.lead_magnet_id, \
         m.title AS magnet_title, m.url AS magnet_url, m.description AS magnet_description, \
         m.file_id AS magnet_file_id FROM campaigns c \
         LEFT JOIN lead_magnets m ON m.id = c.lead_magnet_id AND m.tenant_id = c.tenant_id"
    };
}

/// The columns a campaign's edit sets.
pub struct CampaignFields<'a> {
    /// Its name.
    pub name: &'a str,
    /// The LinkedIn account that watches and sends.
    pub account: Uuid,
    /// The voice of its DMs.
    pub cartridge: Option<Uuid>,
    /// The library magnet it sends.
    pub lead_magnet: Option<Uuid>,
    /// The editable fields as JSON.
    pub settings: &'a str,
}

/// Stores a new draft campaign of `tenant`.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    f: &CampaignFields<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO campaigns (id, tenant_id, name, status, cartridge_id, linkedin_account_id, settings, \
        created_at, updated_at, lead_magnet_id) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $7, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(id).bind(tenant.0).bind(f.name).bind(f.cartridge).bind(f.account)
        .bind(f.settings).bind(now).bind(f.lead_magnet).execute(c).await?.rows_affected());
    Ok(())
}

/// Reads one campaign of `tenant`.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Option<CampaignRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " WHERE c.tenant_id = $1 AND c.id = $2"
    );
    let row: Option<CampaignRow> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id).fetch_optional(c).await?);
    Ok(row.map(CampaignRow::with_library_magnet))
}

/// A page of the campaigns of `tenant`, optionally of one status (the condition is only
/// there when a status is asked for).
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    status: Option<CampaignStatus>,
    page: PageRequest,
) -> Result<Vec<CampaignRow>> {
    let mut sql = concat!("SELECT ", columns!(), " WHERE c.tenant_id = $1").to_owned();
    let mut next = 2;
    if status.is_some() {
        sql.push_str(&format!(" AND c.status = ${next}"));
        next += 1;
    }
    if page.after.is_some() {
        sql.push_str(&format!(" AND c.id > ${next}"));
        next += 1;
    }
    sql.push_str(&format!(" ORDER BY c.id LIMIT ${next}"));
    let rows: Vec<CampaignRow> = on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0);
        if let Some(status) = status {
            q = q.bind(status.as_str());
        }
        if let Some(after) = page.after {
            q = q.bind(after);
        }
        q.bind(page.fetch_limit()).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(CampaignRow::with_library_magnet)
        .collect())
}

/// Which of `campaigns` (of `tenant`) send from a sandbox LinkedIn account: one query for a
/// whole page of campaigns.
pub async fn on_sandbox_accounts(
    tx: &mut Tx,
    tenant: TenantId,
    campaigns: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>> {
    if campaigns.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!(
        "SELECT c.id FROM campaigns c JOIN linkedin_accounts a ON a.id = c.linkedin_account_id \
         WHERE c.tenant_id = $1 AND a.tenant_id = $1 AND a.is_sandbox AND c.id IN ({})",
        crate::allowed_from::placeholders(2, campaigns.len())
    );
    let ids: Vec<Uuid> = on_conn!(tx, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0);
        for id in campaigns {
            q = q.bind(*id);
        }
        q.fetch_all(c).await?
    });
    Ok(ids.into_iter().collect())
}

/// Replaces the editable fields of a campaign of `tenant`; false when there is none.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    f: &CampaignFields<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE campaigns SET name = $3, linkedin_account_id = $4, cartridge_id = $5, settings = $6, \
        updated_at = $7, lead_magnet_id = $8 WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(f.name).bind(f.account).bind(f.cartridge)
        .bind(f.settings).bind(now).bind(f.lead_magnet).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Moves a campaign of `tenant` to `to` if the domain allows it from its current status
/// ([`CampaignStatus::sources_of`]); false when it did not move (absent, or in a status `to`
/// may not come from, e.g. someone else changed it first).
pub async fn set_status(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    to: CampaignStatus,
    now: DateTime<Utc>,
) -> Result<bool> {
    let from = CampaignStatus::sources_of(to);
    if from.is_empty() {
        return Ok(false);
    }
    let sql = format!(
        "UPDATE campaigns SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 AND status IN ({})",
        crate::allowed_from::placeholders(5, from.len())
    );
    let n = on_conn!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(id).bind(to.as_str()).bind(now);
        for s in &from {
            q = q.bind(s.as_str());
        }
        q.execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

/// Deletes a campaign of `tenant`; false when there is none.
pub async fn delete(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<bool> {
    const SQL: &str = "DELETE FROM campaigns WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Watches a LinkedIn post for a campaign of `tenant` (no-op when it already does).
pub async fn watch_post(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    provider_post_id: &str,
    sandbox: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    const EXISTS: &str = "SELECT COUNT(*) FROM posts WHERE tenant_id = $1 AND campaign_id = $2 AND provider_post_id = $3";
    const SQL: &str = "INSERT INTO posts (id, tenant_id, campaign_id, status, body, provider_post_id, is_sandbox, created_at, \
        updated_at) VALUES ($1, $2, $3, 'watching', '', $4, $5, $6, $6)";
    let n: i64 = on_conn!(tx, c => sqlx::query_scalar(EXISTS).bind(tenant.0).bind(campaign).bind(provider_post_id).fetch_one(c).await?);
    if n == 0 {
        on_conn!(tx, c => sqlx::query(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(campaign).bind(provider_post_id)
            .bind(sandbox).bind(now).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// The provider post ids a campaign of `tenant` watches.
pub async fn watched_posts(tx: &mut Tx, tenant: TenantId, campaign: Uuid) -> Result<Vec<String>> {
    const SQL: &str = "SELECT provider_post_id FROM posts WHERE tenant_id = $1 AND campaign_id = $2 \
        AND status = 'watching' AND provider_post_id IS NOT NULL ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?))
}

/// Every active campaign of every tenant (for the monitor's schedule); needs
/// [`Store::begin_system`](crate::Store::begin_system) on PostgreSQL.
pub async fn active_all(tx: &mut Tx) -> Result<Vec<(Uuid, Uuid)>> {
    const SQL: &str = "SELECT tenant_id, id FROM campaigns WHERE status = 'active' ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).fetch_all(c).await?))
}

/// Every campaign of `tenant` past its draft, with its settings: an email provider's webhook
/// names only the provider's campaign id, looked up within the workspace whose webhook URL
/// received it.
pub async fn launched(tx: &mut Tx, tenant: TenantId) -> Result<Vec<(Uuid, String)>> {
    const SQL: &str =
        "SELECT id, settings FROM campaigns WHERE tenant_id = $1 AND status <> 'draft' ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).fetch_all(c).await?))
}
