//! Opening the database, applying migrations and starting transactions.

use crate::tx::{Tx, TxInner, on_conn};
use crate::{Result, StoreError};
use revos_domain::TenantId;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor, PgPool, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// The role the application works as on PostgreSQL; created by the migrations. It owns no
/// table, so row-level security always applies to it.
pub const APP_ROLE: &str = "revos_app";

pub(crate) static SQLITE_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (WAL mode): the zero-setup default.
    Sqlite,
    /// PostgreSQL: production, and the one many worker processes share.
    Postgres,
}

/// A connection pool on one backend. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    url: String,
    /// Announces jobs that became available: after a local commit that enqueued jobs and, on
    /// PostgreSQL, when another process did; idle workers wake or set their timers from it.
    jobs_ready: broadcast::Sender<JobsReady>,
    /// SQLite allows one writer at a time; waiting here, in order, beats SQLite's busy-retry
    /// backoff (which sleeps up to 100 ms at a time) when many tasks write at once.
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Clone, Debug)]
enum Pool {
    /// The connections that write (one at a time, under the writer turn) and a second pool
    /// of read-only connections for read transactions, which under WAL read a snapshot
    /// while the writer works and so never wait for its turn.
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

impl Store {
    /// Opens the database at `url` (`sqlite:` file or `postgres://`). The SQLite file is
    /// created when missing. Does not migrate: call [`Store::migrate`] first on a new database.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = if is_postgres(url) {
            let opts = pg_options(url)?;
            // Fail now, not on first use, when the server cannot be reached.
            opts.connect()
                .await
                .map_err(|e| connect_error(url, e))?
                .close()
                .await?;
            // Lazy, because the application role only exists once `migrate` has run.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        let user: String = sqlx::query_scalar("SELECT current_user::text")
                            .fetch_one(&mut *conn)
                            .await?;
                        if user != APP_ROLE {
                            conn.execute("SET ROLE revos_app").await?;
                        }
                        Ok(())
                    })
                })
                .connect_lazy_with(opts);
            Pool::Postgres(pool)
        } else {
            let opts = sqlite_options(url)?;
            // Eager: creates the file and switches it to WAL before any reader opens it.
            let writer = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(|e| connect_error(url, e))?;
            let reader = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_lazy_with(sqlite_read_options(url)?);
            Pool::Sqlite { writer, reader }
        };
        Ok(Self {
            pool,
            url: url.to_owned(),
            jobs_ready: broadcast::channel(4096).0,
            sqlite_writer: Arc::default(),
        })
    }

    /// Applies every pending migration. On PostgreSQL this runs on a connection of the URL's
    /// own role (the schema owner), not as the application role. Then folds the search text
    /// of leads that have none (see `lead_search::backfill`).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
            Pool::Postgres(_) => {
                let mut conn = pg_options(&self.url)?
                    .connect()
                    .await
                    .map_err(|e| connect_error(&self.url, e))?;
                POSTGRES_MIGRATIONS.run(&mut conn).await?;
                conn.close().await?;
            }
        }
        // Search text is folded in Rust, so leads stored before it existed are folded here.
        crate::lead_search::backfill(self).await?;
        Ok(())
    }

    /// Reclaims the space of finished jobs and refreshes the planner's statistics of the
    /// queue table (PostgreSQL `VACUUM (ANALYZE) jobs`, run as the schema owner). Autovacuum
    /// does this by itself where it is on; benchmarks call it so every run starts alike.
    /// Returns a description of the durability the backend commits with.
    pub async fn vacuum_jobs(&self) -> Result<String> {
        match &self.pool {
            Pool::Sqlite { .. } => Ok("SQLite WAL, synchronous=NORMAL".to_owned()),
            Pool::Postgres(_) => {
                let mut conn = pg_options(&self.url)?
                    .connect()
                    .await
                    .map_err(|e| connect_error(&self.url, e))?;
                conn.execute("VACUUM (ANALYZE) jobs").await?;
                let sync: String =
                    sqlx::query_scalar("SELECT current_setting('synchronous_commit')")
                        .fetch_one(&mut conn)
                        .await?;
                conn.close().await?;
                Ok(format!("PostgreSQL synchronous_commit={sync}"))
            }
        }
    }

    /// Which engine this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Checks that the database answers and the schema is migrated, for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        let mut tx = self.begin_read().await?;
        on_conn!(tx, c => sqlx::query("SELECT 1 FROM tenants LIMIT 1").fetch_optional(c).await?.is_some());
        Ok(())
    }

    /// Starts a transaction with no tenant scope: only identity tables (tenants, users) and
    /// rows unlocked by [`Tx::scope_user`] or [`Tx::scope_credential`] are visible.
    pub async fn begin(&self) -> Result<Tx> {
        self.begin_scoped("BEGIN".to_owned()).await
    }

    /// Starts a transaction scoped to `tenant` (one round trip on PostgreSQL).
    pub async fn begin_for(&self, tenant: TenantId) -> Result<Tx> {
        // A UUID's text form is hex and dashes only, so it is safe inside the statement.
        self.begin_scoped(format!("BEGIN; SET LOCAL app.tenant_id = '{tenant}'"))
            .await
    }

    /// Starts a transaction that sees every tenant's rows: for workers and operator commands
    /// only, never for a request.
    pub async fn begin_system(&self) -> Result<Tx> {
        self.begin_scoped("BEGIN; SET LOCAL app.system = 'on'".to_owned())
            .await
    }

    /// Starts a read-only transaction with no tenant scope (see [`Store::begin`]). On SQLite
    /// it reads a snapshot on a read-only connection and never waits for the writer; on
    /// PostgreSQL it is `READ ONLY`. Any write in it fails.
    pub async fn begin_read(&self) -> Result<Tx> {
        self.begin_read_scoped("BEGIN READ ONLY".to_owned()).await
    }

    /// Starts a read-only transaction scoped to `tenant`: for the use cases that only read
    /// (lists, pages, reports), so that on SQLite they run beside the writer instead of
    /// queueing for its turn. Any write in it fails.
    pub async fn begin_read_for(&self, tenant: TenantId) -> Result<Tx> {
        self.begin_read_scoped(format!(
            "BEGIN READ ONLY; SET LOCAL app.tenant_id = '{tenant}'"
        ))
        .await
    }

    /// Starts a read-only transaction that sees every tenant's rows (see
    /// [`Store::begin_system`]): for workers' and operators' reads. Any write in it fails.
    pub async fn begin_read_system(&self) -> Result<Tx> {
        self.begin_read_scoped("BEGIN READ ONLY; SET LOCAL app.system = 'on'".to_owned())
            .await
    }

    async fn begin_read_scoped(&self, pg_begin: String) -> Result<Tx> {
        let inner = match &self.pool {
            // Deferred: the snapshot is taken at the first read; the connection is opened
            // read-only, so a write fails instead of waiting for the lock.
            Pool::Sqlite { reader, .. } => TxInner::Sqlite(reader.begin_with("BEGIN").await?),
            Pool::Postgres(pool) => {
                TxInner::Postgres(pool.begin_with(sqlx::AssertSqlSafe(pg_begin)).await?)
            }
        };
        Ok(Tx {
            inner,
            ready: Vec::new(),
            funnels: Default::default(),
            announce: self.jobs_ready.clone(),
            _writer: None,
        })
    }

    async fn begin_scoped(&self, pg_begin: String) -> Result<Tx> {
        let (inner, writer) = match &self.pool {
            Pool::Sqlite { writer: pool, .. } => {
                let writer = Arc::clone(&self.sqlite_writer).lock_owned().await;
                // IMMEDIATE takes the write lock up front, so two writers never deadlock
                // upgrading from a read lock (SQLITE_BUSY mid-transaction).
                (
                    TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
                    Some(writer),
                )
            }
            Pool::Postgres(pool) => (
                TxInner::Postgres(pool.begin_with(sqlx::AssertSqlSafe(pg_begin)).await?),
                None,
            ),
        };
        Ok(Tx {
            inner,
            ready: Vec::new(),
            funnels: Default::default(),
            announce: self.jobs_ready.clone(),
            _writer: writer,
        })
    }

    /// Announcements of jobs that became available: after a local commit that enqueued jobs,
    /// or a notification from another process (see [`Store::listen_jobs`]). A receiver that
    /// falls behind gets `Lagged` and should look at the database itself.
    pub fn job_wakeups(&self) -> broadcast::Receiver<JobsReady> {
        self.jobs_ready.subscribe()
    }

    /// On PostgreSQL, forwards job notifications from other processes to
    /// [`Store::job_wakeups`] until the returned task is dropped or the pool closes. `None`
    /// on SQLite, where one process owns the database and local wake-ups suffice.
    pub async fn listen_jobs(&self) -> Result<Option<tokio::task::JoinHandle<()>>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(crate::jobs::NOTIFY_CHANNEL).await?;
        let ready = self.jobs_ready.clone();
        Ok(Some(tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => {
                        if let Some(news) = JobsReady::from_payload(n.payload()) {
                            let _ = ready.send(news);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "job notifications interrupted; reconnecting");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        })))
    }

    /// On PostgreSQL, a connection of the pool's kind (the application role) taken out of
    /// the pool for good: for a session-level lock that must outlive no caller, since the
    /// server releases it when the connection is dropped. `None` on SQLite.
    pub(crate) async fn detached_pg_connection(&self) -> Result<Option<sqlx::PgConnection>> {
        match &self.pool {
            Pool::Postgres(pool) => Ok(Some(pool.acquire().await?.detach())),
            Pool::Sqlite { .. } => Ok(None),
        }
    }

    /// Closes every connection, waiting for transactions in flight.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// Jobs of `queue` became available, the first of them due at `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobsReady {
    /// The queue.
    pub queue: String,
    /// When the earliest of them is due.
    pub at: chrono::DateTime<chrono::Utc>,
}

