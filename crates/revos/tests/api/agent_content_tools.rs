//! The design's content and analysis tools over HTTP, with the scripted fake model: a
//! knowledge document uploaded to a cartridge is found by its passage (`search_knowledge`
//! and the knowledge API) and reaches drafting as data; "a content plan for March" proposes
//! topics and, once the person asks, puts drafts on the approval queue; "reply rate by
//! campaign last month" answers the dashboard's figures for a month of pipeline activity
//! built on the simulated clock.

use crate::agents::{Sse, chat};
use crate::helpers::{Db, TestApp, cartridge};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use revos_app::llm::LlmSettings;
use revos_app::providers::ProviderSettings;
use revos_providers::fakes::openai::FakeOpenAi;
use serde_json::{Value, json};

crate::both_backends!(
    knowledge_is_uploaded_searched_and_deleted,
    a_question_about_a_knowledge_file_retrieves_its_passage,
    a_content_plan_for_march_goes_to_the_approval_queue_when_asked,
    reply_rate_by_campaign_last_month_matches_the_dashboard,
);

const PRICING: &str = "# Pricing\n\nAcme charges per seat: 49 euros per seat per month, with \
    volume discounts from fifty seats. Annual plans get two months free.\n\n# Onboarding\n\n\
    Every customer gets a kickoff call in week one, a data import in week two and a training \
    workshop for the whole team in week three.";
const SECURITY: &str = "# Security\n\nCustomer data is encrypted at rest and every backup \
    is kept for thirty days in a Frankfurt data centre.\n\n## Access\n\nStaff reach production \
    only through single sign-on with hardware keys.";
const HIRING: &str = "# Hiring engineers\n\nWe interview with a take-home task and a pairing \
    session; offers go out within five days of the final interview.";

