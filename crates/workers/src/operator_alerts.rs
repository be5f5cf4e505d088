//! The operator-alerts check as a system job, fired by cron once a minute on one process:
//! it watches the schedules of [`crate::crons`] and counts workers alive within
//! [`WORKER_SILENCE`].

use revos_app::App;
use revos_app::operator_alerts::WatchedSchedule;
use revos_domain::TenantId;
use revos_jobs::{Job, JobContext, JobError, Outcome};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a worker may stay silent and still count as alive for the alerts (its status
/// is read only then).
pub const WORKER_SILENCE: Duration = Duration::from_secs(120);

/// Checks the operator alerts' conditions and sends what changed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckOperatorAlerts;

impl Job for CheckOperatorAlerts {
    type Context = App;
    const KIND: &'static str = "system.operator_alerts";
    const QUEUE: &'static str = "system";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        None
    }

    async fn run(self, _ctx: JobContext, app: &App) -> Result<Outcome, JobError> {
        let schedules: Vec<WatchedSchedule> = crate::crons()
            .iter()
            .map(|c| WatchedSchedule {
                name: c.name,
                period: c.period,
                job_key: c.job_key().to_owned(),
            })
            .collect();
        app.check_operator_alerts(&schedules, WORKER_SILENCE)
            .await
            .map_err(revos_app::AppError::into_sweep_error)?;
        Ok(Outcome::Done)
    }
}
