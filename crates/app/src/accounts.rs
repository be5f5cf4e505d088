//! LinkedIn accounts and their pacing policies: real accounts connected through Unipile (by
//! their Unipile account id, checked with Unipile), and sandbox accounts.

use crate::account_pacing::{EffectiveLimits, RecentActions, effective_limits, recent_sends};
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, NaiveTime, Utc};
use revos_domain::linkedin_account::AccountStatus;
use revos_domain::paced_action::{DEFAULT_REPLY_CAPS, KindCaps};
use revos_domain::pacing::PacingPolicy;
use revos_domain::pacing_status::WaitingReason;
use revos_domain::validation::Collector;
use revos_domain::{Page, PageRequest, ValidationErrors};
use revos_store::linkedin_accounts::{self as store, AccountRow};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

/// An account's pacing policy as the API shows and takes it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pacing {
    /// IANA time zone of the sending window, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Sends in any rolling 60 minutes.
    pub hourly_cap: i64,
    /// Sends per local calendar day (after warm-up).
    pub daily_cap: i64,
    /// Public comment replies in any rolling 60 minutes.
    pub reply_hourly_cap: i64,
    /// Public comment replies per local calendar day (after warm-up).
    pub reply_daily_cap: i64,
    /// Shortest gap between two automated actions of any kind (DMs, replies), seconds.
    pub min_gap_seconds: i64,
    /// Longest gap drawn between two sends, seconds.
    pub max_gap_seconds: i64,
    /// Local start of the sending window, `HH:MM`.
    pub window_start: String,
    /// Local end of the sending window, `HH:MM` (exclusive).
    pub window_end: String,
    /// When the warm-up ramp began; `null` for no ramp.
    pub warmup_started_at: Option<DateTime<Utc>>,
    /// Weeks over which the daily cap ramps up to its full value.
    pub warmup_weeks: i64,
    /// How long a provider limit signal (429, restricted) pauses the account, seconds.
    pub limit_pause_seconds: i64,
}

/// A change to an account's pacing; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PacingPatch {
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// Sends in any rolling 60 minutes (1 to 1000).
    pub hourly_cap: Option<i64>,
    /// Sends per local day (1 to 10000).
    pub daily_cap: Option<i64>,
    /// Public comment replies in any rolling 60 minutes (1 to 1000).
    pub reply_hourly_cap: Option<i64>,
    /// Public comment replies per local day (1 to 10000).
    pub reply_daily_cap: Option<i64>,
    /// Shortest gap, seconds.
    pub min_gap_seconds: Option<i64>,
    /// Longest gap, seconds.
    pub max_gap_seconds: Option<i64>,
    /// `HH:MM`.
    pub window_start: Option<String>,
    /// `HH:MM`.
    pub window_end: Option<String>,
    /// Weeks of warm-up (0 for none).
    pub warmup_weeks: Option<i64>,
    /// Pause length after a limit signal, seconds (60 to 30 days).
    pub limit_pause_seconds: Option<i64>,
    /// `true` lifts a current pause at once.
    #[serde(default)]
    pub resume: bool,
    /// `true` pauses the account until it is resumed (`"resume": true`): nothing is sent for
    /// it meanwhile.
    #[serde(default)]
    pub pause: bool,
}

/// How long a pause asked for by a person lasts: until someone resumes the account (a
/// century stands for "no end", keeping `paused_until` the one rule every sender obeys).
pub const PAUSED_UNTIL_RESUMED: chrono::Duration = chrono::Duration::days(36_500);

/// Whether `a` was paused by a person (until resumed) rather than for a while after a
/// provider limit signal (at most 30 days): its pause ends more than half a century after
/// the account was added.
pub fn paused_until_resumed(a: &Account) -> bool {
    a.paused_until
        .is_some_and(|t| t > a.created_at + PAUSED_UNTIL_RESUMED / 2)
}

/// A LinkedIn account.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    /// Its id.
    pub id: Uuid,
    /// `sandbox` or `unipile`.
    pub provider: String,
    /// The provider's id of the account.
    pub provider_account_id: String,
    /// Shown to people.
    pub display_name: String,
    /// Whether it can be used; `detached` when an upgrade found the provider account
    /// attached to an older workspace too (it no longer reaches the provider).
    pub status: AccountStatus,
    /// True for simulated accounts: nothing they do reaches LinkedIn.
    pub sandbox: bool,
    /// The pacing policy.
    pub pacing: Pacing,
    /// Paused (after a provider limit signal) until then.
    pub paused_until: Option<DateTime<Utc>>,
    /// The earliest instant the account may send its next DM: now when nothing holds it back,
    /// otherwise the first instant inside the sending window that every pacing rule allows.
    pub next_send_at: DateTime<Utc>,
    /// Why the next DM cannot go now: `paused`, `warming_up` or `daily_cap` (today's cap is
    /// used up), `hourly_cap`, `outside_window`, `gap` (since the last send), or `ready`.
    pub waiting_reason: WaitingReason,
    /// Until when that reason alone holds sending back; `null` when ready.
    pub waiting_until: Option<DateTime<Utc>>,
    /// The limits in force now by kind of action (today's daily cap after warm-up), what is
    /// used of them, and every rule holding sending back.
    pub effective_limits: EffectiveLimits,
    /// The LinkedIn member id of the account's owner, read from the provider (`GET
    /// /users/me`); `null` until it could be read.
    pub owner_provider_id: Option<String>,
    /// Why the account's comments do not become leads yet (its owner is not known);
    /// `null` when they do.
    pub blocked_reason: Option<String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// The account `r` as shown at `now`, its pacing judged on its recent `sends`.
