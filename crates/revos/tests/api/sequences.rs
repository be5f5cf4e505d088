//! Multi-step campaigns against the fake Unipile server on the simulated clock: a three-step
//! sequence sends step 1, then step 2 after its delay only to the leads who did not reply,
//! stops for a lead who replies between steps (the reply arriving by webhook), waits while
//! the campaign is paused and continues when it resumes, never sends a step twice though the
//! sends fail (5xx) or time out after taking effect (the DM left `sending`, as a worker killed
//! mid-send leaves it), splits a step between its A/B variants and reports their reply rates,
//! and an edit of the active campaign (step 1's text changed, a step added) sends no step
//! again. A follow-up whose send was interrupted (the DM left `sending`, as a crash leaves it)
//! and that the lead answered before the retry is dropped, not sent.

use crate::helpers::{Db, TestApp};
use crate::world::{deliver_message, webhook_settings};
use chrono::Duration;
use reqwest::StatusCode;
use revos_domain::TenantId;
use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

const SECRET: &str = "whsec-seq-0123456789";
const POST: &str = "7400000000000000777";
const LEADS: usize = 24;
const PASSWORD: &str = "correct horse battery";

fn person(i: usize) -> String {
    format!("ACoS{i}")
}

/// `person` answers in their chat, delivered by Unipile's webhook.
async fn reply(t: &TestApp, unipile: &revos_providers::fakes::unipile::Running, who: &str) {
    let text = "Thanks, got it!";
    let (chat, message) = unipile.state.reply_from(who, text).unwrap();
    let report = deliver_message(t, SECRET, (&chat, &message), (who, "Someone"), text).await;
    assert_eq!(report["recorded"], 1, "{report}");
}

/// A fresh session (simulated days outlive one).
async fn login(t: &TestApp) -> String {
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "seq@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    login["token"].as_str().unwrap().to_owned()
}

/// The DMs each person got, in order.
fn sent(unipile: &revos_providers::fakes::unipile::Running) -> Vec<Vec<String>> {
    (0..LEADS)
        .map(|i| unipile.state.sent_to(&person(i)))
        .collect()
}

/// A runner of every job kind; with `monitor`, the comment monitor every five minutes as
/// its only schedule (replies arrive by webhook): days of simulated time stay quick to run.
fn runner(t: &TestApp, monitor: bool) -> revos_jobs::Runner<revos_app::App> {
    let crons = if monitor {
        vec![revos_jobs::Cron::every(
            "poll-comments",
            std::time::Duration::from_secs(300),
            revos_app::outreach::monitor::PollCampaigns,
        )]
    } else {
        Vec::new()
    };
    revos_jobs::Runner::new(
        revos_workers::registry(&t.app),
        t.app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        crons,
    )
}

const STEP1: &str = "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}";

crate::both_backends!(
    a_three_step_sequence_follows_up_only_the_silent_once_each,
    a_follow_up_resumed_in_sending_rechecks_for_a_reply_before_it_sends,
);

