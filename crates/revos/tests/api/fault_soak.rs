//! The fault soak (issue 15, "Done when" item 2): 200 comments over 2 posts watched by 3
//! campaigns on 3 accounts, with 20% of the calls that act on LinkedIn (sending a DM, posting a
//! public reply) answered by the fake Unipile with a fault drawn from a seed: 429 with
//! `Retry-After`, 500, or a timeout after the effect happened. The whole pipeline runs on the
//! simulated clock, which also stamps the fake's arrivals. Judged from the fake's own request
//! log, not from RevOS's records: exactly the expected leads, the owner never one, every
//! first-degree lead DMed exactly once, every other lead publicly answered exactly once, and no
//! pacing violation counting DMs and public replies together.

use crate::campaign_fakes::activated_campaign;
use crate::helpers::{Db, TestApp};
use chrono::Duration;
use reqwest::StatusCode;
use revos_domain::{Clock, TenantId};
use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::{Arrival, FakeUnipile, RandomFaults, Running};
use revos_store::leads;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

crate::both_backends!(faults_keep_leads_exactly_once_and_every_action_paced);

const POST_A: &str = "7400000000000000301";
const POST_B: &str = "7400000000000000302";
/// Shortest gap between two actions of an account, seconds (drawn up to twice that).
const MIN_GAP: i64 = 60;
/// DMs and replies an account may each make in any rolling hour.
const DM_HOURLY: usize = 12;
const REPLY_HOURLY: usize = 8;

