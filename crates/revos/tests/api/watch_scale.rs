//! The watch loop at scale, through the public path against the fake Unipile: monitor passes of
//! several campaigns fall at different instants of the period and a pass still queued is not
//! doubled; a quiet pass reads one page per post and writes nothing; commenters across pages
//! and posts become leads exactly once while comment pages fail at random; the reply poller
//! lists each account's changed chats page by page (`GET /chats?after&cursor`) and reads only
//! the chats of open DMs that changed; housekeeping prunes finished jobs in several batches.

use crate::both_backends;
use crate::campaign_fakes::{activated_campaign, unipile_settings};
use crate::helpers::{Db, TestApp, unipile_account};
use chrono::{DateTime, Utc};
use revos_app::outreach::monitor::POLL_PERIOD;
use revos_domain::{Clock, TenantId};
use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::{FakeUnipile, RandomFaults, Running};
use revos_store::leads;
use serde_json::{Value, json};
use std::collections::HashSet;
use uuid::Uuid;

both_backends!(
    monitor_passes_are_spread_over_the_period,
    a_quiet_pass_reads_one_page_per_post_and_writes_nothing,
    commenters_across_pages_and_posts_become_leads_once_despite_faults,
    the_reply_poller_reads_only_changed_chats_of_open_dms,
    housekeeping_prunes_finished_jobs_in_batches
);

/// A workspace with the fake's account `acc1` connected through the API and stamping the
/// fake's requests and chats with the test's clock. Returns (token, tenant, account).
async fn workspace(t: &TestApp, fake: &Running) -> (String, TenantId, Uuid) {
    let clock = t.clock.clone();
    fake.state.set_clock(move || clock.now());
    fake.state.add_account("acc1", "Dana");
    let (token, tenant, _) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let account = unipile_account(t, &token, (120, 900), 50).await;
    (token, tenant, account)
}

/// An active campaign of `account` watching `posts` for GUIDE.
async fn campaign(t: &TestApp, token: &str, account: Uuid, name: &str, posts: &[&str]) -> Uuid {
    let body = json!({
        "name": name, "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": posts,
        "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}"
    });
    activated_campaign(t, token, body).await.0
}

/// Every job of `kind` of `token`'s workspace, through the jobs API (all pages).
async fn jobs_of_kind(t: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/jobs?kind={kind}&limit=200&cursor={c}"),
            None => format!("/api/v1/jobs?kind={kind}&limit=200"),
        };
        let (status, page) = t.get(&path, token).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{page}");
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return all,
        }
    }
}

/// The provider ids of the campaign's leads.
async fn lead_ids(t: &TestApp, tenant: TenantId, campaign: Uuid) -> Vec<String> {
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    leads::of_campaign(&mut tx, tenant, campaign)
        .await
        .unwrap()
        .into_iter()
        .map(|(l, _)| l.provider_id)
        .collect()
}

/// How many times the fake was asked for the comments of post `id`.
fn comment_reads(fake: &Running, id: &str) -> usize {
    fake.state
        .count("GET", &format!("/posts/urn:li:activity:{id}/comments"))
}

