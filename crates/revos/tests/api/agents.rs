//! The agents over HTTP: a chat message answered by a scripted OpenAI-compatible model (fake
//! server, streamed and not) creates the campaign it asks for; a failing tool is reported to the
//! model and the run recovers; the loop stops at its limit; cancellation stops a run; every
//! model call is recorded with its cost; the offline grammar drives the same tools.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge, error_fields};
use reqwest::StatusCode;
use revos_app::llm::LlmSettings;
use revos_app::providers::ProviderSettings;
use revos_providers::fakes::Fault;
use revos_providers::fakes::openai::FakeOpenAi;
use serde_json::{Value, json};

both_backends!(
    chat_creates_a_campaign_streamed,
    chat_creates_a_campaign_not_streamed,
    failing_tools_are_reported_and_the_run_recovers,
    the_loop_stops_at_its_limit,
    offline_chat_reaches_the_tools,
    sessions_are_private_and_validated,
    a_run_can_be_cancelled,
    content_agent_drafts_and_approvals_teach_the_memory,
);

/// A chat event as received over SSE: its name and JSON data.
#[derive(Debug)]
pub struct Sse {
    pub event: String,
    pub data: Value,
}

/// Posts `content` to a session and reads the whole event stream.
pub async fn chat(t: &TestApp, token: &str, session: &str, content: &str) -> Vec<Sse> {
    let resp = t
        .http
        .post(format!(
            "{}/api/v1/chat/sessions/{session}/messages",
            t.base
        ))
        .bearer_auth(token)
        .json(&json!({ "content": content }))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = resp.text().await.expect("stream");
    parse_sse(&body)
}

fn parse_sse(body: &str) -> Vec<Sse> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ").or(line.strip_prefix("event:")) {
                    event = Some(e.trim().to_owned());
                } else if let Some(d) = line.strip_prefix("data: ").or(line.strip_prefix("data:")) {
                    data.push_str(d);
                }
            }
            Some(Sse {
                event: event?,
                data: serde_json::from_str(&data).ok()?,
            })
        })
        .collect()
}

fn named<'a>(events: &'a [Sse], name: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e.event == name)
        .map(|e| &e.data)
        .collect()
}

fn text_of(events: &[Sse]) -> String {
    named(events, "text")
        .iter()
        .map(|d| d["delta"].as_str().unwrap_or(""))
        .collect()
}

