//! What every outreach job about a campaign starts from: the campaign, its settings and the
//! LinkedIn account it acts through, read once per attempt in the job's own transaction.

use crate::{AppError, Result};
use revos_domain::TenantId;
use revos_store::Tx;
use revos_store::campaigns::{self, CampaignRow};
use revos_store::linkedin_accounts::{self, AccountRow};
use uuid::Uuid;

/// A campaign with its settings and its LinkedIn account.
pub struct CampaignContext {
    /// The campaign as stored (its status and its settings among it).
    pub row: CampaignRow,
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
    let account = account.unwrap_or(row.settings.linkedin_account_id);
    let account = linkedin_accounts::get(tx, tenant, account)
        .await?
        .ok_or(AppError::NotFound("LinkedIn account"))?;
    Ok(CampaignContext { row, account })
}
