//! The check that the funnel rollup (kept by the store as leads move, and filled by the
//! `funnel_rollup` migration's backfill) says what the per-lead rule of
//! [`revos_domain::funnel`] says over the raw rows: the old computation — every lead,
//! message and event of each campaign read and counted in Rust — lives here, in test code
//! only. Tests call [`assert_funnels_match`] after driving a scenario through the public
//! path.

use crate::{Db, TestDb};
use chrono::{DateTime, NaiveDate, Utc};
use revos_domain::funnel::{FunnelCounts, Progress, round_usd};
use revos_domain::lead::LeadStage;
use sqlx::Connection;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Each campaign's counts and cost.
type Funnels = BTreeMap<Uuid, (FunnelCounts, f64)>;

/// The raw rows the old computation read.
#[derive(Default)]
struct Raw {
    campaigns: Vec<Uuid>,
    /// (campaign, lead, stage, enriched).
    leads: Vec<(Uuid, Uuid, String, bool)>,
    /// (campaign, lead, channel, direction, status).
    messages: Vec<(Uuid, Uuid, String, String, String)>,
    /// (campaign, subject, kind, data).
    events: Vec<(Uuid, Option<Uuid>, String, String)>,
    /// (campaign, counters…, cost) as the rollup holds them.
    rollup: Vec<(Uuid, [i64; 9], f64)>,
    /// (tenant, kind, when) of every DM sent and reply.
    dm_events: Vec<(Uuid, String, DateTime<Utc>)>,
    /// (tenant, day, DMs sent, replies) as the per-day rollup holds them.
    days: Vec<(Uuid, NaiveDate, i64, i64)>,
}

const CAMPAIGNS: &str = "SELECT id FROM campaigns";
const LEADS: &str = "SELECT cl.campaign_id, cl.lead_id, cl.status, l.enriched_at IS NOT NULL \
    FROM campaign_leads cl JOIN leads l ON l.id = cl.lead_id";
const MESSAGES: &str = "SELECT campaign_id, lead_id, channel, direction, status FROM messages \
    WHERE campaign_id IS NOT NULL";
const EVENTS: &str =
    "SELECT campaign_id, subject_id, kind, data FROM events WHERE campaign_id IS NOT NULL";
const ROLLUP: &str = "SELECT campaign_id, scraped, enriched, awaiting_connection, dm_sent, replied, \
    email_sequenced, email_replied, opted_out, opened, cost_usd FROM campaign_funnels";

const DM_EVENTS: &str = "SELECT tenant_id, kind, occurred_at FROM events \
    WHERE kind IN ('dm_sent', 'dm_replied')";
const DAYS: &str = "SELECT tenant_id, day, dm_sent, replied FROM activity_days";

type RollupRow = (Uuid, i64, i64, i64, i64, i64, i64, i64, i64, i64, f64);

macro_rules! read_raw {
    ($conn:expr) => {{
        let c = &mut $conn;
        let rollup: Vec<RollupRow> = sqlx::query_as(ROLLUP).fetch_all(&mut *c).await.unwrap();
        Raw {
            campaigns: sqlx::query_scalar(CAMPAIGNS)
                .fetch_all(&mut *c)
                .await
                .unwrap(),
            leads: sqlx::query_as(LEADS).fetch_all(&mut *c).await.unwrap(),
            messages: sqlx::query_as(MESSAGES).fetch_all(&mut *c).await.unwrap(),
            events: sqlx::query_as(EVENTS).fetch_all(&mut *c).await.unwrap(),
            dm_events: sqlx::query_as(DM_EVENTS).fetch_all(&mut *c).await.unwrap(),
            days: sqlx::query_as(DAYS).fetch_all(&mut *c).await.unwrap(),
            rollup: rollup
                .into_iter()
                .map(|r| (r.0, [r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9], r.10))
                .collect(),
        }
    }};
}

