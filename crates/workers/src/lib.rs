//! Background work of RevOS: the system job kinds and their handlers, the cron schedules, and
//! the assembly of a [`Runner`] that `revos serve` and `revos worker` run.

mod dm;
mod email;
mod enrichment;
mod housekeeping;
mod monitor;
mod polls;
mod posts;
mod probe;

pub use housekeeping::Housekeeping;
pub use probe::QueueProbe;

use revos_app::App;
use revos_jobs::{Cron, Registry, Runner, RunnerConfig};
use std::time::Duration;

/// The job outcome of a provider failure. `paced` jobs (LinkedIn sends) turn a rate limit
/// into a pause of their account; others just wait as asked.
pub(crate) fn provider_failure(
    e: revos_providers::ProviderError,
    paced: bool,
) -> revos_jobs::JobError {
    use revos_jobs::JobError;
    use revos_providers::ProviderErrorKind;
    let restricted = e.provider_type.as_deref() == Some("errors/account_restricted");
    match e.kind {
        ProviderErrorKind::RateLimited if paced => JobError::AccountLimited {
            message: e.to_string(),
            after: e.retry_after,
        },
        _ if paced && restricted => JobError::AccountLimited {
            message: e.to_string(),
            after: None,
        },
        ProviderErrorKind::RateLimited | ProviderErrorKind::Transient => JobError::Retry {
            message: e.to_string(),
            after: e.retry_after,
        },
        ProviderErrorKind::Permanent => JobError::Permanent(e.to_string()),
    }
}

/// The job outcome of a failed use case about one lead: a provider failure is recorded as a
/// `provider_error` event on the lead and mapped by [`provider_failure`]; a missing row or
/// input that breaks a rule (a campaign template over its budget) fails the job for good,
/// since trying again cannot help; anything else is retried.
pub(crate) async fn lead_job_failure(
    app: &revos_app::App,
    about: (revos_domain::TenantId, Option<uuid::Uuid>, uuid::Uuid),
    e: revos_app::AppError,
    paced: bool,
) -> revos_jobs::JobError {
    use revos_app::AppError;
    use revos_jobs::JobError;
    match e {
        AppError::Provider(e) => {
            let (tenant, campaign, lead) = about;
            if let Err(store) = app.record_provider_error(tenant, campaign, lead, &e).await {
                tracing::warn!(error = %store, "recording a provider error failed");
            }
            provider_failure(e, paced)
        }
        AppError::NotFound(what) => JobError::Permanent(format!("{what} not found")),
        AppError::Validation(v) => JobError::Permanent(v.summary()),
        e => JobError::retry(e.to_string()),
    }
}

/// How often active campaigns' posts are polled for comments.
pub const MONITOR_PERIOD: Duration = Duration::from_secs(30);

/// How often the chats of unanswered DMs are read for replies (the webhook's safety net).
pub const REPLY_POLL_PERIOD: Duration = Duration::from_secs(900);

/// How often leads waiting to be connected are checked.
pub const CONNECTION_POLL_PERIOD: Duration = Duration::from_secs(900);

/// How often the owner of accounts whose owner could not be read is tried again.
pub const OWNER_PROBE_PERIOD: Duration = Duration::from_secs(300);

/// How often housekeeping runs.
pub const HOUSEKEEPING_PERIOD: Duration = Duration::from_secs(300);

/// How often published posts' counts are refreshed.
pub const POST_METRICS_PERIOD: Duration = Duration::from_secs(3600);

/// The handlers of every job kind.
pub fn registry(app: &App) -> Registry<App> {
    let mut r = app.job_registry();
    r.register::<Housekeeping, _, _>(housekeeping::run);
    r.register::<QueueProbe, _, _>(probe::run);
    r.register::<revos_app::enrichment::EnrichLead, _, _>(enrichment::run);
    r.register::<revos_app::dm::SendDm, _, _>(dm::run);
    r.register::<revos_app::comment_reply::ReplyToComment, _, _>(dm::reply);
    r.register::<revos_app::monitor::MonitorCampaign, _, _>(monitor::run);
    r.register::<revos_app::monitor::PollCampaigns, _, _>(monitor::poll);
    r.register::<revos_app::email_fallback::SequenceEmail, _, _>(email::run);
    r.register::<revos_app::email_bounces::StopEmailSequence, _, _>(email::stop);
    r.register::<revos_app::replies::PollReplies, _, _>(polls::replies);
    r.register::<revos_app::connections::PollConnections, _, _>(polls::connections);
    r.register::<revos_app::account_owner::ProbeAccountOwners, _, _>(polls::owners);
    r.register::<revos_app::posts::PublishPost, _, _>(posts::publish);
    r.register::<revos_app::posts::RefreshPostMetrics, _, _>(posts::metrics);
    r.register::<revos_app::posts::PollPostMetrics, _, _>(posts::poll_metrics);
    r
}

/// The cron schedules: housekeeping, the comment monitor, the reply and connection polls,
/// the probe of unknown account owners, and the refresh of published posts' counts.
pub fn crons() -> Vec<Cron> {
    vec![
        Cron::every("housekeeping", HOUSEKEEPING_PERIOD, Housekeeping),
        Cron::every(
            "poll-comments",
            MONITOR_PERIOD,
            revos_app::monitor::PollCampaigns,
        ),
        Cron::every(
            "poll-replies",
            REPLY_POLL_PERIOD,
            revos_app::replies::PollReplies,
        ),
        Cron::every(
            "poll-connections",
            CONNECTION_POLL_PERIOD,
            revos_app::connections::PollConnections,
        ),
        Cron::every(
            "probe-owners",
            OWNER_PROBE_PERIOD,
            revos_app::account_owner::ProbeAccountOwners,
        ),
        Cron::every(
            "post-metrics",
            POST_METRICS_PERIOD,
            revos_app::posts::PollPostMetrics,
        ),
    ]
}

/// A runner for every job kind and schedule, using the app's clock.
pub fn runner(app: &App, config: RunnerConfig) -> Runner<App> {
    Runner::new(registry(app), app.clone(), app.clock(), config, crons())
}

#[cfg(test)]
mod tests {
    use super::*;
    use revos_app::{MasterKey, SimulatedClock, Store};
    use std::sync::Arc;

    #[tokio::test]
    async fn housekeeping_fires_from_cron_once_per_slot() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let start = chrono::Utc::now();
        let clock = Arc::new(SimulatedClock::new(start));
        let app = App::new(
            store,
            MasterKey::generate(),
            clock.clone(),
            Default::default(),
        );
        let housekeeping_only = vec![Cron::every(
            "housekeeping",
            HOUSEKEEPING_PERIOD,
            Housekeeping,
        )];
        let runner = Runner::new(
            registry(&app),
            app.clone(),
            app.clock(),
            RunnerConfig::default(),
            housekeeping_only,
        );
        // One simulated hour: twelve five-minute slots, so twelve runs (one per slot).
        runner
            .run_simulated_until(&clock, start + chrono::Duration::hours(1))
            .await
            .unwrap();
        let stats = app
            .job_stats(revos_app::jobs::JobAccess::Operator)
            .await
            .unwrap();
        let ran = stats.counts["succeeded"];
        assert!(
            (12..=13).contains(&ran),
            "housekeeping ran {ran} times in an hour"
        );
        assert_eq!(stats.counts["dead"], 0);
    }
}
