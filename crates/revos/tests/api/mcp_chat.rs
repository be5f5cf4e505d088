//! The chat's agents use the tools of external MCP servers (issue 19, item 1): a cartridge's
//! `mcp:NAME` entries add the tools of the servers the operator declared to every agent, named
//! `<server>__<tool>` with their JSON Schemas, and the scripted model calls them through the
//! chat API, reaching a real server process over stdio (`revos mcp`) and over streamable HTTP
//! (another `revos serve`'s `/mcp`). A declared server that is down becomes a "tool
//! unavailable" card and the run completes; a server the workspace may not use is never
//! contacted; long output is cut; tool lists are cached, then listed again.

use crate::agents::{Sse, chat};
use crate::both_backends;
use crate::helpers::{ApiClient, Db, TestApp, cartridge};
use crate::server::Server;
use reqwest::StatusCode;
use revos_app::llm::LlmSettings;
use revos_app::providers::{OutboundPolicy, PrivateUrls, ProviderSettings};
use revos_domain::SecretName;
use revos_domain::mcp_servers::{McpServer, McpTransport};
use revos_providers::fakes::openai::FakeOpenAi;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

both_backends!(
    chat_calls_tools_of_declared_mcp_servers,
    mcp_tool_lists_are_cached_and_lost_servers_degrade,
);

/// Another RevOS instance standing in for an external service: `revos serve` in its own
/// directory on SQLite, with a workspace whose only cartridge is "Docs Handbook" (its system
/// prompt 20,000 characters long), and an API key of that workspace.
struct External {
    server: Server,
    dir: tempfile::TempDir,
    key: String,
}

async fn external() -> External {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    server.wait_healthy().await;
    let api = ApiClient::new(server.base.clone());
    let (status, signed) = api
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"email": "docs@docs.io", "password": "correct horse battery", "workspace_name": "Docs Co"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    let token = signed["token"].as_str().unwrap();
    let mut handbook = cartridge("Docs Handbook");
    handbook["system_prompt"] = json!("Handbook. ".repeat(2_000));
    let (status, c) = api.post("/api/v1/cartridges", Some(token), handbook).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, key) = api
        .post("/api/v1/api-keys", Some(token), json!({"name": "mcp"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    External {
        server,
        dir,
        key: key["key"].as_str().unwrap().to_owned(),
    }
}

fn declared(name: &str, transport: McpTransport, secret: Option<&str>) -> McpServer {
    McpServer {
        name: name.into(),
        transport,
        workspaces: None,
        secret: secret.map(|s| SecretName::parse("secret", s).unwrap()),
    }
}

/// `revos mcp` over stdio on the external instance's data, as the workspace whose API key
/// the workspace's `revos_api_key` secret holds (it arrives as `REVOS_API_KEY`).
fn stdio_server(name: &str, ext: &External) -> McpServer {
    let data = ext.dir.path().join("data").display().to_string();
    let args = ["--data-dir", &data, "--log", "off", "mcp"];
    declared(
        name,
        McpTransport::Stdio {
            command: env!("CARGO_BIN_EXE_revos").into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        },
        Some("revos_api_key"),
    )
}

/// The external instance's `/mcp` over streamable HTTP, with the workspace's `secret` as
/// its bearer token.
fn http_server(name: &str, ext: &External, secret: &str) -> McpServer {
    let url = format!("{}/mcp", ext.server.base);
    declared(name, McpTransport::Http { url }, Some(secret))
}

/// The test server with the scripted model, loopback opened to workspace URLs (every server
/// here is local), and these declared MCP servers.
async fn with_servers(db: Db, fake: &FakeOpenAi, servers: Vec<McpServer>) -> TestApp {
    TestApp::spawn_providers(
        db,
        ProviderSettings {
            llm: LlmSettings {
                url: Some(fake.url().to_owned()),
                api_key: Some("sk-test".to_owned().into()),
                stream: true,
                ..Default::default()
            },
            outbound: OutboundPolicy::new(PrivateUrls::Allowed),
            mcp_servers: servers,
            ..Default::default()
        },
    )
    .await
}

/// A loopback address where nothing listens.
fn closed_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/mcp")
}

/// A listener that counts the connections made to it; returns its URL and the count.
async fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, count)
}