/// A connection to the SQLite file at `url` that waits its turn while the app writes.
async fn sqlite(url: &str) -> sqlx::SqliteConnection {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .unwrap()
        .busy_timeout(std::time::Duration::from_secs(60))
        .connect()
        .await
        .unwrap()
}

async fn read(url: &str, kind: Db) -> Raw {
    match kind {
        Db::Sqlite => {
            let mut c = sqlite(url).await;
            read_raw!(c)
        }
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            read_raw!(c)
        }
    }
}

/// The campaign an event's JSON data names, and its cost (0 when absent): the old reading.
fn campaign_and_cost(data: &str) -> Option<(Uuid, f64)> {
    let v: serde_json::Value = serde_json::from_str(data).ok()?;
    let campaign = Uuid::parse_str(v.get("campaign_id")?.as_str()?).ok()?;
    Some((
        campaign,
        v.get("cost").and_then(|c| c.as_f64()).unwrap_or(0.0),
    ))
}

/// The funnels as the old per-campaign computation counted them from the raw rows.
fn recomputed(raw: &Raw) -> Funnels {
    let mut progress: HashMap<(Uuid, Uuid), Progress> = HashMap::new();
    for (campaign, lead, stage, enriched) in &raw.leads {
        let stage = LeadStage::parse(stage).expect("a stored stage");
        let mut p = Progress::from_stage(stage);
        p.enriched |= *enriched;
        progress.insert((*campaign, *lead), p);
    }
    for (campaign, lead, channel, direction, status) in &raw.messages {
        if let Some(p) = progress.get_mut(&(*campaign, *lead)) {
            p.note_message(channel, direction, status);
        }
    }
    let mut cost: HashMap<Uuid, f64> = HashMap::new();
    for (campaign, subject, kind, data) in &raw.events {
        let Some((named, event_cost)) = campaign_and_cost(data) else {
            continue;
        };
        if named != *campaign {
            continue;
        }
        *cost.entry(*campaign).or_default() += event_cost;
        if let Some(p) = subject.and_then(|s| progress.get_mut(&(*campaign, s))) {
            p.note_event(kind);
        }
    }
    let mut out: Funnels = raw
        .campaigns
        .iter()
        .map(|c| {
            (
                *c,
                (
                    FunnelCounts::default(),
                    round_usd(cost.get(c).copied().unwrap_or(0.0)),
                ),
            )
        })
        .collect();
    for ((campaign, _), p) in progress {
        out.entry(campaign).or_default().0.add(p);
    }
    out
}

/// The funnels as the rollup holds them (zeros for a campaign without a row).
fn rolled_up(raw: &Raw) -> Funnels {
    let mut out: Funnels = raw
        .campaigns
        .iter()
        .map(|c| (*c, (FunnelCounts::default(), 0.0)))
        .collect();
    for (campaign, n, cost) in &raw.rollup {
        let u = |i: usize| u64::try_from(n[i]).expect("a counter is never negative");
        let counts = FunnelCounts {
            scraped: u(0),
            enriched: u(1),
            awaiting_connection: u(2),
            dm_sent: u(3),
            replied: u(4),
            email_sequenced: u(5),
            email_replied: u(6),
            opted_out: u(7),
            opened: u(8),
        };
        out.insert(*campaign, (counts, round_usd(*cost)));
    }
    out
}

/// DMs sent and replies per workspace and UTC day.
type Days = BTreeMap<(Uuid, NaiveDate), (i64, i64)>;

/// The days as counted from the events.
fn days_recounted(raw: &Raw) -> Days {
    let mut out = Days::new();
    for (tenant, kind, at) in &raw.dm_events {
        let day = out.entry((*tenant, at.date_naive())).or_default();
        match kind.as_str() {
            revos_domain::activity::DM_SENT => day.0 += 1,
            _ => day.1 += 1,
        }
    }
    out
}

