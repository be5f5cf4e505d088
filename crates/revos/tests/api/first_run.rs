//! The first run through the API: the checklist of an empty workspace, the one-click sandbox
//! trial (idempotent, labelled, its first lead within a simulated minute through the real
//! workers), the checklist ticking as each step comes true, another workspace seeing none of
//! it, and the offline chat understanding natural lifecycle phrasings and answering in
//! sentences rather than JSON.

use crate::agents::{Sse, chat};
use crate::both_backends;
use crate::helpers::{Db, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends!(
    the_sandbox_trial_ticks_the_checklist_to_a_first_lead,
    the_offline_chat_understands_natural_lifecycle_phrasings,
);

/// The keys of the checklist's steps that are done.
async fn done_steps(t: &TestApp, token: &str) -> Vec<String> {
    let (status, list) = t.get("/api/v1/first-run", token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["steps"].as_array().unwrap().len(), 6, "{list}");
    list["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["done"] == true)
        .map(|s| s["key"].as_str().unwrap().to_owned())
        .collect()
}

/// How many items the first page of a list has.
async fn count(t: &TestApp, token: &str, path: &str) -> usize {
    let (status, list) = t.get(path, token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"].as_array().unwrap().len()
}

async fn the_sandbox_trial_ticks_the_checklist_to_a_first_lead(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@acme.io", "Acme").await;
    let (other, _, _) = t.signup("bo@globex.io", "Globex").await;
    assert!(done_steps(&t, &token).await.is_empty());

    let (status, trial) = t
        .post("/api/v1/sandbox/trial", Some(&token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{trial}");
    assert_eq!(trial["created"], true);
    assert_eq!(trial["account"]["sandbox"], true);
    assert!(
        trial["account"]["display_name"]
            .as_str()
            .unwrap()
            .contains("simulated"),
        "the account says it is simulated: {trial}"
    );
    let campaign = &trial["campaign"];
    assert_eq!(campaign["status"], "active", "{trial}");
    assert_eq!(campaign["sandbox"], true);
    assert_eq!(campaign["cartridge_id"], trial["cartridge_id"]);
    assert_eq!(campaign["watched_posts"].as_array().unwrap().len(), 1);
    assert_eq!(
        done_steps(&t, &token).await,
        ["account", "cartridge", "campaign", "activated"]
    );

    // A second click creates nothing and answers with the same trial.
    let (status, again) = t
        .post("/api/v1/sandbox/trial", Some(&token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["created"], false);
    assert_eq!(again["campaign"]["id"], campaign["id"]);
    assert_eq!(again["account"]["id"], trial["account"]["id"]);
    assert_eq!(again["cartridge_id"], trial["cartridge_id"]);
    assert_eq!(count(&t, &token, "/api/v1/campaigns").await, 1);
    assert_eq!(count(&t, &token, "/api/v1/linkedin-accounts").await, 1);
    assert_eq!(count(&t, &token, "/api/v1/cartridges").await, 1);

    // The real workers on the simulated clock: a first lead within a minute.
    let runner = revos_workers::runner(&t.app, revos_jobs::RunnerConfig::default());
    let start = t.app.now();
    runner
        .run_simulated_until(&t.clock, start + chrono::Duration::seconds(60))
        .await
        .unwrap();
    assert!(
        count(&t, &token, "/api/v1/leads").await > 0,
        "no lead within a minute"
    );
    assert_eq!(
        done_steps(&t, &token).await,
        [
            "account",
            "cartridge",
            "campaign",
            "activated",
            "first_lead"
        ]
    );

    // The other workspace sees none of it, and its own trial is its own.
    assert!(done_steps(&t, &other).await.is_empty());
    assert_eq!(count(&t, &other, "/api/v1/campaigns").await, 0);
    assert_eq!(count(&t, &other, "/api/v1/leads").await, 0);
    let (status, theirs) = t
        .post("/api/v1/sandbox/trial", Some(&other), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    assert_ne!(theirs["campaign"]["id"], campaign["id"]);
    assert_ne!(theirs["account"]["id"], trial["account"]["id"]);
    assert_eq!(count(&t, &token, "/api/v1/campaigns").await, 1);
}

/// The run's text answer and its tool results.
fn answer(events: &[Sse]) -> (String, Vec<&Value>) {
    let text = events
        .iter()
        .filter(|e| e.event == "text")
        .map(|e| e.data["delta"].as_str().unwrap_or(""))
        .collect();
    let results = events
        .iter()
        .filter(|e| e.event == "tool_result")
        .map(|e| &e.data)
        .collect();
    (text, results)
}

async fn the_offline_chat_understands_natural_lifecycle_phrasings(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@acme.io", "Acme").await;
    let (status, trial) = t
        .post("/api/v1/sandbox/trial", Some(&token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{trial}");
    let (status, s) = t
        .post("/api/v1/chat/sessions", Some(&token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let session = s["id"].as_str().unwrap();

    // Each phrasing, what it must call, whether it works, and what the answer says.
    let table = [
        (
            "Stop the Sandbox Trial campaign",
            "pause_campaign",
            true,
            "Campaign paused: Sandbox trial.",
        ),
        (
            "please launch 'sandbox trial'",
            "activate_campaign",
            false,
            "I could not do that: a paused campaign cannot become active.",
        ),
        (
            "unpause sandbox trial",
            "resume_campaign",
            true,
            "Campaign resumed: Sandbox trial.",
        ),
        (
            "turn off campaign called SANDBOX TRIAL",
            "pause_campaign",
            true,
            "Campaign paused: Sandbox trial.",
        ),
        (
            "can you resume the campaign \"Sandbox trial\"?",
            "resume_campaign",
            true,
            "Campaign resumed: Sandbox trial.",
        ),
        (
            "start campaign Nowhere To Be Found",
            "activate_campaign",
            false,
            "I could not do that: no campaign named \"Nowhere To Be Found\".",
        ),
    ];
    for (phrase, tool, ok, says) in table {
        let events = chat(&t, &token, session, phrase).await;
        let (text, results) = answer(&events);
        assert_eq!(results.len(), 1, "{phrase}: {events:?}");
        assert_eq!(results[0]["name"], tool, "{phrase}");
        assert_eq!(results[0]["ok"], ok, "{phrase}: {:?}", results[0]);
        assert_eq!(text, format!("{says} (offline mode)"), "{phrase}");
        assert!(
            !text.contains('{'),
            "{phrase}: no JSON in the answer: {text}"
        );
    }
    let (_, c) = t
        .get(
            &format!(
                "/api/v1/campaigns/{}",
                trial["campaign"]["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(c["status"], "active");

    // A draft is activated by name, in other words; what it lacks is said in a sentence.
    let events = chat(
        &t,
        &token,
        session,
        "create campaign Spring Guide trigger GUIDE magnet 'Hiring checklist'",
    )
    .await;
    assert_eq!(answer(&events).1[0]["ok"], true);
    let events = chat(&t, &token, session, "go live with spring guide").await;
    let (text, results) = answer(&events);
    assert_eq!(results[0]["name"], "activate_campaign");
    assert_eq!(results[0]["ok"], false);
    assert!(
        text.starts_with("I could not do that: ") && text.contains("watched_posts"),
        "{text}"
    );
    assert!(!text.contains('{'), "{text}");
}
