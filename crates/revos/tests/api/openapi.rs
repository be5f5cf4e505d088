//! The OpenAPI document is generated from the code and describes every route.

use crate::helpers::{Db, TestApp};

#[tokio::test]
async fn openapi_3_1_lists_every_route_with_the_error_schema() {
    let t = TestApp::spawn(Db::Sqlite).await;
    let resp = t
        .http
        .get(format!("{}/api/v1/openapi.json", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/api/v1/auth/signup", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/api-keys", "post"),
        ("/api/v1/api-keys", "get"),
        ("/api/v1/api-keys/{id}", "delete"),
        ("/api/v1/members", "get"),
        ("/api/v1/members/{user_id}", "patch"),
        ("/api/v1/members/{user_id}", "delete"),
        ("/api/v1/invitations", "post"),
        ("/api/v1/invitations", "get"),
        ("/api/v1/invitations/{id}", "delete"),
        ("/api/v1/invitations/accept", "post"),
        ("/api/v1/secrets", "get"),
        ("/api/v1/secrets/{name}", "put"),
        ("/api/v1/secrets/{name}", "delete"),
        ("/api/v1/cartridges", "post"),
        ("/api/v1/cartridges", "get"),
        ("/api/v1/cartridges/{id}", "get"),
        ("/api/v1/cartridges/{id}", "put"),
        ("/api/v1/cartridges/{id}", "patch"),
        ("/api/v1/cartridges/{id}", "delete"),
        ("/api/v1/cartridges/{id}/versions", "get"),
        ("/api/v1/leads", "get"),
        ("/api/v1/leads/export.csv", "get"),
        ("/api/v1/leads/{id}", "get"),
        ("/api/v1/campaigns/{id}/leads", "get"),
        ("/api/v1/campaigns/{id}/funnel", "get"),
        ("/api/v1/campaigns/{id}/steps", "get"),
        ("/api/v1/do-not-contact", "get"),
        ("/api/v1/do-not-contact", "post"),
        ("/api/v1/do-not-contact/{lead_id}", "delete"),
        ("/api/v1/webhooks", "get"),
        ("/api/v1/webhooks/rotate", "post"),
        ("/api/v1/webhooks/unipile", "post"),
        ("/api/v1/webhooks/unipile/{token}", "post"),
        ("/api/v1/webhooks/instantly/{token}", "post"),
        ("/api/v1/webhooks/smartlead/{token}", "post"),
        ("/m/{token}", "get"),
        ("/api/v1/first-run", "get"),
        ("/api/v1/sandbox/trial", "post"),
        ("/api/v1/linkedin-accounts/{id}/reconnect-link", "post"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/unread", "get"),
        ("/api/v1/notifications/read", "post"),
        ("/api/v1/notifications/preferences", "get"),
        ("/api/v1/notifications/preferences", "put"),
        ("/api/v1/notifications/slack", "put"),
        ("/api/v1/notifications/slack", "delete"),
        ("/api/v1/webhook-endpoints", "post"),
        ("/api/v1/webhook-endpoints", "get"),
        ("/api/v1/webhook-endpoints/{id}", "get"),
        ("/api/v1/webhook-endpoints/{id}", "patch"),
        ("/api/v1/webhook-endpoints/{id}", "delete"),
        ("/api/v1/webhook-endpoints/{id}/rotate-secret", "post"),
        ("/api/v1/webhook-endpoints/{id}/deliveries", "get"),
        (
            "/api/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver",
            "post",
        ),
    ];
    for (path, method) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the document"
        );
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "ErrorBody",
        "CartridgeSpec",
        "Cartridge",
        "SecretSummary",
        "WritingStyle",
        "Lead",
        "LeadDetail",
        "TimelineEntry",
        "Funnel",
        "SequenceStats",
        "SequenceStep",
        "DoNotContactRequest",
        "WebhookUrl",
        "WebhookProvider",
        "WebhookPayload",
        "WebhookDelivery",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // The vocabulary level's bounds come from the type (u8); its 1..10 rule is in the description.
    assert!(schemas["WritingStyle"]["properties"]["vocabulary_level"].is_object());

    // Every operation declares the error answers the shared extractors and layers can give,
    // with the error schema; path ids are UUIDs.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let mut expected = vec!["400", "408", "500"];
            if op.get("security").is_some() {
                expected.push("401");
            }
            if op.get("requestBody").is_some() {
                expected.extend(["413", "415", "422"]);
            }
            for status in expected {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not declare {status}"
                );
            }
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap();
                if param["in"] == "path" && (name == "id" || name.ends_with("_id")) {
                    assert_eq!(param["schema"]["format"], "uuid", "{method} {path} {name}");
                }
            }
        }
    }
    assert_eq!(
        doc["components"]["responses"]["BadRequest"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    // A campaign is its (strict) spec plus its own fields: the answer's schema allows both.
    let campaign = serde_json::to_string(&schemas["Campaign"]).unwrap();
    assert!(
        !campaign.contains("#/components/schemas/CampaignSpec"),
        "{campaign}"
    );
}
