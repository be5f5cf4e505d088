//! The `revos` binary itself: start-up on both backends, configuration errors, help text,
//! logs, the generated master key, graceful shutdown and master-key rotation.

use crate::helpers::{Db, TestDb};
use crate::server::{Server, command as revos};
use revos_providers::fakes::openai::FakeOpenAi;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "sk-live-plaintext-never-logged-5678";

async fn send(
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, body) =
        crate::helpers::request(&reqwest::Client::new(), method, url, token, body).await;
    (status.as_u16(), body)
}

#[tokio::test]
async fn serve_answers_healthz_within_two_seconds_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let took = server.wait_healthy_within(Duration::from_secs(2)).await;
    let (status, ready) = send(
        reqwest::Method::GET,
        format!("{}/readyz", server.base),
        None,
        None,
    )
    .await;
    assert_eq!((status, ready["database"].as_str()), (200, Some("sqlite")));
    let log = server.stop();
    assert!(dir.path().join("data/revos.db").exists());
    eprintln!("healthy after {took:?}\n{log}");
}

#[tokio::test]
async fn serve_answers_healthz_within_two_seconds_on_postgres() {
    let db = TestDb::new(Db::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[("REVOS_DATABASE_URL", &db.url)]);
    server.wait_healthy_within(Duration::from_secs(2)).await;
    let (status, ready) = send(
        reqwest::Method::GET,
        format!("{}/readyz", server.base),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, ready["database"].as_str()),
        (200, Some("postgres"))
    );
    server.stop();
}

#[test]
fn bad_configuration_exits_2_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "listen = \"127.0.0.1:9\"\nlisten_port = 9\n",
    )
    .unwrap();
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 11] = [
        (
            &["serve"],
            &[("REVOS_LISTEN", "not-an-address")],
            "REVOS_LISTEN",
        ),
        (&["serve", "--listen", "localhost"], &[], "--listen"),
        (
            &["serve"],
            &[("REVOS_LOG_FORMAT", "xml")],
            "REVOS_LOG_FORMAT",
        ),
        (
            &["serve"],
            &[("REVOS_DATABASE_URL", "mysql://db/x")],
            "REVOS_DATABASE_URL",
        ),
        (
            &["serve", "--data-dir", "d"],
            &[("REVOS_MASTER_KEY", "too-short")],
            "REVOS_MASTER_KEY",
        ),
        (&["serve", "--config", "bad.toml"], &[], "listen_port"),
        (
            &["migrate"],
            &[("REVOS_CONFIG", "missing.toml")],
            "REVOS_CONFIG",
        ),
        (
            &["serve"],
            &[("REVOS_SIGNUP", "invite-only")],
            "REVOS_SIGNUP",
        ),
        (
            &["serve"],
            &[("REVOS_TRUSTED_PROXIES", "10.0.0.0/8, my-proxy")],
            "REVOS_TRUSTED_PROXIES",
        ),
        (
            &["serve"],
            &[("REVOS_WEB_ANALYTICS_SNIPPET", "@no/such/snippet.js")],
            "REVOS_WEB_ANALYTICS_SNIPPET",
        ),
        (
            &["serve"],
            &[(
                "REVOS_WEB_ANALYTICS_SNIPPET",
                "<script src=\"https://x.example/a.js\"></script>",
            )],
            "REVOS_WEB_ANALYTICS_SNIPPET",
        ),
    ];
    for (args, envs, key) in cases {
        let out = revos(dir.path())
            .args(args)
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {envs:?}: {stderr}");
        let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            lines.len(),
            1,
            "{args:?} {envs:?}: expected one line, got: {stderr}"
        );
        assert!(lines[0].contains(key), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("too-short") || key != "REVOS_MASTER_KEY",
            "the key's value must not be echoed"
        );
    }
    // An unknown command or flag is a usage error too.
    let out = revos(dir.path()).arg("serv").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_lists_configuration_with_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = revos(dir.path())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "REVOS_DATA_DIR",
        "REVOS_LISTEN",
        "REVOS_DATABASE_URL",
        "REVOS_MASTER_KEY",
        "REVOS_LOG_FORMAT",
        "REVOS_REQUEST_TIMEOUT_SECONDS",
        "REVOS_SHUTDOWN_GRACE_SECONDS",
        "REVOS_SIGNUP",
        "REVOS_TRUSTED_PROXIES",
        "REVOS_WEB_ANALYTICS_SNIPPET",
        "127.0.0.1:8080",
        "./revos-data",
        "revos.toml",
    ] {
        assert!(
            help.contains(needle),
            "serve --help lacks {needle}:\n{help}"
        );
    }
    for cmd in [
        &["--help"][..],
        &["worker", "--help"],
        &["migrate", "--help"],
        &["admin", "--help"],
        &["admin", "rotate-master-key", "--help"],
        &["admin", "tenants", "--help"],
        &["admin", "workspace", "create", "--help"],
    ] {
        let out = revos(dir.path()).args(cmd).output().unwrap();
        assert!(out.status.success(), "{cmd:?}");
    }
    let top = String::from_utf8(revos(dir.path()).arg("--help").output().unwrap().stdout).unwrap();
    for sub in ["serve", "worker", "migrate", "admin"] {
        assert!(top.contains(sub), "{sub} missing from --help");
    }
}

