//! Applying an account's pacing policy when a paced job is claimed: inside the claim
//! transaction, with the account row locked, so that concurrent workers take turns.

use chrono::{DateTime, NaiveTime, Utc};
use revos_domain::TenantId;
use revos_domain::pacing::{PacingPolicy, PacingState, earliest_send};
use revos_store::linkedin_accounts::{self, AccountRow};
use revos_store::{StoreError, Tx, events};
use std::str::FromStr;
use uuid::Uuid;

/// What pacing says about a claimed job.
pub(crate) enum Verdict {
    /// Send now: a slot was reserved.
    Go,
    /// Not before this instant.
    Wait(DateTime<Utc>),
}

/// The policy stored with an account; fields that fail to parse fall back to the defaults
/// (the API validates them on the way in). Public so that what the pages show of an account's
/// pacing is read exactly as the queue reads it.
pub fn policy_of(row: &AccountRow) -> PacingPolicy {
    let d = PacingPolicy::default();
    let secs = |s: i64| chrono::Duration::seconds(s.max(0));
    PacingPolicy {
        hourly_cap: u32::try_from(row.hourly_cap).unwrap_or(d.hourly_cap).max(1),
        daily_cap: u32::try_from(row.daily_cap).unwrap_or(d.daily_cap).max(1),
        min_gap: secs(row.min_gap_seconds),
        max_gap: secs(row.max_gap_seconds.max(row.min_gap_seconds)),
        window_start: NaiveTime::parse_from_str(&row.window_start, "%H:%M")
            .unwrap_or(d.window_start),
        window_end: NaiveTime::parse_from_str(&row.window_end, "%H:%M").unwrap_or(d.window_end),
        time_zone: chrono_tz::Tz::from_str(&row.time_zone).unwrap_or(d.time_zone),
        warmup_started_at: row.warmup_started_at,
        warmup_weeks: u32::try_from(row.warmup_weeks).unwrap_or(d.warmup_weeks),
    }
}

/// Decides whether job `job` may use a send slot of `account` now, and reserves it if so.
pub(crate) async fn admit(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    job: Uuid,
    now: DateTime<Utc>,
) -> Result<Verdict, StoreError> {
    let Some(row) = linkedin_accounts::lock(tx, tenant, account).await? else {
        // The account is gone: let the handler run and fail on its own terms.
        return Ok(Verdict::Go);
    };
    let policy = policy_of(&row);
    let since = now - chrono::Duration::hours(25);
    let state = PacingState {
        recent_sends: linkedin_accounts::sends_since(tx, tenant, account, since).await?,
        next_send_at: row.next_send_at,
        paused_until: row.paused_until,
    };
    let at = earliest_send(&policy, &state, now);
    if at > now {
        return Ok(Verdict::Wait(at));
    }
    let next = now + policy.gap(rand::random());
    linkedin_accounts::record_send(tx, tenant, account, Some(job), now, next).await?;
    Ok(Verdict::Go)
}

/// Pauses `account` after a provider limit signal and tells the tenant (an
/// `account_paused` event). Returns when the pause ends.
pub(crate) async fn pause(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    asked: Option<std::time::Duration>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, StoreError> {
    let configured = match linkedin_accounts::get(tx, tenant, account).await? {
        Some(row) => chrono::Duration::seconds(row.limit_pause_seconds.max(60)),
        None => chrono::Duration::hours(6),
    };
    let asked = asked
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .unwrap_or_default();
    let until = now + configured.max(asked);
    linkedin_accounts::pause(tx, tenant, account, until, now).await?;
    let data =
        serde_json::json!({ "account_id": account, "paused_until": until, "reason": reason })
            .to_string();
    events::append(
        tx,
        tenant,
        "account_paused",
        None,
        Some(account),
        &data,
        now,
    )
    .await?;
    tracing::warn!(%tenant, %account, %until, reason, "LinkedIn account paused after a provider limit signal");
    Ok(until)
}
