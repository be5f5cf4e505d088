//! The ledger of language-model calls: tokens and cost per tenant and per call.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// One recorded call.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LlmCallRow {
    /// Its id.
    pub id: Uuid,
    /// The chat session it served, if any.
    pub session_id: Option<Uuid>,
    /// What it was for (`agent:campaign_manager`, `embedding`, `draft_post` ...).
    pub purpose: String,
    /// The model that answered.
    pub model: String,
    /// Input tokens.
    pub prompt_tokens: i64,
    /// Output tokens.
    pub completion_tokens: i64,
    /// Its cost in USD; `None` when the model is not in the price table.
    pub cost_usd: Option<f64>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Records one call of `tenant`, and exports it as `model_called` (its model, purpose,
/// tokens and cost) when the workspace's analytics export is on, in the same transaction.
pub async fn insert(tx: &mut Tx, tenant: TenantId, row: &LlmCallRow) -> Result<()> {
    const SQL: &str = "INSERT INTO llm_calls (id, tenant_id, session_id, purpose, model, prompt_tokens, completion_tokens, cost_usd, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_conn!(tx, c => sqlx::query(SQL).bind(row.id).bind(tenant.0).bind(row.session_id).bind(&row.purpose)
        .bind(&row.model).bind(row.prompt_tokens).bind(row.completion_tokens).bind(row.cost_usd).bind(row.created_at)
        .execute(c).await?.rows_affected());
    let properties = serde_json::json!({
        "model": row.model, "purpose": row.purpose, "prompt_tokens": row.prompt_tokens,
        "completion_tokens": row.completion_tokens, "cost_usd": row.cost_usd,
        "session_id": row.session_id,
    });
    let export = crate::analytics_outbox::Capture {
        id: row.id,
        event: "model_called",
        user: None,
        properties: &properties,
        at: row.created_at,
    };
    crate::analytics_outbox::capture(tx, tenant, &export).await?;
    Ok(())
}

/// The calls of `tenant` since `since` (newest first, at most `limit`), optionally of one session.
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    session: Option<Uuid>,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<LlmCallRow>> {
    const SQL: &str = "SELECT id, session_id, purpose, model, prompt_tokens, completion_tokens, cost_usd, created_at \
        FROM llm_calls WHERE tenant_id = $1 AND created_at >= $2 AND ($3 IS NULL OR session_id = $3) \
        ORDER BY created_at DESC, id DESC LIMIT $4";
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, LlmCallRow>(SQL).bind(tenant.0).bind(since).bind(session).bind(limit)
        .fetch_all(c).await?),
    )
}

/// The known cost in USD of `tenant`'s calls since `since` (calls without a price count 0):
/// what a monthly budget is checked against, in one aggregate.
pub async fn cost_since(tx: &mut Tx, tenant: TenantId, since: DateTime<Utc>) -> Result<f64> {
    const SQL: &str = "SELECT COALESCE(SUM(cost_usd), 0.0) FROM llm_calls WHERE tenant_id = $1 AND created_at >= $2";
    Ok(
        on_conn!(tx, c => sqlx::query_scalar::<_, f64>(SQL).bind(tenant.0).bind(since)
        .fetch_one(c).await?),
    )
}
