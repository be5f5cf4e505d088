//! No provider call holds SQLite's writer turn (or a PostgreSQL row lock): while the email
//! sequencer or LinkedIn is slow to answer, other writes go through; and the email fallback
//! stays exactly-once when the sequencer's answer is lost after it enrolled the lead, and
//! takes its claim back when the sequencer refuses.

use crate::helpers::{Db, TestApp};
use reqwest::StatusCode;
use revos_providers::fakes::Fault;
use revos_providers::fakes::apollo::{self, FakeApollo};
use revos_providers::fakes::email::{self, FakeSequencer};
use revos_providers::fakes::unipile::{self, FakeUnipile};
use serde_json::{Value, json};
use std::time::Duration;

crate::both_backends!(
    a_slow_sequencer_leaves_the_writer_free,
    an_enrolment_whose_answer_is_lost_is_recorded_once,
    a_refused_enrolment_leaves_the_lead_at_dm_sent,
    a_slow_publish_leaves_the_writer_free,
);

/// Only a guard against a hang: the writes below never wait for a provider call.
const HANG_GUARD: Duration = Duration::from_secs(5);

/// The email of the one commenter.
const EMAIL: &str = "ana@acme.io";

/// The app wired to fake Unipile, Apollo and Instantly servers, with one active campaign
/// whose email fallback is Instantly's `inst-1` and one connected commenter with a verified
/// email.
struct World {
    t: TestApp,
    _unipile: unipile::Running,
    instantly: email::Running,
    _apollo: apollo::Running,
    campaign: uuid::Uuid,
}

async fn world(db: Db, timeout: Duration) -> World {
    let unipile = FakeUnipile::start().await;
    let apollo = FakeApollo::start().await;
    let instantly = FakeSequencer::start_instantly().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            apollo_url: apollo.base_url.clone(),
            apollo_key: Some("apollo-key".to_owned().into()),
            instantly_url: instantly.base_url.clone(),
            instantly_key: Some("instantly-key".to_owned().into()),
            public_url: Some("https://revos.example".into()),
            timeout,
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    let (token, _, _) = t.signup("dana@example.com", "Acme").await;
    let account = crate::helpers::unipile_account(&t, &token, (120, 900), 50).await;
    unipile.state.add_post("post-1", "Comment GUIDE");
    let body = json!({
        "name": "Guide", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": ["post-1"],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
        "email_fallback": {"provider": "instantly", "campaign_id": "inst-1"}
    });
    let campaign = crate::campaign_fakes::activated_campaign(&t, &token, body)
        .await
        .0;
    unipile
        .state
        .add_comment("post-1", "ACoAna", "Ana Diaz", "GUIDE please", true);
    unipile.state.connect("acc1", "ACoAna");
    let url = "https://www.linkedin.com/in/ACoAna";
    apollo.state.add_person(url, EMAIL, "Founder", "Acme");
    apollo.state.set_email_status(url, Some("verified"));
    World {
        t,
        _unipile: unipile,
        instantly,
        _apollo: apollo,
        campaign,
    }
}

impl World {
    /// Every job for 60 simulated hours (the DM, then the 48-hour fallback), every schedule
    /// firing at most each half hour (the commenter is there from the start, and nothing here
    /// waits on housekeeping) to keep the simulated days quick. Returns the spawned runner,
    /// whose result is true when it ran to its end.
    async fn run_days(&self) -> tokio::task::JoinHandle<bool> {
        let crons = revos_workers::crons()
            .into_iter()
            .map(|mut c| {
                c.period = c.period.max(Duration::from_secs(1800));
                c
            })
            .collect();
        let runner = revos_jobs::Runner::new(
            revos_workers::registry(&self.t.app),
            self.t.app.clone(),
            self.t.app.clock(),
            revos_jobs::RunnerConfig::default(),
            crons,
        );
        let until = self.t.app.now() + chrono::Duration::hours(60);
        let clock = self.t.clock.clone();
        tokio::spawn(async move { runner.run_simulated_until(&clock, until).await.is_ok() })
    }

    /// A fresh session (simulated days outlive the first one).
    async fn login(&self) -> String {
        let body = json!({"email": "dana@example.com", "password": "correct horse battery"});
        let (status, login) = self.t.post("/api/v1/auth/login", None, body).await;
        assert_eq!(status, StatusCode::OK, "{login}");
        login["token"].as_str().unwrap().to_owned()
    }

    /// The one lead's detail (`GET /api/v1/leads/{id}`).
    async fn lead(&self) -> Value {
        let token = self.login().await;
        let (status, list) = self.t.get("/api/v1/leads?limit=10", &token).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        let id = items[0]["id"].as_str().unwrap();
        let (status, detail) = self.t.get(&format!("/api/v1/leads/{id}"), &token).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        detail
    }

