//! Tracked lead-magnet delivery (issue 20, item 3) through the real path: with a public URL
//! the DM the fake Unipile receives carries `/m/{token}` instead of the magnet's URL; opening
//! it redirects to the URL, puts `magnet_opened` on the lead's timeline once and counts "opened"
//! in the funnel, the dashboard, the lead and the CSV export; crawlers, `HEAD` and prefetches
//! are not opens; a forged token or another workspace learns nothing. Without a public URL
//! the DM carries the plain URL.

use crate::both_backends;
use crate::campaign_fakes::{activated_campaign, commented_workspace, unipile_settings};
use crate::helpers::{ApiClient, Db, TestApp};
use crate::ui_html::no_redirects;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION, USER_AGENT};
use revos_app::App;
use revos_domain::TenantId;
use revos_domain::magnet_link::is_token;
use revos_providers::HttpConfig;
use revos_providers::unipile::Unipile;
use revos_test_support::fakes::unipile::Running;
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(
    a_tracked_link_redirects_and_counts_a_persons_opens_only,
    tokens_are_unguessable_and_stay_in_their_workspace,
    without_a_public_url_the_dm_carries_the_plain_url,
    a_pdf_from_the_library_is_found_sent_and_opened,
);

const POST: &str = "7400000000000000311";
const PUBLIC: &str = "https://revos.example";
const MAGNET: &str = "https://acme.io/playbook";
const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// The app on the fake Unipile (with `public` as its public URL), Ana's comment on the watched
/// post, an active campaign on it, and Ana's DM sent by the workers.
struct World {
    t: TestApp,
    unipile: Running,
    token: String,
    tenant: TenantId,
    campaign: Uuid,
}

async fn world(db: Db, public: Option<&str>) -> World {
    let magnet = json!({"title": "The Playbook", "url": MAGNET});
    world_with(db, public, |_, _| async { ("lead_magnet", magnet) }).await
}

