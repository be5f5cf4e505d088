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

/// The `dead` jobs of `kind` of `tenant` whose payload contains `campaign`'s id and that died
/// at or after `since`, newest first, at most `limit`.
pub async fn dead_jobs_of_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    campaign: Uuid,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DeadJobRow>> {
    const SQL: &str = "SELECT id, payload, last_error, updated_at FROM jobs \
        WHERE tenant_id = $1 AND kind = $2 AND state = 'dead' AND payload LIKE $3 \
        AND updated_at >= $4 ORDER BY updated_at DESC, id DESC LIMIT $5";
    let pattern = format!("%{campaign}%");
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(kind).bind(pattern)
        .bind(since).bind(limit).fetch_all(c).await?),
    )
}
