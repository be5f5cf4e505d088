//! The one way the app makes a provider call that acts on LinkedIn for an account (send a DM,
//! post a public reply): inside a paced slot taken right before the call, finished right
//! after it with how it ended, so that the account's gap and caps hold between the calls that
//! reach the provider, whatever else the job did before.

use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::paced_action::{ActionKind, ActionOutcome};
use revos_jobs::pacing::{Turn, take_slot};
use std::future::Future;
use uuid::Uuid;

/// What a paced call did.
#[derive(Debug)]
pub(crate) enum Paced<T> {
    /// The call was made and succeeded.
    Done(T),
    /// No slot is free before this instant: nothing was called.
    NotBefore(DateTime<Utc>),
}

/// How a failed acting call ended for pacing: a provider answer (429, 4xx, 5xx) means it was
/// refused; anything else (timeout, dropped connection, an unreadable answer, a failure of
/// ours around the call) may have taken effect.
fn outcome_of(error: &AppError) -> ActionOutcome {
    match error {
        AppError::Provider(e) if e.status.is_some() => ActionOutcome::Refused,
        _ => ActionOutcome::Unknown,
    }
}

impl App {
    /// Runs `act` (the last writes before the call, then the call) in a paced slot of
    /// `account` (whose provider is `account_kind`) for an action of `kind`, or says when a
    /// slot will be free. Every call made is counted in the metrics.
    pub(crate) async fn paced<T, F, Fut>(
        &self,
        tenant: TenantId,
        (account, account_kind): (Uuid, &str),
        kind: ActionKind,
        act: F,
    ) -> Result<Paced<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let timeout = self.provider_settings().timeout;
        let slot = match take_slot(&self.store, tenant, account, kind, timeout, self.now()).await? {
            Turn::Go(slot) => slot,
            Turn::NotBefore(at) => return Ok(Paced::NotBefore(at)),
            Turn::NoAccount => return Err(AppError::NotFound("LinkedIn account")),
        };
        let result = act().await;
        let outcome = match &result {
            Ok(_) => ActionOutcome::Done,
            Err(e) => outcome_of(e),
        };
        let label = match outcome {
            ActionOutcome::Done => "done",
            ActionOutcome::Unknown => "unknown",
            ActionOutcome::Refused => "refused",
        };
        self.metrics
            .linkedin_send(account_kind, kind.as_str(), label);
        slot.finish(&self.store, outcome, self.now()).await?;
        result.map(Paced::Done)
    }
}
