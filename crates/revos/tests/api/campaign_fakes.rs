//! A workspace whose campaign watches a post on the fake Unipile server, and the app wired to
//! the fake providers as the instance's own: the set-up of the tests that follow a comment to
//! a sent DM (personalised DMs, the pipeline, and the hostile prompt and template tests).

use crate::helpers::{TestApp, cartridge, unipile_account};
use reqwest::StatusCode;
use revos_app::App;
use revos_app::llm::LlmSettings;
use revos_app::providers::ProviderSettings;
use revos_domain::TenantId;
use revos_providers::unipile::Unipile;
use revos_test_support::fakes::openai::FakeOpenAi;
use revos_test_support::fakes::unipile::Running;
use revos_test_support::fakes::{
    FAKE_LLM_KEY, INSTANCE_UNIPILE_KEY, commented_post, unipile_client,
};
use serde_json::{Value, json};
use uuid::Uuid;

/// The instance's provider settings with `unipile` as its Unipile: a test server spawned with
/// them connects the fake's accounts through the API.
pub fn unipile_settings(unipile: &Running) -> ProviderSettings {
    ProviderSettings {
        unipile_url: Some(unipile.base_url.clone()),
        unipile_key: Some(INSTANCE_UNIPILE_KEY.to_owned().into()),
        ..Default::default()
    }
}

/// Gives the fake account `acc1` ("Dana") the watched `post`, on which `lead` (provider id,
/// name) commented "GUIDE please" and is connected to `acc1`; signs up `email` with the
/// workspace `workspace` and connects that account to it through the API (`t` must be
/// spawned with [`unipile_settings`]), sending two to fifteen minutes apart, 50 an hour.
/// Returns the session token, the tenant and the account's id.
pub async fn commented_workspace(
    t: &TestApp,
    unipile: &Running,
    post: &str,
    lead: (&str, &str),
    email: &str,
    workspace: &str,
) -> (String, TenantId, Uuid) {
    commented_post(unipile, post, lead);
    let (token, tenant, _) = t.signup(email, workspace).await;
    let tenant = TenantId(tenant.parse().unwrap());
    let account = unipile_account(t, &token, (120, 900), 50).await;
    (token, tenant, account)
}

/// The body of a campaign on `account` watching `post`, with a new cartridge of `token`'s
/// workspace (Dana's voice), a DM template naming the lead magnet and its link, and
/// `personalize_dm` as given.
pub async fn cartridge_campaign(
    t: &TestApp,
    token: &str,
    account: Uuid,
    post: &str,
    personalize: bool,
) -> Value {
    let (_, cart) = t
        .post("/api/v1/cartridges", Some(token), cartridge("Dana's voice"))
        .await;
    json!({
        "name": "Launch", "linkedin_account_id": account, "cartridge_id": cart["id"],
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [post], "personalize_dm": personalize,
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    })
}

/// Creates the campaign `body` in `token`'s workspace and activates it; returns its id and
/// the created campaign.
pub async fn activated_campaign(t: &TestApp, token: &str, body: Value) -> (Uuid, Value) {
    let (status, c) = t.post("/api/v1/campaigns", Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let campaign: Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    (campaign, c)
}

/// `t`'s app with the fake providers as the instance's own, a job runner on it, and a Unipile
/// client for polling the watched posts.
pub struct Wired {
    /// The app, calling the fake Unipile server (and the fake model, when given).
    pub app: App,
    /// Runs the app's jobs on the test's clock.
    pub runner: revos_jobs::Runner<App>,
    /// A client of the fake Unipile server.
    pub client: Unipile,
}

/// Wires `t`'s app to `unipile` with the instance's key, and to `model` when given.
pub fn wired(t: &TestApp, unipile: &Running, model: Option<&FakeOpenAi>) -> Wired {
    let app = t.app.clone().with_providers(ProviderSettings {
        llm: model.map_or_else(LlmSettings::default, |model| LlmSettings {
            url: Some(model.url().to_owned()),
            api_key: Some(FAKE_LLM_KEY.to_owned().into()),
            ..Default::default()
        }),
        ..unipile_settings(unipile)
    });
    let runner = revos_jobs::Runner::new(
        revos_workers::registry(&app),
        app.clone(),
        app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    );
    let client = unipile_client(unipile);
    Wired {
        app,
        runner,
        client,
    }
}
