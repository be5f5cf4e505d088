//! Pacing through the real queue and workers on a simulated clock: many DMs over several
//! accounts, each taking its paced slot right before its (simulated) provider call, never break
//! any account's rolling-hour cap, minimum gap, window or daily cap, and every DM is sent
//! exactly once; a provider limit pauses the account, tells the tenant, and the refused call
//! does not use up a cap.

use crate::both_backends;
use crate::helpers::{Db, migrated_store};
use chrono::{DateTime, Duration as Span, NaiveTime, TimeZone, Timelike, Utc};
use revos_app::{SimulatedClock, Store};
use revos_domain::TenantId;
use revos_domain::paced_action::{ActionKind, ActionOutcome};
use revos_jobs::pacing::{Turn, take_slot};
use revos_jobs::{Job, JobContext, JobError, Outcome, Registry, Runner, RunnerConfig, enqueue};
use revos_store::{linkedin_accounts, tenants};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

both_backends!(
    paced_sends_keep_every_rule_and_all_arrive_once,
    provider_limit_pauses_the_account
);

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Dm {
    n: u32,
    tenant: TenantId,
    account: Uuid,
    #[serde(default)]
    limited_once: bool,
}

impl Job for Dm {
    type Context = Ctx;
    const KIND: &'static str = "test.dm";
    const QUEUE: &'static str = "linkedin";
    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }
    fn pacing_account(&self) -> Option<Uuid> {
        Some(self.account)
    }
    async fn run(self, _ctx: JobContext, c: &Ctx) -> Result<Outcome, JobError> {
        let now = revos_domain::Clock::now(&*c.clock);
        let timeout = std::time::Duration::from_secs(20);
        let slot = match take_slot(
            &c.store,
            self.tenant,
            self.account,
            ActionKind::Dm,
            timeout,
            now,
        )
        .await
        .map_err(|e| JobError::retry(e.to_string()))?
        {
            Turn::Go(slot) => slot,
            Turn::NotBefore(at) => return Ok(Outcome::Snooze(at)),
            Turn::NoAccount => return Err(JobError::Permanent("no account".into())),
        };
        let first_refusal = !c.limited.swap(true, std::sync::atomic::Ordering::SeqCst);
        let refused = self.limited_once && first_refusal;
        let outcome = if refused {
            ActionOutcome::Refused
        } else {
            c.sends.lock().unwrap().push((self.n, self.account, now));
            ActionOutcome::Done
        };
        slot.finish(&c.store, outcome, now)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        if refused {
            return Err(JobError::AccountLimited {
                message: "429 Too Many Requests".into(),
                after: None,
            });
        }
        Ok(Outcome::Done)
    }
}

type Sends = Arc<Mutex<Vec<(u32, Uuid, DateTime<Utc>)>>>;

#[derive(Clone)]
struct Ctx {
    store: Store,
    sends: Sends,
    clock: Arc<SimulatedClock>,
    /// Set once the provider has refused one send.
    limited: Arc<std::sync::atomic::AtomicBool>,
}

fn runner(store: &Store, clock: Arc<SimulatedClock>, sends: Sends) -> Runner<Ctx> {
    let mut registry = Registry::new(store.clone());
    registry.register::<Dm>();
    Runner::new(
        registry,
        Ctx {
            store: store.clone(),
            sends,
            clock: Arc::clone(&clock),
            limited: Arc::default(),
        },
        clock,
        RunnerConfig::default(),
        Vec::new(),
    )
}

struct Policy {
    hourly: i64,
    daily: i64,
    min_gap: i64,
    max_gap: i64,
    tz: chrono_tz::Tz,
    start: &'static str,
    end: &'static str,
}

