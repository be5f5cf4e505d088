//! The web app's dashboard, queue monitor and settings pages over HTTP, signed in with the
//! session cookie: each page's content, each form with its CSRF token (and 403 without it),
//! mistakes re-shown beside their field (422), a labelled control for every input, and a
//! second workspace that sees none of the first one's data.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use crate::ui_html::{assert_labelled, attr, escaped, form_encode};
use chrono::Duration;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use revos_domain::TenantId;
use revos_jobs::{Job, JobContext, JobError, Outcome, Registry, Runner, RunnerConfig, enqueue};
use revos_store::{events, leads};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

both_backends!(
    dashboard_shows_funnel_rates_and_dms_per_day,
    dashboard_totals_cover_every_campaign_past_the_first_page,
    queue_monitor_retries_dead_jobs,
    settings_accounts_and_vault_keys,
    settings_members_and_api_keys,
    settings_show_the_model_budget_and_rotate_webhook_urls,
);

/// A signed-in browser: the session cookie, no redirects followed.
pub(crate) struct Browser {
    base: String,
    http: reqwest::Client,
    session: String,
}

impl Browser {
    /// Signs up through the sign-up form and keeps the session cookie.
    pub(crate) async fn signup(t: &TestApp, email: &str, workspace: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let body = form_encode(&[
            ("email", email),
            ("password", "correct horse battery"),
            ("workspace_name", workspace),
        ]);
        let resp = http
            .post(format!("{}/signup", t.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let cookie = resp.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        let session = cookie
            .split(';')
            .next()
            .and_then(|kv| kv.strip_prefix("revos_session="))
            .expect("session cookie")
            .to_owned();
        Self {
            base: t.base.clone(),
            http,
            session,
        }
    }

    /// The session token, which the API also accepts as a bearer token.
    pub(crate) fn token(&self) -> &str {
        &self.session
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, format!("revos_session={}", self.session))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Posts a form; returns the status, the `Location` (if any) and the body.
    pub(crate) async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let body = form_encode(fields);
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, format!("revos_session={}", self.session))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, resp.text().await.unwrap())
    }

    /// The CSRF token of the session, scraped from a page's form.
    pub(crate) async fn csrf(&self) -> String {
        let (status, html) = self.get("/settings").await;
        assert_eq!(status, StatusCode::OK);
        attr_after(&html, r#"name="_csrf""#, "value").expect("a CSRF field")
    }

    /// The signed-in workspace.
    async fn tenant(&self, t: &TestApp) -> TenantId {
        t.app.authenticate(&self.session).await.unwrap().tenant
    }
}

/// The value of attribute `name` in the first tag containing `marker`.
fn attr_after(html: &str, marker: &str, name: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    attr(&html[start..end], name)
}

