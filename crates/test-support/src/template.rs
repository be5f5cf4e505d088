//! Migrated test databases without migrating each one: the migrations run once into a template
//! (a PostgreSQL database, or a SQLite file) named for a hash of the migration files, and every
//! test database that should start migrated is a copy of it (`CREATE DATABASE … TEMPLATE …`,
//! or a file copy). Running fourteen migrations for each of the suite's tests was a large share
//! of its time. The template survives the process, so later runs (and the other test binaries
//! of a CI job) reuse it; a change to any migration file makes a new one.

use crate::db::{Db, postgres_admin_url};
use revos_store::Store;
use sqlx::Connection;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use tokio::sync::OnceCell;

/// A hash of the migration files of `backend` (`postgres` or `sqlite`): names and contents.
fn migrations_hash(backend: &str) -> u64 {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/migrations")
        .join(backend);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("migration entry").path())
        .collect();
    files.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in files {
        f.file_name().hash(&mut h);
        std::fs::read(&f).expect("read migration").hash(&mut h);
    }
    h.finish()
}

/// Copies the migrated template of `kind` to the new, empty test database at `url` (SQLite;
/// the file must not exist yet) or named `pg_name` (PostgreSQL; created here).
pub(crate) async fn create_migrated(kind: Db, url: &str, pg_name: Option<&str>) {
    match kind {
        Db::Sqlite => {
            let template = sqlite_template().await;
            let path = url.strip_prefix("sqlite://").expect("a sqlite:// URL");
            std::fs::copy(template, path).expect("copy the migrated SQLite template");
        }
        Db::Postgres => {
            let template = postgres_template().await;
            let name = pg_name.expect("a PostgreSQL test database name");
            let mut conn = admin().await;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {name} TEMPLATE {template}"
            )))
            .execute(&mut conn)
            .await
            .expect("create test database from the migrated template");
            conn.close().await.ok();
        }
    }
}

async fn admin() -> sqlx::PgConnection {
    let admin = postgres_admin_url();
    sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL tests need a server at {admin} (set REVOS_TEST_POSTGRES_URL): {e}")
        })
}

/// The migrated SQLite template file, made on first use.
async fn sqlite_template() -> &'static Path {
    static TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let path = std::env::temp_dir().join(format!(
                "revos-test-template-{:016x}.db",
                migrations_hash("sqlite")
            ));
            if path.exists() {
                return path;
            }
            // Migrated under a name of its own, then renamed into place: a process that finds
            // the template finds it whole.
            let dir = tempfile::tempdir().expect("temp dir");
            let fresh = dir.path().join("template.db");
            let store = Store::connect(&format!("sqlite://{}", fresh.display()))
                .await
                .expect("connect the SQLite template");
            store.migrate().await.expect("migrate the SQLite template");
            // Closing the last connection checkpoints the WAL into the file.
            store.close().await;
            let staged = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
            std::fs::copy(&fresh, &staged).expect("stage the SQLite template");
            std::fs::rename(&staged, &path).expect("install the SQLite template");
            path
        })
        .await
}

/// The name of the migrated PostgreSQL template database, made on first use.
async fn postgres_template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("revostpl_{:016x}", migrations_hash("postgres"));
            let mut conn = admin().await;
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut conn)
                    .await
                    .expect("look for the template");
            if exists {
                conn.close().await.ok();
                return name;
            }
            // Migrated under a test database's name (dropped as stale if this process dies),
            // then renamed: a process that finds the template finds it whole.
            let staged = format!(
                "revos_t_{}_{}",
                chrono::Utc::now().timestamp(),
                uuid::Uuid::new_v4().simple()
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {staged}")))
                .execute(&mut conn)
                .await
                .expect("create the template database");
            let admin_url = postgres_admin_url();
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b);
            let store = Store::connect(&format!("{base}/{staged}"))
                .await
                .expect("connect the template database");
            store
                .migrate()
                .await
                .expect("migrate the template database");
            store.close().await;
            // The server may still be ending the closed connections' sessions: a rename
            // refused for that is tried again; one refused because another process installed
            // the template meanwhile is not, and the staged copy goes.
            for attempt in 0.. {
                let renamed = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "ALTER DATABASE {staged} RENAME TO {name}"
                )))
                .execute(&mut conn)
                .await;
                let Err(e) = renamed else { break };
                let installed: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
                )
                .bind(&name)
                .fetch_one(&mut conn)
                .await
                .expect("look for the template");
                if installed {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {staged} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                    break;
                }
                assert!(
                    attempt < 100,
                    "could not install the template database: {e}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            conn.close().await.ok();
            name
        })
        .await
}
