//! The funnel rollup, kept by the writers that move a lead: each lead's lasting steps in a
//! campaign (`campaign_leads.progress`, the bits of [`Progress::to_bits`]) and each
//! campaign's counters (`campaign_funnels`), so that a funnel is one row to read instead of
//! every lead, message and event of the campaign to recount; and the workspace's DMs sent
//! and replies per UTC day (`activity_days`), so that the dashboard's chart reads a row per
//! day instead of counting events.
//!
//! What a stage, an event kind or a message proves is the domain's rule
//! ([`revos_domain::funnel`]); the store only applies it. A counter moves when a lead's bit
//! goes from 0 to 1 (read under the row's lock), so retries and duplicate evidence count
//! once. The counters' changes gather in the transaction and are added (`x = x + n`) at
//! commit, campaign by campaign in id order: the hot counter rows are held only for the
//! instant before `COMMIT`, and always in the same order, so concurrent writers neither lose
//! updates nor deadlock on them.

use crate::tx::{TxInner, on_conn};
use crate::{Result, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use revos_domain::TenantId;
use revos_domain::activity;
use revos_domain::funnel::{FunnelCounts, Progress};
use std::collections::BTreeMap;
use uuid::Uuid;

/// How one campaign's counters change when the transaction commits.
#[derive(Clone, Copy, Debug, Default)]
struct Change {
    tenant: Uuid,
    scraped: i64,
    enriched: i64,
    awaiting_connection: i64,
    dm_sent: i64,
    replied: i64,
    email_sequenced: i64,
    email_replied: i64,
    opted_out: i64,
    opened: i64,
    cost_usd: f64,
}

/// The counter changes a transaction has made so far: by campaign, and DMs sent and
/// replies per workspace and UTC day (ordered, so they are applied in one order by
/// everyone).
#[derive(Debug, Default)]
pub(crate) struct FunnelChanges {
    campaigns: BTreeMap<Uuid, Change>,
    days: BTreeMap<(Uuid, NaiveDate), (i64, i64)>,
}

impl FunnelChanges {
    fn of(&mut self, tenant: TenantId, campaign: Uuid) -> &mut Change {
        self.campaigns.entry(campaign).or_insert_with(|| Change {
            tenant: tenant.0,
            ..Change::default()
        })
    }

    fn gain(&mut self, tenant: TenantId, campaign: Uuid, g: FunnelCounts) {
        let c = self.of(tenant, campaign);
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        c.scraped += n(g.scraped);
        c.enriched += n(g.enriched);
        c.dm_sent += n(g.dm_sent);
        c.replied += n(g.replied);
        c.email_sequenced += n(g.email_sequenced);
        c.email_replied += n(g.email_replied);
        c.opted_out += n(g.opted_out);
        c.opened += n(g.opened);
    }
}

/// Counts a lead that just joined a campaign with the lasting steps `progress` (already
/// written on its row), waiting for a connection or not.
pub(crate) fn joined(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    progress: Progress,
    awaiting: bool,
) {
    let mut gained = FunnelCounts::gained(Progress::default(), progress);
    gained.scraped = 1;
    tx.funnels.gain(tenant, campaign, gained);
    if awaiting {
        tx.funnels.of(tenant, campaign).awaiting_connection += 1;
    }
}

/// Notes that `n` leads of a campaign started (`n > 0`) or stopped (`n < 0`) waiting for a
/// connection.
pub(crate) fn awaiting(tx: &mut Tx, tenant: TenantId, campaign: Uuid, n: i64) {
    tx.funnels.of(tenant, campaign).awaiting_connection += n;
}

/// Adds an event's cost to its campaign.
pub(crate) fn cost(tx: &mut Tx, tenant: TenantId, campaign: Uuid, usd: f64) {
    tx.funnels.of(tenant, campaign).cost_usd += usd;
}

/// Counts an event in the workspace's outreach of its UTC day (`activity_days`, the
/// dashboard's chart) when it is a DM sent or a reply.
pub(crate) fn day_activity(tx: &mut Tx, tenant: TenantId, kind: &str, at: DateTime<Utc>) {
    let (sent, replied) = match kind {
        activity::DM_SENT => (1, 0),
        activity::DM_REPLIED => (0, 1),
        _ => return,
    };
    let day = tx
        .funnels
        .days
        .entry((tenant.0, at.date_naive()))
        .or_default();
    day.0 += sent;
    day.1 += replied;
}

/// Adds `evidence` to what a lead of a campaign is known to have reached; counts the steps
/// it reaches for the first time. Nothing happens when the lead is not in the campaign.
pub(crate) async fn note(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    evidence: Progress,
) -> Result<()> {
    if evidence.to_bits() == 0 {
        return Ok(());
    }
    const PG: &str = "SELECT progress FROM campaign_leads WHERE tenant_id = $1 AND campaign_id = $2 \
        AND lead_id = $3 FOR UPDATE";
    const SQLITE: &str = "SELECT progress FROM campaign_leads WHERE tenant_id = $1 AND campaign_id = $2 \
        AND lead_id = $3";
    let bits: Option<i32> = match &mut tx.inner {
        TxInner::Postgres(t) => {
            sqlx::query_scalar(PG)
                .bind(tenant.0)
                .bind(campaign)
                .bind(lead)
                .fetch_optional(&mut **t)
                .await?
        }
        TxInner::Sqlite(t) => {
            sqlx::query_scalar(SQLITE)
                .bind(tenant.0)
                .bind(campaign)
                .bind(lead)
                .fetch_optional(&mut **t)
                .await?
        }
    };
    let Some(bits) = bits else {
        return Ok(());
    };
    let before = Progress::from_bits(bits);
    let after = before.with(evidence);
    if after.to_bits() == bits {
        return Ok(());
    }
    const SET: &str = "UPDATE campaign_leads SET progress = $4 WHERE tenant_id = $1 AND campaign_id = $2 \
        AND lead_id = $3";
    on_conn!(tx, c => sqlx::query(SET).bind(tenant.0).bind(campaign).bind(lead).bind(after.to_bits())
        .execute(c).await?.rows_affected());
    tx.funnels
        .gain(tenant, campaign, FunnelCounts::gained(before, after));
    Ok(())
}

/// Marks a lead of `tenant` enriched in every campaign it is in (enrichment is of the person,
/// whatever campaign asked for it), counting it in those where it was not yet. Enrichment
/// implies no other step, so one conditional update sets the bit.
pub(crate) async fn note_enriched_everywhere(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
) -> Result<()> {
    let bit = Progress {
        enriched: true,
        ..Progress::default()
    };
    const SQL: &str = "UPDATE campaign_leads SET progress = progress | $3 WHERE tenant_id = $1 \
        AND lead_id = $2 AND (progress & $3) = 0 RETURNING campaign_id";
    let campaigns: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).bind(lead)
        .bind(bit.to_bits()).fetch_all(c).await?);
    for campaign in campaigns {
        tx.funnels.gain(
            tenant,
            campaign,
            FunnelCounts::gained(Progress::default(), bit),
        );
    }
    Ok(())
}