async fn with_model(db: Db, fake: &FakeOpenAi) -> TestApp {
    TestApp::spawn_providers(
        db,
        ProviderSettings {
            llm: LlmSettings {
                url: Some(fake.url().to_owned()),
                api_key: Some("sk-test".to_owned().into()),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
}

/// A workspace with the cartridge "Acme"; returns the token and the cartridge id.
async fn workspace(t: &TestApp, email: &str) -> (String, String) {
    let (token, _, _) = t.signup(email, "Agency").await;
    let (status, c) = t
        .post("/api/v1/cartridges", Some(&token), cartridge("Acme"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    (token, c["id"].as_str().unwrap().to_owned())
}

async fn upload(
    t: &TestApp,
    token: &str,
    cartridge: &str,
    name: &str,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(body.into())
        .file_name(name.to_owned())
        .mime_str(content_type)
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let resp = t
        .http
        .post(format!(
            "{}/api/v1/cartridges/{cartridge}/knowledge",
            t.base
        ))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn session(t: &TestApp, token: &str, cartridge: &str, agent: &str) -> String {
    let (status, s) = t
        .post(
            "/api/v1/chat/sessions",
            Some(token),
            json!({"cartridge_id": cartridge, "agent": agent}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    s["id"].as_str().unwrap().to_owned()
}

fn results<'a>(events: &'a [Sse], tool: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e.event == "tool_result" && e.data["name"] == tool)
        .map(|e| &e.data)
        .collect()
}

async fn knowledge_is_uploaded_searched_and_deleted(db: Db) {
    // No model: the local embedder ranks by the words passages share with the query.
    let t = TestApp::spawn(db).await;
    let (token, acme) = workspace(&t, "ana@example.com").await;
    let (status, doc) = upload(&t, &token, &acme, "acme.md", "text/markdown", PRICING).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["chunks"], 2, "{doc}");
    let (status, other) = upload(&t, &token, &acme, "hiring.txt", "text/plain", HIRING).await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    // A real PDF (rendered with embedded fonts, as guides are): its text layer is indexed.
    let pdf = revos_render::guide_pdf(
        &revos_render::GuideDocument {
            cartridge_name: "Acme",
            title: "Security at Acme",
            markdown: SECURITY,
        },
        &revos_render::Brand::default(),
        revos_render::PageSize::A4,
    )
    .unwrap();
    let (status, security) =
        upload(&t, &token, &acme, "security.pdf", "application/pdf", pdf).await;
    assert_eq!(status, StatusCode::CREATED, "{security}");
    assert_eq!(security["content_type"], "application/pdf");
    assert!(security["chunks"].as_i64().unwrap() >= 1, "{security}");

    let (status, list) = t
        .get(&format!("/api/v1/cartridges/{acme}/knowledge"), &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme.md", "hiring.txt", "security.pdf"]);

    // The original is kept as a file of the workspace.
    let file = doc["file_id"].as_str().unwrap();
    let (status, f) = t.get(&format!("/api/v1/files/{file}"), &token).await;
    assert_eq!(
        (status, &f["purpose"]),
        (StatusCode::OK, &json!("knowledge"))
    );

    for (q, expected) in [
        ("how much does a seat cost per month", "49 euros per seat"),
        (
            "what happens in the kickoff call and training workshop",
            "kickoff call",
        ),
        ("how do we interview engineers", "take-home task"),
        (
            "how long is a backup kept and in which data centre",
            "Frankfurt",
        ),
    ] {
        let (status, found) = t
            .get(
                &format!("/api/v1/cartridges/{acme}/knowledge/search?q={q}&limit=1"),
                &token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let top = &found["items"][0];
        assert!(
            top["text"].as_str().unwrap().contains(expected),
            "{q}: {found}"
        );
    }

    // A PDF without text (a scan), a damaged PDF, a Word file, a path-like name and another
    // workspace's cartridge are refused, naming the field; nothing of them is kept.
    let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    for (name, content_type, body, says) in [
        (
            "scan.pdf",
            "application/pdf",
            revos_test_support::pdf::one_page_pdf(""),
            "no text could be read from this PDF",
        ),
        (
            "a.pdf",
            "application/pdf",
            b"%PDF-1.4\n".to_vec(),
            "no text could be read from this PDF",
        ),
        (
            "a.docx",
            docx,
            b"PK\x03\x04word".to_vec(),
            "cannot be read yet",
        ),
    ] {
        let (status, err) = upload(&t, &token, &acme, name, content_type, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {err}");
        assert_eq!(err["error"]["details"][0]["field"], "file", "{err}");
        let message = err["error"]["details"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{name}: {err}");
    }
    let (_, list) = t
        .get(&format!("/api/v1/cartridges/{acme}/knowledge"), &token)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3, "{list}");
    let (status, err) = upload(&t, &token, &acme, "../x.md", "text/markdown", "# x").await;
    assert!(status.is_client_error(), "{status} {err}");
    let (intruder, _) = workspace(&t, "eve@example.com").await;
    let (status, _) = t
        .get(&format!("/api/v1/cartridges/{acme}/knowledge"), &intruder)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = upload(&t, &intruder, &acme, "x.md", "text/markdown", "# x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Deleting the document removes its passages and its file.
    let id = doc["id"].as_str().unwrap();
    let path = format!("/api/v1/cartridges/{acme}/knowledge/{id}");
    let (status, _) = t.delete(&path, &intruder).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.delete(&path, &token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.get(&format!("/api/v1/files/{file}"), &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, found) = t
        .get(
            &format!("/api/v1/cartridges/{acme}/knowledge/search?q=seat%20price&limit=20"),
            &token,
        )
        .await;
    let texts = found["items"].to_string();
    assert!(!texts.contains("49 euros"), "{texts}");
    assert!(texts.contains("take-home"), "{texts}");
}

async fn a_question_about_a_knowledge_file_retrieves_its_passage(db: Db) {
    let fake = FakeOpenAi::start().await;
    let t = with_model(db, &fake).await;
    let (token, acme) = workspace(&t, "ana@example.com").await;
    let (status, doc) = upload(&t, &token, &acme, "acme.md", "text/markdown", PRICING).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let s = session(&t, &token, &acme, "campaign_manager").await;

    fake.push_tool_calls(vec![(
        "search_knowledge",
        json!({"query": "price per seat", "limit": 5}),
    )]);
    fake.push_text("Acme charges 49 euros per seat per month.");
    let events = chat(
        &t,
        &token,
        &s,
        "What does our pricing document say about seats?",
    )
    .await;
    let r = results(&events, "search_knowledge");
    assert_eq!(r.len(), 1, "{events:?}");
    assert_eq!(r[0]["ok"], true, "{:?}", r[0]);
    let passages = r[0]["value"]["passages"].as_array().unwrap();
    assert_eq!(passages.len(), 2);
    let pricing = passages
        .iter()
        .find(|p| p["text"].as_str().unwrap().contains("49 euros per seat"))
        .expect("the pricing passage");
    assert_eq!(pricing["document_name"], "acme.md");
    assert_eq!(pricing["document_id"], doc["id"]);

    // The passages reached the model as data, inside an untrusted block.
    let requests: Vec<Value> = fake
        .requests()
        .into_iter()
        .filter(|r| r.get("messages").is_some())
        .collect();
    let last = requests[1]["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["role"], "tool");
    let content = last["content"].as_str().unwrap();
    assert!(
        content.starts_with("<untrusted_data source=\"tool:search_knowledge\">"),
        "{content}"
    );
    assert!(content.contains("49 euros per seat"));

    // Drafting draws on the knowledge: the writer's prompt holds the relevant passage, as data.
    let writer = session(&t, &token, &acme, "content_generation").await;
    fake.push_tool_calls(vec![(
        "draft_post",
        json!({"topic": "what a seat costs at Acme"}),
    )]);
    fake.push_text("Seats at Acme cost 49 euros. Here is why.");
    fake.push_text("Saved as a draft.");
    let events = chat(
        &t,
        &token,
        &writer,
        "Write a post about what a seat costs per month",
    )
    .await;
    let r = results(&events, "draft_post");
    assert_eq!(r[0]["ok"], true, "{:?}", r[0]);
    let prompts: Vec<Value> = fake
        .requests()
        .into_iter()
        .filter(|r| r.get("messages").is_some())
        .collect();
    // The chat's own prompt and the writer's (the draft_post call) both carry the passage.
    for prompt in &prompts[prompts.len() - 3..prompts.len() - 1] {
        let system = prompt["messages"][0]["content"].as_str().unwrap();
        assert!(
            system.contains("<untrusted_data source=\"knowledge:"),
            "{system}"
        );
        assert!(system.contains("per seat"), "{system}");
    }
}

async fn a_content_plan_for_march_goes_to_the_approval_queue_when_asked(db: Db) {
    let fake = FakeOpenAi::start().await;
    let t = with_model(db, &fake).await;
    let (token, acme) = workspace(&t, "ana@example.com").await;
    let (status, _) = upload(&t, &token, &acme, "acme.md", "text/markdown", PRICING).await;
    assert_eq!(status, StatusCode::CREATED);
    let s = session(&t, &token, &acme, "campaign_manager").await;

    // First the proposal: topics with dates in March, nothing written.
    fake.push_tool_calls(vec![(
        "content_plan",
        json!({"month": "March", "count": 3}),
    )]);
    fake.push_text(
        "1. Why per-seat pricing is fair\n2. Our three-week onboarding\n- Kickoff calls that work",
    );
    fake.push_text("Here are three topics for March. Shall I put them on the approval queue?");
    let events = chat(&t, &token, &s, "Make me a content plan for March").await;
    let r = results(&events, "content_plan");
    assert_eq!(r.len(), 1, "{events:?}");
    assert_eq!(r[0]["ok"], true, "{:?}", r[0]);
    assert_eq!(r[0]["value"]["queued"], false);
    let plan = &r[0]["value"]["plan"];
    let topics: Vec<String> = plan["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        topics,
        [
            "Why per-seat pricing is fair",
            "Our three-week onboarding",
            "Kickoff calls that work"
        ]
    );
    let today = t.app.now().date_naive();
    let year = if today.month() <= 3 {
        today.year()
    } else {
        today.year() + 1
    };
    assert_eq!(plan["month"], format!("{year}-03"));
    for topic in plan["topics"].as_array().unwrap() {
        let d: NaiveDate = topic["suggested_date"].as_str().unwrap().parse().unwrap();
        assert_eq!((d.year(), d.month()), (year, 3));
    }
    // The planner saw the knowledge (as data) and was asked for three topics.
    let planner = fake
        .requests()
        .into_iter()
        .filter(|r| r.get("messages").is_some())
        .nth(1)
        .unwrap();
    let material = planner["messages"][1]["content"].as_str().unwrap();
    assert!(
        material.contains("<untrusted_data source=\"knowledge\">"),
        "{material}"
    );
    assert!(material.contains("Pricing") && material.contains("Onboarding"));
    let (_, posts) = t.get("/api/v1/posts", &token).await;
    assert_eq!(posts["items"].as_array().unwrap().len(), 0, "{posts}");

    // Then, asked to, the drafts go to the approval queue.
    fake.push_tool_calls(vec![(
        "content_plan",
        json!({"month": "March", "topics": topics, "put_on_approval_queue": true}),
    )]);
    for i in 1..=3 {
        fake.push_text(&format!("Post {i} for March."));
    }
    fake.push_text("Three drafts are waiting for approval.");
    let events = chat(&t, &token, &s, "Yes, put them on the approval queue").await;
    let r = results(&events, "content_plan");
    assert_eq!(r[0]["ok"], true, "{:?}", r[0]);
    assert_eq!(r[0]["value"]["queued"], true);
    let (status, queue) = t.get("/api/v1/posts?status=pending_approval", &token).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    let mut bodies: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["body"].as_str().unwrap())
        .collect();
    bodies.sort_unstable();
    assert_eq!(
        bodies,
        [
            "Post 1 for March.",
            "Post 2 for March.",
            "Post 3 for March."
        ]
    );
    let ids: Vec<&Value> = r[0]["value"]["plan"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["post_id"])
        .collect();
    for p in queue["items"].as_array().unwrap() {
        assert!(ids.contains(&&p["id"]), "{p}");
        assert_eq!(p["cartridge_id"], acme.as_str());
    }
}

async fn login(t: &TestApp, email: &str) -> String {
    let (status, session) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    session["token"].as_str().unwrap().to_owned()
}

async fn reply_rate_by_campaign_last_month_matches_the_dashboard(db: Db) {
    let fake = FakeOpenAi::start().await;
    let t = with_model(db, &fake).await;
    // A whole month of activity: start on the 2nd of next month, look back from the month after.
    let now = t.app.now().date_naive();
    let next = revos_domain::report_period::next_month(now);
    let start = Utc.from_utc_datetime(&next.and_hms_opt(8, 0, 0).unwrap()) + Duration::days(1);
    t.clock.advance_to(start);
    let (token, acme) = workspace(&t, "ana@example.com").await;
    let (status, account) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Ana (sandbox)"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let body = json!({
        "name": "Playbook", "linkedin_account_id": account["id"],
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
        "trigger_words": ["PLAYBOOK"], "watched_posts": ["sandbox-playbook-post"],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    let (status, c) = t.post("/api/v1/campaigns", Some(&token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let campaign = c["id"].as_str().unwrap().to_owned();
    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let runner = revos_workers::runner(&t.app, revos_jobs::RunnerConfig::default());
    runner
        .run_simulated_until(&t.clock, start + Duration::hours(12))
        .await
        .unwrap();
    let token = login(&t, "ana@example.com").await;
    let (status, funnel) = t
        .get(&format!("/api/v1/campaigns/{campaign}/funnel"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{funnel}");
    let dm_sent = funnel["dm_sent"].as_u64().unwrap();
    let replied = funnel["replied"].as_u64().unwrap();
    assert!(
        dm_sent > 0 && replied > 0,
        "the sandbox month had no DMs or replies: {funnel}"
    );

    // The month after: that month is "last month".
    let after = revos_domain::report_period::next_month(next);
    t.clock.advance_to(
        Utc.from_utc_datetime(&after.and_hms_opt(9, 0, 0).unwrap()) + Duration::days(1),
    );
    let token = login(&t, "ana@example.com").await;
    let s = session(&t, &token, &acme, "campaign_manager").await;
    fake.push_tool_calls(vec![(
        "analytics_query",
        json!({"metric": "reply_rate", "group_by": "campaign", "period": "last_month"}),
    )]);
    fake.push_text("Playbook's reply rate last month was as shown.");
    let events = chat(
        &t,
        &token,
        &s,
        "What was the reply rate by campaign last month?",
    )
    .await;
    let r = results(&events, "analytics_query");
    assert_eq!(r.len(), 1, "{events:?}");
    assert_eq!(r[0]["ok"], true, "{:?}", r[0]);
    let rows = r[0]["value"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["key"], campaign.as_str());
    assert_eq!(row["name"], "Playbook");
    // The same figures as the campaign's funnel (all of its activity was last month).
    let (_, funnel) = t
        .get(&format!("/api/v1/campaigns/{campaign}/funnel"), &token)
        .await;
    assert_eq!(row["dm_sent"], funnel["dm_sent"], "{row} vs {funnel}");
    assert_eq!(row["replied"], funnel["replied"], "{row} vs {funnel}");
    assert_eq!(row["leads"], funnel["scraped"], "{row} vs {funnel}");
    let rate = row["value"].as_f64().unwrap();
    let expected = funnel["replied"].as_f64().unwrap() / funnel["dm_sent"].as_f64().unwrap();
    assert!((rate - expected).abs() < 1e-12, "{rate} vs {expected}");
    assert!(
        (row["cost_usd"].as_f64().unwrap() - funnel["cost_usd"].as_f64().unwrap()).abs() < 1e-9
    );

    // Per post: the watched post the leads commented on, named by its LinkedIn id (it has no
    // text here), with the funnel's figures.
    fake.push_tool_calls(vec![(
        "analytics_query",
        json!({"metric": "replied", "group_by": "post", "period": "last_month"}),
    )]);
    fake.push_text("By post, as shown.");
    let events = chat(&t, &token, &s, "Which post brought the replies last month?").await;
    let r = results(&events, "analytics_query");
    assert_eq!(r[0]["ok"], true, "{:?}", r[0]);
    let rows = r[0]["value"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let post = &rows[0];
    assert!(
        uuid::Uuid::parse_str(post["key"].as_str().unwrap()).is_ok(),
        "{post}"
    );
    assert_eq!(post["name"], "sandbox-playbook-post");
    for (figure, of_funnel) in [
        ("dm_sent", "dm_sent"),
        ("replied", "replied"),
        ("leads", "scraped"),
    ] {
        assert_eq!(
            post[figure], funnel[of_funnel],
            "{figure}: {post} vs {funnel}"
        );
    }
    assert_eq!(post["value"], funnel["replied"].as_f64().unwrap());

    // Per day, the dashboard's own daily figures; this month has nothing yet.
    fake.push_tool_calls(vec![
        (
            "analytics_query",
            json!({"metric": "dm_sent", "group_by": "day", "period": "last_month"}),
        ),
        (
            "analytics_query",
            json!({"metric": "reply_rate", "group_by": "campaign", "period": "this_month"}),
        ),
    ]);
    fake.push_text("Done.");
    let events = chat(
        &t,
        &token,
        &s,
        "DMs per day last month, and this month's reply rate by campaign?",
    )
    .await;
    let r = results(&events, "analytics_query");
    assert_eq!(r.len(), 2, "{events:?}");
    let per_day: u64 = r[0]["value"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dm_sent"].as_u64().unwrap())
        .sum();
    assert_eq!(per_day, dm_sent);
    assert_eq!(r[1]["value"]["rows"], json!([]));
}
