//! The owner of each LinkedIn account, read from the provider (Unipile's `GET /users/me`, the
//! sandbox's simulated owner) rather than assumed: the comment monitor never turns the owner's
//! own comments into leads, and turns none of an account's comments into leads until its
//! owner is known (they are not lost: the post's high-water mark stays where it was). The
//! owner is read when an account is connected and whenever its status turns `ok`; a failed
//! read never fails the connection: it is recorded on the account, which shows why it waits,
//! and the owner probe tries again.

use crate::{App, Result};
use revos_domain::TenantId;
use revos_store::linkedin_accounts as store;
use uuid::Uuid;

/// The longest provider error kept on an account.
const MAX_ERROR_CHARS: usize = 500;

/// Why the comments of an account do not become leads yet; `None` once its owner is known.
pub fn blocked_reason(owner: Option<&str>, error: Option<&str>) -> Option<String> {
    if owner.is_some() {
        return None;
    }
    let base = "waiting for the account owner's LinkedIn profile (GET /users/me): comments on \
                its posts become leads once the owner is known, so the owner never becomes one";
    Some(match error {
        Some(e) => format!("{base}; the last attempt failed: {e}"),
        None => base.to_owned(),
    })
}

impl App {
    /// Reads the owner of the account `account` of `tenant` (`provider_account_id` on
    /// `provider`) and records it, or records why it could not be read. Returns the owner
    /// when it was read.
    pub(crate) async fn learn_owner(
        &self,
        tenant: TenantId,
        account: Uuid,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<String>> {
        let found = match self.linkedin_for(tenant, provider).await {
            Ok(linkedin) => linkedin
                .owner(provider_account_id)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let owner = match found {
            Ok(owner) => {
                store::set_owner(&mut tx, tenant, account, &owner, now).await?;
                Some(owner)
            }
            Err(e) => {
                tracing::warn!(%account, error = %e, "reading the account owner failed; the probe retries");
                let e: String = e.chars().take(MAX_ERROR_CHARS).collect();
                store::set_owner_error(&mut tx, tenant, account, &e, now).await?;
                None
            }
        };
        tx.commit().await?;
        Ok(owner)
    }

    /// Reads the owner of every `ok` account still waiting for it (a connection whose read
    /// failed); returns how many owners it learnt.
    pub async fn probe_account_owners(&self) -> Result<u32> {
        let waiting = {
            let mut tx = self.store.begin_system().await?;
            let w = store::owner_unknown(&mut tx).await?;
            tx.commit().await?;
            w
        };
        let mut learnt = 0;
        for w in waiting {
            let tenant = TenantId(w.tenant_id);
            if self
                .learn_owner(tenant, w.id, &w.provider, &w.provider_account_id)
                .await?
                .is_some()
            {
                learnt += 1;
            }
        }
        Ok(learnt)
    }
}

/// The cron job that retries reading the owner of accounts still waiting for it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ProbeAccountOwners;

impl revos_jobs::Job for ProbeAccountOwners {
    type Context = crate::App;
    const KIND: &'static str = "accounts.probe_owners";
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
        let learnt = app
            .probe_account_owners()
            .await
            .map_err(crate::AppError::into_sweep_error)?;
        if learnt > 0 {
            tracing::info!(learnt, "account owners read");
        }
        Ok(revos_jobs::Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::blocked_reason;

    #[test]
    fn an_account_waits_only_while_its_owner_is_unknown() {
        assert_eq!(blocked_reason(Some("ACoOwner"), Some("old failure")), None);
        let waiting = blocked_reason(None, None).unwrap();
        assert!(waiting.contains("GET /users/me"), "{waiting}");
        let failed = blocked_reason(None, Some("429 Too many requests")).unwrap();
        assert!(
            failed.ends_with("failed: 429 Too many requests"),
            "{failed}"
        );
    }
}
