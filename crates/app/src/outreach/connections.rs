//! LinkedIn lets an account DM only its first-degree connections. A commenter who is not
//! connected waits at `awaiting_connection` (after a public reply inviting them to connect,
//! when the campaign has one); their DM goes back to the queue as soon as the connection
//! appears, seen by Unipile's `new_relation` webhook or by polling (the webhook can lag by
//! hours). Automatic connection requests are never sent. Account-status webhooks keep each
//! account's status current.

use crate::outreach::dm::SendDm;
use crate::webhooks::WebhookScope;
use crate::{App, Result};
use revos_domain::TenantId;
use revos_domain::linkedin_account::AccountStatus;
use revos_store::leads::{self, AwaitingConnection};
use revos_store::{events, linkedin_accounts};

/// The account status a Unipile `AccountStatus` message means, if it changes ours.
pub fn account_status(message: &str) -> Option<AccountStatus> {
    match message {
        "OK" | "RECONNECTED" | "SYNC_SUCCESS" | "CREATION_SUCCESS" => Some(AccountStatus::Ok),
        "CREDENTIALS" | "ERROR" | "STOPPED" | "DELETED" => Some(AccountStatus::NeedsReconnect),
        _ => None,
    }
}

impl App {
    /// Queues the DM of a lead whose connection appeared, if it is still waiting for it;
    /// false when it was not (it replied or opted out meanwhile).
    async fn requeue(&self, waiting: &AwaitingConnection) -> Result<bool> {
        let tenant = TenantId(waiting.tenant_id);
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let job = SendDm {
            tenant,
            campaign: waiting.campaign_id,
            lead: waiting.lead_id,
            account: waiting.account_id,
            step: None,
        };
        let moved = crate::outreach::requeue::connected_dm(&mut tx, &job, now).await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// Polls the connection of every lead waiting for one; returns how many DMs it queued.
    pub async fn poll_connections(&self) -> Result<u32> {
        let waiting = {
            let mut tx = self.store.begin_read_system().await?;
            let w = leads::awaiting_connection(&mut tx, None).await?;
            tx.commit().await?;
            w
        };
        let mut queued = 0;
        for w in waiting {
            let linkedin = self
                .linkedin_for(TenantId(w.tenant_id), &w.provider)
                .await?;
            match linkedin
                .is_connected(&w.provider_account_id, &w.provider_id)
                .await
            {
                Ok(true) => {
                    if self.requeue(&w).await? {
                        queued += 1;
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, lead = %w.lead_id, "connection check failed"),
            }
        }
        Ok(queued)
    }

    /// Handles Unipile's `new_relation`: queues the DMs waiting for this person on this
    /// account, in the workspace it belongs to when `scope` admits it. Returns how many it
    /// queued.
    pub async fn unipile_new_relation(
        &self,
        account_id: &str,
        person: &str,
        scope: WebhookScope,
    ) -> Result<u32> {
        let waiting = {
            let mut tx = self.store.begin_read_system().await?;
            let w = leads::awaiting_connection(&mut tx, Some(account_id)).await?;
            tx.commit().await?;
            w
        };
        let mut queued = 0;
        for w in waiting
            .iter()
            .filter(|w| w.provider_id == person && scope.admits(TenantId(w.tenant_id)))
        {
            if self.requeue(w).await? {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Handles Unipile's account-status webhook for the account's workspace when `scope`
    /// admits it, and appends an `account_status` event; an account that turns `ok` has its
    /// owner read again. Returns how many accounts changed.
    pub async fn unipile_account_status(
        &self,
        account_id: &str,
        message: &str,
        scope: WebhookScope,
    ) -> Result<u32> {
        let Some(status) = account_status(message) else {
            return Ok(0);
        };
        let now = self.now();
        let mut changed = 0;
        for (tenant, account) in self.tenants_of_account(account_id, scope).await? {
            let mut tx = self.store.begin_for(tenant).await?;
            linkedin_accounts::set_status(&mut tx, tenant, account, status, now).await?;
            // The status as the workspace's log keeps it (the notifier tells the members of
            // an account that needs reconnecting).
            let data = serde_json::json!({ "account_id": account, "status": status.as_str() });
            events::append(
                &mut tx,
                tenant,
                "account_status",
                None,
                Some(account),
                &data.to_string(),
                now,
            )
            .await?;
            tx.commit().await?;
            changed += 1;
            if status == AccountStatus::Ok {
                // Whenever the account turns ok, its owner is read again (a failure is
                // recorded and retried by the owner probe).
                self.learn_owner(tenant, account, "unipile", account_id)
                    .await?;
            }
        }
        Ok(changed)
    }
}

/// The cron job that polls the connections of leads waiting for one.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PollConnections;

impl revos_jobs::Job for PollConnections {
    type Context = crate::App;
    const KIND: &'static str = "connections.poll";
    const QUEUE: &'static str = "system";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        None
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        let queued = app
            .poll_connections()
            .await
            .map_err(crate::AppError::into_sweep_error)?;
        if queued > 0 {
            tracing::info!(queued, "DMs queued for new connections");
        }
        Ok(revos_jobs::Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use revos_domain::linkedin_account::AccountStatus;

    #[test]
    fn account_statuses_map_to_ours() {
        assert_eq!(super::account_status("OK"), Some(AccountStatus::Ok));
        assert_eq!(
            super::account_status("CREDENTIALS"),
            Some(AccountStatus::NeedsReconnect)
        );
        assert_eq!(super::account_status("CONNECTING"), None);
    }
}
