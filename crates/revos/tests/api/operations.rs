//! Operations (issue 19, items 4 and 5): `/metrics` in the Prometheus text format behind the
//! operator's token, its counters moving as the workers run jobs; operator alerts on Slack,
//! once per condition and once more on recovery; `/readyz` reporting the workers' heartbeats.

use crate::helpers::{Db, TestApp, TestConfig};
use crate::prom_text::{self, Exposition};
use reqwest::StatusCode;
use revos_providers::fakes::Fault;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::fakes::posthog::FakePostHog;
use revos_providers::fakes::slack::FakeSlack;
use serde_json::{Value, json};
use std::time::Duration;

crate::both_backends!(
    metrics_are_not_served_without_a_token,
    metrics_need_the_token_and_move_when_jobs_run,
    dead_jobs_alert_once_and_recover_once,
    readyz_reports_workers_and_a_stopped_worker,
    the_analytics_backlog_grows_while_posthog_is_down_and_drains,
);

pub(crate) const TOKEN: &str = "metrics-token-0123456789abcdef";

/// A raw GET of `path` with an optional bearer token: (status, content type, body).
async fn raw_get(t: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String, String) {
    let mut req = t.http.get(format!("{}{path}", t.base));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, resp.text().await.unwrap_or_default())
}

/// Scrapes `/metrics` with the token and parses it strictly.
pub(crate) async fn scrape(t: &TestApp) -> (Exposition, String) {
    let (status, kind, body) = raw_get(t, "/metrics", Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let parsed = prom_text::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    (parsed, body)
}

async fn metrics_are_not_served_without_a_token(db: Db) {
    let t = TestApp::spawn(db).await;
    let (status, _, body) = raw_get(&t, "/metrics", Some(TOKEN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    // Not part of the API's document either.
    let (_, doc) = t
        .call(reqwest::Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert!(doc["paths"].get("/metrics").is_none());
}

/// A server with the metrics token, an instance Apollo key (the fake's) and, optionally,
/// the operator's Slack webhook.
pub(crate) async fn spawn(db: Db, apollo: &str, alerts: Option<&str>) -> TestApp {
    TestApp::spawn_config(
        db,
        TestConfig {
            metrics_token: Some(TOKEN.to_owned()),
            providers: revos_app::providers::ProviderSettings {
                apollo_url: apollo.to_owned(),
                apollo_key: Some("apollo-instance-key".to_owned().into()),
                timeout: Duration::from_millis(800),
                alert_slack_webhook_url: alerts.map(|u| u.to_owned().into()),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
}

/// Signs up and starts the sandbox trial (an active campaign on a simulated post, whose
/// commenters become leads that are enriched through Apollo and DMed).
pub(crate) async fn trial(t: &TestApp) -> String {
    let (token, _, _) = t.signup("ops@acme.io", "Acme").await;
    let (status, trial) = t
        .post("/api/v1/sandbox/trial", Some(&token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{trial}");
    // Sending around the clock, so that DMs go out whatever the hour of the test.
    let account = trial["account"]["id"].as_str().unwrap();
    let pacing = json!({
        "time_zone": "UTC", "hourly_cap": 50, "daily_cap": 100,
        "min_gap_seconds": 60, "max_gap_seconds": 120,
        "window_start": "00:00", "window_end": "23:59", "warmup_weeks": 0,
        "limit_pause_seconds": 3600
    });
    let _: Value = t
        .patch_as(
            &format!("/api/v1/linkedin-accounts/{account}/pacing"),
            &token,
            pacing,
            StatusCode::OK,
        )
        .await;
    token
}

/// The production workers and schedules on the simulated clock for `minutes`.
pub(crate) async fn run_for(t: &TestApp, minutes: i64) {
    let runner = revos_workers::runner(&t.app, revos_jobs::RunnerConfig::default());
    runner
        .run_simulated_until(&t.clock, t.app.now() + chrono::Duration::minutes(minutes))
        .await
        .unwrap();
}

async fn metrics_need_the_token_and_move_when_jobs_run(db: Db) {
    let apollo = FakeApollo::start().await;
    let t = spawn(db, &apollo.base_url, None).await;
    for token in [None, Some("wrong-token-0123456789abcdef")] {
        let (status, _, body) = raw_get(&t, "/metrics", token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }

    let token = trial(&t).await;
    // The first enrichment is refused for good: one failed (dead) job, one refused call.
    apollo.state.inject([Fault::Status(401)]);
    let (before, _) = scrape(&t).await;
    let monitor = [("kind", "campaign.monitor"), ("outcome", "succeeded")];
    assert_eq!(before.sum("revos_job_runs_total", &monitor), 0.0);
    run_for(&t, 30).await;

    // A lead of the trial, read by its id: the route is counted by its pattern.
    let (status, leads) = t.get("/api/v1/leads?limit=5", &token).await;
    assert_eq!(status, StatusCode::OK, "{leads}");
    let lead = leads["items"][0]["id"].as_str().expect("a lead").to_owned();
    let (status, _) = t.get(&format!("/api/v1/leads/{lead}"), &token).await;
    assert_eq!(status, StatusCode::OK);

    let (after, text) = scrape(&t).await;
    for (name, kind) in [
        ("revos_job_runs_total", "counter"),
        ("revos_job_failures_total", "counter"),
        ("revos_job_duration_seconds", "histogram"),
        ("revos_provider_calls_total", "counter"),
        ("revos_provider_call_duration_seconds", "histogram"),
        ("revos_linkedin_sends_total", "counter"),
        ("revos_http_requests_total", "counter"),
        ("revos_http_request_duration_seconds", "histogram"),
        ("revos_queue_depth", "gauge"),
        ("revos_queue_oldest_due_age_seconds", "gauge"),
        ("revos_queue_running_jobs", "gauge"),
        ("revos_queue_dead_jobs", "gauge"),
        ("revos_outbox_backlog", "gauge"),
        ("revos_worker_heartbeat_age_seconds", "gauge"),
    ] {
        assert_eq!(
            after.types.get(name).map(String::as_str),
            Some(kind),
            "{name} is declared as a {kind}"
        );
    }
    // Jobs ran: the monitor every 30 s, enrichment through the fake Apollo, DMs on the
    // sandbox account.
    assert!(
        after.sum("revos_job_runs_total", &monitor) >= 30.0,
        "monitor passes counted: {text}"
    );
    let enriched = after.sum(
        "revos_job_runs_total",
        &[("kind", "lead.enrich"), ("queue", "enrichment")],
    );
    assert!(enriched >= 1.0, "{text}");
    assert_eq!(
        after.sum(
            "revos_job_failures_total",
            &[("kind", "lead.enrich"), ("outcome", "dead")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        after.sum(
            "revos_provider_calls_total",
            &[("provider", "apollo"), ("outcome", "unauthorized")]
        ),
        1.0
    );
    let apollo_calls = apollo.state.requests().len() as f64;
    assert!(apollo_calls >= 1.0);
    assert_eq!(
        after.sum("revos_provider_calls_total", &[("provider", "apollo")]),
        apollo_calls,
        "every Apollo request is counted once"
    );
    assert_eq!(
        after.sum(
            "revos_provider_call_duration_seconds_count",
            &[("provider", "apollo")]
        ),
        apollo_calls
    );
    assert!(
        after.sum("revos_linkedin_sends_total", &[("account_kind", "sandbox")]) >= 1.0,
        "{text}"
    );
    assert_eq!(
        after.sum(
            "revos_http_requests_total",
            &[
                ("method", "POST"),
                ("route", "/api/v1/sandbox/trial"),
                ("status", "201")
            ]
        ),
        1.0
    );
    assert_eq!(
        after.sum(
            "revos_http_requests_total",
            &[("route", "/api/v1/leads/{id}"), ("status", "200")]
        ),
        1.0
    );
    assert!(!text.contains(&lead), "raw paths never become labels");
    assert!(
        after.sum(
            "revos_http_requests_total",
            &[("route", "/metrics"), ("status", "401")]
        ) >= 2.0
    );
    // The queue as the database holds it: the refused enrichment lies dead in its queue.
    assert_eq!(
        after.sum("revos_queue_dead_jobs", &[("queue", "enrichment")]),
        1.0,
        "{text}"
    );
    assert!(
        text.contains("revos_outbox_backlog{outbox=\"slack_digest\"} 0"),
        "{text}"
    );
}

/// The analytics outbox's gauges: (rows waiting, age of the oldest in seconds).
fn analytics_backlog(e: &Exposition) -> (f64, f64) {
    let outbox = [("outbox", "analytics")];
    assert_eq!(e.find("revos_outbox_backlog", &outbox).len(), 1);
    (
        e.sum("revos_outbox_backlog", &outbox),
        e.sum("revos_outbox_oldest_age_seconds", &outbox),
    )
}

async fn the_analytics_backlog_grows_while_posthog_is_down_and_drains(db: Db) {
    let posthog = FakePostHog::start("phc_instance_project").await;
    let t = TestApp::spawn_config(
        db,
        TestConfig {
            metrics_token: Some(TOKEN.to_owned()),
            providers: revos_app::providers::ProviderSettings {
                posthog_url: posthog.base_url.clone(),
                posthog_key: Some("phc_instance_project".to_owned().into()),
                timeout: Duration::from_millis(500),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let (token, _, _) = t.signup("ops@acme.io", "Acme").await;
    let (before, _) = scrape(&t).await;
    assert_eq!(analytics_backlog(&before), (0.0, 0.0));
    let (status, body) = t
        .put("/api/v1/analytics", &token, json!({"enabled": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // PostHog is down while the workspace drafts posts: their events wait in the outbox.
    posthog.state.fail_always(Some(Fault::ServerError));
    let (status, cart) = t
        .post(
            "/api/v1/cartridges",
            Some(&token),
            crate::helpers::cartridge("Voice"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cart}");
    for n in 0..3 {
        let (status, p) = t
            .post(
                "/api/v1/posts",
                Some(&token),
                json!({"body": format!("Post {n}."), "cartridge_id": cart["id"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
    }
    run_for(&t, 5).await;
    assert!(posthog.state.requests() > 0, "the shipper tried");
    assert!(posthog.state.events().is_empty());
    let (down, text) = scrape(&t).await;
    let (pending, age) = analytics_backlog(&down);
    assert!(pending >= 3.0, "{text}");
    assert!(
        age >= 5.0 * 60.0 - 1.0,
        "the oldest waited the 5 minutes: {text}"
    );

    // PostHog is back: the backlog drains to nothing.
    posthog.state.fail_always(None);
    run_for(&t, 60).await;
    let sent = posthog.state.events().len() as f64;
    assert_eq!(sent, pending, "every waiting event was sent");
    let (after, text) = scrape(&t).await;
    assert_eq!(analytics_backlog(&after), (0.0, 0.0), "{text}");
}

async fn dead_jobs_alert_once_and_recover_once(db: Db) {
    let apollo = FakeApollo::start().await;
    let slack = FakeSlack::start().await;
    let t = spawn(db, &apollo.base_url, Some(&slack.webhook_url)).await;
    let token = trial(&t).await;
    // Apollo refuses the first enrichment for good: that job dies.
    apollo.state.inject([Fault::Status(401)]);
    run_for(&t, 10).await;

    let (_, dead) = t.get("/api/v1/jobs?state=dead&limit=50", &token).await;
    let dead = dead["items"].as_array().unwrap().clone();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["kind"], "lead.enrich");
    let messages = slack.state.messages();
    assert_eq!(messages.len(), 1, "one alert: {messages:?}");
    assert_eq!(messages[0]["text"], "RevOS alert: dead_jobs:enrichment");
    let detail = messages[0]["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(
        detail.contains("1 dead jobs in queue enrichment"),
        "{detail}"
    );

    // Checked every minute since: no second alert while the condition lasts.
    run_for(&t, 5).await;
    assert_eq!(
        slack.state.messages().len(),
        1,
        "{:?}",
        slack.state.messages()
    );

    // The operator retries the dead job; Apollo answers now, so it succeeds and the
    // condition ends: one recovery message.
    for job in &dead {
        let id = job["id"].as_str().unwrap();
        let (status, body) = t
            .post(&format!("/api/v1/jobs/{id}/retry"), Some(&token), json!({}))
            .await;
        assert!(status.is_success(), "{body}");
    }
    run_for(&t, 3).await;
    let (_, still) = t.get("/api/v1/jobs?state=dead", &token).await;
    assert_eq!(still["items"].as_array().unwrap().len(), 0, "{still}");
    let messages = slack.state.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[1]["text"], "RevOS recovered: dead_jobs:enrichment");
    run_for(&t, 5).await;
    assert_eq!(
        slack.state.messages().len(),
        2,
        "nothing more once recovered"
    );
}

/// A worker of the app on real time, with a short heartbeat; stopped through `stop`.
pub(crate) fn start_worker(
    t: &TestApp,
    id: &str,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let config = revos_jobs::RunnerConfig {
        worker_id: id.to_owned(),
        lease: Duration::from_secs(2),
        heartbeat: Duration::from_millis(100),
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

async fn readyz(t: &TestApp) -> (StatusCode, Value) {
    let (status, _, body) = raw_get(t, "/readyz", None).await;
    (status, serde_json::from_str(&body).unwrap())
}

/// Waits (real time) until `/readyz` says ready with `worker` alive.
async fn wait_ready_with(t: &TestApp, worker: &str) -> Value {
    for _ in 0..100 {
        let (status, body) = readyz(t).await;
        if status == StatusCode::OK
            && body["workers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["worker_id"] == worker && w["alive"] == true)
        {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{worker} never showed as alive: {:?}", readyz(t).await);
}

async fn readyz_reports_workers_and_a_stopped_worker(db: Db) {
    let t = TestApp::spawn_config(
        db,
        TestConfig {
            workers_alive_within: Some(Duration::from_secs(2)),
            ..Default::default()
        },
    )
    .await;
    // Workers are expected and none runs: not ready.
    let (status, body) = readyz(&t).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "not_ready");

    // A worker starts: ready, and listed.
    let (stop, task) = start_worker(&t, "worker-clean");
    let ready = wait_ready_with(&t, "worker-clean").await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["workers"].as_array().unwrap().len(), 1, "{ready}");

    // It stops cleanly: its heartbeat is gone at once.
    stop.send(()).unwrap();
    task.await.unwrap();
    let (status, body) = readyz(&t).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        body["error"]["details"].as_array().unwrap().len(),
        0,
        "{body}"
    );

    // Another one dies without a word: ready while its heartbeat is recent, then not.
    let (_stop, task) = start_worker(&t, "worker-crashed");
    wait_ready_with(&t, "worker-crashed").await;
    task.abort();
    let _ = task.await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    t.clock.advance(chrono::Duration::seconds(3));
    let (status, body) = readyz(&t).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let details = body["error"]["details"].as_array().unwrap();
    assert_eq!(details.len(), 1, "{body}");
    assert_eq!(details[0]["field"], "workers");
    assert!(
        details[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("worker-crashed last beat at"),
        "{body}"
    );
}

/// `revos serve` with `REVOS_METRICS_LISTEN`: `/metrics` on that address only (404 on the
/// API's), showing its own worker's heartbeat, which `/readyz` lists too.
#[tokio::test]
async fn serve_exposes_metrics_on_its_own_address_only() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = crate::server::Server::start(dir.path(), &[("REVOS_METRICS_LISTEN", &addr)]);
    server.wait_healthy_within(Duration::from_secs(10)).await;
    let http = reqwest::Client::new();
    let on_api = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(on_api.status(), StatusCode::NOT_FOUND);
    let own = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    let text = own.text().await.unwrap();
    let parsed = prom_text::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(
        parsed.find("revos_worker_heartbeat_age_seconds", &[]).len(),
        1,
        "{text}"
    );
    let ready: Value = http
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["workers"].as_array().unwrap().len(), 1, "{ready}");
    server.stop();
}