fn view(r: AccountRow, sends: RecentActions, now: DateTime<Utc>) -> Account {
    let limits = effective_limits(&r, sends, now);
    Account {
        id: r.id,
        blocked_reason: crate::outreach::account_owner::blocked_reason(
            r.owner_provider_id.as_deref(),
            r.owner_error.as_deref(),
        ),
        owner_provider_id: r.owner_provider_id,
        next_send_at: limits.dm.next_send_at,
        waiting_reason: limits.dm.waiting_reason,
        waiting_until: limits.dm.waiting_until,
        effective_limits: limits,
        pacing: Pacing {
            time_zone: r.time_zone,
            hourly_cap: r.hourly_cap,
            daily_cap: r.daily_cap,
            reply_hourly_cap: r.reply_hourly_cap,
            reply_daily_cap: r.reply_daily_cap,
            min_gap_seconds: r.min_gap_seconds,
            max_gap_seconds: r.max_gap_seconds,
            window_start: r.window_start,
            window_end: r.window_end,
            warmup_started_at: r.warmup_started_at,
            warmup_weeks: r.warmup_weeks,
            limit_pause_seconds: r.limit_pause_seconds,
        },
        provider: r.provider,
        provider_account_id: r.provider_account_id,
        display_name: r.display_name,
        status: r.status,
        sandbox: r.is_sandbox,
        paused_until: r.paused_until,
        created_at: r.created_at,
    }
}

/// Applies `patch` to `row`, validating the resulting policy as a whole.
fn apply(
    row: &mut AccountRow,
    patch: &PacingPatch,
    now: DateTime<Utc>,
) -> Result<(), ValidationErrors> {
    let mut c = Collector::default();
    if let Some(tz) = &patch.time_zone {
        match chrono_tz::Tz::from_str(tz) {
            Ok(_) => row.time_zone = tz.clone(),
            Err(_) => c.push(
                "time_zone",
                "must be an IANA time zone such as Europe/Berlin",
            ),
        }
    }
    let time = |field: &str, v: &Option<String>, target: &mut String, c: &mut Collector| {
        if let Some(v) = v {
            match NaiveTime::parse_from_str(v, "%H:%M") {
                Ok(_) => *target = v.clone(),
                Err(_) => c.push(field, "must be a time of day as HH:MM"),
            }
        }
    };
    time(
        "window_start",
        &patch.window_start,
        &mut row.window_start,
        &mut c,
    );
    time("window_end", &patch.window_end, &mut row.window_end, &mut c);
    let set = |v: Option<i64>, target: &mut i64| {
        if let Some(v) = v {
            *target = v;
        }
    };
    set(patch.hourly_cap, &mut row.hourly_cap);
    set(patch.daily_cap, &mut row.daily_cap);
    set(patch.reply_hourly_cap, &mut row.reply_hourly_cap);
    set(patch.reply_daily_cap, &mut row.reply_daily_cap);
    KindCaps::check(
        ("reply_hourly_cap", row.reply_hourly_cap),
        ("reply_daily_cap", row.reply_daily_cap),
        &mut c,
    );
    set(patch.min_gap_seconds, &mut row.min_gap_seconds);
    set(patch.max_gap_seconds, &mut row.max_gap_seconds);
    set(patch.warmup_weeks, &mut row.warmup_weeks);
    set(patch.limit_pause_seconds, &mut row.limit_pause_seconds);
    if !(60..=30 * 86_400).contains(&row.limit_pause_seconds) {
        c.push("limit_pause_seconds", "must be between 60 and 2592000");
    }
    for (field, v) in [
        ("hourly_cap", row.hourly_cap),
        ("daily_cap", row.daily_cap),
        ("min_gap_seconds", row.min_gap_seconds),
        ("max_gap_seconds", row.max_gap_seconds),
        ("warmup_weeks", row.warmup_weeks),
    ] {
        if u32::try_from(v).is_err() {
            c.push(field, "must be a whole number of at least 0");
        }
    }
    if patch.resume && patch.pause {
        c.push("pause", "cannot be combined with resume");
    } else if patch.resume {
        row.paused_until = None;
    } else if patch.pause {
        row.paused_until = Some(now + PAUSED_UNTIL_RESUMED);
    }
    // The policy is checked even when a field above was refused (a number out of range counts
    // as 0 there), so one answer names every failing field.
    let policy = row.pacing_as_written(now);
    if let Err(more) = policy.validate() {
        c.merge_unnamed(more);
    }
    c.finish()
}

