//! What the reply poller keeps per LinkedIn account: until when the account's chats were read
//! for replies. A poll asks the provider only for the chats with activity after that mark (less
//! a safety margin), so a quiet account costs one listing call, not one call per open DM.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// An account whose chats the poller reads.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PolledAccount {
    /// Its tenant.
    pub tenant_id: Uuid,
    /// Its id.
    pub account_id: Uuid,
    /// Its provider (`sandbox` or `unipile`).
    pub provider: String,
    /// Its id at the provider.
    pub provider_account_id: String,
    /// Until when its chats were read; `None`: never.
    pub replies_polled_until: Option<DateTime<Utc>>,
}

/// Every account (of every tenant) that sent a DM since `since`: those may have open DMs to
/// look for replies to. System scope; each campaign's check is an index probe
/// (`messages_dm_sent_at`).
pub async fn accounts(tx: &mut Tx, since: DateTime<Utc>) -> Result<Vec<PolledAccount>> {
    const SQL: &str = "SELECT a.tenant_id, a.id AS account_id, a.provider, a.provider_account_id, \
        a.replies_polled_until FROM linkedin_accounts a WHERE EXISTS (SELECT 1 FROM campaigns c \
        JOIN messages m ON m.campaign_id = c.id WHERE c.linkedin_account_id = a.id AND m.channel = 'dm' \
        AND m.direction = 'out' AND m.sent_at >= $1) ORDER BY a.id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(since).fetch_all(c).await?))
}

/// Records that every chat of `tenant`'s account `account` with activity up to `until` was
/// read for replies.
pub async fn mark(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    until: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE linkedin_accounts SET replies_polled_until = $3 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(account).bind(until).execute(c).await?.rows_affected());
    Ok(())
}
