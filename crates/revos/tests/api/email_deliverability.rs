//! Email deliverability end to end against fake Unipile, Apollo, Instantly and Smartlead
//! servers: Apollo's email status decides who the fallback sequences
//! (`email_fallback.require_verified`, default true: verified only; false: likely too; never
//! unverified, unavailable, unknown or bounced), a skipped lead shows why, and a bounce
//! webhook marks the address, stops its sequences at the provider, and keeps every later
//! fallback from sequencing it.

use crate::helpers::{Db, TestApp, error_fields};
use chrono::Duration;
use reqwest::StatusCode;
use revos_providers::fakes::apollo::{self, FakeApollo};
use revos_providers::fakes::email::{self, FakeSequencer};
use revos_providers::fakes::unipile::{self, FakeUnipile};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

crate::both_backends!(
    apollo_email_status_decides_who_is_sequenced,
    an_instantly_bounce_stops_the_address_everywhere_and_for_good,
    a_smartlead_bounce_pauses_the_lead,
);

/// The fakes and the app wired to them.
struct World {
    t: TestApp,
    unipile: unipile::Running,
    apollo: apollo::Running,
    instantly: email::Running,
    smartlead: email::Running,
    token: String,
    account: uuid::Uuid,
}

async fn world(db: Db) -> World {
    let unipile = FakeUnipile::start().await;
    let apollo = FakeApollo::start().await;
    let instantly = FakeSequencer::start_instantly().await;
    let smartlead = FakeSequencer::start_smartlead().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            apollo_url: apollo.base_url.clone(),
            apollo_key: Some("apollo-key".to_owned().into()),
            instantly_url: instantly.base_url.clone(),
            instantly_key: Some("instantly-key".to_owned().into()),
            smartlead_url: smartlead.base_url.clone(),
            smartlead_key: Some("smartlead-key".to_owned().into()),
            public_url: Some("https://revos.example".into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    let (token, _, _) = t.signup("dana@example.com", "Acme").await;
    let account = crate::helpers::unipile_account(&t, &token, (120, 900), 50).await;
    World {
        t,
        unipile,
        apollo,
        instantly,
        smartlead,
        token,
        account,
    }
}

impl World {
    /// Creates and activates a campaign watching `post` with this email fallback (in a fresh
    /// session: simulated days outlive the first one).
    async fn campaign(&self, name: &str, post: &str, fallback: Value) -> uuid::Uuid {
        self.unipile.state.add_post(post, "Comment GUIDE");
        let body = json!({
            "name": name, "linkedin_account_id": self.account,
            "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
            "trigger_words": ["GUIDE"], "watched_posts": [post],
            "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
            "email_fallback": fallback
        });
        let token = self.login().await;
        crate::campaign_fakes::activated_campaign(&self.t, &token, body)
            .await
            .0
    }

    /// `who` (provider id, name), connected to the account, asks for the guide on `post`;
    /// Apollo knows them with `email` of `status` (none when `None`).
    fn commenter(&self, post: &str, who: (&str, &str), email: &str, status: Option<&str>) {
        let (id, name) = who;
        self.unipile
            .state
            .add_comment(post, id, name, "GUIDE please", true);
        self.unipile.state.connect("acc1", id);
        let url = format!("https://www.linkedin.com/in/{id}");
        self.apollo.state.add_person(&url, email, "Founder", "Acme");
        self.apollo.state.set_email_status(&url, status);
    }

    /// Runs every job (comments polled every half hour: everyone has commented at the start)
    /// for `hours` of simulated time.
    async fn run_for(&self, hours: i64) {
        let crons = revos_workers::crons()
            .into_iter()
            .map(|c| {
                if c.name == "poll-comments" {
                    revos_jobs::Cron::every(
                        "poll-comments",
                        std::time::Duration::from_secs(1800),
                        revos_app::outreach::monitor::PollCampaigns,
                    )
                } else {
                    c
                }
            })
            .collect();
        let runner = revos_jobs::Runner::new(
            revos_workers::registry(&self.t.app),
            self.t.app.clone(),
            self.t.app.clock(),
            revos_jobs::RunnerConfig::default(),
            crons,
        );
        let until = self.t.app.now() + Duration::hours(hours);
        runner
            .run_simulated_until(&self.t.clock, until)
            .await
            .unwrap();
    }

    /// A fresh session (simulated days outlive the first one).
    async fn login(&self) -> String {
        let (status, login) = self
            .t
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "dana@example.com", "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{login}");
        login["token"].as_str().unwrap().to_owned()
    }

    /// The workspace's webhook URL path for `provider`.
    async fn hook(&self, provider: &str) -> String {
        let (status, hooks) = self.t.get("/api/v1/webhooks", &self.login().await).await;
        assert_eq!(status, StatusCode::OK, "{hooks}");
        hooks["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["provider"] == provider)
            .unwrap()["url"]
            .as_str()
            .unwrap()
            .strip_prefix("https://revos.example")
            .unwrap()
            .to_owned()
    }

    /// POSTs a webhook body to `path` (no credential but the URL's token).
    async fn deliver(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .t
            .http
            .post(format!("{}{path}", self.t.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// Every lead of the workspace with its detail (`GET /api/v1/leads/{id}`), by provider id.
async fn details(t: &TestApp, token: &str) -> BTreeMap<String, Value> {
    let (status, list) = t.get("/api/v1/leads?limit=100", token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let mut out = BTreeMap::new();
    for l in list["items"].as_array().unwrap() {
        let (status, detail) = t
            .get(
                &format!("/api/v1/leads/{}", l["id"].as_str().unwrap()),
                token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        out.insert(l["provider_id"].as_str().unwrap().to_owned(), detail);
    }
    out
}

/// The lead's stage in campaign `campaign`.
fn stage(detail: &Value, campaign: uuid::Uuid) -> String {
    detail["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["campaign_id"] == campaign.to_string())
        .unwrap_or_else(|| panic!("not in {campaign}: {detail}"))["stage"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The data of the lead's timeline events of `kind`.
fn events(detail: &Value, kind: &str) -> Vec<Value> {
    detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["data"].clone())
        .collect()
}

/// The addresses the fake sequencer holds in `campaign`.
fn enrolled(fake: &email::Running, campaign: &str) -> BTreeSet<String> {
    fake.state
        .leads(campaign)
        .iter()
        .map(|l| l["email"].as_str().unwrap().to_owned())
        .collect()
}

async fn apollo_email_status_decides_who_is_sequenced(db: Db) {
    let w = world(db).await;
    let strict = w
        .campaign(
            "Strict",
            "7400000000000000301",
            json!({"provider": "instantly", "campaign_id": "inst-a"}),
        )
        .await;
    let relaxed = w
        .campaign(
            "Relaxed",
            "7400000000000000302",
            json!({"provider": "instantly", "campaign_id": "inst-b", "require_verified": false}),
        )
        .await;
    let (_, c) =
        w.t.get(&format!("/api/v1/campaigns/{strict}"), &w.token)
            .await;
    assert_eq!(
        c["email_fallback"]["require_verified"], true,
        "verified only by default"
    );
    // (post, provider id, name, email, Apollo's status, what the fallback does)
    let people = [
        ("301", "ACoVera", "Vera Quinn", Some("verified"), None),
        (
            "301",
            "ACoLila",
            "Lila Moss",
            Some("likely to engage"),
            Some("email_unverified"),
        ),
        (
            "301",
            "ACoUna",
            "Una Berg",
            Some("unavailable"),
            Some("email_unavailable"),
        ),
        (
            "301",
            "ACoNed",
            "Ned Hale",
            None,
            Some("email_status_unknown"),
        ),
        ("302", "ACoVal", "Val Ruiz", Some("verified"), None),
        ("302", "ACoLia", "Lia Chen", Some("likely to engage"), None),
        ("302", "ACoGil", "Gil Park", Some("guessed"), None),
        (
            "302",
            "ACoUri",
            "Uri Sato",
            Some("unverified"),
            Some("email_unverified"),
        ),
        (
            "302",
            "ACoUma",
            "Uma Diaz",
            Some("unavailable"),
            Some("email_unavailable"),
        ),
    ];
    for (post, id, name, status, _) in people {
        let email = format!("{}@acme.io", id[3..].to_lowercase());
        w.commenter(
            &format!("7400000000000000{post}"),
            (id, name),
            &email,
            status,
        );
    }

    // DMs within pacing, then the 48-hour fallback.
    w.run_for(60).await;

    assert_eq!(
        enrolled(&w.instantly, "inst-a"),
        BTreeSet::from(["vera@acme.io".to_owned()]),
        "the strict campaign sequences verified addresses only"
    );
    assert_eq!(
        enrolled(&w.instantly, "inst-b"),
        ["val@acme.io", "lia@acme.io", "gil@acme.io"]
            .map(String::from)
            .into(),
        "the relaxed one adds likely addresses, never unverified or unavailable ones"
    );
    let token = w.login().await;
    let all = details(&w.t, &token).await;
    assert_eq!(all.len(), people.len());
    for (post, id, _, status, skipped) in people {
        let d = &all[id];
        let campaign = if post == "301" { strict } else { relaxed };
        assert_eq!(d["email_status"].as_str(), status, "{id}: {d}");
        let not_sequenced = events(d, "email_not_sequenced");
        match skipped {
            None => {
                assert_eq!(stage(d, campaign), "email_sequenced", "{id}");
                assert!(not_sequenced.is_empty(), "{id}: {d}");
            }
            Some(reason) => {
                assert_eq!(stage(d, campaign), "dm_sent", "{id} stays at dm_sent");
                assert_eq!(not_sequenced.len(), 1, "{id}: {d}");
                assert_eq!(not_sequenced[0]["reason"], reason, "{id}");
                assert_eq!(not_sequenced[0]["campaign_id"], campaign.to_string());
            }
        }
    }

    // The lead page shows the status and the reason.
    let lila = all["ACoLila"]["id"].as_str().unwrap();
    let resp =
        w.t.http
            .get(format!("{}/leads/{lila}", w.t.base))
            .header("cookie", format!("revos_session={token}"))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains(r#"id="lead-email-status">(likely to engage)"#),
        "{html}"
    );
    assert!(html.contains("Email not sequenced"), "{html}");
    assert!(html.contains("(email unverified)"), "{html}");
    // The funnel rollup (and the migration's backfill) equal the per-lead count.
    let compared = revos_test_support::funnel_check::assert_funnels_match(&w.t.db).await;
    assert!(compared > 0, "campaigns were compared");
}

async fn an_instantly_bounce_stops_the_address_everywhere_and_for_good(db: Db) {
    let w = world(db).await;
    let first = w
        .campaign(
            "First",
            "7400000000000000401",
            json!({"provider": "instantly", "campaign_id": "inst-1"}),
        )
        .await;
    let second = w
        .campaign(
            "Second",
            "7400000000000000402",
            json!({"provider": "instantly", "campaign_id": "inst-2"}),
        )
        .await;
    let hook = w.hook("instantly").await;
    // Bea asks on both posts; Cai on the first only.
    w.commenter(
        "7400000000000000401",
        ("ACoBea", "Bea Novak"),
        "bea@novak.io",
        Some("verified"),
    );
    w.commenter(
        "7400000000000000402",
        ("ACoBea", "Bea Novak"),
        "bea@novak.io",
        Some("verified"),
    );
    w.commenter(
        "7400000000000000401",
        ("ACoCai", "Cai Lind"),
        "cai@lind.io",
        Some("verified"),
    );
    w.run_for(60).await;
    assert_eq!(
        enrolled(&w.instantly, "inst-1"),
        ["bea@novak.io", "cai@lind.io"].map(String::from).into()
    );
    assert_eq!(
        enrolled(&w.instantly, "inst-2"),
        BTreeSet::from(["bea@novak.io".to_owned()])
    );

    // Mail to Bea bounces in the first campaign: Instantly stops her there and tells us.
    w.instantly.state.bounce("inst-1", "bea@novak.io");
    let bounce = json!({"timestamp": "2026-11-28T10:00:00.000Z", "event_type": "email_bounced",
        "workspace": "ws", "campaign_id": "inst-1", "campaign_name": "First",
        "lead_email": "Bea@Novak.io", "email_account": "sender@ours.io", "step": 1, "variant": 1});
    let (status, report) = w.deliver(&hook, bounce.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["recorded"].clone(), report["ignored"].clone()),
        (json!(1), json!(0))
    );
    // Instantly retries deliveries: the same bounce again changes nothing.
    let (status, report) = w.deliver(&hook, bounce).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (report["recorded"].clone(), report["ignored"].clone()),
        (json!(0), json!(1))
    );
    // A bounce without its address is refused, naming the field.
    let (status, err) = w
        .deliver(
            &hook,
            json!({"event_type": "email_bounced", "campaign_id": "inst-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(error_fields(&err), ["lead_email"]);

    // The stop jobs: the second campaign's lead is removed; the first one, which Instantly
    // stopped itself, keeps its history.
    let deletes_before = w
        .instantly
        .state
        .requests()
        .iter()
        .filter(|(m, _)| m == "DELETE")
        .count();
    assert_eq!(deletes_before, 0);
    w.run_for(1).await;
    assert_eq!(enrolled(&w.instantly, "inst-2"), BTreeSet::new());
    let first_leads = w.instantly.state.leads("inst-1");
    let bea = first_leads
        .iter()
        .find(|l| l["email"] == "bea@novak.io")
        .unwrap();
    assert_eq!(bea["status"], -1);
    let deletes: Vec<_> = w
        .instantly
        .state
        .requests()
        .into_iter()
        .filter(|(m, _)| m == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(
        enrolled(&w.instantly, "inst-1"),
        ["bea@novak.io", "cai@lind.io"].map(String::from).into(),
        "Cai is untouched"
    );
    let token = w.login().await;
    let all = details(&w.t, &token).await;
    let bea = &all["ACoBea"];
    assert_eq!(bea["email_status"], "bounced", "{bea}");
    assert_eq!(events(bea, "email_bounced").len(), 1, "{bea}");
    let stopped: BTreeMap<String, String> = events(bea, "email_sequence_stopped")
        .into_iter()
        .map(|e| {
            (
                e["campaign_id"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        stopped,
        BTreeMap::from([
            (first.to_string(), "already_stopped".to_owned()),
            (second.to_string(), "stopped".to_owned()),
        ])
    );
    assert_eq!(all["ACoCai"]["email_status"], "verified");

    // A later campaign, even one that accepts likely addresses, never sequences her again.
    let later = w
        .campaign(
            "Later",
            "7400000000000000403",
            json!({"provider": "instantly", "campaign_id": "inst-3", "require_verified": false}),
        )
        .await;
    w.commenter(
        "7400000000000000403",
        ("ACoBea", "Bea Novak"),
        "bea@novak.io",
        Some("verified"),
    );
    w.run_for(60).await;
    assert_eq!(
        w.unipile.state.sent_to("ACoBea").len(),
        3,
        "DMed in each campaign"
    );
    assert_eq!(enrolled(&w.instantly, "inst-3"), BTreeSet::new());
    let token = w.login().await;
    let bea = &details(&w.t, &token).await["ACoBea"];
    assert_eq!(stage(bea, later), "dm_sent");
    let skipped = events(bea, "email_not_sequenced");
    assert_eq!(skipped.len(), 1, "{bea}");
    assert_eq!(skipped[0]["reason"], "email_bounced");
    // The funnel rollup (and the migration's backfill) equal the per-lead count.
    let compared = revos_test_support::funnel_check::assert_funnels_match(&w.t.db).await;
    assert!(compared > 0, "campaigns were compared");
}

async fn a_smartlead_bounce_pauses_the_lead(db: Db) {
    let w = world(db).await;
    let campaign = w
        .campaign(
            "Smart",
            "7400000000000000501",
            json!({"provider": "smartlead", "campaign_id": "77"}),
        )
        .await;
    let hook = w.hook("smartlead").await;
    w.commenter(
        "7400000000000000501",
        ("ACoSam", "Sam Ode"),
        "sam@ode.io",
        Some("verified"),
    );
    w.run_for(60).await;
    let leads = w.smartlead.state.leads("77");
    assert_eq!(leads.len(), 1);
    let sam_id = leads[0]["id"].clone();

    // Smartlead's documented EMAIL_BOUNCE event names the recipient as `to_email`.
    let bounce = json!({"webhook_id": 1, "webhook_name": "revos", "stats_id": "s1",
        "event_type": "EMAIL_BOUNCE", "event_timestamp": "2026-11-28T10:00:00.000Z",
        "from_email": "sender@ours.io", "to_email": "sam@ode.io", "to_name": "Sam Ode",
        "subject": "The Playbook", "campaign_id": 77, "campaign_name": "Smart",
        "campaign_status": "ACTIVE", "sequence_number": 1,
        "sent_message": {"message_id": "<m1@ours.io>", "html": "", "text": "", "time": ""}});
    let (status, report) = w.deliver(&hook, bounce).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["recorded"], 1);
    let (status, err) = w
        .deliver(
            &hook,
            json!({"event_type": "EMAIL_BOUNCE", "campaign_id": 77}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(error_fields(&err), ["to_email"]);

    w.run_for(1).await;
    let leads = w.smartlead.state.leads("77");
    assert_eq!(leads[0]["status"], "PAUSED", "{leads:?}");
    assert!(
        w.smartlead.state.requests().contains(&(
            "POST".to_owned(),
            format!("/campaigns/77/leads/{sam_id}/pause")
        )),
        "{:?}",
        w.smartlead.state.requests()
    );
    let token = w.login().await;
    let sam = &details(&w.t, &token).await["ACoSam"];
    assert_eq!(sam["email_status"], "bounced");
    assert_eq!(stage(sam, campaign), "email_sequenced");
    assert_eq!(
        events(sam, "email_sequence_stopped")[0]["outcome"],
        "stopped"
    );
}