/// The world with the campaign's magnet chosen by `magnet` once the workspace exists: the
/// campaign field (`lead_magnet` or `lead_magnet_id`) and its value.
async fn world_with<F, Fut>(db: Db, public: Option<&str>, magnet: F) -> World
where
    F: FnOnce(ApiClient, String) -> Fut,
    Fut: std::future::Future<Output = (&'static str, Value)>,
{
    let unipile = revos_test_support::fakes::unipile::FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            public_url: public.map(str::to_owned),
            timeout: std::time::Duration::from_millis(500),
            ..unipile_settings(&unipile)
        },
    )
    .await;
    let (token, tenant, account) = commented_workspace(
        &t,
        &unipile,
        POST,
        ("ACo1", "Ana Lopez"),
        "dana@example.com",
        "Acme",
    )
    .await;
    let (field, value) = magnet(t.client.clone(), token.clone()).await;
    let mut body = json!({
        "name": "Launch", "linkedin_account_id": account,
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    body[field] = value;
    let (campaign, _) = activated_campaign(&t, &token, body).await;
    let w = World {
        t,
        unipile,
        token,
        tenant,
        campaign,
    };
    w.monitor_and_send().await;
    w
}

impl World {
    /// The monitor's pass over the post (Ana becomes a lead) and an hour of the workers (her
    /// DM goes out).
    async fn monitor_and_send(&self) {
        let client = Unipile::new(HttpConfig::new(
            &self.unipile.base_url,
            "k".to_owned().into(),
        ));
        let app: &App = &self.t.app;
        let report = app
            .monitor_campaign(self.tenant, self.campaign, &client)
            .await
            .unwrap();
        assert_eq!(report.new_leads, 1);
        let runner = revos_jobs::Runner::new(
            revos_workers::registry(app),
            app.clone(),
            app.clock(),
            revos_jobs::RunnerConfig::default(),
            Vec::new(),
        );
        runner
            .run_simulated_until(&self.t.clock, app.now() + chrono::Duration::hours(1))
            .await
            .unwrap();
    }

    /// The one DM Ana received.
    fn dm(&self) -> String {
        let sent = self.unipile.state.sent_to("ACo1");
        assert_eq!(sent.len(), 1, "one DM: {sent:?}");
        sent[0].clone()
    }

    /// The token of the link in Ana's DM.
    fn token(&self) -> String {
        let dm = self.dm();
        let prefix = format!("Hi Ana! Here is The Playbook: {PUBLIC}/m/");
        let token = dm.strip_prefix(&prefix).unwrap_or_else(|| panic!("{dm}"));
        assert!(is_token(token), "{token}");
        token.to_owned()
    }

    /// Ana, as `GET /leads/{id}` shows her.
    async fn lead(&self) -> Value {
        let path = format!("/api/v1/leads?campaign_id={}", self.campaign);
        let (status, page) = self.t.get(&path, &self.token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let id = page["items"][0]["id"].as_str().unwrap().to_owned();
        let (status, lead) = self
            .t
            .get(&format!("/api/v1/leads/{id}"), &self.token)
            .await;
        assert_eq!(status, StatusCode::OK, "{lead}");
        lead
    }

    /// The campaign's funnel from the API.
    async fn funnel(&self) -> Value {
        let path = format!("/api/v1/campaigns/{}/funnel", self.campaign);
        let (status, funnel) = self.t.get(&path, &self.token).await;
        assert_eq!(status, StatusCode::OK, "{funnel}");
        funnel
    }

    /// The lead export as CSV text.
    async fn export(&self) -> String {
        let resp = self
            .t
            .http
            .get(format!("{}/api/v1/leads/export.csv", self.t.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.text().await.unwrap()
    }

    /// The dashboard page's HTML.
    async fn dashboard(&self) -> String {
        let resp = no_redirects()
            .get(format!("{}/", self.t.base))
            .header(COOKIE, format!("revos_session={}", self.token))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.text().await.unwrap()
    }
}

/// How a test fetches a link: `HEAD` or not, the user agent, extra headers.
type Fetch<'a> = (bool, Option<&'a str>, &'a [(&'a str, &'a str)]);

/// GET (or `HEAD`) of `/m/{token}` on the server with `agent` and extra headers.
async fn open(
    t: &TestApp,
    token: &str,
    head: bool,
    agent: Option<&str>,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let url = format!("{}/m/{token}", t.base);
    let http = no_redirects();
    let mut req = if head { http.head(url) } else { http.get(url) };
    if let Some(agent) = agent {
        req = req.header(USER_AGENT, agent);
    }
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

fn events<'a>(lead: &'a Value, kind: &str) -> Vec<&'a Value> {
    lead["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

/// The export's cell `column` of the data row of the campaign (the only lead's).
fn cell(csv: &str, column: &str) -> String {
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == column).unwrap();
    let row: Vec<&str> = rows.next().unwrap().split(',').collect();
    row[at].to_owned()
}

/// A person's open redirects to the magnet and is recorded once on the timeline; a second
/// open a minute later counts; an immediate reload does not; crawlers, `HEAD` and prefetches
/// get the redirect and count nothing. Funnel, dashboard, lead and export show it.
async fn a_tracked_link_redirects_and_counts_a_persons_opens_only(db: Db) {
    let w = world(db, Some(PUBLIC)).await;
    let dm = w.dm();
    assert!(
        !dm.contains(MAGNET),
        "the DM carries the tracked link: {dm}"
    );
    let token = w.token();
    assert_eq!(w.funnel().await["opened"], 0);

    // Machines first: every one gets the magnet, none is an open.
    let machines: [Fetch; 5] = [
        (
            false,
            Some(
                "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            ),
            &[],
        ),
        (
            false,
            Some("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"),
            &[],
        ),
        (true, Some(BROWSER), &[]),
        (false, Some(BROWSER), &[("Sec-Purpose", "prefetch")]),
        (false, None, &[]),
    ];
    for (head, agent, extra) in machines {
        let resp = open(&w.t, &token, head, agent, extra).await;
        assert_eq!(resp.status(), StatusCode::FOUND, "{agent:?} {extra:?}");
        assert_eq!(resp.headers()[LOCATION], MAGNET);
    }
    let lead = w.lead().await;
    assert!(events(&lead, "magnet_opened").is_empty(), "{lead}");
    assert_eq!(lead["campaigns"][0]["magnet_open_count"], 0, "{lead}");
    assert_eq!(w.funnel().await["opened"], 0);

    // Ana opens it.
    let resp = open(&w.t, &token, false, Some(BROWSER), &[]).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(resp.headers()[LOCATION], MAGNET);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
    let lead = w.lead().await;
    let opened = events(&lead, "magnet_opened");
    assert_eq!(opened.len(), 1, "{lead}");
    assert_eq!(
        opened[0]["campaign_id"],
        json!(w.campaign.to_string()),
        "{lead}"
    );
    assert_eq!(lead["campaigns"][0]["magnet_open_count"], 1, "{lead}");
    assert!(lead["campaigns"][0]["magnet_opened_at"].is_string());
    let funnel = w.funnel().await;
    assert_eq!(
        (&funnel["dm_sent"], &funnel["opened"], &funnel["replied"]),
        (&json!(1), &json!(1), &json!(0)),
        "{funnel}"
    );
    let dashboard = w.dashboard().await;
    assert!(
        dashboard.contains(r#"<dt>Opened</dt><dd data-live-count="opened">1</dd>"#),
        "{dashboard}"
    );

    // A reload at once does not count; one two minutes later does, without a second event.
    open(&w.t, &token, false, Some(BROWSER), &[]).await;
    assert_eq!(w.lead().await["campaigns"][0]["magnet_open_count"], 1);
    w.t.clock.advance(chrono::Duration::minutes(2));
    open(&w.t, &token, false, Some(BROWSER), &[]).await;
    let lead = w.lead().await;
    assert_eq!(lead["campaigns"][0]["magnet_open_count"], 2, "{lead}");
    assert_eq!(events(&lead, "magnet_opened").len(), 1, "{lead}");
    assert_eq!(w.funnel().await["opened"], 1, "a lead opens once");

    let csv = w.export().await;
    assert_eq!(cell(&csv, "magnet_open_count"), "2", "{csv}");
    assert!(cell(&csv, "magnet_opened_at").starts_with("20"), "{csv}");
    assert!(revos_test_support::funnel_check::assert_funnels_match(&w.t.db).await >= 1);
}

/// A forged, random or malformed token is 404, like an unknown one; the token carries nothing
/// of the lead; another workspace sees nothing of the link or its opens.
async fn tokens_are_unguessable_and_stay_in_their_workspace(db: Db) {
    let w = world(db, Some(PUBLIC)).await;
    let token = w.token();
    let lead = w.lead().await;
    let lead_id = lead["id"].as_str().unwrap();
    assert!(!token.contains(&lead_id.replace('-', "")[..8]));

    let mut forged = token.clone().into_bytes();
    forged[0] = if forged[0] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let random = "x".repeat(43);
    for bad in [
        forged.as_str(),
        random.as_str(),
        "short",
        &format!("{token}x"),
    ] {
        let resp = open(&w.t, bad, false, Some(BROWSER), &[]).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{bad}");
        assert!(resp.headers().get(LOCATION).is_none());
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{body}");
    }
    assert!(events(&w.lead().await, "magnet_opened").is_empty());

    // Ana opens it; workspace B sees no lead, no event, no export row and no count of it.
    open(&w.t, &token, false, Some(BROWSER), &[]).await;
    let (b, _, _) = w.t.signup("bob@example.org", "Other").await;
    let (status, leads) = w.t.get("/api/v1/leads", &b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(leads["items"], json!([]), "{leads}");
    let (status, _) = w.t.get(&format!("/api/v1/leads/{lead_id}"), &b).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let resp =
        w.t.http
            .get(format!("{}/api/v1/leads/export.csv", w.t.base))
            .header(AUTHORIZATION, format!("Bearer {b}"))
            .send()
            .await
            .unwrap();
    let csv = resp.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1, "{csv}");
    assert!(!csv.contains(&token));
    let path = format!("/api/v1/campaigns/{}/funnel", w.campaign);
    let (status, _) = w.t.get(&path, &b).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// No public URL: the DM carries the magnet's own URL, as before.
async fn without_a_public_url_the_dm_carries_the_plain_url(db: Db) {
    let w = world(db, None).await;
    assert_eq!(w.dm(), format!("Hi Ana! Here is The Playbook: {MAGNET}"));
    assert!(!w.dm().contains("/m/"));
    let csv = w.export().await;
    assert_eq!(cell(&csv, "magnet_open_count"), "0", "{csv}");
    assert_eq!(cell(&csv, "magnet_opened_at"), "", "{csv}");
}

/// The issue's whole path for a file: a PDF uploaded, filed in the library, found by a query
/// about its content (words only the PDF holds), attached to a campaign, sent; the DM's link
/// serves the file itself; a link-preview crawler's fetch is not an open, a person's is (on
/// the timeline and in the funnel); a token of no link is 404.
async fn a_pdf_from_the_library_is_found_sent_and_opened(db: Db) {
    let pdf = revos_test_support::pdf::one_page_pdf(
        "Quarterly onboarding checklist for remote engineering teams",
    );
    let uploaded = pdf.clone();
    let w = world_with(db, Some(PUBLIC), |client, token| async move {
        let part = reqwest::multipart::Part::bytes(uploaded)
            .file_name("checklist.pdf")
            .mime_str("application/pdf")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("purpose", "lead_magnet")
            .part("file", part);
        let resp = client
            .http
            .post(format!("{}/api/v1/files", client.base))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let (status, file) = crate::helpers::parse(resp).await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        let (status, magnet) = client
            .post(
                "/api/v1/lead-magnets",
                Some(&token),
                json!({"title": "The Team Kit", "file_id": file["id"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{magnet}");
        // Found by what the PDF says, not by its title.
        let (status, found) = client
            .get(
                "/api/v1/lead-magnets?q=remote%20engineering%20onboarding",
                &token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(found["items"][0]["id"], magnet["id"], "{found}");
        ("lead_magnet_id", magnet["id"].clone())
    })
    .await;

    let dm = w.dm();
    let prefix = format!("Hi Ana! Here is The Team Kit: {PUBLIC}/m/");
    let token = dm.strip_prefix(&prefix).unwrap_or_else(|| panic!("{dm}"));
    assert!(is_token(token), "{dm}");

    // LinkedIn's preview crawler gets the file but is not an open.
    let bot =
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)";
    let resp = open(&w.t, token, false, Some(bot), &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);
    assert!(events(&w.lead().await, "magnet_opened").is_empty());
    assert_eq!(w.funnel().await["opened"], 0);

    // Ana opens it: the PDF inline, the open on her timeline and in the funnel.
    let resp = open(&w.t, token, false, Some(BROWSER), &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline"),
        "{:?}",
        resp.headers()
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(events(&w.lead().await, "magnet_opened").len(), 1);
    assert_eq!(w.funnel().await["opened"], 1);

    // A token that names no link (well formed, 43 characters) is 404.
    let forged = "A".repeat(43);
    let resp = open(&w.t, &forged, false, Some(BROWSER), &[]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
