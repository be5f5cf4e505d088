//! The one inbox (issue 18, item 3) through the API, against the fake Unipile server: a lead's
//! DM and reply make a conversation (open, unread), listed and filtered; opening it syncs
//! the thread from Unipile's `GET /chats/{chat_id}/messages` and marks it read; an answer is
//! sent through `POST /chats/{chat_id}/messages` once per idempotency key, paced after the
//! account's DM, and recorded in the lead's timeline; triage sets state and assignee (a
//! member only); another workspace sees none of it. An answer whose send timed out after it
//! took effect is retried and still sent once.

use crate::both_backends;
use crate::campaign_fakes::{activated_campaign, cartridge_campaign, commented_workspace};
use crate::helpers::{Db, TestApp};
use crate::world::{deliver_message, run_workers, webhook_settings};
use reqwest::StatusCode;

use revos_domain::Clock;
use revos_providers::HttpConfig;
use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::{FakeUnipile, Running};
use revos_providers::unipile::Unipile;
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(
    the_inbox_lists_opens_answers_and_triages_a_conversation,
    an_inbox_answer_retried_after_a_timeout_that_took_effect_is_sent_once,
);

const SECRET: &str = "whsec-test-0123456789";
const POST: &str = "7400000000000000181";
const REPLY: &str = "Thanks! Does it cover pricing pages?";
const ANSWER: &str = "It does, chapter 3. Happy to walk you through it.";

/// The app on the fake Unipile (clients time out after 500 ms, arrivals stamped with the
/// test's clock), Ana's DM sent by the campaign and her reply delivered by the webhook.
struct World {
    t: TestApp,
    unipile: Running,
    token: String,
    user: String,
    account: Uuid,
    campaign: Uuid,
    chat: String,
}

async fn world(db: Db) -> World {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, webhook_settings(&unipile, SECRET)).await;
    // Tomorrow at 08:00 UTC, so the two hours this test runs stay within one day of the
    // account's calendar (its `sent_today` counts from midnight).
    let morning = (t.app.now().date_naive() + chrono::Days::new(1))
        .and_hms_opt(8, 0, 0)
        .expect("a time of day")
        .and_utc();
    t.clock.advance_to(morning);
    let clock = t.clock.clone();
    unipile.state.set_clock(move || clock.now());
    let (token, tenant, account) = commented_workspace(
        &t,
        &unipile,
        POST,
        ("ACo1", "Ana Lopez"),
        "dana@example.com",
        "Acme",
    )
    .await;
    let (_, me) = t.get("/api/v1/me", &token).await;
    let user = me["user_id"].as_str().expect("the caller's id").to_owned();
    let body = cartridge_campaign(&t, &token, account, POST, false).await;
    let (campaign, _) = activated_campaign(&t, &token, body).await;
    let client = Unipile::new(HttpConfig::new(&unipile.base_url, "k".to_owned().into()));
    let report = t
        .app
        .monitor_campaign(tenant, campaign, &client)
        .await
        .unwrap();
    assert_eq!(report.new_leads, 1);
    let mut w = World {
        t,
        unipile,
        token,
        user,
        account,
        campaign,
        chat: String::new(),
    };
    w.run_hour().await;
    let (chat, message) = w.unipile.state.reply_from("ACo1", REPLY).expect("a chat");
    w.chat = chat.clone();
    deliver_message(
        &w.t,
        SECRET,
        (&chat, &message),
        ("ACo1", "Ana Lopez"),
        REPLY,
    )
    .await;
    w
}

impl World {
    /// Runs the workers for an hour of the test's clock.
    async fn run_hour(&self) {
        run_workers(&self.t, chrono::Duration::hours(1)).await;
    }

    /// The workspace's inbox with the query `q`.
    async fn inbox(&self, q: &str) -> (StatusCode, Value) {
        self.t.get(&format!("/api/v1/inbox{q}"), &self.token).await
    }

    /// The only conversation's id.
    async fn conversation(&self) -> String {
        let (status, page) = self.inbox("").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
        page["items"][0]["id"].as_str().unwrap().to_owned()
    }