/// `REVOS_WEB_ANALYTICS_SNIPPET=@file`: the file's snippet, as pasted from the vendor, is
/// read at start-up and served without its `<script>` wrapper at `/assets/web-analytics.js`,
/// under a policy that allows the snippet's origins and no inline script.
#[tokio::test]
async fn serve_reads_the_web_analytics_snippet_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("analytics.js");
    let js = "!function(t,e){e.__SV=1}(document,window.posthog||[]);\nposthog.init('phc_test',{api_host:'https://eu.i.posthog.com'})";
    std::fs::write(&file, format!("<script>\n{js}\n</script>\n")).unwrap();
    let mut server = Server::start(
        dir.path(),
        &[
            (
                "REVOS_WEB_ANALYTICS_SNIPPET",
                &format!("@{}", file.display()),
            ),
            (
                "REVOS_WEB_ANALYTICS_ORIGINS",
                "https://eu.i.posthog.com, https://eu-assets.i.posthog.com",
            ),
        ],
    );
    server.wait_healthy_within(Duration::from_secs(10)).await;
    let resp = reqwest::get(format!("{}/assets/web-analytics.js", server.base))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(resp.text().await.unwrap(), js);
    assert!(
        csp.contains("script-src 'self' https://eu.i.posthog.com https://eu-assets.i.posthog.com;"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    server.stop();
}

#[tokio::test]
async fn secrets_stay_out_of_logs_and_files_and_every_request_line_has_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        dir.path(),
        &[("REVOS_LOG", "debug"), ("REVOS_LOG_FORMAT", "json")],
    );
    server.wait_healthy_within(Duration::from_secs(5)).await;
    let b = server.base.clone();
    let (status, s) = send(reqwest::Method::POST, format!("{b}/api/v1/auth/signup"), None,
        Some(json!({"email": "ana@example.com", "password": "correct horse battery", "workspace_name": "Acme"}))).await;
    assert_eq!(status, 201);
    let token = s["token"].as_str().unwrap().to_owned();
    let (status, _) = send(
        reqwest::Method::PUT,
        format!("{b}/api/v1/secrets/apollo_api_key"),
        Some(&token),
        Some(json!({"value": SECRET})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, list) = send(
        reqwest::Method::GET,
        format!("{b}/api/v1/secrets"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(!list.to_string().contains(SECRET));
    // An error path too: a bad secret name.
    send(
        reqwest::Method::PUT,
        format!("{b}/api/v1/secrets/BAD"),
        Some(&token),
        Some(json!({"value": SECRET})),
    )
    .await;
    let log = server.stop();

    assert!(
        !log.contains(SECRET),
        "the secret's plaintext reached the log"
    );
    assert!(
        !log.contains("correct horse battery"),
        "a password reached the log"
    );
    assert!(!log.contains(&token), "a session token reached the log");
    let mut request_lines = 0;
    for line in log.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
        if v["span"]["name"] == "request" {
            request_lines += 1;
            assert!(
                v["span"]["request_id"]
                    .as_str()
                    .is_some_and(|id| id.len() == 36),
                "no request id: {line}"
            );
        }
    }
    assert!(
        request_lines >= 4,
        "expected request log lines, got {request_lines}"
    );
    let mut dirs = vec![dir.path().join("data")];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
                "plaintext in the data dir: {}",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn master_key_is_generated_once_with_mode_0600_and_rotation_keeps_secrets_readable() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    server.wait_healthy_within(Duration::from_secs(5)).await;
    let b = server.base.clone();
    let (_, s) = send(reqwest::Method::POST, format!("{b}/api/v1/auth/signup"), None,
        Some(json!({"email": "ana@example.com", "password": "correct horse battery", "workspace_name": "Acme"}))).await;
    let token = s["token"].as_str().unwrap().to_owned();
    send(
        reqwest::Method::PUT,
        format!("{b}/api/v1/secrets/apollo_api_key"),
        Some(&token),
        Some(json!({"value": SECRET})),
    )
    .await;
    let first_log = server.stop();
    assert_eq!(first_log.matches("generated a new master key").count(), 1);

    let key_path = dir.path().join("data/master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let old_key = std::fs::read_to_string(&key_path).unwrap();

    let out = revos(dir.path())
        .args(["admin", "rotate-master-key", "--data-dir", "data", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["rotated"], 1);
    assert_ne!(result["old_key_id"], result["new_key_id"]);
    let new_key = std::fs::read_to_string(&key_path).unwrap();
    assert_ne!(old_key, new_key);
    assert!(!dir.path().join("data/master.key.new").exists());

    // A restart with the rotated key reads the secret; nothing is generated again.
    let mut server = Server::start(dir.path(), &[]);
    server.wait_healthy_within(Duration::from_secs(5)).await;
    let (status, list) = send(
        reqwest::Method::GET,
        format!("{}/api/v1/secrets", server.base),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["masked_value"], "••••5678");
    let second_log = server.stop();
    assert!(!second_log.contains("generated a new master key"));

    // The old key no longer opens the vault.
    let mut server = Server::start(dir.path(), &[("REVOS_MASTER_KEY", old_key.trim())]);
    server.wait_healthy_within(Duration::from_secs(5)).await;
    let (status, _) = send(
        reqwest::Method::GET,
        format!("{}/api/v1/secrets", server.base),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 500);
    server.stop();
}

#[test]
fn migrate_and_admin_tenants_speak_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = revos(dir.path())
        .args(["migrate", "--json", "--data-dir", "d"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, json!({"migrated": true, "backend": "sqlite"}));
    let out = revos(dir.path())
        .args(["admin", "tenants", "--json", "--data-dir", "d"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!([])
    );
}

#[test]
fn worker_runs_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("worker.log");
    let mut child = revos(dir.path())
        .args(["worker", "--data-dir", "data"])
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log)
        .unwrap()
        .contains("worker started")
    {
        assert!(
            Instant::now() < deadline,
            "worker did not start: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "worker exited early: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "worker exited with {status}");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("worker stopped")
    );
}

/// Signs up on a spawned server and creates a cartridge; returns (token, cartridge id).
async fn workspace_with_cartridge(base: &str) -> (String, String) {
    let (status, body) = send(
        reqwest::Method::POST,
        format!("{base}/api/v1/auth/signup"),
        None,
        Some(
            json!({"email": "ana@example.com", "password": "correct horse battery",
                    "workspace_name": "Acme"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let (status, c) = send(
        reqwest::Method::POST,
        format!("{base}/api/v1/cartridges"),
        Some(&token),
        Some(crate::helpers::cartridge("Coach")),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    (token, c["id"].as_str().unwrap().to_owned())
}

/// Waits until `fake` holds `n` stalled requests.
async fn until_stalled(fake: &FakeOpenAi, n: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.stalled_now() != n {
        assert!(
            Instant::now() < deadline,
            "{what}: {} stalled",
            fake.stalled_now()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `revos serve` in `dir` on `db` whose model server is a fake that can be made to stall,
/// with `setting` set, and a workspace with a cartridge on it; returns the server, the fake,
/// the workspace's token and the cartridge's id.
async fn server_on_fake_model(
    db: &TestDb,
    dir: &Path,
    setting: (&str, &str),
) -> (Server, FakeOpenAi, String, String) {
    let fake = FakeOpenAi::start().await;
    let mut server = Server::start(
        dir,
        &[
            ("REVOS_DATABASE_URL", &db.url),
            ("REVOS_OPENAI_URL", fake.url()),
            setting,
        ],
    );
    server.wait_healthy_within(Duration::from_secs(10)).await;
    let (token, cartridge) = workspace_with_cartridge(&server.base).await;
    (server, fake, token, cartridge)
}

/// A request past `REVOS_REQUEST_TIMEOUT_SECONDS` (here a draft whose embedding call the
/// model server never answers) is answered 408 in the JSON error format, its work stops (the
/// model call is dropped) and the workspace's next write goes through at once: nothing of the
/// timed-out request holds the database.
async fn a_timed_out_request_stops_and_leaves_the_database_free(db: Db) {
    use revos_providers::fakes::Fault;
    let test_db = TestDb::new(db).await;
    let dir = tempfile::tempdir().unwrap();
    let (server, fake, token, cartridge) = server_on_fake_model(
        &test_db,
        dir.path(),
        ("REVOS_REQUEST_TIMEOUT_SECONDS", "1.5"),
    )
    .await;

    fake.inject([Fault::Stall(60_000)]);
    let started = Instant::now();
    let (status, err) = send(
        reqwest::Method::POST,
        format!("{}/api/v1/cartridges/{cartridge}/drafts", server.base),
        Some(&token),
        Some(json!({"kind": "post", "topic": "delegation"})),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(status, 408, "{err}");
    assert!(err["error"]["code"].is_string(), "{err}");
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(5),
        "answered after {took:?}"
    );
    // The server dropped its call to the model with the request.
    until_stalled(&fake, 0, "the model call outlived its request").await;

    let started = Instant::now();
    let (status, c) = send(
        reqwest::Method::POST,
        format!("{}/api/v1/cartridges", server.base),
        Some(&token),
        Some(crate::helpers::cartridge("Second coach")),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the next write waited {:?}",
        started.elapsed()
    );
    server.stop();
}

/// SIGTERM with work in flight that would never end by itself (a chat run and a draft, both
/// waiting on a model server that never answers): the chat stream ends as cancelled at once,
/// the draft is cut off with 503 when the grace period (`REVOS_SHUTDOWN_GRACE_SECONDS`) is
/// over, and the process exits 0 within the grace period and five seconds.
async fn sigterm_ends_the_server_within_its_grace_period_despite_stuck_requests(db: Db) {
    use revos_providers::fakes::Fault;
    let grace = Duration::from_secs(2);
    let test_db = TestDb::new(db).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut server, fake, token, cartridge) =
        server_on_fake_model(&test_db, dir.path(), ("REVOS_SHUTDOWN_GRACE_SECONDS", "2")).await;
    let (status, session) = send(
        reqwest::Method::POST,
        format!("{}/api/v1/chat/sessions", server.base),
        Some(&token),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    fake.inject([Fault::Stall(120_000), Fault::Stall(120_000)]);

    let http = reqwest::Client::new();
    let mut chat = http
        .post(format!(
            "{}/api/v1/chat/sessions/{}/messages",
            server.base,
            session["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .json(&json!({"content": "report on every campaign"}))
        .send()
        .await
        .unwrap();
    assert_eq!(chat.status(), 200);
    until_stalled(&fake, 1, "the chat run never reached the model").await;
    let draft = {
        let url = format!("{}/api/v1/cartridges/{cartridge}/drafts", server.base);
        let token = token.clone();
        tokio::spawn(async move {
            let body = json!({"kind": "post", "topic": "delegation"});
            send(reqwest::Method::POST, url, Some(&token), Some(body)).await
        })
    };
    until_stalled(&fake, 2, "the draft never reached the model").await;

    let signalled = Instant::now();
    server.terminate();
    let mut events = String::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), chat.chunk())
        .await
        .expect("the chat stream ends")
        .unwrap_or(None)
    {
        events.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        events.contains("event: done") && events.contains("\"stop\":\"cancelled\""),
        "{events}"
    );
    assert!(
        signalled.elapsed() < grace,
        "the chat stream waited for the grace period"
    );
    let (status, body) = draft.await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(
        signalled.elapsed() >= grace,
        "cut off before the grace period"
    );
    let exit = loop {
        if let Some(status) = server.try_wait() {
            break status;
        }
        assert!(
            signalled.elapsed() < grace + Duration::from_secs(5),
            "still running {:?} after SIGTERM",
            signalled.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let log = server.log();
    assert!(exit.success(), "exited with {exit}: {log}");
    assert!(log.contains("grace period over"), "{log}");
}

mod timeouts_and_shutdown {
    use crate::helpers::Db;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn timed_out_request_on_sqlite() {
        super::a_timed_out_request_stops_and_leaves_the_database_free(Db::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn timed_out_request_on_postgres() {
        super::a_timed_out_request_stops_and_leaves_the_database_free(Db::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sigterm_with_stuck_requests_on_sqlite() {
        super::sigterm_ends_the_server_within_its_grace_period_despite_stuck_requests(Db::Sqlite)
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sigterm_with_stuck_requests_on_postgres() {
        super::sigterm_ends_the_server_within_its_grace_period_despite_stuck_requests(Db::Postgres)
            .await
    }
}
/// The master key of the `admin workspace create` test (configured, so no key file is
/// generated and announced on the first run).
const WORKSPACE_TEST_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

/// `revos admin workspace create` on a data directory and the database `envs` names, with
/// `extra` arguments.
fn workspace_create(dir: &Path, envs: &[(&str, &str)], extra: &[&str]) -> std::process::Output {
    revos(dir)
        .envs(envs.iter().copied())
        .args(["admin", "workspace", "create", "--data-dir", "data"])
        .args(extra)
        .output()
        .unwrap()
}

/// [`workspace_create`] that must succeed; returns its standard output.
fn workspace_created(dir: &Path, envs: &[(&str, &str)], extra: &[&str]) -> Vec<u8> {
    let out = workspace_create(dir, envs, extra);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[tokio::test]
async fn admin_workspace_create_makes_workspaces_while_signup_is_first_on_sqlite() {
    admin_workspace_create_makes_workspaces_while_signup_is_first(None).await;
}

#[tokio::test]
async fn admin_workspace_create_makes_workspaces_while_signup_is_first_on_postgres() {
    let db = TestDb::new(Db::Postgres).await;
    admin_workspace_create_makes_workspaces_while_signup_is_first(Some(&db.url)).await;
}

async fn admin_workspace_create_makes_workspaces_while_signup_is_first(database: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let mut envs = vec![("REVOS_MASTER_KEY", WORKSPACE_TEST_KEY)];
    if let Some(url) = database {
        envs.push(("REVOS_DATABASE_URL", url));
    }
    let envs = envs.as_slice();
    // Bad input: exit 2 with one line naming the flag; nothing is created.
    std::fs::write(dir.path().join("short.txt"), "short\n").unwrap();
    let bad: [(&[&str], &str); 4] = [
        (
            &["--name", "Acme", "--owner-email", "not-an-email"],
            "--owner-email",
        ),
        (
            &["--name", " ", "--owner-email", "ana@example.com"],
            "--name",
        ),
        (
            &[
                "--name",
                "Acme",
                "--owner-email",
                "ana@example.com",
                "--owner-password-file",
                "missing.txt",
            ],
            "--owner-password-file",
        ),
        (
            &[
                "--name",
                "Acme",
                "--owner-email",
                "ana@example.com",
                "--owner-password-file",
                "short.txt",
            ],
            "--owner-password-file",
        ),
    ];
    for (args, flag) in bad {
        let out = workspace_create(dir.path(), envs, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(lines[0].contains(flag), "{args:?}: {stderr}");
    }
    let out = revos(dir.path())
        .envs(envs.iter().copied())
        .args(["admin", "tenants", "--json", "--data-dir", "data"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");

    // Without a password: one generated, shown once.
    let out = workspace_created(
        dir.path(),
        envs,
        &[
            "--name",
            "Acme",
            "--owner-email",
            "Ana@Example.com",
            "--json",
        ],
    );
    let acme: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(acme["name"], "Acme");
    assert_eq!(acme["owner_email"], "ana@example.com");
    assert_eq!(acme["owner_created"], true);
    let generated = acme["generated_password"].as_str().unwrap().to_owned();
    assert!(generated.len() >= 20, "{generated}");
    // With a password file (its first line), in text form.
    std::fs::write(dir.path().join("bo.txt"), "bos long password\nignored\n").unwrap();
    let out = workspace_created(
        dir.path(),
        envs,
        &[
            "--name",
            "Beta",
            "--owner-email",
            "bo@example.com",
            "--owner-password-file",
            "bo.txt",
        ],
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("created workspace") && text.contains("Beta"),
        "{text}"
    );
    assert!(
        !text.contains("bos long password"),
        "the given password is not echoed"
    );
    // An existing account becomes owner of another workspace with its own password; a
    // password for it is refused rather than ignored.
    let out = workspace_create(
        dir.path(),
        envs,
        &[
            "--name",
            "Gamma",
            "--owner-email",
            "bo@example.com",
            "--owner-password-file",
            "bo.txt",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = workspace_created(
        dir.path(),
        envs,
        &[
            "--name",
            "Gamma",
            "--owner-email",
            "bo@example.com",
            "--json",
        ],
    );
    let gamma: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(gamma["owner_created"], false);
    assert!(gamma["generated_password"].is_null());

    // The server (sign-up rule `first`, the default) refuses sign-up, and the owners log in.
    let mut server = Server::start_with_default_signup(dir.path(), envs);
    server.wait_healthy_within(Duration::from_secs(5)).await;
    let b = server.base.clone();
    let (status, body) = send(reqwest::Method::POST, format!("{b}/api/v1/auth/signup"), None,
        Some(json!({"email": "cy@example.com", "password": "correct horse battery", "workspace_name": "Cy"}))).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "signup_closed");
    let logins = [
        ("ana@example.com", generated.as_str(), &acme),
        ("bo@example.com", "bos long password", &gamma),
    ];
    for (email, password, workspace) in logins {
        let (status, s) = send(
            reqwest::Method::POST,
            format!("{b}/api/v1/auth/login"),
            None,
            Some(
                json!({"email": email, "password": password, "tenant_id": workspace["tenant_id"]}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{email}: {s}");
        let (_, me) = send(
            reqwest::Method::GET,
            format!("{b}/api/v1/me"),
            s["token"].as_str(),
            None,
        )
        .await;
        assert_eq!(me["role"], "owner");
    }
    server.stop();
}

/// A busy port fails `serve` before anything is written: no master key, no database.
#[test]
fn serve_on_a_busy_port_fails_first_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = revos(dir.path())
        .args(["serve", "--data-dir", "data", "--listen", &addr])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    let written: Vec<_> = std::fs::read_dir(dir.path().join("data"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "written before failing: {written:?}");
    drop(busy);
}
