//! The lead and campaign pages of the web app, over HTTP with a cookie session as a browser
//! sends it: campaign forms (field errors beside the fields), the lifecycle buttons, the
//! campaign's funnel, pacing and queue, the lead list's filters, search, pagination and CSV
//! export, a lead's timeline, the do-not-contact button, CSRF, tenant isolation and labels.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use crate::ui_html::{assert_labelled, csrf_of, form_encode, no_redirects};
use chrono::Duration;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use revos_domain::TenantId;
use revos_store::leads::{Enrichment, NewLead};
use revos_store::{events, leads, messages};
use serde_json::json;
use uuid::Uuid;

both_backends!(
    campaign_forms_and_lifecycle_buttons,
    lead_list_filters_search_pages_and_exports,
    lead_page_timeline_campaign_queue_and_do_not_contact,
    another_workspace_sees_none_of_it,
);

/// A signed-in browser: its session cookie (also a bearer token for the API) and a client
/// that does not follow redirects.
pub(crate) struct Browser<'a> {
    t: &'a TestApp,
    http: reqwest::Client,
    pub(crate) token: String,
    tenant: TenantId,
}

/// Signs up through the sign-up form and keeps the session cookie.
pub(crate) async fn sign_up<'a>(t: &'a TestApp, email: &str) -> Browser<'a> {
    let http = no_redirects();
    let resp = http
        .post(format!("{}/signup", t.base))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_encode(&[
            ("email", email),
            ("password", "correct horse battery"),
            ("workspace_name", "Acme"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let token = cookie
        .split(';')
        .next()
        .and_then(|kv| kv.strip_prefix("revos_session="))
        .unwrap()
        .to_owned();
    let (status, me) = t.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let tenant = me["tenant_id"].as_str().unwrap().parse().unwrap();
    Browser {
        t,
        http,
        token,
        tenant: TenantId(tenant),
    }
}

impl Browser<'_> {
    fn cookie(&self) -> String {
        format!("revos_session={}", self.token)
    }

    /// GETs a page: (status, body).
    pub(crate) async fn page(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.t.base))
            .header(COOKIE, self.cookie())
            .send()
            .await
            .unwrap();
        // The templates escape `/` too; a browser reads `&#x2f;` as `/`, and so do these tests.
        (
            resp.status(),
            resp.text().await.unwrap().replace("&#x2f;", "/"),
        )
    }

    /// GETs a page that must answer 200, checks its form labels, and returns its HTML.
    pub(crate) async fn ok(&self, path: &str) -> String {
        let (status, html) = self.page(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        assert_labelled(&html, path);
        html
    }

    /// POSTs a form: (status, Location, body).
    pub(crate) async fn submit(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let resp = self
            .http
            .post(format!("{}{path}", self.t.base))
            .header(COOKIE, self.cookie())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_encode(fields))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (
            status,
            location,
            resp.text().await.unwrap().replace("&#x2f;", "/"),
        )
    }

    /// The CSRF token of the session, as the pages carry it.
    pub(crate) async fn csrf(&self) -> String {
        let html = self.ok("/campaigns").await;
        csrf_of(&html)
    }

    /// A sandbox LinkedIn account, through the API.
    pub(crate) async fn account(&self, name: &str) -> Uuid {
        let (status, a) = self
            .t
            .post(
                "/api/v1/linkedin-accounts",
                Some(&self.token),
                json!({"provider": "sandbox", "display_name": name}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        a["id"].as_str().unwrap().parse().unwrap()
    }

    /// A draft campaign through the API.
    async fn campaign(&self, account: Uuid, name: &str) -> Uuid {
        let (status, c) = self
            .t
            .post(
                "/api/v1/campaigns",
                Some(&self.token),
                json!({
                    "name": name, "linkedin_account_id": account,
                    "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
                    "trigger_words": ["GUIDE"], "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}",
                    "watched_posts": ["7400000000000000321"],
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        c["id"].as_str().unwrap().parse().unwrap()
    }
}

/// The message shown beside form field `id`.
pub(crate) fn field_error(html: &str, id: &str) -> String {
    let key = format!("id=\"{id}-error\">");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no error beside {id} in {html}"))
        + key.len();
    html[at..].split('<').next().unwrap().to_owned()
}

/// The campaign form's fields, filled well.
pub(crate) fn good_campaign(csrf: &str, account: Uuid) -> Vec<(&'static str, String)> {
    vec![
        ("_csrf", csrf.to_owned()),
        ("name", "Spring guide".into()),
        ("linkedin_account_id", account.to_string()),
        ("cartridge_id", String::new()),
        ("lead_magnet_title", "Hiring checklist".into()),
        ("lead_magnet_url", "https://acme.io/checklist".into()),
        ("lead_magnet_description", "Ten questions".into()),
        ("trigger_words", "GUIDE, checklist".into()),
        (
            "watched_posts",
            "7332661864792854528\n7332661864792854529".into(),
        ),
        (
            "dm_template",
            "Hi {{ first_name }}! {{ lead_magnet_url }}".into(),
        ),
        ("personalize_dm", "on".into()),
        ("connect_reply_template", String::new()),
        ("email_fallback_provider", "sandbox".into()),
        ("email_fallback_campaign_id", "seq-1".into()),
        ("email_fallback_delay_hours", "24".into()),
        ("email_fallback_require_verified", "on".into()),
    ]
}

pub(crate) fn refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn campaign_forms_and_lifecycle_buttons(db: Db) {
    let t = TestApp::spawn(db).await;
    let b = sign_up(&t, "ana@example.com").await;
    let account = b.account("Ana (sandbox)").await;
    let form = b.ok("/campaigns/new").await;
    assert!(
        form.contains("Ana (sandbox)"),
        "the account select lists the account"
    );
    let csrf = csrf_of(&form);

    // A bad field: 422, the form again with the message beside the field and the values kept.
    let mut bad = good_campaign(&csrf, account);
    bad[5].1 = "ftp://acme.io".into();
    bad[7].1 = "GUIDE, !!!".into();
    bad[14].1 = "soon".into();
    let (status, _, html) = b.submit("/campaigns/new", &refs(&bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert_labelled(&html, "campaign form with errors");
    assert_eq!(
        field_error(&html, "lead_magnet_url"),
        "must be an http(s) URL"
    );
    assert!(field_error(&html, "trigger_words").contains("item 2"));
    assert!(field_error(&html, "email_fallback_delay_hours").contains("whole number"));
    assert!(html.contains(r#"value="Spring guide""#), "the name is kept");
    let (_, list) = t.get("/api/v1/campaigns", &b.token).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing was created"
    );

    // Another workspace's account is named beside its field by the app's own check.
    let mut foreign = good_campaign(&csrf, Uuid::now_v7());
    foreign[1].1 = "Foreign".into();
    let (status, _, html) = b.submit("/campaigns/new", &refs(&foreign)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&html, "linkedin_account_id").contains("no such LinkedIn account"));

    // Without the CSRF token: refused.
    let mut forged = good_campaign("", account);
    forged.remove(0);
    let (status, _, _) = b.submit("/campaigns/new", &refs(&forged)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A good form creates the campaign and goes to its page.
    let (status, location, _) = b
        .submit("/campaigns/new", &refs(&good_campaign(&csrf, account)))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: Uuid = location
        .strip_prefix("/campaigns/")
        .unwrap()
        .parse()
        .unwrap();
    let (_, c) = t.get(&format!("/api/v1/campaigns/{id}"), &b.token).await;
    assert_eq!(c["trigger_words"], json!(["GUIDE", "checklist"]));
    assert_eq!(
        c["watched_posts"],
        json!(["7332661864792854528", "7332661864792854529"])
    );
    assert_eq!(c["personalize_dm"], json!(true));
    assert_eq!(
        c["email_fallback"],
        json!({"provider": "sandbox", "campaign_id": "seq-1", "delay_hours": 24, "require_verified": true})
    );
    assert_eq!(c["connect_reply_template"], json!(null));

    let list = b.ok("/campaigns").await;
    assert!(list.contains(&format!("href=\"/campaigns/{id}\">Spring guide</a>")));
    assert!(
        list.contains("badge sandbox"),
        "sandbox campaigns are marked"
    );

    // The buttons follow the lifecycle, through the same use case as the API.
    let page = b.ok(&format!("/campaigns/{id}")).await;
    assert!(page.contains("id=\"campaign-activate\"") && !page.contains("id=\"campaign-pause\""));
    let step = |s: &'static str| [("_csrf", csrf.as_str()), ("step", s)];
    let path = format!("/campaigns/{id}/transition");
    for (s, expect) in [
        ("activate", "active"),
        ("pause", "paused"),
        ("resume", "active"),
        ("pause", "paused"),
    ] {
        let (status, location, _) = b.submit(&path, &step(s)).await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, format!("/campaigns/{id}").as_str()),
            "{s}"
        );
        let (_, c) = t.get(&format!("/api/v1/campaigns/{id}"), &b.token).await;
        assert_eq!(c["status"], expect, "after {s}");
    }
    let page = b.ok(&format!("/campaigns/{id}")).await;
    assert!(page.contains("id=\"campaign-resume\"") && !page.contains("id=\"campaign-pause\""));
    // A step the state does not allow is the error page; without the token, refused.
    let (status, _, html) = b.submit(&path, &step("activate")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    let (status, _, _) = b.submit(&path, &[("step", "resume")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, c) = t.get(&format!("/api/v1/campaigns/{id}"), &b.token).await;
    assert_eq!(c["status"], "paused");

    // Editing shows the saved values and saves the change.
    let edit = b.ok(&format!("/campaigns/{id}/edit")).await;
    assert!(edit.contains(r#"value="GUIDE, checklist""#));
    assert!(edit.contains("7332661864792854528\n7332661864792854529</textarea>"));
    let mut changed = good_campaign(&csrf, account);
    changed[1].1 = "Autumn guide".into();
    changed[7].1 = "AUTUMN".into();
    changed.retain(|(k, _)| *k != "personalize_dm");
    let (status, location, _) = b
        .submit(&format!("/campaigns/{id}/edit"), &refs(&changed))
        .await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("/campaigns/{id}"))
    );
    let (_, c) = t.get(&format!("/api/v1/campaigns/{id}"), &b.token).await;
    assert_eq!(
        (c["name"].as_str(), c["personalize_dm"].as_bool()),
        (Some("Autumn guide"), Some(false))
    );
    assert_eq!(c["trigger_words"], json!(["AUTUMN"]));
    let mut empty_name = changed.clone();
    empty_name[1].1 = "  ".into();
    let (status, _, html) = b
        .submit(&format!("/campaigns/{id}/edit"), &refs(&empty_name))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!field_error(&html, "name").is_empty());

    // Completed: no buttons, no edit.
    let (status, _, _) = b.submit(&path, &step("complete")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = b.ok(&format!("/campaigns/{id}")).await;
    assert!(!page.contains("/transition") && !page.contains("id=\"edit-campaign\""));
    let (status, _) = b.page(&format!("/campaigns/{id}/edit")).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// A lead stored as the pipeline stores it, joined to `campaigns` at their stages.
async fn seed_lead(
    t: &TestApp,
    tenant: TenantId,
    name: &str,
    company: Option<&str>,
    email: Option<&str>,
    campaigns: &[(Uuid, &str)],
) -> Uuid {
    seed_lead_at(t, tenant, name, company, email, campaigns, t.app.now()).await
}

/// [`seed_lead`] as of `now`.
async fn seed_lead_at(
    t: &TestApp,
    tenant: TenantId,
    name: &str,
    company: Option<&str>,
    email: Option<&str>,
    campaigns: &[(Uuid, &str)],
    now: chrono::DateTime<chrono::Utc>,
) -> Uuid {
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let provider_id = format!("ACo-{}", Uuid::now_v7().simple());
    let new = NewLead {
        provider_id: &provider_id,
        name,
        linkedin_url: Some("https://www.linkedin.com/in/someone"),
        headline: Some("Head of Growth"),
        email,
        sandbox: true,
    };
    let lead = leads::upsert(&mut tx, tenant, &new, now).await.unwrap().id;
    if company.is_some() {
        let e = Enrichment {
            email: None,
            email_status: None,
            title: Some("VP Sales"),
            company,
            industry: None,
            company_size: None,
        };
        leads::record_enrichment(&mut tx, tenant, lead, &e, now)
            .await
            .unwrap();
    }
    for (c, stage) in campaigns {
        assert!(
            leads::join_campaign(&mut tx, tenant, *c, lead, None, stage.parse().unwrap(), now)
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();
    lead
}

/// The lead ids a list page shows, in order.
fn listed(html: &str) -> Vec<Uuid> {
    html.match_indices("data-lead-id=\"")
        .map(|(at, m)| html[at + m.len()..at + m.len() + 36].parse().unwrap())
        .collect()
}

async fn lead_list_filters_search_pages_and_exports(db: Db) {
    let t = TestApp::spawn(db).await;
    let b = sign_up(&t, "ana@example.com").await;
    let account = b.account("Ana").await;
    let c1 = b.campaign(account, "One").await;
    let c2 = b.campaign(account, "Two").await;
    // Ana and Ben three days ago (the session must not expire: the clock stays).
    let before = t.app.now() - Duration::days(3);
    let ana = seed_lead_at(
        &t,
        b.tenant,
        "Ana Lopez",
        Some("Acme, Inc."),
        Some("ana@acme.io"),
        &[(c1, "dm_sent")],
        before,
    )
    .await;
    let ben = seed_lead_at(
        &t,
        b.tenant,
        "Ben Smith",
        None,
        None,
        &[(c1, "scraped"), (c2, "replied")],
        before,
    )
    .await;
    let chloe = seed_lead(
        &t,
        b.tenant,
        "=Chloé Khan",
        Some("Globex"),
        None,
        &[(c2, "dm_sent")],
    )
    .await;

    let all = b.ok("/leads").await;
    assert_eq!(listed(&all), [ana, ben, chloe]);
    assert!(
        all.contains("Acme, Inc.") && all.contains("ana@acme.io") && all.contains("badge sandbox")
    );
    assert!(
        all.contains(">Two</a>: <span class=\"badge stage\">replied</span>"),
        "each campaign's stage"
    );
    assert!(all.contains("id=\"export-csv\" href=\"/leads/export.csv\""));

    // Search over name, company, email, headline; filters by campaign and stage combine.
    assert_eq!(listed(&b.ok("/leads?q=acme").await), [ana]);
    assert_eq!(listed(&b.ok("/leads?q=SMITH").await), [ben]);
    assert_eq!(
        listed(&b.ok(&format!("/leads?campaign_id={c1}")).await),
        [ana, ben]
    );
    assert_eq!(listed(&b.ok("/leads?stage=dm_sent").await), [ana, chloe]);
    let both = b
        .ok(&format!("/leads?campaign_id={c2}&stage=dm_sent"))
        .await;
    assert_eq!(listed(&both), [chloe]);
    assert!(
        both.contains(&format!("<option value=\"{c2}\" selected>")),
        "the filter is kept"
    );
    // By date: the stage changed at or after `from` and on or before `to`.
    let today = t.app.now().date_naive();
    let earlier = today - chrono::Days::new(3);
    assert_eq!(
        listed(&b.ok(&format!("/leads?from={today}")).await),
        [chloe]
    );
    assert_eq!(
        listed(&b.ok(&format!("/leads?to={earlier}")).await),
        [ana, ben]
    );
    assert_eq!(
        listed(
            &b.ok(&format!("/leads?from={earlier}&to={earlier}&stage=replied"))
                .await
        ),
        [ben]
    );

    // Bad filters: 422 with the message beside the field.
    let (status, html) = b.page("/leads?from=yesterday&stage=nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&html, "from").contains("YYYY-MM-DD"));
    assert!(field_error(&html, "stage").contains("choose"));
    let (status, html) = b
        .page(&format!("/leads?campaign_id={}", Uuid::now_v7()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&html, "campaign_id").contains("no such campaign"));

    // The CSV export keeps the filters and is served to the cookie session.
    let page = b.ok("/leads?q=globex").await;
    assert!(page.contains("href=\"/leads/export.csv?q=globex\""));
    let resp = b
        .http
        .get(format!("{}/leads/export.csv?q=globex", t.base))
        .header(COOKIE, b.cookie())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("id,provider_id,name,"));
    assert!(
        lines[1].contains(&chloe.to_string()) && lines[1].contains(",'=Chloé Khan,"),
        "{csv}"
    );
    let anonymous = no_redirects()
        .get(format!("{}/leads/export.csv", t.base))
        .send()
        .await
        .unwrap();
    assert!(
        anonymous.status().is_redirection(),
        "anonymous visitors go to the login page"
    );

    // Pages of 50, with a "Next page" link that keeps the filters.
    for i in 0..51 {
        seed_lead(&t, b.tenant, &format!("Zed {i:02}"), None, None, &[]).await;
    }
    let first = b.ok("/leads?q=zed").await;
    assert_eq!(listed(&first).len(), 50);
    let at = first
        .find("id=\"next-page\" href=\"")
        .expect("a next page link")
        + 21;
    let next = first[at..].split('"').next().unwrap().replace("&amp;", "&");
    assert!(next.starts_with("/leads?q=zed&after="), "{next}");
    let second = b.ok(&next).await;
    assert_eq!(listed(&second).len(), 1, "the 51st Zed");
    assert!(second.contains("Zed 50") && !second.contains("id=\"next-page\""));
    let page1 = b.ok("/leads").await;
    assert_eq!(listed(&page1).len(), 50);
    let at = page1.find("id=\"next-page\" href=\"").unwrap() + 21;
    let next = page1[at..].split('"').next().unwrap().replace("&amp;", "&");
    let page2 = b.ok(&next).await;
    assert_eq!(listed(&page2).len(), 4);
    assert!(!page2.contains("id=\"next-page\""));
}

async fn lead_page_timeline_campaign_queue_and_do_not_contact(db: Db) {
    let t = TestApp::spawn(db).await;
    let b = sign_up(&t, "ana@example.com").await;
    let account = b.account("Ana").await;
    let c1 = b.campaign(account, "Playbook launch").await;
    let ana = seed_lead(
        &t,
        b.tenant,
        "Ana Lopez",
        Some("Acme"),
        Some("ana@acme.io"),
        &[(c1, "enriched")],
    )
    .await;
    let ben = seed_lead(
        &t,
        b.tenant,
        "Ben Smith",
        None,
        None,
        &[(c1, "awaiting_connection")],
    )
    .await;
    // Scraped, then a DM queued (job and all, as the pipeline queues it), then a reply.
    let data = json!({"campaign_id": c1, "lead_id": ana, "cost": 0.25}).to_string();
    let mut tx = t.store.begin_for(b.tenant).await.unwrap();
    events::append_with_cost(
        &mut tx,
        b.tenant,
        "lead_scraped",
        Some(c1),
        Some(ana),
        &data,
        Some(0.25),
        t.app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    t.clock.advance(Duration::minutes(5));
    let job = revos_app::outreach::dm::SendDm {
        tenant: b.tenant,
        campaign: c1,
        lead: ana,
        account,
        step: None,
    };
    let mut tx = t.store.begin_for(b.tenant).await.unwrap();
    assert_eq!(
        revos_app::outreach::requeue::dm(&mut tx, &job, "1", t.app.now())
            .await
            .unwrap(),
        revos_app::outreach::requeue::Queued::Yes
    );
    tx.commit().await.unwrap();
    t.clock.advance(Duration::minutes(5));
    let reply = messages::Inbound {
        campaign: Some(c1),
        lead: ana,
        channel: "dm",
        provider_message_id: "m-1",
        chat: Some("chat-1"),
        body: "Thanks, <b>got it</b>!",
    };
    let mut tx = t.store.begin_for(b.tenant).await.unwrap();
    messages::insert_inbound(&mut tx, b.tenant, &reply, t.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The lead page: the person, their campaign and stage, the timeline oldest first.
    let page = b.ok(&format!("/leads/{ana}")).await;
    assert!(page.contains(r#"<a href="https://www.linkedin.com/in/someone""#));
    for text in [
        "Ana Lopez",
        "ana@acme.io",
        "Acme",
        "VP Sales",
        "Playbook launch",
        "dm queued",
    ] {
        assert!(page.contains(text), "{text} missing from the lead page");
    }
    let scraped = page
        .find("<strong>Lead scraped</strong>")
        .expect("the scrape");
    let queued = page
        .find("<strong>DM queued</strong>")
        .expect("the queued DM event");
    let replied = page
        .find("<strong>DM received</strong>")
        .expect("the reply");
    assert!(scraped < queued && queued < replied, "oldest first");
    assert!(
        page.contains("Thanks, &lt;b&gt;got it&lt;/b&gt;!"),
        "messages are escaped"
    );
    assert!(page.contains("cost $0.2500"));

    // The campaign page: funnel, the account's pacing, the queued DM and who waits.
    let (_, acct) = t
        .get(&format!("/api/v1/linkedin-accounts/{account}"), &b.token)
        .await;
    let cpage = b.ok(&format!("/campaigns/{c1}")).await;
    let pacing = &cpage[cpage.find("id=\"pacing-table\"").expect("pacing")..];
    let dm = &acct["effective_limits"]["dm"];
    assert!(
        pacing.contains(&format!(
            "<td>{}</td><td>{}",
            dm["hourly_cap"], dm["daily_cap"]
        )),
        "today's caps: {pacing}"
    );
    let queue = &cpage[cpage
        .find("id=\"queued-dms\"")
        .expect("the queued DM table")..];
    assert!(queue.contains(&format!("href=\"/leads/{ana}\">Ana Lopez</a>")));
    assert!(queue.contains("<td>scheduled</td>"));
    let dmq = &cpage[cpage.find("id=\"dm-queued-leads\"").unwrap()..];
    assert!(dmq[..dmq.find("</ul>").unwrap()].contains("Ana Lopez"));
    let waiting = &cpage[cpage.find("id=\"awaiting-leads\"").unwrap()..];
    assert!(waiting[..waiting.find("</ul>").unwrap()].contains(&format!("/leads/{ben}")));
    assert!(
        cpage.contains("<dt>Scraped</dt><dd>2</dd>"),
        "the funnel counts both leads"
    );

    // Do not contact: without the token refused; with it, back to the page named, and the
    // API sees it.
    let csrf = b.csrf().await;
    let path = format!("/leads/{ben}/do-not-contact");
    let (status, _, _) = b.submit(&path, &[("next", "/leads")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, l) = t.get(&format!("/api/v1/leads/{ben}"), &b.token).await;
    assert_eq!(l["do_not_contact"], false);
    let (status, location, _) = b
        .submit(&path, &[("_csrf", &csrf), ("next", "/leads?q=ben")])
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/leads?q=ben")
    );
    let (_, l) = t.get(&format!("/api/v1/leads/{ben}"), &b.token).await;
    assert_eq!(l["do_not_contact"], true);
    let list = b.ok("/leads?q=ben").await;
    assert!(list.contains("badge dnc") && !list.contains(&format!("/leads/{ben}/do-not-contact")));
    // Another host is never a destination.
    let (status, location, _) = b
        .submit(
            &format!("/leads/{ana}/do-not-contact"),
            &[("_csrf", &csrf), ("next", "//evil.example")],
        )
        .await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("/leads/{ana}"))
    );
    let page = b.ok(&format!("/leads/{ana}")).await;
    assert!(
        page.contains("On the do-not-contact list") && page.contains("<strong>Opted out</strong>")
    );
}

async fn another_workspace_sees_none_of_it(db: Db) {
    let t = TestApp::spawn(db).await;
    let a = sign_up(&t, "ana@example.com").await;
    let account = a.account("Ana").await;
    let campaign = a.campaign(account, "Secret plan").await;
    let lead = seed_lead(
        &t,
        a.tenant,
        "Ana Lopez",
        Some("Acme"),
        None,
        &[(campaign, "dm_sent")],
    )
    .await;
    let csrf_a = a.csrf().await;
    let (status, _, _) = a
        .submit(
            &format!("/campaigns/{campaign}/transition"),
            &[("_csrf", &csrf_a), ("step", "activate")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let b = sign_up(&t, "bo@example.com").await;
    let csrf = b.csrf().await;
    for path in [
        format!("/campaigns/{campaign}"),
        format!("/campaigns/{campaign}/edit"),
        format!("/leads/{lead}"),
        "/campaigns/not-a-uuid".to_owned(),
        format!("/leads/{}", Uuid::now_v7()),
    ] {
        let (status, html) = b.page(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            !html.contains("Secret plan") && !html.contains("Ana Lopez"),
            "{path}"
        );
    }
    let (status, _, _) = b
        .submit(
            &format!("/campaigns/{campaign}/transition"),
            &[("_csrf", &csrf), ("step", "pause")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = b
        .submit(
            &format!("/leads/{lead}/do-not-contact"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut edit = good_campaign(&csrf, account);
    edit[1].1 = "Hijacked".into();
    let (status, _, _) = b
        .submit(&format!("/campaigns/{campaign}/edit"), &refs(&edit))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A's session token is not B's: B's CSRF token does not work for A either.
    let (status, _, _) = a
        .submit(
            &format!("/campaigns/{campaign}/transition"),
            &[("_csrf", &csrf), ("step", "pause")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let lists = [
        b.ok("/leads").await,
        b.ok("/campaigns").await,
        b.ok("/leads?q=ana").await,
    ];
    for html in &lists {
        assert!(!html.contains("Secret plan") && !html.contains("Ana Lopez"));
    }
    let csv = b
        .http
        .get(format!("{}/leads/export.csv", t.base))
        .header(COOKIE, b.cookie())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");
    // Nothing of A's changed.
    let (_, c) = t
        .get(&format!("/api/v1/campaigns/{campaign}"), &a.token)
        .await;
    assert_eq!(
        (c["name"].as_str(), c["status"].as_str()),
        (Some("Secret plan"), Some("active"))
    );
    let (_, l) = t.get(&format!("/api/v1/leads/{lead}"), &a.token).await;
    assert_eq!(l["do_not_contact"], false);
}