/// Takes back a lead's `email_sequenced` step in a campaign when the only evidence of it, a
/// claimed email step the provider refused, is undone ([`crate::email_claims::release`]):
/// the one step a lead can lose, since the enrolment never happened.
pub(crate) async fn withdraw_email_sequenced(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
) -> Result<()> {
    let bit = Progress {
        email_sequenced: true,
        ..Progress::default()
    }
    .to_bits();
    const SQL: &str = "UPDATE campaign_leads SET progress = progress - $4 WHERE tenant_id = $1 \
        AND campaign_id = $2 AND lead_id = $3 AND (progress & $4) <> 0";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(campaign).bind(lead).bind(bit)
        .execute(c).await?.rows_affected());
    if n == 1 {
        tx.funnels.of(tenant, campaign).email_sequenced -= 1;
    }
    Ok(())
}

/// Adds the transaction's counter changes to the campaigns' counters, just before it
/// commits.
pub(crate) async fn apply(tx: &mut Tx) -> Result<()> {
    const SQL: &str = "INSERT INTO campaign_funnels (campaign_id, tenant_id, scraped, enriched, \
        awaiting_connection, dm_sent, replied, email_sequenced, email_replied, opted_out, opened, cost_usd) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (campaign_id) DO UPDATE SET \
        scraped = campaign_funnels.scraped + excluded.scraped, \
        enriched = campaign_funnels.enriched + excluded.enriched, \
        awaiting_connection = campaign_funnels.awaiting_connection + excluded.awaiting_connection, \
        dm_sent = campaign_funnels.dm_sent + excluded.dm_sent, \
        replied = campaign_funnels.replied + excluded.replied, \
        email_sequenced = campaign_funnels.email_sequenced + excluded.email_sequenced, \
        email_replied = campaign_funnels.email_replied + excluded.email_replied, \
        opted_out = campaign_funnels.opted_out + excluded.opted_out, \
        opened = campaign_funnels.opened + excluded.opened, \
        cost_usd = campaign_funnels.cost_usd + excluded.cost_usd";
    const DAY: &str = "INSERT INTO activity_days (tenant_id, day, dm_sent, replied) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (tenant_id, day) DO UPDATE SET dm_sent = activity_days.dm_sent + excluded.dm_sent, \
        replied = activity_days.replied + excluded.replied";
    let changes = std::mem::take(&mut tx.funnels);
    for ((tenant, day), (sent, replied)) in changes.days {
        on_conn!(tx, conn => sqlx::query(DAY).bind(tenant).bind(day).bind(sent).bind(replied)
            .execute(conn).await?.rows_affected());
    }
    for (campaign, c) in changes.campaigns {
        on_conn!(tx, conn => sqlx::query(SQL).bind(campaign).bind(c.tenant).bind(c.scraped).bind(c.enriched)
            .bind(c.awaiting_connection).bind(c.dm_sent).bind(c.replied).bind(c.email_sequenced)
            .bind(c.email_replied).bind(c.opted_out).bind(c.opened).bind(c.cost_usd).execute(conn).await?.rows_affected());
    }
    Ok(())
}

