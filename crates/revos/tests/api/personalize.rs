//! Personalised DMs: a campaign with `personalize_dm` sends the model's version of its
//! template, written in the cartridge's voice, and falls back to the template when the model's
//! text loses the lead magnet's link; each model call is recorded with its cost.

use crate::both_backends;
use crate::campaign_fakes::{
    Wired, activated_campaign, cartridge_campaign, commented_workspace, unipile_settings, wired,
};
use crate::helpers::{Db, TestApp};
use revos_providers::fakes::openai::FakeOpenAi;
use revos_providers::fakes::unipile::FakeUnipile;

both_backends!(dms_are_personalised_in_the_cartridges_voice);

async fn dms_are_personalised_in_the_cartridges_voice(db: Db) {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&unipile)).await;
    let model = FakeOpenAi::start().await;
    let post = "7400000000000000042";
    let (token, tenant, account) = commented_workspace(
        &t,
        &unipile,
        post,
        ("ACo1", "Ana Lopez"),
        "ana@example.com",
        "Acme",
    )
    .await;
    let body = cartridge_campaign(&t, &token, account, post, true).await;
    let (campaign, _) = activated_campaign(&t, &token, body).await;

    let Wired {
        app,
        runner,
        client,
    } = wired(&t, &unipile, Some(&model));
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
