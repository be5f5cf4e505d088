//! Transactions over either backend, and the scope each one runs in.

use crate::Result;
use crate::store::JobsReady;
use revos_domain::{TenantId, UserId};
use sqlx::{PgConnection, Postgres, Sqlite};

/// A database transaction on either backend. Dropping it without [`Tx::commit`] rolls back.
///
/// On PostgreSQL a transaction also carries its scope for row-level security (the tenant, the
/// principal or the system scope, set with transaction-local settings); on SQLite the scope is
/// enforced by the tenant filter every repository query carries.
pub struct Tx {
    pub(crate) inner: TxInner,
    /// The queues this transaction made jobs available in, with the earliest due time of
    /// each: announced to local workers after commit, and to other processes (PostgreSQL
    /// `NOTIFY`, delivered at commit) once per queue.
    pub(crate) ready: Vec<JobsReady>,
    pub(crate) announce: tokio::sync::broadcast::Sender<JobsReady>,
    /// The funnel counters this transaction moved, added at commit
    /// ([`crate::funnel_rollup`]).
    pub(crate) funnels: crate::funnel_rollup::FunnelChanges,
    /// SQLite's single-writer turn, held until the transaction ends; `None` for read-only
    /// transactions (which run on read-only connections) and on PostgreSQL.
    pub(crate) _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Runs `$body` with `$conn` bound to the transaction's connection, once per backend, so that
/// one SQL text and one set of binds serve both dialects.
macro_rules! on_conn {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::tx::TxInner::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::tx::TxInner::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_conn;

impl Tx {
    /// Makes the transaction's writes durable.
    pub async fn commit(mut self) -> Result<()> {
        crate::funnel_rollup::apply(&mut self).await?;
        if let TxInner::Postgres(t) = &mut self.inner {
            for news in &self.ready {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(crate::jobs::NOTIFY_CHANNEL)
                    .bind(news.payload())
                    .execute(&mut **t)
                    .await?;
            }
        }
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        for news in self.ready {
            // No receiver (no local worker) is fine.
            let _ = self.announce.send(news);
        }
        Ok(())
    }

    /// Notes that jobs of `queue` due at `at` become available when this transaction commits.
    pub(crate) fn jobs_ready(&mut self, queue: &str, at: chrono::DateTime<chrono::Utc>) {
        match self.ready.iter_mut().find(|r| r.queue == queue) {
            Some(r) => r.at = r.at.min(at),
            None => self.ready.push(JobsReady {
                queue: queue.to_owned(),
                at,
            }),
        }
    }

    /// Scopes the rest of the transaction to `tenant` (PostgreSQL row-level security).
    pub async fn scope_tenant(&mut self, tenant: TenantId) -> Result<()> {
        self.set("app.tenant_id", &tenant.to_string()).await
    }

    /// Lets the transaction see the memberships of `user` before a tenant is chosen (login).
    pub async fn scope_user(&mut self, user: UserId) -> Result<()> {
        self.set("app.user_id", &user.to_string()).await
    }

    /// Lets the transaction see the one session, API key or invitation whose token hashes to
    /// `token_hash`: whoever holds a token may look it up, nobody may list them.
    pub async fn scope_credential(&mut self, token_hash: &str) -> Result<()> {
        self.set("app.credential", token_hash).await
    }

    async fn set(&mut self, key: &'static str, value: &str) -> Result<()> {
        if let TxInner::Postgres(t) = &mut self.inner {
            sqlx::query("SELECT set_config($1, $2, true)")
                .bind(key)
                .bind(value)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// The raw PostgreSQL connection, for diagnostics and for tests that prove row-level
    /// security holds even for queries without a tenant filter. `None` on SQLite.
    pub fn postgres_connection(&mut self) -> Option<&mut PgConnection> {
        match &mut self.inner {
            TxInner::Postgres(t) => Some(&mut **t),
            TxInner::Sqlite(_) => None,
        }
    }
}
