//! Operating the job queue: list, counts, retry and cancel, for a tenant's admins through the
//! API and for operators across tenants through `revos admin jobs`.

use crate::{App, AppError, Principal, Result};
use revos_domain::job_state::JobState;
use revos_domain::{Page, PageRequest, ValidationErrors};
use revos_store::jobs::{self as store, JobScope};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Whose jobs a call may see.
#[derive(Clone, Copy, Debug)]
pub enum JobAccess<'a> {
    /// A tenant's admin: that tenant's jobs.
    Tenant(&'a Principal),
    /// The operator (`revos admin`): every job, system jobs included.
    Operator,
}

/// A job as shown to people: the store's row, whose serialisation is the API's.
pub use revos_store::jobs::JobRow as JobView;

/// The queue at a glance.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobStats {
    /// Jobs per state (every state listed, zeros included).
    pub counts: BTreeMap<String, i64>,
    /// Seconds since the oldest job that is due but not yet claimed became due; `null` when
    /// nothing is waiting. A growing value means the workers are falling behind.
    pub oldest_due_age_seconds: Option<i64>,
}

/// One queue at a glance.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCounts {
    /// The queue's name.
    pub queue: String,
    /// Jobs per state (every state listed, zeros included).
    pub counts: BTreeMap<String, i64>,
}

impl App {
    /// A transaction in the scope `access` allows: read-only for the lists and counts (so
    /// they never wait for SQLite's writer), writable for retrying and cancelling.
    async fn jobs_tx(
        &self,
        access: JobAccess<'_>,
        read: bool,
    ) -> Result<(revos_store::Tx, JobScope)> {
        match access {
            JobAccess::Tenant(who) => {
                who.require_admin()?;
                let tx = if read {
                    self.store.begin_read_for(who.tenant).await?
                } else {
                    self.store.begin_for(who.tenant).await?
                };
                Ok((tx, JobScope::Tenant(who.tenant)))
            }
            JobAccess::Operator => {
                let tx = if read {
                    self.store.begin_read_system().await?
                } else {
                    self.store.begin_system().await?
                };
                Ok((tx, JobScope::All))
            }
        }
    }

    /// Lists jobs, optionally by state and kind.
    pub async fn list_jobs(
        &self,
        access: JobAccess<'_>,
        state: Option<&str>,
        kind: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<JobView>> {
        let state = match state {
            None => None,
            Some(s) => Some(s.parse::<JobState>().map_err(|_| {
                let names: Vec<_> = JobState::ALL.map(JobState::as_str).into();
                ValidationErrors::single("state", format!("must be one of {}", names.join(", ")))
            })?),
        };
        let (mut tx, scope) = self.jobs_tx(access, true).await?;
        let rows = store::list(&mut tx, scope, state, kind, page).await?;
        Ok(Page::from_rows(rows, page, |r| r.id))
    }

    /// Counts by state and the age of the oldest due job.
    pub async fn job_stats(&self, access: JobAccess<'_>) -> Result<JobStats> {
        let (mut tx, scope) = self.jobs_tx(access, true).await?;
        let mut counts: BTreeMap<String, i64> =
            JobState::ALL.iter().map(|s| (s.to_string(), 0)).collect();
        counts.extend(store::counts(&mut tx, scope).await?);
        let now = self.now();
        let oldest = store::oldest_due(&mut tx, scope, now).await?;
        Ok(JobStats {
            counts,
            oldest_due_age_seconds: oldest.map(|t| (now - t).num_seconds().max(0)),
        })
    }

    /// Counts by state for each queue that has jobs, queues by name, every state listed.
    pub async fn job_counts_by_queue(&self, access: JobAccess<'_>) -> Result<Vec<QueueCounts>> {
        let (mut tx, scope) = self.jobs_tx(access, true).await?;
        let rows = store::counts_by_queue(&mut tx, scope).await?;
        tx.commit().await?;
        let mut queues: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        for (queue, state, n) in rows {
            queues
                .entry(queue)
                .or_insert_with(|| JobState::ALL.iter().map(|s| (s.to_string(), 0)).collect())
                .insert(state, n);
        }
        Ok(queues
            .into_iter()
            .map(|(queue, counts)| QueueCounts { queue, counts })
            .collect())
    }

    /// Gives a dead (or cancelled) job fresh attempts, due now.
    pub async fn retry_job(&self, access: JobAccess<'_>, id: Uuid) -> Result<JobView> {
        self.change_job(access, id, Change::Retry).await
    }

    /// Cancels a job that is waiting or dead.
    pub async fn cancel_job(&self, access: JobAccess<'_>, id: Uuid) -> Result<JobView> {
        self.change_job(access, id, Change::Cancel).await
    }

    async fn change_job(&self, access: JobAccess<'_>, id: Uuid, change: Change) -> Result<JobView> {
        let (mut tx, scope) = self.jobs_tx(access, false).await?;
        let job = store::get(&mut tx, scope, id)
            .await?
            .ok_or(AppError::NotFound("job"))?;
        let now = self.now();
        let changed = match change {
            Change::Retry => store::retry(&mut tx, scope, id, now).await?,
            Change::Cancel => store::cancel(&mut tx, scope, id, now).await?,
        };
        if !changed {
            return Err(AppError::Conflict(match change {
                Change::Retry => format!(
                    "only dead or cancelled jobs can be retried; this one is {}",
                    job.state
                ),
                Change::Cancel => format!("a {} job cannot be cancelled", job.state),
            }));
        }
        let job = store::get(&mut tx, scope, id)
            .await?
            .ok_or(AppError::NotFound("job"))?;
        tx.commit().await?;
        Ok(job)
    }
}

/// An operator's change to a job.
#[derive(Clone, Copy)]
enum Change {
    Retry,
    Cancel,
}
