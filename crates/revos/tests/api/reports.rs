//! Reports over a date range (issue 21, item 5) on the simulated clock, against the fake
//! Unipile server: on day 1 a campaign of the client Globex makes two leads, DMs both and one
//! replies (by webhook); on day 2 a second Globex campaign makes three leads (two reply) and a
//! campaign of the client Initech one. The report for day 2 has the day's totals beside day
//! 1's with the changes, and every breakdown (per post, account, campaign, step, day) adds up
//! to the totals; narrowed to Globex it counts Globex's campaigns only; the PDF and the page
//! carry the agency's and the client's names and the figures; a client-role member reads
//! them too; another workspace sees nothing; a bad range is refused naming its parameter.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge, error_fields, pdf_text};
use chrono::{Duration, NaiveDate};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use revos_providers::fakes::unipile::{FakeUnipile, Running};
use serde_json::{Value, json};

both_backends!(
    a_period_is_reported_beside_the_previous_one_with_breakdowns_that_add_up,
    a_bad_range_is_refused_naming_its_parameter,
);

const SECRET: &str = "whsec-reports-0123456789";
const OWNER: &str = "ACoOwnerOfacc1";
const PASSWORD: &str = "correct horse battery";
const EMAIL: &str = "dana@agency.example";

/// A runner of every job kind with the comment monitor every five minutes.
fn runner(t: &TestApp) -> revos_jobs::Runner<revos_app::App> {
    revos_jobs::Runner::new(
        revos_workers::registry(&t.app),
        t.app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        vec![revos_jobs::Cron::every(
            "poll-comments",
            std::time::Duration::from_secs(300),
            revos_app::outreach::monitor::PollCampaigns,
        )],
    )
}

/// `who` answers their DM, delivered by Unipile's `message_received` webhook.
async fn reply(t: &TestApp, unipile: &Running, who: &str) {
    let (chat, message) = unipile.state.reply_from(who, "Thanks, got it!").unwrap();
    let delivery = json!({
        "account_id": "acc1", "account_type": "LINKEDIN",
        "account_info": {"type": "LINKEDIN", "feature": "classic", "user_id": OWNER},
        "event": "message_received", "chat_id": chat, "timestamp": "2026-11-25T10:00:00.000Z",
        "webhook_name": "revos", "message_id": message, "message": "Thanks, got it!",
        "sender": {"attendee_id": "att", "attendee_name": "Someone", "attendee_provider_id": who,
                   "attendee_profile_url": format!("https://www.linkedin.com/in/{who}/")},
        "attendees": [], "attachments": []
    });
    let resp = t
        .http
        .post(format!("{}/api/v1/webhooks/unipile", t.base))
        .header("content-type", "application/json")
        .header("Unipile-Auth", SECRET)
        .body(delivery.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["recorded"], 1, "{report}");
}

/// A fresh session (simulated days outlive one).
async fn login(t: &TestApp) -> String {
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    login["token"].as_str().unwrap().to_owned()
}

