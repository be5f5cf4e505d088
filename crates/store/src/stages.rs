//! A lead's stage in a campaign is written here and nowhere else: one conditional update whose
//! allowed starting stages come from the domain's rule ([`LeadStage::sources_of`], derived
//! from [`LeadStage::can_become`]), so a retried or late job can never move a lead backwards
//! (`dm_sent` over `replied`), and no caller reads the stage first and races whoever writes
//! in between. Callers act on the answer.

use crate::funnel_rollup;
use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::funnel::Progress;
use revos_domain::lead::LeadStage;
use uuid::Uuid;

/// Moves the rows of tenant `tenant` and lead `lead` (in `campaign`, or in every campaign)
/// whose stage is one of `from` to `to`; returns the campaigns where it moved.
async fn guarded_update(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Option<Uuid>,
    lead: Uuid,
    to: LeadStage,
    from: &[LeadStage],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    let (scope, first) = match campaign {
        Some(_) => ("AND campaign_id = $5", 6),
        None => ("", 5),
    };
    let allowed = crate::allowed_from::placeholders(first, from.len());
    // Only placeholders are spliced in; every value is bound.
    let sql = format!(
        "UPDATE campaign_leads SET status = $2, updated_at = $4 WHERE tenant_id = $1 AND lead_id = $3 \
         {scope} AND status IN ({allowed}) RETURNING campaign_id"
    );
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(to.as_str()).bind(lead).bind(now);
        if let Some(campaign) = campaign {
            q = q.bind(campaign);
        }
        for s in from {
            q = q.bind(s.as_str());
        }
        q.fetch_all(c).await?
    }))
}

/// Moves a lead to `to` where the domain allows it, and keeps the funnel rollup with it:
/// the steps the new stage proves, and the count of leads waiting for a connection (a row
/// leaving `awaiting_connection` is moved by its own update, so the store knows it left).
/// Returns the campaigns where it moved.
async fn move_rows(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Option<Uuid>,
    lead: Uuid,
    to: LeadStage,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    let (waiting, others): (Vec<_>, Vec<_>) = LeadStage::sources_of(to)
        .into_iter()
        .partition(|s| *s == LeadStage::AwaitingConnection);
    let mut moved = Vec::new();
    for (from, left_waiting) in [(waiting, true), (others, false)] {
        if from.is_empty() || (campaign.is_some() && !moved.is_empty()) {
            continue;
        }
        for c in guarded_update(tx, tenant, campaign, lead, to, &from, now).await? {
            let change = i64::from(to == LeadStage::AwaitingConnection) - i64::from(left_waiting);
            if change != 0 {
                funnel_rollup::awaiting(tx, tenant, c, change);
            }
            funnel_rollup::note(tx, tenant, c, lead, Progress::from_stage(to)).await?;
            moved.push(c);
        }
    }
    Ok(moved)
}

/// Moves a lead of a campaign of `tenant` to `to` if the domain allows it from its current
/// stage; true when it moved.
pub async fn move_stage(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    to: LeadStage,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(!move_rows(tx, tenant, Some(campaign), lead, to, now)
        .await?
        .is_empty())
}

/// Moves a lead of `tenant` to `to` in every campaign where the domain allows it from its
/// stage there (enrichment moves all of them); returns in how many it moved.
pub async fn move_stage_everywhere(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
    to: LeadStage,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(move_rows(tx, tenant, None, lead, to, now).await?.len() as u64)
}
