//! What the job runner of `serve` and `worker` tells this App: every finished attempt goes
//! to the metrics, a database outage to the operator (from the worker itself), and each
//! heartbeat carries the process's view of the instance's provider keys.

use crate::App;
use revos_jobs::{AttemptEnd, RunnerObserver};
use std::sync::Arc;
use std::time::Duration;

/// The observer of a runner working for an [`App`].
struct AppRunnerObserver {
    app: App,
}

impl RunnerObserver for AppRunnerObserver {
    fn attempt_finished(&self, kind: &str, queue: &str, end: AttemptEnd, took: Duration) {
        self.app.metrics.job_attempt(kind, queue, end, took);
    }

    fn database_unreachable(&self, worker: &str, down: Duration, error: &str) {
        let (app, worker, error) = (self.app.clone(), worker.to_owned(), error.to_owned());
        tokio::spawn(async move {
            app.alert_database_unreachable(&worker, down, &error).await;
        });
    }

    fn database_reachable(&self, worker: &str, down: Duration) {
        let (app, worker) = (self.app.clone(), worker.to_owned());
        tokio::spawn(async move { app.alert_database_back(&worker, down).await });
    }

    fn heartbeat_status(&self) -> String {
        self.app.metrics.upkeep();
        self.app.metrics.keys().status_json()
    }
}

impl App {
    /// The observer to give the job runner that works for this App.
    pub fn runner_observer(&self) -> Arc<dyn RunnerObserver> {
        Arc::new(AppRunnerObserver { app: self.clone() })
    }
}