    /// The lead's stage in the campaign.
    async fn stage(&self) -> String {
        let detail = self.lead().await;
        detail["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["campaign_id"] == self.campaign.to_string())
            .unwrap_or_else(|| panic!("not in the campaign: {detail}"))["stage"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// How many timeline events of `kind` the lead has.
    async fn events(&self, kind: &str) -> usize {
        let detail = self.lead().await;
        detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "event" && e["kind"] == kind)
            .count()
    }

    /// How many enrolment requests reached Instantly.
    fn add_calls(&self) -> usize {
        self.instantly
            .state
            .requests()
            .iter()
            .filter(|(m, p)| m == "POST" && p == "/leads/add")
            .count()
    }

    /// Waits until a request `method path` reached `requests`.
    async fn wait_for(
        what: &str,
        requests: impl Fn() -> Vec<(String, String)>,
        method: &str,
        path: &str,
    ) {
        tokio::time::timeout(Duration::from_secs(180), async {
            while !requests().iter().any(|(m, p)| m == method && p == path) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{what} was never called"));
    }
}

/// A write through the API (a new cartridge) that must not wait for a provider call.
async fn write_meanwhile(t: &TestApp, token: &str) {
    let write = t.post(
        "/api/v1/cartridges",
        Some(token),
        crate::helpers::cartridge("Written meanwhile"),
    );
    let (status, body) = tokio::time::timeout(HANG_GUARD, write)
        .await
        .expect("a write waited for the provider call");
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn a_slow_sequencer_leaves_the_writer_free(db: Db) {
    let w = world(db, Duration::from_secs(60)).await;
    // The enrolment takes effect only after a long wait.
    w.instantly.state.inject([Fault::Stall(30_000)]);
    let run = w.run_days().await;
    let instantly = w.instantly.state.clone();
    World::wait_for(
        "Instantly",
        move || instantly.requests(),
        "POST",
        "/leads/add",
    )
    .await;

    let token = w.login().await;
    write_meanwhile(&w.t, &token).await;
    assert!(
        w.instantly.state.leads("inst-1").is_empty(),
        "the write went through while the enrolment was still in flight"
    );
    // Reads go through too, and show the claim taken before the call.
    assert_eq!(w.stage().await, "email_sequenced");
    run.abort();
}

async fn an_enrolment_whose_answer_is_lost_is_recorded_once(db: Db) {
    let w = world(db, Duration::from_millis(500)).await;
    // Instantly enrols the lead, then its answer never arrives in time.
    w.instantly.state.inject([Fault::StallAfterEffect(1_500)]);
    assert!(w.run_days().await.await.unwrap(), "the runner failed");

    let enrolled = w.instantly.state.leads("inst-1");
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    assert_eq!(enrolled[0]["email"], EMAIL);
    assert!(
        w.add_calls() >= 2,
        "the lost answer was followed by a second call"
    );
    assert_eq!(w.stage().await, "email_sequenced");
    assert_eq!(w.events("email_sequenced").await, 1, "recorded once");
    let detail = w.lead().await;
    let emails: Vec<&Value> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "message" && m["channel"] == "email" && m["direction"] == "out")
        .collect();
    assert_eq!(emails.len(), 1, "{detail}");
    assert_eq!(emails[0]["status"], "sent", "{detail}");
}

async fn a_refused_enrolment_leaves_the_lead_at_dm_sent(db: Db) {
    let w = world(db, Duration::from_millis(500)).await;
    w.instantly.state.inject([Fault::Status(400)]);
    assert!(w.run_days().await.await.unwrap(), "the runner failed");

    assert_eq!(w.add_calls(), 1, "a refusal is not retried");
    assert!(w.instantly.state.leads("inst-1").is_empty());
    assert_eq!(w.stage().await, "dm_sent", "the claim was taken back");
    assert_eq!(w.events("email_sequenced").await, 0);
    assert_eq!(w.events("provider_error").await, 1);
    let detail = w.lead().await;
    assert!(
        !detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["type"] == "message" && m["channel"] == "email"),
        "{detail}"
    );
}

async fn a_slow_publish_leaves_the_writer_free(db: Db) {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            timeout: Duration::from_secs(60),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    let (token, _, _) = t.signup("dana@example.com", "Acme").await;
    let account = crate::helpers::unipile_account(&t, &token, (0, 1), 100).await;
    let (status, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&token),
            crate::helpers::cartridge("Voice"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let body = json!({"body": "Slow to publish, quick to write.", "cartridge_id": c["id"],
        "linkedin_account_id": account});
    let (status, p) = t.post("/api/v1/posts", Some(&token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let id = p["id"].as_str().unwrap().to_owned();
    for step in ["submit", "approve"] {
        let (status, p) = t
            .post(
                &format!("/api/v1/posts/{id}/{step}"),
                Some(&token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
    }

    // LinkedIn's answer comes only after a long wait.
    unipile.state.inject([Fault::Stall(30_000)]);
    let client = t.client.clone();
    let (publisher, path) = (token.clone(), format!("/api/v1/posts/{id}/publish"));
    let publish =
        tokio::spawn(async move { client.post(&path, Some(&publisher), json!({})).await });
    let fake = unipile.state.clone();
    World::wait_for("LinkedIn", move || fake.requests(), "POST", "/posts").await;

    write_meanwhile(&t, &token).await;
    assert_eq!(
        open_transactions(&t).await,
        0,
        "no transaction is open while LinkedIn is slow to answer"
    );
    assert!(
        !publish.is_finished(),
        "the write went through while the publish was still in flight"
    );
    let (status, p) = t.get(&format!("/api/v1/posts/{id}"), &token).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "approved", "not published yet: {p}");
    publish.abort();
}

/// On PostgreSQL, the sessions of the test database idle inside a transaction (held open by
/// something that is not running a statement, such as a provider call); SQLite has no such
/// view, and its writer turn is checked by the writes themselves.
async fn open_transactions(t: &TestApp) -> i64 {
    if t.db.kind != Db::Postgres {
        return 0;
    }
    let pool = sqlx::PgPool::connect(&t.db.url).await.unwrap();
    let n = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    n
}
