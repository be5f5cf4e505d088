//! The sandbox works for any campaign: its synthetic commenters use the watching campaign's
//! own trigger words (and typos the matcher takes), plus near-misses and chatter that must
//! not become leads. A trial campaign activated through the API gets its first lead within
//! about a minute, through the real workers and cron schedules on the simulated clock.

use crate::helpers::{Db, TestApp};
use reqwest::StatusCode;
use revos_providers::LinkedIn;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

crate::both_backends!(a_sandbox_campaign_with_its_own_trigger_gets_leads_within_a_minute);

const POST: &str = "sandbox-playbook-post";

/// Edit distance between two words (insertions, deletions, substitutions): the test's own
/// judgement of what is a typo and what is a near-miss, independent of RevOS's matcher.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// How close a comment comes to PLAYBOOK: 0 for the word itself, 1 for a typo, 2 or more for
/// a near-miss (the closest of its words; words without "play" or "book" are far).
fn closeness(text: &str) -> usize {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| distance(w, "playbook"))
        .min()
        .unwrap_or(usize::MAX)
}

/// The campaign's leads by provider id, read through the API.
async fn leads(t: &TestApp, token: &str, campaign: &str) -> BTreeSet<String> {
    let (status, list) = t
        .get(
            &format!("/api/v1/leads?campaign_id={campaign}&limit=200"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["provider_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_sandbox_campaign_with_its_own_trigger_gets_leads_within_a_minute(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@acme.io", "Acme").await;
    let (status, account) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Ana (sandbox)"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let body = json!({
        "name": "Playbook trial", "linkedin_account_id": account["id"],
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
        "trigger_words": ["PLAYBOOK"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    let (status, c) = t.post("/api/v1/campaigns", Some(&token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let campaign = c["id"].as_str().unwrap().to_owned();
    let (status, active) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, &active["status"]),
        (StatusCode::OK, &Value::from("active"))
    );

    // The real workers with the production schedules (comments polled every 30 s).
    let runner = revos_workers::runner(&t.app, revos_jobs::RunnerConfig::default());
    let start = t.app.now();
    runner
        .run_simulated_until(&t.clock, start + chrono::Duration::seconds(60))
        .await
        .unwrap();
    let first = leads(&t, &token, &campaign).await;
    assert!(!first.is_empty(), "no lead within a simulated minute");

    runner
        .run_simulated_until(&t.clock, start + chrono::Duration::hours(12))
        .await
        .unwrap();
    // Twelve simulated hours outlive the session: sign in again.
    let (status, session) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ana@acme.io", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["token"].as_str().unwrap().to_owned();
    let got = leads(&t, &token, &campaign).await;

    // What the simulated LinkedIn shows under the post: each author's closest comment.
    let world = t.app.sandbox().with_triggers(&["PLAYBOOK".to_owned()]);
    let mut closest: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = world
            .comments("unused", POST, cursor.as_deref())
            .await
            .unwrap();
        for c in page.items {
            let near = closeness(&c.text);
            let entry = closest
                .entry(c.author.provider_id)
                .or_insert((usize::MAX, String::new()));
            if near < entry.0 {
                *entry = (near, c.text);
            }
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let asked: BTreeSet<String> = closest
        .iter()
        .filter(|(_, (near, _))| *near <= 1)
        .map(|(who, _)| who.clone())
        .collect();
    assert_eq!(
        got, asked,
        "exactly the commenters who wrote PLAYBOOK or a typo of it"
    );
    let kinds = |wanted: &dyn Fn(usize) -> bool| -> Vec<&String> {
        closest
            .values()
            .filter(|(near, _)| wanted(*near))
            .map(|(_, text)| text)
            .collect()
    };
    assert!(
        !kinds(&|n| n == 1).is_empty(),
        "typos become leads too: {closest:?}"
    );
    let near_misses = kinds(&|n| (2..=3).contains(&n));
    assert!(
        !near_misses.is_empty(),
        "near-misses that must not become leads: {closest:?}"
    );
    assert!(!kinds(&|n| n > 3).is_empty(), "plain comments: {closest:?}");
    assert!(
        got.len() >= 5 && got.len() < closest.len(),
        "{} leads of {} commenters",
        got.len(),
        closest.len()
    );
}