    /// The texts the account sent in Ana's chat, at the fake.
    fn ours(&self) -> Vec<String> {
        self.unipile.state.chats()[&self.chat]
            .messages
            .iter()
            .filter(|m| m.2)
            .map(|m| m.1.clone())
            .collect()
    }

    /// When the fake received each request `method path`, in order.
    fn arrivals(&self, method: &str, path: &str) -> Vec<chrono::DateTime<chrono::Utc>> {
        self.unipile
            .state
            .arrivals()
            .into_iter()
            .filter(|a| a.method == method && a.path == path)
            .map(|a| a.at)
            .collect()
    }

    /// Ana's lead, as `GET /leads/{id}` shows it.
    async fn lead(&self) -> Value {
        let path = format!("/api/v1/leads?campaign_id={}", self.campaign);
        let (_, page) = self.t.get(&path, &self.token).await;
        let id = page["items"][0]["id"].as_str().unwrap().to_owned();
        self.t
            .get(&format!("/api/v1/leads/{id}"), &self.token)
            .await
            .1
    }
}

async fn the_inbox_lists_opens_answers_and_triages_a_conversation(db: Db) {
    let w = world(db).await;

    // Ana's reply opened her conversation, unread, with its lead, campaign, client and account.
    let (status, page) = w.inbox("").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let c = &page["items"][0];
    assert_eq!(c["lead_name"], "Ana Lopez", "{page}");
    assert_eq!(c["campaign_name"], "Launch");
    assert_eq!(c["client_name"], "Dana's voice");
    assert_eq!(c["account_id"], w.account.to_string());
    assert_eq!(c["state"], "open");
    assert_eq!(c["unread"], true);
    assert_eq!(c["last_message"], REPLY);
    let id = w.conversation().await;
    let client = c["client_id"].as_str().unwrap().to_owned();

    // Each filter narrows the list; a wrong value names its parameter.
    for (q, n) in [
        ("?state=open".to_owned(), 1),
        ("?state=waiting".to_owned(), 0),
        (format!("?account_id={}", w.account), 1),
        (format!("?campaign_id={}", w.campaign), 1),
        (format!("?campaign_id={}", Uuid::now_v7()), 0),
        (format!("?client_id={client}&state=open"), 1),
    ] {
        let (status, page) = w.inbox(&q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {page}");
        assert_eq!(page["items"].as_array().unwrap().len(), n, "{q}: {page}");
    }
    let (status, err) = w.inbox("?state=closed").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "state", "{err}");
    let (status, err) = w.inbox("?account_id=nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "account_id", "{err}");

    // Opening it reads the whole thread from the chat (our DM, her reply) and marks it read.
    let (status, detail) = w.t.get(&format!("/api/v1/inbox/{id}"), &w.token).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["synced"], true);
    let thread: Vec<(&str, &str)> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["direction"].as_str().unwrap(),
                m["body"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        thread,
        [
            ("out", "Hi Ana! Here is The Playbook: https://acme.io/p"),
            ("in", REPLY)
        ],
        "{detail}"
    );
    assert!(
        !w.arrivals("GET", &format!("/chats/{}/messages", w.chat))
            .is_empty()
    );
    assert_eq!(w.inbox("").await.1["items"][0]["unread"], false);

    // An answer submitted twice with one key is recorded once, then sent once, paced after
    // the account's DM (its minimum gap is two minutes).
    let path = format!("/api/v1/inbox/{id}/messages");
    let body = json!({"text": ANSWER, "idempotency_key": "form-1"});
    let (status, first) = w.t.post(&path, Some(&w.token), body.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["status"], "queued");
    let (status, again) = w.t.post(&path, Some(&w.token), body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["id"], first["id"], "one answer per key");
    let (status, err) =
        w.t.post(&path, Some(&w.token), json!({"text": "   "}))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "text", "{err}");
    w.run_hour().await;
    assert_eq!(
        w.ours(),
        ["Hi Ana! Here is The Playbook: https://acme.io/p", ANSWER],
        "the answer went out once"
    );
    let dm = w.arrivals("POST", "/chats");
    let answers = w.arrivals("POST", &format!("/chats/{}/messages", w.chat));
    assert_eq!((dm.len(), answers.len()), (1, 1));
    assert!(
        answers[0] - dm[0] >= chrono::Duration::seconds(120),
        "paced: {:?} after the DM",
        answers[0] - dm[0]
    );
    let (_, acct) =
        w.t.get(
            &format!("/api/v1/linkedin-accounts/{}", w.account),
            &w.token,
        )
        .await;
    assert_eq!(acct["effective_limits"]["dm"]["sent_today"], 2, "{acct}");
    let (_, page) = w.inbox("").await;
    assert_eq!(page["items"][0]["state"], "waiting", "{page}");
    assert_eq!(page["items"][0]["last_message"], ANSWER);
    let lead = w.lead().await;
    let answered: Vec<&Value> = lead["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "inbox_answer_sent")
        .collect();
    assert_eq!(answered.len(), 1, "{lead}");
    assert_eq!(answered[0]["data"]["text"], ANSWER);
    let (_, detail) = w.t.get(&format!("/api/v1/inbox/{id}"), &w.token).await;
    let sent: Vec<&Value> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["body"] == ANSWER)
        .collect();
    assert_eq!(sent.len(), 1, "kept once: {detail}");
    assert_eq!(sent[0]["status"], "sent");

    // Triage: handled and assigned to a member; a stranger or an unknown state is refused.
    let patch = |body: Value| {
        let t = &w.t;
        let path = format!("{}/api/v1/inbox/{id}", t.base);
        let token = w.token.clone();
        async move {
            let resp = t
                .http
                .patch(path)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, c) = patch(json!({"state": "handled", "assignee_id": w.user})).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["state"], "handled");
    assert_eq!(c["assignee_email"], "dana@example.com");
    let (status, err) = patch(json!({"assignee_id": Uuid::now_v7()})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "assignee_id");
    let (status, err) = patch(json!({"state": "closed"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(
        w.inbox("?state=handled").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Another workspace sees none of it: an empty inbox, and 404 for this conversation.
    let (other, _, _) = w.t.signup("eve@example.com", "Other").await;
    let (status, page) = w.t.get("/api/v1/inbox", &other).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 0, "{page}");
    let (status, _) = w.t.get(&format!("/api/v1/inbox/{id}"), &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        w.t.post(&path, Some(&other), json!({"text": "hijack"}))
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let resp =
        w.t.http
            .patch(format!("{}/api/v1/inbox/{id}", w.t.base))
            .bearer_auth(&other)
            .json(&json!({"state": "open"}))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(w.ours().len(), 2, "nothing more was sent");
}

async fn an_inbox_answer_retried_after_a_timeout_that_took_effect_is_sent_once(db: Db) {
    let w = world(db).await;
    let id = w.conversation().await;
    // The send reaches LinkedIn, then its answer never comes back in time.
    w.unipile.state.inject_on(
        "POST",
        &format!("/chats/{}/messages", w.chat),
        [Fault::StallAfterEffect(3_000)],
    );
    let (status, answer) =
        w.t.post(
            &format!("/api/v1/inbox/{id}/messages"),
            Some(&w.token),
            json!({"text": ANSWER, "idempotency_key": "k1"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    w.run_hour().await;
    assert_eq!(
        w.ours().iter().filter(|t| t.as_str() == ANSWER).count(),
        1,
        "sent once"
    );
    assert_eq!(
        w.arrivals("POST", &format!("/chats/{}/messages", w.chat))
            .len(),
        1,
        "the retry found it in the chat and sent nothing"
    );
    let (_, detail) = w.t.get(&format!("/api/v1/inbox/{id}"), &w.token).await;
    let kept: Vec<&Value> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["body"] == ANSWER)
        .collect();
    assert_eq!(kept.len(), 1, "{detail}");
    assert_eq!(kept[0]["status"], "sent", "{detail}");
    assert_eq!(detail["state"], "waiting", "{detail}");
}
