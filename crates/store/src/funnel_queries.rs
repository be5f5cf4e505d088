//! The raw material of a campaign's funnel: each lead's stage, the campaign's messages and
//! the events that name the campaign. The counting rule lives in
//! [`revos_domain::funnel`]; these reads only gather the evidence.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use uuid::Uuid;

/// A lead of a campaign: its stage there and whether enrichment ever ran for it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FunnelLeadRow {
    /// The lead.
    pub lead_id: Uuid,
    /// Its stage in the campaign.
    #[sqlx(try_from = "String")]
    pub status: LeadStage,
    /// When enrichment last ran for the person (in any campaign).
    pub enriched_at: Option<DateTime<Utc>>,
}

/// Every lead of a campaign of `tenant`.
pub async fn leads(tx: &mut Tx, tenant: TenantId, campaign: Uuid) -> Result<Vec<FunnelLeadRow>> {
    const SQL: &str = "SELECT cl.lead_id, cl.status, l.enriched_at FROM campaign_leads cl \
        JOIN leads l ON l.id = cl.lead_id AND l.tenant_id = cl.tenant_id \
        WHERE cl.tenant_id = $1 AND cl.campaign_id = $2 ORDER BY cl.id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?))
}

/// A message of a campaign, reduced to what tells how far its lead got.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FunnelMessageRow {
    /// The lead it went to or came from.
    pub lead_id: Uuid,
    /// `dm` or `email`.
    pub channel: String,
    /// `out` or `in`.
    pub direction: String,
    /// Its status.
    pub status: String,
}

/// Every message of a campaign of `tenant`.
pub async fn messages(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Vec<FunnelMessageRow>> {
    const SQL: &str = "SELECT lead_id, channel, direction, status FROM messages \
        WHERE tenant_id = $1 AND campaign_id = $2";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?))
}

/// An event that may concern a campaign.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FunnelEventRow {
    /// What happened.
    pub kind: String,
    /// The lead it is about, if any.
    pub subject_id: Option<Uuid>,
    /// Its JSON data, naming the campaign and the cost.
    pub data: String,
}

/// The events of a campaign of `tenant`.
pub async fn events_of_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Vec<FunnelEventRow>> {
    const SQL: &str =
        "SELECT kind, subject_id, data FROM events WHERE tenant_id = $1 AND campaign_id = $2";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?))
}
