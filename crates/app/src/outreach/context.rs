//! What every outreach job about a campaign starts from: the campaign, its settings and the
//! LinkedIn account it acts through, read once per attempt in the job's own transaction.

use crate::{AppError, Result};
use revos_domain::TenantId;
use revos_domain::campaign::CampaignSpec;
use revos_store::Tx;
use revos_store::campaigns::{self, CampaignRow};
use revos_store::linkedin_accounts::{self, AccountRow};
use uuid::Uuid;

/// A campaign with its settings and its LinkedIn account.
pub struct CampaignContext {
    /// The campaign as stored (its status among it).
    pub row: CampaignRow,
    /// Its settings.
    pub spec: CampaignSpec,
    /// The LinkedIn account the job acts through.
    pub account: AccountRow,
}

/// Reads `campaign` of `tenant` with its settings and a LinkedIn account: `account` when the
/// job names the one it was queued for (and is paced by), else the campaign's own.
pub async fn read(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    account: Option<Uuid>,
) -> Result<CampaignContext> {
    let row = campaigns::get(tx, tenant, campaign)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let spec = crate::campaigns::parse_spec(&row.settings)?;
    let account = linkedin_accounts::get(tx, tenant, account.unwrap_or(spec.linkedin_account_id))
        .await?
        .ok_or(AppError::NotFound("LinkedIn account"))?;
    Ok(CampaignContext { row, spec, account })
}
