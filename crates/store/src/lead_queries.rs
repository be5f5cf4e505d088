//! Reads of leads for the API: the filtered, paginated lead list (also behind the CSV export
//! and the do-not-contact list), one lead with its campaigns, and the events and messages
//! its timeline is made of. Writes stay in [`crate::leads`], owned by the pipeline.

use crate::allowed_from::placeholders;
use crate::lead_list_sql::{self, Plan, lead_columns};
use crate::sql_builder::bind_each;
use crate::tx::{TxInner, on_conn};
use crate::{Result, Tx, lead_search};
use chrono::{DateTime, Utc};
use revos_domain::lead::LeadStage;
use revos_domain::{PageRequest, TenantId};
use uuid::Uuid;

// A lead with every column the API shows, and its stage when read for one campaign; its
// serialisation (and its doc, the OpenAPI description) is the API's `Lead`.
/// A lead as the API shows it.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Lead))]
pub struct LeadRecord {
    /// Its id.
    pub id: Uuid,
    /// The person's LinkedIn (provider) id.
    pub provider_id: String,
    /// Their name.
    pub name: String,
    /// Their profile URL.
    pub linkedin_url: Option<String>,
    /// Their headline.
    pub headline: Option<String>,
    /// Their email, when known.
    pub email: Option<String>,
    /// How sure enrichment is of the email, e.g. `verified`.
    pub email_status: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Company industry.
    pub industry: Option<String>,
    /// Company size.
    pub company_size: Option<String>,
    /// True when they must never be contacted.
    pub do_not_contact: bool,
    /// True for sandbox leads: simulated people, never real LinkedIn members.
    #[sqlx(rename = "is_sandbox")]
    pub sandbox: bool,
    /// When the lead was first seen.
    pub created_at: DateTime<Utc>,
    /// When the lead last changed.
    pub updated_at: DateTime<Utc>,
    /// When enrichment last ran for them.
    pub enriched_at: Option<DateTime<Utc>>,
    // Decoded by `StagedRecord`, as `try_from` does not read an optional column.
    /// Their stage in the campaign the list is filtered by; absent otherwise.
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<LeadStage>,
    /// Its tags, alphabetically, when read for the lead list; absent otherwise.
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// A [`LeadRecord`] as read, with its stage still the stored word.
#[derive(sqlx::FromRow)]
struct StagedRecord {
    #[sqlx(flatten)]
    record: LeadRecord,
    stage: Option<String>,
}

impl StagedRecord {
    /// The record with its stage decoded; an unknown word is corrupt data.
    fn decode(self) -> Result<LeadRecord> {
        let mut record = self.record;
        record.stage = self.stage.map(crate::decode_name).transpose()?;
        Ok(record)
    }
}

/// Which leads a list asks for; every filter is optional and they combine with AND.
#[derive(Clone, Copy, Debug, Default)]
pub struct LeadFilter<'a> {
    /// Only leads of this campaign (whose stage is then returned).
    pub campaign: Option<Uuid>,
    /// Only leads at this stage: in `campaign` when given, else in any campaign.
    pub stage: Option<LeadStage>,
    /// Only leads whose name, email, company, title or headline contains this text, ignoring
    /// case and accents (see [`crate::lead_search`]).
    pub search: Option<&'a str>,
    /// Only leads on (true) or off (false) the do-not-contact list.
    pub do_not_contact: Option<bool>,
    /// Only leads whose stage (in `campaign`, else in any campaign, at `stage` when given)
    /// last changed at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only leads whose stage last changed before this time (same reading as `since`).
    pub until: Option<DateTime<Utc>>,
    /// Only leads carrying this tag (normalised, see [`revos_domain::lead_tag`]).
    pub tag: Option<&'a str>,
}

