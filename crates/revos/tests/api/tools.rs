//! The agents' tool registry against the real app: every tool called through
//! `ToolRegistry::call` with valid arguments and with bad ones (invalid JSON, unknown names,
//! bad values come back as `ok == false` with the argument named), the campaign
//! `create_campaign` makes (one DM or a whole sequence, checked as the API checks it), a
//! sequence changed by `update_campaign_steps` keeping its steps' ids, pause and resume, and
//! tenant isolation.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge};
use chrono::Duration;
use reqwest::StatusCode;
use revos_agents::tools::{ToolContext, ToolRegistry, ToolResult};
use revos_app::Principal;
use revos_app::campaigns::Transition;
use revos_domain::TenantId;
use revos_domain::campaign::CampaignStatus;
use revos_domain::lead::LeadStage;
use revos_store::leads::{self, NewLead};
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(
    every_tool_runs_through_the_registry,
    bad_arguments_are_tool_errors,
    create_campaign_defaults_and_its_errors,
    campaign_tools_take_a_sequence_checked_as_the_api_checks_it,
    tools_see_only_their_workspace,
);

/// The tool names the registry must offer.
const TOOLS: [&str; 25] = [
    "create_campaign",
    "update_campaign_steps",
    "activate_campaign",
    "pause_campaign",
    "resume_campaign",
    "campaign_report",
    "list_campaigns",
    "search_lead_magnets",
    "create_lead_magnet",
    "funnel_report",
    "list_leads",
    "enrich_lead",
    "draft_dm",
    "queue_dm",
    "list_cartridges",
    "load_cartridge",
    "switch_cartridge",
    "draft_post",
    "submit_post",
    "generate_guide",
    "generate_image",
    "render_card",
    "search_knowledge",
    "analytics_query",
    "content_plan",
];

/// A signed-up workspace: its session token, tenant and principal.
struct Workspace {
    token: String,
    tenant: TenantId,
    ctx: ToolContext,
}

