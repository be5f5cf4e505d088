//! A lead's stage in a campaign is written here and nowhere else: one conditional update whose
//! allowed starting stages come from the domain's rule ([`LeadStage::sources_of`], derived
//! from [`LeadStage::can_become`]), so a retried or late job can never move a lead backwards
//! (`dm_sent` over `replied`), and no caller reads the stage first and races whoever writes
//! in between. Callers act on the answer.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use uuid::Uuid;

/// The `UPDATE` of the rows of tenant `$1` and lead `$3` matched by `scope` to stage `$2` at
/// `$4`, when their stage is one `to` may come from (bound from placeholder `$first`
/// on); `None` when no stage may lead to `to`.
fn guarded_update(scope: &str, first: usize, to: LeadStage) -> Option<(String, Vec<LeadStage>)> {
    let from = LeadStage::sources_of(to);
    if from.is_empty() {
        return None;
    }
    let allowed = crate::allowed_from::placeholders(first, from.len());
    let sql = format!(
        "UPDATE campaign_leads SET status = $2, updated_at = $4 WHERE tenant_id = $1 AND lead_id = $3 \
         {scope} AND status IN ({allowed})"
    );
    // Only placeholders are spliced in; every value is bound.
    Some((sql, from))
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
    let Some((sql, from)) = guarded_update("AND campaign_id = $5", 6, to) else {
        return Ok(false);
    };
    let n = on_conn!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(to.as_str()).bind(lead).bind(now).bind(campaign);
        for s in &from {
            q = q.bind(s.as_str());
        }
        q.execute(c).await?.rows_affected()
    });
    Ok(n == 1)
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
    let Some((sql, from)) = guarded_update("", 5, to) else {
        return Ok(0);
    };
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(tenant.0).bind(to.as_str()).bind(lead).bind(now);
        for s in &from {
            q = q.bind(s.as_str());
        }
        q.execute(c).await?.rows_affected()
    }))
}
