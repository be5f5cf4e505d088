//! The cron polls that back up webhooks: replies in the chats of unanswered DMs, the
//! connections of leads waiting for one, and the owners of accounts whose owner could not be
//! read yet.

use revos_app::App;
use revos_app::account_owner::ProbeAccountOwners;
use revos_app::connections::PollConnections;
use revos_app::replies::PollReplies;
use revos_jobs::{JobContext, JobError, Outcome};

pub(crate) async fn replies(
    _job: PollReplies,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    let found = app
        .poll_replies()
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    if found > 0 {
        tracing::info!(found, "replies found by polling");
    }
    Ok(Outcome::Done)
}

pub(crate) async fn connections(
    _job: PollConnections,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    let queued = app
        .poll_connections()
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    if queued > 0 {
        tracing::info!(queued, "DMs queued for new connections");
    }
    Ok(Outcome::Done)
}

pub(crate) async fn owners(
    _job: ProbeAccountOwners,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    let learnt = app
        .probe_account_owners()
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    if learnt > 0 {
        tracing::info!(learnt, "account owners read");
    }
    Ok(Outcome::Done)
}
