//! LinkedIn accounts a tenant sends from, with their pacing policy and pacing state. The
//! state lives here and in `paced_actions`, in the database, so that restarts and many
//! workers never exceed it.

use crate::tx::{TxInner, on_conn};
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::linkedin_account::AccountStatus;
use revos_domain::{PageRequest, TenantId};
use uuid::Uuid;

/// A stored account with its policy and pacing state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountRow {
    /// Its id.
    pub id: Uuid,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// `unipile` or `sandbox`.
    pub provider: String,
    /// The provider's id of the account.
    pub provider_account_id: String,
    /// Shown to people.
    pub display_name: String,
    /// Whether it can be used.
    #[sqlx(try_from = "String")]
    pub status: AccountStatus,
    /// IANA time zone of the sending window.
    pub time_zone: String,
    /// Sends in any rolling hour.
    pub hourly_cap: i64,
    /// Sends per local day.
    pub daily_cap: i64,
    /// Public comment replies in any rolling hour.
    pub reply_hourly_cap: i64,
    /// Public comment replies per local day.
    pub reply_daily_cap: i64,
    /// Shortest gap between sends, seconds.
    pub min_gap_seconds: i64,
    /// Longest drawn gap, seconds.
    pub max_gap_seconds: i64,
    /// Local window start, `HH:MM`.
    pub window_start: String,
    /// Local window end, `HH:MM`.
    pub window_end: String,
    /// When the warm-up ramp began; none means no ramp.
    pub warmup_started_at: Option<DateTime<Utc>>,
    /// Weeks the ramp lasts.
    pub warmup_weeks: i64,
    /// How long a provider limit signal pauses the account, seconds.
    pub limit_pause_seconds: i64,
    /// Paused until then.
    pub paused_until: Option<DateTime<Utc>>,
    /// No send before then.
    pub next_send_at: Option<DateTime<Utc>>,
    /// Whether it is a simulated account.
    pub is_sandbox: bool,
    /// The LinkedIn member id of its owner, read from the provider; none until then.
    pub owner_provider_id: Option<String>,
    /// Why the owner could not be read the last time it was tried.
    pub owner_error: Option<String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, tenant_id, provider, provider_account_id, display_name, status, time_zone, hourly_cap, daily_cap, \
         reply_hourly_cap, reply_daily_cap, min_gap_seconds, max_gap_seconds, window_start, window_end, warmup_started_at, warmup_weeks, \
         limit_pause_seconds, paused_until, next_send_at, is_sandbox, owner_provider_id, owner_error, created_at, updated_at"
    };
}

/// Stores a new account of `tenant` with the default pacing policy; warm-up starts now.
pub async fn insert(tx: &mut Tx, tenant: TenantId, row: &AccountRow) -> Result<()> {
    const SQL: &str = "INSERT INTO linkedin_accounts (id, tenant_id, provider, provider_account_id, display_name, \
        status, time_zone, hourly_cap, daily_cap, min_gap_seconds, max_gap_seconds, window_start, window_end, \
        warmup_started_at, warmup_weeks, limit_pause_seconds, is_sandbox, created_at, updated_at, \
        reply_hourly_cap, reply_daily_cap) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19, $20)";
    on_conn!(tx, c => sqlx::query(SQL).bind(row.id).bind(tenant.0).bind(&row.provider).bind(&row.provider_account_id)
        .bind(&row.display_name).bind(row.status.as_str()).bind(&row.time_zone).bind(row.hourly_cap).bind(row.daily_cap)
        .bind(row.min_gap_seconds).bind(row.max_gap_seconds).bind(&row.window_start).bind(&row.window_end)
        .bind(row.warmup_started_at).bind(row.warmup_weeks).bind(row.limit_pause_seconds).bind(row.is_sandbox)
        .bind(row.created_at).bind(row.reply_hourly_cap).bind(row.reply_daily_cap).execute(c).await?.rows_affected());
    Ok(())
}

/// Reads one account of `tenant`.
pub async fn get(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Option<AccountRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM linkedin_accounts WHERE tenant_id = $1 AND id = $2"
    );
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id).fetch_optional(c).await?))
}

/// Reads one account of `tenant` and locks it until the transaction ends, so that concurrent
/// workers decide its next send one after the other (SQLite transactions are serial anyway).
pub async fn lock(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Option<AccountRow>> {
    const PG: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM linkedin_accounts WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
    );
    const SQLITE: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM linkedin_accounts WHERE tenant_id = $1 AND id = $2"
    );
    Ok(match &mut tx.inner {
        TxInner::Postgres(t) => {
            sqlx::query_as(PG)
                .bind(tenant.0)
                .bind(id)
                .fetch_optional(&mut **t)
                .await?
        }
        TxInner::Sqlite(t) => {
            sqlx::query_as(SQLITE)
                .bind(tenant.0)
                .bind(id)
                .fetch_optional(&mut **t)
                .await?
        }
    })
}