/// Connects the fake account `id` through the API and gives it a policy that sends around
/// the clock, at least [`MIN_GAP`] seconds apart, pausing 10 minutes after a limit signal.
async fn account(t: &TestApp, token: &str, id: &str) -> Uuid {
    let (status, acc) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(token),
            json!({"provider": "unipile", "account_id": id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acc}");
    let acc_id: Uuid = acc["id"].as_str().unwrap().parse().unwrap();
    let (status, body) = t
        .patch(
            &format!("/api/v1/linkedin-accounts/{acc_id}/pacing"),
            token,
            json!({
                "window_start": "00:00", "window_end": "23:59", "warmup_weeks": 0,
                "min_gap_seconds": MIN_GAP, "max_gap_seconds": 2 * MIN_GAP,
                "hourly_cap": DM_HOURLY, "daily_cap": 500,
                "reply_hourly_cap": REPLY_HOURLY, "reply_daily_cap": 500,
                "limit_pause_seconds": 600
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pacing"]["reply_hourly_cap"], REPLY_HOURLY);
    acc_id
}

/// A campaign of `account` watching `post` for `trigger`.
async fn campaign(t: &TestApp, token: &str, account: Uuid, post: &str, trigger: &str) -> Uuid {
    let body = json!({
        "name": format!("{trigger} on {post}"), "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": [trigger], "watched_posts": [post],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
        "connect_reply_template": "Thanks {{ first_name }}! Let's connect and I'll send it."
    });
    activated_campaign(t, token, body).await.0
}

/// A commenter's provider id: `tag` tells the audience apart, `i` the person.
fn person(tag: &str, i: usize) -> String {
    format!("ACo{tag}{i}")
}

/// The comments: (post, author, text, first-degree connection of `account`).
struct Plan {
    comments: Vec<(&'static str, String, String, Option<&'static str>)>,
    /// The expected leads of each campaign, by account: (provider id, connected).
    leads: BTreeMap<&'static str, Vec<(String, bool)>>,
}

/// 200 comments: on post A (account acc1, trigger GUIDE) 24 leads, one repeat, the owner's
/// own GUIDE and 74 others; on post B 18 GUIDE leads (acc2), 18 PLAYBOOK leads (acc3) and 64
/// others. Every other lead is a first-degree connection.
fn plan() -> Plan {
    let mut comments = Vec::new();
    let mut leads: BTreeMap<&'static str, Vec<(String, bool)>> = BTreeMap::new();
    let groups: [(&str, &str, &str, &str, usize); 3] = [
        ("acc1", POST_A, "A", "GUIDE please", 24),
        ("acc2", POST_B, "B", "GUIDE please!", 18),
        ("acc3", POST_B, "C", "PLAYBOOK please", 18),
    ];
    for (acc, post, tag, text, n) in groups {
        for i in 0..n {
            let connected = i % 2 == 0;
            let who = person(tag, i);
            comments.push((post, who.clone(), text.to_owned(), connected.then_some(acc)));
            leads.entry(acc).or_default().push((who, connected));
        }
    }
    comments.push((POST_A, person("A", 3), "GUIDE again, thanks".into(), None));
    comments.push((
        POST_A,
        "ACoOwnerOfacc1".into(),
        "GUIDE sent to everyone!".into(),
        None,
    ));
    let chatter = [
        "Great post!",
        "So true",
        "Leadership matters",
        "Thanks for sharing",
    ];
    for j in 0..74 {
        comments.push((POST_A, person("X", j), chatter[j % 4].into(), Some("acc1")));
    }
    for j in 0..64 {
        comments.push((POST_B, person("Y", j), chatter[j % 4].into(), Some("acc2")));
    }
    assert_eq!(comments.len(), 200);
    Plan { comments, leads }
}

/// Gives the fake its clock (the test's), its accounts, posts and comments.
fn populate(t: &TestApp, unipile: &Running, plan: &Plan) {
    let clock = t.clock.clone();
    unipile.state.set_clock(move || clock.now());
    for (acc, name) in [("acc1", "Dana"), ("acc2", "Eli"), ("acc3", "Fay")] {
        unipile.state.add_account(acc, name);
    }
    unipile.state.add_post(POST_A, "Comment GUIDE");
    unipile.state.add_post(POST_B, "Comment GUIDE or PLAYBOOK");
    // A fixed interleaving, so repeats and chatter arrive between leads.
    let mut order: Vec<usize> = (0..plan.comments.len()).collect();
    order.sort_by_key(|i| (i * 7919) % 211);
    for i in order {
        let (post, who, text, connected_to) = &plan.comments[i];
        let name = format!("Pat{} Doe", &who[3..]);
        unipile
            .state
            .add_comment(post, who, &name, text, connected_to.is_some());
        if let Some(acc) = connected_to {
            unipile.state.connect(acc, who);
        }
    }
}

/// The runner with every production job kind and schedule, comments polled every 5 minutes.
fn runner(t: &TestApp, app: &revos_app::App) -> revos_jobs::Runner<revos_app::App> {
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
        revos_workers::registry(app),
        app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        crons,
    )
}

/// The acting calls (DMs sent, replies posted) of each account as the fake saw them arrive.
fn acting(arrivals: &[Arrival]) -> BTreeMap<String, Vec<Arrival>> {
    let mut by_account: BTreeMap<String, Vec<Arrival>> = BTreeMap::new();
    for a in arrivals {
        let act = a.method == "POST" && (a.path == "/chats" || a.path.ends_with("/comments"));
        if let (true, Some(acc)) = (act, &a.account) {
            by_account.entry(acc.clone()).or_default().push(a.clone());
        }
    }
    by_account
}

async fn faults_keep_leads_exactly_once_and_every_action_paced(db: Db) {
    let plan = plan();
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            timeout: std::time::Duration::from_millis(600),
            ..Default::default()
        },
    )
    .await;
    populate(&t, &unipile, &plan);
    let (token, tenant, _) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let mut campaigns = HashMap::new();
    for (acc, post, trigger) in [
        ("acc1", POST_A, "GUIDE"),
        ("acc2", POST_B, "GUIDE"),
        ("acc3", POST_B, "PLAYBOOK"),
    ] {
        let id = account(&t, &token, acc).await;
        campaigns.insert(acc, campaign(&t, &token, id, post, trigger).await);
    }
    // From now on, a fifth of the calls that act fail: 429 with Retry-After, 500, or a
    // timeout after the message was sent or the reply posted.
    unipile.state.inject_random(RandomFaults {
        seed: 0x15f4_0175,
        percent: 20,
        routes: vec!["POST /chats".into(), "POST /posts/*/comments".into()],
        faults: vec![
            Fault::RateLimited {
                retry_after_secs: 120,
            },
            Fault::ServerError,
            Fault::StallAfterEffect(900),
        ],
    });

    let start = t.app.now();
    runner(&t, &t.app)
        .run_simulated_until(&t.clock, start + Duration::hours(4))
        .await
        .unwrap();

    let arrivals = unipile.state.arrivals();
    let faults = arrivals.iter().filter(|a| a.fault.is_some()).count();
    assert!(
        faults >= 8,
        "the soak injected faults of every kind ({faults})"
    );
    for kind in ["429", "500", "stall"] {
        let n = arrivals
            .iter()
            .filter(|a| {
                matches!(
                    (&a.fault, kind),
                    (Some(Fault::RateLimited { .. }), "429")
                        | (Some(Fault::ServerError), "500")
                        | (Some(Fault::StallAfterEffect(_)), "stall")
                )
            })
            .count();
        assert!(n > 0, "no {kind} fault was injected");
    }

    // Exactly the expected leads in each campaign; every first-degree one DMed once, every
    // other one answered publicly once and never DMed.
    let replies = unipile.state.replies();
    for (acc, expected) in &plan.leads {
        let got: BTreeSet<String> = {
            let mut tx = t.store.begin_for(tenant).await.unwrap();
            leads::of_campaign(&mut tx, tenant, campaigns[acc])
                .await
                .unwrap()
                .into_iter()
                .map(|(l, _)| l.provider_id)
                .filter(|p| !p.starts_with("ACoOwnerOf"))
                .collect()
        };
        let want: BTreeSet<String> = expected.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(got, want, "the leads of {acc}'s campaign");
        for (who, connected) in expected {
            let dms = unipile.state.sent_to(who);
            let answered = replies
                .iter()
                .filter(|(_, _, text)| text.starts_with(&format!("Thanks Pat{}!", &who[3..])))
                .count();
            if *connected {
                assert_eq!(dms.len(), 1, "{who} was DMed exactly once: {dms:?}");
                assert_eq!(answered, 0, "{who} is connected: no public reply");
            } else {
                assert!(dms.is_empty(), "{who} is not connected: no DM");
                assert_eq!(answered, 1, "{who} got exactly one public reply");
            }
        }
    }
    for chatter in ["ACoX0", "ACoY0"] {
        assert!(unipile.state.sent_to(chatter).is_empty());
    }

    // No pacing violation, judged from the fake's arrivals: every two calls that act for one
    // account, DMs and replies together, at least the minimum gap apart; the calls that took
    // effect under each kind's rolling-hour cap.
    let acting = acting(&arrivals);
    assert_eq!(acting.len(), 3, "all three accounts acted");
    let mut gaps = 0;
    for (acc, calls) in &acting {
        let mut times: Vec<_> = calls.iter().map(|a| a.at).collect();
        times.sort();
        for pair in times.windows(2) {
            gaps += 1;
            assert!(
                pair[1] - pair[0] >= Duration::seconds(MIN_GAP),
                "{acc}: two actions {} ms apart",
                (pair[1] - pair[0]).num_milliseconds()
            );
        }
        for (kind, cap) in [("/chats", DM_HOURLY), ("/comments", REPLY_HOURLY)] {
            let took_effect: Vec<_> = calls
                .iter()
                .filter(|a| a.path.ends_with(kind))
                .filter(|a| matches!(a.fault, None | Some(Fault::StallAfterEffect(_))))
                .map(|a| a.at)
                .collect();
            for t in &took_effect {
                let in_hour = took_effect
                    .iter()
                    .filter(|s| **s <= *t && **s > *t - Duration::hours(1))
                    .count();
                assert!(
                    in_hour <= cap,
                    "{acc}: {in_hour} {kind} calls in the hour to {t}"
                );
            }
        }
    }
    assert!(gaps > 55, "the gaps judged ({gaps}) cover the soak");

    // The account's owner commented GUIDE on their own post: never a lead (the owner's id
    // comes from the fake's GET /users/me when the account is connected).
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let owner_leads: Vec<String> = leads::of_campaign(&mut tx, tenant, campaigns["acc1"])
        .await
        .unwrap()
        .into_iter()
        .map(|(l, _)| l.provider_id)
        .filter(|p| p.starts_with("ACoOwnerOf"))
        .collect();
    assert!(owner_leads.is_empty(), "the owner became a lead");
    // The funnel rollup equals the per-lead count (the workers still hold the database).
    let compared = revos_test_support::funnel_check::assert_rollup_matches(&t.db).await;
    assert!(compared > 0, "campaigns were compared");
}
