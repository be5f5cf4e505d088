//! The test harness: a fresh database per test (a temporary SQLite file, or a new PostgreSQL
//! database that is dropped afterwards), the app served on a random port, and a small client.
//!
//! PostgreSQL is reached at `REVOS_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When no server answers, PostgreSQL tests
//! fail; they never skip.

use chrono::Utc;
use reqwest::{Method, StatusCode};
use revos_app::{App, MasterKey, Settings, SimulatedClock, Store};
use serde_json::{Value, json};
use sqlx::Connection;
use std::sync::Arc;

/// Generates `sqlite` and `postgres` variants of an async test `fn name(db: Db)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Db::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Db::Postgres).await
                }
            }
        )*
    };
}

/// Which backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use.
pub fn postgres_admin_url() -> String {
    std::env::var("REVOS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    /// A new, empty database.
    pub async fn new(kind: Db) -> Self {
        Self::create(kind, false).await
    }

    /// A new database with every migration applied, copied from a template migrated once
    /// (see `migrated_db`): far faster than migrating it.
    pub async fn migrated(kind: Db) -> Self {
        Self::create(kind, true).await
    }

    async fn create(kind: Db, migrated: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match kind {
            Db::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("revos.db").display());
                if migrated {
                    crate::migrated_db::create_migrated(kind, &url, None).await;
                }
                Self {
                    url,
                    dir,
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
                    crate::migrated_db::create_migrated(kind, "", Some(&name)).await;
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
                    pg_name: Some(name),
                }
            }
        }
    }
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

/// Server logs in test output when `TEST_LOG` is set (e.g. `TEST_LOG=debug`).
fn init_test_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}

/// How a test server is configured. The sign-up rule is `open` here, as an operator running
/// a multi-workspace instance would set it: most tests sign up several workspaces.
pub struct TestConfig {
    pub limiter: revos_web::LoginLimiter,
    pub providers: revos_app::providers::ProviderSettings,
    pub trusted_proxies: revos_web::TrustedProxies,
    pub signup: revos_domain::SignupPolicy,
}

impl Default for TestConfig {
    fn default() -> Self {
        Self {
            limiter: Default::default(),
            providers: Default::default(),
            trusted_proxies: Default::default(),
            signup: revos_domain::SignupPolicy::Open,
        }
    }
}

