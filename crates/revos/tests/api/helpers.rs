//! The test harness: the app served on a random port over a fresh database, and the helpers
//! that need the app or the `revos` binary. The database per test, the both-backends macro
//! and the JSON client live in `revos-test-support` (re-exported here, so the tests import
//! them from one place).

use chrono::Utc;
use reqwest::StatusCode;
use revos_app::{App, MasterKey, Settings, SimulatedClock, Store};
use serde_json::{Value, json};
use std::sync::Arc;

pub use revos_test_support::{
    ApiClient, Db, TestDb, assert_error_shape, error_fields, migrated_store, parse,
    postgres_admin_url, request,
};

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
    /// `REVOS_METRICS_TOKEN`: `/metrics` is served to its bearer.
    pub metrics_token: Option<String>,
    /// Readiness needs a worker that beat this recently (as `serve` sets it).
    pub workers_alive_within: Option<std::time::Duration>,
    /// Where files are kept; `None`: a local folder of the test's own.
    pub storage: Option<revos_app::files::FileStorage>,
}

impl Default for TestConfig {
    fn default() -> Self {
        Self {
            limiter: Default::default(),
            providers: Default::default(),
            trusted_proxies: Default::default(),
            signup: revos_domain::SignupPolicy::Open,
            metrics_token: None,
            workers_alive_within: None,
            storage: None,
        }
    }
}

/// The app served on a random port over a fresh database.
pub struct TestApp {
    /// The client of the server (`t.base`, `t.http`, `t.get(..)` reach it through `Deref`).
    pub client: ApiClient,
    pub store: Store,
    pub app: App,
    pub clock: Arc<SimulatedClock>,
    pub db: TestDb,
    /// The master key the app was given, as base64.
    pub master_key: String,
    /// The local folder the files are kept in (unless the config named another store).
    pub files_dir: tempfile::TempDir,
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
        let db = TestDb::new_migrated(kind).await;
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
        let files_dir = tempfile::tempdir().expect("files dir");
        let storage = match config.storage {
            Some(storage) => storage,
            None => revos_app::files::FileStorage::local(files_dir.path()).expect("local files"),
        };
        let app = App::new(store.clone(), key, clock.clone(), settings)
            .with_providers(config.providers)
            .with_file_storage(storage);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = revos_web::AppState::new(app.clone());
        state.limiter = Arc::new(config.limiter);
        state.trusted_proxies = Arc::new(config.trusted_proxies);
        state.metrics_token = config
            .metrics_token
            .map(|t| Arc::new(secrecy::SecretString::from(t)));
        state.workers_alive_within = config.workers_alive_within;
        let server = tokio::spawn(async move {
            revos_web::serve(listener, state, std::future::pending())
                .await
                .unwrap();
        });
        Self {
            client: ApiClient::new(base),
            store,
            app,
            clock,
            db,
            master_key,
            files_dir,
            server,
        }
    }

    /// Signs up a new workspace; returns (token, tenant_id, user_id).
    pub async fn signup(&self, email: &str, workspace: &str) -> (String, String, String) {
        /// The parts of the sign-up answer the tests use.
        #[derive(serde::Deserialize)]
        struct SignedUp {
            token: String,
            tenant_id: String,
            user_id: String,
        }
        let body: SignedUp = self
            .post_as(
                "/api/v1/auth/signup",
                None,
                json!({"email": email, "password": "correct horse battery", "workspace_name": workspace}),
                StatusCode::CREATED,
            )
            .await;
        (body.token, body.tenant_id, body.user_id)
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

impl std::ops::Deref for TestApp {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
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
    let account: Value = t
        .post_as(
            "/api/v1/linkedin-accounts",
            Some(token),
            json!({"provider": "unipile", "account_id": "acc1", "display_name": "Dana"}),
            StatusCode::CREATED,
        )
        .await;
    let id = account["id"].as_str().unwrap();
    let pacing = json!({
        "time_zone": "UTC", "hourly_cap": hourly_cap, "daily_cap": hourly_cap.max(100),
        "min_gap_seconds": gaps_seconds.0, "max_gap_seconds": gaps_seconds.1,
        "window_start": "00:00", "window_end": "23:59", "warmup_weeks": 0,
        "limit_pause_seconds": 3600
    });
    let _: Value = t
        .patch_as(
            &format!("/api/v1/linkedin-accounts/{id}/pacing"),
            token,
            pacing,
            StatusCode::OK,
        )
        .await;
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

/// The text `pdftotext` (poppler-utils, installed by scripts/test) reads from `pdf`.
pub fn pdf_text(pdf: &[u8]) -> String {
    let mut child = std::process::Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext is installed (poppler-utils)");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext could not read the PDF");
    String::from_utf8(out.stdout).unwrap()
}