/// Stores `value` as the workspace's secret `name`.
async fn put_secret(t: &TestApp, token: &str, name: &str, value: &str) {
    let (status, s) = t
        .put(
            &format!("/api/v1/secrets/{name}"),
            token,
            json!({ "value": value }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
}

/// A cartridge naming `tools_enabled`; returns it as saved.
async fn cartridge_with(t: &TestApp, token: &str, tools_enabled: Value) -> Value {
    let mut body = cartridge("Acme");
    body["tools_enabled"] = tools_enabled;
    let (status, c) = t.post("/api/v1/cartridges", Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c
}

/// A session for the cartridge, pinned to `agent`.
async fn session(t: &TestApp, token: &str, cartridge: &Value, agent: &str) -> String {
    let (status, s) = t
        .post(
            "/api/v1/chat/sessions",
            Some(token),
            json!({"cartridge_id": cartridge["id"], "agent": agent}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    s["id"].as_str().unwrap().to_owned()
}

fn named<'a>(events: &'a [Sse], name: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e.event == name)
        .map(|e| &e.data)
        .collect()
}

/// The names of the tool cards of a run, in order.
fn cards(events: &[Sse]) -> Vec<String> {
    named(events, "tool_result")
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The chat-completion requests the model received (not the embeddings ones), in order.
fn completions(fake: &FakeOpenAi) -> Vec<Value> {
    fake.requests()
        .into_iter()
        .filter(|r| r.get("messages").is_some())
        .collect()
}

/// The names of the tools the model was offered in `request`.
fn offered(request: &Value) -> Vec<String> {
    request["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_completed(events: &[Sse]) {
    let done = named(events, "done");
    assert_eq!(done.len(), 1, "{events:?}");
    assert_eq!(done[0]["stop"], "completed", "{events:?}");
}

fn assert_unavailable_card(card: &Value, server: &str) {
    assert_eq!(card["name"], format!("mcp:{server}"), "{card}");
    assert_eq!(card["ok"], false, "{card}");
    assert_eq!(card["value"]["error"]["code"], "tool_unavailable", "{card}");
    let summary = card["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("Tool unavailable: the MCP server {server} ")),
        "{summary}"
    );
}

async fn chat_calls_tools_of_declared_mcp_servers(db: Db) {
    let ext = external().await;
    let fake = FakeOpenAi::start().await;
    let (ghost_url, ghost_connections) = counting_listener().await;
    let mut ghost = declared("ghost", McpTransport::Http { url: ghost_url }, None);
    ghost.workspaces = Some(vec!["acme".into()]);
    let servers = vec![
        stdio_server("crm", &ext),
        http_server("docs", &ext, "docs_token"),
        declared("down", McpTransport::Http { url: closed_url() }, None),
        ghost,
    ];
    let t = with_servers(db, &fake, servers).await;
    let (token, _, _) = t.signup("ana@acme.io", "Acme").await;
    put_secret(&t, &token, "revos_api_key", &ext.key).await;
    put_secret(&t, &token, "docs_token", &ext.key).await;
    let acme = cartridge_with(
        &t,
        &token,
        json!(["apollo", "mcp:crm", "mcp:docs", "mcp:down", "mcp:ghost"]),
    )
    .await;
    assert_eq!(acme["undeclared_tools"], json!([]), "{acme}");

    // A second workspace takes the slug `acme`: `ghost`, declared for the workspace of that
    // slug, is no longer Acme's to use, though its cartridge still names it.
    t.signup("eve@other.io", "ACME!").await;
    let (_, stored) = t
        .get(
            &format!("/api/v1/cartridges/{}", acme["id"].as_str().unwrap()),
            &token,
        )
        .await;
    assert_eq!(stored["undeclared_tools"], json!(["mcp:ghost"]), "{stored}");

    // The Campaign Manager calls a tool of the stdio server.
    let s = session(&t, &token, &acme, "campaign_manager").await;
    fake.push_tool_calls(vec![("crm__list_cartridges", json!({}))]);
    fake.push_text("The CRM has one cartridge: Docs Handbook.");
    let events = chat(&t, &token, &s, "Which cartridges does the CRM have?").await;
    assert_completed(&events);
    assert_eq!(
        cards(&events),
        ["mcp:down", "crm__list_cartridges"],
        "{events:?}"
    );
    let results = named(&events, "tool_result");
    assert_unavailable_card(results[0], "down");
    let card = results[1];
    assert_eq!(card["ok"], true, "{card}");
    assert_eq!(card["summary"], "1 cartridge(s): Docs Handbook");
    assert_eq!(card["value"]["cartridges"][0]["name"], "Docs Handbook");

    let requests = completions(&fake);
    assert_eq!(requests.len(), 2);
    let tools = offered(&requests[0]);
    for expected in [
        "create_campaign",
        "crm__list_cartridges",
        "docs__list_cartridges",
    ] {
        assert!(
            tools.iter().any(|t| t == expected),
            "{expected} in {tools:?}"
        );
    }
    assert!(
        !tools
            .iter()
            .any(|t| t.starts_with("down__") || t.starts_with("ghost__")),
        "{tools:?}"
    );
    // The server's JSON Schema reaches the model.
    let load = requests[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["function"]["name"] == "docs__load_cartridge")
        .unwrap();
    let parameters = &load["function"]["parameters"];
    assert_eq!(parameters["type"], "object", "{load}");
    assert_eq!(parameters["required"], json!(["cartridge"]), "{load}");
    assert_eq!(
        parameters["properties"]["cartridge"]["type"], "string",
        "{load}"
    );
    let system = requests[0]["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("unavailable right now: down."), "{system}");
    // The result went back to the model as data from outside the workspace.
    let answer = requests[1]["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(answer["role"], "tool");
    let content = answer["content"].as_str().unwrap();
    assert!(
        content.contains("<untrusted_data source=\"tool:crm__list_cartridges\">"),
        "{content}"
    );
    assert!(content.contains("Docs Handbook"), "{content}");

    // The Content Generation agent has them too, here over streamable HTTP; the cartridge's
    // 40,000 characters are cut to the output cap, with a note.
    let s = session(&t, &token, &acme, "content_generation").await;
    fake.push_tool_calls(vec![(
        "docs__load_cartridge",
        json!({"cartridge": "Docs Handbook"}),
    )]);
    fake.push_text("The handbook's voice is plain.");
    let events = chat(
        &t,
        &token,
        &s,
        "Write a post in the style of the docs handbook",
    )
    .await;
    assert_completed(&events);
    assert_eq!(
        cards(&events),
        ["mcp:down", "docs__load_cartridge"],
        "{events:?}"
    );
    let card = named(&events, "tool_result")[1];
    assert_eq!(card["ok"], true, "{card}");
    assert!(
        card["summary"]
            .as_str()
            .unwrap()
            .ends_with("(output truncated)"),
        "{card}"
    );
    assert_eq!(card["value"]["truncated"], true);
    let output = card["value"]["output"].as_str().unwrap();
    assert_eq!(output.chars().count(), 16_000);
    assert!(output.contains("Handbook. Handbook. "), "{output}");
    assert!(
        card["value"]["note"]
            .as_str()
            .unwrap()
            .starts_with("The tool's output was cut to its first 16000 of "),
        "{card}"
    );

    // And the Lead Enrichment agent.
    let s = session(&t, &token, &acme, "lead_enrichment").await;
    fake.push_text("Nothing to do.");
    let events = chat(&t, &token, &s, "Any leads to enrich?").await;
    assert_completed(&events);
    let last = completions(&fake).last().cloned().unwrap();
    let tools = offered(&last);
    assert!(tools.iter().any(|t| t == "list_leads"), "{tools:?}");
    assert!(
        tools.iter().any(|t| t == "crm__list_cartridges"),
        "{tools:?}"
    );
    assert!(
        tools.iter().any(|t| t == "docs__list_cartridges"),
        "{tools:?}"
    );

    // The server the workspace may not use was never contacted.
    assert_eq!(ghost_connections.load(Ordering::SeqCst), 0);
}

async fn mcp_tool_lists_are_cached_and_lost_servers_degrade(db: Db) {
    let ext = external().await;
    let fake = FakeOpenAi::start().await;
    let servers = vec![
        http_server("docs", &ext, "docs_token"),
        http_server("wiki", &ext, "wiki_token"),
    ];
    let t = with_servers(db, &fake, servers).await;
    let (token, _, _) = t.signup("ana@acme.io", "Acme").await;
    put_secret(&t, &token, "docs_token", &ext.key).await;
    put_secret(&t, &token, "wiki_token", &ext.key).await;
    let acme = cartridge_with(&t, &token, json!(["mcp:docs", "mcp:wiki"])).await;
    let s = session(&t, &token, &acme, "campaign_manager").await;
    let has = |tools: &[String], name: &str| tools.iter().any(|t| t == name);

    fake.push_text("Both are connected.");
    let events = chat(&t, &token, &s, "Which tools do you have?").await;
    assert_completed(&events);
    assert!(cards(&events).is_empty(), "{events:?}");
    let tools = offered(&completions(&fake)[0]);
    assert!(has(&tools, "docs__list_cartridges") && has(&tools, "wiki__list_cartridges"));

    // The external service goes away. Its tool lists are cached: the next run still offers
    // them, and the call fails as "tool unavailable" while the run completes.
    drop(ext.server);
    fake.push_tool_calls(vec![("docs__list_cartridges", json!({}))]);
    fake.push_text("The docs are unavailable right now.");
    let events = chat(&t, &token, &s, "List the docs cartridges").await;
    assert_completed(&events);
    let requests = completions(&fake);
    let tools = offered(&requests[1]);
    assert!(has(&tools, "docs__list_cartridges") && has(&tools, "wiki__list_cartridges"));
    assert_eq!(cards(&events), ["docs__list_cartridges"], "{events:?}");
    let card = named(&events, "tool_result")[0];
    assert_eq!(card["ok"], false);
    assert_eq!(card["value"]["error"]["code"], "tool_unavailable", "{card}");
    assert!(
        card["summary"]
            .as_str()
            .unwrap()
            .starts_with("Tool unavailable: the MCP server docs "),
        "{card}"
    );
    let answer = named(&events, "text")
        .iter()
        .map(|d| d["delta"].as_str().unwrap())
        .collect::<String>();
    assert_eq!(answer, "The docs are unavailable right now.");

    // The failed call dropped `docs`' connection: the next run connects again, which fails,
    // so `docs` is a "tool unavailable" card; `wiki`'s list is still fresh.
    fake.push_text("Only the wiki is listed.");
    let events = chat(&t, &token, &s, "Which tools now?").await;
    assert_completed(&events);
    assert_eq!(cards(&events), ["mcp:docs"], "{events:?}");
    assert_unavailable_card(named(&events, "tool_result")[0], "docs");
    let tools = offered(completions(&fake).last().unwrap());
    assert!(!tools.iter().any(|t| t.starts_with("docs__")), "{tools:?}");
    assert!(has(&tools, "wiki__list_cartridges"), "{tools:?}");

    // Five minutes on, `wiki`'s list is listed again, which fails: both are unavailable and
    // the run still completes.
    t.clock.advance(chrono::Duration::minutes(6));
    fake.push_text("Nothing external works.");
    let events = chat(&t, &token, &s, "And now?").await;
    assert_completed(&events);
    assert_eq!(cards(&events), ["mcp:docs", "mcp:wiki"], "{events:?}");
    let tools = offered(completions(&fake).last().unwrap());
    assert!(!tools.iter().any(|t| t.contains("__")), "{tools:?}");
    assert!(has(&tools, "create_campaign"));
}
