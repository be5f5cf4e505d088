//! Background work of RevOS: the list of job kinds a worker runs (each kind's handler is its
//! own `Job::run`, beside the use case in `revos-app`), the cron schedules, the system jobs
//! (housekeeping, the queue probe), and the assembly of a [`Runner`] that `revos serve` and
//! `revos worker` run.

mod housekeeping;
mod operator_alerts;
mod probe;

pub use housekeeping::Housekeeping;
pub use operator_alerts::{CheckOperatorAlerts, WORKER_SILENCE};
pub use probe::QueueProbe;

use revos_app::App;
use revos_jobs::{Cron, Registry, Runner, RunnerConfig};
use std::time::Duration;

/// How often active campaigns' posts are polled for comments (each campaign's pass is due at
/// its own offset into the period).
pub const MONITOR_PERIOD: Duration = revos_app::outreach::monitor::POLL_PERIOD;

/// How often the chats of unanswered DMs are read for replies (the webhook's safety net).
pub const REPLY_POLL_PERIOD: Duration = Duration::from_secs(900);

/// How often leads waiting to be connected are checked.
pub const CONNECTION_POLL_PERIOD: Duration = Duration::from_secs(900);

/// How often the owner of accounts whose owner could not be read is tried again.
pub const OWNER_PROBE_PERIOD: Duration = Duration::from_secs(300);

/// How often housekeeping runs.
pub const HOUSEKEEPING_PERIOD: Duration = Duration::from_secs(300);

/// How often endpoints with an outgoing-webhook delivery due are woken (the safety net for a
/// wake-up lost to a race; deliveries are normally sent at once).
pub const WEBHOOK_SWEEP_PERIOD: Duration = Duration::from_secs(300);

/// How often the operator alerts' conditions are checked.
pub const OPERATOR_ALERTS_PERIOD: Duration = Duration::from_secs(60);

/// How often published posts' counts are refreshed.
pub const POST_METRICS_PERIOD: Duration = Duration::from_secs(3600);

/// Every job kind a worker runs.
pub fn registry(app: &App) -> Registry<App> {
    let mut r = app.job_registry();
    r.register::<Housekeeping>()
        .register::<QueueProbe>()
        .register::<CheckOperatorAlerts>()
        .register::<revos_app::outreach::enrichment::EnrichLead>()
        .register::<revos_app::outreach::dm::SendDm>()
        .register::<revos_app::outreach::comment_reply::ReplyToComment>()
        .register::<revos_app::inbox_answer::SendInboxAnswer>()
        .register::<revos_app::outreach::monitor::MonitorCampaign>()
        .register::<revos_app::lead_import::EnterImported>()
        .register::<revos_app::outreach::monitor::PollCampaigns>()
        .register::<revos_app::outreach::email_fallback::SequenceEmail>()
        .register::<revos_app::outreach::email_bounces::StopEmailSequence>()
        .register::<revos_app::outreach::replies::PollReplies>()
        .register::<revos_app::outreach::connections::PollConnections>()
        .register::<revos_app::outreach::account_owner::ProbeAccountOwners>()
        .register::<revos_app::posts::PublishPost>()
        .register::<revos_app::posts::RefreshPostMetrics>()
        .register::<revos_app::posts::PollPostMetrics>()
        .register::<revos_app::notifications::NotifyWorkspace>()
        .register::<revos_app::notifications::SlackDigest>()
        .register::<revos_app::analytics::ShipAnalytics>()
        .register::<revos_app::outgoing_webhooks::DeliverWebhooks>()
        .register::<revos_app::outgoing_webhooks::SweepWebhooks>();
    r
}

/// The cron schedules: housekeeping, the comment monitor, the reply and connection polls,
/// the probe of unknown account owners, the refresh of published posts' counts, and the
/// outgoing-webhook sweep. (The operator alerts' check is added by [`runner`] when alerts go
/// somewhere.)
pub fn crons() -> Vec<Cron> {
    vec![
        Cron::every("housekeeping", HOUSEKEEPING_PERIOD, Housekeeping),
        Cron::every(
            "poll-comments",
            MONITOR_PERIOD,
            revos_app::outreach::monitor::PollCampaigns,
        ),
        Cron::every(
            "poll-replies",
            REPLY_POLL_PERIOD,
            revos_app::outreach::replies::PollReplies,
        ),
        Cron::every(
            "poll-connections",
            CONNECTION_POLL_PERIOD,
            revos_app::outreach::connections::PollConnections,
        ),
        Cron::every(
            "probe-owners",
            OWNER_PROBE_PERIOD,
            revos_app::outreach::account_owner::ProbeAccountOwners,
        ),
        Cron::every(
            "post-metrics",
            POST_METRICS_PERIOD,
            revos_app::posts::PollPostMetrics,
        ),
        Cron::every(
            "webhook-sweep",
            WEBHOOK_SWEEP_PERIOD,
            revos_app::outgoing_webhooks::SweepWebhooks,
        ),
    ]
}

/// A runner for every job kind and schedule, using the app's clock, telling the app of its
/// attempts (metrics), database outages (operator alerts) and heartbeats.
pub fn runner(app: &App, config: RunnerConfig) -> Runner<App> {
    let mut schedules = crons();
    if app.alerts_configured() {
        schedules.push(Cron::every(
            "operator-alerts",
            OPERATOR_ALERTS_PERIOD,
            CheckOperatorAlerts,
        ));
    }
    Runner::new(registry(app), app.clone(), app.clock(), config, schedules)
        .with_observer(app.runner_observer())
}

#[cfg(test)]
mod tests {
    use super::*;
    use revos_app::{MasterKey, SimulatedClock, Store};
    use revos_domain::job_state::JobState;
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
        let ran = stats.counts[JobState::Succeeded.as_str()];
        assert!(
            (12..=13).contains(&ran),
            "housekeeping ran {ran} times in an hour"
        );
        assert_eq!(stats.counts[JobState::Dead.as_str()], 0);
    }
}
