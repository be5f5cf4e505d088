//! `revos serve` supervises its two parts: when the workers stop by themselves (here because
//! their database was dropped and no heartbeat succeeded for a job lease, so other workers may
//! take over their jobs) the process exits non-zero with one line naming the part and the reason,
//! instead of serving on without workers.

use crate::helpers::{Db, TestDb, postgres_admin_url};
use crate::server::Server;
use sqlx::Connection;
use std::time::{Duration, Instant};

#[tokio::test]
async fn serve_exits_non_zero_naming_the_workers_when_they_stop() {
    let db = TestDb::new(Db::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        dir.path(),
        &[
            ("REVOS_DATABASE_URL", &db.url),
            ("REVOS_JOB_LEASE_SECONDS", "1"),
        ],
    );
    server.wait_healthy().await;
    assert!(server.try_wait().is_none(), "{}", server.log());

    // The database goes away under the running server.
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    admin.close().await.ok();

    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(status) = server.try_wait() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "serve still runs 40 s after its database went away:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let log = server.log();
    assert_eq!(status.code(), Some(1), "{log}");
    let errors: Vec<&str> = log.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{log}");
    assert!(
        errors[0].starts_with(
            "error: the workers stopped: no heartbeat for 1s, the job lease, and the database is gone"
        ),
        "{log}"
    );
}
