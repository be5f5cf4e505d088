//! The PostHog export end to end: a workspace turns its export on through the API, the
//! pipeline runs through the real workers against the fake Unipile and Apollo, a post is
//! approved and a chat command used, while the fake PostHog is down for hours; once it is back
//! (after a 429, a timeout and an answer lost after it took a batch) it holds every event of
//! that workspace exactly once by `uuid`, batched, in order, with the workspace as the group
//! and the member who acted as `distinct_id`. A second workspace whose export is off sends
//! nothing. The settings are validated, and the operator's web snippet shows up (and the
//! Content-Security-Policy allows it) only when it is set.

use crate::agents::chat;
use crate::campaign_fakes::activated_campaign;
use crate::helpers::{Db, TestApp, cartridge, error_fields};
use chrono::Duration;
use reqwest::StatusCode;
use revos_app::providers::{OutboundPolicy, PrivateUrls, ProviderSettings};
use revos_providers::fakes::Fault;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::fakes::posthog::{FakePostHog, Running as PostHogRunning};
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};

const POST: &str = "7400000000000000400";
const INSTANCE_KEY: &str = "phc_instance_project";

struct World {
    t: TestApp,
    unipile: revos_providers::fakes::unipile::Running,
    _apollo: revos_providers::fakes::apollo::Running,
    posthog: PostHogRunning,
}

