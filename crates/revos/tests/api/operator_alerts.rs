//! Operator alerts (issue 19, item 4) reached as production reaches them: a cron run that
//! hangs on a provider while its worker keeps it leased (a stuck schedule), the instance's
//! own Apollo key refused again and again (provider authentication), and a real
//! `revos worker` process losing its database. Each goes to the operator's Slack webhook
//! (a fake) once while it lasts, and a recovery message follows once when it ends.
//! (Dead jobs: `operations::dead_jobs_alert_once_and_recover_once`.)

use crate::helpers::{Db, TestApp, TestConfig, TestDb};
use crate::operations::{run_for, spawn, trial};
use reqwest::StatusCode;
use revos_app::{MasterKey, Store};
use revos_providers::fakes::Fault;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::fakes::slack::FakeSlack;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

crate::both_backends!(
    stuck_cron_alerts_once_and_recovers_when_its_run_ends,
    refused_instance_key_alerts_once_and_recovers_when_accepted,
    worker_losing_its_database_alerts_once_per_outage,
);

/// The texts of the Slack messages received so far that mention `condition`.
fn texts_about(slack: &FakeSlack, condition: &str) -> Vec<String> {
    slack
        .messages()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .filter(|t| t.contains(condition))
        .map(str::to_owned)
        .collect()
}