/// A page of the leads of `tenant` matching `filter`, in id (creation) order: one query whose
/// SQL holds only the filters set, or for a filter that may match few leads a bounded walk
/// and, when it did not fill the page, a seek (see [`crate::lead_list_sql`]).
pub async fn list(
    tx: &mut Tx,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    page: PageRequest,
) -> Result<Vec<LeadRecord>> {
    let backend = lead_search::backend(tx);
    let limit = page.fetch_limit();
    if !lead_list_sql::two_step(backend, filter) {
        return list_by(tx, tenant, filter, page, Plan::Walk { bounded: false }).await;
    }
    let walked = list_by(tx, tenant, filter, page, Plan::Walk { bounded: true }).await?;
    if walked.len() as i64 >= limit {
        return Ok(walked);
    }
    list_by(tx, tenant, filter, page, Plan::Seek).await
}

/// A page of [`list`] found by `plan`.
async fn list_by(
    tx: &mut Tx,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    page: PageRequest,
    plan: Plan,
) -> Result<Vec<LeadRecord>> {
    let query = lead_list_sql::list(
        lead_search::backend(tx),
        tenant,
        filter,
        page.after,
        page.fetch_limit(),
        plan,
    );
    // A search is planned for its own term, never from a cached generic plan (see lead_search).
    let keep = filter.search.is_none();
    let rows: Vec<StagedRecord> = on_conn!(tx, c => bind_each!(
        sqlx::query_as(sqlx::AssertSqlSafe(query.sql())).persistent(keep), query.binds()).fetch_all(c).await?);
    rows.into_iter().map(StagedRecord::decode).collect()
}

/// One lead of `tenant` (without a stage).
pub async fn get(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Option<LeadRecord>> {
    const SQL: &str = concat!(
        "SELECT ",
        lead_columns!(),
        ", CAST(NULL AS TEXT) AS stage FROM leads l WHERE l.tenant_id = $1 AND l.id = $2"
    );
    let row: Option<StagedRecord> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(id).fetch_optional(c).await?);
    row.map(StagedRecord::decode).transpose()
}

/// A campaign a lead is in, and where they stand in it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LeadCampaignRow {
    /// The campaign.
    pub campaign_id: Uuid,
    /// Its name.
    pub name: String,
    /// The lead's stage in it.
    #[sqlx(try_from = "String")]
    pub status: LeadStage,
    /// When the lead joined it.
    pub created_at: DateTime<Utc>,
    /// When the lead first opened the campaign's tracked lead-magnet link.
    pub magnet_opened_at: Option<DateTime<Utc>>,
    /// How many opens of that link were counted.
    pub magnet_open_count: i64,
}

/// The campaigns of a lead of `tenant`, in the order the lead joined them.
pub async fn campaigns_of(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
) -> Result<Vec<LeadCampaignRow>> {
    const SQL: &str = "SELECT cl.campaign_id, c.name, cl.status, cl.created_at, \
        ml.first_opened_at AS magnet_opened_at, COALESCE(ml.open_count, 0) AS magnet_open_count \
        FROM campaign_leads cl JOIN campaigns c ON c.id = cl.campaign_id AND c.tenant_id = cl.tenant_id \
        LEFT JOIN magnet_links ml ON ml.tenant_id = cl.tenant_id AND ml.campaign_id = cl.campaign_id \
        AND ml.lead_id = cl.lead_id WHERE cl.tenant_id = $1 AND cl.lead_id = $2 ORDER BY cl.id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_all(c).await?))
}

/// A campaign one of several leads is in, and where that lead stands in it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PageLeadCampaignRow {
    /// The lead.
    pub lead_id: Uuid,
    /// The campaign and the lead's stage in it.
    #[sqlx(flatten)]
    pub campaign: LeadCampaignRow,
}