/// The days as the rollup holds them (days with nothing left out).
fn days_rolled_up(raw: &Raw) -> Days {
    raw.days
        .iter()
        .filter(|d| (d.2, d.3) != (0, 0))
        .map(|(tenant, day, sent, replied)| ((*tenant, *day), (*sent, *replied)))
        .collect()
}

/// Asserts that every campaign's rollup equals the old per-lead count over the raw rows, and
/// the per-day rollup the count of DM events per UTC day, for the rollups as the store kept
/// them and again after the migration's backfill recomputed them from those rows. Returns how many campaigns were compared, so a test can check it looked
/// at something.
pub async fn assert_funnels_match(db: &TestDb) -> usize {
    assert_funnels_match_at(&db.url, db.kind).await
}

/// [`assert_funnels_match`] on the database at `url` (one a `revos` process made, such as
/// the bench's scratch database).
pub async fn assert_funnels_match_at(url: &str, kind: Db) -> usize {
    let compared = assert_rollup_matches_at(url, kind).await;
    let raw = read(url, kind).await;
    let (expected, days) = (recomputed(&raw), days_recounted(&raw));
    rerun_backfill(url, kind).await;
    let raw = read(url, kind).await;
    assert_eq!(
        rolled_up(&raw),
        expected,
        "the migration's backfill equals the per-lead count"
    );
    assert_eq!(
        days_rolled_up(&raw),
        days,
        "the backfilled days equal the events"
    );
    compared
}

/// The first half of [`assert_funnels_match`], for scenarios whose workers may still hold
/// SQLite's write lock (the backfill rerun writes): the rollups as the store kept them
/// equal the per-lead count and the events per day.
pub async fn assert_rollup_matches(db: &TestDb) -> usize {
    assert_rollup_matches_at(&db.url, db.kind).await
}

/// [`assert_rollup_matches`] on the database at `url`.
pub async fn assert_rollup_matches_at(url: &str, kind: Db) -> usize {
    let raw = read(url, kind).await;
    let expected = recomputed(&raw);
    assert_eq!(
        rolled_up(&raw),
        expected,
        "the rollup kept by the store equals the per-lead count"
    );
    assert_eq!(
        days_rolled_up(&raw),
        days_recounted(&raw),
        "the per-day rollup equals the events"
    );
    expected.len()
}

/// The part of a migration after its `-- BACKFILL` line.
fn backfill(migration: &str) -> &str {
    let at = migration
        .find("-- BACKFILL")
        .expect("the migration marks its backfill");
    &migration[at..]
}

/// The backfills that build the rollup, in order: the `funnel_rollup` migration's, then the
/// `magnet_links` migration's ("opened").
const SQLITE_BACKFILLS: [&str; 2] = [
    include_str!("../../store/migrations/sqlite/0014_funnel_rollup.sql"),
    include_str!("../../store/migrations/sqlite/0026_magnet_links.sql"),
];
const POSTGRES_BACKFILLS: [&str; 2] = [
    include_str!("../../store/migrations/postgres/0015_funnel_rollup.sql"),
    include_str!("../../store/migrations/postgres/0027_magnet_links.sql"),
];

/// Empties the rollup and runs the migrations' backfills again over the rows the
/// application wrote (the backfill is what an existing deployment gets when it upgrades).
async fn rerun_backfill(url: &str, kind: Db) {
    const RESET: &str = "UPDATE campaign_leads SET progress = 0; DELETE FROM campaign_funnels; DELETE FROM activity_days;";
    match kind {
        Db::Sqlite => {
            let mut c = sqlite(url).await;
            sqlx::raw_sql(RESET).execute(&mut c).await.unwrap();
            for migration in SQLITE_BACKFILLS {
                sqlx::raw_sql(sqlx::AssertSqlSafe(backfill(migration)))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::raw_sql(RESET).execute(&mut c).await.unwrap();
            for migration in POSTGRES_BACKFILLS {
                sqlx::raw_sql(sqlx::AssertSqlSafe(backfill(migration)))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
    }
}
