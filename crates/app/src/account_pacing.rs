//! An account's pacing as people see it: the limits in force today (the daily cap after
//! warm-up), what is used of them, when the next send may happen and why it waits. Read with
//! one query for a whole page of accounts, and decided by the domain's pure rules
//! ([`pacing_status`]) on the policy the queue itself applies.

use chrono::{DateTime, Duration, Utc};
use revos_domain::TenantId;
use revos_domain::paced_action::ActionKind;
use revos_domain::pacing::{PacingPolicy, PacingState};
use revos_domain::pacing_status::{PacingStatus, pacing_status};
use revos_store::linkedin_accounts::AccountRow;
use revos_store::paced_actions;
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
    /// Public comment replies: the account's `reply_hourly_cap` and `reply_daily_cap` (the
    /// window, warm-up, pause and the gap between any two actions are shared with DMs).
    pub comment_reply: PacingStatus,
}

/// The recent counted actions of one account, by kind.
#[derive(Clone, Debug, Default)]
pub(crate) struct RecentActions {
    /// Start times of counted DMs.
    dm: Vec<DateTime<Utc>>,
    /// Start times of counted public replies.
    comment_reply: Vec<DateTime<Utc>>,
}

/// The recent counted actions of each of `rows` (accounts of `tenant`), read with one query
/// over the range of their ids.
pub(crate) async fn recent_sends(
    tx: &mut Tx,
    tenant: TenantId,
    rows: &[AccountRow],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, RecentActions>, StoreError> {
    let ids = rows.iter().map(|r| r.id);
    let (Some(first), Some(last)) = (ids.clone().min(), ids.max()) else {
        return Ok(HashMap::new());
    };
    let mut by_account: HashMap<Uuid, RecentActions> = HashMap::new();
    let since = now - LOOKBACK;
    for (account, kind, at) in
        paced_actions::counted_of_accounts(tx, tenant, (first, last), since).await?
    {
        let recent = by_account.entry(account).or_default();
        match ActionKind::parse(&kind) {
            Some(ActionKind::Dm) => recent.dm.push(at),
            Some(ActionKind::CommentReply) => recent.comment_reply.push(at),
            None => {}
        }
    }
    Ok(by_account)
}

/// The effective limits of the account `row`, whose sends since [`LOOKBACK`] are `sends`, at
/// `now`.
pub(crate) fn effective_limits(
    row: &AccountRow,
    recent: RecentActions,
    now: DateTime<Utc>,
) -> EffectiveLimits {
    let status = |policy: &PacingPolicy, sends: Vec<DateTime<Utc>>| {
        let state = PacingState {
            recent_sends: sends,
            next_send_at: row.next_send_at,
            paused_until: row.paused_until,
        };
        pacing_status(policy, &state, now)
    };
    let dm = row.pacing();
    let replies = row.caps().of(ActionKind::CommentReply);
    let reply = PacingPolicy {
        hourly_cap: replies.hourly_cap,
        daily_cap: replies.daily_cap,
        ..dm.clone()
    };
    EffectiveLimits {
        comment_reply: status(&reply, recent.comment_reply),
        dm: status(&dm, recent.dm),
    }
}
