//! Operating the job queue: list, counts, retry and cancel, for a tenant's admins through the
//! API and for operators across tenants through `revos admin jobs`.

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::{Page, PageRequest, ValidationErrors};
use revos_store::jobs::{self as store, JobRow, JobScope};
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

/// A job as shown to people.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobView {
    /// Its id.
    pub id: Uuid,
    /// Its tenant; `null` for system jobs.
    pub tenant_id: Option<Uuid>,
    /// Its kind, e.g. `linkedin.send_dm`.
    pub kind: String,
    /// Its queue.
    pub queue: String,
    /// `scheduled`, `running`, `retrying`, `succeeded`, `dead` or `cancelled`.
    pub state: String,
    /// Higher runs first.
    pub priority: i64,
    /// When it is (or was) due.
    pub run_at: DateTime<Utc>,
    /// Attempts so far.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// The last failure, kept on dead jobs.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

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

fn view(r: JobRow) -> JobView {
    JobView {
        id: r.id,
        tenant_id: r.tenant_id,
        kind: r.kind,
        queue: r.queue,
        state: r.state,
        priority: r.priority,
        run_at: r.run_at,
        attempts: r.attempts,
        max_attempts: r.max_attempts,
        last_error: r.last_error,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

impl App {
    async fn jobs_tx(&self, access: JobAccess<'_>) -> Result<(revos_store::Tx, JobScope)> {
        match access {
            JobAccess::Tenant(who) => {
                who.require_admin()?;
                Ok((
                    self.store.begin_for(who.tenant).await?,
                    JobScope::Tenant(who.tenant),
                ))
            }
            JobAccess::Operator => {
                let tx = self.store.begin_system().await?;
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
        if let Some(s) = state
            && !store::STATES.contains(&s)
        {
            return Err(ValidationErrors::single(
                "state",
                format!("must be one of {}", store::STATES.join(", ")),
            )
            .into());
        }
        let (mut tx, scope) = self.jobs_tx(access).await?;
        let rows = store::list(&mut tx, scope, state, kind, page).await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(view))
    }

    /// Counts by state and the age of the oldest due job.
    pub async fn job_stats(&self, access: JobAccess<'_>) -> Result<JobStats> {
        let (mut tx, scope) = self.jobs_tx(access).await?;
        let mut counts: BTreeMap<String, i64> =
            store::STATES.iter().map(|s| (s.to_string(), 0)).collect();
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
        let (mut tx, scope) = self.jobs_tx(access).await?;
        let rows = store::counts_by_queue(&mut tx, scope).await?;
        tx.commit().await?;
        let mut queues: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        for (queue, state, n) in rows {
            queues
                .entry(queue)
                .or_insert_with(|| store::STATES.iter().map(|s| (s.to_string(), 0)).collect())
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
        let (mut tx, scope) = self.jobs_tx(access).await?;
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
        Ok(view(job))
    }
}

/// An operator's change to a job.
#[derive(Clone, Copy)]
enum Change {
    Retry,
    Cancel,
}
