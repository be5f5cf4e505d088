//! What a campaign will do next and what went wrong: its DM jobs still waiting in the queue
//! (or running), and the newest one that failed for good, for the campaign's page and API
//! view. The job payload names the campaign; the queries narrow by its id and the caller
//! checks each payload.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// A live job of one kind whose payload mentions a campaign.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QueuedJobRow {
    /// Its id.
    pub id: Uuid,
    /// Its JSON payload.
    pub payload: String,
    /// `scheduled`, `running` or `retrying`.
    pub state: String,
    /// When it is due.
    pub run_at: DateTime<Utc>,
    /// Attempts so far.
    pub attempts: i64,
}

/// The live (`scheduled`, `running`, `retrying`) jobs of `kind` of `tenant` whose payload
/// contains `campaign`'s id, soonest first, at most `limit`.
pub async fn live_jobs_of_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    campaign: Uuid,
    limit: i64,
) -> Result<Vec<QueuedJobRow>> {
    const SQL: &str = "SELECT id, payload, state, run_at, attempts FROM jobs \
        WHERE tenant_id = $1 AND kind = $2 AND state IN ('scheduled', 'running', 'retrying') \
        AND payload LIKE $3 ORDER BY run_at, id LIMIT $4";
    // A UUID's text has no LIKE pattern characters.
    let pattern = format!("%{campaign}%");
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(kind).bind(pattern)
        .bind(limit).fetch_all(c).await?),
    )
}

/// A job of one kind whose payload mentions a campaign and that failed for good.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeadJobRow {
    /// Its id.
    pub id: Uuid,
    /// Its JSON payload.
    pub payload: String,
    /// Why it failed.
    pub last_error: Option<String>,
    /// When it failed.
    pub updated_at: DateTime<Utc>,
}

/// The `dead` jobs of `kind` of `tenant` whose payload contains one of `campaigns`' ids and
/// that died at or after that campaign's time, newest first: the failures of a whole page of
/// campaigns in one query (the caller checks each payload and keeps the newest per
/// campaign).
pub async fn dead_jobs_of_campaigns(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    campaigns: &[(Uuid, DateTime<Utc>)],
) -> Result<Vec<DeadJobRow>> {
    if campaigns.is_empty() {
        return Ok(Vec::new());
    }
    let each: Vec<String> = (0..campaigns.len())
        .map(|i| {
            format!(
                "(payload LIKE ${} AND updated_at >= ${})",
                3 + 2 * i,
                4 + 2 * i
            )
        })
        .collect();
    let sql = format!(
        "SELECT id, payload, last_error, updated_at FROM jobs WHERE tenant_id = $1 AND kind = $2 \
         AND state = 'dead' AND ({}) ORDER BY updated_at DESC, id DESC",
        each.join(" OR ")
    );
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(kind);
        for (campaign, since) in campaigns {
            // A UUID's text has no LIKE pattern characters.
            q = q.bind(format!("%{campaign}%")).bind(*since);
        }
        q.fetch_all(c).await?
    }))
}