/// The answer to attaching an account another workspace holds: the same words whatever that
/// workspace is, so it tells nothing about it.
pub const ATTACHED_ELSEWHERE: &str = "this LinkedIn account cannot be attached to this workspace";

impl App {
    /// Adds a simulated LinkedIn account with the default (safe) pacing policy and warm-up.
    pub async fn create_sandbox_account(
        &self,
        who: &Principal,
        display_name: &str,
    ) -> Result<Account> {
        who.require_admin()?;
        let mut c = Collector::default();
        c.text("display_name", display_name, 1, 200);
        c.finish()?;
        let id = Uuid::now_v7();
        let row = self.new_account(
            who.tenant,
            id,
            "sandbox",
            &format!("sandbox-{id}"),
            display_name,
            AccountStatus::Ok,
        );
        let mut tx = self.store.begin_for(who.tenant).await?;
        store::insert(&mut tx, who.tenant, &row).await?;
        tx.commit().await?;
        self.with_owner(who.tenant, row).await
    }

    /// Connects a LinkedIn account already connected in Unipile, by its Unipile account id:
    /// Unipile is asked about it first (an unknown id is refused, naming `account_id`), and
    /// its connection status becomes ours. The default (safe) pacing policy and warm-up apply.
    /// Connecting it again returns the same account; one held by another workspace is a 409.
    pub async fn connect_unipile_account(
        &self,
        who: &Principal,
        account_id: &str,
        display_name: Option<&str>,
    ) -> Result<Account> {
        who.require_admin()?;
        let mut c = Collector::default();
        c.text("account_id", account_id, 1, 200);
        if let Some(name) = display_name {
            c.text("display_name", name, 1, 200);
        }
        c.finish()?;
        self.attach_unipile_account(who.tenant, account_id, display_name)
            .await
    }

