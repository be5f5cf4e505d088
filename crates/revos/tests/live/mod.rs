//! A real `revos serve` child process on a free loopback port, and a fresh PostgreSQL
//! database for it: shared by the tests that drive the release surface from outside (the
//! browser scenarios and the API fuzzer).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_revos");

/// A running `revos serve`, stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts the server on a free port with a clean `REVOS_*` environment plus `envs`, and
    /// sign-up open (the scenarios sign up several workspaces, as on an instance whose
    /// operator chose `REVOS_SIGNUP=open`).
    pub fn start(dir: &Path, envs: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = dir.join("serve.log");
        let mut cmd = Command::new(BIN);
        for (k, _) in std::env::vars() {
            if k.starts_with("REVOS_") {
                cmd.env_remove(k);
            }
        }
        cmd.current_dir(dir)
            .args([
                "serve",
                "--data-dir",
                "data",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("REVOS_SIGNUP", "open")
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("server log"));
        Self {
            child: cmd.spawn().expect("spawn revos serve"),
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `/healthz` answers 200.
    pub async fn wait_healthy(&mut self) {
        let client = reqwest::Client::new();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("revos serve exited with {status}:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "revos serve did not answer /healthz in 30 s:\n{}",
            self.log()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
