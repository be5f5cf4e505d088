//! MCP with the official SDK's client: the real `revos mcp` binary over stdio lists and calls
//! RevOS's tools, `/mcp` over streamable HTTP needs an API key, and a cartridge naming an
//! declared external MCP server (another workspace's `revos mcp`, its credential from the
//! workspace's vault) exposes that server's tools in the registry, called through it.

use crate::both_backends;
use crate::helpers::{Db, TestApp, TestDb, cartridge, error_fields};
use reqwest::StatusCode;
use revos_agents::mcp::clients::McpClients;
use revos_agents::tools::{ToolContext, ToolRegistry};
use revos_app::providers::ProviderSettings;
use revos_domain::SecretName;
use revos_domain::mcp_servers::{McpServer, McpTransport};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Value, json};

both_backends!(
    stdio_server_lists_and_calls_tools,
    http_endpoint_needs_an_api_key,
    cartridge_tools_reach_an_external_mcp_server,
);

/// A workspace with a sandbox LinkedIn account and an API key; returns (session token, key).
async fn workspace(t: &TestApp, email: &str, name: &str) -> (String, String) {
    let (token, _, _) = t.signup(email, name).await;
    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Main"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    let (status, key) = t
        .post("/api/v1/api-keys", Some(&token), json!({"name": "mcp"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    (token, key["key"].as_str().unwrap().to_owned())
}

/// `revos mcp` on the test's database with a clean `REVOS_*` environment.
fn revos_mcp(t: &TestApp, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_revos"));
    for (k, _) in std::env::vars() {
        if k.starts_with("REVOS_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(t.db.dir.path())
        .env("REVOS_DATABASE_URL", &t.db.url)
        .env("REVOS_MASTER_KEY", &t.master_key)
        .env("REVOS_LOG", "warn")
        .arg("mcp")
        .args(args);
    cmd
}

fn call(name: &str, args: Value) -> CallToolRequestParams {
    let Value::Object(args) = args else {
        panic!("arguments must be an object")
    };
    CallToolRequestParams::new(name.to_owned()).with_arguments(args)
}

fn structured(r: &CallToolResult) -> Value {
    r.structured_content.clone().expect("structured content")
}

async fn stdio_server_lists_and_calls_tools(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, key) = workspace(&t, "ana@acme.io", "Acme").await;

    let cmd = revos_mcp(&t, &["--api-key", &key]);
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for expected in [
        "create_campaign",
        "list_campaigns",
        "queue_dm",
        "switch_cartridge",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let create = tools.iter().find(|t| t.name == "create_campaign").unwrap();
    assert_eq!(create.input_schema["type"], "object");

    let r = client
        .call_tool(call(
            "create_campaign",
            json!({"name": "Spring Guide", "trigger_words": ["GUIDE"], "lead_magnet_title": "Hiring checklist"}),
        ))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{r:?}");
    assert!(
        r.content[0]
            .as_text()
            .unwrap()
            .text
            .starts_with("Campaign created: Spring Guide")
    );
    let id = structured(&r)["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = client
        .call_tool(call("list_campaigns", json!({})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false));
    assert_eq!(structured(&r)["campaigns"][0]["name"], "Spring Guide");

    // The campaign is really in the workspace: the HTTP API sees it.
    let (status, c) = t.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["trigger_words"], json!(["GUIDE"]));

    // A tool error is a result with isError and the error JSON, not a protocol error.
    let r = client
        .call_tool(call("pause_campaign", json!({"campaign": "Nope"})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert_eq!(structured(&r)["error"]["code"], "not_found");
    client.cancel().await.unwrap();

    // A bad key: exit code 2 and one line on stderr.
    let out = revos_mcp(&t, &["--api-key", "rk_not_a_key"])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--api-key"), "{stderr}");
    assert!(out.stdout.is_empty(), "stdout is for the protocol only");
    let out = revos_mcp(&t, &[]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));

    let help = revos_mcp(&t, &["--help"]).output().await.unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--api-key"));
}

async fn http_endpoint_needs_an_api_key(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, key) = workspace(&t, "ana@acme.io", "Acme").await;
    let url = format!("{}/mcp", t.base);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"}}});
    for auth in [None, Some("rk_bogus"), Some(token.as_str())] {
        let mut req = t
            .http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .json(&init);
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "auth {auth:?}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    }

    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.clone()).auth_header(key.clone()),
    );
    let client = ().serve(transport).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "create_campaign"));
    let r = client
        .call_tool(call(
            "create_campaign",
            json!({"name": "Over HTTP", "lead_magnet_title": "Guide"}),
        ))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{r:?}");
    let r = client
        .call_tool(call("list_campaigns", json!({})))
        .await
        .unwrap();
    assert_eq!(structured(&r)["campaigns"][0]["name"], "Over HTTP");
    client.cancel().await.unwrap();

    // Another workspace's key sees only its own campaigns.
    let (_, other) = workspace(&t, "bo@other.io", "Other").await;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url).auth_header(other),
    );
    let client = ().serve(transport).await.unwrap();
    let r = client
        .call_tool(call("list_campaigns", json!({})))
        .await
        .unwrap();
    assert_eq!(structured(&r)["campaigns"], json!([]));
    client.cancel().await.unwrap();
}

