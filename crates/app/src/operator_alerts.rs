//! Operator alerts: critical failures of the instance go to the operator's Slack incoming
//! webhook (`REVOS_ALERT_SLACK_WEBHOOK_URL`, `api-notes.md` §8), once when a condition starts
//! and once more when it ends.
//!
//! A periodic check (the `operator-alerts` cron, one process per slot) reads the database and
//! raises or resolves these conditions, each a row of `operator_alerts` while it lasts (so
//! however many processes check, one alert and one recovery message are sent):
//! * `dead_jobs:<queue>`: jobs of the queue died within the last [`DEAD_JOB_WINDOW`];
//!   resolved when none died for that long, or the dead jobs were retried or cancelled.
//! * `stuck_cron:<schedule>`: a schedule's run has been live (waiting or running) for three
//!   periods and at least [`STUCK_AFTER`], so the schedule fires no more.
//! * `provider_auth:<provider>`: a live worker saw the instance's own key of the provider
//!   refused (401/403) [`REFUSED_IN_A_ROW`] times in a row, with no success since: every
//!   workspace without its own key is stuck.
//!
//! A worker that cannot reach the database cannot use the table: it says so itself (once per
//! outage, and again when the database is back), see [`App::alert_database_unreachable`].

use crate::key_health::WorkerStatus;
use crate::{App, Result};
use chrono::{DateTime, Utc};
use revos_domain::job_state::JobState;
use revos_providers::outbound::{OutboundPolicy, PrivateUrls};
use revos_providers::slack::{SlackMessage, SlackWebhook};
use revos_store::queue_stats::QueueStat;
use revos_store::worker_heartbeats::WorkerBeat;
use revos_store::{operator_alerts, queue_stats, worker_heartbeats};
use std::collections::BTreeMap;
use std::time::Duration;

/// How recent a death must be for a queue's dead jobs to count as growing.
pub const DEAD_JOB_WINDOW: chrono::Duration = chrono::Duration::minutes(15);
/// The least time a schedule's run must be live before it counts as stuck.
pub const STUCK_AFTER: chrono::Duration = chrono::Duration::minutes(15);
/// Refusals of an instance key in a row (with no success since) that raise an alert.
pub const REFUSED_IN_A_ROW: u32 = 3;

/// A cron schedule the check watches for a run that never ends.
#[derive(Clone, Debug)]
pub struct WatchedSchedule {
    /// The schedule's name.
    pub name: &'static str,
    /// How often it fires.
    pub period: Duration,
    /// The unique key its live run holds in the queue.
    pub job_key: String,
}

/// What one check did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertReport {
    /// Conditions raised now (an alert was sent for each).
    pub raised: Vec<String>,
    /// Conditions resolved now (a recovery message was sent for each).
    pub resolved: Vec<String>,
}

/// Everything the check reads, in one read transaction.
struct Observed<'a> {
    now: DateTime<Utc>,
    queues: &'a [QueueStat],
    schedules: &'a [WatchedSchedule],
    live_runs: &'a [(String, DateTime<Utc>)],
    workers: &'a [WorkerBeat],
    alive_within: chrono::Duration,
}

/// One provider's instance key across the live workers.
#[derive(Default)]
struct KeyWatch<'a> {
    /// The longest streak of refusals a worker reports.
    refused: u32,
    /// When that worker saw the last refusal.
    last_refused: Option<DateTime<Utc>>,
    /// The last success any worker saw.
    last_ok: Option<DateTime<Utc>>,
    /// The worker with that streak.
    worker: &'a str,
}

