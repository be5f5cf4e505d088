//! An account's pacing as people see it: the limits in force today (the daily cap after
//! warm-up), what is used of them, when the next send may happen and why it waits. Read with
//! one query for a whole page of accounts, and decided by the domain's pure rules
//! ([`pacing_status`]) on the policy the queue itself applies.

use chrono::{DateTime, Duration, Utc};
use revos_domain::TenantId;
use revos_domain::pacing::PacingState;
use revos_domain::pacing_status::{PacingStatus, pacing_status};
use revos_store::linkedin_accounts::{self as store, AccountRow};
use revos_store::{StoreError, Tx};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// How far back sends are read: enough for the rolling hour and the longest local day (25
/// hours, when clocks go back), as the queue reads them.
const LOOKBACK: Duration = Duration::hours(25);

/// The limits of an account in force now, one entry per kind of automated action, so that a
/// kind with caps of its own (comment replies, connection requests) is one more field.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffectiveLimits {
    /// Direct messages: the account's hourly and daily caps.
    pub dm: PacingStatus,
}

/// The recent sends of each of `rows` (accounts of `tenant`), read with one query over the
/// range of their ids.
pub(crate) async fn recent_sends(
    tx: &mut Tx,
    tenant: TenantId,
    rows: &[AccountRow],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Vec<DateTime<Utc>>>, StoreError> {
    let ids = rows.iter().map(|r| r.id);
    let (Some(first), Some(last)) = (ids.clone().min(), ids.max()) else {
        return Ok(HashMap::new());
    };
    let mut by_account: HashMap<Uuid, Vec<DateTime<Utc>>> = HashMap::new();
    for (account, at) in store::sends_of_accounts(tx, tenant, (first, last), now - LOOKBACK).await?
    {
        by_account.entry(account).or_default().push(at);
    }
    Ok(by_account)
}

/// The effective limits of the account `row`, whose sends since [`LOOKBACK`] are `sends`, at
/// `now`.
pub(crate) fn effective_limits(
    row: &AccountRow,
    sends: Vec<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> EffectiveLimits {
    let state = PacingState {
        recent_sends: sends,
        next_send_at: row.next_send_at,
        paused_until: row.paused_until,
    };
    EffectiveLimits {
        dm: pacing_status(&revos_jobs::policy_of(row), &state, now),
    }
}