/// The app served on a random port over a fresh database.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub app: App,
    pub clock: Arc<SimulatedClock>,
    pub db: TestDb,
    /// The master key the app was given, as base64.
    pub master_key: String,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn(kind: Db) -> Self {
        Self::spawn_config(kind, TestConfig::default()).await
    }

    pub async fn spawn_with(kind: Db, limiter: revos_web::LoginLimiter) -> Self {
        Self::spawn_config(
            kind,
            TestConfig {
                limiter,
                ..Default::default()
            },
        )
        .await
    }

    /// A server whose app uses these provider settings (fake servers' URLs, keys, the
    /// webhook secret).
    pub async fn spawn_providers(
        kind: Db,
        providers: revos_app::providers::ProviderSettings,
    ) -> Self {
        Self::spawn_config(
            kind,
            TestConfig {
                providers,
                ..Default::default()
            },
        )
        .await
    }

    /// A server whose provider settings depend on its database (e.g. an MCP server declared
    /// as a `revos mcp` on the same database).
    pub async fn spawn_providers_for(
        kind: Db,
        providers: impl FnOnce(&TestDb) -> revos_app::providers::ProviderSettings,
    ) -> Self {
        Self::spawn_inner(kind, TestConfig::default(), |db| Some(providers(db))).await
    }

    /// A server configured as an operator would: attempt limits, providers, trusted proxies
    /// and the sign-up rule.
    pub async fn spawn_config(kind: Db, config: TestConfig) -> Self {
        Self::spawn_inner(kind, config, |_| None).await
    }

    async fn spawn_inner(
        kind: Db,
        mut config: TestConfig,
        providers_for: impl FnOnce(&TestDb) -> Option<revos_app::providers::ProviderSettings>,
    ) -> Self {
        init_test_logging();
        let db = TestDb::migrated(kind).await;
        if let Some(providers) = providers_for(&db) {
            config.providers = providers;
        }
        let store = Store::connect(&db.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let clock = Arc::new(SimulatedClock::new(Utc::now()));
        let master_key = MasterKey::generate().to_base64().to_string();
        let key = MasterKey::parse(&master_key).unwrap();
        let settings = Settings {
            signup: config.signup,
            ..Settings::default()
        };
        let app =
            App::new(store.clone(), key, clock.clone(), settings).with_providers(config.providers);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = revos_web::AppState::new(app.clone());
        state.limiter = Arc::new(config.limiter);
        state.trusted_proxies = Arc::new(config.trusted_proxies);
        let server = tokio::spawn(async move {
            revos_web::serve(listener, state, std::future::pending())
                .await
                .unwrap();
        });
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            base,
            http,
            store,
            app,
            clock,
            db,
            master_key,
            server,
        }
    }

    /// Sends `body` (JSON unless `None`) and returns the status and the parsed JSON answer
    /// (`Value::Null` for an empty body). Every error answer must be the JSON error format.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        request(
            &self.http,
            method,
            format!("{}{path}", self.base),
            token,
            body,
        )
        .await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Signs up a new workspace; returns (token, tenant_id, user_id).
    pub async fn signup(&self, email: &str, workspace: &str) -> (String, String, String) {
        let (status, body) = self
            .post(
                "/api/v1/auth/signup",
                None,
                json!({"email": email, "password": "correct horse battery", "workspace_name": workspace}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (
            body["token"].as_str().unwrap().to_owned(),
            body["tenant_id"].as_str().unwrap().to_owned(),
            body["user_id"].as_str().unwrap().to_owned(),
        )
    }

    /// Checks the server still answers.
    pub async fn assert_healthy(&self) {
        let resp = self
            .http
            .get(format!("{}/healthz", self.base))
            .send()
            .await
            .expect("healthz");
        assert_eq!(resp.status(), StatusCode::OK);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Sends `body` (JSON unless `None`) to `url` with `http`, as `token`'s session when given;
/// returns the status and the parsed JSON answer (see [`parse`]).
pub async fn request(
    http: &reqwest::Client,
    method: Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    parse(resp).await
}

/// Status and JSON of an answer, asserting the error format on 4xx/5xx.
pub async fn parse(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    if status.is_client_error() || status.is_server_error() {
        assert_error_shape(&value);
    }
    (status, value)
}

/// `{"error": {"code": string, "message": string, "details": array}}`.
pub fn assert_error_shape(v: &Value) {
    let e = &v["error"];
    assert!(e["code"].is_string(), "no error.code in {v}");
    assert!(e["message"].is_string(), "no error.message in {v}");
    assert!(e["details"].is_array(), "no error.details in {v}");
}

/// The fields named in an error's details.
pub fn error_fields(v: &Value) -> Vec<String> {
    v["error"]["details"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A valid cartridge body.
pub fn cartridge(name: &str) -> Value {
    json!({
        "name": name,
        "persona": {"role": "Executive Coach", "expertise": ["leadership"], "target_audience": "new managers"},
        "writing_style": {"tone": "casual", "vocabulary_level": 5, "sentence_structure": "short",
                          "storytelling_approach": "client stories"},
        "industry_knowledge": {"niche": "tech leadership", "key_topics": ["1:1s"],
                               "common_pain_points": ["burnout"], "solution_frameworks": ["GROW"]},
        "tools_enabled": ["apollo"],
        "examples": [{"post": "Managers: stop fixing, start asking.", "dm": "Hi {first_name}!", "email": ""}]
    })
}

/// A fresh, migrated store on `db`.
pub async fn migrated_store(db: Db) -> (TestDb, Store) {
    let test_db = TestDb::migrated(db).await;
    let store = Store::connect(&test_db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    (test_db, store)
}

/// Connects the Unipile account `acc1` ("Dana") to `token`'s workspace through the API (the
/// server's Unipile, a fake, must know `acc1`), then sets its pacing through the pacing API:
/// sending around the clock `gaps_seconds` apart (min, max), at most `hourly_cap` an hour,
/// with no warm-up. Returns its id; its owner was read from the fake's `GET /users/me`.
pub async fn unipile_account(
    t: &TestApp,
    token: &str,
    gaps_seconds: (i64, i64),
    hourly_cap: i64,
) -> uuid::Uuid {
    let (status, account) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(token),
            json!({"provider": "unipile", "account_id": "acc1", "display_name": "Dana"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let id = account["id"].as_str().unwrap();
    let pacing = json!({
        "time_zone": "UTC", "hourly_cap": hourly_cap, "daily_cap": hourly_cap.max(100),
        "min_gap_seconds": gaps_seconds.0, "max_gap_seconds": gaps_seconds.1,
        "window_start": "00:00", "window_end": "23:59", "warmup_weeks": 0,
        "limit_pause_seconds": 3600
    });
    let (status, body) = t
        .patch(
            &format!("/api/v1/linkedin-accounts/{id}/pacing"),
            token,
            pacing,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id.parse().unwrap()
}

/// A `revos worker` process on `db_url` with a clean `REVOS_*` environment plus `envs`, a
/// 1.5 s job lease, and its log in `dir/<id>.log`.
pub fn revos_worker(
    db_url: &str,
    dir: &std::path::Path,
    id: &str,
    key: &str,
    envs: &[(&str, &str)],
) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_revos"));
    for (k, _) in std::env::vars() {
        if k.starts_with("REVOS_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(dir)
        .arg("worker")
        .env("REVOS_DATABASE_URL", db_url)
        .env("REVOS_MASTER_KEY", key)
        .env("REVOS_JOB_LEASE_SECONDS", "1.5")
        .env("REVOS_WORKER_ID", id)
        .envs(envs.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::from(
            std::fs::File::create(dir.join(format!("{id}.log"))).unwrap(),
        ))
        .spawn()
        .expect("spawn revos worker")
}

/// At most 50 sends in any rolling hour and at least 120 s between two.
pub fn assert_paced(times: &[chrono::DateTime<Utc>]) {
    for (i, t) in times.iter().enumerate() {
        let in_hour = times[..=i]
            .iter()
            .filter(|s| **s > *t - chrono::Duration::hours(1))
            .count();
        assert!(in_hour <= 50, "{in_hour} DMs in the hour before {t}");
    }
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= chrono::Duration::seconds(120) - chrono::Duration::milliseconds(1)
        );
    }
}