/// Creates and activates a campaign of `client` watching `post`, on which `people` commented.
async fn campaign(
    t: &TestApp,
    unipile: &Running,
    token: &str,
    (name, client, account): (&str, &Value, uuid::Uuid),
    post: &str,
    people: &[&str],
) -> String {
    unipile
        .state
        .add_post(post, "Comment GUIDE for the playbook");
    for who in people {
        unipile
            .state
            .add_comment(post, who, &format!("{who} Lee"), "GUIDE please", true);
        unipile.state.connect("acc1", who);
    }
    let body = json!({
        "name": name, "linkedin_account_id": account, "cartridge_id": client["id"],
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [post],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    let (status, c) = t.post("/api/v1/campaigns", Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{id}/activate"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    id
}

/// Sums `figure` over the rows of a breakdown.
fn sum(rows: &Value, figure: &str) -> u64 {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["figures"][figure].as_u64().unwrap())
        .sum()
}

/// Every breakdown of `report` adds up to its totals.
fn assert_adds_up(report: &Value) {
    let totals = &report["totals"]["current"];
    for breakdown in ["by_post", "by_account", "by_campaign"] {
        for figure in ["leads", "enriched", "dm_sent", "replied"] {
            assert_eq!(
                sum(&report[breakdown], figure),
                totals[figure].as_u64().unwrap(),
                "{breakdown}.{figure}: {report}"
            );
        }
        let cost: f64 = report[breakdown]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["figures"]["cost_usd"].as_f64().unwrap())
            .sum();
        assert!(
            (cost - totals["cost_usd"].as_f64().unwrap()).abs() < 1e-6,
            "{breakdown}.cost_usd: {report}"
        );
    }
    let steps = report["by_step"].as_array().unwrap();
    for (figure, total) in [("dm_sent", "dm_sent"), ("replied", "replied")] {
        let s: u64 = steps.iter().map(|r| r[figure].as_u64().unwrap()).sum();
        assert_eq!(
            s,
            totals[total].as_u64().unwrap(),
            "by_step.{figure}: {report}"
        );
    }
    let days = report["daily"].as_array().unwrap();
    assert_eq!(
        days.len() as i64,
        report["period"]["days"].as_i64().unwrap(),
        "every day listed"
    );
    for figure in ["leads", "dm_sent", "replied"] {
        let s: u64 = days.iter().map(|d| d[figure].as_u64().unwrap()).sum();
        assert_eq!(
            s,
            totals[figure].as_u64().unwrap(),
            "daily.{figure}: {report}"
        );
    }
}

/// `path` with `token` as a bearer token: status, content type and body bytes.
async fn raw(t: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = t
        .http
        .get(format!("{}{path}", t.base))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, resp.bytes().await.unwrap().to_vec())
}

