//! A lead's tags (migration `lead_tags`): the workspace's labels on its leads, stored as the
//! domain normalised them. A lead's tags are read by the table's key, a page's tags in one
//! query, and the workspace's tag names from `lead_tags_by_tag`.

use crate::allowed_from::placeholders;
use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// Replaces the tags of `tenant`'s lead `lead` by `tags` (normalised, distinct): the ones no
/// longer given are removed and the new ones added; the tags it keeps are untouched.
pub async fn set(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
    tags: &[&str],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut remove = String::from("DELETE FROM lead_tags WHERE tenant_id = $1 AND lead_id = $2");
    if !tags.is_empty() {
        remove.push_str(" AND tag NOT IN (");
        remove.push_str(&placeholders(3, tags.len()));
        remove.push(')');
    }
    on_conn!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(remove.as_str())).bind(tenant.0).bind(lead);
        for t in tags {
            q = q.bind(*t);
        }
        q.execute(c).await?.rows_affected()
    });
    if tags.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..tags.len())
        .map(|i| format!("($1, $2, $3, ${})", i + 4))
        .collect();
    let add = format!(
        "INSERT INTO lead_tags (tenant_id, lead_id, created_at, tag) VALUES {} \
         ON CONFLICT (tenant_id, lead_id, tag) DO NOTHING",
        values.join(", ")
    );
    on_conn!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(add.as_str())).bind(tenant.0).bind(lead).bind(now);
        for t in tags {
            q = q.bind(*t);
        }
        q.execute(c).await?.rows_affected()
    });
    Ok(())
}

/// The tags of `tenant`'s lead `lead`, in alphabetical order.
pub async fn of_lead(tx: &mut Tx, tenant: TenantId, lead: Uuid) -> Result<Vec<String>> {
    const SQL: &str =
        "SELECT tag FROM lead_tags WHERE tenant_id = $1 AND lead_id = $2 ORDER BY tag";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(lead).fetch_all(c).await?))
}

/// The tags of each of `leads` of `tenant` as (lead, tag), by lead then tag: one query for
/// a page of the list.
pub async fn of_leads(
    tx: &mut Tx,
    tenant: TenantId,
    leads: &[Uuid],
) -> Result<Vec<(Uuid, String)>> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT lead_id, tag FROM lead_tags WHERE tenant_id = $1 AND lead_id IN ({}) \
         ORDER BY lead_id, tag",
        placeholders(2, leads.len())
    );
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0);
        for l in leads {
            q = q.bind(*l);
        }
        q.fetch_all(c).await?
    }))
}

/// The most tag names [`names`] returns.
pub const MAX_NAMES: i64 = 500;

/// The distinct tags in use in `tenant`, alphabetically (at most [`MAX_NAMES`]): the tag
/// filter's suggestions.
pub async fn names(tx: &mut Tx, tenant: TenantId) -> Result<Vec<String>> {
    const SQL: &str =
        "SELECT DISTINCT tag FROM lead_tags WHERE tenant_id = $1 ORDER BY tag LIMIT $2";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(MAX_NAMES).fetch_all(c).await?),
    )
}

/// Removes every tag of `tenant`'s lead `lead` (its erasure).
pub async fn remove_all(tx: &mut Tx, tenant: TenantId, lead: Uuid) -> Result<()> {
    const SQL: &str = "DELETE FROM lead_tags WHERE tenant_id = $1 AND lead_id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(lead).execute(c).await?.rows_affected());
    Ok(())
}
