//! A real `revos serve` child process on a free loopback port (in `server.rs`), and a fresh
//! PostgreSQL database for it: shared by the tests that drive the release surface from outside (the
//! browser scenarios and the API fuzzer).

mod server;

pub use server::Server;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// What `program --version` prints, trimmed; empty when the program does not run.
pub fn version_of(program: &str) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Waits for `child` (a test tool run against the server) for at most `limit`; kills it
/// after that. Returns its exit status, or `None` when it ran past `limit`.
pub fn wait_at_most(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A PostgreSQL database for one test, dropped afterwards.
pub struct PgDb {
    admin: String,
    name: String,
    /// The database's URL, for `REVOS_DATABASE_URL`.
    pub url: String,
}

impl PgDb {
    /// Creates a fresh database on the test server.
    pub async fn create() -> Self {
        use sqlx::Connection;
        let admin = std::env::var("REVOS_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("tests on PostgreSQL need a server at {admin} (set REVOS_TEST_POSTGRES_URL): {e}"));
        // The same naming as the API tests, so their clean-up of stale databases covers these.
        let name = format!(
            "revos_t_{}_{}",
            chrono::Utc::now().timestamp(),
            uuid::Uuid::new_v4().simple()
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        conn.close().await.ok();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Self { admin, name, url }
    }

    /// Drops the database, whoever is still connected.
    pub async fn drop_database(self) {
        use sqlx::Connection;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}
