//! The comment monitor against the fake Unipile and the sandbox: qualifying commenters become
//! leads once, the owner and the do-not-contact list are skipped, emails in comments are kept,
//! reruns change nothing, and two tenants watching one post get independent leads.

use crate::both_backends;
use crate::campaign_fakes::unipile_settings;
use crate::helpers::{Db, TestApp};
use revos_domain::TenantId;
use revos_providers::HttpConfig;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_providers::sandbox::Sandbox;
use revos_providers::unipile::Unipile;
use revos_store::leads;
use serde_json::json;
use uuid::Uuid;

both_backends!(
    commenters_become_leads_once,
    the_sandbox_world_feeds_the_monitor
);

/// A workspace with an active campaign on post `post` of a sandbox account (whose owner the
/// sandbox gives). Returns (token, tenant, campaign).
async fn setup(t: &TestApp, email: &str, post: &str) -> (String, TenantId, Uuid) {
    let (token, tenant, _) = t.signup(email, "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let (_, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "sandbox", "display_name": "Ana"}),
        )
        .await;
    let account: Uuid = acct["id"].as_str().unwrap().parse().unwrap();
    assert!(acct["owner_provider_id"].is_string(), "{acct}");
    let campaign = active_campaign(
        t,
        &token,
        account,
        post,
        "Hi {{ first_name }}: {{ lead_magnet_url }}",
    )
    .await;
    (token, tenant, campaign)
}