/// Appends an event as the pipeline does.
async fn event(
    t: &TestApp,
    tenant: TenantId,
    kind: &str,
    lead: Uuid,
    campaign: Uuid,
    cost: f64,
    at: chrono::DateTime<chrono::Utc>,
) {
    let data = json!({"campaign_id": campaign, "lead_id": lead, "cost": cost}).to_string();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let cost = Some(cost);
    events::append_with_cost(
        &mut tx,
        tenant,
        kind,
        Some(campaign),
        Some(lead),
        &data,
        cost,
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A lead of `campaign` at `stage`.
async fn lead(t: &TestApp, tenant: TenantId, campaign: Uuid, id: &str, stage: &str) -> Uuid {
    let now = t.app.now();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let new = leads::NewLead {
        provider_id: id,
        name: id,
        linkedin_url: None,
        headline: None,
        email: None,
        sandbox: true,
    };
    let lead = leads::upsert(&mut tx, tenant, &new, now).await.unwrap().id;
    assert!(
        leads::join_campaign(
            &mut tx,
            tenant,
            campaign,
            lead,
            None,
            stage.parse().unwrap(),
            now
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    lead
}

/// A sandbox campaign named `name` (with its own sandbox account) through the API.
async fn campaign(t: &TestApp, token: &str, name: &str) -> Uuid {
    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(token),
            json!({"provider": "sandbox", "display_name": "Ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    let (status, c) = t
        .post(
            "/api/v1/campaigns",
            Some(token),
            json!({
                "name": name,
                "linkedin_account_id": acct["id"],
                "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
                "trigger_words": ["GUIDE"],
                "watched_posts": ["7332661864792854528"],
                "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().parse().unwrap()
}

async fn dashboard_shows_funnel_rates_and_dms_per_day(db: Db) {
    let t = TestApp::spawn(db).await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    let tenant = ana.tenant(&t).await;
    let c = campaign(&t, ana.token(), "Autumn Push").await;
    let now = t.app.now();
    let yesterday = now - Duration::days(1);
    // Today: one DM (it cost half a dollar). Yesterday: a DM and its reply. Six weeks
    // ago: a DM, in the funnel but outside the chart's default 30 days.
    let a = lead(&t, tenant, c, "ACoA", "dm_sent").await;
    event(&t, tenant, "dm_sent", a, c, 0.5, now).await;
    let b = lead(&t, tenant, c, "ACoB", "replied").await;
    event(&t, tenant, "dm_sent", b, c, 0.0, yesterday).await;
    event(&t, tenant, "dm_replied", b, c, 0.0, yesterday).await;
    let old = lead(&t, tenant, c, "ACoC", "dm_sent").await;
    event(&t, tenant, "dm_sent", old, c, 0.0, now - Duration::days(42)).await;

    let (status, html) = ana.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<dd data-live-count="dm_sent">3</dd>"#),
        "{html}"
    );
    assert!(html.contains(r#"<dd data-live-count="replied">1</dd>"#));
    assert!(html.contains(r#"<dd id="reply-rate">33.3%</dd>"#));
    assert!(html.contains(r#"<dd id="cost-per-lead">$0.17</dd>"#));
    // The chart: one bar per day of the last 30 days for each series, with the numbers in
    // their titles.
    let (today, yday) = (now.date_naive(), yesterday.date_naive());
    let first = today - Duration::days(29);
    assert!(html.contains(&format!(
        r#"role="img" aria-label="DMs sent and replies per day, {first} to {today}""#
    )));
    assert_eq!(
        html.matches(r#"<rect class="bar" data-series="0""#).count(),
        30
    );
    assert_eq!(
        html.matches(r#"<rect class="bar" data-series="1""#).count(),
        30
    );
    assert!(html.contains(&format!("<title>{today}: 1 DMs sent</title>")));
    assert!(html.contains(&format!("<title>{today}: 0 Replies</title>")));
    assert!(html.contains(&format!("<title>{yday}: 1 DMs sent</title>")));
    assert!(html.contains(&format!("<title>{yday}: 1 Replies</title>")));
    // The same numbers in the table, readable without the chart.
    assert!(html.contains(&format!(
        r#"<tr><th scope="row">{yday}</th><td>1</td><td>1</td><td>0</td></tr>"#
    )));
    assert!(html.contains(&format!(
        r#"<tr><th scope="row">{today}</th><td>1</td><td>0</td><td>0</td></tr>"#
    )));
    // The campaign's row: counts (scraped, enriched, DM sent, opened, replied), reply rate, cost, cost per lead and the sandbox badge.
    let row = html
        .split("<tr>")
        .find(|r| r.contains("Autumn Push"))
        .expect("the campaign's row");
    assert!(row.contains(&format!(r#"href="/campaigns/{c}""#)));
    assert!(row.contains("badge sandbox"));
    assert!(row.contains("<td>draft</td><td>3</td><td>0</td><td>3</td><td>0</td><td>1</td><td>33.3%</td><td>$0.50</td><td>$0.17</td>"), "{row}");
    assert_labelled(&html, "settings, queue or dashboard");

    // Another workspace sees none of it.
    let bob = Browser::signup(&t, "bob@example.com", "Beta").await;
    let (status, theirs) = bob.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!theirs.contains("Autumn Push"));
    assert!(!theirs.contains("1 DMs sent"));
    assert!(theirs.contains(r#"<dd id="reply-rate">—</dd>"#));
    // The funnel rollup (and the migration's backfill) equal the per-lead count.
    let compared = revos_test_support::funnel_check::assert_funnels_match(&t.db).await;
    assert!(compared > 0, "campaigns were compared");
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Doomed {
    tenant: TenantId,
}

impl Job for Doomed {
    type Context = ();
    const KIND: &'static str = "test.doomed";
    const QUEUE: &'static str = "test";
    const MAX_ATTEMPTS: u32 = 1;
    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }
    async fn run(self, _: JobContext, _: &()) -> Result<Outcome, JobError> {
        Err(JobError::Permanent("the <provider> said no".into()))
    }
}

async fn queue_monitor_retries_dead_jobs(db: Db) {
    let t = TestApp::spawn(db).await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    let tenant = ana.tenant(&t).await;
    let now = t.app.now();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let dead = enqueue(&mut tx, &Doomed { tenant }, now, now)
        .await
        .unwrap()
        .id;
    enqueue(&mut tx, &Doomed { tenant }, now + Duration::hours(1), now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut registry = Registry::new(t.store.clone());
    registry.register::<Doomed>();
    Runner::new(
        registry,
        (),
        t.app.clock(),
        RunnerConfig::default(),
        Vec::new(),
    )
    .run_due()
    .await
    .unwrap();

    let (status, html) = ana.get("/queue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<dd data-state="dead">1</dd>"#), "{html}");
    // The waiting job, and the notifier woken by the dead one (in its own queue).
    assert!(html.contains(r#"<dd data-state="scheduled">2</dd>"#));
    // Per queue: the states in the header's order (STATES), dead and scheduled at 1.
    let queue_row = html
        .split("<tr>")
        .find(|r| r.contains(r#"<th scope="row">test</th>"#))
        .expect("the test queue's row");
    assert_eq!(queue_row.matches("<td>1</td>").count(), 2, "{queue_row}");
    assert!(html.contains(&format!(r#"id="job-{dead}""#)));
    assert!(
        html.contains("the &lt;provider&gt; said no"),
        "errors are escaped"
    );
    assert!(html.contains("1 of 1"));
    assert!(html.contains(&format!(r#"action="/queue/jobs/{dead}/retry""#)));

    let retry = format!("/queue/jobs/{dead}/retry");
    let (status, _, _) = ana.post(&retry, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _, _) = ana.post(&retry, &[("_csrf", "forged")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a wrong CSRF token");

    // Another workspace cannot see or retry it.
    let bob = Browser::signup(&t, "bob@example.com", "Beta").await;
    let (_, theirs) = bob.get("/queue").await;
    assert!(!theirs.contains(&dead.to_string()));
    assert!(theirs.contains(r#"<dd data-state="dead">0</dd>"#));
    let (status, _, _) = bob.post(&retry, &[("_csrf", &bob.csrf().await)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = bob
        .post(
            "/queue/jobs/not-a-job/retry",
            &[("_csrf", &bob.csrf().await)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let csrf = ana.csrf().await;
    let (status, location, _) = ana.post(&retry, &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/queue?retried={dead}"));
    let (_, job) = t
        .get("/api/v1/jobs?state=scheduled&kind=test.doomed", ana.token())
        .await;
    let ids: Vec<&str> = job["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&dead.to_string().as_str()), "{job}");
    let (_, html) = ana.get(&location).await;
    assert!(html.contains("is scheduled again"));
    assert!(html.contains("No dead jobs."));
    // Retrying it again is a conflict, shown as the error page.
    let (status, _, page) = ana.post(&retry, &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("only dead or cancelled jobs can be retried"));
}

async fn settings_accounts_and_vault_keys(db: Db) {
    let t = TestApp::spawn(db).await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    let (status, html) = ana.get("/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<dd id="llm-mode">offline</dd>"#), "{html}");
    assert!(html.contains(r#"<dd id="llm-calls">0</dd>"#));
    assert!(html.contains("No LinkedIn accounts yet."));
    assert_labelled(&html, "settings, queue or dashboard");
    let csrf = ana.csrf().await;

    // A sandbox account.
    let (status, _, _) = ana
        .post("/settings/accounts", &[("display_name", "Dana Sandbox")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _, page) = ana
        .post(
            "/settings/accounts",
            &[("_csrf", &csrf), ("display_name", "  ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"<p class="field-error" id="display_name-error">"#),
        "{page}"
    );
    assert_labelled(&page, "settings, queue or dashboard");
    let (status, location, _) = ana
        .post(
            "/settings/accounts",
            &[("_csrf", &csrf), ("display_name", "Dana Sandbox")],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/settings?done=account#accounts")
    );
    let (_, accounts) = t.get("/api/v1/linkedin-accounts", ana.token()).await;
    assert_eq!(accounts["items"][0]["display_name"], "Dana Sandbox");
    let (_, html) = ana.get("/settings?done=account").await;
    let row = html
        .split("<tr>")
        .find(|r| r.contains("Dana Sandbox"))
        .expect("the account's row");
    assert!(
        row.contains("badge sandbox")
            && row.contains(">ok</span>")
            && row.contains("<td>sandbox</td>"),
        "{row}"
    );
    assert!(html.contains("The sandbox account was added."));

    // A vault key: masked on the page, never shown in full.
    let (status, _, page) = ana
        .post(
            "/settings/secrets",
            &[("_csrf", &csrf), ("name", "openai_model"), ("value", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="value-error""#));
    assert!(
        page.contains(r#"<option value="openai_model" selected>"#),
        "the choice is kept"
    );
    let (status, _, page) = ana
        .post(
            "/settings/secrets",
            &[("_csrf", &csrf), ("name", "Bad Name!"), ("value", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="name-error""#));
    let (status, _, _) = ana
        .post(
            "/settings/secrets",
            &[("name", "apollo_api_key"), ("value", "apollo-secret-1234")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, location, _) = ana
        .post(
            "/settings/secrets",
            &[
                ("_csrf", &csrf),
                ("name", "apollo_api_key"),
                ("value", "apollo-secret-WXYZ"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/settings?done=secret#vault")
    );
    let (_, secrets) = t.get("/api/v1/secrets", ana.token()).await;
    assert_eq!(secrets["items"][0]["name"], "apollo_api_key");
    let (_, html) = ana.get("/settings").await;
    assert!(html.contains("••••WXYZ"));
    assert!(
        !html.contains("apollo-secret"),
        "the value never reaches the page"
    );

    // Another workspace neither sees nor deletes it.
    let bob = Browser::signup(&t, "bob@example.com", "Beta").await;
    let (_, theirs) = bob.get("/settings").await;
    assert!(!theirs.contains("••••WXYZ") && !theirs.contains("Dana Sandbox"));
    let (status, _, _) = bob
        .post(
            "/settings/secrets/apollo_api_key/delete",
            &[("_csrf", &bob.csrf().await)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _, _) = ana
        .post("/settings/secrets/apollo_api_key/delete", &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, location, _) = ana
        .post(
            "/settings/secrets/apollo_api_key/delete",
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/settings?done=secret_deleted#vault")
    );
    let (_, secrets) = t.get("/api/v1/secrets", ana.token()).await;
    assert_eq!(secrets["items"].as_array().unwrap().len(), 0);
}

async fn settings_members_and_api_keys(db: Db) {
    let t = TestApp::spawn(db).await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    let csrf = ana.csrf().await;
    let (_, html) = ana.get("/settings").await;
    assert!(
        html.contains(r#"<th scope="row">ana@example.com</th><td>owner</td>"#),
        "{html}"
    );

    // Invitations: mistakes beside their field, then the token shown once.
    let (status, _, _) = ana
        .post(
            "/settings/invitations",
            &[("email", "cy@example.com"), ("role", "member")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _, page) = ana
        .post(
            "/settings/invitations",
            &[
                ("_csrf", &csrf),
                ("email", "not-an-email"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="email-error""#) && page.contains(r#"value="not-an-email""#));
    let (status, _, page) = ana
        .post(
            "/settings/invitations",
            &[
                ("_csrf", &csrf),
                ("email", "cy@example.com"),
                ("role", "boss"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="role-error""#));
    let (status, _, page) = ana
        .post(
            "/settings/invitations",
            &[
                ("_csrf", &csrf),
                ("email", "cy@example.com"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = attr_after(&page, r#"id="shown-once""#, "value").expect("the invitation token");
    assert!(!token.is_empty());
    assert_labelled(&page, "settings, queue or dashboard");
    let (_, invitations) = t.get("/api/v1/invitations", ana.token()).await;
    assert_eq!(invitations["items"][0]["email"], "cy@example.com");
    assert_eq!(invitations["items"][0]["role"], "admin");
    let (_, html) = ana.get("/settings").await;
    assert!(html.contains(r#"<th scope="row">cy@example.com</th><td>admin</td>"#));
    assert!(!html.contains(&token), "the token is shown only once");

    // API keys: created and shown once, usable, listed by prefix, revoked.
    let (status, _, _) = ana
        .post("/settings/api-keys", &[("name", "CI"), ("role", "admin")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _, page) = ana
        .post(
            "/settings/api-keys",
            &[("_csrf", &csrf), ("name", ""), ("role", "admin")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="name-error""#));
    let (status, _, page) = ana
        .post(
            "/settings/api-keys",
            &[("_csrf", &csrf), ("name", "CI"), ("role", "admin")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let key = attr_after(&page, r#"id="shown-once""#, "value").expect("the key");
    assert_eq!(t.get("/api/v1/jobs/stats", &key).await.0, StatusCode::OK);
    let (_, keys) = t.get("/api/v1/api-keys", ana.token()).await;
    let key_id = keys["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, html) = ana.get("/settings").await;
    assert!(html.contains(&format!(r#"action="/settings/api-keys/{key_id}/revoke""#)));
    assert!(!html.contains(&key), "the key is shown only once");
    assert_labelled(&html, "settings, queue or dashboard");

    // Another workspace cannot revoke it.
    let bob = Browser::signup(&t, "bob@example.com", "Beta").await;
    let (_, theirs) = bob.get("/settings").await;
    assert!(!theirs.contains("cy@example.com") && !theirs.contains(&key_id));
    let revoke = format!("/settings/api-keys/{key_id}/revoke");
    let (status, _, _) = bob.post(&revoke, &[("_csrf", &bob.csrf().await)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/api/v1/jobs/stats", &key).await.0, StatusCode::OK);

    let (status, _, _) = ana.post(&revoke, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, location, _) = ana.post(&revoke, &[("_csrf", &csrf)]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/settings?done=key_revoked#api-keys")
    );
    assert_eq!(
        t.get("/api/v1/jobs/stats", &key).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, html) = ana.get("/settings").await;
    assert!(!html.contains(&format!(r#"action="/settings/api-keys/{key_id}/revoke""#)));

    // The invitee joins through the invitation page: a wrong token is refused on the page,
    // the right one logs them in to the workspace.
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let join = |token: String| {
        anonymous
            .post(format!("{}/invitations/accept", t.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_encode(&[
                ("token", token.as_str()),
                ("password", "another good password"),
            ]))
            .send()
    };
    let form = anonymous
        .get(format!("{}/invitations/accept?token={token}", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains(&format!(r#"value="{token}""#)),
        "the link fills the token in"
    );
    assert_labelled(&form, "/invitations/accept");
    let refused = join("ri_not-a-real-token".to_owned()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.text().await.unwrap().contains(r#"role="alert""#));
    let joined = join(token.clone()).await.unwrap();
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let cookie = joined.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let cy = Browser {
        base: t.base.clone(),
        http: anonymous.clone(),
        session: cookie
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("revos_session=")
            .to_owned(),
    };
    let (status, html) = cy.get("/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("cy@example.com"),
        "cy is signed in to the workspace"
    );
    assert_eq!(
        join(token).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "used once"
    );

    // A member sees the lists but no admin forms, and the queue is refused.
    let (status, member) = t
        .post(
            "/api/v1/invitations",
            Some(ana.token()),
            json!({"email": "dee@example.com", "role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    let (status, joined) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": member["token"], "password": "another good password"}),
        )
        .await;
    assert!(status.is_success(), "{joined}");
    let dee = Browser {
        base: t.base.clone(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        session: joined["token"].as_str().unwrap().to_owned(),
    };
    let (status, html) = dee.get("/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("dee@example.com"));
    assert!(
        !html.contains(r#"action="/settings/api-keys""#)
            && !html.contains(r#"action="/settings/invitations""#)
    );
    assert!(!html.contains(r#"action="/settings/accounts""#));
    let (status, _, _) = dee
        .post(
            "/settings/api-keys",
            &[("_csrf", &dee.csrf().await), ("name", "mine")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(dee.get("/queue").await.0, StatusCode::FORBIDDEN);
}

/// With the instance's model configured, `/settings` shows the workspace's monthly budget on
/// it; the workspace's own webhook URLs are listed as the API lists them, and rotating them on
/// the page (with its CSRF token) makes new ones that the page and the API both show.
async fn settings_show_the_model_budget_and_rotate_webhook_urls(db: Db) {
    let mut providers = revos_app::providers::ProviderSettings::default();
    // Never called here: the page only reads the recorded usage.
    providers.llm.url = Some("http://127.0.0.1:9/v1".into());
    providers.llm.workspace_budget_usd = 2.5;
    let t = TestApp::spawn_providers(db, providers).await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    let (status, html) = ana.get("/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<dd id="llm-mode">online</dd>"#), "{html}");
    assert!(html.contains(r#"<dd id="llm-budget">$2.50</dd>"#), "{html}");
    assert!(!html.contains(r#"id="llm-over-budget""#));

    let urls = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap_or_else(|| v.as_array().expect("a list of webhook URLs"))
            .iter()
            .map(|w| w["url"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, listed) = t.get("/api/v1/webhooks", ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let before = urls(&listed);
    assert_eq!(before.len(), 3, "{listed}");
    for url in &before {
        assert!(html.contains(&escaped(url)), "{url} on the page");
    }

    let csrf = ana.csrf().await;
    let (status, _, _) = ana.post("/settings/webhooks/rotate", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, location, _) = ana
        .post("/settings/webhooks/rotate", &[("_csrf", &csrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("done=webhooks_rotated"), "{location}");
    let (_, listed) = t.get("/api/v1/webhooks", ana.token()).await;
    let after = urls(&listed);
    assert_eq!(after.len(), 3);
    let (_, html) = ana.get("/settings").await;
    for (old, new) in before.iter().zip(&after) {
        assert_ne!(old, new, "rotated");
        assert!(html.contains(&escaped(new)) && !html.contains(&escaped(old)));
    }
}

/// The `dd` of the dashboard's funnel step `key`.
fn live_count(html: &str, key: &str) -> u64 {
    let marker = format!(r#"<dd data-live-count="{key}">"#);
    let at = html.find(&marker).expect("the step") + marker.len();
    html[at..at + html[at..].find('<').unwrap()]
        .parse()
        .unwrap()
}

/// The campaign rows of the dashboard's table.
fn campaign_rows(html: &str) -> usize {
    html.matches(r#"<tr><th scope="row"><a href="/campaigns/"#)
        .count()
}

async fn dashboard_totals_cover_every_campaign_past_the_first_page(db: Db) {
    let t = TestApp::spawn(db).await;
    let ana = Browser::signup(&t, "ana@example.com", "Acme").await;
    let tenant = ana.tenant(&t).await;
    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(ana.token()),
            json!({"provider": "sandbox", "display_name": "Ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    // 205 campaigns, more than one page of the table (200), created in id order.
    let mut ids: Vec<Uuid> = Vec::new();
    for i in 0..205 {
        let (status, c) = t
            .post(
                "/api/v1/campaigns",
                Some(ana.token()),
                json!({
                    "name": format!("Campaign {i:03}"),
                    "linkedin_account_id": acct["id"],
                    "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
                    "trigger_words": ["GUIDE"],
                    "watched_posts": [format!("post-{i}")],
                    "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}",
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        ids.push(c["id"].as_str().unwrap().parse().unwrap());
    }
    ids.sort();
    let (first, last) = (ids[0], ids[204]);
    // A sent DM in the first campaign and two in the last one, past the first page; the
    // last one's DMs cost a dollar.
    let now = t.app.now();
    let a = lead(&t, tenant, first, "ACoA", "dm_sent").await;
    event(&t, tenant, "dm_sent", a, first, 0.0, now).await;
    for id in ["ACoB", "ACoC"] {
        let l = lead(&t, tenant, last, id, "dm_sent").await;
        event(&t, tenant, "dm_sent", l, last, 0.5, now).await;
    }

    let (status, html) = ana.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        live_count(&html, "scraped"),
        3,
        "the totals count every campaign"
    );
    assert_eq!(live_count(&html, "dm_sent"), 3);
    assert!(html.contains(r#"<dd id="total-cost">$1.00</dd>"#), "{html}");
    assert!(html.contains("205 campaign(s) in the totals"), "{html}");
    assert_eq!(campaign_rows(&html), 200, "a page of the table");
    let next = attr_after(&html, r#"rel="next""#, "href").expect("a link to the rest");
    let (status, rest) = ana.get(&next.replace("&#x2f;", "/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(campaign_rows(&rest), 5, "the rest of the table");
    assert!(rest.contains(&format!("/campaigns/{last}")));
    assert_eq!(
        live_count(&rest, "dm_sent"),
        3,
        "the totals are the same on every page"
    );
    let (status, _) = ana.get("/?after=nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The totals are the sum of every campaign's funnel.
    let mut sum = (0, 0, 0.0);
    for id in &ids {
        let (status, f) = t
            .get(&format!("/api/v1/campaigns/{id}/funnel"), ana.token())
            .await;
        assert_eq!(status, StatusCode::OK, "{f}");
        sum.0 += f["scraped"].as_u64().unwrap();
        sum.1 += f["dm_sent"].as_u64().unwrap();
        sum.2 += f["cost_usd"].as_f64().unwrap();
    }
    assert_eq!(sum, (3, 3, 1.0));
    let compared = revos_test_support::funnel_check::assert_funnels_match(&t.db).await;
    assert_eq!(compared, 205);
}
