//! A workspace's outgoing-webhook endpoints: where events are POSTed, which kinds, whether on,
//! and the signing secret sealed under the workspace's data key (the cryptography is in the
//! app layer; this module stores bytes). The worker keeps each endpoint's failure streak
//! (`failing_since`) and turns a failing one off.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{PageRequest, TenantId};
use uuid::Uuid;

/// An endpoint as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EndpointRow {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// What the workspace calls it.
    pub description: String,
    /// The event kinds it receives, as a JSON array.
    pub event_types: String,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why the worker turned it off (`failing`); `None` when on or turned off by a person.
    pub disabled_reason: Option<String>,
    /// Nonce and ciphertext of the signing secret.
    pub sealed_secret: Vec<u8>,
    /// When the secret was made.
    pub secret_rotated_at: DateTime<Utc>,
    /// The secret it replaced, sealed, while it still signs beside it.
    pub previous_sealed_secret: Option<Vec<u8>>,
    /// Until when the previous secret signs too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// The first failed attempt since the last success.
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, url, description, event_types, enabled, disabled_reason, sealed_secret, \
    secret_rotated_at, previous_sealed_secret, previous_secret_until, failing_since, created_at, updated_at";

/// What a person sets on an endpoint.
pub struct EndpointFields<'a> {
    /// Where deliveries go (already through the outbound guard).
    pub url: &'a str,
    /// Its description.
    pub description: &'a str,
    /// The event kinds, as a JSON array.
    pub event_types: &'a str,
    /// Whether it is on.
    pub enabled: bool,
}

/// Adds endpoint `id` of `tenant`.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    fields: &EndpointFields<'_>,
    sealed_secret: &[u8],
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO webhook_endpoints (id, tenant_id, url, description, event_types, enabled, \
        disabled_reason, sealed_secret, secret_rotated_at, failing_since, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, NULL, $8, $8)";
    on_conn!(tx, c => sqlx::query(SQL).bind(id).bind(tenant.0).bind(fields.url).bind(fields.description)
        .bind(fields.event_types).bind(fields.enabled).bind(sealed_secret).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// The endpoints of `tenant` in creation order, one page (up to `limit + 1` rows).
pub async fn list(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<EndpointRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) \
         ORDER BY id LIMIT $3"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(page.after)
        .bind(page.fetch_limit()).fetch_all(c).await?),
    )
}

/// Endpoint `id` of `tenant`, if it exists.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Option<EndpointRow>> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2");
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(id)
        .fetch_optional(c).await?),
    )
}

/// Replaces what a person sets on endpoint `id`; turning it on clears the worker's reason and
/// the failure streak. False when there is no such endpoint.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    fields: &EndpointFields<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5, \
        failing_since = CASE WHEN $6 AND NOT enabled THEN NULL ELSE failing_since END, \
        disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END, \
        enabled = $6, updated_at = $7 WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(fields.url).bind(fields.description)
        .bind(fields.event_types).bind(fields.enabled).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Replaces the signing secret of endpoint `id`; the one it replaces keeps signing beside it
/// until `previous_until`. False when there is no such endpoint.
pub async fn set_secret(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    sealed_secret: &[u8],
    now: DateTime<Utc>,
    previous_until: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE webhook_endpoints SET previous_sealed_secret = sealed_secret, \
        previous_secret_until = $5, sealed_secret = $3, secret_rotated_at = $4, \
        updated_at = $4 WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(sealed_secret).bind(now)
        .bind(previous_until).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Deletes endpoint `id` with its deliveries and their attempts. False when there is none.
pub async fn delete(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<bool> {
    const SQL: &str = "DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The enabled endpoints of `tenant` subscribed to `kind`: one read of the workspace's
/// endpoints (a handful), filtered here.
pub(crate) async fn subscribed(tx: &mut Tx, tenant: TenantId, kind: &str) -> Result<Vec<Uuid>> {
    const SQL: &str =
        "SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = $1 AND enabled";
    let rows: Vec<(Uuid, String)> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .filter(|(_, types)| {
            serde_json::from_str::<Vec<String>>(types).is_ok_and(|t| t.iter().any(|k| k == kind))
        })
        .map(|(id, _)| id)
        .collect())
}

/// Notes an attempt's outcome on endpoint `id`: a success ends the failure streak, a failure
/// starts one at `now` unless one runs. Returns the streak's start (`None` after a success).
pub async fn note_attempt(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    const OK: &str = "UPDATE webhook_endpoints SET failing_since = NULL WHERE tenant_id = $1 AND id = $2 \
        AND failing_since IS NOT NULL";
    const FAILED: &str = "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $3) \
        WHERE tenant_id = $1 AND id = $2 RETURNING failing_since";
    if succeeded {
        on_conn!(tx, c => sqlx::query(OK).bind(tenant.0).bind(id).execute(c).await?.rows_affected());
        return Ok(None);
    }
    let since: Option<Option<DateTime<Utc>>> = on_conn!(tx, c => sqlx::query_scalar(FAILED).bind(tenant.0)
        .bind(id).bind(now).fetch_optional(c).await?);
    Ok(since.flatten())
}

/// Turns endpoint `id` off because it kept failing. False when it was already off (or gone).
pub async fn disable_failing(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = 'failing', \
        updated_at = $3 WHERE tenant_id = $1 AND id = $2 AND enabled";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(id).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}