/// A worker of the app on real time (the app's clock is the test's simulated one, moved by
/// the test), renewing its leases and publishing its heartbeat every 100 ms.
fn live_worker(
    t: &TestApp,
    id: &str,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let config = revos_jobs::RunnerConfig {
        worker_id: id.to_owned(),
        lease: Duration::from_secs(5),
        heartbeat: Duration::from_millis(100),
        poll: Duration::from_millis(100),
        grace: Duration::from_millis(200),
        ..Default::default()
    };
    let runner = revos_workers::runner(&t.app, config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        runner
            .run(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (stop, task)
}

/// Moves the simulated clock a minute at a time (letting the live worker fire that minute's
/// schedules, the alert check among them) until Slack has received a message whose text is
/// `text`; panics after `within` of real time.
async fn minutes_until_message(t: &TestApp, slack: &FakeSlack, text: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        if slack.messages().iter().any(|m| m["text"] == text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no {text:?} in {:?}",
            slack.messages()
        );
        t.clock.advance(chrono::Duration::minutes(1));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The same minutes, for checking that nothing more arrives.
async fn minutes_pass(t: &TestApp, minutes: u32) {
    for _ in 0..minutes {
        t.clock.advance(chrono::Duration::minutes(1));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// How long the fake Unipile keeps the owner probe waiting: the run stays live (leased by a
/// worker that is alive) for more than three of its periods of simulated time meanwhile.
const PROBE_STALL_MS: u64 = 12_000;

async fn stuck_cron_alerts_once_and_recovers_when_its_run_ends(db: Db) {
    let unipile = FakeUnipile::start().await;
    unipile.state.add_account("acc1", "Dana");
    let slack = FakeSlack::start().await;
    let t = TestApp::spawn_config(
        db,
        TestConfig {
            providers: revos_app::providers::ProviderSettings {
                unipile_url: Some(unipile.base_url.clone()),
                unipile_key: Some("unipile-instance-key".to_owned().into()),
                // Longer than the stall: the call waits instead of failing.
                timeout: Duration::from_millis(PROBE_STALL_MS + 10_000),
                alert_slack_webhook_url: Some(slack.webhook_url.clone().into()),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let (token, _, _) = t.signup("ops@acme.io", "Acme").await;
    // The owner's profile cannot be read when the account is connected (rate-limited for
    // an hour): the account waits for the owner probe, a cron every 5 minutes.
    unipile.state.fail_owner_profile(
        "acc1",
        [Fault::RateLimited {
            retry_after_secs: 3600,
        }],
    );
    let account: Value = t
        .post_as(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "unipile", "account_id": "acc1", "display_name": "Dana"}),
            StatusCode::CREATED,
        )
        .await;
    let id = account["id"].as_str().unwrap().to_owned();
    assert_eq!(account["owner_provider_id"], Value::Null, "{account}");
    assert_eq!(unipile.state.count("GET", "/users/me"), 1);
    // The probe's own read hangs on the provider.
    unipile
        .state
        .inject_on("GET", "/users/me", [Fault::Stall(PROBE_STALL_MS)]);

    let started = Instant::now();
    let (stop, task) = live_worker(&t, "worker-stuck");
    let deadline = Instant::now() + Duration::from_secs(5);
    while unipile.state.count("GET", "/users/me") < 2 {
        assert!(Instant::now() < deadline, "the owner probe never ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Fifteen minutes (three periods) with the run still live: one alert.
    minutes_until_message(
        &t,
        &slack.state,
        "RevOS alert: stuck_cron:probe-owners",
        Duration::from_secs(9),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_millis(PROBE_STALL_MS),
        "the alert came only after the run ended"
    );
    let detail = slack.state.messages()[0]["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("the run of schedule probe-owners queued at")
            && detail.contains("the schedule fires no more"),
        "{detail}"
    );
    // Checked every minute while it lasts: no second alert.
    minutes_pass(&t, 3).await;
    assert_eq!(
        texts_about(&slack.state, "stuck_cron"),
        ["RevOS alert: stuck_cron:probe-owners"]
    );
    assert_eq!(
        unipile.state.count("GET", "/users/me"),
        2,
        "the run is live"
    );

    // The provider answers at last: the run ends, and the next check sends the recovery.
    minutes_until_message(
        &t,
        &slack.state,
        "RevOS recovered: stuck_cron:probe-owners",
        Duration::from_millis(PROBE_STALL_MS + 10_000),
    )
    .await;
    let (status, account) = t
        .get(&format!("/api/v1/linkedin-accounts/{id}"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(
        account["owner_provider_id"],
        FakeUnipile::owner_id("acc1"),
        "the stuck probe did learn the owner: {account}"
    );
    minutes_pass(&t, 3).await;
    assert_eq!(
        texts_about(&slack.state, "stuck_cron"),
        [
            "RevOS alert: stuck_cron:probe-owners",
            "RevOS recovered: stuck_cron:probe-owners"
        ]
    );
    stop.send(()).unwrap();
    task.await.unwrap();
}

async fn refused_instance_key_alerts_once_and_recovers_when_accepted(db: Db) {
    let apollo = FakeApollo::start().await;
    let slack = FakeSlack::start().await;
    let t = spawn(db, &apollo.base_url, Some(&slack.webhook_url)).await;
    let token = trial(&t).await;
    // The instance's Apollo key is revoked: every enrichment of the trial's leads is
    // refused (and dies: a refused key is no transient failure).
    apollo.state.set_key_revoked(true);
    // The trial's commenters arrive over time: until three enrichments were refused.
    for _ in 0..24 {
        if apollo.state.requests().len() >= 3 {
            break;
        }
        run_for(&t, 10).await;
    }
    let refused = apollo.state.requests().len();
    assert!(refused >= 3, "only {refused} enrichments were tried");
    assert!(texts_about(&slack.state, "provider_auth").is_empty());

    // A worker publishes what its process saw with its heartbeat; the next check alerts.
    let (stop, task) = live_worker(&t, "worker-keys");
    minutes_until_message(
        &t,
        &slack.state,
        "RevOS alert: provider_auth:apollo",
        Duration::from_secs(20),
    )
    .await;
    let detail = slack
        .state
        .messages()
        .iter()
        .find(|m| m["text"] == "RevOS alert: provider_auth:apollo")
        .map(|m| m["blocks"][0]["text"]["text"].as_str().unwrap().to_owned())
        .unwrap();
    assert!(
        detail.contains(&format!(
            "apollo refused the instance's own key {refused} times in a row"
        )),
        "{detail}"
    );
    minutes_pass(&t, 3).await;
    assert_eq!(
        texts_about(&slack.state, "provider_auth"),
        ["RevOS alert: provider_auth:apollo"]
    );

    // The key works again; the operator retries the refused enrichments, which succeed.
    apollo.state.set_key_revoked(false);
    let (_, dead) = t.get("/api/v1/jobs?state=dead&limit=50", &token).await;
    let dead = dead["items"].as_array().unwrap().clone();
    // Every refused enrichment died (more commenters may have arrived and been refused
    // while the worker ran).
    assert!(dead.len() >= refused, "{dead:?}");
    assert!(
        dead.iter().all(
            |j| j["kind"] == "lead.enrich" && j["last_error"].as_str().unwrap().contains("401")
        ),
        "{dead:?}"
    );
    for job in &dead {
        let id = job["id"].as_str().unwrap();
        let (status, body) = t
            .post(&format!("/api/v1/jobs/{id}/retry"), Some(&token), json!({}))
            .await;
        assert!(status.is_success(), "{body}");
    }
    minutes_until_message(
        &t,
        &slack.state,
        "RevOS recovered: provider_auth:apollo",
        Duration::from_secs(30),
    )
    .await;
    assert!(apollo.state.requests().len() > refused);
    minutes_pass(&t, 3).await;
    assert_eq!(
        texts_about(&slack.state, "provider_auth"),
        [
            "RevOS alert: provider_auth:apollo",
            "RevOS recovered: provider_auth:apollo"
        ]
    );
    stop.send(()).unwrap();
    task.await.unwrap();
}

/// A `revos worker` process, killed when dropped (a failed assertion must not leave it
/// running).
struct Worker(std::process::Child);

impl Drop for Worker {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// How many heartbeats of the worker logging to `log` failed so far.
fn failed_heartbeats(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("heartbeat failed")
        .count()
}

/// Waits (real time, up to `within`) for `cond`.
async fn wait_for(within: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What takes the database away from the worker: on PostgreSQL the database stops
/// accepting connections and the worker's are terminated; a SQLite file cannot go away
/// under a process that holds it open, so another process holds its write lock (as a
/// stuck `sqlite3` shell or a backup tool would) and no heartbeat can write.
enum Outage {
    Postgres {
        admin: sqlx::PgConnection,
        name: String,
    },
    Sqlite(sqlx::SqliteConnection),
}

impl Outage {
    async fn start(db: &TestDb) -> Self {
        use sqlx::Connection;
        match db.kind {
            Db::Postgres => {
                let name = db.url.rsplit('/').next().unwrap().to_owned();
                let mut admin = sqlx::PgConnection::connect(&crate::helpers::postgres_admin_url())
                    .await
                    .unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "ALTER DATABASE {name} ALLOW_CONNECTIONS false"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                )
                .bind(&name)
                .execute(&mut admin)
                .await
                .unwrap();
                Self::Postgres { admin, name }
            }
            Db::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::raw_sql("BEGIN EXCLUSIVE")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                Self::Sqlite(conn)
            }
        }
    }

    async fn end(self) {
        match self {
            Self::Postgres { mut admin, name } => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
            }
            Self::Sqlite(mut conn) => {
                sqlx::raw_sql("COMMIT").execute(&mut conn).await.unwrap();
            }
        }
    }
}

async fn worker_losing_its_database_alerts_once_per_outage(db: Db) {
    let db = TestDb::new_migrated(db).await;
    let slack = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate().to_base64().to_string();
    let mut worker = Worker(crate::helpers::revos_worker(
        &db.url,
        dir.path(),
        "worker-outage",
        &key,
        &[("REVOS_ALERT_SLACK_WEBHOOK_URL", &slack.webhook_url)],
    ));
    let log = dir.path().join("worker-outage.log");
    // Up and beating.
    let store = Store::connect(&db.url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut tx = store.begin_read_system().await.unwrap();
        let beats = revos_store::worker_heartbeats::list(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        if beats.iter().any(|b| b.worker_id == "worker-outage") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the worker never beat: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    store.close().await;
    assert!(slack.state.messages().is_empty());

    let outage = Outage::start(&db).await;
    let unreachable = "RevOS alert: database unreachable from worker worker-outage";
    wait_for(Duration::from_secs(30), "no outage alert", || {
        slack
            .state
            .messages()
            .iter()
            .any(|m| m["text"] == unreachable)
    })
    .await;
    // However many heartbeats fail, one message per outage.
    let failed = failed_heartbeats(&log);
    wait_for(
        Duration::from_secs(30),
        "the heartbeats did not keep failing",
        || failed_heartbeats(&log) >= failed + 2,
    )
    .await;
    assert_eq!(texts_about(&slack.state, "database"), [unreachable]);
    let detail = slack.state.messages()[0]["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("no heartbeat reached the database for"),
        "{detail}"
    );

    outage.end().await;
    let back = "RevOS recovered: database reachable from worker worker-outage";
    wait_for(Duration::from_secs(30), "no recovery message", || {
        slack.state.messages().iter().any(|m| m["text"] == back)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(texts_about(&slack.state, "database"), [unreachable, back]);
    assert!(
        worker.0.try_wait().unwrap().is_none(),
        "the worker outlived the outage: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}
