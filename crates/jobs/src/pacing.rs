//! Pacing of an account's automated actions. A handler takes a paced slot with
//! [`take_slot`] right before the provider call that acts (send a DM, post a reply), in a short
//! transaction with the account row locked, and reports how the call ended with
//! [`Slot::finish`]; when no slot is free it snoozes its job until one is
//! ([`crate::Outcome::Snooze`], no attempt used). The queue only peeks ([`peek`]) before it
//! hands a paced job to a worker, so that jobs that cannot act yet are not claimed; it never
//! reserves. The rules are the domain's (`revos_domain::paced_action`).

use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::paced_action::{
    ActionHistory, ActionKind, ActionOutcome, ActionRecord, earliest_action, earliest_any_action,
};
use revos_store::linkedin_accounts::{self, AccountRow};
use revos_store::{Store, StoreError, Tx, events, paced_actions};
use uuid::Uuid;

/// How far back actions are read: the daily cap's local day is at most 25 hours long.
const LOOK_BACK: chrono::Duration = chrono::Duration::hours(25);

/// The account's recent actions and pause, as the domain reads them.
async fn history(
    tx: &mut Tx,
    tenant: TenantId,
    row: &AccountRow,
    now: DateTime<Utc>,
) -> Result<ActionHistory, StoreError> {
    let rows = paced_actions::since(tx, tenant, row.id, now - LOOK_BACK).await?;
    let mut actions = Vec::with_capacity(rows.len());
    for r in rows {
        let kind = ActionKind::parse(&r.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown action kind {:?}", r.kind)))?;
        actions.push(ActionRecord {
            kind,
            started_at: r.started_at,
            finished_at: r.finished_at,
            gap: chrono::Duration::milliseconds(r.gap_ms.max(0)),
            counted: r.counted,
        });
    }
    let paused_until = [row.paused_until, row.next_send_at]
        .into_iter()
        .flatten()
        .max();
    Ok(ActionHistory {
        actions,
        paused_until,
    })
}

fn timeout(call_timeout: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(call_timeout).unwrap_or(chrono::Duration::hours(1))
}

/// A paced slot taken for one acting provider call; finish it when the call ends.
#[derive(Clone, Copy, Debug)]
#[must_use = "a slot must be finished when its call ends"]
pub struct Slot {
    tenant: TenantId,
    account: Uuid,
    id: Uuid,
}

/// The answer of [`take_slot`].
#[derive(Clone, Copy, Debug)]
pub enum Turn {
    /// Act now: this slot is yours.
    Go(Slot),
    /// No slot is free before this instant: snooze until then.
    NotBefore(DateTime<Utc>),
    /// There is no such account.
    NoAccount,
}

/// Takes a slot of `account` for one action of `kind` at `now`, right before the acting call,
/// or says when one will be free. `call_timeout` is the provider client's timeout: a call
/// started longer ago than that counts as finished then (the process died during it).
pub async fn take_slot(
    store: &Store,
    tenant: TenantId,
    account: Uuid,
    kind: ActionKind,
    call_timeout: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<Turn, StoreError> {
    let mut tx = store.begin_for(tenant).await?;
    let Some(row) = linkedin_accounts::lock(&mut tx, tenant, account).await? else {
        return Ok(Turn::NoAccount);
    };
    let (policy, caps) = (row.pacing(), row.caps());
    let history = history(&mut tx, tenant, &row, now).await?;
    let timeout = timeout(call_timeout);
    let at = earliest_action(&policy, &caps, &history, kind, timeout, now);
    if at > now {
        return Ok(Turn::NotBefore(at));
    }
    let gap = policy.gap(rand::random());
    let id = Uuid::now_v7();
    paced_actions::start(
        &mut tx,
        tenant,
        account,
        id,
        kind.as_str(),
        now,
        gap.num_milliseconds(),
    )
    .await?;
    // Until the call ends, nothing else may start before its timeout plus the gap.
    linkedin_accounts::set_next_send_at(&mut tx, tenant, account, now + timeout + gap).await?;
    tx.commit().await?;
    Ok(Turn::Go(Slot {
        tenant,
        account,
        id,
    }))
}

impl Slot {
    /// Records that the slot's call ended at `now` with `outcome`: the next action of the
    /// account may start its drawn gap after `now`; a refused call does not count against
    /// its kind's caps.
    pub async fn finish(
        self,
        store: &Store,
        outcome: ActionOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = store.begin_for(self.tenant).await?;
        linkedin_accounts::lock(&mut tx, self.tenant, self.account).await?;
        let gap = paced_actions::finish(
            &mut tx,
            self.tenant,
            self.id,
            now,
            outcome.counts_for_caps(),
        )
        .await?;
        if let Some(gap_ms) = gap {
            let next = now + chrono::Duration::milliseconds(gap_ms);
            linkedin_accounts::set_next_send_at(&mut tx, self.tenant, self.account, next).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// When `account` may take its next action of any kind, without reserving anything: the
/// queue's check before it hands a paced job to a worker. `None` when it may act now (or the
/// account is gone: the handler then fails on its own terms). The queue does not know the
/// provider's timeout, so a call still in flight is not waited for here: [`take_slot`] does.
pub(crate) async fn peek(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let Some(row) = linkedin_accounts::get(tx, tenant, account).await? else {
        return Ok(None);
    };
    let (policy, caps) = (row.pacing(), row.caps());
    let history = history(tx, tenant, &row, now).await?;
    let at = earliest_any_action(&policy, &caps, &history, chrono::Duration::zero(), now);
    Ok((at > now).then_some(at))
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
