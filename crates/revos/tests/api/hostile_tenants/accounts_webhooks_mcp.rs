//! An attacking second workspace against the first (issue 14, items 4 to 6): it cannot attach
//! the victim's Unipile account, its webhook URLs never reach the victim's leads or accounts,
//! a wrong or rotated webhook token changes nothing, and its cartridges can name only the MCP
//! servers the operator declared for it. Every attack fails and the victim is unchanged.

use crate::both_backends;
use crate::helpers::{Db, TestApp, TestDb, cartridge, error_fields};
use reqwest::StatusCode;
use revos_agents::mcp::clients::McpClients;
use revos_agents::tools::ToolRegistry;
use revos_app::providers::ProviderSettings;
use revos_domain::TenantId;
use revos_domain::mcp_servers::{McpServer, McpTransport};
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};

both_backends!(
    hooks_attacker_cannot_attach_the_victims_unipile_account,
    hooks_email_replies_stay_in_the_workspace_of_their_url,
    hooks_cartridges_name_only_servers_declared_for_their_workspace,
    hooks_an_upgrade_keeps_each_account_with_its_oldest_workspace,
);

const HOOKS_POST: &str = "7400000000000000999";

/// Signs up a workspace; returns (token, tenant).
async fn hooks_signup(t: &TestApp, email: &str, name: &str) -> (String, TenantId) {
    let (token, tenant, _) = t.signup(email, name).await;
    (token, TenantId(tenant.parse().unwrap()))
}

