//! What the first-run checklist reads: whether a workspace has an account, a cartridge, a
//! campaign watching a post, an activated campaign, a lead and a reply. One query of `EXISTS`
//! probes, each answered by an index on the tenant's rows, so the dashboard costs the same
//! with a million leads as with none. And the sandbox trial's own rows, found by its account.

use crate::tx::on_conn;
use crate::{Result, Tx};
use revos_domain::TenantId;
use revos_domain::first_run::FirstRunFacts;
use uuid::Uuid;

/// The checklist's facts for `tenant`, in one query.
pub async fn facts(tx: &mut Tx, tenant: TenantId) -> Result<FirstRunFacts> {
    const SQL: &str = "SELECT \
        EXISTS (SELECT 1 FROM linkedin_accounts WHERE tenant_id = $1 AND NOT is_sandbox), \
        EXISTS (SELECT 1 FROM linkedin_accounts WHERE tenant_id = $1 AND is_sandbox), \
        EXISTS (SELECT 1 FROM cartridges WHERE tenant_id = $1), \
        EXISTS (SELECT 1 FROM posts WHERE tenant_id = $1 AND status = 'watching' AND campaign_id IS NOT NULL), \
        EXISTS (SELECT 1 FROM campaigns WHERE tenant_id = $1 AND status <> 'draft'), \
        EXISTS (SELECT 1 FROM leads WHERE tenant_id = $1), \
        EXISTS (SELECT 1 FROM messages WHERE tenant_id = $1 AND direction = 'in')";
    type Row = (bool, bool, bool, bool, bool, bool, bool);
    let (real_account, sandbox_account, cartridge, watching_campaign, activated, lead, reply): Row =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).fetch_one(c).await?);
    Ok(FirstRunFacts {
        real_account,
        sandbox_account,
        cartridge,
        watching_campaign,
        activated,
        lead,
        reply,
    })
}

/// The first campaign of `tenant` sending from `account`, with its cartridge: the sandbox
/// trial's campaign, found by the trial's account.
pub async fn campaign_of_account(
    tx: &mut Tx,
    tenant: TenantId,
    account: Uuid,
) -> Result<Option<(Uuid, Option<Uuid>)>> {
    const SQL: &str = "SELECT id, cartridge_id FROM campaigns WHERE tenant_id = $1 \
        AND linkedin_account_id = $2 ORDER BY id LIMIT 1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(account).fetch_optional(c).await?))
}
