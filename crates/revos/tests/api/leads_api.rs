//! The read API over leads: lists with filters, search and pagination, a lead's timeline, the
//! CSV export, campaign funnels with cost per lead, the do-not-contact list, tenant isolation
//! and bad input. Leads, events and messages are written straight through the store, as the
//! pipeline writes them.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use chrono::Duration;
use reqwest::StatusCode;
use revos_domain::TenantId;
use revos_store::leads::{Enrichment, NewLead};
use revos_store::{events, leads, messages};
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(
    lists_filter_search_and_paginate,
    lead_detail_merges_events_and_messages_oldest_first,
    csv_export_quotes_cells_and_defuses_formulas,
    funnel_counts_every_step_reached_and_cost_per_lead,
    do_not_contact_add_list_remove,
    other_workspaces_and_bad_input,
);

/// A workspace with a sandbox LinkedIn account. Returns (token, tenant, account).
pub(crate) async fn workspace(t: &TestApp, email: &str) -> (String, TenantId, String) {
    let (token, tenant, _) = t.signup(email, "Acme").await;
    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    (
        token,
        TenantId(tenant.parse().unwrap()),
        acct["id"].as_str().unwrap().to_owned(),
    )
}

/// A draft campaign named `name` on `account`.
pub(crate) async fn campaign(t: &TestApp, token: &str, account: &str, name: &str) -> Uuid {
    let (status, c) = t
        .post(
            "/api/v1/campaigns",
            Some(token),
            json!({
                "name": name,
                "linkedin_account_id": account,
                "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
                "trigger_words": ["GUIDE"],
                "watched_posts": ["7332661864792854528"],
                "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().parse().unwrap()
}

/// A person to seed as a lead.
#[derive(Default)]
pub(crate) struct Person<'a> {
    pub(crate) provider_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) headline: Option<&'a str>,
    pub(crate) email: Option<&'a str>,
    pub(crate) company: Option<&'a str>,
    pub(crate) title: Option<&'a str>,
    pub(crate) sandbox: bool,
    pub(crate) do_not_contact: bool,
}

/// Stores a lead as the pipeline does (enriched when a company or title is given) and joins
/// it to each campaign at the given stage.
pub(crate) async fn add_lead(
    t: &TestApp,
    tenant: TenantId,
    p: Person<'_>,
    campaigns: &[(Uuid, &str)],
) -> Uuid {
    let now = t.app.now();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let new = NewLead {
        provider_id: p.provider_id,
        name: p.name,
        linkedin_url: Some("https://www.linkedin.com/in/someone"),
        headline: p.headline,
        email: p.email,
        sandbox: p.sandbox,
    };
    let lead = leads::upsert(&mut tx, tenant, &new, now).await.unwrap().id;
    if p.company.is_some() || p.title.is_some() {
        let e = Enrichment {
            email: None,
            email_status: None,
            title: p.title,
            company: p.company,
            industry: None,
            company_size: None,
        };
        leads::record_enrichment(&mut tx, tenant, lead, &e, now)
            .await
            .unwrap();
    }
    if p.do_not_contact {
        leads::set_do_not_contact(&mut tx, tenant, lead, true, now)
            .await
            .unwrap();
    }
    for (c, stage) in campaigns {
        assert!(
            leads::join_campaign(&mut tx, tenant, *c, lead, None, stage.parse().unwrap(), now)
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();
    lead
}

/// Appends an event as the pipeline does, at the app's current time.
async fn event(
    t: &TestApp,
    tenant: TenantId,
    kind: &str,
    lead: Option<Uuid>,
    campaign: Option<Uuid>,
    cost: f64,
) {
    let data = json!({"campaign_id": campaign, "lead_id": lead, "cost": cost}).to_string();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let at = t.app.now();
    events::append_with_cost(&mut tx, tenant, kind, campaign, lead, &data, Some(cost), at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The ids of a list answer's items.
fn ids(page: &Value) -> Vec<Uuid> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {page}"))
        .iter()
        .map(|l| l["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// GETs a list and returns its ids, asserting 200.
async fn list_ids(t: &TestApp, path: &str, token: &str) -> Vec<Uuid> {
    let (status, page) = t.get(path, token).await;
    assert_eq!(status, StatusCode::OK, "{path}: {page}");
    ids(&page)
}

async fn lists_filter_search_and_paginate(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, account) = workspace(&t, "ana@example.com").await;
    let c1 = campaign(&t, &token, &account, "One").await;
    let c2 = campaign(&t, &token, &account, "Two").await;
    let ana = Person {
        provider_id: "ACo1",
        name: "Ana Lopez",
        email: Some("ana@acme.io"),
        company: Some("Acme, Inc."),
        title: Some("VP Sales"),
        sandbox: true,
        ..Person::default()
    };
    let ana = add_lead(&t, tenant, ana, &[(c1, "dm_sent")]).await;
    let ben = Person {
        provider_id: "ACo2",
        name: "Ben Smith",
        headline: Some("Growth 50% faster"),
        ..Person::default()
    };
    let ben = add_lead(&t, tenant, ben, &[(c1, "scraped"), (c2, "replied")]).await;
    let chloe = Person {
        provider_id: "ACo3",
        name: "Chloé Khan",
        company: Some("Globex"),
        do_not_contact: true,
        ..Person::default()
    };
    let chloe = add_lead(&t, tenant, chloe, &[(c2, "dm_sent")]).await;
    let dev = Person {
        provider_id: "ACo4",
        name: "Dev Rossi",
        ..Person::default()
    };
    let dev = add_lead(&t, tenant, dev, &[]).await;

    // Everyone, in creation order, with every field and no stage outside a campaign.
    let (status, all) = t.get("/api/v1/leads", &token).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(ids(&all), [ana, ben, chloe, dev]);
    assert_eq!(all["next_cursor"], Value::Null);
    let first = &all["items"][0];
    assert_eq!(first["provider_id"], "ACo1");
    assert_eq!(first["name"], "Ana Lopez");
    assert_eq!(first["email"], "ana@acme.io");
    assert_eq!(first["company"], "Acme, Inc.");
    assert_eq!(first["title"], "VP Sales");
    assert_eq!(first["sandbox"], true);
    assert_eq!(first["do_not_contact"], false);
    assert!(first["enriched_at"].is_string(), "{first}");
    assert!(first.get("stage").is_none(), "{first}");
    assert_eq!(all["items"][1]["sandbox"], false);
    assert_eq!(all["items"][1]["enriched_at"], Value::Null);

    // By campaign, each with its stage there.
    let (_, one) = t
        .get(&format!("/api/v1/leads?campaign_id={c1}"), &token)
        .await;
    assert_eq!(ids(&one), [ana, ben]);
    assert_eq!(one["items"][0]["stage"], "dm_sent");
    assert_eq!(one["items"][1]["stage"], "scraped");
    let (_, two) = t
        .get(&format!("/api/v1/campaigns/{c2}/leads"), &token)
        .await;
    assert_eq!(ids(&two), [ben, chloe]);
    assert_eq!(two["items"][0]["stage"], "replied");

    // By stage: in any campaign, or in the one given.
    assert_eq!(
        list_ids(&t, "/api/v1/leads?stage=dm_sent", &token).await,
        [ana, chloe]
    );
    assert_eq!(
        list_ids(
            &t,
            &format!("/api/v1/leads?campaign_id={c2}&stage=dm_sent"),
            &token
        )
        .await,
        [chloe]
    );
    assert_eq!(
        list_ids(
            &t,
            &format!("/api/v1/campaigns/{c1}/leads?stage=replied"),
            &token
        )
        .await,
        Vec::<Uuid>::new()
    );

    // Search ignores case, spans name, email, company, title and headline, and takes `%`
    // and `_` literally.
    for (q, want) in [
        ("ACME", vec![ana]),
        ("vp%20sales", vec![ana]),
        ("smith", vec![ben]),
        ("globex", vec![chloe]),
        ("@acme.io", vec![ana]),
        ("%25", vec![ben]),
        ("_", vec![]),
        ("nobody", vec![]),
    ] {
        assert_eq!(
            list_ids(&t, &format!("/api/v1/leads?q={q}"), &token).await,
            want,
            "q={q}"
        );
    }

    // The do-not-contact filter, alone and combined.
    assert_eq!(
        list_ids(&t, "/api/v1/leads?do_not_contact=true", &token).await,
        [chloe]
    );
    assert_eq!(
        list_ids(&t, "/api/v1/leads?do_not_contact=false", &token).await,
        [ana, ben, dev]
    );
    assert_eq!(
        list_ids(
            &t,
            &format!("/api/v1/leads?campaign_id={c2}&do_not_contact=false&q=ben"),
            &token
        )
        .await,
        [ben]
    );

    // Cursor pagination.
    let (_, p1) = t.get("/api/v1/leads?limit=3", &token).await;
    assert_eq!(ids(&p1), [ana, ben, chloe]);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = t
        .get(&format!("/api/v1/leads?limit=3&cursor={cursor}"), &token)
        .await;
    assert_eq!(ids(&p2), [dev]);
    assert_eq!(p2["next_cursor"], Value::Null);
    let (_, s1) = t.get("/api/v1/leads?stage=dm_sent&limit=1", &token).await;
    assert_eq!(ids(&s1), [ana]);
    let cursor = s1["next_cursor"].as_str().unwrap();
    assert_eq!(
        list_ids(
            &t,
            &format!("/api/v1/leads?stage=dm_sent&limit=1&cursor={cursor}"),
            &token
        )
        .await,
        [chloe],
        "the filter holds across pages"
    );
}

async fn lead_detail_merges_events_and_messages_oldest_first(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, account) = workspace(&t, "ana@example.com").await;
    let c1 = campaign(&t, &token, &account, "Playbook").await;
    let c2 = campaign(&t, &token, &account, "Webinar").await;
    let person = Person {
        provider_id: "ACo1",
        name: "Ana Lopez",
        ..Person::default()
    };
    let lead = add_lead(&t, tenant, person, &[(c1, "scraped"), (c2, "scraped")]).await;
    event(&t, tenant, "lead_scraped", Some(lead), Some(c1), 0.0).await;
    t.clock.advance(Duration::minutes(1));
    // The DM is recorded (queued) now but goes out two minutes later.
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    assert!(
        messages::insert_dm(&mut tx, tenant, (c1, lead), "1", None, t.app.now())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    t.clock.advance(Duration::minutes(1));
    event(&t, tenant, "lead_enriched", Some(lead), None, 0.1).await;
    t.clock.advance(Duration::minutes(1));
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let dm = messages::dm(&mut tx, tenant, c1, lead)
        .await
        .unwrap()
        .unwrap();
    let sent_at = t.app.now();
    messages::set_dm(
        &mut tx,
        tenant,
        dm.id,
        revos_domain::lead::DmState::Sent,
        Some("Hi Ana, here it is"),
        Some("chat-1"),
        Some("msg-1"),
        None,
        sent_at,
    )
    .await
    .unwrap();
    assert!(
        revos_store::stages::move_stage(
            &mut tx,
            tenant,
            c1,
            lead,
            revos_domain::lead::LeadStage::DmSent,
            sent_at
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    t.clock.advance(Duration::minutes(1));
    event(&t, tenant, "dm_sent", Some(lead), Some(c1), 0.0).await;
    // Another lead's events stay out of this timeline.
    let other = Person {
        provider_id: "ACo2",
        name: "Ben Smith",
        ..Person::default()
    };
    let other = add_lead(&t, tenant, other, &[(c1, "scraped")]).await;
    event(&t, tenant, "lead_scraped", Some(other), Some(c1), 0.0).await;

    let (status, d) = t.get(&format!("/api/v1/leads/{lead}"), &token).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["id"], json!(lead));
    assert_eq!(d["name"], "Ana Lopez");
    let campaigns: Vec<(String, String, String)> = d["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["campaign_id"].as_str().unwrap().to_owned(),
                c["name"].as_str().unwrap().to_owned(),
                c["stage"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        campaigns,
        [
            (c1.to_string(), "Playbook".into(), "dm_sent".into()),
            (c2.to_string(), "Webinar".into(), "scraped".into()),
        ]
    );
    let timeline = d["timeline"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = timeline
        .iter()
        .map(|e| {
            let what = e["kind"].as_str().or(e["channel"].as_str()).unwrap();
            (e["type"].as_str().unwrap(), what)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("event", "lead_scraped"),
            ("event", "lead_enriched"),
            ("message", "dm"),
            ("event", "dm_sent"),
        ]
    );
    assert_eq!(timeline[0]["campaign_id"], c1.to_string());
    assert_eq!(timeline[0]["cost"], 0.0);
    assert_eq!(timeline[1]["campaign_id"], Value::Null);
    assert_eq!(timeline[1]["cost"], 0.1);
    let message = &timeline[2];
    assert_eq!(message["direction"], "out");
    assert_eq!(message["status"], "sent");
    assert_eq!(message["body"], "Hi Ana, here it is");
    assert_eq!(message["campaign_id"], c1.to_string());
    let at: chrono::DateTime<chrono::Utc> = message["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        at.timestamp_micros(),
        sent_at.timestamp_micros(),
        "a sent message sits at its sending time"
    );
}

async fn csv_export_quotes_cells_and_defuses_formulas(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, account) = workspace(&t, "ana@example.com").await;
    let c1 = campaign(&t, &token, &account, "One").await;
    let evil = Person {
        provider_id: "ACo1",
        name: "=HYPERLINK(\"http://evil.example\",\"x\")",
        headline: Some("line one\nline two"),
        email: Some("@ana@acme.io"),
        company: Some("Acme, Inc."),
        title: Some("-2+3"),
        ..Person::default()
    };
    let evil = add_lead(&t, tenant, evil, &[(c1, "dm_sent")]).await;
    let plain = Person {
        provider_id: "ACo2",
        name: "Ben Smith",
        ..Person::default()
    };
    let plain = add_lead(&t, tenant, plain, &[]).await;

    let resp = t
        .http
        .get(format!(
            "{}/api/v1/leads/export.csv?campaign_id={c1}",
            t.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let body = resp.text().await.unwrap();
    let (_, d) = t.get(&format!("/api/v1/leads/{evil}"), &token).await;
    let created = d["created_at"].as_str().unwrap();
    let enriched = d["enriched_at"].as_str().unwrap();
    let header = "id,provider_id,name,email,email_status,title,company,industry,company_size,headline,\
        linkedin_url,stage,do_not_contact,sandbox,created_at,enriched_at,campaign_id,campaign,magnet_opened_at,magnet_open_count\r\n";
    let row = format!(
        "{evil},ACo1,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",'@ana@acme.io,,'-2+3,\"Acme, Inc.\",,,\
        \"line one\nline two\",https://www.linkedin.com/in/someone,dm_sent,false,false,{created},{enriched},{c1},One,,0\r\n"
    );
    assert_eq!(body, format!("{header}{row}"));

    // Without filters: every lead; one in no campaign has no campaign and no stage.
    let resp = t
        .http
        .get(format!("{}/api/v1/leads/export.csv", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body = resp.text().await.unwrap();
    assert_eq!(body.matches("\r\n").count(), 3, "{body}");
    assert!(
        body.contains(&format!("\r\n{plain},ACo2,Ben Smith,")),
        "{body}"
    );
    let plain_row = body
        .lines()
        .find(|l| l.starts_with(&plain.to_string()))
        .unwrap();
    assert!(
        plain_row.contains("/someone,,false,false,") && plain_row.ends_with(",,,,,0"),
        "no stage, enriched_at, campaign_id, campaign or open: {plain_row}"
    );

    // A bad filter is a JSON error naming it.
    let (status, err) = t.get("/api/v1/leads/export.csv?stage=won", &token).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::BAD_REQUEST, vec!["stage".to_owned()])
    );
}

async fn funnel_counts_every_step_reached_and_cost_per_lead(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, account) = workspace(&t, "ana@example.com").await;
    let c1 = campaign(&t, &token, &account, "One").await;
    let c2 = campaign(&t, &token, &account, "Two").await;
    let lead = |id, name| Person {
        provider_id: id,
        name,
        ..Person::default()
    };
    // Sent a DM after enrichment that cost half a dollar.
    let enriched = Person {
        company: Some("Acme"),
        ..lead("ACo1", "Ana")
    };
    let sent = add_lead(&t, tenant, enriched, &[(c1, "dm_sent")]).await;
    event(&t, tenant, "lead_enriched", Some(sent), Some(c1), 0.5).await;
    event(&t, tenant, "dm_sent", Some(sent), Some(c1), 0.0).await;
    // Replied, then opted out: the stage says only opted_out.
    let out = add_lead(&t, tenant, lead("ACo2", "Ben"), &[(c1, "opted_out")]).await;
    event(&t, tenant, "dm_sent", Some(out), Some(c1), 0.0).await;
    event(&t, tenant, "dm_replied", Some(out), Some(c1), 0.0).await;
    event(&t, tenant, "opted_out", Some(out), Some(c1), 0.0).await;
    // Answered the email sequence: known from the stage alone.
    add_lead(&t, tenant, lead("ACo3", "Chloé"), &[(c1, "email_replied")]).await;
    // Waiting to be connected; a failed provider call for the campaign cost a quarter.
    add_lead(
        &t,
        tenant,
        lead("ACo4", "Dev"),
        &[(c1, "awaiting_connection")],
    )
    .await;
    event(&t, tenant, "provider_error", None, Some(c1), 0.25).await;
    // Elsewhere: another campaign's cost and a manual opt-out with no campaign.
    event(&t, tenant, "provider_error", None, Some(c2), 10.0).await;
    event(&t, tenant, "opted_out", Some(sent), None, 0.0).await;

    let (status, f) = t
        .get(&format!("/api/v1/campaigns/{c1}/funnel"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(
        f,
        json!({
            "campaign_id": c1, "scraped": 4, "enriched": 1, "awaiting_connection": 1,
            "dm_sent": 3, "replied": 1, "email_sequenced": 1, "email_replied": 1, "opted_out": 1,
            "opened": 0, "cost_usd": 0.75, "cost_per_lead_usd": 0.1875, "sandbox": true,
        })
    );
    let (_, empty) = t
        .get(&format!("/api/v1/campaigns/{c2}/funnel"), &token)
        .await;
    assert_eq!(empty["scraped"], 0);
    assert_eq!(empty["dm_sent"], 0);
    assert_eq!(empty["cost_usd"], 10.0);
    assert_eq!(
        empty["cost_per_lead_usd"],
        Value::Null,
        "no leads, no per-lead cost"
    );

    // The campaign's leads at one stage.
    assert_eq!(
        list_ids(
            &t,
            &format!("/api/v1/campaigns/{c1}/leads?stage=opted_out"),
            &token
        )
        .await,
        [out]
    );
    let (status, _) = t
        .get(
            &format!("/api/v1/campaigns/{}/funnel", Uuid::now_v7()),
            &token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The funnel rollup (and the migration's backfill) equal the per-lead count.
    let compared = revos_test_support::funnel_check::assert_funnels_match(&t.db).await;
    assert!(compared > 0, "campaigns were compared");
}

async fn do_not_contact_add_list_remove(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, account) = workspace(&t, "ana@example.com").await;
    let c1 = campaign(&t, &token, &account, "One").await;
    let ana = Person {
        provider_id: "ACo1",
        name: "Ana Lopez",
        ..Person::default()
    };
    let ana = add_lead(&t, tenant, ana, &[(c1, "dm_sent")]).await;
    assert_eq!(
        list_ids(&t, "/api/v1/do-not-contact", &token).await,
        Vec::<Uuid>::new()
    );

    // An existing lead, twice: one opt-out event only.
    for _ in 0..2 {
        let (status, l) = t
            .post(
                "/api/v1/do-not-contact",
                Some(&token),
                json!({"lead_id": ana}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{l}");
        assert_eq!(
            (&l["id"], &l["do_not_contact"]),
            (&json!(ana), &json!(true))
        );
    }
    let (_, d) = t.get(&format!("/api/v1/leads/{ana}"), &token).await;
    let opt_outs: Vec<&Value> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "opted_out")
        .collect();
    assert_eq!(opt_outs.len(), 1, "{d}");
    assert_eq!(
        opt_outs[0]["data"],
        json!({"campaign_id": null, "lead_id": ana, "cost": 0, "source": "manual"})
    );
    assert_eq!(opt_outs[0]["campaign_id"], Value::Null);

    // A LinkedIn member who is not a lead yet becomes one, marked.
    let (status, zed) = t
        .post(
            "/api/v1/do-not-contact",
            Some(&token),
            json!({"provider_id": " ACoZed ", "name": "Zed Zimmer"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{zed}");
    assert_eq!(zed["provider_id"], "ACoZed");
    assert_eq!(zed["name"], "Zed Zimmer");
    assert_eq!(zed["do_not_contact"], true);
    let zed: Uuid = zed["id"].as_str().unwrap().parse().unwrap();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let row = leads::upsert(
        &mut tx,
        tenant,
        &NewLead {
            provider_id: "ACoZed",
            name: "Zed",
            linkedin_url: None,
            headline: None,
            email: None,
            sandbox: false,
        },
        t.app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(
        row.do_not_contact && row.id == zed,
        "the monitor finds the same lead, marked"
    );
    assert_eq!(
        list_ids(&t, "/api/v1/do-not-contact", &token).await,
        [ana, zed]
    );
    let (_, p1) = t.get("/api/v1/do-not-contact?limit=1", &token).await;
    assert_eq!(ids(&p1), [ana]);
    assert!(p1["next_cursor"].is_string());

    // Removing takes a lead off the list; removing again is harmless.
    for _ in 0..2 {
        let (status, body) = t
            .delete(&format!("/api/v1/do-not-contact/{ana}"), &token)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    assert_eq!(list_ids(&t, "/api/v1/do-not-contact", &token).await, [zed]);
    let (_, d) = t.get(&format!("/api/v1/leads/{ana}"), &token).await;
    assert_eq!(d["do_not_contact"], false);

    // Bad requests name the field.
    for (body, field, status) in [
        (json!({}), "lead_id", StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"lead_id": ana, "provider_id": "ACo1"}),
            "provider_id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"lead_id": "nope"}),
            "lead_id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"provider_id": "  "}),
            "provider_id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"lead_id": ana, "name": "X"}),
            "name",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"lead_id": ana, "why": "spam"}),
            "why",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (got, err) = t
            .post("/api/v1/do-not-contact", Some(&token), body.clone())
            .await;
        assert_eq!(
            (got, error_fields(&err)),
            (status, vec![field.to_owned()]),
            "{body}"
        );
    }
    let (status, err) = t.delete("/api/v1/do-not-contact/nope", &token).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::BAD_REQUEST, vec!["lead_id".to_owned()])
    );
    let (status, _) = t
        .post(
            "/api/v1/do-not-contact",
            Some(&token),
            json!({"lead_id": Uuid::now_v7()}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn other_workspaces_and_bad_input(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, tenant_a, account) = workspace(&t, "ana@example.com").await;
    let (b, tenant_b, account_b) = workspace(&t, "bob@example.com").await;
    let ca = campaign(&t, &a, &account, "A's").await;
    let cb = campaign(&t, &b, &account_b, "B's").await;
    let theirs = Person {
        provider_id: "ACo1",
        name: "Ana Lopez",
        ..Person::default()
    };
    let lead_a = add_lead(&t, tenant_a, theirs, &[(ca, "dm_sent")]).await;
    event(&t, tenant_a, "dm_sent", Some(lead_a), Some(ca), 0.0).await;
    // The same person is B's lead too, separately.
    let same = Person {
        provider_id: "ACo1",
        name: "Ana Lopez",
        ..Person::default()
    };
    let lead_b = add_lead(&t, tenant_b, same, &[(cb, "scraped")]).await;

    // B never sees A's lead, campaign or funnel.
    assert_eq!(list_ids(&t, "/api/v1/leads", &b).await, [lead_b]);
    assert_eq!(
        list_ids(&t, "/api/v1/leads?stage=dm_sent", &b).await,
        Vec::<Uuid>::new()
    );
    for path in [
        format!("/api/v1/leads/{lead_a}"),
        format!("/api/v1/campaigns/{ca}/leads"),
        format!("/api/v1/campaigns/{ca}/funnel"),
    ] {
        let (status, err) = t.get(&path, &b).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {err}");
    }
    let (status, err) = t.get(&format!("/api/v1/leads?campaign_id={ca}"), &b).await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["campaign_id".to_owned()]
        )
    );
    let (status, _) = t
        .post(
            "/api/v1/do-not-contact",
            Some(&b),
            json!({"lead_id": lead_a}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t
        .delete(&format!("/api/v1/do-not-contact/{lead_a}"), &b)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let export = t
        .http
        .get(format!("{}/api/v1/leads/export.csv", t.base))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!export.contains(&lead_a.to_string()), "{export}");
    assert!(export.contains(&lead_b.to_string()), "{export}");
    let (_, fb) = t.get(&format!("/api/v1/campaigns/{cb}/funnel"), &b).await;
    assert_eq!(
        (fb["scraped"].as_u64(), fb["dm_sent"].as_u64()),
        (Some(1), Some(0))
    );

    // Bad filters name the parameter.
    for (query, fields) in [
        ("stage=won", vec!["stage"]),
        ("stage=DM_SENT", vec!["stage"]),
        ("campaign_id=42", vec!["campaign_id"]),
        ("do_not_contact=yes", vec!["do_not_contact"]),
        ("stage=x&do_not_contact=1", vec!["stage", "do_not_contact"]),
        ("limit=0", vec!["limit"]),
        ("limit=201", vec!["limit"]),
        ("cursor=nope", vec!["cursor"]),
    ] {
        let (status, err) = t.get(&format!("/api/v1/leads?{query}"), &a).await;
        assert_eq!(
            (status, error_fields(&err)),
            (
                StatusCode::BAD_REQUEST,
                fields.iter().map(|f| f.to_string()).collect()
            ),
            "{query}"
        );
    }
    let long = "x".repeat(201);
    let (status, err) = t.get(&format!("/api/v1/leads?q={long}"), &a).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["q".to_owned()])
    );
    let (status, err) = t
        .get(&format!("/api/v1/campaigns/{ca}/leads?stage=won"), &a)
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::BAD_REQUEST, vec!["stage".to_owned()])
    );
    let (status, err) = t.get("/api/v1/leads/not-a-uuid", &a).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::BAD_REQUEST, vec!["id".to_owned()])
    );
    let (status, err) = t.get("/api/v1/campaigns/nope/funnel", &a).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::BAD_REQUEST, vec!["id".to_owned()])
    );
    let (status, _) = t
        .get(&format!("/api/v1/leads/{}", Uuid::now_v7()), &a)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let resp = t
        .http
        .get(format!("{}/api/v1/leads", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "reading needs a token"
    );
}