/// The campaigns of each of `leads` (leads of `tenant`; others have none), in one query: for
/// a page of a lead list that shows every lead's campaigns. Ordered by lead, then in the
/// order each lead joined its campaigns.
pub async fn campaigns_of_leads(
    tx: &mut Tx,
    tenant: TenantId,
    leads: &[Uuid],
) -> Result<Vec<PageLeadCampaignRow>> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    const SELECT: &str = "SELECT cl.lead_id, cl.campaign_id, c.name, cl.status, cl.created_at, \
        ml.first_opened_at AS magnet_opened_at, COALESCE(ml.open_count, 0) AS magnet_open_count \
        FROM campaign_leads cl JOIN campaigns c ON c.id = cl.campaign_id AND c.tenant_id = cl.tenant_id \
        LEFT JOIN magnet_links ml ON ml.tenant_id = cl.tenant_id AND ml.campaign_id = cl.campaign_id \
        AND ml.lead_id = cl.lead_id WHERE cl.tenant_id = $1 AND cl.lead_id";
    const ORDER: &str = " ORDER BY cl.lead_id, cl.id";
    Ok(match &mut tx.inner {
        TxInner::Postgres(t) => {
            let sql = format!("{SELECT} = ANY($2){ORDER}");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(tenant.0)
                .bind(leads)
                .fetch_all(&mut **t)
                .await?
        }
        TxInner::Sqlite(t) => {
            // A page holds at most a few hundred leads, well within SQLite's bind limit.
            let sql = format!("{SELECT} IN ({}){ORDER}", placeholders(2, leads.len()));
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0);
            for lead in leads {
                q = q.bind(*lead);
            }
            q.fetch_all(&mut **t).await?
        }
    })
}

/// The names of those of `leads` that are leads of `tenant` (others are left out), in one
/// query: for a view that names a page of leads it knows only by id, such as the DMs
/// waiting in a campaign's queue.
pub async fn names_of(
    tx: &mut Tx,
    tenant: TenantId,
    leads: &[Uuid],
) -> Result<Vec<(Uuid, String)>> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    const SELECT: &str = "SELECT id, name FROM leads WHERE tenant_id = $1 AND id";
    Ok(match &mut tx.inner {
        TxInner::Postgres(t) => {
            let sql = format!("{SELECT} = ANY($2)");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(tenant.0)
                .bind(leads)
                .fetch_all(&mut **t)
                .await?
        }
        TxInner::Sqlite(t) => {
            // A view names at most a few hundred leads, well within SQLite's bind limit.
            let sql = format!("{SELECT} IN ({})", placeholders(2, leads.len()));
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0);
            for lead in leads {
                q = q.bind(*lead);
            }
            q.fetch_all(&mut **t).await?
        }
    })
}

/// An analytics event about a lead.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LeadEventRow {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// What happened, e.g. `dm_sent`.
    pub kind: String,
    /// Its JSON data.
    pub data: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// The events whose subject is a lead of `tenant`, oldest first.
pub async fn events_of(tx: &mut Tx, tenant: TenantId, lead: Uuid) -> Result<Vec<LeadEventRow>> {
    const SQL: &str = "SELECT id, kind, data, occurred_at FROM events WHERE tenant_id = $1 AND subject_id = $2 \
        ORDER BY occurred_at, id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_all(c).await?))
}

/// A DM or email to or from a lead.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LeadMessageRow {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// The campaign it belongs to, if any.
    pub campaign_id: Option<Uuid>,
    /// `dm` or `email`.
    pub channel: String,
    /// `out` or `in`.
    pub direction: String,
    /// `queued`, `sending`, `sent` or `failed` going out; `received` coming in.
    pub status: String,
    /// The text.
    pub body: String,
    /// When it went out, for outbound messages that did.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// The messages to and from a lead of `tenant`, in the order they were recorded.
pub async fn messages_of(tx: &mut Tx, tenant: TenantId, lead: Uuid) -> Result<Vec<LeadMessageRow>> {
    const SQL: &str = "SELECT id, campaign_id, channel, direction, status, body, sent_at, created_at FROM messages \
        WHERE tenant_id = $1 AND lead_id = $2 ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_all(c).await?))
}
