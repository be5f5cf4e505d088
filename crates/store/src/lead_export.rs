//! The lead export read as a stream of batches, so that an export of a million leads holds
//! one batch in memory, never the whole list. PostgreSQL reads through a cursor in one
//! read-only transaction scoped to the tenant (one consistent snapshot; the cursor makes the
//! planner choose a plan that starts at once); SQLite reads page by page by lead id, each
//! page its own short transaction, so a long export never keeps writers waiting.

use crate::lead_list_sql;
use crate::lead_queries::{LeadFilter, LeadRecord};
use crate::sql_builder::bind_each;
use crate::tx::TxInner;
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use tokio::sync::mpsc;
use uuid::Uuid;

/// How many rows (PostgreSQL) or leads (SQLite) one batch holds.
pub const EXPORT_BATCH: usize = 1000;

/// One row of the lead export: a lead and one campaign it is in (none for a lead in no
/// campaign), with its stage there.
#[derive(Clone, Debug)]
pub struct LeadExportRow {
    /// The lead (its `stage` is not set; see [`LeadExportRow::stage`]).
    pub lead: LeadRecord,
    /// The campaign of this row, if the lead is in one.
    pub campaign_id: Option<Uuid>,
    /// That campaign's name.
    pub campaign: Option<String>,
    /// The lead's stage in that campaign.
    pub stage: Option<LeadStage>,
    /// When the lead first opened that campaign's tracked lead-magnet link.
    pub magnet_opened_at: Option<DateTime<Utc>>,
    /// How many opens of that link were counted.
    pub magnet_open_count: i64,
}

/// A [`LeadExportRow`] as read, with its stage still the stored word.
#[derive(sqlx::FromRow)]
struct RawRow {
    #[sqlx(flatten)]
    lead: LeadRecord,
    campaign_id: Option<Uuid>,
    campaign: Option<String>,
    stage: Option<String>,
    magnet_opened_at: Option<DateTime<Utc>>,
    magnet_open_count: i64,
}

impl RawRow {
    fn decode(self) -> Result<LeadExportRow> {
        Ok(LeadExportRow {
            lead: self.lead,
            campaign_id: self.campaign_id,
            campaign: self.campaign,
            stage: self.stage.map(crate::decode_name).transpose()?,
            magnet_opened_at: self.magnet_opened_at,
            magnet_open_count: self.magnet_open_count,
        })
    }
}

/// Sends every export row of the leads of `tenant` matching `filter` to `out`, in batches
/// of at most [`EXPORT_BATCH`], in lead order. One row per membership that matches the
/// membership filters (campaign, stage, since, until); a lead in no campaign has one row
/// without a campaign when none of those is set. Returns early, without error, when the
/// receiver is dropped (the client went away).
pub async fn export(
    store: &Store,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    out: &mpsc::Sender<Vec<LeadExportRow>>,
) -> Result<()> {
    match store.backend() {
        crate::Backend::Postgres => export_by_cursor(store, tenant, filter, out).await,
        crate::Backend::Sqlite => export_by_pages(store, tenant, filter, out).await,
    }
}

/// PostgreSQL: one cursor over the whole export, fetched a batch at a time.
async fn export_by_cursor(
    store: &Store,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    out: &mpsc::Sender<Vec<LeadExportRow>>,
) -> Result<()> {
    let mut tx = store.begin_read_for(tenant).await?;
    let TxInner::Postgres(t) = &mut tx.inner else {
        unreachable!("export_by_cursor runs on PostgreSQL only");
    };
    // A read of a million rows is costed above the JIT threshold; compiling it would delay
    // the first row by most of a second for no gain in a plan that streams.
    for setting in ["SET TRANSACTION READ ONLY", "SET LOCAL jit = off"] {
        sqlx::query(setting).execute(&mut **t).await?;
    }
    let query = lead_list_sql::export(crate::Backend::Postgres, tenant, filter, None);
    let declare = format!("DECLARE lead_export NO SCROLL CURSOR FOR {}", query.sql());
    bind_each!(
        sqlx::query(sqlx::AssertSqlSafe(declare)).persistent(false),
        query.binds()
    )
    .execute(&mut **t)
    .await?;
    let fetch = format!("FETCH {EXPORT_BATCH} FROM lead_export");
    loop {
        let rows: Vec<RawRow> = sqlx::query_as(sqlx::AssertSqlSafe(fetch.as_str()))
            .fetch_all(&mut **t)
            .await?;
        let last = rows.len() < EXPORT_BATCH;
        let batch = rows
            .into_iter()
            .map(RawRow::decode)
            .collect::<Result<Vec<_>>>()?;
        if !batch.is_empty() && out.send(batch).await.is_err() {
            return Ok(());
        }
        if last {
            return Ok(());
        }
    }
}

/// SQLite: the next [`EXPORT_BATCH`] matching leads after the last one sent, with their
/// rows, each page in its own transaction.
async fn export_by_pages(
    store: &Store,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    out: &mpsc::Sender<Vec<LeadExportRow>>,
) -> Result<()> {
    let limit = i64::try_from(EXPORT_BATCH).unwrap_or(i64::MAX);
    let mut after: Option<Uuid> = None;
    loop {
        let query =
            lead_list_sql::export(crate::Backend::Sqlite, tenant, filter, Some((after, limit)));
        let rows: Vec<RawRow> = {
            let mut tx = store.begin_read_for(tenant).await?;
            let TxInner::Sqlite(t) = &mut tx.inner else {
                unreachable!("export_by_pages runs on SQLite only");
            };
            bind_each!(
                sqlx::query_as(sqlx::AssertSqlSafe(query.sql()))
                    .persistent(filter.search.is_none()),
                query.binds()
            )
            .fetch_all(&mut **t)
            .await?
        };
        let Some(last) = rows.last().map(|r| r.lead.id) else {
            return Ok(());
        };
        let mut leads = 0;
        let mut previous = None;
        for r in &rows {
            if previous != Some(r.lead.id) {
                leads += 1;
                previous = Some(r.lead.id);
            }
        }
        let batch = rows
            .into_iter()
            .map(RawRow::decode)
            .collect::<Result<Vec<_>>>()?;
        if out.send(batch).await.is_err() || leads < EXPORT_BATCH {
            return Ok(());
        }
        after = Some(last);
    }
}