/// A page as the holder of session `token`'s cookie.
async fn page(t: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let resp = t
        .http
        .get(format!("{}{path}", t.base))
        .header(COOKIE, format!("revos_session={token}"))
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// A client-role member of `token`'s workspace; returns their session token.
async fn client_member(t: &TestApp, token: &str) -> String {
    let (status, inv) = t
        .post(
            "/api/v1/invitations",
            Some(token),
            json!({"email": "cleo@globex.example", "role": "client"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    let (status, s) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    s["token"].as_str().unwrap().to_owned()
}

async fn a_period_is_reported_beside_the_previous_one_with_breakdowns_that_add_up(db: Db) {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            webhook_secret: Some(SECRET.to_owned().into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    // Day 1 is tomorrow, from 08:00 UTC: each day's activity stays within its UTC day.
    let day1: NaiveDate = t.app.now().date_naive() + chrono::Days::new(1);
    let day2 = day1 + chrono::Days::new(1);
    t.clock
        .advance_to(day1.and_hms_opt(8, 0, 0).unwrap().and_utc());
    unipile.state.add_account("acc1", "Dana");
    let (token, _, _) = t.signup(EMAIL, "Acme Agency").await;
    let account = crate::helpers::unipile_account(&t, &token, (120, 900), 50).await;
    let (_, globex) = t
        .post("/api/v1/cartridges", Some(&token), cartridge("Globex"))
        .await;
    let (_, initech) = t
        .post("/api/v1/cartridges", Some(&token), cartridge("Initech"))
        .await;
    let globex_id = globex["id"].as_str().unwrap().to_owned();

    // Day 1: Globex's first campaign DMs two people; one replies.
    campaign(
        &t,
        &unipile,
        &token,
        ("Launch", &globex, account),
        "7400000000000000901",
        &["ACoP0", "ACoP1"],
    )
    .await;
    let start = t.app.now();
    runner(&t)
        .run_simulated_until(&t.clock, start + Duration::hours(5))
        .await
        .unwrap();
    assert_eq!(unipile.state.sent_to("ACoP0").len(), 1);
    assert_eq!(unipile.state.sent_to("ACoP1").len(), 1);
    reply(&t, &unipile, "ACoP0").await;

    // Day 2: Globex's second campaign DMs three (two reply), Initech's one (no reply).
    t.clock
        .advance_to(day2.and_hms_opt(8, 0, 0).unwrap().and_utc());
    let token = login(&t).await;
    campaign(
        &t,
        &unipile,
        &token,
        ("Launch 2", &globex, account),
        "7400000000000000902",
        &["ACoP2", "ACoP3", "ACoP4"],
    )
    .await;
    campaign(
        &t,
        &unipile,
        &token,
        ("Initech intro", &initech, account),
        "7400000000000000903",
        &["ACoQ0"],
    )
    .await;
    let start = t.app.now();
    runner(&t)
        .run_simulated_until(&t.clock, start + Duration::hours(5))
        .await
        .unwrap();
    for who in ["ACoP2", "ACoP3", "ACoP4", "ACoQ0"] {
        assert_eq!(unipile.state.sent_to(who).len(), 1, "{who}");
    }
    reply(&t, &unipile, "ACoP2").await;
    reply(&t, &unipile, "ACoP3").await;
    let token = login(&t).await;

    // The whole workspace on day 2, beside day 1.
    let (status, r) = t
        .get(&format!("/api/v1/reports?from={day2}&to={day2}"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["workspace_name"], "Acme Agency");
    assert_eq!(r["client"], Value::Null);
    assert_eq!(r["period"]["from"], day2.to_string());
    assert_eq!(r["previous_period"]["from"], day1.to_string());
    assert_eq!(r["previous_period"]["to"], day1.to_string());
    let (now, before, change) = (
        &r["totals"]["current"],
        &r["totals"]["previous"],
        &r["totals"]["change"],
    );
    assert_eq!(
        (&now["leads"], &now["dm_sent"], &now["replied"]),
        (&json!(4), &json!(4), &json!(2)),
        "{r}"
    );
    assert_eq!(
        (&before["leads"], &before["dm_sent"], &before["replied"]),
        (&json!(2), &json!(2), &json!(1)),
        "{r}"
    );
    assert_eq!(now["reply_rate"], 0.5);
    assert_eq!(change["leads"]["delta"], 2.0);
    assert_eq!(change["leads"]["relative"], 1.0);
    assert_eq!(change["replied"]["relative"], 1.0);
    assert_eq!(change["reply_rate"]["relative"], 0.0);
    // Nothing here cost anything (no enrichment provider, no model): no cost per lead.
    assert_eq!(now["cost_usd"], 0.0, "{r}");
    assert_eq!(now["cost_per_lead_usd"], Value::Null, "{r}");
    assert_adds_up(&r);
    let campaigns: Vec<&str> = r["by_campaign"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        campaigns.len(),
        2,
        "day 1's campaign did nothing on day 2: {r}"
    );
    assert!(campaigns.contains(&"Launch 2") && campaigns.contains(&"Initech intro"));
    assert_eq!(r["by_post"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r["by_account"][0]["name"], "Dana");
    assert_eq!(r["daily"][0]["dm_sent"], 4);

    // Both days: the two days before had nothing, so there is no relative change.
    let (_, both) = t
        .get(&format!("/api/v1/reports?from={day1}&to={day2}"), &token)
        .await;
    assert_eq!(both["totals"]["current"]["leads"], 6);
    assert_eq!(both["totals"]["current"]["replied"], 3);
    assert_eq!(both["totals"]["previous"]["leads"], 0);
    assert_eq!(both["totals"]["change"]["leads"]["relative"], Value::Null);
    assert_adds_up(&both);

    // Narrowed to Globex: its two campaigns only.
    let q = format!("from={day2}&to={day2}&client_id={globex_id}");
    let (status, g) = t.get(&format!("/api/v1/reports?{q}"), &token).await;
    assert_eq!(status, StatusCode::OK, "{g}");
    assert_eq!(g["client"]["name"], "Globex");
    let (now, before) = (&g["totals"]["current"], &g["totals"]["previous"]);
    assert_eq!(
        (&now["leads"], &now["dm_sent"], &now["replied"]),
        (&json!(3), &json!(3), &json!(2)),
        "{g}"
    );
    assert_eq!(
        (&before["leads"], &before["replied"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(g["by_campaign"].as_array().unwrap().len(), 1);
    assert_eq!(g["by_campaign"][0]["name"], "Launch 2");
    assert_adds_up(&g);

    // The PDF: the agency, the client and the figures.
    let (status, kind, pdf) = raw(&t, &format!("/api/v1/reports.pdf?{q}"), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    let text = pdf_text(&pdf);
    for expected in [
        "Acme Agency",
        "Globex",
        "Launch 2",
        "▲ 50.0%",
        "▲ 100.0%",
        "66.7%",
        &day2.to_string(),
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    assert!(
        !text.contains("Initech"),
        "another client's campaign: {text}"
    );

    // The page, with the same figures and the PDF link.
    let (status, html) = page(&t, &token, &format!("/reports?{q}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"<strong id="report-agency">Acme Agency</strong>"#));
    assert!(html.contains(r#"<strong id="report-client">Globex</strong>"#));
    assert!(html.contains(
        r#"<tr data-figure="leads"><th scope="row">Leads</th><td class="current">3</td><td class="previous">2</td><td class="change up">▲ 50.0%</td></tr>"#
    ), "{html}");
    assert!(html.contains(&format!("/reports.pdf?{}", q.replace('&', "&amp;"))));
    let resp = t
        .http
        .get(format!("{}/reports.pdf?{q}", t.base))
        .header(COOKIE, format!("revos_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(pdf_text(&resp.bytes().await.unwrap()).contains("Globex"));

    // The dashboard shows the period beside the previous one, and its days.
    let (status, html) = page(&t, &token, &format!("/?from={day2}&to={day2}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(
        r#"<tr data-figure="dm_sent"><th scope="row">DMs sent</th><td class="current">4</td><td class="previous">2</td><td class="change up">▲ 100.0%</td></tr>"#
    ), "{html}");
    assert!(html.contains(&format!(
        r#"<tr><th scope="row">{day2}</th><td>4</td><td>2</td><td>4</td></tr>"#
    )));

    // A client-role member reads the report, its PDF and its page, and still nothing else.
    let cleo = client_member(&t, &token).await;
    let (status, c) = t.get(&format!("/api/v1/reports?{q}"), &cleo).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["totals"], g["totals"]);
    let (status, _, _) = raw(&t, &format!("/api/v1/reports.pdf?{q}"), &cleo).await;
    assert_eq!(status, StatusCode::OK);
    let (status, html) = page(&t, &cleo, &format!("/reports?{q}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<td class="current">3</td>"#));
    let (status, _) = t.get("/api/v1/leads", &cleo).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another workspace sees none of it, and not the client.
    let (other, _, _) = t.signup("eve@other.example", "Other").await;
    let (status, o) = t
        .get(&format!("/api/v1/reports?from={day1}&to={day2}"), &other)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(o["totals"]["current"]["leads"], 0);
    assert_eq!(o["totals"]["current"]["dm_sent"], 0);
    for breakdown in ["by_post", "by_account", "by_campaign", "by_step"] {
        assert_eq!(o[breakdown], json!([]), "{breakdown}: {o}");
    }
    let (status, _) = t.get(&format!("/api/v1/reports?{q}"), &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_bad_range_is_refused_naming_its_parameter(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup(EMAIL, "Acme Agency").await;
    for (query, field) in [
        ("from=2027-02-30&to=2027-03-01", "from"),
        ("from=2027-03-01&to=soon", "to"),
        ("from=2027-03-02&to=2027-03-01", "to"),
        ("from=2026-01-01&to=2027-03-01", "from"),
        ("to=2027-03-01", "from"),
        ("preset=fortnight", "preset"),
        ("preset=7d&client_id=globex", "client_id"),
    ] {
        let (status, body) = t.get(&format!("/api/v1/reports?{query}"), &token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(
            error_fields(&body),
            vec![field.to_owned()],
            "{query}: {body}"
        );
        let (status, _, _) = raw(&t, &format!("/api/v1/reports.pdf?{query}"), &token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let (status, html) = page(&t, &token, &format!("/reports?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            html.contains(&format!("<strong>{field}</strong>")),
            "{html}"
        );
    }
    // 366 days is the longest range; a preset is one click.
    let (status, r) = t
        .get("/api/v1/reports?from=2027-01-01&to=2028-01-01", &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["period"]["days"], 366);
    assert_eq!(r["daily"].as_array().unwrap().len(), 366);
    let (_, r) = t.get("/api/v1/reports?preset=last_month", &token).await;
    let today = t.app.now().date_naive();
    let first = NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        1,
    )
    .unwrap();
    assert_eq!(r["period"]["to"], (first - Duration::days(1)).to_string());
    let (status, html) = page(&t, &token, "/?preset=fortnight").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<strong>preset</strong>"));
}