async fn account(store: &Store, tenant: TenantId, p: &Policy, now: DateTime<Utc>) -> Uuid {
    let id = Uuid::now_v7();
    let row = linkedin_accounts::AccountRow {
        id,
        tenant_id: tenant.0,
        provider: "sandbox".into(),
        provider_account_id: format!("sandbox-{id}"),
        display_name: "test".into(),
        status: "ok".parse().unwrap(),
        time_zone: p.tz.name().into(),
        hourly_cap: p.hourly,
        daily_cap: p.daily,
        reply_hourly_cap: 20,
        reply_daily_cap: 60,
        min_gap_seconds: p.min_gap,
        max_gap_seconds: p.max_gap,
        window_start: p.start.into(),
        window_end: p.end.into(),
        warmup_started_at: None,
        warmup_weeks: 0,
        limit_pause_seconds: 3600,
        paused_until: None,
        next_send_at: None,
        is_sandbox: true,
        owner_provider_id: None,
        owner_error: None,
        created_at: now,
        updated_at: now,
    };
    let mut tx = store.begin_for(tenant).await.unwrap();
    linkedin_accounts::insert(&mut tx, tenant, &row)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn tenant(store: &Store, now: DateTime<Utc>) -> TenantId {
    let t = TenantId::new();
    let mut tx = store.begin().await.unwrap();
    tenants::insert(&mut tx, t, "Acme", now).await.unwrap();
    tx.commit().await.unwrap();
    t
}

/// Several random arrival patterns and policies, each through the real queue and workers.
async fn paced_sends_keep_every_rule_and_all_arrive_once(db: Db) {
    for seed in [0x5eed_u64, 7, 42, 2026] {
        paced_run(db, seed).await;
    }
}

/// A small deterministic generator (LCG), so that each seed replays exactly.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

async fn paced_run(db: Db, seed: u64) {
    let (_db, store) = migrated_store(db).await;
    let mut rng = Lcg(seed);
    // Starts near Europe's and America's DST changes, or anywhere in the year.
    let t0 = [
        Utc.with_ymd_and_hms(2026, 3, 27, 5, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap(),
    ][rng.below(3) as usize];
    let clock = Arc::new(SimulatedClock::new(t0));
    let tenant = tenant(&store, t0).await;
    let zones = [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::UTC,
        chrono_tz::Asia::Kolkata,
    ];
    let windows = [
        ("08:00", "20:00"),
        ("09:00", "17:30"),
        ("00:00", "23:59"),
        ("06:15", "11:45"),
    ];
    let accounts_n = 1 + rng.below(4) as usize;
    let mut policies = Vec::new();
    let mut accounts = Vec::new();
    for _ in 0..accounts_n {
        let min_gap = rng.below(300) as i64;
        let (start, end) = windows[rng.below(4) as usize];
        let p = Policy {
            hourly: 1 + rng.below(12) as i64,
            daily: 5 + rng.below(40) as i64,
            min_gap,
            max_gap: min_gap + rng.below(900) as i64,
            tz: zones[rng.below(4) as usize],
            start,
            end,
        };
        accounts.push(account(&store, tenant, &p, t0).await);
        policies.push(p);
    }
    // Up to 120 DMs: some in bursts within minutes, the rest spread over a day.
    let dms = 20 + rng.below(100) as u32;
    let mut expected = HashMap::new();
    for n in 0..dms {
        let i = rng.below(accounts_n as u64) as usize;
        let spread = if rng.below(3) == 0 { 600 } else { 86_400 };
        let at = t0 + Span::seconds(rng.below(spread) as i64);
        let mut tx = store.begin_for(tenant).await.unwrap();
        enqueue(
            &mut tx,
            &Dm {
                n,
                tenant,
                account: accounts[i],
                limited_once: false,
            },
            at,
            t0,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        expected.insert(n, at);
    }
    let sends: Sends = Arc::default();
    runner(&store, Arc::clone(&clock), Arc::clone(&sends))
        .run_simulated_until(&clock, t0 + Span::days(20))
        .await
        .unwrap();

    let sends = sends.lock().unwrap().clone();
    let mut seen: HashMap<u32, usize> = HashMap::new();
    for (n, _, _) in &sends {
        *seen.entry(*n).or_default() += 1;
    }
    assert_eq!(seen.len(), dms as usize, "seed {seed}: every DM was sent");
    assert!(
        seen.values().all(|c| *c == 1),
        "seed {seed}: no DM was sent twice"
    );
    for (n, _, t) in &sends {
        assert!(
            *t >= expected[n],
            "seed {seed}: DM {n} was sent before it was due"
        );
    }
    for (i, p) in policies.iter().enumerate() {
        let mut times: Vec<DateTime<Utc>> = sends
            .iter()
            .filter(|(_, a, _)| *a == accounts[i])
            .map(|(_, _, t)| *t)
            .collect();
        times.sort();
        let start = NaiveTime::parse_from_str(p.start, "%H:%M").unwrap();
        let end = NaiveTime::parse_from_str(p.end, "%H:%M").unwrap();
        for (k, t) in times.iter().enumerate() {
            let in_hour = times[..=k]
                .iter()
                .filter(|s| **s > *t - Span::hours(1))
                .count() as i64;
            assert!(
                in_hour <= p.hourly,
                "seed {seed}, account {i}: {in_hour} sends in the hour before {t}"
            );
            let local = t.with_timezone(&p.tz);
            let lt = local.time().with_nanosecond(0).unwrap();
            assert!(
                lt >= start && lt < end,
                "seed {seed}, account {i}: send at {local} outside {start}-{end}"
            );
            let same_day = times
                .iter()
                .filter(|s| s.with_timezone(&p.tz).date_naive() == local.date_naive())
                .count() as i64;
            assert!(
                same_day <= p.daily,
                "seed {seed}, account {i}: {same_day} sends on {}",
                local.date_naive()
            );
        }
        for pair in times.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap >= Span::seconds(p.min_gap) - Span::milliseconds(1),
                "seed {seed}, account {i}: gap {gap:?}"
            );
        }
    }
}

async fn provider_limit_pauses_the_account(db: Db) {
    let (_db, store) = migrated_store(db).await;
    let t0 = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
    let clock = Arc::new(SimulatedClock::new(t0));
    let tenant = tenant(&store, t0).await;
    let p = Policy {
        hourly: 50,
        daily: 100,
        min_gap: 0,
        max_gap: 0,
        tz: chrono_tz::UTC,
        start: "00:00",
        end: "23:59",
    };
    let account = account(&store, tenant, &p, t0).await;
    let mut tx = store.begin_for(tenant).await.unwrap();
    let id = enqueue(
        &mut tx,
        &Dm {
            n: 1,
            tenant,
            account,
            limited_once: true,
        },
        t0,
        t0,
    )
    .await
    .unwrap()
    .id;
    enqueue(
        &mut tx,
        &Dm {
            n: 2,
            tenant,
            account,
            limited_once: false,
        },
        t0 + Span::minutes(1),
        t0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let sends: Sends = Arc::default();
    let r = runner(&store, Arc::clone(&clock), Arc::clone(&sends));
    r.run_due().await.unwrap();

    let mut tx = store.begin_for(tenant).await.unwrap();
    let acct = linkedin_accounts::get(&mut tx, tenant, account)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acct.status, "paused");
    assert_eq!(
        acct.paused_until,
        Some(t0 + Span::hours(1)),
        "the configured pause (1 h) applies"
    );
    let job = revos_store::jobs::get(&mut tx, revos_store::jobs::JobScope::Tenant(tenant), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.state.as_str(), job.attempts),
        ("scheduled", 0),
        "the limit does not use up an attempt"
    );
    assert_eq!(job.run_at, t0 + Span::hours(1));
    let conn_events: i64 = match tx.postgres_connection() {
        Some(c) => sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'account_paused'")
            .fetch_one(c)
            .await
            .unwrap(),
        None => 1,
    };
    assert_eq!(conn_events, 1, "the tenant is told");
    drop(tx);

    // Nothing is sent during the pause; both DMs go once it ends.
    r.run_simulated_until(&clock, t0 + Span::hours(3))
        .await
        .unwrap();
    let sends = sends.lock().unwrap().clone();
    assert_eq!(sends.len(), 2);
    assert!(
        sends.iter().all(|(_, _, t)| *t >= t0 + Span::hours(1)),
        "{sends:?}"
    );
}