/// The app with the fake Unipile, Apollo and PostHog as the instance's own; workspace URLs
/// may reach 127.0.0.1 (where the fakes listen).
async fn world(db: Db) -> World {
    let unipile = FakeUnipile::start().await;
    let apollo = FakeApollo::start().await;
    let posthog = FakePostHog::start(INSTANCE_KEY).await;
    let t = TestApp::spawn_providers(
        db,
        ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            apollo_url: apollo.base_url.clone(),
            apollo_key: Some("apollo-key".to_owned().into()),
            posthog_url: posthog.base_url.clone(),
            posthog_key: Some(INSTANCE_KEY.to_owned().into()),
            timeout: std::time::Duration::from_millis(500),
            outbound: OutboundPolicy::new(PrivateUrls::Networks(vec![
                "127.0.0.1/32".parse().unwrap(),
            ])),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    unipile
        .state
        .add_post(POST, "Comment GUIDE for the playbook");
    World {
        t,
        unipile,
        _apollo: apollo,
        posthog,
    }
}

/// A campaign of `token`'s workspace on the account `acc1`, watching [`POST`].
async fn campaign(w: &World, token: &str) {
    let account = crate::helpers::unipile_account(&w.t, token, (120, 900), 50).await;
    let body = json!({
        "name": "Playbook", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    activated_campaign(&w.t, token, body).await;
}

/// Every job kind with the production schedules (comments polled every five minutes).
fn runner(w: &World) -> revos_jobs::Runner<revos_app::App> {
    let crons = revos_workers::crons()
        .into_iter()
        .map(|c| {
            if c.name == "poll-comments" {
                revos_jobs::Cron::every(
                    "poll-comments",
                    std::time::Duration::from_secs(300),
                    revos_app::outreach::monitor::PollCampaigns,
                )
            } else {
                c
            }
        })
        .collect();
    revos_jobs::Runner::new(
        revos_workers::registry(&w.t.app),
        w.t.app.clone(),
        w.t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        crons,
    )
}

async fn run_for(w: &World, minutes: i64) {
    let until = w.t.app.now() + Duration::minutes(minutes);
    runner(w)
        .run_simulated_until(&w.t.clock, until)
        .await
        .unwrap();
}

async fn analytics(w: &World, token: &str) -> Value {
    let (status, body) = w.t.get("/api/v1/analytics", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The received events of workspace `tenant`.
fn of_workspace(events: &[Value], tenant: &str) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["properties"]["$groups"]["workspace"] == tenant)
        .cloned()
        .collect()
}

/// `(lead, kind)` of every event on the timelines of `token`'s leads, counted.
async fn timeline_events(w: &World, token: &str) -> BTreeMap<(String, String), usize> {
    let (status, leads) = w.t.get("/api/v1/leads?limit=200", token).await;
    assert_eq!(status, StatusCode::OK, "{leads}");
    let mut counted = BTreeMap::new();
    for lead in leads["items"].as_array().unwrap() {
        let id = lead["id"].as_str().unwrap();
        let (_, detail) = w.t.get(&format!("/api/v1/leads/{id}"), token).await;
        for entry in detail["timeline"].as_array().unwrap() {
            if entry["type"] == "event" {
                let kind = entry["kind"].as_str().unwrap().to_owned();
                *counted.entry((id.to_owned(), kind)).or_insert(0) += 1;
            }
        }
    }
    counted
}

crate::both_backends!(
    posthog_down_for_hours_gets_every_event_once_in_order_and_a_workspace_with_analytics_off_sends_nothing,
    analytics_settings_are_validated_and_guarded,
    a_workspace_with_its_own_project_sends_there_with_its_own_key,
    the_web_snippet_shows_only_when_set_and_the_csp_allows_it,
    an_inline_snippet_is_served_from_this_origin_under_the_csp,
);

async fn posthog_down_for_hours_gets_every_event_once_in_order_and_a_workspace_with_analytics_off_sends_nothing(
    db: Db,
) {
    let w = world(db).await;
    let (dana, dana_tenant, dana_user) = w.t.signup("dana@example.com", "Acme").await;
    let (eve, eve_tenant, _) = w.t.signup("eve@example.com", "Quiet").await;
    assert_eq!(
        analytics(&w, &dana).await["enabled"],
        false,
        "off by default"
    );
    let (status, on) =
        w.t.put("/api/v1/analytics", &dana, json!({"enabled": true}))
            .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(on["enabled"], true);
    assert_eq!(on["destination"], "instance");

    // PostHog is down from the start: a 429 (waited out), a timeout, an answer lost after
    // PostHog took the batch (so that batch arrives twice, with the same uuids), then 500s.
    w.posthog.state.fail_always(Some(Fault::ServerError));
    w.posthog.state.inject([
        Fault::RateLimited {
            retry_after_secs: 120,
        },
        Fault::Stall(1_500),
        Fault::StallAfterEffect(1_500),
    ]);
    campaign(&w, &dana).await;
    for i in 0..3 {
        let who = format!("ACoP{i}");
        w.unipile
            .state
            .add_comment(POST, &who, &format!("Lead{i} Doe"), "GUIDE", true);
        w.unipile.state.connect("acc1", &who);
    }
    // Eve's workspace works too, with its export off: a post approved, a chat command.
    for token in [&dana, &eve] {
        let (status, cart) =
            w.t.post("/api/v1/cartridges", Some(token), cartridge("Voice"))
                .await;
        assert_eq!(status, StatusCode::CREATED, "{cart}");
        let (status, p) =
            w.t.post(
                "/api/v1/posts",
                Some(token),
                json!({"body": "Managers: stop fixing, start asking.", "cartridge_id": cart["id"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        let id = p["id"].as_str().unwrap();
        for action in ["submit", "approve"] {
            let (status, p) =
                w.t.post(
                    &format!("/api/v1/posts/{id}/{action}"),
                    Some(token),
                    json!({}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{p}");
        }
        let (status, s) =
            w.t.post("/api/v1/chat/sessions", Some(token), json!({}))
                .await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
        let events = chat(&w.t, token, s["id"].as_str().unwrap(), "list campaigns").await;
        assert!(
            events.iter().any(|e| e.event == "tool_result"),
            "{events:?}"
        );
    }
    run_for(&w, 60).await;
    run_for(&w, 120).await;

    // Three hours later: attempts were made, nothing but the lost answer's batch arrived,
    // nothing was lost.
    assert!(w.posthog.state.requests() >= 8, "the shipper kept trying");
    assert_eq!(w.posthog.state.batches().len(), 1);
    let state = analytics(&w, &dana).await;
    assert!(state["pending"].as_i64().unwrap() > 5, "{state}");
    assert!(state["failures"].as_i64().unwrap() >= 5, "{state}");
    assert_eq!(
        state["last_error"], "posthog: unavailable (HTTP 500)",
        "{state}"
    );
    let during = w.posthog.state.requests();

    // PostHog is back: within the longest wait (an hour) everything is sent.
    w.posthog.state.fail_always(None);
    run_for(&w, 65).await;
    run_for(&w, 5).await;
    assert!(w.posthog.state.requests() > during);
    let state = analytics(&w, &dana).await;
    assert_eq!(state["pending"], 0, "{state}");
    assert_eq!(state["failures"], 0, "{state}");
    assert_eq!(state["last_error"], Value::Null, "{state}");

    let received = w.posthog.state.received();
    let events = w.posthog.state.events();
    let batches = w.posthog.state.batches();
    // Exactly once by uuid: only the batch whose answer was lost arrived twice.
    let ids = |b: &Value| -> Vec<String> {
        b["batch"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["uuid"].as_str().unwrap().to_owned())
            .collect()
    };
    let (first, again) = (ids(&batches[0]), ids(&batches[1]));
    assert_eq!(
        first,
        again[..first.len()],
        "the lost answer's events were sent again first, with the same uuids"
    );
    assert_eq!(received.len(), events.len() + first.len());
    let uuids: Vec<&str> = events.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    assert_eq!(
        uuids.iter().collect::<HashSet<_>>().len(),
        uuids.len(),
        "each uuid once"
    );
    // In order (the ids are time-ordered), and batched.
    let mut sorted = uuids.clone();
    sorted.sort();
    assert_eq!(uuids, sorted, "events arrive in the order they happened");
    assert!(batches.len() < events.len(), "{} batches", batches.len());
    for b in &batches {
        assert_eq!(b["api_key"], INSTANCE_KEY);
        assert!(b["batch"].as_array().unwrap().len() <= 100);
    }

    // Only Dana's workspace, every event of its leads' timelines, once.
    assert!(
        of_workspace(&events, &eve_tenant).is_empty(),
        "analytics off sends nothing"
    );
    assert_eq!(of_workspace(&events, &dana_tenant).len(), events.len());
    let mut exported: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in &events {
        if let Some(lead) = e["properties"]["lead_id"].as_str() {
            let kind = e["event"].as_str().unwrap().to_owned();
            *exported.entry((lead.to_owned(), kind)).or_insert(0) += 1;
        }
    }
    let expected = timeline_events(&w, &dana).await;
    assert_eq!(exported, expected);
    let kinds: HashSet<(&str, &str)> = expected.keys().map(|(_, k)| ("lead", k.as_str())).collect();
    for k in ["lead_scraped", "lead_enriched", "dm_queued", "dm_sent"] {
        assert!(kinds.contains(&("lead", k)), "{k} missing from {kinds:?}");
    }
    for e in events
        .iter()
        .filter(|e| e["properties"]["lead_id"].is_string())
    {
        assert_eq!(e["distinct_id"], format!("workspace:{dana_tenant}"));
        assert!(e["timestamp"].is_string() && e["properties"].get("text").is_none());
    }
    let enriched = events
        .iter()
        .find(|e| e["event"] == "lead_enriched")
        .unwrap();
    assert!(enriched["properties"]["credits"].is_number(), "{enriched}");

    // Feature use: the approval and the chat command, by Dana herself.
    let approved = events
        .iter()
        .find(|e| e["event"] == "post_approved")
        .unwrap();
    assert_eq!(approved["distinct_id"], dana_user.as_str(), "{approved}");
    assert!(
        approved["properties"].get("final").is_none(),
        "no post text leaves"
    );
    let command = events
        .iter()
        .find(|e| e["event"] == "feature_used")
        .unwrap();
    assert_eq!(command["distinct_id"], dana_user.as_str());
    assert_eq!(command["properties"]["feature"], "chat_command");
    assert_eq!(command["properties"]["tool"], "list_campaigns");
    assert_eq!(analytics(&w, &eve).await["pending"], 0);
}

async fn analytics_settings_are_validated_and_guarded(db: Db) {
    let unguarded = FakePostHog::start("phc_other").await;
    let t = TestApp::spawn_providers(
        db,
        ProviderSettings {
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    let (token, _, _) = t.signup("ann@example.com", "Solo").await;

    // No key of its own and none on the instance: it cannot be turned on.
    let (status, body) = t
        .put("/api/v1/analytics", &token, json!({"enabled": true}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["api_key"]);
    assert_eq!(
        t.get("/api/v1/analytics", &token).await.1["destination"],
        "none"
    );

    // A workspace URL into the operator's network is refused, naming the field.
    let (status, body) = t
        .put(
            "/api/v1/analytics",
            &token,
            json!({"enabled": true, "api_key": "phc_other", "url": unguarded.base_url}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["url"]);
    let (status, body) = t
        .put(
            "/api/v1/secrets/posthog_url",
            &token,
            json!({"value": "http://10.0.0.1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, body) = t
        .put("/api/v1/analytics", &token, json!({"api_key": "has space"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["api_key"]);
    let (status, body) = t
        .put("/api/v1/analytics", &token, json!({"enabeld": true}))
        .await;
    assert!(status.is_client_error(), "{body}");

    // Its own key (to PostHog Cloud by default), masked.
    let (status, body) = t
        .put(
            "/api/v1/analytics",
            &token,
            json!({"enabled": true, "api_key": "phc_own_project_key_123"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["destination"], "workspace");
    assert_eq!(body["url"], "https://us.i.posthog.com");
    assert_eq!(body["api_key"], "••••_123");
    assert!(!body.to_string().contains("phc_own"), "{body}");
    let (status, body) = t
        .put("/api/v1/analytics", &token, json!({"enabled": false}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["enabled"], false);
    assert_eq!(
        unguarded.state.requests(),
        0,
        "the refused URL was never contacted"
    );
}

async fn the_web_snippet_shows_only_when_set_and_the_csp_allows_it(db: Db) {
    let snippet = revos_domain::web_analytics::WebAnalytics::parse(
        "https://www.clarity.ms/tag/abc123",
        "https://*.clarity.ms",
    )
    .unwrap();
    for (with, db) in [(true, db), (false, db)] {
        let t = TestApp::spawn_providers(
            db,
            ProviderSettings {
                web_analytics: with.then(|| snippet.clone()),
                ..Default::default()
            },
        )
        .await;
        let (token, _, _) = t.signup("sam@example.com", "Snip").await;
        let resp = t
            .http
            .get(format!("{}/settings", t.base))
            .header("cookie", format!("revos_session={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        // The page escapes the URL as it escapes every value (`/` as `&#x2f;`).
        let html = resp.text().await.unwrap().replace("&#x2f;", "/");
        let tag = r#"<script src="https://www.clarity.ms/tag/abc123" async></script>"#;
        let sources = "https://www.clarity.ms https://*.clarity.ms";
        assert_eq!(html.contains(tag), with, "{html}");
        assert_eq!(html.contains("clarity"), with);
        for directive in ["script-src", "connect-src"] {
            assert_eq!(
                csp.contains(&format!("{directive} 'self' {sources};")),
                with,
                "{csp}"
            );
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        if !with {
            assert!(csp.contains("script-src 'self';"), "{csp}");
        }
    }
}

/// A Content-Security-Policy header as directive name → sources.
fn directives(csp: &str) -> std::collections::HashMap<String, Vec<String>> {
    csp.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            let name = words.next()?.to_owned();
            Some((name, words.map(str::to_owned).collect()))
        })
        .collect()
}

/// PostHog's standard snippet as its settings page gives it (shortened), inline script.
const POSTHOG_SNIPPET: &str = "<script>\n    !function(t,e){var o,n,p,r;e.__SV||(window.posthog=e,e._i=[],e.init=function(i,s,a){p=t.createElement(\"script\"),p.type=\"text/javascript\",p.async=!0,p.src=s.api_host.replace(\".i.posthog.com\",\"-assets.i.posthog.com\")+\"/static/array.js\",(r=t.getElementsByTagName(\"script\")[0]).parentNode.insertBefore(p,r)},e.__SV=1)}(document,window.posthog||[]);\n    posthog.init('phc_test_key',{api_host:'https://us.i.posthog.com', person_profiles: 'identified_only'})\n</script>\n";

async fn an_inline_snippet_is_served_from_this_origin_under_the_csp(db: Db) {
    let origins = "https://us.i.posthog.com, https://us-assets.i.posthog.com";
    let snippet =
        revos_domain::web_analytics::WebAnalytics::from_parts(None, Some(POSTHOG_SNIPPET), origins)
            .unwrap();
    for with in [true, false] {
        let t = TestApp::spawn_providers(
            db,
            ProviderSettings {
                web_analytics: with.then(|| snippet.clone()),
                ..Default::default()
            },
        )
        .await;
        let (token, _, _) = t.signup("sam@example.com", "Snip").await;
        for page in ["/", "/settings", "/leads"] {
            let resp = t
                .http
                .get(format!("{}{page}", t.base))
                .header("cookie", format!("revos_session={token}"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{page}");
            let csp = resp.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned();
            let html = resp.text().await.unwrap().replace("&#x2f;", "/");
            let tag = r#"<script src="/assets/web-analytics.js" defer></script>"#;
            assert_eq!(html.contains(tag), with, "{page}: {html}");
            // The page itself carries no inline script: every script element has a src.
            for script in html.split("<script").skip(1) {
                let open = script.split('>').next().unwrap();
                assert!(open.contains(" src="), "{page}: inline <script{open}>");
            }
            assert!(!html.contains("posthog.init"), "{page}");
            let d = directives(&csp);
            assert!(!csp.contains("unsafe-inline"), "{csp}");
            assert!(!csp.contains("unsafe-eval"), "{csp}");
            for directive in ["script-src", "connect-src", "img-src"] {
                let sources = &d[directive];
                assert!(sources.contains(&"'self'".to_owned()), "{csp}");
                for origin in [
                    "https://us.i.posthog.com",
                    "https://us-assets.i.posthog.com",
                ] {
                    assert_eq!(
                        sources.contains(&origin.to_owned()),
                        with,
                        "{directive} and {origin}: {csp}"
                    );
                }
            }
            assert_eq!(d["default-src"], ["'self'"], "{csp}");
        }
        // The script the pages load: the snippet's JavaScript, from this origin.
        let resp = t
            .http
            .get(format!("{}/assets/web-analytics.js", t.base))
            .send()
            .await
            .unwrap();
        if with {
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(
                resp.headers()["content-type"],
                "text/javascript; charset=utf-8"
            );
            let js = resp.text().await.unwrap();
            assert!(js.starts_with("!function(t,e)"), "{js}");
            assert!(js.ends_with("person_profiles: 'identified_only'})"), "{js}");
            assert!(!js.contains("<script") && !js.contains("</script>"), "{js}");
        } else {
            assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        }
    }
}

async fn a_workspace_with_its_own_project_sends_there_with_its_own_key(db: Db) {
    let w = world(db).await;
    w.posthog.state.add_key("phc_own_project");
    let (token, tenant, user) = w.t.signup("olga@example.com", "Own").await;
    let (status, body) =
        w.t.put(
            "/api/v1/analytics",
            &token,
            json!({"enabled": true, "api_key": "phc_own_project", "url": w.posthog.base_url}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["destination"], "workspace");
    assert_eq!(body["url"], w.posthog.base_url.as_str());
    let (status, cart) =
        w.t.post("/api/v1/cartridges", Some(&token), cartridge("Voice"))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{cart}");
    let (status, p) =
        w.t.post(
            "/api/v1/posts",
            Some(&token),
            json!({"body": "A first post.", "cartridge_id": cart["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    run_for(&w, 2).await;
    let batches = w.posthog.state.batches();
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert_eq!(
        batches[0]["api_key"], "phc_own_project",
        "its own key, not the instance's"
    );
    let events = w.posthog.state.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"], "post_drafted");
    assert_eq!(events[0]["distinct_id"], user.as_str());
    assert_eq!(
        events[0]["properties"]["$groups"]["workspace"],
        tenant.as_str()
    );
    assert_eq!(analytics(&w, &token).await["pending"], 0);
}
