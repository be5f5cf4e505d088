//! This process's metrics for operators (`GET /metrics`): counters and latency histograms
//! kept in memory (job attempts per kind, provider calls per provider and outcome, LinkedIn
//! sends, HTTP requests per route and status), and, at scrape time, the state of the whole
//! instance read from the database in one grouped query per table (queue depth and oldest
//! due age per queue, outbox backlogs, workers' heartbeats).
//!
//! The counters live in a recorder of this [`App`] (no process-wide recorder), so several
//! instances in one process (the test suite) each count their own. Each `revos serve` and
//! `revos worker` process is a scrape target of its own; the database gauges are the same
//! from any of them.

use crate::key_health::KeyHealth;
use crate::{App, Result};
use chrono::{DateTime, Utc};
use metrics::{Key, Label, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use revos_domain::Clock;
use revos_domain::job_state::JobState;
use revos_providers::{CallObserver, ProviderCall};
use revos_store::{outbox_backlog, queue_stats, worker_heartbeats};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

/// Latency buckets, in seconds, of every histogram: from a quick query to a slow model call.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

const JOB_RUNS: &str = "revos_job_runs_total";
const JOB_FAILURES: &str = "revos_job_failures_total";
const JOB_DURATION: &str = "revos_job_duration_seconds";
const PROVIDER_CALLS: &str = "revos_provider_calls_total";
const PROVIDER_DURATION: &str = "revos_provider_call_duration_seconds";
const SENDS: &str = "revos_linkedin_sends_total";
const HTTP_REQUESTS: &str = "revos_http_requests_total";
const HTTP_DURATION: &str = "revos_http_request_duration_seconds";

/// The in-memory metrics of one [`App`], and the watch on the instance's provider keys fed
/// by the same provider-call hook.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    keys: KeyHealth,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

const META: Metadata<'static> = Metadata::new("revos", metrics::Level::INFO, None);

impl Metrics {
    /// Empty metrics, with every family described, over `clock`.
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        for (name, help) in [
            (
                JOB_RUNS,
                "Job attempts finished, by kind, queue and how they ended.",
            ),
            (
                JOB_FAILURES,
                "Failed job attempts, by kind, queue and what follows (retry, account_limited, dead).",
            ),
            (
                PROVIDER_CALLS,
                "Provider HTTP attempts, by provider and outcome (ok or the failure's class).",
            ),
            (
                SENDS,
                "Acting LinkedIn calls (DMs, comment replies), by account kind, action and outcome.",
            ),
            (
                HTTP_REQUESTS,
                "HTTP requests served, by method, matched route and status.",
            ),
        ] {
            recorder.describe_counter(name.into(), None, help.into());
        }
        for (name, help) in [
            (JOB_DURATION, "How long job attempts ran, by kind."),
            (
                PROVIDER_DURATION,
                "How long provider HTTP attempts took, by provider and outcome.",
            ),
            (
                HTTP_DURATION,
                "How long HTTP requests took to their answer's head, by method, matched route and status.",
            ),
        ] {
            recorder.describe_histogram(name.into(), Some(metrics::Unit::Seconds), help.into());
        }
        Self {
            recorder,
            handle,
            keys: KeyHealth::new(clock),
        }
    }

    fn count(&self, name: &'static str, labels: Vec<Label>) {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &META)
            .increment(1);
    }

    fn time(&self, name: &'static str, labels: Vec<Label>, took: Duration) {
        self.recorder
            .register_histogram(&Key::from_parts(name, labels), &META)
            .record(took.as_secs_f64());
    }

    /// A job attempt of `kind` in `queue` ended with `end` after `took`.
    pub fn job_attempt(
        &self,
        kind: &str,
        queue: &str,
        end: revos_jobs::AttemptEnd,
        took: Duration,
    ) {
        let labels = || {
            vec![
                Label::new("kind", kind.to_owned()),
                Label::new("queue", queue.to_owned()),
                Label::new("outcome", end.as_str()),
            ]
        };
        self.count(JOB_RUNS, labels());
        if end.is_failure() {
            self.count(JOB_FAILURES, labels());
        }
        self.time(
            JOB_DURATION,
            vec![Label::new("kind", kind.to_owned())],
            took,
        );
    }

    /// An acting LinkedIn call of `action` (`dm`, `comment_reply`) for an account of
    /// `account_kind` (`unipile`, `sandbox`) ended with `outcome`.
    pub(crate) fn linkedin_send(&self, account_kind: &str, action: &str, outcome: &str) {
        self.count(
            SENDS,
            vec![
                Label::new("account_kind", account_kind.to_owned()),
                Label::new("action", action.to_owned()),
                Label::new("outcome", outcome.to_owned()),
            ],
        );
    }

    /// An HTTP request to `route` (the matched route, never the raw path) was answered
    /// `status` after `took`.
    pub fn http_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let labels = || {
            vec![
                Label::new("method", method.to_owned()),
                Label::new("route", route.to_owned()),
                Label::new("status", status.to_string()),
            ]
        };
        self.count(HTTP_REQUESTS, labels());
        self.time(HTTP_DURATION, labels(), took);
    }

    /// The watch on the instance's provider keys.
    pub(crate) fn keys(&self) -> &KeyHealth {
        &self.keys
    }

    /// Folds recorded histogram samples into their buckets (the recorder needs this now and
    /// then even when nobody scrapes).
    pub(crate) fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The in-memory metrics in the Prometheus text format.
    fn render(&self) -> String {
        self.handle.run_upkeep();
        self.handle.render()
    }
}

