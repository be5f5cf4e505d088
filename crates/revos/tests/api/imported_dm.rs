//! A lead imported from a profile URL reaches the real provider path (issue 21, item 4):
//! the CSV gives LinkedIn's public identifier (`jane-roe`), but Unipile starts a chat only
//! with a member id (`attendees_ids`, `ACo…`; api-notes §1.3). The DM job looks the member id
//! up once with `GET /users/{identifier}`, records it on the lead, and sends; her reply
//! (which names her by member id) moves her to replied. A member id in the URL keeps its
//! case and needs no lookup. Ana, who commented and is also in the file under her public
//! identifier, gets one DM, not two.

use crate::both_backends;
use crate::campaign_fakes::{activated_campaign, cartridge_campaign, commented_workspace};
use crate::helpers::{Db, TestApp};
use crate::lead_import::import;
use crate::world::{deliver_message, run_workers, webhook_settings};
use reqwest::StatusCode;
use revos_domain::Clock;
use revos_providers::HttpConfig;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_providers::unipile::Unipile;
use serde_json::Value;

both_backends!(an_imported_lead_is_dmed_by_member_id_and_her_reply_counts);

const SECRET: &str = "whsec-test-0123456789";
const POST: &str = "7400000000000000733";

async fn an_imported_lead_is_dmed_by_member_id_and_her_reply_counts(db: Db) {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, webhook_settings(&unipile, SECRET)).await;
    let clock = t.clock.clone();
    unipile.state.set_clock(move || clock.now());
    let (token, tenant, account) = commented_workspace(
        &t,
        &unipile,
        POST,
        ("ACoAna1", "Ana Lopez"),
        "dana@example.com",
        "Acme",
    )
    .await;
    // Jane is known to LinkedIn by both ids; Max's URL already carries his member id.
    unipile
        .state
        .add_person("ACoJaneRoe9", "jane-roe", "Jane Roe");
    unipile.state.connect("acc1", "ACoJaneRoe9");
    unipile.state.add_person("ACoMaxQ2", "max-q", "Max Quill");
    unipile.state.connect("acc1", "ACoMaxQ2");
    unipile
        .state
        .add_person("ACoAna1", "ana-lopez", "Ana Lopez");
    unipile.state.connect("acc1", "ACoAna1");
    let body = cartridge_campaign(&t, &token, account, POST, false).await;
    let (campaign, _) = activated_campaign(&t, &token, body).await;
    // Ana commented: a lead of the campaign by her member id.
    let client = Unipile::new(HttpConfig::new(&unipile.base_url, "k".to_owned().into()));
    let report = t
        .app
        .monitor_campaign(tenant, campaign, &client)
        .await
        .unwrap();
    assert_eq!(report.new_leads, 1);

    let csv = "name,linkedin_url\nJane Roe,https://www.linkedin.com/in/Jane-Roe/\n\
               Max Quill,linkedin.com/in/ACoMaxQ2\nAna L.,linkedin.com/in/ana-lopez\n";
    let (status, report) = import(&t, &token, campaign, csv, None, false).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    run_workers(&t, chrono::Duration::hours(2)).await;

    let jane = unipile.state.sent_to("ACoJaneRoe9");
    assert_eq!(jane.len(), 1, "one DM, to her member id: {jane:?}");
    assert!(jane[0].starts_with("Hi Jane!"), "{jane:?}");
    assert_eq!(unipile.state.sent_to("ACoMaxQ2").len(), 1);
    assert!(unipile.state.sent_to("jane-roe").is_empty());
    let lookups = |id: &str| {
        unipile
            .state
            .arrivals()
            .iter()
            .filter(|a| a.method == "GET" && a.path == format!("/users/{id}"))
            .count()
    };
    assert_eq!(lookups("jane-roe"), 1, "looked up once");
    assert_eq!(lookups("acomaxq2"), 0, "a member id is not lower-cased");

    let leads = leads_of(&t, &token, campaign).await;
    let jane_lead = leads
        .iter()
        .find(|l| l["name"] == "Jane Roe")
        .unwrap_or_else(|| panic!("{leads:?}"));
    assert_eq!(jane_lead["provider_id"], "ACoJaneRoe9", "recorded");
    assert_eq!(jane_lead["stage"], "dm_sent", "{jane_lead}");
    assert!(leads.iter().any(|l| l["provider_id"] == "ACoMaxQ2"));

    // Ana twice (her comment, the file): one DM; the imported twin says why it got none.
    assert_eq!(unipile.state.sent_to("ACoAna1").len(), 1, "{leads:?}");
    let twin = leads
        .iter()
        .find(|l| l["name"] == "Ana L.")
        .unwrap_or_else(|| panic!("{leads:?}"));
    assert_eq!(twin["provider_id"], "ana-lopez", "{twin}");
    let (_, detail) = t
        .get(
            &format!("/api/v1/leads/{}", twin["id"].as_str().unwrap()),
            &token,
        )
        .await;
    let skipped = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "dm_skipped")
        .unwrap_or_else(|| panic!("{detail}"));
    assert_eq!(skipped["data"]["reason"], "same_person", "{detail}");

    // Her reply names her by member id, in the chat of the DM.
    let (chat, message) = unipile
        .state
        .reply_from("ACoJaneRoe9", "Thanks, reading it now")
        .expect("a chat");
    deliver_message(
        &t,
        SECRET,
        (&chat, &message),
        ("ACoJaneRoe9", "Jane Roe"),
        "Thanks, reading it now",
    )
    .await;
    let leads = leads_of(&t, &token, campaign).await;
    let jane_lead = leads.iter().find(|l| l["name"] == "Jane Roe").unwrap();
    assert_eq!(jane_lead["stage"], "replied", "{jane_lead}");
}

/// The leads of `campaign`.
async fn leads_of(t: &TestApp, token: &str, campaign: uuid::Uuid) -> Vec<Value> {
    let (status, page) = t
        .get(&format!("/api/v1/leads?campaign_id={campaign}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}