async fn monitor_passes_are_spread_over_the_period(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let (token, _, account) = workspace(&t, &fake).await;
    let mut campaigns = Vec::new();
    for i in 0..4 {
        let post = format!("74000000000000005{i:02}");
        fake.state.add_post(&post, "Comment GUIDE");
        campaigns.push(campaign(&t, &token, account, &format!("C{i}"), &[&post]).await);
    }
    assert_eq!(t.app.poll_campaigns().await.unwrap(), 4);
    let now = t.app.now();
    let period = chrono::Duration::from_std(POLL_PERIOD).unwrap();
    let slot = DateTime::from_timestamp_millis(
        now.timestamp_millis() - now.timestamp_millis().rem_euclid(period.num_milliseconds()),
    )
    .unwrap();
    let due: Vec<DateTime<Utc>> = jobs_of_kind(&t, &token, "campaign.monitor")
        .await
        .iter()
        .map(|j| j["run_at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(due.len(), 4, "one pass per campaign");
    let distinct: HashSet<_> = due.iter().collect();
    assert_eq!(
        distinct.len(),
        4,
        "each campaign at its own instant: {due:?}"
    );
    assert!(
        due.iter().all(|d| *d >= slot && *d < slot + period),
        "all within this period ({slot}): {due:?}"
    );
    // The next poll while those passes still wait does not double them.
    assert_eq!(t.app.poll_campaigns().await.unwrap(), 4);
    assert_eq!(jobs_of_kind(&t, &token, "campaign.monitor").await.len(), 4);
    // Each campaign keeps its offset from one period to the next.
    let runner = queue_only_runner(&t.app);
    runner
        .run_simulated_until(&t.clock, slot + period)
        .await
        .unwrap();
    t.app.poll_campaigns().await.unwrap();
    let mut next: Vec<DateTime<Utc>> = jobs_of_kind(&t, &token, "campaign.monitor")
        .await
        .iter()
        .filter(|j| j["state"] == "scheduled")
        .map(|j| j["run_at"].as_str().unwrap().parse().unwrap())
        .collect();
    next.sort();
    let mut expected: Vec<DateTime<Utc>> = due.iter().map(|d| *d + period).collect();
    expected.sort();
    assert_eq!(next, expected);
}

async fn a_quiet_pass_reads_one_page_per_post_and_writes_nothing(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let (token, tenant, account) = workspace(&t, &fake).await;
    let posts = [
        "7400000000000000601",
        "7400000000000000602",
        "7400000000000000603",
    ];
    for (p, post) in posts.iter().enumerate() {
        fake.state.add_post(post, "Comment GUIDE");
        for i in 0..120 {
            let who = format!("ACoQ{p}x{i}");
            fake.state
                .add_comment(post, &who, "Quinn Lee", "GUIDE", true);
        }
    }
    let campaign = campaign(&t, &token, account, "Quiet", &posts).await;
    let first = t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    assert_eq!((first.new_comments, first.new_leads), (360, 360));

    let reads: Vec<usize> = posts.iter().map(|p| comment_reads(&fake, p)).collect();
    let jobs_before = t.get("/api/v1/jobs/stats", &token).await.1;
    let leads_before = lead_ids(&t, tenant, campaign).await.len();
    let quiet = t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    assert_eq!((quiet.new_comments, quiet.new_leads), (0, 0));
    for (p, post) in posts.iter().enumerate() {
        assert_eq!(
            comment_reads(&fake, post) - reads[p],
            1,
            "one page down to the mark of {post}"
        );
    }
    assert_eq!(t.get("/api/v1/jobs/stats", &token).await.1, jobs_before);
    assert_eq!(lead_ids(&t, tenant, campaign).await.len(), leads_before);
}

async fn commenters_across_pages_and_posts_become_leads_once_despite_faults(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let (token, tenant, account) = workspace(&t, &fake).await;
    let posts = ["7400000000000000701", "7400000000000000702"];
    // 230 comments on each post (three pages), the last 30 people commenting on both, and
    // some of them twice.
    let person = |p: usize, i: usize| {
        if i < 30 {
            format!("ACoBoth{i}")
        } else {
            format!("ACoF{p}x{i}")
        }
    };
    for (p, post) in posts.iter().enumerate() {
        fake.state.add_post(post, "Comment GUIDE");
        for i in 0..230 {
            fake.state
                .add_comment(post, &person(p, i % 220), "Fay Lee", "GUIDE", true);
        }
    }
    let people: HashSet<String> = (0..2)
        .flat_map(|p| (0..220).map(move |i| (p, i)))
        .map(|(p, i)| person(p, i))
        .collect();
    let campaign = campaign(&t, &token, account, "Faulty", &posts).await;
    // A third of the comment pages are refused (rate limited for longer than a call waits).
    fake.state.inject_random(RandomFaults {
        seed: 17,
        percent: 35,
        routes: vec!["GET /posts/*/comments".into()],
        faults: vec![Fault::RateLimited {
            retry_after_secs: 120,
        }],
    });
    let mut failed = 0;
    let mut passes = 0;
    loop {
        passes += 1;
        assert!(passes < 60, "the walks never completed");
        match t.app.monitor_campaign_job(tenant, campaign).await {
            Ok(_) if failed > 0 => break,
            Ok(_) => {}
            Err(revos_app::AppError::Provider(_)) => failed += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(failed > 0, "some pages failed");
    let ids = lead_ids(&t, tenant, campaign).await;
    let distinct: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(distinct, people, "every commenter is a lead");
    assert_eq!(ids.len(), people.len(), "and joined the campaign once");
    let enrich = jobs_of_kind(&t, &token, "lead.enrich").await;
    assert_eq!(
        enrich.len(),
        people.len(),
        "enrichment queued once per lead"
    );
    let dms = jobs_of_kind(&t, &token, "linkedin.send_dm").await;
    assert_eq!(dms.len(), people.len(), "one DM job per lead");
}

async fn the_reply_poller_reads_only_changed_chats_of_open_dms(db: Db) {
    let fake = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&fake)).await;
    let (token, tenant, account) = workspace(&t, &fake).await;
    let post = "7400000000000000801";
    fake.state.add_post(post, "Comment GUIDE");
    for who in ["ACoR1", "ACoR2", "ACoR3"] {
        fake.state
            .add_comment(post, who, "Rita Lee", "GUIDE please", true);
        fake.state.connect("acc1", who);
    }
    let campaign = campaign(&t, &token, account, "Replies", &[post]).await;
    t.app.monitor_campaign_job(tenant, campaign).await.unwrap();
    let start = t.app.now();
    queue_only_runner(&t.app)
        .run_simulated_until(&t.clock, start + chrono::Duration::hours(3))
        .await
        .unwrap();
    let chats = fake.state.chats();
    let chat_of = |who: &str| {
        chats
            .iter()
            .find(|(_, c)| c.attendee == who)
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    let dm_chats: Vec<String> = ["ACoR1", "ACoR2", "ACoR3"].map(chat_of).to_vec();
    // 520 other people wrote to the account too: with the DMs' chats, three pages of 250.
    for i in 0..520 {
        fake.state.message_from(&format!("ACoStranger{i}"), "hello");
    }
    // The first poll comes later than the margin after those messages.
    t.clock.advance(chrono::Duration::minutes(10));
    let messages_read = |chat: &str| fake.state.count("GET", &format!("/chats/{chat}/messages"));
    let read_before: Vec<usize> = dm_chats.iter().map(|c| messages_read(c)).collect();

    let listings = fake.state.count("GET", "/chats");
    assert_eq!(
        t.app.poll_replies().await.unwrap(),
        0,
        "nobody answered yet"
    );
    assert_eq!(
        fake.state.count("GET", "/chats") - listings,
        3,
        "the first poll pages through every chat of the window"
    );
    for (c, chat) in dm_chats.iter().enumerate() {
        assert_eq!(
            messages_read(chat) - read_before[c],
            1,
            "each open DM's chat read once"
        );
    }
    let stranger = fake
        .state
        .chats()
        .keys()
        .find(|k| k.contains("Stranger"))
        .cloned()
        .unwrap();
    assert_eq!(
        messages_read(&stranger),
        0,
        "chats without our DM are never read"
    );

    // An hour later Rita 1 answers in the chat (the webhook is missed).
    t.clock.advance(chrono::Duration::hours(1));
    fake.state.reply_from("ACoR1", "Thanks, got it!").unwrap();
    let read_before: Vec<usize> = dm_chats.iter().map(|c| messages_read(c)).collect();
    let listings = fake.state.count("GET", "/chats");
    assert_eq!(t.app.poll_replies().await.unwrap(), 1, "the reply is found");
    assert_eq!(
        fake.state.count("GET", "/chats") - listings,
        1,
        "one page of changed chats"
    );
    assert_eq!(messages_read(&dm_chats[0]) - read_before[0], 1);
    assert_eq!(
        messages_read(&dm_chats[1]),
        read_before[1],
        "unchanged: not read"
    );
    assert_eq!(
        messages_read(&dm_chats[2]),
        read_before[2],
        "unchanged: not read"
    );
    let stages: Vec<(String, String)> = {
        let mut tx = t.store.begin_for(tenant).await.unwrap();
        leads::of_campaign(&mut tx, tenant, campaign)
            .await
            .unwrap()
            .into_iter()
            .map(|(l, s)| (l.provider_id, s.to_string()))
            .collect()
    };
    for (who, stage) in stages {
        let want = if who == "ACoR1" { "replied" } else { "dm_sent" };
        assert_eq!(stage, want, "{who}");
    }
    // Polling again finds nothing new and reads no chat: the answered DM is no longer open.
    let read_before: Vec<usize> = dm_chats.iter().map(|c| messages_read(c)).collect();
    assert_eq!(t.app.poll_replies().await.unwrap(), 0);
    let read_after: Vec<usize> = dm_chats.iter().map(|c| messages_read(c)).collect();
    assert_eq!(read_after, read_before);
}

/// A job that does nothing, to fill the queue with finished jobs.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Noop {
    tenant: TenantId,
}

impl revos_jobs::Job for Noop {
    type Context = ();
    const KIND: &'static str = "test.noop";
    const QUEUE: &'static str = "test";
    const MAX_ATTEMPTS: u32 = 1;
    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }
    async fn run(
        self,
        _: revos_jobs::JobContext,
        _: &(),
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        Ok(revos_jobs::Outcome::Done)
    }
}

/// Queues `n` [`Noop`] jobs of `tenant` and runs them to success.
async fn finished_jobs(t: &TestApp, tenant: TenantId, n: usize) {
    let now = t.app.now();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    for _ in 0..n {
        revos_jobs::enqueue(&mut tx, &Noop { tenant }, now, now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut registry = revos_jobs::Registry::new(t.store.clone());
    registry.register::<Noop>();
    let runner = revos_jobs::Runner::new(
        registry,
        (),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    );
    while runner.run_due().await.unwrap() > 0 {}
}

async fn housekeeping_prunes_finished_jobs_in_batches(db: Db) {
    let t = TestApp::spawn(db).await;
    let (_, tenant, _) = t.signup("ana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());
    let succeeded = || async {
        let stats = t
            .app
            .job_stats(revos_app::jobs::JobAccess::Operator)
            .await
            .unwrap();
        stats.counts.get("succeeded").copied().unwrap_or_default()
    };
    finished_jobs(&t, tenant, 25).await;
    t.clock.advance(chrono::Duration::days(8));
    // Recent ones stay.
    finished_jobs(&t, tenant, 3).await;
    assert_eq!(succeeded().await, 28);

    // Batches of 10: three deletes (10, 10, 5) of the 25 old ones.
    assert_eq!(t.app.prune_finished_jobs(10).await.unwrap(), 25);
    assert_eq!(succeeded().await, 3);
    assert_eq!(t.app.prune_finished_jobs(10).await.unwrap(), 0);
    // The cron's round uses the same loop.
    t.clock.advance(chrono::Duration::days(8));
    assert_eq!(t.app.housekeeping().await.unwrap().jobs, 3);
    assert_eq!(succeeded().await, 0);
}

/// A runner of every job kind without the cron schedules.
fn queue_only_runner(app: &revos_app::App) -> revos_jobs::Runner<revos_app::App> {
    revos_jobs::Runner::new(
        revos_workers::registry(app),
        app.clone(),
        app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    )
}