/// The operator's declarations: `revos` is a `revos mcp` on the test's database that
/// receives the workspace's `revos_api_key` secret as `REVOS_API_KEY`; `broken` cannot start.
fn declared_servers(db: &TestDb) -> ProviderSettings {
    let stdio = |command: &str, args: Vec<String>, secret: Option<&str>, name: &str| McpServer {
        name: name.into(),
        transport: McpTransport::Stdio {
            command: command.into(),
            args,
        },
        workspaces: None,
        secret: secret.map(|s| SecretName::parse("secret", s).unwrap()),
    };
    let dir = db.dir.path().display().to_string();
    let args = [
        "--database-url",
        &db.url,
        "--data-dir",
        &dir,
        "--log",
        "off",
        "mcp",
    ];
    ProviderSettings {
        mcp_servers: vec![
            stdio(
                env!("CARGO_BIN_EXE_revos"),
                args.iter().map(|a| (*a).to_owned()).collect(),
                Some("revos_api_key"),
                "revos",
            ),
            stdio("/no/such/program", vec![], None, "broken"),
        ],
        ..Default::default()
    }
}

async fn cartridge_tools_reach_an_external_mcp_server(db: Db) {
    let t = TestApp::spawn_providers_for(db, declared_servers).await;
    let (a_token, _) = workspace(&t, "ana@acme.io", "Acme").await;
    let (b_token, b_key) = workspace(&t, "bo@other.io", "Other").await;
    let (status, c) = t
        .post(
            "/api/v1/campaigns",
            Some(&b_token),
            json!({"name": "B Launch", "linkedin_account_id": first_account(&t, &b_token).await,
                   "lead_magnet": {"title": "B Guide", "url": "https://b.io/g"},
                   "dm_template": "Hi {{ first_name }}"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");

    // A program in the cartridge itself, or an undeclared server, is refused with the entry
    // named.
    let mut body = cartridge("Acme");
    for bad in ["mcp+stdio:/bin/sh", "mcp:nope", "mcp:"] {
        body["tools_enabled"] = json!(["apollo", bad]);
        let (status, e) = t
            .post("/api/v1/cartridges", Some(&a_token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(error_fields(&e), ["tools_enabled[1]"], "{bad}");
    }

    // Workspace A's cartridge names the declared `revos` server; the credential (workspace
    // B's API key, which B gave A) comes from A's vault.
    body["tools_enabled"] = json!(["apollo", "mcp:revos"]);
    let (status, saved) = t.post("/api/v1/cartridges", Some(&a_token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["undeclared_tools"], json!([]));
    let tools_enabled: Vec<String> =
        serde_json::from_value(saved["tools_enabled"].clone()).unwrap();
    let a = t.app.authenticate(&a_token).await.unwrap();
    let clients = McpClients::default();
    let missing = clients
        .add_tools(&t.app, ToolRegistry::standard(), a.tenant, &tools_enabled)
        .await
        .unwrap();
    assert_eq!(missing.unavailable.len(), 1, "the secret is not stored yet");
    assert!(missing.unavailable[0].why.contains("revos_api_key"));
    assert!(!missing.registry.contains("revos__list_campaigns"));
    let (status, s) = t
        .put(
            "/api/v1/secrets/revos_api_key",
            &a_token,
            json!({"value": b_key}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");

    let external = clients
        .add_tools(&t.app, ToolRegistry::standard(), a.tenant, &tools_enabled)
        .await
        .unwrap();
    assert!(external.unavailable.is_empty());
    let registry = external.registry;
    assert!(registry.contains("revos__list_campaigns"));
    assert!(registry.contains("revos__create_campaign") && registry.contains("list_campaigns"));
    let spec = registry
        .specs()
        .into_iter()
        .find(|s| s.name == "revos__list_campaigns")
        .unwrap();
    assert_eq!(spec.parameters["type"], "object");

    let mut ctx = ToolContext {
        principal: a,
        cartridge: None,
    };
    let r = registry
        .call(&t.app, &mut ctx, "revos__list_campaigns", "{}")
        .await;
    assert!(r.ok, "{}", r.value);
    assert_eq!(r.value["campaigns"][0]["name"], "B Launch", "{}", r.value);
    let r = registry
        .call(&t.app, &mut ctx, "list_campaigns", "{}")
        .await;
    assert_eq!(r.value["campaigns"], json!([]), "the native tool acts as A");
    let r = registry
        .call(
            &t.app,
            &mut ctx,
            "revos__pause_campaign",
            r#"{"campaign": "Nope"}"#,
        )
        .await;
    assert!(!r.ok);
    assert_eq!(r.value["error"]["code"], "not_found", "{}", r.value);

    let bad = clients
        .add_tools(
            &t.app,
            ToolRegistry::standard(),
            ctx.principal.tenant,
            &["mcp:broken".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(bad.unavailable[0].server, "broken");
    assert_eq!(
        bad.registry.specs().len(),
        ToolRegistry::standard().specs().len()
    );
}

async fn first_account(t: &TestApp, token: &str) -> String {
    let (status, list) = t.get("/api/v1/linkedin-accounts", token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"][0]["id"].as_str().unwrap().to_owned()
}