/// The conditions that hold now, each with the sentence its alert carries.
fn firing(o: &Observed<'_>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for q in o.queues.iter().filter(|q| q.state == JobState::Dead) {
        if let Some(last) = q.last_change
            && last > o.now - DEAD_JOB_WINDOW
        {
            out.insert(
                format!("dead_jobs:{}", q.queue),
                format!(
                    "{} dead jobs in queue {}; the last died at {}",
                    q.jobs,
                    q.queue,
                    last.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            );
        }
    }
    for s in o.schedules {
        let period = chrono::Duration::from_std(s.period).unwrap_or(STUCK_AFTER) * 3;
        let stuck_after = period.max(STUCK_AFTER);
        if let Some((_, since)) = o.live_runs.iter().find(|(key, _)| *key == s.job_key)
            && *since < o.now - stuck_after
        {
            out.insert(
                format!("stuck_cron:{}", s.name),
                format!(
                    "the run of schedule {} queued at {} has not finished: the schedule fires no more",
                    s.name,
                    since.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            );
        }
    }
    // Per provider, the worst refusal streak of the instance key and its last success,
    // across live workers.
    let mut keys: BTreeMap<String, KeyWatch<'_>> = BTreeMap::new();
    for w in o
        .workers
        .iter()
        .filter(|w| w.beat_at > o.now - o.alive_within)
    {
        let Ok(status) = serde_json::from_str::<WorkerStatus>(&w.status) else {
            continue;
        };
        for (provider, state) in status.instance_keys {
            let watch = keys.entry(provider).or_default();
            if state.refused_in_a_row > watch.refused {
                watch.refused = state.refused_in_a_row;
                watch.last_refused = state.last_refused;
                watch.worker = w.worker_id.as_str();
            }
            watch.last_ok = watch.last_ok.max(state.last_ok);
        }
    }
    for (provider, watch) in keys {
        if watch.refused >= REFUSED_IN_A_ROW && watch.last_refused > watch.last_ok {
            out.insert(
                format!("provider_auth:{provider}"),
                format!(
                    "{provider} refused the instance's own key {} times in a row (worker {}); \
                     workspaces without their own {provider} key cannot use it",
                    watch.refused, watch.worker
                ),
            );
        }
    }
    out
}

impl App {
    /// Whether operator alerts go anywhere (`REVOS_ALERT_SLACK_WEBHOOK_URL` is set).
    pub fn alerts_configured(&self) -> bool {
        self.provider_settings().alert_slack_webhook_url.is_some()
    }

    /// Checks every condition, raises the new ones and resolves those that ended, sending
    /// one Slack message for each. Workers count as alive if they beat within
    /// `alive_within`. Without an alert webhook nothing is checked.
    pub async fn check_operator_alerts(
        &self,
        schedules: &[WatchedSchedule],
        alive_within: Duration,
    ) -> Result<AlertReport> {
        let mut report = AlertReport::default();
        if !self.alerts_configured() {
            return Ok(report);
        }
        let now = self.now();
        let keys: Vec<String> = schedules.iter().map(|s| s.job_key.clone()).collect();
        let mut tx = self.store.begin_read_system().await?;
        let queues = queue_stats::per_queue(&mut tx, now).await?;
        let live_runs = queue_stats::live_since(&mut tx, &keys).await?;
        let workers = worker_heartbeats::list(&mut tx).await?;
        let raised = operator_alerts::list(&mut tx).await?;
        tx.commit().await?;
        let firing = firing(&Observed {
            now,
            queues: &queues,
            schedules,
            live_runs: &live_runs,
            workers: &workers,
            alive_within: chrono::Duration::from_std(alive_within)
                .unwrap_or(chrono::Duration::minutes(1)),
        });

        for (condition, detail) in &firing {
            if raised.iter().any(|r| &r.condition == condition) {
                continue;
            }
            let mut tx = self.store.begin_system().await?;
            let new = operator_alerts::raise(&mut tx, condition, detail, now).await?;
            tx.commit().await?;
            if !new {
                continue;
            }
            let message = SlackMessage {
                text: format!("RevOS alert: {condition}"),
                lines: vec![detail.clone()],
            };
            match self.post_alert(&message).await {
                Ok(()) => report.raised.push(condition.clone()),
                Err(e) => {
                    // Not sent: raised again at the next check.
                    tracing::warn!(%condition, error = %e, "operator alert not sent");
                    let mut tx = self.store.begin_system().await?;
                    operator_alerts::resolve(&mut tx, condition).await?;
                    tx.commit().await?;
                }
            }
        }
        for alert in raised.iter().filter(|r| !firing.contains_key(&r.condition)) {
            let mut tx = self.store.begin_system().await?;
            let Some(alert) = operator_alerts::resolve(&mut tx, &alert.condition).await? else {
                continue;
            };
            tx.commit().await?;
            let message = SlackMessage {
                text: format!("RevOS recovered: {}", alert.condition),
                lines: vec![format!(
                    "resolved; raised at {}: {}",
                    alert.raised_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    alert.detail
                )],
            };
            match self.post_alert(&message).await {
                Ok(()) => report.resolved.push(alert.condition.clone()),
                Err(e) => {
                    // Not sent: the alert stays raised and its recovery is tried again.
                    tracing::warn!(condition = %alert.condition, error = %e, "recovery message not sent");
                    let mut tx = self.store.begin_system().await?;
                    operator_alerts::raise(
                        &mut tx,
                        &alert.condition,
                        &alert.detail,
                        alert.raised_at,
                    )
                    .await?;
                    tx.commit().await?;
                }
            }
        }
        if !report.raised.is_empty() || !report.resolved.is_empty() {
            tracing::info!(raised = ?report.raised, resolved = ?report.resolved, "operator alerts");
        }
        Ok(report)
    }

    /// Tells the operator that `worker` has not reached the database for `down` (once per
    /// outage: the runner calls this when an outage starts). Sent from the worker itself,
    /// since the database is what it cannot reach.
    pub async fn alert_database_unreachable(&self, worker: &str, down: Duration, error: &str) {
        let message = SlackMessage {
            text: format!("RevOS alert: database unreachable from worker {worker}"),
            lines: vec![format!(
                "no heartbeat reached the database for {}s; last error: {}",
                down.as_secs(),
                error.chars().take(300).collect::<String>()
            )],
        };
        if let Err(e) = self.post_alert(&message).await {
            tracing::warn!(error = %e, "operator alert not sent");
        }
    }

    /// Tells the operator that `worker` reaches the database again after an outage of `down`.
    pub async fn alert_database_back(&self, worker: &str, down: Duration) {
        let message = SlackMessage {
            text: format!("RevOS recovered: database reachable from worker {worker}"),
            lines: vec![format!("the outage lasted about {}s", down.as_secs())],
        };
        if let Err(e) = self.post_alert(&message).await {
            tracing::warn!(error = %e, "recovery message not sent");
        }
    }

    /// Posts `message` to the operator's webhook; nothing without one. The operator's own
    /// URL is trusted (like `REVOS_OPENAI_URL`): no workspace can set it.
    async fn post_alert(&self, message: &SlackMessage) -> Result<()> {
        use secrecy::ExposeSecret;
        let Some(url) = &self.provider_settings().alert_slack_webhook_url else {
            return Ok(());
        };
        let trusted = OutboundPolicy::new(PrivateUrls::Allowed);
        let hook = SlackWebhook::new(url.expose_secret(), &trusted, self.provider_timeout())?;
        hook.post(message).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(queue: &str, state: JobState, jobs: i64, last: DateTime<Utc>) -> QueueStat {
        QueueStat {
            queue: queue.into(),
            state,
            jobs,
            oldest_due: None,
            last_change: Some(last),
        }
    }

    #[test]
    fn conditions_hold_while_their_evidence_is_recent() {
        let now = Utc::now();
        let queues = [
            stat(
                "linkedin",
                JobState::Dead,
                3,
                now - chrono::Duration::minutes(2),
            ),
            stat(
                "default",
                JobState::Dead,
                9,
                now - chrono::Duration::hours(2),
            ),
            stat("email", JobState::Scheduled, 50, now),
        ];
        let schedules = [
            WatchedSchedule {
                name: "poll-comments",
                period: Duration::from_secs(30),
                job_key: "system:campaign.poll:cron:poll-comments".into(),
            },
            WatchedSchedule {
                name: "housekeeping",
                period: Duration::from_secs(300),
                job_key: "system:system.housekeeping:cron:housekeeping".into(),
            },
        ];
        let live_runs = [
            (
                schedules[0].job_key.clone(),
                now - chrono::Duration::minutes(20),
            ),
            (
                schedules[1].job_key.clone(),
                now - chrono::Duration::minutes(10),
            ),
        ];
        let refused = |n: u32, ok_after: bool| WorkerBeat {
            worker_id: format!("w{n}"),
            started_at: now,
            beat_at: now,
            status: serde_json::json!({"instance_keys": {"apollo": {
                "refused_in_a_row": n,
                "last_refused": now - chrono::Duration::seconds(30),
                "last_ok": (if ok_after { Some(now) } else { None }),
            }}})
            .to_string(),
        };
        let observed = |workers: &[WorkerBeat]| {
            firing(&Observed {
                now,
                queues: &queues,
                schedules: &schedules,
                live_runs: &live_runs,
                workers,
                alive_within: chrono::Duration::minutes(1),
            })
        };
        let on = observed(&[refused(3, false)]);
        assert_eq!(
            on.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "dead_jobs:linkedin",
                "provider_auth:apollo",
                "stuck_cron:poll-comments"
            ]
        );
        // Two refusals are not yet an alert; a later success anywhere clears it.
        assert!(!observed(&[refused(2, false)]).contains_key("provider_auth:apollo"));
        assert!(
            !observed(&[refused(5, false), refused(0, true)]).contains_key("provider_auth:apollo")
        );
    }
}
