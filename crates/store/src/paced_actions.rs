//! The automated actions each LinkedIn account took, for its pacing: one row per acting
//! provider call (a DM sent, a public reply posted), written right before the call and
//! finished right after it. The gap and the per-kind caps are computed from these rows in
//! the domain (`revos_domain::paced_action`); the account row, locked while a slot is taken,
//! serialises concurrent workers.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// A stored action.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActionRow {
    /// `dm` or `comment_reply` (see `revos_domain::paced_action::ActionKind`).
    pub kind: String,
    /// When its slot was taken, right before the call.
    pub started_at: DateTime<Utc>,
    /// When the call ended; none while in flight (or when the process died during it).
    pub finished_at: Option<DateTime<Utc>>,
    /// The gap drawn for it, in milliseconds.
    pub gap_ms: i64,
    /// Whether it counts against its kind's caps.
    pub counted: bool,
}

/// The actions of an account of `tenant` started after `since` (one indexed range scan).
pub async fn since(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<ActionRow>> {
    const SQL: &str = "SELECT kind, started_at, finished_at, gap_ms, counted FROM paced_actions \
        WHERE tenant_id = $1 AND account_id = $2 AND started_at > $3 ORDER BY started_at";
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(account).bind(since).fetch_all(c).await?),
    )
}

/// Records that an account of `tenant` starts action `id` of `kind` at `at`, counted for now.
pub async fn start(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    id: Uuid,
    kind: &str,
    at: DateTime<Utc>,
    gap_ms: i64,
) -> Result<()> {
    const SQL: &str = "INSERT INTO paced_actions (id, tenant_id, account_id, kind, started_at, gap_ms, counted) \
        VALUES ($1, $2, $3, $4, $5, $6, TRUE)";
    on_conn!(tx, c => sqlx::query(SQL).bind(id).bind(tenant.0).bind(account).bind(kind).bind(at).bind(gap_ms)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Records when action `id` of `tenant` ended and whether it counts against its caps; returns
/// the gap drawn for it (milliseconds), or none when there is no such unfinished action.
pub async fn finish(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    at: DateTime<Utc>,
    counted: bool,
) -> Result<Option<i64>> {
    const SQL: &str = "UPDATE paced_actions SET finished_at = $3, counted = $4 \
        WHERE tenant_id = $1 AND id = $2 AND finished_at IS NULL RETURNING gap_ms";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(id).bind(at).bind(counted).fetch_optional(c).await?),
    )
}

/// Deletes actions started before `before` (they no longer count towards any cap or gap).
pub async fn prune(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM paced_actions WHERE started_at < $1";
    Ok(on_conn!(tx, c => sqlx::query(SQL).bind(before).execute(c).await?.rows_affected()))
}

/// The kind and start time of the counted actions since `since` of the accounts of `tenant`
/// whose ids lie in `first..=last` (a page of accounts in id order), as (account, kind,
/// started at), by account then time: one query for a whole page, so that showing each
/// account's limits makes no query per account. The pages and the API count here what pacing
/// counts.
pub async fn counted_of_accounts(
    tx: &mut Tx,
    tenant: TenantId,
    (first, last): (Uuid, Uuid),
    since: DateTime<Utc>,
) -> Result<Vec<(Uuid, String, DateTime<Utc>)>> {
    const SQL: &str = "SELECT account_id, kind, started_at FROM paced_actions WHERE tenant_id = $1 \
        AND account_id BETWEEN $2 AND $3 AND counted AND started_at > $4 \
        ORDER BY account_id, started_at";
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(first).bind(last).bind(since).fetch_all(c).await?),
    )
}