/// Each membership's lasting steps recomputed from its rows, by the rule of
/// [`revos_domain::funnel`] as the `funnel_rollup` migration's backfill applies it (the
/// same bits, for one workspace): what its stage proves, enrichment of the person, the
/// campaign's events about it and its messages of the campaign. Set-based (the events and
/// messages aggregated once, then joined): the backfill's correlated form probes the events
/// once per membership, and without fresh statistics PostgreSQL probes them by campaign,
/// which at 1.2M memberships did not finish in six minutes.
const REBUILD_PROGRESS: &str = "WITH ev AS (
        SELECT campaign_id, subject_id AS lead_id,
            MAX(CASE WHEN kind = 'lead_enriched' THEN 1 ELSE 0 END)
            + MAX(CASE WHEN kind = 'dm_sent' THEN 2 ELSE 0 END)
            + MAX(CASE WHEN kind = 'dm_replied' THEN 4 ELSE 0 END)
            + MAX(CASE WHEN kind = 'email_sequenced' THEN 8 ELSE 0 END)
            + MAX(CASE WHEN kind = 'email_replied' THEN 16 ELSE 0 END)
            + MAX(CASE WHEN kind = 'opted_out' THEN 32 ELSE 0 END)
            + MAX(CASE WHEN kind = 'magnet_opened' THEN 64 ELSE 0 END) AS bits
        FROM events WHERE tenant_id = $1 AND campaign_id IS NOT NULL AND subject_id IS NOT NULL
        GROUP BY campaign_id, subject_id),
    ms AS (
        SELECT campaign_id, lead_id,
            MAX(CASE WHEN channel = 'dm' AND direction = 'out' AND status = 'sent' THEN 2 ELSE 0 END)
            + MAX(CASE WHEN channel = 'dm' AND direction = 'in' THEN 4 ELSE 0 END)
            + MAX(CASE WHEN channel = 'email' AND direction = 'out' THEN 8 ELSE 0 END)
            + MAX(CASE WHEN channel = 'email' AND direction = 'in' THEN 16 ELSE 0 END) AS bits
        FROM messages WHERE tenant_id = $1 AND campaign_id IS NOT NULL
        GROUP BY campaign_id, lead_id),
    p AS (
        SELECT cl.id,
            (CASE cl.status
                WHEN 'enriched' THEN 1
                WHEN 'dm_sent' THEN 2
                WHEN 'replied' THEN 6
                WHEN 'email_sequenced' THEN 10
                WHEN 'email_replied' THEN 26
                WHEN 'opted_out' THEN 32
                ELSE 0 END)
            | (CASE WHEN l.enriched_at IS NOT NULL THEN 1 ELSE 0 END)
            | COALESCE(ev.bits, 0) | COALESCE(ms.bits, 0) AS bits
        FROM campaign_leads cl
        JOIN leads l ON l.tenant_id = cl.tenant_id AND l.id = cl.lead_id
        LEFT JOIN ev ON ev.campaign_id = cl.campaign_id AND ev.lead_id = cl.lead_id
        LEFT JOIN ms ON ms.campaign_id = cl.campaign_id AND ms.lead_id = cl.lead_id
        WHERE cl.tenant_id = $1)
    UPDATE campaign_leads SET progress = p.bits FROM p
    WHERE campaign_leads.tenant_id = $1 AND campaign_leads.id = p.id";

