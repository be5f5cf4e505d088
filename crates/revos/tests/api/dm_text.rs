//! A DM's text and stage through the real provider path (issue 15, items 4 and 5): a
//! personalised DM whose send timed out after it took effect is reconciled by ids and sent
//! once, with the text generated once and stored; a lead who replied before its DM went out
//! stays `replied`; a personalised DM that says what nothing grounds is replaced by the
//! template, and the reason recorded.

use crate::both_backends;
use crate::campaign_fakes::{activated_campaign, cartridge_campaign, commented_workspace};
use crate::helpers::{Db, TestApp};
use crate::world::{deliver_message, run_workers, webhook_settings};
use reqwest::StatusCode;

use revos_domain::TenantId;
use revos_providers::HttpConfig;
use revos_providers::fakes::Fault;
use revos_providers::fakes::openai::FakeOpenAi;
use revos_providers::fakes::unipile::{FakeUnipile, Running};
use revos_providers::unipile::Unipile;
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(
    a_personalised_dm_whose_answer_was_lost_is_sent_once_with_its_stored_text,
    a_lead_who_replied_before_its_late_dm_stays_replied,
    an_ungrounded_personalised_dm_sends_the_template_and_says_why,
);

const SECRET: &str = "whsec-test-0123456789";
const POST: &str = "7400000000000000077";
const PERSONAL: &str = "Ana, thanks for the comment! Here is The Playbook: https://acme.io/p";

/// The app on the fake Unipile and model (clients time out after 500 ms), Ana's comment on
/// the watched post, and an active campaign on it.
struct World {
    t: TestApp,
    unipile: Running,
    model: FakeOpenAi,
    token: String,
    tenant: TenantId,
    campaign: Uuid,
}

async fn world(db: Db, personalize: bool) -> World {
    let unipile = FakeUnipile::start().await;
    let model = FakeOpenAi::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            llm: revos_app::llm::LlmSettings {
                url: Some(model.url().to_owned()),
                api_key: Some("sk-test".to_owned().into()),
                ..Default::default()
            },
            ..webhook_settings(&unipile, SECRET)
        },
    )
    .await;
    let (token, tenant, account) = commented_workspace(
        &t,
        &unipile,
        POST,
        ("ACo1", "Ana Lopez"),
        "dana@example.com",
        "Acme",
    )
    .await;
    let body = cartridge_campaign(&t, &token, account, POST, personalize).await;
    let (campaign, _) = activated_campaign(&t, &token, body).await;
    World {
        t,
        unipile,
        model,
        token,
        tenant,
        campaign,
    }
}

impl World {
    /// The monitor's pass over the watched post: Ana becomes a lead and her DM is queued.
    async fn monitor(&self) {
        let client = Unipile::new(HttpConfig::new(
            &self.unipile.base_url,
            "k".to_owned().into(),
        ));
        let report = self
            .t
            .app
            .monitor_campaign(self.tenant, self.campaign, &client)
            .await
            .unwrap();
        assert_eq!(report.new_leads, 1);
    }

    /// Runs the workers for an hour of the test's clock.
    async fn run_hour(&self) {
        run_workers(&self.t, chrono::Duration::hours(1)).await;
    }

