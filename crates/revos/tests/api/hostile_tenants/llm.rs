//! An attacking workspace against the instance's language model (issue 14, items 1 and 2):
//! it cannot send the instance's key to a server of its choosing, cannot read upstream error
//! text through the chat, cannot make the instance call into its own network (saved URLs,
//! redirects), cannot spend past its monthly budget, and cannot take the server's memory
//! with a huge answer; the victim workspace keeps its model, its budget and its secrets.

use crate::agents::Sse;
use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields, request};
use crate::server::Server;
use reqwest::StatusCode;
use revos_app::llm::LlmSettings;
use revos_app::providers::{OutboundPolicy, PrivateUrls, ProviderSettings};
use revos_domain::llm_pricing::{ModelPrice, PriceTable};
use revos_providers::fakes::Fault;
use revos_providers::fakes::openai::FakeOpenAi;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

both_backends!(
    hostile_llm_instance_key_never_reaches_a_workspace_url,
    hostile_llm_saved_urls_into_the_instance_network_are_refused,
    hostile_llm_a_redirect_into_the_instance_network_is_refused,
    hostile_llm_the_monthly_budget_stops_instance_calls,
    hostile_llm_a_zero_budget_means_offline,
);

const INSTANCE_KEY: &str = "sk-instance-operator-paid-0001";
const ATTACKER_KEY: &str = "sk-attacker-own-key-0002";
/// A model whose price makes any call cost at least 0.001 USD.
const PRICEY: &str = "pricey-model";

/// The address the attacker's own server binds: the only internal address the operator opened.
fn llm_attacker_ip() -> IpAddr {
    IpAddr::from([127, 0, 0, 2])
}

fn llm_open_attacker_ip() -> OutboundPolicy {
    OutboundPolicy::new("127.0.0.2/32".parse().expect("a network"))
}

/// An instance whose model is `fake` with the instance key, workspace URLs guarded by
/// `outbound`, and a monthly budget of `budget` USD.
async fn llm_instance(db: Db, fake: &FakeOpenAi, outbound: OutboundPolicy, budget: f64) -> TestApp {
    TestApp::spawn_providers(
        db,
        ProviderSettings {
            llm: LlmSettings {
                url: Some(fake.url().to_owned()),
                api_key: Some(INSTANCE_KEY.to_owned().into()),
                model: PRICEY.into(),
                prices: PriceTable::default()
                    .with_overrides([(PRICEY, ModelPrice::new(1_000.0, 1_000.0))]),
                workspace_budget_usd: budget,
                ..Default::default()
            },
            outbound,
            ..Default::default()
        },
    )
    .await
}

