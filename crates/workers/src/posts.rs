//! The post jobs: publishing a scheduled post, refreshing a published post's counts, and the
//! hourly cron that queues those refreshes.

use revos_app::posts::{PollPostMetrics, PublishPost, RefreshPostMetrics};
use revos_app::{App, AppError};
use revos_jobs::{JobContext, JobError, Outcome};

/// A failed post use case as a job outcome: provider failures per their kind (a timed-out
/// publish is retried, and the retry reconciles before publishing again); a missing post or
/// a post moved on by someone else ends the job; anything else is retried.
fn failure(e: AppError) -> JobError {
    match e {
        AppError::Provider(e) => crate::provider_failure(e, false),
        AppError::NotFound(what) => JobError::Permanent(format!("{what} not found")),
        AppError::IllegalTransition(t) => JobError::Permanent(t.to_string()),
        AppError::Validation(v) => JobError::Permanent(v.to_string()),
        e => JobError::retry(e.to_string()),
    }
}

pub(crate) async fn publish(
    job: PublishPost,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    let outcome = app.publish_scheduled(&job).await.map_err(failure)?;
    tracing::info!(post = %job.post, ?outcome, "scheduled publish done");
    Ok(Outcome::Done)
}

pub(crate) async fn metrics(
    job: RefreshPostMetrics,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    app.refresh_post_metrics(job.tenant, job.post)
        .await
        .map_err(failure)?;
    Ok(Outcome::Done)
}

pub(crate) async fn poll_metrics(
    _job: PollPostMetrics,
    _ctx: JobContext,
    app: App,
) -> Result<Outcome, JobError> {
    app.poll_post_metrics()
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    Ok(Outcome::Done)
}