    /// The campaign's only lead, as `GET /leads/{id}` shows it.
    async fn lead(&self) -> Value {
        let path = format!("/api/v1/leads?campaign_id={}", self.campaign);
        let (status, page) = self.t.get(&path, &self.token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let id = page["items"][0]["id"].as_str().unwrap().to_owned();
        let (status, lead) = self
            .t
            .get(&format!("/api/v1/leads/{id}"), &self.token)
            .await;
        assert_eq!(status, StatusCode::OK, "{lead}");
        lead
    }

    /// The model's DM rewrites asked for.
    fn rewrites_asked(&self) -> usize {
        self.model
            .requests()
            .iter()
            .filter(|r| {
                r["messages"][0]["content"]
                    .as_str()
                    .is_some_and(|s| s.contains("Rewrite the LinkedIn direct message"))
            })
            .count()
    }
}

fn stage(lead: &Value) -> &str {
    lead["campaigns"][0]["stage"].as_str().unwrap()
}

/// The outbound DMs of a lead's timeline: (status, text).
fn dms(lead: &Value) -> Vec<(String, String)> {
    lead["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["channel"] == "dm" && e["direction"] == "out")
        .map(|e| {
            (
                e["status"].as_str().unwrap().to_owned(),
                e["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn events<'a>(lead: &'a Value, kind: &str) -> Vec<&'a Value> {
    lead["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

/// The first send fails with a 500 (nothing sent); the second reaches LinkedIn and its
/// answer is lost. The next attempt finds our message in the chat by position after what the
/// chat held before the first attempt (no text compared) and records its id; the model was
/// asked once and every attempt sent the stored text.
async fn a_personalised_dm_whose_answer_was_lost_is_sent_once_with_its_stored_text(db: Db) {
    let w = world(db, true).await;
    w.model.push_text(PERSONAL);
    // A second answer, different, that a second generation would send.
    w.model
        .push_text("Ana, here is The Playbook again: https://acme.io/p");
    w.unipile.state.inject_on(
        "POST",
        "/chats",
        [Fault::ServerError, Fault::StallAfterEffect(3_000)],
    );
    w.monitor().await;
    w.run_hour().await;

    assert_eq!(w.unipile.state.sent_to("ACo1"), [PERSONAL], "sent once");
    let posts = w
        .unipile
        .state
        .requests()
        .into_iter()
        .filter(|(m, p)| m == "POST" && p == "/chats")
        .count();
    assert_eq!(
        posts, 2,
        "one failed send, one whose answer was lost; no third"
    );
    assert_eq!(w.rewrites_asked(), 1, "the text was generated once");
    let lead = w.lead().await;
    assert_eq!(dms(&lead), [("sent".to_owned(), PERSONAL.to_owned())]);
    assert_eq!(stage(&lead), "dm_sent");
    assert_eq!(events(&lead, "dm_sent").len(), 1);

    // The DM is recorded with the chat and the provider's id of the message that went out.
    let chats = w.unipile.state.chats();
    let (chat_id, chat) = chats.iter().find(|(_, c)| c.attendee == "ACo1").unwrap();
    let mut tx = w.t.store.begin_for(w.tenant).await.unwrap();
    let lead_id: Uuid = lead["id"].as_str().unwrap().parse().unwrap();
    let dm = revos_store::messages::dm(&mut tx, w.tenant, w.campaign, lead_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dm.provider_chat_id.as_deref(), Some(chat_id.as_str()));
    assert_eq!(
        dm.provider_message_id.as_deref(),
        Some(chat.messages[0].0.as_str())
    );
}

/// A realistic late DM: pacing holds Ana's DM job (the account sends minutes apart, within
/// hourly caps), and meanwhile Ana writes to the account herself; Unipile's webhook records
/// her reply. When the DM job runs, the DM goes out (she asked for the guide) and is recorded,
/// but the stage write is conditional on the domain's rule: she stays `replied`.
async fn a_lead_who_replied_before_its_late_dm_stays_replied(db: Db) {
    let w = world(db, false).await;
    w.monitor().await;
    assert_eq!(stage(&w.lead().await), "dm_queued");

    let text = "Hi Dana, could you send me the playbook?";
    let (chat, message) = w.unipile.state.message_from("ACo1", text);
    let report =
        deliver_message(&w.t, SECRET, (&chat, &message), ("ACo1", "Ana Lopez"), text).await;
    assert_eq!(report["recorded"], 1, "{report}");
    assert_eq!(stage(&w.lead().await), "replied");

    // The DM job runs late.
    w.run_hour().await;
    let ours: Vec<_> = w.unipile.state.chats()[&chat]
        .messages
        .iter()
        .filter(|m| m.2)
        .map(|m| m.1.clone())
        .collect();
    assert_eq!(ours, ["Hi Ana! Here is The Playbook: https://acme.io/p"]);
    let lead = w.lead().await;
    assert_eq!(dms(&lead)[0].0, "sent", "{lead}");
    assert_eq!(stage(&lead), "replied", "a late DM never hides a reply");
    assert_eq!(events(&lead, "dm_sent").len(), 1);
}

/// The model's version invents a statistic and a company: the template goes out instead, and
/// the lead's timeline says it was not personalised because of what was not grounded.
async fn an_ungrounded_personalised_dm_sends_the_template_and_says_why(db: Db) {
    let w = world(db, true).await;
    w.model
        .push_text("Ana, founders at Initech grew 40% with The Playbook: https://acme.io/p");
    w.monitor().await;
    w.run_hour().await;

    let template = "Hi Ana! Here is The Playbook: https://acme.io/p";
    assert_eq!(w.unipile.state.sent_to("ACo1"), [template]);
    assert_eq!(w.rewrites_asked(), 1);
    let lead = w.lead().await;
    assert_eq!(dms(&lead), [("sent".to_owned(), template.to_owned())]);
    let why = events(&lead, "dm_not_personalized");
    assert_eq!(why.len(), 1, "{lead}");
    assert_eq!(why[0]["data"]["reason"], "ungrounded", "{lead}");
    assert_eq!(
        why[0]["data"]["ungrounded"],
        json!(["40%", "Initech"]),
        "{lead}"
    );
}
