//! Bulk loading of a workspace's leads and their history: leads, campaign memberships,
//! events and messages written as multi-row inserts, thousands of rows per statement,
//! instead of one statement per row through the writers that move a lead one step at a
//! time. This is how `revos bench pipeline` seeds a million leads in minutes (the per-lead
//! path does about 185 leads a second on PostgreSQL), and the shape an import would take.
//!
//! What the step-by-step writers keep beside the rows is kept here too: a lead's folded
//! search text is stored with it (the `lead_search` triggers index it as for any insert),
//! an event's cost goes into its own column. The funnel rollup (`campaign_leads.progress`,
//! `campaign_funnels`, `activity_days`) is not counted row by row: once the rows are in,
//! [`rebuild_rollups`] recomputes it for the workspace from those rows, by the same rule as
//! the `funnel_rollup` migration's backfill. Until then the loaded memberships are not
//! counted, so a load ends with that call.

use crate::lead_search;
use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use uuid::Uuid;

/// Bound values per statement: below PostgreSQL's limit (65,535) and SQLite's (32,766).
const BINDS: usize = 30_000;

/// A lead as loaded: the person and, when it ran, what enrichment found.
#[derive(Clone, Debug)]
pub struct LoadLead {
    /// Its id (time-ordered, `Uuid::now_v7`, as the writers give).
    pub id: Uuid,
    /// The person's provider id, unique in the workspace.
    pub provider_id: String,
    /// Their name.
    pub name: String,
    /// Their profile URL.
    pub linkedin_url: Option<String>,
    /// Their headline.
    pub headline: Option<String>,
    /// Their email.
    pub email: Option<String>,
    /// The email's status as the enrichment gave it.
    pub email_status: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Company industry.
    pub industry: Option<String>,
    /// Company size.
    pub company_size: Option<String>,
    /// When enrichment last ran, if it did.
    pub enriched_at: Option<DateTime<Utc>>,
    /// When the lead was found.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A lead's membership of a campaign, at the stage it reached there.
#[derive(Clone, Debug)]
pub struct LoadMembership {
    /// Its id.
    pub id: Uuid,
    /// The campaign.
    pub campaign: Uuid,
    /// The lead.
    pub lead: Uuid,
    /// Its stage in the campaign.
    pub stage: LeadStage,
    /// When the lead joined.
    pub created_at: DateTime<Utc>,
    /// When its stage last moved.
    pub updated_at: DateTime<Utc>,
}

/// An event, as `events::append_with_cost` would have written it.
#[derive(Clone, Debug)]
pub struct LoadEvent {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// What happened, e.g. `dm_sent`.
    pub kind: &'static str,
    /// The campaign it belongs to.
    pub campaign: Option<Uuid>,
    /// What it is about.
    pub subject: Option<Uuid>,
    /// Its details as JSON.
    pub data: String,
    /// What it cost in US dollars (`None` for nothing).
    pub cost_usd: Option<f64>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// A message (a DM or an email, out or in), as its writers would have left it.
#[derive(Clone, Debug)]
pub struct LoadMessage {
    /// Its id.
    pub id: Uuid,
    /// The campaign.
    pub campaign: Option<Uuid>,
    /// The lead.
    pub lead: Uuid,
    /// `dm` or `email`.
    pub channel: &'static str,
    /// `out` or `in`.
    pub direction: &'static str,
    /// Its state, e.g. `sent`, `queued`, `received`.
    pub status: &'static str,
    /// Its text.
    pub body: String,
    /// The provider's chat.
    pub chat: Option<String>,
    /// The provider's message id.
    pub provider_message_id: Option<String>,
    /// When it went out or came in.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// `rows` groups of `cols` placeholders, numbered from `$1`: `($1, $2), ($3, $4)`.
fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

/// Rows of `cols` columns per statement.
fn chunk(cols: usize) -> usize {
    BINDS / cols
}

/// Inserts leads of `tenant`, with their folded search text.
pub async fn insert_leads(tx: &mut Tx, tenant: TenantId, leads: &[LoadLead]) -> Result<()> {
    const COLS: usize = 17;
    for rows in leads.chunks(chunk(COLS)) {
        let sql = format!(
            "INSERT INTO leads (id, tenant_id, provider_id, linkedin_url, name, headline, email, email_status, \
             title, company, industry, company_size, is_sandbox, enriched_at, created_at, updated_at, search_text) \
             VALUES {}",
            placeholders(rows.len(), COLS)
        );
        on_conn!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for l in rows {
                let text = lead_search::text_of(
                    &l.name,
                    l.email.as_deref(),
                    l.company.as_deref(),
                    l.title.as_deref(),
                    l.headline.as_deref(),
                );
                q = q.bind(l.id).bind(tenant.0).bind(&l.provider_id).bind(&l.linkedin_url).bind(&l.name)
                    .bind(&l.headline).bind(&l.email).bind(&l.email_status).bind(&l.title).bind(&l.company)
                    .bind(&l.industry).bind(&l.company_size).bind(false).bind(l.enriched_at)
                    .bind(l.created_at).bind(l.updated_at).bind(text);
            }
            q.execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Inserts campaign memberships of `tenant` (not counted in the funnel until
/// [`rebuild_rollups`]).
pub async fn insert_memberships(
    tx: &mut Tx,
    tenant: TenantId,
    members: &[LoadMembership],
) -> Result<()> {
    const COLS: usize = 7;
    for rows in members.chunks(chunk(COLS)) {
        let sql = format!(
            "INSERT INTO campaign_leads (id, tenant_id, campaign_id, lead_id, status, created_at, updated_at) \
             VALUES {}",
            placeholders(rows.len(), COLS)
        );
        on_conn!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for m in rows {
                q = q.bind(m.id).bind(tenant.0).bind(m.campaign).bind(m.lead).bind(m.stage.as_str())
                    .bind(m.created_at).bind(m.updated_at);
            }
            q.execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Appends events of `tenant` (not counted in the funnel until [`rebuild_rollups`]).
pub async fn insert_events(tx: &mut Tx, tenant: TenantId, events: &[LoadEvent]) -> Result<()> {
    const COLS: usize = 8;
    for rows in events.chunks(chunk(COLS)) {
        let sql = format!(
            "INSERT INTO events (id, tenant_id, kind, campaign_id, subject_id, data, cost_usd, occurred_at) \
             VALUES {}",
            placeholders(rows.len(), COLS)
        );
        on_conn!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for e in rows {
                q = q.bind(e.id).bind(tenant.0).bind(e.kind).bind(e.campaign).bind(e.subject)
                    .bind(&e.data).bind(e.cost_usd.filter(|c| *c != 0.0)).bind(e.at);
            }
            q.execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Inserts messages of `tenant` (not counted in the funnel until [`rebuild_rollups`]).
pub async fn insert_messages(
    tx: &mut Tx,
    tenant: TenantId,
    messages: &[LoadMessage],
) -> Result<()> {
    const COLS: usize = 13;
    for rows in messages.chunks(chunk(COLS)) {
        let sql = format!(
            "INSERT INTO messages (id, tenant_id, campaign_id, lead_id, channel, direction, status, body, \
             provider_chat_id, provider_message_id, sent_at, created_at, updated_at) VALUES {}",
            placeholders(rows.len(), COLS)
        );
        on_conn!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for m in rows {
                q = q.bind(m.id).bind(tenant.0).bind(m.campaign).bind(m.lead).bind(m.channel)
                    .bind(m.direction).bind(m.status).bind(&m.body).bind(&m.chat)
                    .bind(&m.provider_message_id).bind(m.sent_at).bind(m.created_at).bind(m.updated_at);
            }
            q.execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Recomputes the funnel rollup of `tenant` from its rows: each membership's progress bits,
/// each campaign's counters and cost, and the DMs sent and replies per UTC day. Ends a bulk
/// load; also a repair for a workspace whose rollup is in doubt. Run it while nothing else
/// writes the workspace's leads (a writer's counter change made meanwhile may be lost).
pub async fn rebuild_rollups(tx: &mut Tx, tenant: TenantId) -> Result<()> {
    crate::funnel_rollup::rebuild(tx, tenant).await
}

#[cfg(test)]
mod tests {
    use super::{chunk, placeholders};

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(placeholders(1, 3), "($1, $2, $3)");
    }

    #[test]
    fn a_statement_stays_under_both_backends_limits() {
        for cols in [7, 8, 13, 17] {
            assert!(chunk(cols) * cols <= 32_766);
        }
    }
}
