//! The DMs the sandbox received, named by the workspace's own ids: `revos demo --send-log`
//! writes them out so a run can be checked against its pacing.

use crate::{App, Result};
use chrono::{DateTime, Utc};
use revos_domain::{PageRequest, TenantId};
use revos_store::{leads, linkedin_accounts};
use uuid::Uuid;

/// One DM the sandbox received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentDm {
    /// The workspace's account that sent it, when it is one of the first page of accounts.
    pub account_id: Option<Uuid>,
    /// The lead it went to, when the recipient is a lead of the workspace.
    pub lead_id: Option<Uuid>,
    /// When the sandbox received it.
    pub sent_at: DateTime<Utc>,
}

impl App {
    /// Every DM the sandbox received so far, in order, with the sending account and the
    /// recipient lead of `tenant`.
    pub async fn sandbox_sent_dms(&self, tenant: TenantId) -> Result<Vec<SentDm>> {
        let received = self.sandbox().received_dms();
        let mut tx = self.store.begin_read_for(tenant).await?;
        let accounts = linkedin_accounts::list(&mut tx, tenant, PageRequest::first()).await?;
        let mut sent = Vec::with_capacity(received.len());
        for dm in received {
            let account_id = accounts
                .iter()
                .find(|a| a.provider_account_id == dm.account)
                .map(|a| a.id);
            let lead_id = leads::by_provider_id(&mut tx, tenant, &dm.person)
                .await?
                .map(|l| l.id);
            sent.push(SentDm {
                account_id,
                lead_id,
                sent_at: dm.at,
            });
        }
        Ok(sent)
    }
}