async fn workspace(t: &TestApp, email: &str, with_account: bool) -> Workspace {
    let ws = format!("WS {}", email.split('@').next().unwrap_or(email));
    let (token, tenant, _) = t.signup(email, &ws).await;
    if with_account {
        let (status, acct) = t
            .post(
                "/api/v1/linkedin-accounts",
                Some(&token),
                json!({"provider": "sandbox", "display_name": "Ana's account"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{acct}");
    }
    let principal: Principal = t.app.authenticate(&token).await.unwrap();
    Workspace {
        token,
        tenant: TenantId(tenant.parse().unwrap()),
        ctx: ToolContext {
            principal,
            cartridge: None,
        },
    }
}

async fn call(t: &TestApp, ctx: &mut ToolContext, name: &str, args: Value) -> ToolResult {
    ToolRegistry::standard()
        .call(&t.app, ctx, name, &args.to_string())
        .await
}

/// Calls a tool that must succeed.
async fn ok(t: &TestApp, ctx: &mut ToolContext, name: &str, args: Value) -> ToolResult {
    let r = call(t, ctx, name, args.clone()).await;
    assert!(r.ok, "{name}({args}) failed: {}", r.value);
    assert!(!r.summary.is_empty());
    r
}

/// Calls a tool that must fail; returns the error object.
async fn err(t: &TestApp, ctx: &mut ToolContext, name: &str, args: &str) -> Value {
    let r = ToolRegistry::standard().call(&t.app, ctx, name, args).await;
    assert!(!r.ok, "{name}({args}) succeeded: {}", r.value);
    assert!(r.summary.starts_with("Failed: "), "{}", r.summary);
    let e = r.value["error"].clone();
    assert!(e["code"].is_string() && e["message"].is_string(), "{e}");
    e
}

/// Stores a lead that joined `campaign` at `stage` at `joined`.
async fn lead(
    t: &TestApp,
    tenant: TenantId,
    name: &str,
    campaign: Uuid,
    stage: &str,
    joined: chrono::DateTime<chrono::Utc>,
    do_not_contact: bool,
) -> Uuid {
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let new = NewLead {
        provider_id: &format!("p-{}", name.to_lowercase().replace(' ', "-")),
        name,
        linkedin_url: Some("https://www.linkedin.com/in/someone"),
        headline: None,
        email: None,
        sandbox: true,
    };
    let id = leads::upsert(&mut tx, tenant, &new, joined)
        .await
        .unwrap()
        .id;
    if do_not_contact {
        leads::set_do_not_contact(&mut tx, tenant, id, true, joined)
            .await
            .unwrap();
    }
    assert!(
        leads::join_campaign(
            &mut tx,
            tenant,
            campaign,
            id,
            None,
            stage.parse().unwrap(),
            joined
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    id
}

fn names(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {items}"))
        .iter()
        .map(|i| i[key].as_str().unwrap().to_owned())
        .collect()
}

async fn every_tool_runs_through_the_registry(db: Db) {
    let t = TestApp::spawn(db).await;
    let mut a = workspace(&t, "ana@acme.io", true).await;
    let (status, cart) = t
        .post("/api/v1/cartridges", Some(&a.token), cartridge("Acme"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cart}");
    let acme: Uuid = cart["id"].as_str().unwrap().parse().unwrap();

    let registry = ToolRegistry::standard();
    let specs = registry.specs();
    let mut listed: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    listed.sort_unstable();
    let mut expected = TOOLS.to_vec();
    expected.sort_unstable();
    assert_eq!(listed, expected);
    for s in &specs {
        assert_eq!(s.parameters["type"], "object", "{}", s.name);
        assert!(!s.description.is_empty());
    }
    let create = specs.iter().find(|s| s.name == "create_campaign").unwrap();
    assert_eq!(
        create.parameters["required"],
        json!(["name", "lead_magnet_title"])
    );
    assert!(
        create.parameters["properties"]["trigger_words"]["description"]
            .as_str()
            .unwrap()
            .contains("commenter"),
        "doc comments become descriptions"
    );

    // Cartridges: list, load, switch (the session's client).
    let r = ok(&t, &mut a.ctx, "list_cartridges", json!({})).await;
    assert_eq!(names(&r.value["cartridges"], "name"), ["Acme"]);
    let r = ok(
        &t,
        &mut a.ctx,
        "load_cartridge",
        json!({"cartridge": "ACME"}),
    )
    .await;
    assert_eq!(r.value["name"], "Acme");
    assert!(
        r.value["effective_system_prompt"]
            .as_str()
            .unwrap()
            .contains("Executive Coach")
    );
    assert_eq!(
        r.link.as_deref(),
        Some(format!("/cartridges/{acme}").as_str())
    );
    let r = ok(
        &t,
        &mut a.ctx,
        "switch_cartridge",
        json!({"cartridge": "acme"}),
    )
    .await;
    assert_eq!(r.summary, "Switched to Acme");
    assert_eq!(a.ctx.cartridge.map(|c| c.0), Some(acme));
    let r = ok(&t, &mut a.ctx, "list_cartridges", json!({})).await;
    assert_eq!(r.value["cartridges"][0]["selected"], true);

    // A campaign from a few words, in the session's client.
    let r = ok(
        &t,
        &mut a.ctx,
        "create_campaign",
        json!({"name": "Spring Guide", "trigger_words": ["GUIDE"], "lead_magnet_title": "Hiring checklist"}),
    )
    .await;
    assert_eq!(
        r.summary.split(';').next().unwrap(),
        "Campaign created: Spring Guide (draft)"
    );
    let id: Uuid = r.value["campaign"]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(r.link, Some(format!("/campaigns/{id}")));
    let c = t.app.get_campaign(&a.ctx.principal, id).await.unwrap();
    assert_eq!(c.spec.cartridge_id, Some(acme));
    assert_eq!(c.status, CampaignStatus::Draft);
    // The answer says what the draft still lacks, and activation refuses it until it is set.
    let missing: Vec<&str> = r.value["missing_before_activation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["watched_posts", "lead_magnet.url"], "{}", r.value);
    assert!(
        r.summary
            .contains("cannot be activated yet: watched_posts: must name at least one"),
        "{}",
        r.summary
    );
    let refused = t
        .app
        .transition_campaign(&a.ctx.principal, id, Transition::Activate)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, revos_app::AppError::Validation(e) if e.0.len() == 2),
        "{refused:?}"
    );
    let mut spec = c.spec.clone();
    spec.lead_magnet.url = "https://acme.io/hiring-checklist".into();
    spec.watched_posts = vec!["7332661864792854528".into()];
    t.app
        .update_campaign(&a.ctx.principal, id, spec)
        .await
        .unwrap();

    // Pause and resume change its state.
    t.app
        .transition_campaign(&a.ctx.principal, id, Transition::Activate)
        .await
        .unwrap();
    let r = ok(
        &t,
        &mut a.ctx,
        "pause_campaign",
        json!({"campaign": "spring guide"}),
    )
    .await;
    assert_eq!(r.summary, "Campaign paused: Spring Guide");
    let status = |c: revos_app::campaigns::Campaign| c.status;
    let p = a.ctx.principal.clone();
    assert_eq!(
        status(t.app.get_campaign(&p, id).await.unwrap()),
        CampaignStatus::Paused
    );
    let e = err(
        &t,
        &mut a.ctx,
        "pause_campaign",
        &json!({"campaign": id}).to_string(),
    )
    .await;
    assert_eq!(
        e["code"], "conflict",
        "a paused campaign cannot be paused: {e}"
    );
    ok(
        &t,
        &mut a.ctx,
        "resume_campaign",
        json!({"campaign": id.to_string()}),
    )
    .await;
    assert_eq!(
        status(t.app.get_campaign(&p, id).await.unwrap()),
        CampaignStatus::Active
    );

    // Leads: Ana replied today, Bo commented ten days ago, Cy is on the do-not-contact list.
    let now = t.app.now();
    let ana = lead(&t, a.tenant, "Ana Lopez", id, "replied", now, false).await;
    let bo = lead(
        &t,
        a.tenant,
        "Bo Chen",
        id,
        "scraped",
        now - Duration::days(10),
        false,
    )
    .await;
    lead(&t, a.tenant, "Cy Dee", id, "scraped", now, true).await;

    let r = ok(
        &t,
        &mut a.ctx,
        "list_campaigns",
        json!({"status": "active"}),
    )
    .await;
    assert_eq!(names(&r.value["campaigns"], "name"), ["Spring Guide"]);
    let r = ok(
        &t,
        &mut a.ctx,
        "list_campaigns",
        json!({"status": "paused"}),
    )
    .await;
    assert_eq!(r.value["campaigns"], json!([]));

    let r = ok(
        &t,
        &mut a.ctx,
        "campaign_report",
        json!({"campaign": "Spring Guide"}),
    )
    .await;
    assert_eq!(r.value["funnel"]["scraped"], 3);
    assert_eq!(r.value["funnel"]["replied"], 1);
    assert_eq!(r.value["campaign"]["status"], "active");

    let since = (now - Duration::days(1)).to_rfc3339();
    let r = ok(
        &t,
        &mut a.ctx,
        "list_leads",
        json!({"stage": "replied", "since": since}),
    )
    .await;
    assert_eq!(names(&r.value["leads"], "name"), ["Ana Lopez"]);
    let r = ok(
        &t,
        &mut a.ctx,
        "list_leads",
        json!({"since": since, "campaign": "Spring Guide"}),
    )
    .await;
    assert_eq!(names(&r.value["leads"], "name"), ["Ana Lopez", "Cy Dee"]);
    let until = (now - Duration::days(1)).format("%Y-%m-%d").to_string();
    let r = ok(&t, &mut a.ctx, "list_leads", json!({"until": until})).await;
    assert_eq!(names(&r.value["leads"], "name"), ["Bo Chen"]);
    let r = ok(&t, &mut a.ctx, "list_leads", json!({"text": "CHEN"})).await;
    assert_eq!(names(&r.value["leads"], "name"), ["Bo Chen"]);
    let r = ok(
        &t,
        &mut a.ctx,
        "list_leads",
        json!({"campaign": "Spring Guide", "limit": 2}),
    )
    .await;
    assert_eq!(r.value["leads"].as_array().unwrap().len(), 2);
    assert_eq!(r.value["more"], true);

    let r = ok(&t, &mut a.ctx, "enrich_lead", json!({"lead": "bo chen"})).await;
    assert!(
        ["found", "not_found"].contains(&r.value["outcome"].as_str().unwrap()),
        "{}",
        r.value
    );
    assert!(r.value["lead"]["enriched_at"].is_string(), "{}", r.value);
    let r = ok(
        &t,
        &mut a.ctx,
        "enrich_lead",
        json!({"lead": bo.to_string()}),
    )
    .await;
    assert_eq!(r.value["outcome"], "cached");

    let r = ok(
        &t,
        &mut a.ctx,
        "draft_dm",
        json!({"lead": "Ana Lopez", "campaign": "Spring Guide"}),
    )
    .await;
    let body = r.value["body"].as_str().unwrap();
    assert!(
        body.starts_with("Hi Ana, thanks for your comment!"),
        "{body}"
    );
    assert!(
        body.contains("Hiring checklist: https://acme.io/hiring-checklist"),
        "{body}"
    );
    let detail = t.app.get_lead(&a.ctx.principal, ana).await.unwrap();
    assert!(
        detail
            .timeline
            .iter()
            .all(|e| !matches!(e, revos_app::leads::TimelineEntry::Message { .. })),
        "a draft records nothing"
    );

    let r = ok(
        &t,
        &mut a.ctx,
        "queue_dm",
        json!({"lead": "Bo Chen", "campaign": "Spring Guide"}),
    )
    .await;
    assert_eq!(r.value["campaign_status"], "active");
    let detail = t.app.get_lead(&a.ctx.principal, bo).await.unwrap();
    assert_eq!(detail.campaigns[0].stage, LeadStage::DmQueued);
    let e = err(
        &t,
        &mut a.ctx,
        "queue_dm",
        r#"{"lead": "Bo Chen", "campaign": "Spring Guide"}"#,
    )
    .await;
    assert_eq!(e["code"], "conflict");
    assert!(e["message"].as_str().unwrap().contains("already"), "{e}");
    let e = err(
        &t,
        &mut a.ctx,
        "queue_dm",
        r#"{"lead": "Cy Dee", "campaign": "Spring Guide"}"#,
    )
    .await;
    assert!(
        e["message"].as_str().unwrap().contains("do-not-contact"),
        "{e}"
    );

    let r = ok(
        &t,
        &mut a.ctx,
        "search_lead_magnets",
        json!({"query": "hiring"}),
    )
    .await;
    // The campaign's magnet with its placeholder link and with its real one: an inline magnet
    // edited in a campaign is filed as another library magnet.
    assert_eq!(
        names(&r.value["lead_magnets"], "title"),
        ["Hiring checklist", "Hiring checklist"]
    );
    let urls: Vec<&str> = r.value["lead_magnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["url"].as_str().unwrap())
        .collect();
    assert!(
        urls.contains(&"https://acme.io/hiring-checklist"),
        "{urls:?}"
    );
    let r = ok(
        &t,
        &mut a.ctx,
        "search_lead_magnets",
        json!({"query": "zebras"}),
    )
    .await;
    assert_eq!(r.value["lead_magnets"], json!([]));
    let r = ok(
        &t,
        &mut a.ctx,
        "create_lead_magnet",
        json!({"title": "Zebra crossing guide", "url": "https://acme.io/zebras", "tags": ["safety"]}),
    )
    .await;
    assert_eq!(r.value["lead_magnet"]["title"], "Zebra crossing guide");
    let r = ok(
        &t,
        &mut a.ctx,
        "search_lead_magnets",
        json!({"query": "a guide to zebra crossings"}),
    )
    .await;
    assert_eq!(
        names(&r.value["lead_magnets"], "title"),
        ["Zebra crossing guide"]
    );

    let r = ok(
        &t,
        &mut a.ctx,
        "funnel_report",
        json!({"campaign": "Spring Guide"}),
    )
    .await;
    assert_eq!(r.value["funnel"]["scraped"], 3);
    ok(
        &t,
        &mut a.ctx,
        "create_campaign",
        json!({"name": "Spring Guide 2", "lead_magnet_title": "Other", "lead_magnet_url": "https://acme.io/o"}),
    )
    .await;
    let r = ok(&t, &mut a.ctx, "funnel_report", json!({})).await;
    assert_eq!(r.value["total"]["scraped"], 3);
    assert_eq!(r.value["campaigns"].as_array().unwrap().len(), 2);

    // A name matching two campaigns is ambiguous; the exact name still resolves.
    let e = err(
        &t,
        &mut a.ctx,
        "campaign_report",
        r#"{"campaign": "spring"}"#,
    )
    .await;
    assert_eq!(e["code"], "ambiguous");
    assert!(
        e["message"].as_str().unwrap().contains("Spring Guide 2"),
        "{e}"
    );
    ok(
        &t,
        &mut a.ctx,
        "campaign_report",
        json!({"campaign": "Spring Guide"}),
    )
    .await;

    // Posts: written offline in the client's voice (or given), saved as drafts, submitted.
    let r = ok(
        &t,
        &mut a.ctx,
        "draft_post",
        json!({"topic": "onboarding new hires"}),
    )
    .await;
    assert_eq!(r.value["status"], "draft");
    assert_eq!(r.value["written_by"], "offline writer");
    assert!(!r.value["body"].as_str().unwrap().trim().is_empty());
    let written = r.value["post_id"].as_str().unwrap().to_owned();
    assert_eq!(r.link, Some(format!("/posts/{written}")));
    let r = ok(
        &t,
        &mut a.ctx,
        "draft_post",
        json!({"topic": "hiring", "body": "Hiring is a team sport.", "campaign": "Spring Guide"}),
    )
    .await;
    assert_eq!(r.value["body"], "Hiring is a team sport.");
    assert_eq!(r.value["written_by"], "agent");
    let given = r.value["post_id"].as_str().unwrap().to_owned();
    let r = ok(&t, &mut a.ctx, "submit_post", json!({})).await;
    assert_eq!(r.value["post_id"], given.as_str(), "the newest draft");
    assert_eq!(r.value["status"], "pending_approval");
    let r = ok(&t, &mut a.ctx, "submit_post", json!({"post": written})).await;
    assert_eq!(r.value["status"], "pending_approval");
    let e = err(&t, &mut a.ctx, "submit_post", "{}").await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("not_found"), Some("post"))
    );
    let e = err(
        &t,
        &mut a.ctx,
        "submit_post",
        &json!({"post": written}).to_string(),
    )
    .await;
    assert_eq!(
        e["code"], "conflict",
        "submitting twice is an illegal move: {e}"
    );
    let mut no_client = a.ctx.clone();
    no_client.cartridge = None;
    let e = err(&t, &mut no_client, "draft_post", r#"{"topic": "x"}"#).await;
    assert_eq!(e["field"], "client");
}

async fn bad_arguments_are_tool_errors(db: Db) {
    let t = TestApp::spawn(db).await;
    let mut a = workspace(&t, "ana@acme.io", true).await;
    let unknown_id = json!({"campaign": Uuid::now_v7()}).to_string();
    for (name, args, code, field) in [
        (
            "pause_campaign",
            "{not json",
            "invalid_arguments",
            "arguments",
        ),
        ("pause_campaign", "[1, 2]", "invalid_arguments", "arguments"),
        ("pause_campaign", "{}", "invalid_arguments", "campaign"),
        (
            "pause_campaign",
            r#"{"campaign": 7}"#,
            "invalid_arguments",
            "campaign",
        ),
        (
            "pause_campaign",
            r#"{"campaign": "x", "force": true}"#,
            "invalid_arguments",
            "force",
        ),
        (
            "pause_campaign",
            r#"{"campaign": "Nope"}"#,
            "not_found",
            "campaign",
        ),
        (
            "pause_campaign",
            unknown_id.as_str(),
            "not_found",
            "campaign",
        ),
        (
            "list_leads",
            r#"{"stage": "dancing"}"#,
            "invalid_arguments",
            "stage",
        ),
        (
            "list_leads",
            r#"{"since": "last tuesday"}"#,
            "invalid_arguments",
            "since",
        ),
        (
            "list_leads",
            r#"{"limit": 0}"#,
            "invalid_arguments",
            "limit",
        ),
        (
            "list_leads",
            r#"{"campaign": "Nope"}"#,
            "not_found",
            "campaign",
        ),
        (
            "list_campaigns",
            r#"{"status": "sleeping"}"#,
            "invalid_arguments",
            "status",
        ),
        ("enrich_lead", r#"{"lead": "Nobody"}"#, "not_found", "lead"),
        (
            "draft_dm",
            r#"{"lead": "Nobody", "campaign": "Nope"}"#,
            "not_found",
            "campaign",
        ),
        (
            "search_lead_magnets",
            r#"{"query": "!!"}"#,
            "invalid_arguments",
            "query",
        ),
        (
            "load_cartridge",
            r#"{"cartridge": ""}"#,
            "invalid_arguments",
            "cartridge",
        ),
        (
            "switch_cartridge",
            r#"{"cartridge": "Nope"}"#,
            "not_found",
            "cartridge",
        ),
    ] {
        let e = err(&t, &mut a.ctx, name, args).await;
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some(code), Some(field)),
            "{name}({args}): {e}"
        );
    }
    let e = err(&t, &mut a.ctx, "drop_tables", "{}").await;
    assert_eq!(e["code"], "unknown_tool");
    assert!(e["message"].as_str().unwrap().contains("create_campaign"));
    assert_eq!(a.ctx.cartridge, None, "a failed switch changes nothing");

    // An empty argument string means no arguments.
    let r = ToolRegistry::standard()
        .call(&t.app, &mut a.ctx, "list_campaigns", "")
        .await;
    assert!(r.ok, "{}", r.value);

    // An agent's narrowed tool set refuses the others.
    let narrow = ToolRegistry::standard().only(&["list_campaigns", "no_such_tool"]);
    assert!(narrow.contains("list_campaigns") && !narrow.contains("pause_campaign"));
    assert_eq!(narrow.specs().len(), 1);
    let r = narrow
        .call(&t.app, &mut a.ctx, "pause_campaign", r#"{"campaign": "x"}"#)
        .await;
    assert_eq!(r.value["error"]["code"], "unknown_tool");
}

async fn create_campaign_defaults_and_its_errors(db: Db) {
    let t = TestApp::spawn(db).await;
    let mut bare = workspace(&t, "bo@bare.io", false).await;
    let e = err(
        &t,
        &mut bare.ctx,
        "create_campaign",
        r#"{"name": "X", "lead_magnet_title": "Y"}"#,
    )
    .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("not_found"), Some("linkedin_account"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("no LinkedIn account"),
        "{e}"
    );

    let mut a = workspace(&t, "ana@acme.io", true).await;
    let r = ok(
        &t,
        &mut a.ctx,
        "create_campaign",
        json!({"name": "Q3", "client": "", "lead_magnet_title": "The Guide", "trigger_words": ["guide", " playbook "],
               "watched_posts": ["7332661864792854528"]}),
    )
    .await;
    let d = &r.value["defaults"];
    assert!(
        d["lead_magnet_url"]
            .as_str()
            .unwrap()
            .starts_with("https://example.com/lead-magnets/the-guide"),
        "{d}"
    );
    assert_eq!(d["linkedin_account"]["display_name"], "Ana's account");
    assert!(
        d["dm_template"].is_string() && d.get("client").is_none(),
        "{d}"
    );
    assert!(r.summary.contains("defaults used for"), "{}", r.summary);
    assert_eq!(
        r.value["missing_before_activation"][0]["field"], "lead_magnet.url",
        "the placeholder is named: {}",
        r.value
    );
    assert_eq!(
        r.value["missing_before_activation"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        r.summary
            .contains("cannot be activated yet: lead_magnet.url: is a placeholder"),
        "{}",
        r.summary
    );
    let id: Uuid = r.value["campaign"]["id"].as_str().unwrap().parse().unwrap();
    let c = t.app.get_campaign(&a.ctx.principal, id).await.unwrap();
    assert_eq!(c.spec.name, "Q3");
    assert_eq!(c.spec.trigger_words, ["guide", "playbook"]);
    assert_eq!(c.spec.watched_posts, ["7332661864792854528"]);
    assert_eq!(c.spec.lead_magnet.title, "The Guide");
    assert_eq!(
        c.spec.lead_magnet.url,
        "https://example.com/lead-magnets/the-guide"
    );
    assert_eq!(c.spec.cartridge_id, None);
    assert!(c.sandbox);

    // Given values win over defaults; bad ones are named.
    let r = ok(
        &t,
        &mut a.ctx,
        "create_campaign",
        json!({"name": "Q4", "lead_magnet_title": "T", "lead_magnet_url": "https://acme.io/t",
               "linkedin_account": "ana's ACCOUNT", "dm_template": "Hey {{ first_name }}: {{ lead_magnet_url }}"}),
    )
    .await;
    assert_eq!(r.value["defaults"], json!({}));
    assert_eq!(
        r.value["missing_before_activation"],
        json!([{"field": "watched_posts",
                "message": "must name at least one LinkedIn post to watch before the campaign is activated"}])
    );
    assert_eq!(
        r.value["campaign"]["dm_template"],
        "Hey {{ first_name }}: {{ lead_magnet_url }}"
    );
    for (args, code, field) in [
        (
            json!({"name": "Z", "lead_magnet_title": "T", "trigger_words": ["!!!"]}),
            "validation_failed",
            "trigger_words[0]",
        ),
        (
            json!({"name": "Z", "lead_magnet_title": "T", "lead_magnet_url": "ftp://x"}),
            "validation_failed",
            "lead_magnet.url",
        ),
        (
            json!({"name": "Z", "lead_magnet_title": "T", "dm_template": "Hi {{ nick }}"}),
            "validation_failed",
            "dm_template",
        ),
        (
            json!({"name": "Z", "lead_magnet_title": "T", "client": "Nope"}),
            "not_found",
            "client",
        ),
        (
            json!({"name": "Z", "lead_magnet_title": "T", "linkedin_account": "Nope"}),
            "not_found",
            "linkedin_account",
        ),
        (
            json!({"name": "Z"}),
            "invalid_arguments",
            "lead_magnet_title",
        ),
    ] {
        let e = err(&t, &mut a.ctx, "create_campaign", &args.to_string()).await;
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some(code), Some(field)),
            "{args}: {e}"
        );
    }
    let r = ok(&t, &mut a.ctx, "list_campaigns", json!({})).await;
    assert_eq!(
        names(&r.value["campaigns"], "name"),
        ["Q3", "Q4"],
        "failed creations leave nothing"
    );
}

async fn tools_see_only_their_workspace(db: Db) {
    let t = TestApp::spawn(db).await;
    let mut a = workspace(&t, "ana@acme.io", true).await;
    let mut b = workspace(&t, "bo@other.io", true).await;
    let r = ok(
        &t,
        &mut a.ctx,
        "create_campaign",
        json!({"name": "Spring Guide", "lead_magnet_title": "Hiring checklist",
               "lead_magnet_url": "https://acme.io/hiring-checklist", "watched_posts": ["7332661864792854528"]}),
    )
    .await;
    let id: Uuid = r.value["campaign"]["id"].as_str().unwrap().parse().unwrap();
    t.app
        .transition_campaign(&a.ctx.principal, id, Transition::Activate)
        .await
        .unwrap();
    let ana = lead(&t, a.tenant, "Ana Lopez", id, "replied", t.app.now(), false).await;
    let (status, cart) = t
        .post("/api/v1/cartridges", Some(&a.token), cartridge("Acme"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cart}");

    let r = ok(&t, &mut b.ctx, "list_campaigns", json!({})).await;
    assert_eq!(r.value["campaigns"], json!([]));
    for args in [json!({"campaign": "Spring Guide"}), json!({"campaign": id})] {
        let e = err(&t, &mut b.ctx, "pause_campaign", &args.to_string()).await;
        assert_eq!(e["code"], "not_found", "{e}");
    }
    let e = err(
        &t,
        &mut b.ctx,
        "enrich_lead",
        &json!({"lead": ana}).to_string(),
    )
    .await;
    assert_eq!(e["code"], "not_found");
    let e = err(
        &t,
        &mut b.ctx,
        "switch_cartridge",
        r#"{"cartridge": "Acme"}"#,
    )
    .await;
    assert_eq!(e["code"], "not_found");
    let r = ok(&t, &mut b.ctx, "list_leads", json!({"text": "Ana"})).await;
    assert_eq!(r.value["leads"], json!([]));
    let r = ok(
        &t,
        &mut b.ctx,
        "search_lead_magnets",
        json!({"query": "hiring"}),
    )
    .await;
    assert_eq!(r.value["lead_magnets"], json!([]));
    let r = ok(&t, &mut b.ctx, "funnel_report", json!({})).await;
    assert_eq!(r.value["total"]["scraped"], 0);
    let c = t.app.get_campaign(&a.ctx.principal, id).await.unwrap();
    assert_eq!(
        c.status,
        CampaignStatus::Active,
        "B could not pause A's campaign"
    );
}

async fn campaign_tools_take_a_sequence_checked_as_the_api_checks_it(db: Db) {
    let t = TestApp::spawn(db).await;
    let mut a = workspace(&t, "ana@acme.io", true).await;
    let base = json!({"name": "Seq", "lead_magnet_title": "T", "lead_magnet_url": "https://acme.io/t",
                      "watched_posts": ["7332661864792854528"]});
    let with_steps = |steps: Value| {
        let mut args = base.clone();
        args["steps"] = steps;
        args
    };
    let r = ok(
        &t,
        &mut a.ctx,
        "create_campaign",
        with_steps(json!([
            {"variants": [{"template": "Hi {{ first_name }}: {{ lead_magnet_url }}", "weight": 2},
                          {"template": "Hello {{ first_name }}, here: {{ lead_magnet_url }}"}]},
            {"delay_hours": 72, "condition": "opened_magnet", "variants": [{"template": "Did it help?"}]}
        ])),
    )
    .await;
    assert!(
        r.value["defaults"].get("dm_template").is_none(),
        "the DM is the first text: {}",
        r.value["defaults"]
    );
    let c = &r.value["campaign"];
    assert_eq!(
        c["dm_template"],
        "Hi {{ first_name }}: {{ lead_magnet_url }}"
    );
    let steps = c["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "{c}");
    assert_eq!(steps[0]["variants"][0]["weight"], 2);
    assert_eq!(steps[0]["variants"][1]["weight"], 1);
    assert_eq!(
        (
            steps[1]["delay_hours"].as_u64(),
            steps[1]["condition"].as_str()
        ),
        (Some(72), Some("opened_magnet"))
    );
    let id = c["id"].as_str().unwrap().to_owned();
    let ids: Vec<String> = steps
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();

    // The API's rules, named as the API names them.
    let six: Vec<Value> = (0..6)
        .map(|i| json!({"template": format!("Text {i}")}))
        .collect();
    for (steps, field) in [
        (
            json!([{"variants": [{"template": "Hi"}]}, {"delay_hours": 0, "variants": [{"template": "Again"}]}]),
            "steps[1].delay_hours",
        ),
        (
            json!([{"variants": [{"template": "Hi"}]}, {"delay_hours": 5, "condition": "later", "variants": [{"template": "x"}]}]),
            "steps[1].condition",
        ),
        (json!([{"variants": six}]), "steps[0].variants"),
        (
            json!([{"variants": [{"template": "Hi"}]}, {"delay_hours": 5, "variants": [{"template": "Hi {{ nick }}"}]}]),
            "steps[1].variants[0].template",
        ),
    ] {
        let args = with_steps(steps.clone());
        let e = err(&t, &mut a.ctx, "create_campaign", &args.to_string()).await;
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some("validation_failed"), Some(field)),
            "{steps}: {e}"
        );
        let (status, api) = t
            .post("/api/v1/campaigns", Some(&a.token), json!({
                "name": "Seq", "linkedin_account_id": t.app.list_accounts(&a.ctx.principal, revos_domain::PageRequest { limit: 1, after: None }).await.unwrap().items[0].id,
                "lead_magnet": {"title": "T", "url": "https://acme.io/t"}, "steps": steps.clone()
            }))
            .await;
        if field != "steps[1].condition" {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{api}");
            assert!(
                crate::helpers::error_fields(&api).contains(&field.to_owned()),
                "the API names {field} too: {api}"
            );
        }
    }

    // Restated without ids, with a third step: the two steps keep theirs.
    t.app
        .transition_campaign(&a.ctx.principal, id.parse().unwrap(), Transition::Activate)
        .await
        .unwrap();
    let r = ok(
        &t,
        &mut a.ctx,
        "update_campaign_steps",
        json!({"campaign": "seq", "steps": [
            {"variants": [{"template": "Hi again {{ first_name }}: {{ lead_magnet_url }}"},
                          {"template": "Hello {{ first_name }}, here: {{ lead_magnet_url }}"}]},
            {"delay_hours": 48, "condition": "opened_magnet", "variants": [{"template": "Did it help?"}]},
            {"delay_hours": 24, "variants": [{"template": "Last note"}]}
        ]}),
    )
    .await;
    assert!(
        r.summary.contains("3 step(s), 2 of them kept"),
        "{}",
        r.summary
    );
    let c = t
        .app
        .get_campaign(&a.ctx.principal, id.parse().unwrap())
        .await
        .unwrap();
    let now: Vec<&str> = c.spec.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(now[..2], [ids[0].as_str(), ids[1].as_str()]);
    assert!(!ids.iter().any(|i| i == now[2]), "a new step, a new id");
    assert_eq!(
        c.spec.dm_template,
        "Hi again {{ first_name }}: {{ lead_magnet_url }}"
    );
    assert_eq!(c.spec.steps[1].delay_hours, 48);
    assert_eq!(c.status, CampaignStatus::Active);
    for (args, code, field) in [
        (
            json!({"campaign": "seq", "steps": []}),
            "validation_failed",
            "steps",
        ),
        (
            json!({"campaign": "nope", "steps": [{"variants": [{"template": "x"}]}]}),
            "not_found",
            "campaign",
        ),
        (
            json!({"campaign": "seq", "steps": [{"variants": [{"template": "x"}]}, {"delay_hours": 9999, "variants": [{"template": "y"}]}]}),
            "validation_failed",
            "steps[1].delay_hours",
        ),
    ] {
        let e = err(&t, &mut a.ctx, "update_campaign_steps", &args.to_string()).await;
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some(code), Some(field)),
            "{args}: {e}"
        );
    }
}