/// A workspace with an active campaign on post `post` of the fake's Unipile account
/// `account_id`, connected through the API (its owner read from the fake's `GET /users/me`).
/// Returns (token, tenant, campaign).
async fn setup_unipile(
    t: &TestApp,
    fake: &revos_providers::fakes::unipile::Running,
    account_id: &str,
    email: &str,
    post: &str,
) -> (String, TenantId, Uuid) {
    fake.state.add_account(account_id, "Dana");
    let (token, tenant, _) = t.signup(email, "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&token),
            json!({"provider": "unipile", "account_id": account_id}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{acct}");
    assert_eq!(acct["owner_provider_id"], FakeUnipile::owner_id(account_id));
    let account: Uuid = acct["id"].as_str().unwrap().parse().unwrap();
    let campaign = active_campaign(
        t,
        &token,
        account,
        post,
        "Hi {{ first_name }}: {{ lead_magnet_url }}",
    )
    .await;
    (token, tenant, campaign)
}

async fn lead_ids(t: &TestApp, tenant: TenantId, campaign: Uuid) -> Vec<(String, Option<String>)> {
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let mut v: Vec<_> = leads::of_campaign(&mut tx, tenant, campaign)
        .await
        .unwrap()
        .into_iter()
        .map(|(l, _)| (l.provider_id, l.email))
        .collect();
    v.sort();
    v
}

async fn commenters_become_leads_once(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let owner = FakeUnipile::owner_id("acc1");
    let post = "7332661864792854528";
    fake.state
        .add_post(post, "Comment GUIDE and I'll send the playbook");
    let comments = [
        ("ACo1", "Ana Lopez", "GUIDE please"),
        ("ACo2", "Ben Smith", "Great post!"),
        ("ACo3", "Chloé Khan", "guide!!"),
        ("ACo3", "Chloé Khan", "GUIDE GUIDE, send it"),
        (owner.as_str(), "The Owner", "GUIDE is in your inbox"),
        ("ACo4", "Dev Rossi", "GUDE — mail me at Dev.Rossi@Globex.io"),
        ("ACo5", "Emma Berg", "GUIDE"),
        ("ACo6", "Farid Novak", "leadership is a guidepost"),
    ];
    for (id, name, text) in comments {
        fake.state.add_comment(post, id, name, text, true);
    }
    let (_, tenant, campaign) = setup_unipile(&t, &fake, "acc1", "ana@example.com", post).await;
    // Emma asked never to be contacted.
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let emma = leads::upsert(
        &mut tx,
        tenant,
        &leads::NewLead {
            provider_id: "ACo5",
            name: "Emma Berg",
            linkedin_url: None,
            headline: None,
            email: None,
            sandbox: false,
        },
        t.app.now(),
    )
    .await
    .unwrap();
    leads::set_do_not_contact(&mut tx, tenant, emma.id, true, t.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let unipile = Unipile::new(HttpConfig::new(&fake.base_url, "k".to_owned().into()));
    let report = t
        .app
        .monitor_campaign(tenant, campaign, &unipile)
        .await
        .unwrap();
    assert_eq!(report.new_comments, 8);
    assert_eq!(report.new_leads, 3);
    assert_eq!(
        lead_ids(&t, tenant, campaign).await,
        [
            ("ACo1".into(), None),
            ("ACo3".into(), None),
            ("ACo4".into(), Some("dev.rossi@globex.io".to_owned()))
        ]
    );

    // A rerun changes nothing; a new comment is picked up alone.
    let again = t
        .app
        .monitor_campaign(tenant, campaign, &unipile)
        .await
        .unwrap();
    assert_eq!((again.new_comments, again.new_leads), (0, 0));
    fake.state
        .add_comment(post, "ACo7", "Grace Silva", "Guide please!", false);
    let third = t
        .app
        .monitor_campaign(tenant, campaign, &unipile)
        .await
        .unwrap();
    assert_eq!((third.new_comments, third.new_leads), (1, 1));

    // Another workspace watching the same post from its own account gets its own,
    // independent leads (acc1's owner is just a commenter to it).
    let (_, tenant_b, campaign_b) = setup_unipile(&t, &fake, "acc2", "bob@example.com", post).await;
    let b = t
        .app
        .monitor_campaign(tenant_b, campaign_b, &unipile)
        .await
        .unwrap();
    assert_eq!(
        b.new_leads, 6,
        "Emma is on A's do-not-contact list, not B's; acc1's owner is not B's"
    );
    assert_eq!(
        lead_ids(&t, tenant, campaign).await.len(),
        4,
        "tenant A unchanged"
    );
}

async fn the_sandbox_world_feeds_the_monitor(db: Db) {
    let t = TestApp::spawn(db).await;
    let (_, tenant, campaign) = setup(&t, "ana@example.com", "sandbox-post-1").await;
    let sandbox = Sandbox::new(42, t.clock.clone(), vec!["GUIDE".into()]);
    let first = t
        .app
        .monitor_campaign(tenant, campaign, &sandbox)
        .await
        .unwrap();
    t.clock.advance(chrono::Duration::hours(60));
    let later = t
        .app
        .monitor_campaign(tenant, campaign, &sandbox)
        .await
        .unwrap();
    let total = first.new_leads + later.new_leads;
    assert!(total > 5, "the sandbox produced {total} leads");
    let leads = lead_ids(&t, tenant, campaign).await;
    assert_eq!(leads.len() as u64, total);
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let rows = leads::of_campaign(&mut tx, tenant, campaign).await.unwrap();
    assert!(
        rows.iter()
            .all(|(l, stage)| l.is_sandbox && stage == "dm_queued"),
        "sandbox leads are marked"
    );
}

both_backends!(leads_are_enriched_once_a_month_through_the_queue);

async fn leads_are_enriched_once_a_month_through_the_queue(db: Db) {
    use revos_providers::fakes::apollo::FakeApollo;
    let t = TestApp::spawn(db).await;
    let fake = FakeUnipile::start().await;
    let apollo = FakeApollo::start().await;
    let post = "7400000000000000001";
    fake.state.add_post(post, "Comment GUIDE");
    fake.state
        .add_comment(post, "ACo1", "Ana Lopez", "GUIDE", true);
    fake.state
        .add_comment(post, "ACo2", "Ben Smith", "guide please", true);
    apollo.state.add_person(
        "https://www.linkedin.com/in/ACo1",
        "ana@acme.io",
        "VP Sales",
        "Acme",
    );
    let (token, tenant, campaign) = setup(&t, "ana@example.com", post).await;
    let (status, _) = t
        .put(
            "/api/v1/secrets/apollo_api_key",
            &token,
            json!({"value": "tenant-apollo-key-1234"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let app = t
        .app
        .clone()
        .with_providers(revos_app::providers::ProviderSettings {
            apollo_url: apollo.base_url.clone(),
            ..Default::default()
        });
    assert!(
        !app.enricher(tenant).await.unwrap().is_sandbox(),
        "the tenant's own key selects Apollo"
    );

    let unipile = Unipile::new(HttpConfig::new(&fake.base_url, "k".to_owned().into()));
    assert_eq!(
        app.monitor_campaign(tenant, campaign, &unipile)
            .await
            .unwrap()
            .new_leads,
        2
    );
    let runner = queue_only_runner(&app);
    runner.run_due().await.unwrap();

    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let rows = leads::of_campaign(&mut tx, tenant, campaign).await.unwrap();
    drop(tx);
    let ana = rows.iter().find(|(l, _)| l.provider_id == "ACo1").unwrap();
    assert_eq!(ana.0.email.as_deref(), Some("ana@acme.io"));
    assert!(
        rows.iter().all(|(_, stage)| stage != "scraped"),
        "found or not, enrichment never holds a lead back"
    );
    assert_eq!(apollo.state.requests().len(), 2);
    assert_eq!(
        apollo.state.requests()[0].0["x-api-key"],
        "tenant-apollo-key-1234"
    );

    // A second lookup within 30 days is free; after that it is paid again.
    use revos_app::outreach::enrichment::EnrichOutcome;
    assert_eq!(
        app.enrich_lead(tenant, ana.0.id, None).await.unwrap(),
        EnrichOutcome::Cached
    );
    assert_eq!(apollo.state.requests().len(), 2);
    t.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        app.enrich_lead(tenant, ana.0.id, None).await.unwrap(),
        EnrichOutcome::Found
    );
    assert_eq!(apollo.state.requests().len(), 3);

    // A workspace with no key of its own and none configured gets the sandbox.
    let (_, tenant_b, _) = t.signup("bob@example.com", "Beta").await;
    let tenant_b = TenantId(tenant_b.parse().unwrap());
    assert!(app.enricher(tenant_b).await.unwrap().is_sandbox());
}

both_backends!(dms_go_out_exactly_once_even_after_a_timed_out_send);

async fn dms_go_out_exactly_once_even_after_a_timed_out_send(db: Db) {
    use revos_app::outreach::dm::SendDm;
    use revos_app::outreach::requeue::{self, Queued};
    use revos_providers::fakes::Fault;
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let post = "7400000000000000009";
    fake.state.add_account("acc1", "Dana");
    fake.state.add_post(post, "Comment GUIDE");
    fake.state
        .add_comment(post, "ACo1", "Ana Lopez", "GUIDE", true);
    fake.state
        .add_comment(post, "ACo2", "Ben Smith", "GUIDE", false);
    fake.state
        .add_comment(post, "ACo3", "Chloé Khan", "GUIDE", true);
    fake.state.connect("acc1", "ACo1");
    fake.state.connect("acc1", "ACo3");

    let (_token, tenant, campaign, account, app) = unipile_campaign(&t, &fake, post).await;
    let now = t.app.now();

    let unipile = Unipile::new(HttpConfig::new(&fake.base_url, "k".to_owned().into()));
    assert_eq!(
        app.monitor_campaign(tenant, campaign, &unipile)
            .await
            .unwrap()
            .new_leads,
        3
    );
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let leads_now = leads::of_campaign(&mut tx, tenant, campaign).await.unwrap();
    let id_of = |p: &str| {
        leads_now
            .iter()
            .find(|(l, _)| l.provider_id == p)
            .unwrap()
            .0
            .id
    };
    for p in ["ACo1", "ACo2", "ACo3"] {
        let job = SendDm {
            tenant,
            campaign,
            lead: id_of(p),
            account,
            step: None,
        };
        // The monitor queued it already: one DM per campaign and lead.
        assert_eq!(
            requeue::dm(&mut tx, &job, "1", now).await.unwrap(),
            Queued::AlreadyHasDm
        );
    }
    // Queueing again is a no-op: one DM per campaign and lead.
    assert_eq!(
        requeue::dm(
            &mut tx,
            &SendDm {
                tenant,
                campaign,
                lead: id_of("ACo1"),
                account,
                step: None,
            },
            "1",
            now
        )
        .await
        .unwrap(),
        Queued::AlreadyHasDm
    );
    tx.commit().await.unwrap();

    // One send reaches LinkedIn but times out; the retry must find it, not resend.
    let runner = queue_only_runner(&app);
    // The second send (of ACo1 and ACo3) stalls after taking effect.
    fake.state.inject_on(
        "POST",
        "/chats",
        [Fault::Stall(0), Fault::StallAfterEffect(1_000)],
    );
    runner
        .run_simulated_until(&t.clock, now + chrono::Duration::days(2))
        .await
        .unwrap();

    assert_eq!(
        fake.state.sent_to("ACo1"),
        ["Hi Ana! Here is The Playbook: https://acme.io/p"]
    );
    assert_eq!(
        fake.state.sent_to("ACo3").len(),
        1,
        "a timed-out send is reconciled, never repeated"
    );
    assert!(
        fake.state.sent_to("ACo2").is_empty(),
        "not connected: no DM"
    );
    let requests = fake.state.requests();
    let last_send = requests
        .iter()
        .rposition(|(m, p)| m == "POST" && p == "/chats")
        .unwrap();
    assert!(
        requests[last_send..]
            .iter()
            .any(|(m, p)| m == "GET" && p.starts_with("/chats/") && p.ends_with("/messages")),
        "the timed-out send was reconciled from the chat: {requests:?}"
    );
    assert_eq!(
        requests
            .iter()
            .filter(|(m, p)| m == "POST" && p == "/chats")
            .count(),
        2,
        "two sends, no resend"
    );
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let stages: std::collections::HashMap<String, String> =
        leads::of_campaign(&mut tx, tenant, campaign)
            .await
            .unwrap()
            .into_iter()
            .map(|(l, s)| (l.provider_id, s.to_string()))
            .collect();
    assert_eq!(stages["ACo1"], "dm_sent");
    assert_eq!(stages["ACo3"], "dm_sent");
    assert_eq!(stages["ACo2"], "awaiting_connection");
}

both_backends!(the_whole_loop_runs_in_the_sandbox_within_pacing);

/// Poll, monitor, enrich and DM through the real queue on a simulated clock, in the sandbox.
async fn the_whole_loop_runs_in_the_sandbox_within_pacing(db: Db) {
    use chrono::Timelike;
    use revos_store::messages;
    let t = TestApp::spawn(db).await;
    let (_, tenant, campaign) = setup(&t, "ana@example.com", "sandbox-post-7").await;
    let start = t.app.now();
    let crons = vec![revos_jobs::Cron::every(
        "poll-comments",
        std::time::Duration::from_secs(600),
        revos_app::outreach::monitor::PollCampaigns,
    )];
    let runner = revos_jobs::Runner::new(
        revos_workers::registry(&t.app),
        t.app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        crons,
    );
    runner
        .run_simulated_until(&t.clock, start + chrono::Duration::days(2))
        .await
        .unwrap();

    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let rows = leads::of_campaign(&mut tx, tenant, campaign).await.unwrap();
    let sent = messages::sent_times(&mut tx, tenant, campaign)
        .await
        .unwrap();
    assert!(rows.len() > 10, "the sandbox produced {} leads", rows.len());
    assert!(!sent.is_empty(), "DMs went out");
    let sent_leads: std::collections::HashSet<_> = sent.iter().map(|(l, _)| *l).collect();
    assert_eq!(sent_leads.len(), sent.len(), "one DM per lead");
    let dm_sent = rows.iter().filter(|(_, s)| s == "dm_sent").count();
    assert_eq!(dm_sent, sent.len());
    let times: Vec<_> = sent.iter().map(|(_, t)| *t).collect();
    for (i, t) in times.iter().enumerate() {
        let in_hour = times[..=i]
            .iter()
            .filter(|s| **s > *t - chrono::Duration::hours(1))
            .count();
        assert!(in_hour <= 50, "{in_hour} DMs in the hour before {t}");
        assert!(
            (8..20).contains(&t.hour()),
            "DM at {t} outside the 08:00-20:00 window"
        );
    }
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= chrono::Duration::seconds(120) - chrono::Duration::milliseconds(1)
        );
    }
}

/// A workspace whose active campaign on `post` sends through the fake Unipile account `acc1`.
/// Returns (token, tenant, campaign, account, app configured for the fake).
async fn unipile_campaign(
    t: &TestApp,
    fake: &revos_providers::fakes::unipile::Running,
    post: &str,
) -> (String, TenantId, Uuid, Uuid, revos_app::App) {
    let (token, tenant, _) = t.signup("ana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let account = crate::helpers::unipile_account(t, &token, (120, 900), 50).await;
    let campaign = active_campaign(
        t,
        &token,
        account,
        post,
        "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
    )
    .await;

    let app = t
        .app
        .clone()
        .with_providers(revos_app::providers::ProviderSettings {
            unipile_url: Some(fake.base_url.clone()),
            unipile_key: Some("instance-unipile-key".to_owned().into()),
            timeout: std::time::Duration::from_millis(300),
            ..Default::default()
        });
    (token, tenant, campaign, account, app)
}

both_backends!(pausing_stops_sends_and_resuming_sends_the_rest);

async fn pausing_stops_sends_and_resuming_sends_the_rest(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let post = "7400000000000000011";
    fake.state.add_account("acc1", "Dana");
    fake.state.add_post(post, "Comment GUIDE");
    for id in ["ACo1", "ACo2"] {
        fake.state.add_comment(post, id, "Ana Lopez", "GUIDE", true);
        fake.state.connect("acc1", id);
    }
    let (token, tenant, campaign, _, app) = unipile_campaign(&t, &fake, post).await;
    let unipile = Unipile::new(HttpConfig::new(&fake.base_url, "k".to_owned().into()));
    assert_eq!(
        app.monitor_campaign(tenant, campaign, &unipile)
            .await
            .unwrap()
            .new_leads,
        2
    );
    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/pause"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);

    let runner = queue_only_runner(&app);
    let start = t.app.now();
    runner
        .run_simulated_until(&t.clock, start + chrono::Duration::hours(6))
        .await
        .unwrap();
    assert!(
        fake.state.sent_to("ACo1").is_empty() && fake.state.sent_to("ACo2").is_empty(),
        "paused: nothing sent"
    );
    let stats = app
        .job_stats(revos_app::jobs::JobAccess::Operator)
        .await
        .unwrap();
    assert_eq!(stats.counts["dead"], 0, "waiting out a pause kills no job");

    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/resume"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    runner
        .run_simulated_until(&t.clock, start + chrono::Duration::hours(12))
        .await
        .unwrap();
    assert_eq!(fake.state.sent_to("ACo1").len(), 1);
    assert_eq!(fake.state.sent_to("ACo2").len(), 1);
}

/// Creates and activates a campaign of `account` watching `post` for GUIDE with `template`.
async fn active_campaign(
    t: &TestApp,
    token: &str,
    account: Uuid,
    post: &str,
    template: &str,
) -> Uuid {
    let body = json!({
        "name": "Launch", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [post], "dm_template": template
    });
    let (_, c) = t.post("/api/v1/campaigns", Some(token), body).await;
    let campaign: Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    campaign
}

/// A runner of every job kind without the cron schedules: tests that count provider requests
/// drive the monitor themselves.
fn queue_only_runner(app: &revos_app::App) -> revos_jobs::Runner<revos_app::App> {
    revos_jobs::Runner::new(
        revos_workers::registry(app),
        app.clone(),
        app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    )
}