impl JobsReady {
    /// The PostgreSQL notification payload: `queue|milliseconds since the epoch`.
    pub(crate) fn payload(&self) -> String {
        format!("{}|{}", self.queue, self.at.timestamp_millis())
    }

    /// Parses a notification payload.
    pub(crate) fn from_payload(payload: &str) -> Option<Self> {
        let (queue, ms) = payload.rsplit_once('|')?;
        let at = chrono::DateTime::from_timestamp_millis(ms.parse().ok()?)?;
        Some(Self {
            queue: queue.to_owned(),
            at,
        })
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn pg_options(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(|e| {
        StoreError::Config(format!(
            "not a valid PostgreSQL URL: {}",
            redact(&e.to_string())
        ))
    })
}

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    if !url.starts_with("sqlite:") {
        return Err(StoreError::Config(
            "the URL must start with sqlite:, postgres:// or postgresql://".into(),
        ));
    }
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("not a valid SQLite URL: {e}")))?;
    Ok(opts
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10)))
}

/// The options of the read-only connections: the file must exist (the writer pool opened it
/// first and put it in WAL mode, which is a property of the file).
fn sqlite_read_options(url: &str) -> Result<SqliteConnectOptions> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("not a valid SQLite URL: {e}")))?;
    Ok(opts.read_only(true).busy_timeout(Duration::from_secs(10)))
}

/// The `sqlite:` URL of the database file inside a data directory.
pub fn sqlite_url_in(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("revos.db").display())
}

fn connect_error(url: &str, err: sqlx::Error) -> StoreError {
    let target = if is_postgres(url) {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    StoreError::Config(format!(
        "cannot open the {target} database: {}",
        redact(&err.to_string())
    ))
}

/// Drops anything that looks like a password from a message that may quote a URL.
fn redact(msg: &str) -> String {
    msg.split_whitespace()
        .map(|w| match (w.find("://"), w.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}://***@{}", &w[..s], &w[at + 1..]),
            _ => w.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials_in_urls() {
        let m = redact("cannot reach postgres://app:hunter2@db:5432/x now");
        assert!(!m.contains("hunter2"));
        assert!(m.contains("db:5432/x"));
    }
}
