//! The SQL of a CSV lead import, one statement per batch of rows: which of the batch's
//! people the workspace knows already (by provider id or email, through `leads`' unique key
//! and `leads_email`), and the new leads in one multi-row insert that skips anyone a
//! concurrent write made meanwhile (`ON CONFLICT DO NOTHING` on the unique key).

use crate::allowed_from::placeholders;
use crate::tx::on_conn;
use crate::{Result, Tx, lead_search};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::lead_import::ImportedLead;
use uuid::Uuid;

/// Rows per batch: 2 binds each for [`known`], 12 for [`insert`], far below either
/// backend's limit of bound values.
pub const BATCH: usize = 500;

/// A person of the workspace that a batch names.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Known {
    /// Their provider id.
    pub provider_id: String,
    /// Their email, lower-cased.
    pub email: Option<String>,
    /// Whether they are on the do-not-contact list.
    pub do_not_contact: bool,
}

/// The leads of `tenant` whose provider id is one of `provider_ids` or whose email
/// (ignoring case) is one of `emails` (given lower-cased).
pub async fn known(
    tx: &mut Tx,
    tenant: TenantId,
    provider_ids: &[&str],
    emails: &[&str],
) -> Result<Vec<Known>> {
    if provider_ids.is_empty() && emails.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::from(
        "SELECT provider_id, LOWER(email) AS email, do_not_contact FROM leads WHERE tenant_id = $1 AND (",
    );
    let mut next = 2;
    if !provider_ids.is_empty() {
        sql.push_str("provider_id IN (");
        sql.push_str(&placeholders(next, provider_ids.len()));
        sql.push(')');
        next += provider_ids.len();
    }
    if !emails.is_empty() {
        if !provider_ids.is_empty() {
            sql.push_str(" OR ");
        }
        sql.push_str("LOWER(email) IN (");
        sql.push_str(&placeholders(next, emails.len()));
        sql.push(')');
    }
    sql.push(')');
    let rows: Vec<Known> = on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0);
        for p in provider_ids {
            q = q.bind(*p);
        }
        for e in emails {
            q = q.bind(*e);
        }
        q.fetch_all(c).await?
    });
    Ok(rows)
}

/// Inserts `rows` as new leads of `tenant` (sandbox people when `sandbox`), with their
/// folded search text, skipping any whose provider id is taken; returns the ids of the
/// leads made.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    rows: &[ImportedLead],
    sandbox: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    const COLS: usize = 12;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<String> = (0..rows.len())
        .map(|r| format!("({})", placeholders(r * COLS + 1, COLS)))
        .collect();
    let sql = format!(
        "INSERT INTO leads (id, tenant_id, provider_id, linkedin_url, name, email, company, title, \
         is_sandbox, created_at, updated_at, search_text) VALUES {} \
         ON CONFLICT (tenant_id, provider_id) DO NOTHING RETURNING id",
        values.join(", ")
    );
    let ids: Vec<Uuid> = on_conn!(tx, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for l in rows {
            let text = lead_search::text_of(
                &l.name,
                l.email.as_deref(),
                l.company.as_deref(),
                l.title.as_deref(),
                None,
            );
            q = q.bind(Uuid::now_v7()).bind(tenant.0).bind(&l.provider_id).bind(&l.linkedin_url)
                .bind(&l.name).bind(&l.email).bind(&l.company).bind(&l.title).bind(sandbox)
                .bind(now).bind(now).bind(text);
        }
        q.fetch_all(c).await?
    });
    Ok(ids)
}
