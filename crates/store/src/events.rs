//! Analytics events: an append-only log of what happened, per tenant.

use crate::tx::on_conn;
use crate::{Result, Tx};
use crate::{analytics_outbox, funnel_rollup};
use chrono::{DateTime, NaiveDate, Utc};
use revos_domain::TenantId;
use revos_domain::analytics;
use revos_domain::funnel::Progress;
use uuid::Uuid;

/// Appends an event of `kind` about `subject` (of `campaign`, when it belongs to one) with
/// JSON `data` and no cost.
pub async fn append(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    campaign: Option<Uuid>,
    subject: Option<Uuid>,
    data: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    append_with_cost(tx, tenant, kind, campaign, subject, data, None, at).await
}

/// Appends an event as [`append`] does, with what it cost in US dollars (summed into its
/// campaign's funnel). In the same transaction, an event of a campaign about one of its
/// leads records the step its kind proves ([`Progress::from_event`]), a DM sent or a
/// reply counts in its day's outreach, an event that notifies wakes the notifier, the
/// event goes to the workspace's analytics outbox when its export is on
/// ([`analytics_outbox`]), and an event an outgoing webhook endpoint subscribes to is
/// queued for it ([`crate::webhook_deliveries`]).
#[allow(clippy::too_many_arguments)] // each is one column of the event
pub async fn append_with_cost(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    campaign: Option<Uuid>,
    subject: Option<Uuid>,
    data: &str,
    cost_usd: Option<f64>,
    at: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO events (id, tenant_id, kind, campaign_id, subject_id, data, cost_usd, occurred_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let id = Uuid::now_v7();
    on_conn!(tx, c => sqlx::query(SQL).bind(id).bind(tenant.0).bind(kind).bind(campaign).bind(subject).bind(data)
        .bind(cost_usd).bind(at).execute(c).await?.rows_affected());
    funnel_rollup::day_activity(tx, tenant, kind, at);
    crate::notifications::wake_notifier(tx, tenant, kind, at).await?;
    let parsed: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let properties = serde_json::Value::Object(analytics::exported_properties(&parsed));
    let export = analytics_outbox::Capture {
        id,
        event: kind,
        user: analytics::actor(&parsed),
        properties: &properties,
        at,
    };
    analytics_outbox::capture(tx, tenant, &export).await?;
    crate::webhook_deliveries::capture(tx, tenant, id, kind, subject, data, at).await?;
    if let Some(campaign) = campaign {
        if let Some(usd) = cost_usd.filter(|c| *c != 0.0) {
            funnel_rollup::cost(tx, tenant, campaign, usd);
        }
        if let Some(lead) = subject {
            funnel_rollup::note(tx, tenant, campaign, lead, Progress::from_event(kind)).await?;
        }
    }
    Ok(())
}

/// One event, as the live feed shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// What happened, e.g. `lead_scraped`, `dm_sent`, `post_approved`.
    pub kind: String,
    /// The campaign it belongs to, if any.
    pub campaign_id: Option<Uuid>,
    /// What it is about (a lead, a post).
    pub subject_id: Option<Uuid>,
    /// Its details as JSON.
    pub data: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// The newest event id of `tenant`, where a live feed starts.
pub async fn latest_id(tx: &mut Tx, tenant: TenantId) -> Result<Option<Uuid>> {
    const SQL: &str = "SELECT id FROM events WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1";
    Ok(on_conn!(tx, c => sqlx::query_scalar(SQL).bind(tenant.0).fetch_optional(c).await?))
}

/// Events of `tenant` after `after` (all when `None`), oldest first, at most `limit`.
pub async fn after(
    tx: &mut Tx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    const SQL: &str = "SELECT id, kind, campaign_id, subject_id, data, occurred_at FROM events \
        WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3";
    Ok(
        on_conn!(tx, c => sqlx::query_as::<_, EventRow>(SQL).bind(tenant.0).bind(after).bind(limit)
        .fetch_all(c).await?),
    )
}

/// A workspace's DMs sent and replies on one UTC day.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DayCount {
    /// The UTC day.
    pub day: NaiveDate,
    /// `dm_sent` events that day.
    pub dm_sent: i64,
    /// `dm_replied` events that day.
    pub replied: i64,
}

/// The days since `since` (a UTC day) on which `tenant` sent DMs or got replies, oldest
/// first: rows of the `activity_days` rollup ([`append_with_cost`] keeps it), read by its
/// key `(tenant_id, day)`.
pub async fn dm_activity_per_day(
    tx: &mut Tx,
    tenant: TenantId,
    since: NaiveDate,
) -> Result<Vec<DayCount>> {
    const SQL: &str = "SELECT day, dm_sent, replied FROM activity_days WHERE tenant_id = $1 AND day >= $2 \
        ORDER BY day";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(since).fetch_all(c).await?))
}