impl CallObserver for Metrics {
    fn provider_call(&self, call: ProviderCall) {
        let labels = || {
            vec![
                Label::new("provider", call.provider),
                Label::new("outcome", call.outcome()),
            ]
        };
        self.count(PROVIDER_CALLS, labels());
        self.time(PROVIDER_DURATION, labels(), call.took);
        if call.instance_key {
            self.keys.record(call.provider, call.error);
        }
    }
}

/// One gauge family written by hand (the database's state at scrape time, which has no
/// place in a recorder: a queue that emptied must vanish, not keep its last value).
struct Family<'a> {
    out: &'a mut String,
}

impl<'a> Family<'a> {
    fn new(out: &'a mut String, name: &str, help: &str) -> Self {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        Self { out }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        let labels = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect::<Vec<_>>()
            .join(",");
        let _ = writeln!(self.out, "{name}{{{labels}}} {value}");
    }
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn age(now: DateTime<Utc>, then: Option<DateTime<Utc>>) -> f64 {
    then.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
}

impl App {
    /// This App's metrics, for the HTTP layer's request counts.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The provider-call hook given to every provider client this App builds.
    pub(crate) fn call_observer(&self) -> Arc<dyn CallObserver> {
        Arc::clone(&self.metrics) as Arc<dyn CallObserver>
    }

    /// Everything `/metrics` shows, in the Prometheus text format: the database's state now
    /// (read in one read-only transaction) and this process's counters.
    pub async fn metrics_text(&self) -> Result<String> {
        let now = self.now();
        let mut tx = self.store.begin_read_system().await?;
        let queues = queue_stats::per_queue(&mut tx, now).await?;
        let backlogs = outbox_backlog::all(&mut tx).await?;
        let workers = worker_heartbeats::list(&mut tx).await?;
        tx.commit().await?;

        let mut out = String::new();
        let mut depth: std::collections::BTreeMap<&str, (i64, Option<DateTime<Utc>>)> =
            Default::default();
        for q in &queues {
            if matches!(q.state, JobState::Scheduled | JobState::Retrying) {
                let entry = depth.entry(q.queue.as_str()).or_default();
                entry.0 += q.jobs;
                entry.1 = match (entry.1, q.oldest_due) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        let name = "revos_queue_depth";
        let mut f = Family::new(
            &mut out,
            name,
            "Jobs waiting (scheduled or retrying) per queue.",
        );
        for (queue, (jobs, _)) in &depth {
            f.sample(name, &[("queue", *queue)], *jobs as f64);
        }
        let name = "revos_queue_oldest_due_age_seconds";
        let mut f = Family::new(
            &mut out,
            name,
            "How long the oldest due job of each queue has waited past its run_at (0: none due).",
        );
        for (queue, (_, oldest)) in &depth {
            f.sample(name, &[("queue", *queue)], age(now, *oldest));
        }
        for (state, name, help) in [
            (
                JobState::Running,
                "revos_queue_running_jobs",
                "Jobs running per queue.",
            ),
            (
                JobState::Dead,
                "revos_queue_dead_jobs",
                "Dead jobs (out of attempts or failed for good) per queue.",
            ),
        ] {
            let mut f = Family::new(&mut out, name, help);
            for q in queues.iter().filter(|q| q.state == state) {
                f.sample(name, &[("queue", q.queue.as_str())], q.jobs as f64);
            }
        }
        let name = "revos_outbox_backlog";
        let mut f = Family::new(&mut out, name, "Rows waiting in each outbox to be shipped.");
        for b in &backlogs {
            f.sample(name, &[("outbox", b.outbox.as_str())], b.pending as f64);
        }
        let name = "revos_outbox_oldest_age_seconds";
        let mut f = Family::new(
            &mut out,
            name,
            "Age of the oldest row waiting in each outbox (0: empty).",
        );
        for b in &backlogs {
            f.sample(name, &[("outbox", b.outbox.as_str())], age(now, b.oldest));
        }
        let name = "revos_worker_heartbeat_age_seconds";
        let mut f = Family::new(
            &mut out,
            name,
            "Time since each worker process last renewed its leases (a stopped worker's row is gone).",
        );
        for w in &workers {
            f.sample(
                name,
                &[("worker", w.worker_id.as_str())],
                age(now, Some(w.beat_at)),
            );
        }
        out.push_str(&self.metrics.render());
        Ok(out)
    }
}