/// Opens a chat session of `token`'s workspace; returns its id and mode.
async fn llm_session(t: &TestApp, token: &str) -> (String, String) {
    let (status, s) = t
        .post("/api/v1/chat/sessions", Some(token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    (
        s["id"].as_str().unwrap().to_owned(),
        s["mode"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Sends `content` to a new session and reads the whole event stream.
async fn llm_chat(t: &TestApp, token: &str, content: &str) -> Vec<Sse> {
    let (session, _) = llm_session(t, token).await;
    crate::agents::chat(t, token, &session, content).await
}

fn llm_text(events: &[Sse]) -> String {
    events
        .iter()
        .filter(|e| e.event == "text")
        .filter_map(|e| e.data["delta"].as_str())
        .collect()
}

fn llm_error(events: &[Sse]) -> Option<&Value> {
    events.iter().find(|e| e.event == "error").map(|e| &e.data)
}

async fn llm_put_url(t: &TestApp, token: &str, url: &str) -> (StatusCode, Value) {
    t.put("/api/v1/secrets/openai_url", token, json!({ "value": url }))
        .await
}

async fn llm_secret_names(t: &TestApp, token: &str) -> Vec<String> {
    let (status, list) = t.get("/api/v1/secrets", token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn llm_usage(t: &TestApp, token: &str) -> Value {
    let (status, usage) = t.get("/api/v1/llm/usage", token).await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    usage
}

async fn hostile_llm_instance_key_never_reaches_a_workspace_url(db: Db) {
    let instance = FakeOpenAi::start().await;
    instance.require_api_key(INSTANCE_KEY);
    let attacker_server = FakeOpenAi::start_on(llm_attacker_ip()).await;
    let t = llm_instance(db, &instance, llm_open_attacker_ip(), 10.0).await;
    let (victim, _, _) = t.signup("victim@example.com", "Victim").await;
    let (attacker, _, _) = t.signup("attacker@example.com", "Attacker").await;

    instance.push_text("hello victim");
    let events = llm_chat(&t, &victim, "hello").await;
    assert_eq!(llm_text(&events), "hello victim");
    let victim_calls = llm_usage(&t, &victim).await["calls"].clone();
    assert_eq!(victim_calls, 1);

    // The attacker stores only a URL: its calls go there without any key.
    let (status, body) = llm_put_url(&t, &attacker, attacker_server.url()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Its server answers an error whose text would leak whatever it reached.
    attacker_server.inject([Fault::Status(400)]);
    let events = llm_chat(&t, &attacker, "hello").await;
    let error = llm_error(&events).expect("an error event");
    assert_eq!(error["code"], "bad_response", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("HTTP 400"), "{message}");
    assert!(
        !message.contains("maximum context length"),
        "the upstream body reached the chat: {message}"
    );
    assert_eq!(attacker_server.authorizations(), vec![None]);

    // With its own key too, only that key travels.
    t.put(
        "/api/v1/secrets/openai_api_key",
        &attacker,
        json!({"value": ATTACKER_KEY}),
    )
    .await;
    attacker_server.push_text("attacker's own model");
    let events = llm_chat(&t, &attacker, "hello").await;
    assert_eq!(llm_text(&events), "attacker's own model");
    let seen = attacker_server.authorizations();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].as_deref(), Some(&*format!("Bearer {ATTACKER_KEY}")));
    assert!(
        seen.iter().flatten().all(|a| !a.contains(INSTANCE_KEY)),
        "the instance key reached the attacker: {seen:?}"
    );
    // The instance model only ever saw the instance key, and only the victim's call.
    assert_eq!(
        instance.authorizations(),
        vec![Some(format!("Bearer {INSTANCE_KEY}"))]
    );
    // The victim keeps its model, its usage and its (empty) vault.
    instance.push_text("still here");
    assert_eq!(
        llm_text(&llm_chat(&t, &victim, "again").await),
        "still here"
    );
    assert!(llm_secret_names(&t, &victim).await.is_empty());
    assert_eq!(llm_usage(&t, &victim).await["calls"], 2);
}

async fn hostile_llm_saved_urls_into_the_instance_network_are_refused(db: Db) {
    let instance = FakeOpenAi::start().await;
    let port = instance
        .url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/v1");
    let t = llm_instance(db, &instance, OutboundPolicy::default(), 10.0).await;
    let (victim, _, _) = t.signup("victim@example.com", "Victim").await;
    let (attacker, _, _) = t.signup("attacker@example.com", "Attacker").await;
    for url in [
        format!("http://127.0.0.1:{port}/v1"),
        "http://[::1]/v1".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        format!("http://localhost:{port}/v1"),
        "http://user:pass@example.com/v1".to_owned(),
        "file:///etc/passwd".to_owned(),
    ] {
        let (status, body) = llm_put_url(&t, &attacker, &url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(error_fields(&body), ["value"], "{url}: {body}");
        assert!(
            !body["error"]["details"][0]["message"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    assert!(llm_secret_names(&t, &attacker).await.is_empty());
    assert!(llm_secret_names(&t, &victim).await.is_empty());
    assert!(instance.requests().is_empty(), "nothing was called");

    // The operator opted in: the same loopback URL is accepted.
    let open = FakeOpenAi::start().await;
    let t = llm_instance(db, &open, OutboundPolicy::new(PrivateUrls::Allowed), 10.0).await;
    let (ollama_user, _, _) = t.signup("ana@example.com", "Local").await;
    let (status, body) = llm_put_url(&t, &ollama_user, open.url()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn hostile_llm_a_redirect_into_the_instance_network_is_refused(db: Db) {
    let instance = FakeOpenAi::start().await;
    let attacker_server = FakeOpenAi::start_on(llm_attacker_ip()).await;
    let t = llm_instance(db, &instance, llm_open_attacker_ip(), 10.0).await;
    let (attacker, _, _) = t.signup("attacker@example.com", "Attacker").await;
    let (status, body) = llm_put_url(&t, &attacker, attacker_server.url()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The operator's model on 127.0.0.1 is the target of the redirect.
    instance.push_text("the operator's model answered");
    attacker_server.inject([Fault::Redirect(format!(
        "{}/chat/completions",
        instance.url()
    ))]);
    let events = llm_chat(&t, &attacker, "hello").await;
    let error = llm_error(&events).expect("an error event");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("redirected"), "{message}");
    assert!(
        !llm_text(&events).contains("operator"),
        "{}",
        llm_text(&events)
    );
    assert!(instance.requests().is_empty(), "the redirect was followed");
    assert_eq!(instance.script_left(), 1);
    assert_eq!(attacker_server.requests().len(), 1, "not retried");
}

async fn hostile_llm_the_monthly_budget_stops_instance_calls(db: Db) {
    let instance = FakeOpenAi::start().await;
    let attacker_server = FakeOpenAi::start_on(llm_attacker_ip()).await;
    let t = llm_instance(db, &instance, llm_open_attacker_ip(), 0.001).await;
    let (victim, _, _) = t.signup("victim@example.com", "Victim").await;
    let (attacker, _, _) = t.signup("attacker@example.com", "Attacker").await;

    let usage = llm_usage(&t, &attacker).await;
    assert_eq!(usage["budget_usd"], 0.001);
    assert_eq!(usage["spent_usd"], 0.0);
    assert_eq!(usage["remaining_usd"], 0.001);

    instance.push_text("first answer");
    assert_eq!(
        llm_text(&llm_chat(&t, &attacker, "hello").await),
        "first answer"
    );
    let usage = llm_usage(&t, &attacker).await;
    let spent = usage["spent_usd"].as_f64().unwrap();
    assert!(spent >= 0.001, "{usage}");
    assert_eq!(usage["remaining_usd"], 0.0);
    assert_eq!(usage["budget_usd"], 0.001);

    // Over budget: a clear error, and nothing reaches the model.
    instance.push_text("must not be sent");
    let sent = instance.requests().len();
    let events = llm_chat(&t, &attacker, "hello again").await;
    let error = llm_error(&events).expect("an error event");
    assert_eq!(error["code"], "llm_budget_exceeded", "{error}");
    assert!(error["message"].as_str().unwrap().contains("budget"));
    assert_eq!(
        instance.requests().len(),
        sent,
        "a call went out over budget"
    );
    assert_eq!(llm_usage(&t, &attacker).await["spent_usd"], spent);

    // The victim's budget is its own: the attacker's spending does not stop it.
    assert_eq!(llm_usage(&t, &victim).await["spent_usd"], 0.0);
    assert_eq!(
        llm_text(&llm_chat(&t, &victim, "hello").await),
        "must not be sent"
    );

    // Its own model is not budgeted.
    let (status, _) = llm_put_url(&t, &attacker, attacker_server.url()).await;
    assert_eq!(status, StatusCode::OK);
    attacker_server.push_text("own model");
    assert_eq!(
        llm_text(&llm_chat(&t, &attacker, "hello").await),
        "own model"
    );
    let usage = llm_usage(&t, &attacker).await;
    assert!(usage["budget_usd"].is_null(), "{usage}");
    assert!(usage["remaining_usd"].is_null(), "{usage}");
}

async fn hostile_llm_a_zero_budget_means_offline(db: Db) {
    let instance = FakeOpenAi::start().await;
    let own = FakeOpenAi::start_on(llm_attacker_ip()).await;
    let t = llm_instance(db, &instance, llm_open_attacker_ip(), 0.0).await;
    let (plain, _, _) = t.signup("plain@example.com", "Plain").await;
    let (_, session_mode) = llm_session(&t, &plain).await;
    assert_eq!(session_mode, "offline");
    let events = llm_chat(&t, &plain, "help").await;
    assert!(llm_error(&events).is_none());
    let started = events.iter().find(|e| e.event == "started").unwrap();
    assert_eq!(started.data["mode"], "offline");
    let usage = llm_usage(&t, &plain).await;
    assert_eq!(usage["mode"], "offline");
    assert_eq!(usage["budget_usd"], 0.0);
    assert_eq!(usage["remaining_usd"], 0.0);
    assert!(instance.requests().is_empty());

    // A workspace with its own server is online.
    let (byo, _, _) = t.signup("byo@example.com", "Own model").await;
    let (status, body) = llm_put_url(&t, &byo, own.url()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    own.push_text("own answer");
    assert_eq!(llm_text(&llm_chat(&t, &byo, "hi").await), "own answer");
    assert!(instance.requests().is_empty());
}

// ---- memory: the real binary against 100 MB answers ----

/// Signs up the one workspace of `server`; returns its session token.
async fn llm_signup(server: &Server) -> String {
    let (_, body) = request(
        &reqwest::Client::new(),
        reqwest::Method::POST,
        format!("{}/api/v1/auth/signup", server.base),
        None,
        Some(json!({"email": "ana@example.com", "password": "correct horse battery", "workspace_name": "Acme"})),
    )
    .await;
    body["token"].as_str().unwrap().to_owned()
}

/// `revos serve` on SQLite in `dir` with these settings, answering.
async fn llm_server(dir: &Path, envs: &[(&str, &str)]) -> Server {
    let mut server = Server::start(dir, envs);
    server.wait_healthy_within(Duration::from_secs(20)).await;
    server
}

/// The peak resident memory of the server process, in bytes.
fn llm_peak(server: &Server) -> u64 {
    server.peak_memory_kb() * 1024
}

const LLM_HUNDRED_MB: u64 = 100 * 1024 * 1024;
const LLM_MAX_GROWTH: u64 = 50 * 1024 * 1024;

fn llm_assert_small_growth(before: u64, after: u64) {
    let growth = after.saturating_sub(before);
    eprintln!(
        "peak resident memory {} MB -> {} MB (+{} MB)",
        before >> 20,
        after >> 20,
        growth >> 20
    );
    assert!(
        growth < LLM_MAX_GROWTH,
        "the server's peak memory grew by {} MB",
        growth >> 20
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_llm_a_100_mb_model_answer_ends_in_a_clear_error_in_little_memory() {
    let fake = FakeOpenAi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = llm_server(
        dir.path(),
        &[
            ("REVOS_OPENAI_URL", fake.url()),
            ("REVOS_OPENAI_API_KEY", INSTANCE_KEY),
        ],
    )
    .await;
    let token = llm_signup(&server).await;
    let http = reqwest::Client::new();
    let (_, session) = request(
        &http,
        reqwest::Method::POST,
        format!("{}/api/v1/chat/sessions", server.base),
        Some(&token),
        Some(json!({})),
    )
    .await;
    let before = llm_peak(&server);
    fake.inject([Fault::Huge(LLM_HUNDRED_MB)]);
    let started = Instant::now();
    let mut resp = http
        .post(format!(
            "{}/api/v1/chat/sessions/{}/messages",
            server.base,
            session["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .json(&json!({"content": "write a lot"}))
        .send()
        .await
        .unwrap();
    // Read the stream a piece at a time, keeping only the error event.
    let mut tail = String::new();
    let mut error = None;
    while let Some(chunk) = resp.chunk().await.unwrap() {
        tail.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(at) = tail.find("event: error") {
            error = Some(tail[at..].to_owned());
        }
        if tail.len() > 256 * 1024 {
            tail.drain(..tail.len() - 1024);
        }
    }
    llm_assert_small_growth(before, llm_peak(&server));
    let error = error.expect("an error event");
    assert!(error.contains("bad_response"), "{error}");
    assert!(error.contains("larger than 8388608 bytes"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(fake.requests().len(), 1, "not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_llm_a_100_mb_provider_body_ends_in_a_clear_error_in_little_memory() {
    let fake = FakeUnipile::start().await;
    fake.state.add_account("acc1", "Dana");
    let dir = tempfile::tempdir().unwrap();
    let server = llm_server(
        dir.path(),
        &[
            ("REVOS_UNIPILE_URL", &fake.base_url),
            ("REVOS_UNIPILE_API_KEY", "unipile-key"),
        ],
    )
    .await;
    let token = llm_signup(&server).await;
    let before = llm_peak(&server);
    fake.state.inject([Fault::Huge(LLM_HUNDRED_MB)]);
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/linkedin-accounts", server.base))
        .bearer_auth(&token)
        .json(&json!({"provider": "unipile", "account_id": "acc1"}))
        .send()
        .await
        .unwrap();
    llm_assert_small_growth(before, llm_peak(&server));
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    let body: Value = resp.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("bad_response"), "{body}");
    assert!(message.contains("larger than 4194304 bytes"), "{body}");
    assert_eq!(fake.state.requests().len(), 1, "not retried");
}
