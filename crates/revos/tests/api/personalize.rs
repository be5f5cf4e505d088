//! Personalised DMs: a campaign with `personalize_dm` sends the model's version of its
//! template, written in the cartridge's voice, and falls back to the template when the model's
//! text loses the lead magnet's link; each model call is recorded with its cost.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge, unipile_account};
use revos_app::llm::LlmSettings;
use revos_app::providers::ProviderSettings;
use revos_domain::TenantId;
use revos_providers::HttpConfig;
use revos_providers::fakes::openai::FakeOpenAi;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_providers::unipile::Unipile;
use serde_json::json;
use uuid::Uuid;

both_backends!(dms_are_personalised_in_the_cartridges_voice);

async fn dms_are_personalised_in_the_cartridges_voice(db: Db) {
    let t = TestApp::spawn(db).await;
    let unipile = FakeUnipile::start().await;
    let model = FakeOpenAi::start().await;
    let post = "7400000000000000042";
    unipile.state.add_account("acc1", "Dana");
    unipile.state.add_post(post, "Comment GUIDE");
    unipile
        .state
        .add_comment(post, "ACo1", "Ana Lopez", "GUIDE please", true);
    unipile.state.connect("acc1", "ACo1");

    let (token, tenant, _) = t.signup("ana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let account = unipile_account(&t, tenant, (120, 900), 50).await;
    let (_, cart) = t
        .post(
            "/api/v1/cartridges",
            Some(&token),
            cartridge("Dana's voice"),
        )
        .await;
    let body = json!({
        "name": "Launch", "linkedin_account_id": account, "cartridge_id": cart["id"],
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [post], "personalize_dm": true,
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    let (status, c) = t.post("/api/v1/campaigns", Some(&token), body).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{c}");
    let campaign: Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);

    let app = t.app.clone().with_providers(ProviderSettings {
        unipile_url: Some(unipile.base_url.clone()),
        unipile_key: Some("instance-unipile-key".to_owned().into()),
        llm: LlmSettings {
            url: Some(model.url().to_owned()),
            api_key: Some("sk-test".to_owned().into()),
            ..Default::default()
        },
        ..Default::default()
    });
    let runner = revos_jobs::Runner::new(
        revos_workers::registry(&app),
        app.clone(),
        app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    );
    let client = Unipile::new(HttpConfig::new(&unipile.base_url, "k".to_owned().into()));
    let personal = "Ana, thanks for the comment! Here is The Playbook: https://acme.io/p";
    model.push_text(personal);
    app.monitor_campaign(tenant, campaign, &client)
        .await
        .unwrap();
    runner
        .run_simulated_until(&t.clock, t.app.now() + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(unipile.state.sent_to("ACo1"), [personal]);

    // The model saw the template, the person and the cartridge's voice.
    let chat = model
        .requests()
        .into_iter()
        .rfind(|r| r.get("messages").is_some())
        .unwrap();
    let system = chat["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("Keep every link exactly as written"),
        "{system}"
    );
    let user = chat["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains("Ana Lopez")
            && user.contains("Hi Ana! Here is The Playbook: https://acme.io/p"),
        "{user}"
    );

    // A version that drops the link is not sent: the template is.
    unipile
        .state
        .add_comment(post, "ACo2", "Ben Smith", "GUIDE", true);
    unipile.state.connect("acc1", "ACo2");
    model.push_text("Ben, great to meet you! Let me know if you want the guide.");
    app.monitor_campaign(tenant, campaign, &client)
        .await
        .unwrap();
    runner
        .run_simulated_until(&t.clock, t.app.now() + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        unipile.state.sent_to("ACo2"),
        ["Hi Ben! Here is The Playbook: https://acme.io/p"]
    );

    let (_, usage) = t.get("/api/v1/llm/usage", &token).await;
    let purposes: Vec<&str> = usage["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["purpose"].as_str().unwrap())
        .filter(|p| *p == "personalize_dm")
        .collect();
    assert_eq!(purposes.len(), 2, "{usage}");
}