/// A server whose instance Unipile key reaches a fake Unipile that knows `acc1`.
async fn hooks_world(db: Db) -> (TestApp, revos_providers::fakes::unipile::Running) {
    let unipile = FakeUnipile::start().await;
    unipile.state.add_account("acc1", "Dana");
    let t = TestApp::spawn_providers(
        db,
        ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            webhook_secret: Some("whsec-hooks-0123456789".to_owned().into()),
            public_url: Some("https://revos.example".into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    (t, unipile)
}

/// The path of the workspace's webhook URL for `provider`.
async fn hooks_url(t: &TestApp, token: &str, provider: &str) -> String {
    let (status, hooks) = t.get("/api/v1/webhooks", token).await;
    assert_eq!(status, StatusCode::OK, "{hooks}");
    let url = hooks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["provider"] == provider)
        .unwrap_or_else(|| panic!("no {provider} URL in {hooks}"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        url.starts_with("https://revos.example/api/v1/webhooks/"),
        "{url}"
    );
    url.strip_prefix("https://revos.example")
        .unwrap()
        .to_owned()
}

/// Posts a raw webhook body; returns the status and the JSON answer.
async fn hooks_deliver(t: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
    let resp = t
        .http
        .post(format!("{}{path}", t.base))
        .json(body)
        .send()
        .await
        .unwrap();
    crate::helpers::parse(resp).await
}

async fn hooks_attacker_cannot_attach_the_victims_unipile_account(db: Db) {
    let (t, unipile) = hooks_world(db).await;
    let (victim, _) = hooks_signup(&t, "dana@victim.io", "Victim Corp").await;
    let (status, account) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&victim),
            json!({"provider": "unipile", "account_id": "acc1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let (_, victim_accounts) = t.get("/api/v1/linkedin-accounts", &victim).await;

    // The attacker read the id (any member of the victim can) and tries to attach it.
    let (attacker, _) = hooks_signup(&t, "eve@attacker.io", "Attacker").await;
    let (status, err) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&attacker),
            json!({"provider": "unipile", "account_id": "acc1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(
        err["error"]["message"],
        revos_app::accounts::ATTACHED_ELSEWHERE
    );
    let text = err.to_string();
    for secret in ["Victim", "victim", account["id"].as_str().unwrap()] {
        assert!(
            !text.contains(secret),
            "the answer reveals {secret}: {text}"
        );
    }

    // Through a hosted-auth link of the attacker's, Unipile's notice names acc1: refused too.
    let (status, link) = t
        .post(
            "/api/v1/linkedin-accounts/hosted-link",
            Some(&attacker),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let name = link["url"].as_str().unwrap().split("name=").nth(1).unwrap();
    let notice = json!({"status": "CREATION_SUCCESS", "account_id": "acc1", "name": name});
    let (status, err) = hooks_deliver(&t, "/api/v1/webhooks/unipile/hosted", &notice).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(
        err["error"]["message"],
        revos_app::accounts::ATTACHED_ELSEWHERE
    );

    // The attacker holds no account, cannot read the victim's, and so publishes nothing.
    let (_, mine) = t.get("/api/v1/linkedin-accounts", &attacker).await;
    assert_eq!(mine["items"], json!([]));
    let victim_account = format!(
        "/api/v1/linkedin-accounts/{}",
        account["id"].as_str().unwrap()
    );
    let (status, _) = t.get(&victim_account, &attacker).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(unipile.state.created_posts().is_empty());

    // Account-status events sent to the attacker's own Unipile URL do not reach acc1.
    let attacker_hook = hooks_url(&t, &attacker, "unipile").await;
    let credentials = json!({"AccountStatus": {"account_id": "acc1", "account_type": "LINKEDIN", "message": "CREDENTIALS"}});
    let (status, _) = hooks_deliver(&t, &attacker_hook, &credentials).await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = t.get("/api/v1/linkedin-accounts", &victim).await;
    assert_eq!(after, victim_accounts, "the victim's account is unchanged");

    // Re-attaching in the victim's own workspace is idempotent; its own URL routes to it.
    let (status, again) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&victim),
            json!({"provider": "unipile", "account_id": "acc1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], account["id"]);
    let victim_hook = hooks_url(&t, &victim, "unipile").await;
    let (status, _) = hooks_deliver(&t, &victim_hook, &credentials).await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = t.get(&victim_account, &victim).await;
    assert_eq!(after["status"], "needs_reconnect");
}

/// An active campaign of `token`'s workspace whose fallback is Instantly campaign `inst-1`
/// (the workspace keeps an Instantly key, which activation asks for).
async fn hooks_campaign(t: &TestApp, token: &str, account: &str) -> String {
    let (status, key) = t
        .call(
            reqwest::Method::PUT,
            "/api/v1/secrets/instantly_api_key",
            Some(token),
            Some(json!({"value": "instantly-key"})),
        )
        .await;
    assert!(status.is_success(), "{key}");
    let body = json!({
        "name": "Playbook", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [HOOKS_POST],
        "dm_template": "Hi {{ first_name }}!",
        "email_fallback": {"provider": "instantly", "campaign_id": "inst-1"}
    });
    let (status, c) = t.post("/api/v1/campaigns", Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    let (status, a) = t
        .post(
            &format!("/api/v1/campaigns/{id}/activate"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    id
}

async fn hooks_email_replies_stay_in_the_workspace_of_their_url(db: Db) {
    let (t, unipile) = hooks_world(db).await;
    let (victim, victim_tenant) = hooks_signup(&t, "dana@victim.io", "Victim Corp").await;
    let (_, account) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&victim),
            json!({"provider": "unipile", "account_id": "acc1"}),
        )
        .await;
    let campaign = hooks_campaign(&t, &victim, account["id"].as_str().unwrap()).await;
    // Bea comments with her email and becomes the victim's lead.
    unipile.state.add_post(HOOKS_POST, "Comment GUIDE");
    unipile.state.add_comment(
        HOOKS_POST,
        "ACoBea",
        "Bea Novak",
        "GUIDE bea@novak.io",
        true,
    );
    let linkedin = t.app.linkedin_for(victim_tenant, "unipile").await.unwrap();
    let report = t
        .app
        .monitor_campaign(victim_tenant, campaign.parse().unwrap(), &*linkedin)
        .await
        .unwrap();
    assert_eq!(report.new_leads, 1);
    let (_, leads) = t.get("/api/v1/leads", &victim).await;
    let lead = format!(
        "/api/v1/leads/{}",
        leads["items"][0]["id"].as_str().unwrap()
    );
    let (_, before) = t.get(&lead, &victim).await;

    // The attacker uses the same Instantly campaign id and sends Bea's reply to its own URL.
    let (attacker, _) = hooks_signup(&t, "eve@attacker.io", "Attacker").await;
    let (_, sandbox) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&attacker),
            json!({"provider": "sandbox", "display_name": "Eve"}),
        )
        .await;
    hooks_campaign(&t, &attacker, sandbox["id"].as_str().unwrap()).await;
    let reply = json!({"timestamp": "2026-11-27T10:00:00.000Z", "event_type": "reply_received",
        "campaign_id": "inst-1", "lead_email": "bea@novak.io", "reply_text": "stop"});
    let attacker_hook = hooks_url(&t, &attacker, "instantly").await;
    let (status, report) = hooks_deliver(&t, &attacker_hook, &reply).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["recorded"], 0);

    // The retired instance route, a made-up token, another provider's token and a rotated
    // token all fail.
    let victim_hook = hooks_url(&t, &victim, "instantly").await;
    let victim_unipile = hooks_url(&t, &victim, "unipile").await;
    let (status, _) = hooks_deliver(&t, "/api/v1/webhooks/instantly", &reply).await;
    assert_eq!(status, StatusCode::GONE);
    let made_up = "/api/v1/webhooks/instantly/rvw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let unipile_token = victim_unipile.rsplit('/').next().unwrap();
    let wrong_provider = format!("/api/v1/webhooks/instantly/{unipile_token}");
    for path in [made_up, wrong_provider.as_str()] {
        let (status, err) = hooks_deliver(&t, path, &reply).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {err}");
    }
    // The owner rotates the URLs: the old one stops working.
    let (status, rotated) = t
        .post("/api/v1/webhooks/rotate", Some(&victim), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let (status, _) = hooks_deliver(&t, &victim_hook, &reply).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old URL stopped working"
    );
    let (_, after) = t.get(&lead, &victim).await;
    assert_eq!(after, before, "the victim's lead is unchanged");

    // The victim's new URL records the reply: the same delivery that failed above works here.
    let new_hook = hooks_url(&t, &victim, "instantly").await;
    assert_ne!(new_hook, victim_hook);
    let (status, report) = hooks_deliver(&t, &new_hook, &reply).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["recorded"], 1);
    let (_, after) = t.get(&lead, &victim).await;
    assert_ne!(after, before);
}

/// A declared stdio server that cannot start (so starting it is visible as an error).
fn hooks_server(name: &str, workspaces: Option<Vec<String>>) -> McpServer {
    McpServer {
        name: name.into(),
        transport: McpTransport::Stdio {
            command: "/no/such/program".into(),
            args: vec![],
        },
        workspaces,
        secret: None,
    }
}

/// The operator's declarations: `crm` for the workspace whose slug is `victim-corp`, `acme`
/// for the one whose slug is `acme`, `local` an HTTP server on loopback (not opened by the
/// operator).
fn hooks_servers(_: &TestDb) -> ProviderSettings {
    ProviderSettings {
        mcp_servers: vec![
            hooks_server("crm", Some(vec!["victim-corp".into()])),
            hooks_server("acme", Some(vec!["acme".into()])),
            McpServer {
                name: "local".into(),
                transport: McpTransport::Http {
                    url: "http://127.0.0.1:9/mcp".into(),
                },
                workspaces: None,
                secret: None,
            },
        ],
        ..Default::default()
    }
}

async fn hooks_cartridges_name_only_servers_declared_for_their_workspace(db: Db) {
    let t = TestApp::spawn_providers_for(db, hooks_servers).await;
    let (victim, victim_tenant) = hooks_signup(&t, "dana@victim.io", "Victim Corp").await;
    let mut body = cartridge("Dana");
    body["tools_enabled"] = json!(["apollo", "mcp:crm"]);
    let (status, dana) = t.post("/api/v1/cartridges", Some(&victim), body).await;
    assert_eq!(status, StatusCode::CREATED, "{dana}");
    assert_eq!(dana["undeclared_tools"], json!([]));
    hooks_signup(&t, "ana@acme.io", "Acme").await;

    // The attacker names its workspace like Acme's and like the victim's.
    let (attacker, attacker_tenant) = hooks_signup(&t, "eve@attacker.io", "ACME!").await;
    for (entry, why) in [
        ("mcp+stdio:/bin/sh", "a program in cartridge text"),
        ("mcp+http://127.0.0.1:9/mcp", "a URL in cartridge text"),
        ("mcp:nope", "an undeclared server"),
        ("mcp:local", "a declared server on a private address"),
        ("mcp:crm", "a server declared for another workspace"),
        ("mcp:acme", "a slug two workspaces share"),
    ] {
        let mut body = cartridge("Eve");
        body["tools_enabled"] = json!([entry]);
        let (status, e) = t.post("/api/v1/cartridges", Some(&attacker), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {e}");
        assert_eq!(error_fields(&e), ["tools_enabled[0]"], "{why}");
    }
    let (_, none) = t.get("/api/v1/cartridges", &attacker).await;
    assert_eq!(none["items"], json!([]));

    // At run time the attacker's entries are ignored: nothing is started for it, while the
    // same entry in the victim's workspace does start the server (which cannot start: its
    // tools are unavailable, and the registry is returned without them).
    let clients = McpClients::default();
    let external = clients
        .add_tools(
            &t.app,
            ToolRegistry::standard(),
            attacker_tenant,
            &[
                "mcp:crm".to_owned(),
                "mcp:acme".to_owned(),
                "mcp+stdio:/bin/sh".to_owned(),
            ],
        )
        .await
        .unwrap();
    assert!(
        !external
            .registry
            .specs()
            .iter()
            .any(|s| s.name.contains("__"))
    );
    assert!(external.unavailable.is_empty());
    let started = clients
        .add_tools(
            &t.app,
            ToolRegistry::standard(),
            victim_tenant,
            &["mcp:crm".to_owned()],
        )
        .await
        .unwrap();
    let unavailable: Vec<&str> = started
        .unavailable
        .iter()
        .map(|u| u.server.as_str())
        .collect();
    assert_eq!(unavailable, ["crm"]);

    // Declared by workspace id: the same holds.
    let by_id = t.app.clone().with_providers(ProviderSettings {
        mcp_servers: vec![hooks_server("crm", Some(vec![victim_tenant.0.to_string()]))],
        ..Default::default()
    });
    let ignored = McpClients::default()
        .add_tools(
            &by_id,
            ToolRegistry::standard(),
            attacker_tenant,
            &["mcp:crm".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(
        ignored.registry.specs().len(),
        ToolRegistry::standard().specs().len()
    );
    assert!(ignored.unavailable.is_empty());
    let tried = McpClients::default()
        .add_tools(
            &by_id,
            ToolRegistry::standard(),
            victim_tenant,
            &["mcp:crm".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(tried.unavailable.len(), 1);

    // The operator removes `crm`: the victim's stored cartridge still loads, flagged, and its
    // entry is ignored at run time.
    let removed = t.app.clone().with_providers(ProviderSettings::default());
    let who = removed.authenticate(&victim).await.unwrap();
    let id = revos_domain::CartridgeId(dana["id"].as_str().unwrap().parse().unwrap());
    let stored = removed.get_cartridge(&who, id).await.unwrap();
    assert_eq!(stored.undeclared_tools, ["mcp:crm"]);
    let ignored = McpClients::default()
        .add_tools(
            &removed,
            ToolRegistry::standard(),
            victim_tenant,
            &stored.spec.tools_enabled,
        )
        .await
        .unwrap();
    assert!(ignored.unavailable.is_empty());
    // Unchanged for the victim on the served instance.
    let (_, again) = t
        .get(&format!("/api/v1/cartridges/{}", id.0), &victim)
        .await;
    assert_eq!(again, dana);
}

/// A database of the previous version where two workspaces attached `acc1` (and the older one
/// also `acc2`), migrated to this version: the migration succeeds, `acc1` stays with the
/// older workspace and the later attachment is detached. The old rows are written directly:
/// no production path of this version can make them any more.
async fn hooks_an_upgrade_keeps_each_account_with_its_oldest_workspace(db: Db) {
    use sqlx::migrate::Migrator;
    let test_db = TestDb::new(db).await;
    let dir = match db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    };
    let path = format!("{}/../store/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
    let migrator = Migrator::new(std::path::Path::new(&path)).await.unwrap();
    // The migration that made an account belong to one workspace (later ones may follow).
    let last = migrator
        .migrations
        .iter()
        .find(|m| m.description == "account owner and webhook tokens")
        .unwrap()
        .version;
    let now = chrono::Utc::now();
    let (old, new) = (TenantId::new(), TenantId::new());
    let rows = [
        (
            uuid::Uuid::now_v7(),
            old,
            "acc1",
            now - chrono::Duration::days(2),
        ),
        (
            uuid::Uuid::now_v7(),
            new,
            "acc1",
            now - chrono::Duration::days(1),
        ),
        (uuid::Uuid::now_v7(), old, "acc2", now),
    ];
    const TENANT: &str = "INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)";
    const ACCOUNT: &str = "INSERT INTO linkedin_accounts (id, tenant_id, provider, provider_account_id, \
        display_name, status, created_at, updated_at) VALUES ($1, $2, 'unipile', $3, 'Dana', 'ok', $4, $4)";
    macro_rules! seed {
        ($pool:expr) => {{
            migrator.run_to(last - 1, &$pool).await.unwrap();
            for (tenant, name) in [(old, "Old"), (new, "New")] {
                sqlx::query(TENANT)
                    .bind(tenant.0)
                    .bind(name)
                    .bind(now)
                    .execute(&$pool)
                    .await
                    .unwrap();
            }
            for (id, tenant, account, at) in rows {
                sqlx::query(ACCOUNT)
                    .bind(id)
                    .bind(tenant.0)
                    .bind(account)
                    .bind(at)
                    .execute(&$pool)
                    .await
                    .unwrap();
            }
            $pool.close().await;
        }};
    }
    match db {
        Db::Sqlite => {
            let options: sqlx::sqlite::SqliteConnectOptions = test_db.url.parse().unwrap();
            let pool = sqlx::SqlitePool::connect_with(options.create_if_missing(true))
                .await
                .unwrap();
            seed!(pool)
        }
        Db::Postgres => {
            let pool = sqlx::PgPool::connect(&test_db.url).await.unwrap();
            seed!(pool)
        }
    }
    let store = revos_app::Store::connect(&test_db.url).await.unwrap();
    store.migrate().await.unwrap();
    for (id, tenant, account, _) in rows {
        let mut tx = store.begin_for(tenant).await.unwrap();
        let row = revos_store::linkedin_accounts::get(&mut tx, tenant, id)
            .await
            .unwrap()
            .unwrap();
        if tenant == new {
            assert_eq!(row.status, "detached");
            assert_eq!(row.provider_account_id, format!("detached-{}", id.simple()));
        } else {
            assert_eq!(
                (row.status.as_str(), row.provider_account_id.as_str()),
                ("ok", account)
            );
        }
    }
}