async fn a_three_step_sequence_follows_up_only_the_silent_once_each(db: Db) {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, webhook_settings(&unipile, SECRET)).await;
    unipile.state.add_account("acc1", "Dana");
    unipile.state.add_post(POST, "Comment GUIDE");
    for i in 0..LEADS {
        unipile
            .state
            .add_comment(POST, &person(i), &format!("Kim{i} Lee"), "GUIDE", true);
        unipile.state.connect("acc1", &person(i));
    }
    let (token, tenant, _) = t.signup("seq@example.com", "Acme").await;
    let _tenant = TenantId(tenant.parse().unwrap());
    let account = crate::helpers::unipile_account(&t, &token, (120, 900), 50).await;
    let body = json!({
        "name": "Sequence", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "steps": [
            {"variants": [{"template": STEP1}]},
            {"delay_hours": 72, "variants": [
                {"id": "a", "template": "A: {{ first_name }}, did the playbook help?"},
                {"id": "b", "template": "B: {{ first_name }}, any questions on the playbook?"}
            ]},
            {"delay_hours": 96, "condition": "no_reply", "variants": [{"template": "Last note, {{ first_name }}."}]}
        ]
    });
    let (status, created) = t.post("/api/v1/campaigns", Some(&token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let campaign: Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let steps = created["steps"].as_array().unwrap().clone();
    assert_eq!(steps.len(), 3, "{created}");
    assert_eq!(
        created["dm_template"], STEP1,
        "the first text reads as the template"
    );
    let step_ids: Vec<String> = steps
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(step_ids.iter().all(|id| !id.is_empty()), "{created}");
    let (status, activated) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{activated}");
    let start = t.app.now();
    // Step 1 to everyone within the first hours (paced 2 to 15 minutes apart).
    runner(&t, true)
        .run_simulated_until(&t.clock, start + Duration::hours(10))
        .await
        .unwrap();
    let runner = runner(&t, false);
    let dms = sent(&unipile);
    for (i, got) in dms.iter().enumerate() {
        assert_eq!(got.len(), 1, "{}: {got:?}", person(i));
        assert!(got[0].starts_with(&format!("Hi Kim{i}! Here is The Playbook")));
    }
    // Leads 0 and 1 answer step 1.
    for i in 0..2 {
        reply(&t, &unipile, &person(i)).await;
    }
    // Paused before step 2 is due: nothing goes out, however long it stays paused.
    let token = login(&t).await;
    let (status, paused) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/pause"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    runner
        .run_simulated_until(&t.clock, start + Duration::hours(100))
        .await
        .unwrap();
    assert_eq!(
        sent(&unipile).iter().map(Vec::len).sum::<usize>(),
        LEADS,
        "a paused campaign sends no follow-up"
    );
    // Resumed: step 2 goes out, through sends that fail or time out after taking effect.
    unipile.state.inject_on(
        "POST",
        "/chats",
        [
            Fault::ServerError,
            Fault::StallAfterEffect(1_500),
            Fault::ServerError,
            Fault::StallAfterEffect(1_500),
            Fault::Stall(1_500),
        ],
    );
    let token = login(&t).await;
    let (status, resumed) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/resume"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    runner
        .run_simulated_until(&t.clock, start + Duration::hours(112))
        .await
        .unwrap();
    let dms = sent(&unipile);
    for (i, got) in dms.iter().enumerate().take(2) {
        assert_eq!(got.len(), 1, "{} replied: no follow-up", person(i));
    }
    let mut variant_of = BTreeMap::new();
    for (i, got) in dms.iter().enumerate().skip(2) {
        assert_eq!(got.len(), 2, "{}: {got:?}", person(i));
        let v = if got[1].starts_with(&format!("A: Kim{i}")) {
            "a"
        } else {
            assert!(got[1].starts_with(&format!("B: Kim{i}")), "{got:?}");
            "b"
        };
        variant_of.insert(i, v);
    }
    let used: std::collections::BTreeSet<&str> = variant_of.values().copied().collect();
    assert_eq!(
        used.len(),
        2,
        "both variants used across leads: {variant_of:?}"
    );
    // Lead 2 answers step 2.
    reply(&t, &unipile, &person(2)).await;

    // Edited while active: step 1's text changes and a fourth step is added.
    let token = login(&t).await;
    let (_, current) = t
        .get(&format!("/api/v1/campaigns/{campaign}"), &token)
        .await;
    let mut edited = current.clone();
    for key in [
        "id",
        "status",
        "sandbox",
        "created_at",
        "updated_at",
        "last_error",
    ] {
        edited.as_object_mut().unwrap().remove(key);
    }
    edited["steps"][0]["variants"][0]["template"] = json!("Hello again {{ first_name }}!");
    edited["dm_template"] = json!("Hello again {{ first_name }}!");
    edited["steps"]
        .as_array_mut()
        .unwrap()
        .push(json!({"delay_hours": 24, "variants": [{"template": "P.S. {{ first_name }}"}]}));
    let resp = t
        .http
        .put(format!("{}/api/v1/campaigns/{campaign}", t.base))
        .bearer_auth(&token)
        .json(&edited)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let saved: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{saved}");
    let saved_ids: Vec<&str> = saved["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(saved_ids.len(), 4);
    assert_eq!(
        saved_ids[..3],
        step_ids.iter().map(String::as_str).collect::<Vec<_>>()[..]
    );

    // Step 3 (96 h after step 2), then the added step 4 (24 h later).
    runner
        .run_simulated_until(&t.clock, start + Duration::hours(112 + 96 + 24 + 12))
        .await
        .unwrap();
    let dms = sent(&unipile);
    let mut total = 0;
    for (i, got) in dms.iter().enumerate() {
        total += got.len();
        let expected = match i {
            0 | 1 => 1,
            2 => 2,
            _ => 4,
        };
        assert_eq!(got.len(), expected, "{}: {got:?}", person(i));
        assert!(
            got[0].starts_with(&format!("Hi Kim{i}!")),
            "step 1 was never sent again with its new text: {got:?}"
        );
        if expected == 4 {
            assert_eq!(got[2], format!("Last note, Kim{i}."));
            assert_eq!(got[3], format!("P.S. Kim{i}"));
        }
    }
    let posts = unipile
        .state
        .requests()
        .iter()
        .filter(|(m, p)| m == "POST" && p == "/chats")
        .count();
    // The faults were met: refused and timed-out sends were attempted again (only the ones
    // that did not take effect; the others were found in the chat), never delivered twice.
    assert!(
        posts > total && posts <= total + 3,
        "{posts} send calls for {total} DMs"
    );

    // The figures per step and variant: replies count for the step they answered.
    let token = login(&t).await;
    let (status, stats) = t
        .get(&format!("/api/v1/campaigns/{campaign}/steps"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let steps = stats["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 4, "{stats}");
    assert_eq!(steps[0]["step_id"], json!(step_ids[0]));
    assert_eq!(steps[0]["position"], 1);
    assert_eq!(steps[0]["sent"], LEADS);
    assert_eq!(steps[0]["replied"], 2);
    let rate = steps[0]["reply_rate"].as_f64().unwrap();
    assert!((rate - 2.0 / LEADS as f64).abs() < 1e-9, "{stats}");
    assert_eq!(steps[1]["sent"], LEADS - 2);
    assert_eq!(steps[1]["replied"], 1);
    let variants = steps[1]["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2, "{stats}");
    for v in variants {
        let id = v["variant_id"].as_str().unwrap();
        let sent_here = variant_of.values().filter(|x| **x == id).count();
        assert_eq!(v["sent"], sent_here, "{stats}");
        let replied = usize::from(variant_of[&2] == id);
        assert_eq!(v["replied"], replied, "{stats}");
        let rate = v["reply_rate"].as_f64().unwrap();
        assert!(
            (rate - replied as f64 / sent_here as f64).abs() < 1e-9,
            "{stats}"
        );
    }
    assert_eq!(steps[2]["sent"], LEADS - 3);
    assert_eq!(steps[2]["replied"], 0);
    assert_eq!(steps[3]["sent"], LEADS - 3);
    assert_eq!(steps[3]["position"], 4);
}

/// The waiting follow-up job of the only lead: (run_at, attempts), `None` once it ended.
async fn follow_up_job(t: &TestApp) -> Option<(chrono::DateTime<chrono::Utc>, i64)> {
    let token = login(t).await;
    let (status, jobs) = t
        .get("/api/v1/jobs?kind=linkedin.send_dm&limit=200", &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{jobs}");
    jobs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| ["scheduled", "retrying", "running"].contains(&j["state"].as_str().unwrap()))
        .map(|j| {
            let at = j["run_at"].as_str().unwrap().parse().unwrap();
            (at, j["attempts"].as_i64().unwrap())
        })
}

async fn a_follow_up_resumed_in_sending_rechecks_for_a_reply_before_it_sends(db: Db) {
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
    unipile.state.add_account("acc1", "Dana");
    unipile.state.add_post(POST, "Comment GUIDE");
    let lead = person(0);
    unipile
        .state
        .add_comment(POST, &lead, "Kim0 Lee", "GUIDE", true);
    unipile.state.connect("acc1", &lead);
    let (token, _, _) = t.signup("seq@example.com", "Acme").await;
    let account = crate::helpers::unipile_account(&t, &token, (120, 900), 50).await;
    let body = json!({
        "name": "Resumed", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "steps": [
            {"variants": [{"template": STEP1}]},
            {"delay_hours": 24, "variants": [{"template": "Any questions, {{ first_name }}?"}]}
        ]
    });
    let (status, created) = t.post("/api/v1/campaigns", Some(&token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let campaign = created["id"].as_str().unwrap().to_owned();
    let (status, activated) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{activated}");
    let start = t.app.now();
    runner(&t, true)
        .run_simulated_until(&t.clock, start + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(unipile.state.sent_to(&lead).len(), 1, "step 1 went out");
    let sends = || {
        unipile
            .state
            .requests()
            .iter()
            .filter(|(m, p)| m == "POST" && p == "/chats")
            .count()
    };
    assert_eq!(sends(), 1);

    // Step 2's first attempt fails at the provider after the DM was marked `sending`: the
    // state a worker killed mid-send leaves, resumed by the job's next attempt.
    unipile
        .state
        .inject_on("POST", "/chats", [Fault::ServerError]);
    let runner = runner(&t, false);
    for _ in 0..20 {
        let (due, attempts) = follow_up_job(&t).await.expect("step 2 is queued");
        if attempts > 0 {
            break;
        }
        // Up to the job's due time only: one attempt, never its retry.
        runner.run_simulated_until(&t.clock, due).await.unwrap();
    }
    let (_, attempts) = follow_up_job(&t).await.expect("step 2 waits for its retry");
    assert_eq!(attempts, 1, "one attempt, which failed");
    assert_eq!(sends(), 2, "step 2 reached the provider once");
    assert_eq!(
        unipile.state.sent_to(&lead).len(),
        1,
        "and was not delivered"
    );

    // The lead answers before the retry: the resumed follow-up is dropped, not sent.
    reply(&t, &unipile, &lead).await;
    runner
        .run_simulated_until(&t.clock, t.app.now() + Duration::hours(48))
        .await
        .unwrap();
    let got = unipile.state.sent_to(&lead);
    assert_eq!(got.len(), 1, "no follow-up after the reply: {got:?}");
    assert!(
        got[0].starts_with("Hi Kim0! Here is The Playbook"),
        "{got:?}"
    );
    assert_eq!(sends(), 2, "the retry sent nothing");
    assert_eq!(follow_up_job(&t).await, None, "the follow-up ended");
    let token = login(&t).await;
    let (status, stats) = t
        .get(&format!("/api/v1/campaigns/{campaign}/steps"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["steps"][0]["sent"], 1, "{stats}");
    assert_eq!(stats["steps"][0]["replied"], 1, "{stats}");
    let second_sent = stats["steps"]
        .as_array()
        .unwrap()
        .get(1)
        .map_or(0, |s| s["sent"].as_i64().unwrap());
    assert_eq!(second_sent, 0, "{stats}");
}
