//! The reports' grouped queries that `analytics_queries` does not already answer: a period's
//! DMs and replies per campaign step, and its figures per UTC day, each one query for the
//! whole workspace (or one client's campaigns), over the `events_period`, `events_tenant` and
//! `messages_dm_period` indexes.

use crate::analytics_queries::CLIENT_FILTER;
use crate::tx::{TxInner, on_conn};
use crate::{Result, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// One campaign step's figures over a period.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StepPeriodRow {
    /// The campaign.
    pub campaign_id: Uuid,
    /// Its name.
    pub campaign_name: String,
    /// The step's id; `None` for a reply that came before any DM of its campaign.
    pub step_id: Option<String>,
    /// Leads sent this step's DM in the period.
    pub sent: i64,
    /// Leads who replied in the period, credited to the last step they were sent before.
    pub replied: i64,
}

/// The per-step figures of `tenant`'s campaigns (of `client` only, when given) in
/// `[from, to)`, ordered by campaign name, campaign and step.
pub async fn per_step(
    tx: &mut Tx,
    tenant: TenantId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    client: Option<Uuid>,
) -> Result<Vec<StepPeriodRow>> {
    const HEAD: &str = "SELECT x.campaign_id AS campaign_id, c.name AS campaign_name, x.step_id AS step_id, \
        COUNT(DISTINCT CASE WHEN x.sent = 1 THEN x.lead_id END) AS sent, \
        COUNT(DISTINCT CASE WHEN x.sent = 0 THEN x.lead_id END) AS replied \
        FROM (SELECT m.campaign_id AS campaign_id, m.step_id AS step_id, m.lead_id AS lead_id, 1 AS sent \
            FROM messages m WHERE m.tenant_id = $1 AND m.channel = 'dm' AND m.direction = 'out' \
            AND m.status = 'sent' AND m.sent_at >= $2 AND m.sent_at < $3 \
          UNION ALL \
          SELECT e.campaign_id, (SELECT m.step_id FROM messages m WHERE m.tenant_id = e.tenant_id \
                AND m.campaign_id = e.campaign_id AND m.lead_id = e.subject_id AND m.channel = 'dm' \
                AND m.direction = 'out' AND m.status = 'sent' AND m.sent_at <= e.occurred_at \
                ORDER BY m.sent_at DESC LIMIT 1), e.subject_id, 0 \
            FROM events e WHERE e.tenant_id = $1 AND e.kind = 'dm_replied' \
            AND e.occurred_at >= $2 AND e.occurred_at < $3) x \
        JOIN campaigns c ON c.id = x.campaign_id AND c.tenant_id = $1";
    const CLIENT: &str = " AND c.cartridge_id = $4";
    const TAIL: &str =
        " GROUP BY x.campaign_id, c.name, x.step_id ORDER BY c.name, x.campaign_id, x.step_id";
    // Only constant SQL is spliced in; every value is bound.
    let sql = format!("{HEAD}{}{TAIL}", if client.is_some() { CLIENT } else { "" });
    Ok(on_conn!(tx, c => {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(from).bind(to);
        match client { Some(k) => q.bind(k), None => q }.fetch_all(c).await?
    }))
}

/// One UTC day's figures.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DayRow {
    /// The day.
    pub day: NaiveDate,
    /// Leads who became leads that day.
    pub leads: i64,
    /// Leads sent a DM that day.
    pub dm_sent: i64,
    /// Leads who replied that day.
    pub replied: i64,
}

/// The figures of `tenant`'s campaign events (of `client`'s campaigns only, when given) per
/// UTC day in `[from, to)`, days without events left out, oldest first.
pub async fn per_day(
    tx: &mut Tx,
    tenant: TenantId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    client: Option<Uuid>,
) -> Result<Vec<DayRow>> {
    // The day of a PostgreSQL timestamp; SQLite stores RFC 3339 text in UTC, which starts
    // with the day.
    let day = match &tx.inner {
        TxInner::Postgres(_) => "(e.occurred_at AT TIME ZONE 'UTC')::date",
        TxInner::Sqlite(_) => "substr(e.occurred_at, 1, 10)",
    };
    let sql = format!(
        "SELECT {day} AS day, \
         COUNT(DISTINCT CASE WHEN e.kind = 'lead_scraped' THEN e.subject_id END) AS leads, \
         COUNT(DISTINCT CASE WHEN e.kind = 'dm_sent' THEN e.subject_id END) AS dm_sent, \
         COUNT(DISTINCT CASE WHEN e.kind = 'dm_replied' THEN e.subject_id END) AS replied \
         FROM events e WHERE e.tenant_id = $1 AND e.campaign_id IS NOT NULL \
         AND e.occurred_at >= $2 AND e.occurred_at < $3{} GROUP BY {day} ORDER BY {day}",
        if client.is_some() { CLIENT_FILTER } else { "" }
    );
    Ok(on_conn!(tx, c => {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(from).bind(to);
        match client { Some(k) => q.bind(k), None => q }.fetch_all(c).await?
    }))
}
