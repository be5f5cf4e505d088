//! The database as the layers above see it, without handing them the store: which backend
//! it is, whether it answers, closing it at exit, and the job registry and probe that work
//! on it. Everything else reaches the database through a use case.

use crate::{App, Backend, Result};
use revos_jobs::{JobContext, JobError, Outcome, Registry};

impl App {
    /// The database backend (SQLite or PostgreSQL), for logs and the readiness check.
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Whether the database answers (`/readyz`): its backend when it does.
    pub async fn database_ready(&self) -> Result<Backend> {
        self.store.ping().await?;
        Ok(self.store.backend())
    }

    /// Closes the database pool at the end of a command, waiting for connections in use.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// An empty job registry over this database, for the workers to register handlers in.
    pub fn job_registry(&self) -> Registry<App> {
        Registry::new(self.store.clone())
    }

    /// Completes a queue probe job (`revos bench queue`, the crash tests) and records its
    /// completion in `queue_probes` in one transaction, so a probe that completes twice
    /// would show.
    pub async fn complete_probe(&self, ctx: &JobContext) -> Result<Outcome, JobError> {
        let db = |e: revos_store::StoreError| JobError::retry(e.to_string());
        let mut tx = self.store.begin_system().await.map_err(db)?;
        let now = self.now();
        if !ctx.complete_in(&mut tx, now).await? {
            return Err(JobError::retry("this worker no longer holds the job"));
        }
        revos_store::jobs::record_probe(&mut tx, ctx.id, &ctx.worker, now)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Outcome::Completed)
    }
}