async fn with_model(db: Db, fake: &FakeOpenAi, stream: bool) -> TestApp {
    TestApp::spawn_providers(
        db,
        ProviderSettings {
            llm: LlmSettings {
                url: Some(fake.url().to_owned()),
                api_key: Some("sk-test".to_owned().into()),
                stream,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
}

/// A workspace with a sandbox LinkedIn account and the cartridge "Acme"; returns the token
/// and the cartridge id.
async fn workspace(t: &TestApp, email: &str) -> (String, String) {
    let (token, _, _) = t.signup(email, "Agency").await;
    let (status, _) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, c) = t
        .post("/api/v1/cartridges", Some(&token), cartridge("Acme"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    (token, c["id"].as_str().unwrap().to_owned())
}

async fn session(t: &TestApp, token: &str, cartridge: Option<&str>) -> String {
    let (status, s) = t
        .post(
            "/api/v1/chat/sessions",
            Some(token),
            json!({ "cartridge_id": cartridge }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    s["id"].as_str().unwrap().to_owned()
}

fn create_campaign_args() -> Value {
    json!({
        "name": "Spring Guide",
        "client": "Acme",
        "trigger_words": ["GUIDE"],
        "lead_magnet_title": "Hiring checklist",
        "lead_magnet_url": "https://acme.example/hiring-checklist"
    })
}

async fn chat_creates_a_campaign(db: Db, stream: bool) {
    let fake = FakeOpenAi::start().await;
    let t = with_model(db, &fake, stream).await;
    let (token, acme) = workspace(&t, "ana@example.com").await;
    let s = session(&t, &token, Some(&acme)).await;

    fake.push_tool_calls(vec![("create_campaign", create_campaign_args())]);
    fake.push_text("Spring Guide is ready as a draft with the trigger GUIDE.");
    let events = chat(
        &t,
        &token,
        &s,
        "Create a campaign Spring Guide for Acme, trigger GUIDE, magnet Hiring checklist",
    )
    .await;

    let started = named(&events, "started");
    assert_eq!(started.len(), 1, "{events:?}");
    assert_eq!(started[0]["agent"], "campaign_manager");
    assert_eq!(started[0]["mode"], "online");
    assert_eq!(events.first().map(|e| e.event.as_str()), Some("started"));
    let done = named(&events, "done");
    assert_eq!(done.len(), 1);
    assert_eq!(events.last().map(|e| e.event.as_str()), Some("done"));
    assert_eq!(done[0]["stop"], "completed", "{events:?}");
    assert_eq!(done[0]["steps"], 2);
    let results = named(&events, "tool_result");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["name"], "create_campaign");
    assert_eq!(results[0]["ok"], true, "{:?}", results[0]);
    assert_eq!(
        text_of(&events),
        "Spring Guide is ready as a draft with the trigger GUIDE."
    );

    // The campaign exists with the fields the message asked for.
    let (_, list) = t.get("/api/v1/campaigns", &token).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    let c = &items[0];
    assert_eq!(c["name"], "Spring Guide");
    assert_eq!(c["trigger_words"], json!(["GUIDE"]));
    assert_eq!(c["lead_magnet"]["title"], "Hiring checklist");
    assert_eq!(
        c["lead_magnet"]["url"],
        "https://acme.example/hiring-checklist"
    );
    assert_eq!(c["cartridge_id"], acme.as_str());

    // The model saw the cartridge's voice, the tools, and the tool's result.
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let system = requests[0]["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("Campaign Manager"), "{system}");
    let tools: Vec<&str> = requests[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"create_campaign"), "{tools:?}");
    assert!(
        !tools.contains(&"draft_post"),
        "the campaign manager writes no posts"
    );
    let last = requests[1]["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(last["role"], "tool");
    assert!(last["content"].as_str().unwrap().contains("Spring Guide"));

    // Every model call is recorded with its tokens and its cost.
    let usage_events = named(&events, "usage");
    assert_eq!(usage_events.len(), 2);
    let (status, usage) = t.get("/api/v1/llm/usage", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(usage["mode"], "online");
    assert_eq!(usage["calls"], 2, "{usage}");
    assert_eq!(usage["unpriced_calls"], 0);
    let (mut prompt, mut completion, mut cost) = (0, 0, 0.0);
    for u in &usage_events {
        prompt += u["prompt_tokens"].as_i64().unwrap();
        completion += u["completion_tokens"].as_i64().unwrap();
        cost += u["cost_usd"].as_f64().unwrap();
    }
    assert!(prompt > 0 && completion > 0);
    assert_eq!(usage["prompt_tokens"], prompt);
    assert_eq!(usage["completion_tokens"], completion);
    // gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    let expected = prompt as f64 * 0.15e-6 + completion as f64 * 0.60e-6;
    assert!((cost - expected).abs() < 1e-12, "{cost} vs {expected}");
    assert!((usage["cost_usd"].as_f64().unwrap() - expected).abs() < 1e-12);

    // The transcript is kept: user, assistant tool call, tool result, assistant answer.
    let (_, transcript) = t.get(&format!("/api/v1/chat/sessions/{s}"), &token).await;
    let roles: Vec<&str> = transcript["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"]["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "tool", "assistant"]);
    assert_eq!(transcript["llm_calls"].as_array().unwrap().len(), 2);
    assert_eq!(
        transcript["session"]["title"],
        "Create a campaign Spring Guide for Acme, trigger GUIDE, magn…"
    );

    // The next message replays the conversation so far.
    fake.push_text("It is a draft.");
    let events = chat(&t, &token, &s, "Is the campaign live?").await;
    assert_eq!(named(&events, "done")[0]["stop"], "completed");
    let replay = fake.requests()[2]["messages"].as_array().unwrap().clone();
    let roles: Vec<&str> = replay.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(
        roles,
        ["system", "user", "assistant", "tool", "assistant", "user"]
    );
}

async fn chat_creates_a_campaign_streamed(db: Db) {
    chat_creates_a_campaign(db, true).await;
}

async fn chat_creates_a_campaign_not_streamed(db: Db) {
    chat_creates_a_campaign(db, false).await;
}

async fn failing_tools_are_reported_and_the_run_recovers(db: Db) {
    let fake = FakeOpenAi::start().await;
    let t = with_model(db, &fake, true).await;
    let (token, acme) = workspace(&t, "ana@example.com").await;
    let s = session(&t, &token, Some(&acme)).await;

    fake.push_tool_calls(vec![(
        "pause_campaign",
        json!({"campaign": "No Such Campaign"}),
    )]);
    fake.push_raw_tool_call("create_campaign", "{\"name\": \"Broken");
    fake.push_tool_calls(vec![("create_campaign", create_campaign_args())]);
    fake.push_text("Done: Spring Guide created.");
    let events = chat(&t, &token, &s, "Pause the No Such Campaign campaign").await;

    let results = named(&events, "tool_result");
    assert_eq!(results.len(), 3, "{events:?}");
    assert_eq!(results[0]["ok"], false);
    assert_eq!(results[1]["ok"], false);
    assert_eq!(results[2]["ok"], true);
    assert_eq!(named(&events, "done")[0]["stop"], "completed");

    // Each error went back to the model as the tool's answer.
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    for (i, needle) in [(1, "No Such Campaign"), (2, "arguments")] {
        let last = requests[i]["messages"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["role"], "tool");
        let content = last["content"].as_str().unwrap();
        assert!(content.contains("error"), "{content}");
        assert!(content.contains(needle), "{content}");
    }
    let (_, list) = t.get("/api/v1/campaigns", &token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // A model that fails after its retries ends the run with an error, not a hang.
    fake.inject([Fault::Status(401)]);
    let events = chat(&t, &token, &s, "How are my campaigns doing?").await;
    assert_eq!(named(&events, "error").len(), 1, "{events:?}");
    assert_eq!(named(&events, "done")[0]["stop"], "failed");
}

async fn the_loop_stops_at_its_limit(db: Db) {
    let fake = FakeOpenAi::start().await;
    let t = with_model(db, &fake, false).await;
    let (token, _) = workspace(&t, "ana@example.com").await;
    let s = session(&t, &token, None).await;
    for _ in 0..12 {
        fake.push_tool_calls(vec![("list_campaigns", json!({}))]);
    }
    let events = chat(&t, &token, &s, "list my campaigns forever").await;
    let done = named(&events, "done");
    assert_eq!(done[0]["stop"], "step_limit", "{events:?}");
    assert_eq!(done[0]["steps"], 8);
    assert_eq!(fake.requests().len(), 8, "no model call after the limit");
    assert_eq!(named(&events, "tool_result").len(), 8);
    let (_, usage) = t.get("/api/v1/llm/usage", &token).await;
    assert_eq!(usage["calls"], 8);
}

async fn offline_chat_reaches_the_tools(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, acme) = workspace(&t, "ana@example.com").await;
    let s = session(&t, &token, Some(&acme)).await;

    let events = chat(
        &t,
        &token,
        &s,
        "create campaign Spring Guide for Acme trigger GUIDE magnet 'Hiring checklist' url https://acme.example/h",
    )
    .await;
    assert_eq!(named(&events, "started")[0]["mode"], "offline");
    assert_eq!(named(&events, "done")[0]["mode"], "offline");
    let results = named(&events, "tool_result");
    assert_eq!(results.len(), 1, "{events:?}");
    assert_eq!(results[0]["name"], "create_campaign");
    assert_eq!(results[0]["ok"], true, "{:?}", results[0]);
    assert!(
        text_of(&events).contains("offline"),
        "answers are labelled offline"
    );
    let (_, list) = t.get("/api/v1/campaigns", &token).await;
    assert_eq!(list["items"][0]["name"], "Spring Guide");
    assert_eq!(list["items"][0]["trigger_words"], json!(["GUIDE"]));

    let events = chat(&t, &token, &s, "list campaigns").await;
    assert_eq!(named(&events, "tool_result")[0]["ok"], true);
    assert!(text_of(&events).contains("Spring Guide"));

    let events = chat(&t, &token, &s, "help").await;
    assert!(named(&events, "tool_result").is_empty());
    let help = text_of(&events);
    assert!(
        help.contains("create campaign") && help.contains("draft a post"),
        "{help}"
    );

    let events = chat(&t, &token, &s, "make me a sandwich ☃").await;
    assert_eq!(named(&events, "done")[0]["stop"], "completed");
    assert!(
        text_of(&events).contains("create campaign"),
        "unknown commands get help"
    );

    let (_, usage) = t.get("/api/v1/llm/usage", &token).await;
    assert_eq!(usage["mode"], "offline");
    assert_eq!(usage["calls"], 0, "offline runs call no model");
}

async fn sessions_are_private_and_validated(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, acme) = workspace(&t, "ana@example.com").await;
    let (b, _) = workspace(&t, "bob@example.com").await;
    let s = session(&t, &a, Some(&acme)).await;

    // Another workspace cannot read, change or talk to the session.
    let (status, err) = t.get(&format!("/api/v1/chat/sessions/{s}"), &b).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    let (status, _) = t
        .post(
            &format!("/api/v1/chat/sessions/{s}/messages"),
            Some(&b),
            json!({"content": "help"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t
        .patch(
            &format!("/api/v1/chat/sessions/{s}"),
            &b,
            json!({"agent": "auto"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = t.get("/api/v1/chat/sessions", &b).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    // Bad input names the field.
    let (status, err) = t
        .post(
            "/api/v1/chat/sessions",
            Some(&b),
            json!({"cartridge_id": acme}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["cartridge_id".to_owned()]
        )
    );
    let (status, err) = t
        .post(
            "/api/v1/chat/sessions",
            Some(&a),
            json!({"agent": "wizard"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["agent".to_owned()])
    );
    let (status, err) = t
        .post(
            &format!("/api/v1/chat/sessions/{s}/messages"),
            Some(&a),
            json!({"content": "   "}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["content".to_owned()])
    );

    // Switching the client selector, then clearing it.
    let (status, changed) = t
        .patch(
            &format!("/api/v1/chat/sessions/{s}"),
            &a,
            json!({"cartridge_id": null, "agent": "content_generation"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["cartridge_id"], Value::Null);
    assert_eq!(changed["agent"], "content_generation");
}

async fn a_run_can_be_cancelled(db: Db) {
    let fake = FakeOpenAi::start().await;
    let t = with_model(db, &fake, true).await;
    let (token, _) = workspace(&t, "ana@example.com").await;
    let s = session(&t, &token, None).await;
    fake.inject([Fault::Stall(20_000)]);

    let started = std::time::Instant::now();
    let mut resp = t
        .http
        .post(format!("{}/api/v1/chat/sessions/{s}/messages", t.base))
        .bearer_auth(&token)
        .json(&json!({ "content": "report on every campaign" }))
        .send()
        .await
        .expect("send");
    let first = resp.chunk().await.unwrap().expect("the started event");
    assert!(String::from_utf8_lossy(&first).contains("started"));

    // A second message while the first is being answered is refused.
    let (status, err) = t
        .post(
            &format!("/api/v1/chat/sessions/{s}/messages"),
            Some(&token),
            json!({"content": "hello"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");

    let (status, c) = t
        .post(
            &format!("/api/v1/chat/sessions/{s}/cancel"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!((status, &c["cancelled"]), (StatusCode::OK, &json!(true)));
    let mut rest = String::from_utf8_lossy(&first).into_owned();
    while let Some(chunk) = resp.chunk().await.unwrap() {
        rest.push_str(&String::from_utf8_lossy(&chunk));
    }
    let events = parse_sse(&rest);
    assert_eq!(named(&events, "done")[0]["stop"], "cancelled", "{events:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "cancel does not wait for the model"
    );
}

async fn content_agent_drafts_and_approvals_teach_the_memory(db: Db) {
    let fake = FakeOpenAi::start().await;
    let t = with_model(db, &fake, true).await;
    let (token, acme) = workspace(&t, "ana@example.com").await;
    let s = session(&t, &token, Some(&acme)).await;

    // The Content Generation agent saves the post it wrote as a draft.
    let draft = "Onboarding is where retention starts. Plan the first week before day one.";
    fake.push_tool_calls(vec![(
        "draft_post",
        json!({"topic": "onboarding", "body": draft}),
    )]);
    fake.push_text("Saved as a draft for your approval.");
    let events = chat(&t, &token, &s, "Write a post about onboarding").await;
    assert_eq!(named(&events, "started")[0]["agent"], "content_generation");
    let result = named(&events, "tool_result")[0].clone();
    assert_eq!(result["ok"], true, "{result}");
    let post = result["value"]["post_id"].as_str().unwrap().to_owned();
    assert_eq!(result["link"], format!("/posts/{post}"));
    let chats: Vec<Value> = fake
        .requests()
        .into_iter()
        .filter(|r| r.get("messages").is_some())
        .collect();
    let embeddings = fake.requests().len() - chats.len();
    assert!(
        embeddings > 0,
        "the memory is searched with the model's embeddings"
    );
    let tools: Vec<String> = chats[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        tools.contains(&"draft_post".to_owned()) && !tools.contains(&"create_campaign".to_owned())
    );

    // Approving it edited feeds the edit, beside the draft, into the cartridge's memory.
    let (status, p) = t
        .post(
            &format!("/api/v1/posts/{post}/submit"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let edited =
        "Quick truth: retention starts at onboarding. 🚀 Plan week one before day one. #onboarding";
    let (status, p) = t
        .post(
            &format!("/api/v1/posts/{post}/approve"),
            Some(&token),
            json!({"body": edited}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let (_, examples) = t
        .get(
            &format!("/api/v1/cartridges/{acme}/examples?kind=post"),
            &token,
        )
        .await;
    let learned: Vec<&Value> = examples["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{examples}"))
        .iter()
        .filter(|e| e["source"] == "approval")
        .collect();
    assert_eq!(learned.len(), 1, "{examples}");
    assert_eq!(learned[0]["text"], edited);
    assert_eq!(learned[0]["draft"], draft);
    assert_eq!(learned[0]["edited"], true);
    assert_eq!(learned[0]["source_id"], post.as_str());

    // The next writing run shows the model the approved example and the learned style.
    fake.push_text("Here is another angle.");
    chat(&t, &token, &s, "Write a post about retention").await;
    let last_chat = fake
        .requests()
        .into_iter()
        .rfind(|r| r.get("messages").is_some())
        .unwrap();
    let system = last_chat["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        system.contains("Quick truth: retention starts at onboarding."),
        "{system}"
    );
    assert!(system.contains("Learned from"), "{system}");

    // Offline, the grammar drafts in the client's voice and submits the newest draft.
    let offline = TestApp::spawn(db).await;
    let (token, acme) = workspace(&offline, "bo@example.com").await;
    let s = session(&offline, &token, Some(&acme)).await;
    let events = chat(&offline, &token, &s, "draft a post about onboarding").await;
    let r = named(&events, "tool_result")[0].clone();
    assert_eq!(
        (r["name"].as_str(), r["ok"].as_bool()),
        (Some("draft_post"), Some(true)),
        "{r}"
    );
    assert_eq!(r["value"]["written_by"], "offline writer");
    let events = chat(&offline, &token, &s, "submit the post").await;
    let r = named(&events, "tool_result")[0].clone();
    assert_eq!(r["value"]["status"], "pending_approval", "{r}");
}