/// The rebuild's statements after [`REBUILD_PROGRESS`] that both backends share: the
/// implied steps closed, and each campaign's counters and cost from its memberships and
/// events.
const REBUILD_FUNNELS: [&str; 5] = [
    "UPDATE campaign_leads SET progress = progress | 8 WHERE tenant_id = $1 AND (progress & 16) <> 0",
    "UPDATE campaign_leads SET progress = progress | 2 WHERE tenant_id = $1 AND (progress & 12) <> 0",
    "DELETE FROM campaign_funnels WHERE tenant_id = $1",
    "INSERT INTO campaign_funnels (campaign_id, tenant_id, scraped, enriched, awaiting_connection, dm_sent, \
        replied, email_sequenced, email_replied, opted_out, opened, cost_usd) \
     SELECT c.id, c.tenant_id, COUNT(cl.id), \
        COALESCE(SUM(CASE WHEN (cl.progress & 1) <> 0 THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN cl.status = 'awaiting_connection' THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN (cl.progress & 2) <> 0 THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN (cl.progress & 4) <> 0 THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN (cl.progress & 8) <> 0 THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN (cl.progress & 16) <> 0 THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN (cl.progress & 32) <> 0 THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN (cl.progress & 64) <> 0 THEN 1 ELSE 0 END), 0), \
        COALESCE((SELECT SUM(e.cost_usd) FROM events e WHERE e.tenant_id = c.tenant_id \
            AND e.campaign_id = c.id), 0) \
     FROM campaigns c LEFT JOIN campaign_leads cl ON cl.tenant_id = c.tenant_id AND cl.campaign_id = c.id \
     WHERE c.tenant_id = $1 GROUP BY c.id, c.tenant_id",
    "DELETE FROM activity_days WHERE tenant_id = $1",
];

/// The workspace's DMs sent and replies per UTC day, from its events (the day of a
/// PostgreSQL timestamp; SQLite stores RFC 3339 text in UTC, which starts with the day).
const REBUILD_DAYS_PG: &str = "INSERT INTO activity_days (tenant_id, day, dm_sent, replied) \
    SELECT tenant_id, (occurred_at AT TIME ZONE 'UTC')::date, \
    SUM(CASE WHEN kind = 'dm_sent' THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'dm_replied' THEN 1 ELSE 0 END) \
    FROM events WHERE tenant_id = $1 AND kind IN ('dm_sent', 'dm_replied') \
    GROUP BY tenant_id, (occurred_at AT TIME ZONE 'UTC')::date";
const REBUILD_DAYS_SQLITE: &str = "INSERT INTO activity_days (tenant_id, day, dm_sent, replied) \
    SELECT tenant_id, substr(occurred_at, 1, 10), \
    SUM(CASE WHEN kind = 'dm_sent' THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'dm_replied' THEN 1 ELSE 0 END) \
    FROM events WHERE tenant_id = $1 AND kind IN ('dm_sent', 'dm_replied') \
    GROUP BY tenant_id, substr(occurred_at, 1, 10)";

/// Recomputes the rollup of `tenant` from its rows (see [`crate::bulk_load::rebuild_rollups`]),
/// dropping the workspace's counter changes this transaction gathered so far: the rebuild
/// counts them.
pub(crate) async fn rebuild(tx: &mut Tx, tenant: TenantId) -> Result<()> {
    on_conn!(tx, c => sqlx::query(REBUILD_PROGRESS).bind(tenant.0).execute(c).await?.rows_affected());
    for sql in REBUILD_FUNNELS {
        on_conn!(tx, c => sqlx::query(sql).bind(tenant.0).execute(c).await?.rows_affected());
    }
    match &mut tx.inner {
        TxInner::Postgres(t) => sqlx::query(REBUILD_DAYS_PG)
            .bind(tenant.0)
            .execute(&mut **t)
            .await?
            .rows_affected(),
        TxInner::Sqlite(t) => sqlx::query(REBUILD_DAYS_SQLITE)
            .bind(tenant.0)
            .execute(&mut **t)
            .await?
            .rows_affected(),
    };
    tx.funnels.campaigns.retain(|_, c| c.tenant != tenant.0);
    tx.funnels.days.retain(|(t, _), _| *t != tenant.0);
    Ok(())
}
