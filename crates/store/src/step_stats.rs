//! Sequence figures: how many DMs each step and A/B variant of a campaign sent, and how many
//! of them were answered, in one grouped query over the campaign's messages (the unique
//! outbound index `messages_one_outbound` leads with `campaign_id`). A reply is credited to
//! the last step sent to the lead before it arrived.

use crate::tx::on_conn;
use crate::{Result, Tx};
use revos_domain::TenantId;
use uuid::Uuid;

/// One step and variant's figures.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StepVariantRow {
    /// The step's id.
    pub step_id: String,
    /// The variant's id (empty for a DM recorded before its text was written).
    pub variant_id: String,
    /// DMs sent.
    pub sent: i64,
    /// Of them, answered before the next step went out.
    pub replied: i64,
}

/// The figures of every step and variant of `campaign` of `tenant` that sent a DM.
pub async fn of_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Vec<StepVariantRow>> {
    const SQL: &str = "SELECT m.step_id, COALESCE(m.variant_id, '') AS variant_id, COUNT(*) AS sent, \
        SUM(CASE WHEN EXISTS (SELECT 1 FROM messages r WHERE r.tenant_id = m.tenant_id AND r.lead_id = m.lead_id \
            AND r.campaign_id = m.campaign_id AND r.channel = 'dm' AND r.direction = 'in' AND r.sent_at >= m.sent_at \
            AND NOT EXISTS (SELECT 1 FROM messages n WHERE n.campaign_id = m.campaign_id AND n.lead_id = m.lead_id \
                AND n.channel = 'dm' AND n.direction = 'out' AND n.status = 'sent' AND n.sent_at > m.sent_at \
                AND n.sent_at <= r.sent_at)) THEN 1 ELSE 0 END) AS replied \
        FROM messages m WHERE m.tenant_id = $1 AND m.campaign_id = $2 AND m.channel = 'dm' \
        AND m.direction = 'out' AND m.status = 'sent' \
        GROUP BY m.step_id, COALESCE(m.variant_id, '') ORDER BY m.step_id, COALESCE(m.variant_id, '')";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?))
}