/// A page of the accounts of `tenant`.
pub async fn list(tx: &mut Tx, tenant: TenantId, page: PageRequest) -> Result<Vec<AccountRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM linkedin_accounts WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(page.after).bind(page.fetch_limit()).fetch_all(c).await?),
    )
}

/// Replaces the pacing policy of an account of `tenant`; false when there is none.
pub async fn update_policy(
    tx: &mut Tx,
    tenant: TenantId,
    row: &AccountRow,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE linkedin_accounts SET time_zone = $3, hourly_cap = $4, daily_cap = $5, \
        min_gap_seconds = $6, max_gap_seconds = $7, window_start = $8, window_end = $9, warmup_started_at = $10, \
        warmup_weeks = $11, limit_pause_seconds = $12, paused_until = $13, updated_at = $14, \
        reply_hourly_cap = $15, reply_daily_cap = $16 WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(row.id).bind(&row.time_zone).bind(row.hourly_cap)
        .bind(row.daily_cap).bind(row.min_gap_seconds).bind(row.max_gap_seconds).bind(&row.window_start)
        .bind(&row.window_end).bind(row.warmup_started_at).bind(row.warmup_weeks).bind(row.limit_pause_seconds)
        .bind(row.paused_until).bind(now).bind(row.reply_hourly_cap).bind(row.reply_daily_cap)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Sets when the account's next automated action may start at the earliest (what its page
/// shows; the pacing rules themselves read the account's actions).
pub async fn set_next_send_at(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    next_send_at: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE linkedin_accounts SET next_send_at = $3 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(account).bind(next_send_at).execute(c).await?.rows_affected());
    Ok(())
}

/// Pauses an account of `tenant` until `until` after a provider limit signal.
pub async fn pause(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE linkedin_accounts SET paused_until = $3, status = 'paused', updated_at = $4 \
        WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(account).bind(until).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Sets an account's status.
pub async fn set_status(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    status: AccountStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE linkedin_accounts SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(account).bind(status.as_str()).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// The LinkedIn member id of the account's owner, when known.
pub async fn owner_of(tx: &mut Tx, tenant: TenantId, account: Uuid) -> Result<Option<String>> {
    const SQL: &str =
        "SELECT owner_provider_id FROM linkedin_accounts WHERE tenant_id = $1 AND id = $2";
    let v: Option<Option<String>> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(account).fetch_optional(c).await?);
    Ok(v.flatten())
}

/// Records the LinkedIn member id of the account's owner, as the provider gave it (and
/// forgets an earlier failure to read it).
pub async fn set_owner(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE linkedin_accounts SET owner_provider_id = $3, owner_error = NULL, updated_at = $4 \
        WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(account).bind(owner).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Records why the owner of the account could not be read from the provider.
pub async fn set_owner_error(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    error: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE linkedin_accounts SET owner_error = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(account).bind(error).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// An account whose owner is not known yet.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwnerUnknown {
    /// Its tenant.
    pub tenant_id: Uuid,
    /// Its id.
    pub id: Uuid,
    /// `unipile` or `sandbox`.
    pub provider: String,
    /// The provider's id of the account.
    pub provider_account_id: String,
}

/// Every `ok` account, in every tenant, whose owner is not known yet (the partial index
/// `linkedin_accounts_owner_unknown` holds only those). System scope.
pub async fn owner_unknown(tx: &mut Tx) -> Result<Vec<OwnerUnknown>> {
    const SQL: &str = "SELECT tenant_id, id, provider, provider_account_id FROM linkedin_accounts \
        WHERE owner_provider_id IS NULL AND status = 'ok' ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).fetch_all(c).await?))
}

/// The account of `tenant` connected under `provider`'s account id, if any.
pub async fn by_provider_id(
    tx: &mut Tx,
    tenant: TenantId,
    provider: &str,
    provider_account_id: &str,
) -> Result<Option<AccountRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM linkedin_accounts WHERE tenant_id = $1 AND provider = $2 AND provider_account_id = $3"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(provider).bind(provider_account_id).fetch_optional(c).await?),
    )
}

/// Every (tenant, account) connected under a provider account id: a provider webhook names
/// only its account. System scope.
pub async fn by_provider_account(
    tx: &mut Tx,
    provider_account_id: &str,
) -> Result<Vec<(Uuid, Uuid)>> {
    const SQL: &str = "SELECT tenant_id, id FROM linkedin_accounts WHERE provider_account_id = $1 \
        AND provider <> 'sandbox' ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(provider_account_id).fetch_all(c).await?))
}