    /// Adds the Unipile account `account_id` to `tenant` once Unipile confirms it exists: the
    /// one place every attach path (API, hosted-auth notification) goes through. An account
    /// belongs to one workspace (a unique index across tenants): attached here already, it
    /// comes back as it is; attached to another workspace, it is a conflict whose message says
    /// nothing about that workspace.
    pub(crate) async fn attach_unipile_account(
        &self,
        tenant: revos_domain::TenantId,
        account_id: &str,
        display_name: Option<&str>,
    ) -> Result<Account> {
        let unipile = self.unipile(tenant).await?;
        let found = match unipile.account(account_id.trim()).await {
            Ok(a) => a,
            Err(e) if e.status == Some(404) => {
                return Err(ValidationErrors::single(
                    "account_id",
                    "Unipile has no account with this id",
                )
                .into());
            }
            Err(e) => return Err(AppError::Provider(e)),
        };
        let healthy = found
            .sources
            .iter()
            .all(|s| s.status.as_deref() == Some("OK"));
        let name = display_name
            .map(str::to_owned)
            .or(found.name)
            .unwrap_or_else(|| found.id.clone());
        let status = if healthy {
            AccountStatus::Ok
        } else {
            AccountStatus::NeedsReconnect
        };
        let row = self.new_account(tenant, Uuid::now_v7(), "unipile", &found.id, &name, status);
        let mut tx = self.store.begin_for(tenant).await?;
        if let Some(existing) = store::by_provider_id(&mut tx, tenant, "unipile", &found.id).await?
        {
            // Attached here already: a lost session that Unipile reports healthy again (a
            // reconnection) makes the account usable again.
            if healthy && existing.status == AccountStatus::NeedsReconnect {
                store::set_status(&mut tx, tenant, existing.id, AccountStatus::Ok, self.now())
                    .await?;
                tx.commit().await?;
            } else {
                drop(tx);
            }
            return self.with_owner(tenant, existing).await;
        }
        match store::insert(&mut tx, tenant, &row).await {
            Ok(()) => {}
            Err(revos_store::StoreError::Conflict(_)) => {
                return Err(AppError::Conflict(ATTACHED_ELSEWHERE.into()));
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        self.with_owner(tenant, row).await
    }

    /// The account `row` once its owner was read from the provider, when it is `ok` and its
    /// owner is not known yet. A failed read is recorded on the account and retried later: it
    /// never fails the connection.
    pub(crate) async fn with_owner(
        &self,
        tenant: revos_domain::TenantId,
        row: AccountRow,
    ) -> Result<Account> {
        if row.owner_provider_id.is_none() && row.status == AccountStatus::Ok {
            self.learn_owner(tenant, row.id, &row.provider, &row.provider_account_id)
                .await?;
        }
        let mut tx = self.store.begin_read_for(tenant).await?;
        let row = store::get(&mut tx, tenant, row.id)
            .await?
            .ok_or(AppError::NotFound("LinkedIn account"))?;
        let shown = Self::shown(&mut tx, tenant, row, self.now()).await?;
        tx.commit().await?;
        Ok(shown)
    }

    /// The account `row` of `tenant` as shown at `now`, its recent sends read in `tx`.
    async fn shown(
        tx: &mut revos_store::Tx,
        tenant: revos_domain::TenantId,
        row: AccountRow,
        now: DateTime<Utc>,
    ) -> Result<Account> {
        let mut sends = recent_sends(tx, tenant, std::slice::from_ref(&row), now).await?;
        let mine = sends.remove(&row.id).unwrap_or_default();
        Ok(view(row, mine, now))
    }

    /// A new account row with the default pacing policy, warming up from now.
    pub(crate) fn new_account(
        &self,
        tenant: revos_domain::TenantId,
        id: Uuid,
        provider: &str,
        provider_account_id: &str,
        display_name: &str,
        status: AccountStatus,
    ) -> AccountRow {
        let now = self.now();
        let d = PacingPolicy::default();
        AccountRow {
            id,
            tenant_id: tenant.0,
            provider: provider.into(),
            provider_account_id: provider_account_id.into(),
            display_name: display_name.trim().into(),
            status,
            time_zone: "UTC".into(),
            hourly_cap: i64::from(d.hourly_cap),
            daily_cap: i64::from(d.daily_cap),
            reply_hourly_cap: i64::from(DEFAULT_REPLY_CAPS.hourly_cap),
            reply_daily_cap: i64::from(DEFAULT_REPLY_CAPS.daily_cap),
            min_gap_seconds: d.min_gap.num_seconds(),
            max_gap_seconds: d.max_gap.num_seconds(),
            window_start: d.window_start.format("%H:%M").to_string(),
            window_end: d.window_end.format("%H:%M").to_string(),
            warmup_started_at: Some(now),
            warmup_weeks: i64::from(d.warmup_weeks),
            limit_pause_seconds: 6 * 3600,
            paused_until: None,
            next_send_at: None,
            is_sandbox: provider == "sandbox",
            owner_provider_id: None,
            owner_error: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Lists the workspace's accounts, each with its pacing now; the page's recent sends are
    /// read with one query.
    pub async fn list_accounts(&self, who: &Principal, page: PageRequest) -> Result<Page<Account>> {
        let now = self.now();
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, page).await?;
        let rows = Page::from_rows(rows, page, |r| r.id);
        let mut sends = recent_sends(&mut tx, who.tenant, &rows.items, now).await?;
        Ok(rows.map(|r| {
            let mine = sends.remove(&r.id).unwrap_or_default();
            view(r, mine, now)
        }))
    }

    /// Reads one account, with its pacing now.
    pub async fn get_account(&self, who: &Principal, id: Uuid) -> Result<Account> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("LinkedIn account"))?;
        Self::shown(&mut tx, who.tenant, row, self.now()).await
    }

    /// Checks `patch` against an account's policy without changing anything: a form that could
    /// not even parse some of its fields still learns what is wrong with the others.
    pub async fn check_pacing(&self, who: &Principal, id: Uuid, patch: &PacingPatch) -> Result<()> {
        who.require_admin()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let mut row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("LinkedIn account"))?;
        Ok(apply(&mut row, patch, self.now())?)
    }

    /// Changes an account's pacing policy (validated as a whole), pauses the account until
    /// resumed, or lifts a pause.
    pub async fn update_pacing(
        &self,
        who: &Principal,
        id: Uuid,
        patch: &PacingPatch,
    ) -> Result<Account> {
        who.require_admin()?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let mut row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("LinkedIn account"))?;
        apply(&mut row, patch, now)?;
        store::update_policy(&mut tx, who.tenant, &row, now).await?;
        // Resuming clears a pause, not a lost session or a restriction.
        if patch.resume && row.status == AccountStatus::Paused {
            store::set_status(&mut tx, who.tenant, id, AccountStatus::Ok, now).await?;
        }
        if patch.pause && row.status == AccountStatus::Ok {
            store::set_status(&mut tx, who.tenant, id, AccountStatus::Paused, now).await?;
        }
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("LinkedIn account"))?;
        let account = Self::shown(&mut tx, who.tenant, row, now).await?;
        tx.commit().await?;
        Ok(account)
    }
}
