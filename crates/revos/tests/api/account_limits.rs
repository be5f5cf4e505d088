//! An account's real limits, as the API and its page show them: today's daily cap after
//! warm-up (not the configured one), the sends counted against the caps, the next send inside
//! the sending window and why sending waits; and the account page's pacing form. Every state is
//! reached through the API, the fake Unipile server and the workers on the simulated clock.

use crate::both_backends;
use crate::campaign_fakes::activated_campaign;
use crate::helpers::{Db, TestApp};
use crate::ui_pipeline::{field_error, sign_up};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use reqwest::StatusCode;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};

both_backends!(
    api_shows_the_warm_up_cap_and_the_next_send_inside_the_window,
    account_page_shows_the_limits_and_edits_the_pacing,
);

const POST: &str = "7400000000000000300";

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("a time: {v}"))
        .parse()
        .unwrap()
}

/// The first day at least two days after `now` at `h:00` UTC.
fn later_day_at(now: DateTime<Utc>, h: u32) -> DateTime<Utc> {
    let day = (now + Duration::days(2)).date_naive();
    Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()))
}

/// Dana's account (Europe/Berlin, sending 08:00-20:00 there, one DM an hour, a daily cap of 40
/// warming up over 4 weeks) sends one DM at about 19:30 Berlin time: the next send is 08:00
/// Berlin time the next day, not "the last send + the gap", which falls after the window.
async fn api_shows_the_warm_up_cap_and_the_next_send_inside_the_window(db: Db) {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    // In summer Berlin is UTC+2: 19:20 there is 17:20 UTC.
    let summer = Utc
        .with_ymd_and_hms(t.app.now().year() + 1, 7, 5, 0, 0, 0)
        .unwrap();
    t.clock.advance_to(summer + Duration::minutes(17 * 60 + 20));
    let start = t.app.now();
    unipile.state.add_account("acc1", "Dana");
    unipile
        .state
        .add_post(POST, "Comment GUIDE for the playbook");
    unipile
        .state
        .add_comment(POST, "ACoLee", "Lee Park", "GUIDE please", true);
    unipile.state.connect("acc1", "ACoLee");
    let (token, _, _) = t.signup("dana@example.com", "Acme").await;

    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "unipile", "account_id": "acc1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    let id = acct["id"].as_str().unwrap().to_owned();
    let dm = &acct["effective_limits"]["dm"];
    assert_eq!(acct["pacing"]["daily_cap"], 100);
    assert_eq!(
        (
            &dm["daily_cap"],
            &dm["configured_daily_cap"],
            &dm["warming_up"]
        ),
        (&json!(25), &json!(100), &json!(true)),
        "a new account warms up: 25 today, not 100: {acct}"
    );
    assert_eq!(acct["waiting_reason"], "ready");
    assert_eq!(at(&acct["next_send_at"]), start);

    let (status, acct) = t
        .patch(
            &format!("/api/v1/linkedin-accounts/{id}/pacing"),
            &token,
            json!({"time_zone": "Europe/Berlin", "window_start": "08:00", "window_end": "20:00",
                   "daily_cap": 40, "warmup_weeks": 4,
                   "min_gap_seconds": 3600, "max_gap_seconds": 3600}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{acct}");
    let dm = &acct["effective_limits"]["dm"];
    assert_eq!(
        (&dm["daily_cap"], &dm["configured_daily_cap"]),
        (&json!(10), &json!(40))
    );
    assert_eq!(
        (&dm["sent_today"], &dm["remaining_today"]),
        (&json!(0), &json!(10))
    );
    assert_eq!(
        acct["waiting_reason"], "ready",
        "19:20 in Berlin is in the window"
    );

    // A sandbox account beside it: the list counts each account's own sends.
    let (status, other) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Spare"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");

    let body = json!({
        "name": "Playbook", "linkedin_account_id": id,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
    });
    activated_campaign(&t, &token, body).await;
    revos_workers::runner(&t.app, revos_jobs::RunnerConfig::default())
        .run_simulated_until(&t.clock, start + Duration::minutes(25))
        .await
        .unwrap();
    assert_eq!(unipile.state.sent_to("ACoLee").len(), 1, "the DM went out");

    // 19:45 in Berlin: one DM sent, an hour's gap to keep, and the window closes at 20:00.
    let now = t.app.now();
    let (status, acct) = t
        .get(&format!("/api/v1/linkedin-accounts/{id}"), &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    let dm = &acct["effective_limits"]["dm"];
    assert_eq!(
        (
            &dm["sent_today"],
            &dm["sent_last_hour"],
            &dm["remaining_today"],
            &dm["remaining_this_hour"]
        ),
        (&json!(1), &json!(1), &json!(9), &json!(49)),
        "{acct}"
    );
    let window_closes = summer + Duration::hours(18);
    let opens_tomorrow = summer + Duration::hours(24 + 6);
    assert_eq!(acct["waiting_reason"], "gap", "{acct}");
    assert!(at(&acct["waiting_until"]) > window_closes, "{acct}");
    assert_eq!(
        at(&acct["next_send_at"]),
        opens_tomorrow,
        "the next send is 08:00 in Berlin tomorrow, inside the window: {acct}"
    );
    assert_eq!(dm["next_send_at"], acct["next_send_at"]);

    let (_, list) = t.get("/api/v1/linkedin-accounts", &token).await;
    let items = list["items"].as_array().unwrap();
    let listed = items.iter().find(|a| a["id"] == acct["id"]).unwrap();
    assert_eq!(listed["effective_limits"], acct["effective_limits"]);
    let spare = items.iter().find(|a| a["id"] == other["id"]).unwrap();
    assert_eq!(spare["effective_limits"]["dm"]["sent_today"], 0);
    assert_eq!(spare["waiting_reason"], "ready", "{spare}");
    assert_eq!(at(&spare["next_send_at"]), now);

    // After 20:00 in Berlin the window is what holds sending back longest.
    t.clock.advance_to(window_closes + Duration::minutes(30));
    let (_, acct) = t
        .get(&format!("/api/v1/linkedin-accounts/{id}"), &token)
        .await;
    assert_eq!(acct["waiting_reason"], "outside_window", "{acct}");
    assert_eq!(at(&acct["waiting_until"]), opens_tomorrow);
    assert_eq!(at(&acct["next_send_at"]), opens_tomorrow);
}

/// The account page shows today's caps, the next send and why it waits, and its pacing form
/// (CSRF-protected, mistakes beside their fields) edits the time zone, window and caps.
async fn account_page_shows_the_limits_and_edits_the_pacing(db: Db) {
    let t = TestApp::spawn(db).await;
    // 05:00 UTC: before the default 08:00-20:00 UTC window.
    let five = later_day_at(t.app.now(), 5);
    t.clock.advance_to(five);
    let b = sign_up(&t, "ana@example.com").await;
    let id = b.account("Ana's LinkedIn").await;
    let path = format!("/accounts/{id}");

    let html = b.ok(&path).await;
    assert!(html.contains(r#"<dd id="daily-cap">25</dd>"#), "{html}");
    assert!(html.contains(r#"<dd id="hourly-cap">50</dd>"#));
    assert!(html.contains(r#"<dd id="sent-today">0</dd>"#));
    assert!(html.contains(r#"data-reason="outside_window""#));
    let opening = five.format("%Y-%m-%d 08:00 UTC").to_string();
    assert!(html.contains(&format!("it opens at {opening}")), "{html}");
    assert!(html.contains(&format!(">{opening}</time>")), "{html}");
    assert!(html.contains(r#"id="warm-up""#), "the warm-up is explained");
    assert!(
        html.contains(r#"<option value="Europe/Berlin">"#),
        "zones are offered"
    );
    // The settings list shows today's cap and links to the page.
    let settings = b.ok("/settings").await;
    assert!(settings.contains(&format!(r#"href="/accounts/{id}""#)));
    assert!(settings.contains("<td>25 <span"), "{settings}");

    let good = [
        ("time_zone", "Europe/Berlin"),
        ("window_start", "06:30"),
        ("window_end", "21:00"),
        ("hourly_cap", "20"),
        ("daily_cap", "60"),
        ("min_gap_seconds", "60"),
        ("max_gap_seconds", "120"),
        ("warmup_weeks", "2"),
    ];
    let action = format!("{path}/pacing");
    let (status, _, _) = b.submit(&action, &good).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token, no change");

    let csrf = b.csrf().await;
    let with = |changes: &[(&'static str, &'static str)]| {
        let mut fields = vec![("_csrf", csrf.as_str())];
        fields.extend(good.iter().map(|(k, v)| {
            let v = changes.iter().find(|(c, _)| c == k).map_or(*v, |(_, v)| *v);
            (*k, v)
        }));
        fields
    };
    // A field that is not a number and a zone that does not exist: both shown at once.
    let bad = with(&[("hourly_cap", "lots"), ("time_zone", "Mars/Olympus")]);
    let (status, _, html) = b.submit(&action, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert_eq!(field_error(&html, "hourly_cap"), "must be a whole number");
    assert!(field_error(&html, "time_zone").contains("IANA"), "{html}");
    assert!(html.contains(r#"aria-describedby="time_zone-error""#));
    assert!(html.contains(r#"value="lots""#), "what was typed is kept");
    assert!(html.contains(r#"value="Mars/Olympus""#));
    let (_, unchanged) = t
        .get(&format!("/api/v1/linkedin-accounts/{id}"), &b.token)
        .await;
    assert_eq!(
        unchanged["pacing"]["time_zone"], "UTC",
        "a refused form changes nothing"
    );

    let (status, location, _) = b.submit(&action, &with(&[])).await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("{path}?done=pacing").as_str()
        )
    );
    let (_, acct) = t
        .get(&format!("/api/v1/linkedin-accounts/{id}"), &b.token)
        .await;
    let p = &acct["pacing"];
    assert_eq!(
        (
            &p["time_zone"],
            &p["window_start"],
            &p["window_end"],
            &p["hourly_cap"],
            &p["daily_cap"]
        ),
        (
            &json!("Europe/Berlin"),
            &json!("06:30"),
            &json!("21:00"),
            &json!(20),
            &json!(60)
        )
    );
    assert_eq!(
        (
            &p["min_gap_seconds"],
            &p["max_gap_seconds"],
            &p["warmup_weeks"]
        ),
        (&json!(60), &json!(120), &json!(2))
    );
    // 05:00 UTC is 06:00 or 07:00 in Berlin: ready in summer, waiting for 06:30 in winter.
    let html = b.ok(&format!("{path}?done=pacing")).await;
    assert!(html.contains("The pacing was saved."));
    assert!(
        html.contains(r#"<dd id="daily-cap">30</dd>"#),
        "60 over two weeks: {html}"
    );
    assert!(html.contains(r#"<dd id="hourly-cap">20</dd>"#));
    assert!(html.contains(r#"value="Europe/Berlin""#));
    let reason = acct["waiting_reason"].as_str().unwrap();
    assert!(
        html.contains(&format!(r#"data-reason="{reason}""#)),
        "{html}"
    );
    assert!(reason == "ready" || reason == "outside_window", "{acct}");

    // Another workspace has no such page.
    let other = sign_up(&t, "bob@example.com").await;
    assert_eq!(other.page(&path).await.0, StatusCode::NOT_FOUND);
}
