//! A database that exists for one test, on either backend.

use chrono::Utc;
use revos_store::Store;
use sqlx::Connection;

/// Which backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    /// A temporary SQLite file.
    Sqlite,
    /// A new database on the PostgreSQL server of [`postgres_admin_url`].
    Postgres,
}

/// The PostgreSQL server tests use: `REVOS_TEST_POSTGRES_URL`, or the local server.
pub fn postgres_admin_url() -> String {
    std::env::var("REVOS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that exists for one test: a SQLite file in [`TestDb::dir`], or a PostgreSQL
/// database named `revos_t_<unix time>_<uuid>`, dropped when this value is.
pub struct TestDb {
    /// The database's URL, for `Store::connect` or a `revos` process.
    pub url: String,
    /// A temporary directory that lives as long as the database (the SQLite file, logs).
    pub dir: tempfile::TempDir,
    /// The backend it is on.
    pub kind: Db,
    pg_name: Option<String>,
}

impl TestDb {
    /// Creates an empty database on `kind`. Panics, naming the server, when PostgreSQL does
    /// not answer: PostgreSQL tests fail, they never skip.
    pub async fn new(kind: Db) -> Self {
        Self::create(kind, false).await
    }

    /// Creates a database on `kind` with every migration applied, copied from a template
    /// migrated once (see `template.rs`): far faster than migrating each one.
    pub async fn new_migrated(kind: Db) -> Self {
        Self::create(kind, true).await
    }

    async fn create(kind: Db, migrated: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match kind {
            Db::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("revos.db").display());
                if migrated {
                    crate::template::create_migrated(kind, &url, None).await;
                }
                Self {
                    url,
                    dir,
                    kind,
                    pg_name: None,
                }
            }
            Db::Postgres => {
                let admin = postgres_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL tests need a server at {admin} (set REVOS_TEST_POSTGRES_URL): {e}")
                });
                drop_stale_databases(&mut conn).await;
                let name = format!(
                    "revos_t_{}_{}",
                    Utc::now().timestamp(),
                    uuid::Uuid::new_v4().simple()
                );
                if migrated {
                    crate::template::create_migrated(kind, "", Some(&name)).await;
                } else {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(&mut conn)
                        .await
                        .expect("create test database");
                }
                // A test database need not survive a crash of the server: commits return
                // before the WAL reaches the disk (several times faster; what a test sees is
                // unchanged, since a crashed client loses nothing that was committed).
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "ALTER DATABASE {name} SET synchronous_commit = off"
                )))
                .execute(&mut conn)
                .await
                .expect("relax the test database's durability");
                conn.close().await.ok();
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or(admin);
                Self {
                    url: format!("{base}/{name}"),
                    dir,
                    kind,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// A new database on `kind` with every migration applied, and a store on it.
    pub async fn migrated(kind: Db) -> (Self, Store) {
        let db = Self::new_migrated(kind).await;
        let store = Store::connect(&db.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        (db, store)
    }
}

/// A fresh, migrated store on `db` (the same as [`TestDb::migrated`]).
pub async fn migrated_store(db: Db) -> (TestDb, Store) {
    TestDb::migrated(db).await
}

/// Drops test databases left behind by runs that were killed more than an hour ago.
async fn drop_stale_databases(conn: &mut sqlx::PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'revos_t_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    let cutoff = Utc::now().timestamp() - 3600;
    for name in names {
        let ts = name
            .split('_')
            .nth(2)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(i64::MAX);
        if ts < cutoff {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_in_background(name);
        }
    }
}

/// Drops PostgreSQL test databases one after another on a thread of its own, so that a test
/// does not wait for its database to go (`DROP DATABASE` makes the server checkpoint: about
/// two seconds here, for each test). Any still waiting when the process exits are dropped as
/// stale by a later run ([`drop_stale_databases`]).
fn drop_in_background(name: String) {
    static DROPPER: std::sync::OnceLock<std::sync::mpsc::Sender<String>> =
        std::sync::OnceLock::new();
    let dropper = DROPPER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let admin = postgres_admin_url();
        std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                // Nothing else runs on this runtime: waiting for the next name may block it.
                for name in rx {
                    let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await else {
                        continue;
                    };
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                    conn.close().await.ok();
                }
            });
        });
        tx
    });
    let _ = dropper.send(name);
}
