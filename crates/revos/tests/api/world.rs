//! Steps many scenarios take the same way: running every worker on the simulated clock, and
//! a LinkedIn message delivered by Unipile's `message_received` webhook (api-notes §1.4) to
//! the fake account `acc1`.

use crate::campaign_fakes::unipile_settings;
use crate::helpers::TestApp;
use reqwest::StatusCode;
use revos_app::providers::ProviderSettings;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_providers::fakes::unipile::Running;
use serde_json::{Value, json};

/// The instance's provider settings with `unipile` as its Unipile, its webhook deliveries
/// authenticated by `secret`, and calls timing out after 500 ms (the fault scenarios stall).
pub fn webhook_settings(unipile: &Running, secret: &str) -> ProviderSettings {
    ProviderSettings {
        webhook_secret: Some(secret.to_owned().into()),
        timeout: std::time::Duration::from_millis(500),
        ..unipile_settings(unipile)
    }
}

/// Runs every worker of `t`'s app for `span` of its simulated clock.
pub async fn run_workers(t: &TestApp, span: chrono::Duration) {
    let app = &t.app;
    let runner = revos_jobs::Runner::new(
        revos_workers::registry(app),
        app.clone(),
        app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    );
    runner
        .run_simulated_until(&t.clock, app.now() + span)
        .await
        .unwrap();
}

/// Unipile's `message_received` delivery to account `acc1` of message `message` in `chat`,
/// written by `sender` (member id, name).
pub fn message_received(chat: &str, message: &str, sender: (&str, &str), text: &str) -> Value {
    let (id, name) = sender;
    json!({
        "account_id": "acc1", "account_type": "LINKEDIN",
        "account_info": {"type": "LINKEDIN", "feature": "classic", "user_id": FakeUnipile::owner_id("acc1")},
        "event": "message_received", "chat_id": chat, "timestamp": "2026-11-25T10:00:00.000Z",
        "webhook_name": "revos", "message_id": message, "message": text,
        "sender": {"attendee_id": format!("att-{id}"), "attendee_name": name, "attendee_provider_id": id,
                   "attendee_profile_url": format!("https://www.linkedin.com/in/{id}/")},
        "attendees": [], "attachments": []
    })
}

/// POSTs `body` to the Unipile webhook with the `Unipile-Auth` header `secret`; the status
/// and the JSON answer (null when it is not JSON).
pub async fn unipile_webhook(t: &TestApp, secret: &str, body: &Value) -> (StatusCode, Value) {
    let resp = t
        .http
        .post(format!("{}/api/v1/webhooks/unipile", t.base))
        .header("content-type", "application/json")
        .header("Unipile-Auth", secret)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Delivers `sender`'s message `text` in `chat` with `secret` and expects it taken (200);
/// the app's report.
pub async fn deliver_message(
    t: &TestApp,
    secret: &str,
    (chat, message): (&str, &str),
    sender: (&str, &str),
    text: &str,
) -> Value {
    let body = message_received(chat, message, sender, text);
    let (status, report) = unipile_webhook(t, secret, &body).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}
