//! The web app's content pages over HTTP, signed in with a session cookie from the sign-up
//! form: the approval queue (new post, submit, approve with edits → the cartridge's memory,
//! reject needing a reason beside its field, schedule), the post page, and the cartridge pages
//! (the form editor with errors beside each field, YAML import, export downloads, versions).
//! A second tenant gets 404 for the first one's ids, forms without the CSRF token get 403,
//! and every form control on these pages has a label.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use crate::ui_html::{assert_labelled, csrf_of, escaped, form_encode};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

both_backends!(
    posts_are_drafted_submitted_approved_edited_and_scheduled_through_forms,
    rejecting_needs_a_reason_shown_beside_its_field,
    cartridges_are_edited_imported_exported_and_versioned_through_forms,
    another_tenant_gets_404_and_forms_need_the_csrf_token,
    members_see_approval_disabled_and_are_refused,
    knowledge_documents_are_uploaded_searched_and_deleted_on_the_cartridge_page,
    library_magnets_are_edited_through_a_form,
);

/// A signed-in browser: the session cookie from the sign-up form.
struct Browser {
    base: String,
    http: reqwest::Client,
    /// The session token (also a bearer token for the API).
    token: String,
}

/// An answer: status, `Location` and body.
struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

impl Browser {
    /// Signs up through `POST /signup` and keeps the session cookie.
    async fn signup(t: &TestApp, email: &str, workspace: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = http
            .post(format!("{}/signup", t.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_encode(&[
                ("email", email),
                ("password", "correct horse battery"),
                ("workspace_name", workspace),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let cookie = resp.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        let token = cookie
            .strip_prefix("revos_session=")
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_owned();
        Self {
            base: t.base.clone(),
            http,
            token,
        }
    }

    async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        Answer {
            status,
            location,
            body: resp.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, format!("revos_session={}", self.token))
            .send()
            .await
            .unwrap();
        Self::answer(resp).await
    }

    /// GETs a page that must render, and returns its HTML.
    async fn page(&self, path: &str) -> String {
        let a = self.get(path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        a.body
    }

    /// POSTs a form as is (no CSRF token added).
    async fn post_raw(&self, path: &str, pairs: &[(&str, &str)]) -> Answer {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, format!("revos_session={}", self.token))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_encode(pairs))
            .send()
            .await
            .unwrap();
        Self::answer(resp).await
    }

    /// POSTs a form with the CSRF token scraped from `page`.
    async fn post(&self, page: &str, path: &str, pairs: &[(&str, &str)]) -> Answer {
        let html = self.page(page).await;
        let csrf = csrf_of(&html);
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_raw(path, &all).await
    }

    /// POSTs a multipart form (the CSRF token scraped from `page`, then `file` as `name` of
    /// `content_type`), as a browser's upload form does.
    async fn upload(
        &self,
        page: &str,
        path: &str,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Answer {
        let csrf = csrf_of(&self.page(page).await);
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(content_type)
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf)
            .part("file", part);
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, format!("revos_session={}", self.token))
            .multipart(form)
            .send()
            .await
            .unwrap();
        Self::answer(resp).await
    }

    /// Calls the JSON API with the session token.
    async fn api(&self, t: &TestApp, path: &str) -> Value {
        let (status, body) = t.get(path, &self.token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }
}

/// The text right after the control with `id`, up to the next control's start.
fn after_control<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at..];
    let end = rest[10..].find("<label").map_or(rest.len(), |e| e + 10);
    &rest[..end]
}

/// A world: a signed-in owner with a cartridge and a sandbox LinkedIn account.
struct World {
    t: TestApp,
    owner: Browser,
    cartridge: String,
    account: String,
}

async fn world(db: Db) -> World {
    let t = TestApp::spawn(db).await;
    let owner = Browser::signup(&t, "dana@example.com", "Acme").await;
    let (status, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&owner.token),
            crate::helpers::cartridge("Dana Coaching"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, a) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&owner.token),
            json!({"provider": "sandbox", "display_name": "Sandy"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    World {
        owner,
        cartridge: c["id"].as_str().unwrap().to_owned(),
        account: a["id"].as_str().unwrap().to_owned(),
        t,
    }
}

/// Creates a post through the "New post" form; returns its id.
async fn new_post(w: &World, body: &str) -> String {
    let a = w
        .owner
        .post(
            "/approvals",
            "/approvals/posts",
            &[("cartridge_id", &w.cartridge), ("body", body)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    a.location
        .strip_prefix("/approvals#post-")
        .unwrap()
        .to_owned()
}

/// Submits post `id` through its form on the queue.
async fn submit(w: &World, id: &str) {
    let a = w
        .owner
        .post("/approvals", &format!("/posts/{id}/submit"), &[])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
}

async fn posts_are_drafted_submitted_approved_edited_and_scheduled_through_forms(db: Db) {
    let w = world(db).await;
    let id = new_post(&w, "Managers: stop fixing.\nStart asking.").await;
    let queue = w.owner.page("/approvals").await;
    assert!(queue.contains(&format!("id=\"post-{id}\"")), "{queue}");
    assert!(queue.contains("Managers: stop fixing.\nStart asking."));
    assert!(queue.contains("Dana Coaching"), "the client's name");
    // A draft can be edited inline, and submitted.
    let a = w
        .owner
        .post(
            "/approvals",
            &format!("/posts/{id}/edit"),
            &[("body", "Managers: stop fixing. Start asking, today.")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    submit(&w, &id).await;
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "pending_approval");
    assert_eq!(p["body"], "Managers: stop fixing. Start asking, today.");
    let pending = w.owner.page("/approvals?status=pending_approval").await;
    assert!(pending.contains(&format!("id=\"approve-body-{id}\"")));
    assert!(
        !pending.contains("id=\"section-draft\""),
        "filtered to one status"
    );

    // Approving with an edited text: the memory keeps the edit beside the draft.
    let edited = "Managers: ask one more question before you answer.";
    let a = w
        .owner
        .post(
            &format!("/posts/{id}"),
            &format!("/posts/{id}/approve"),
            &[("from", "post"), ("body", edited)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(a.location, format!("/posts/{id}"));
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "approved");
    assert_eq!(p["approved_edited"], true);
    assert_eq!(p["body"], edited);
    let examples = w
        .owner
        .api(
            &w.t,
            &format!("/api/v1/cartridges/{}/examples?kind=post", w.cartridge),
        )
        .await;
    let learned = examples["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["text"] == edited)
        .unwrap_or_else(|| panic!("the edit is in memory: {examples}"));
    assert_eq!(
        learned["draft"],
        "Managers: stop fixing. Start asking, today."
    );
    assert_eq!(learned["edited"], true);

    // A bad time is named beside its field; a good one schedules from the chosen account.
    let a = w
        .owner
        .post(
            "/approvals",
            &format!("/posts/{id}/schedule"),
            &[("at", "next tuesday"), ("linkedin_account_id", &w.account)],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(
        after_control(&a.body, &format!("schedule-at-{id}"))
            .contains("<p class=\"field-error\" id=\"at-error\">must be a date and time"),
        "{}",
        a.body
    );
    assert!(
        a.body.contains("value=\"next tuesday\""),
        "the value is kept"
    );
    let at = (w.t.app.now() + chrono::Duration::days(2)).format("%Y-%m-%dT%H:%M");
    let at = at.to_string();
    let a = w
        .owner
        .post(
            "/approvals",
            &format!("/posts/{id}/schedule"),
            &[("at", &at), ("linkedin_account_id", &w.account)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "scheduled");
    assert_eq!(p["linkedin_account_id"], w.account.as_str());
    assert!(
        p["scheduled_at"].as_str().unwrap().starts_with(&at),
        "read as UTC: {p}"
    );

    // The post page: status, sandbox mark, history with who did what.
    let html = w.owner.page(&format!("/posts/{id}")).await;
    assert!(html.contains("Scheduled for"), "{html}");
    assert!(html.contains("class=\"badge sandbox\""), "sandbox account");
    assert!(
        html.contains("by dana@example.com"),
        "history names the actor"
    );
    for step in ["Draft", "Pending approval", "Approved", "Scheduled"] {
        assert!(
            html.contains(&format!("<strong>{step}</strong>")),
            "history has {step}"
        );
    }
    assert!(
        html.contains("First draft"),
        "the first draft beside the edit"
    );
    assert!(html.contains("Unschedule"));
    assert_labelled(&html, "/posts/{id}");

    // Unschedule and publish now from the sandbox account: the page shows where it went.
    let a = w
        .owner
        .post(
            &format!("/posts/{id}"),
            &format!("/posts/{id}/unschedule"),
            &[("from", "post")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let a = w
        .owner
        .post(
            &format!("/posts/{id}"),
            &format!("/posts/{id}/publish"),
            &[("from", "post"), ("linkedin_account_id", "")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "published");
    let html = w.owner.page(&format!("/posts/{id}")).await;
    assert!(
        html.contains(&escaped(p["url"].as_str().unwrap())),
        "the URL is shown"
    );
    assert!(html.contains("Reactions") && html.contains("Comments"));
    assert!(
        !html.contains("action=\"/posts/"),
        "a published post has no moves (and no campaign to attach it to yet)"
    );

    // With a campaign, the published post can be attached to it, to watch its comments.
    let (status, c) = w
        .t
        .post(
            "/api/v1/campaigns",
            Some(&w.owner.token),
            json!({
                "name": "Launch", "linkedin_account_id": w.account,
                "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
                "trigger_words": ["GUIDE"], "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let campaign = c["id"].as_str().unwrap();
    let html = w.owner.page(&format!("/posts/{id}")).await;
    assert!(html.contains(&format!("action=\"/posts/{id}/attach\"")));
    assert_labelled(&html, "/posts/{id} published");
    let a = w
        .owner
        .post(
            &format!("/posts/{id}"),
            &format!("/posts/{id}/attach"),
            &[("from", "post"), ("campaign_id", "")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("choose the campaign that should watch it"));
    let a = w
        .owner
        .post(
            &format!("/posts/{id}"),
            &format!("/posts/{id}/attach"),
            &[("from", "post"), ("campaign_id", campaign)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["campaign_id"], campaign);

    // A draft written for a topic by the offline writer lands in the queue.
    let a = w
        .owner
        .post(
            "/approvals",
            "/approvals/drafts",
            &[("cartridge_id", &w.cartridge), ("topic", "delegation")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let drafted = a.location.strip_prefix("/approvals#post-").unwrap();
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{drafted}")).await;
    assert_eq!(p["status"], "draft");
    assert_eq!(p["cartridge_id"], w.cartridge.as_str());
    assert!(!p["body"].as_str().unwrap().trim().is_empty());
    let a = w
        .owner
        .post(
            "/approvals",
            "/approvals/drafts",
            &[("cartridge_id", &w.cartridge), ("topic", " ")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(
        after_control(&a.body, "draft-topic").contains("id=\"topic-error\""),
        "{}",
        a.body
    );

    // Every form control of the queue is labelled.
    assert_labelled(&w.owner.page("/approvals").await, "/approvals");
}

async fn rejecting_needs_a_reason_shown_beside_its_field(db: Db) {
    let w = world(db).await;
    let first = new_post(&w, "First post").await;
    let id = new_post(&w, "Too salesy, buy now").await;
    submit(&w, &first).await;
    submit(&w, &id).await;
    let a = w
        .owner
        .post(
            "/approvals",
            &format!("/posts/{id}/reject"),
            &[("reason", "   ")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let beside = after_control(&a.body, &format!("reject-reason-{id}"));
    assert!(
        beside.contains(
            "<p class=\"field-error\" id=\"reason-error\">a rejection needs a reason the writer can act on</p>"
        ),
        "{beside}"
    );
    let other = after_control(&a.body, &format!("reject-reason-{first}"));
    assert!(
        !other.contains("field-error"),
        "only beside the post it concerns"
    );
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "pending_approval", "nothing changed");

    let a = w
        .owner
        .post(
            "/approvals",
            &format!("/posts/{id}/reject"),
            &[("reason", "Less selling, more teaching.")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "rejected");
    assert_eq!(p["rejection_reason"], "Less selling, more teaching.");
    let html = w.owner.page("/approvals?status=rejected").await;
    assert!(html.contains("Less selling, more teaching."), "{html}");
    assert!(html.contains("Revise as a draft"));
    // Approving a rejected post is a conflict, shown as an error page.
    let a = w
        .owner
        .post("/approvals", &format!("/posts/{id}/approve"), &[])
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert!(a.body.contains("<h1>"), "an error page");
    // An empty new post names its field.
    let a = w
        .owner
        .post(
            "/approvals",
            "/approvals/posts",
            &[("cartridge_id", &w.cartridge), ("body", "")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(after_control(&a.body, "new-body").contains("id=\"body-error\">must not be empty"));
}

/// The editor's fields for a valid cartridge.
fn cartridge_form(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_owned()),
        ("persona.role", "Startup Founder".into()),
        ("persona.expertise", "fundraising\nhiring\n".into()),
        ("persona.target_audience", "first-time founders".into()),
        ("writing_style.tone", "authoritative".into()),
        ("writing_style.vocabulary_level", "6".into()),
        ("writing_style.sentence_structure", "long".into()),
        ("writing_style.storytelling_approach", "war stories".into()),
        ("industry_knowledge.niche", "B2B SaaS".into()),
        ("industry_knowledge.key_topics", "pricing\nchurn".into()),
        ("industry_knowledge.common_pain_points", "runway".into()),
        ("industry_knowledge.solution_frameworks", "".into()),
        ("tools_enabled", "apollo".into()),
        ("system_prompt", "".into()),
        ("examples[0].post", "Pricing is a product decision.".into()),
        ("examples[0].dm", "".into()),
        ("examples[0].email", "".into()),
    ]
}

fn as_pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn cartridges_are_edited_imported_exported_and_versioned_through_forms(db: Db) {
    let w = world(db).await;
    let b = &w.owner;
    assert_labelled(&b.page("/cartridges/new").await, "/cartridges/new");

    // Bad fields re-render the form with each message beside its field, values kept.
    let mut bad = cartridge_form("Ravi Ventures");
    for (k, v) in bad.iter_mut() {
        match *k {
            "writing_style.tone" => *v = "shouty".into(),
            "writing_style.vocabulary_level" => *v = "11".into(),
            "persona.role" => *v = "".into(),
            "tools_enabled" => *v = "apollo\nnot a tool".into(),
            _ => {}
        }
    }
    let a = b
        .post("/cartridges/new", "/cartridges", &as_pairs(&bad))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    for (control, message) in [
        (
            "writing-style-tone",
            "id=\"writing_style.tone-error\">choose professional, casual or authoritative",
        ),
        (
            "writing-style-vocabulary-level",
            "id=\"writing_style.vocabulary_level-error\">must be between 1 and 10",
        ),
        (
            "persona-role",
            "id=\"persona.role-error\">must not be empty",
        ),
        ("tools-enabled", "tools_enabled[1]: must be a tool id"),
    ] {
        let beside = after_control(&a.body, control);
        assert!(beside.contains(message), "{control}: {beside}");
    }
    assert!(
        a.body.contains("value=\"Ravi Ventures\""),
        "values are kept"
    );
    let (_, list) = w.t.get("/api/v1/cartridges", &b.token).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "nothing created"
    );

    // A valid form creates the cartridge with every field.
    let good = cartridge_form("Ravi Ventures");
    let a = b
        .post("/cartridges/new", "/cartridges", &as_pairs(&good))
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let id = a.location.strip_prefix("/cartridges/").unwrap().to_owned();
    let c = b.api(&w.t, &format!("/api/v1/cartridges/{id}")).await;
    assert_eq!(c["persona"]["expertise"], json!(["fundraising", "hiring"]));
    assert_eq!(c["writing_style"]["tone"], "authoritative");
    assert_eq!(c["writing_style"]["vocabulary_level"], 6);
    assert_eq!(c["writing_style"]["sentence_structure"], "long");
    assert_eq!(
        c["industry_knowledge"]["key_topics"],
        json!(["pricing", "churn"])
    );
    assert_eq!(c["industry_knowledge"]["solution_frameworks"], json!([]));
    assert_eq!(c["examples"][0]["post"], "Pricing is a product decision.");
    assert_eq!(c["system_prompt_source"], "generated");

    // Saving again with an override prompt and a second example makes version 2.
    let mut edit = good.clone();
    for (k, v) in edit.iter_mut() {
        match *k {
            "writing_style.tone" => *v = "casual".into(),
            "system_prompt" => *v = "You are Ravi. Be blunt.".into(),
            _ => {}
        }
    }
    edit.push(("examples[1].dm", "Hi {first_name}, quick one.".into()));
    let path = format!("/cartridges/{id}");
    let a = b.post(&path, &path, &as_pairs(&edit)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let c = b.api(&w.t, &format!("/api/v1/cartridges/{id}")).await;
    assert_eq!(c["version"], 2);
    assert_eq!(c["examples"][1]["dm"], "Hi {first_name}, quick one.");
    let html = b.page(&path).await;
    assert!(html.contains("data-prompt-source=\"override\""), "{html}");
    assert!(html.contains("You are Ravi. Be blunt."));
    let v2 = &html[html.find("data-version=\"2\"").expect("version 2 listed")..];
    let v2 = &v2[..v2.find("</tr>").unwrap()];
    assert!(v2.contains("dana@example.com"), "{v2}");
    assert!(
        v2.contains("writing_style.tone") && v2.contains("system_prompt"),
        "{v2}"
    );
    assert!(html.contains("data-version=\"1\""));
    assert!(html.contains("tone: casual"), "the YAML view");
    assert_labelled(&html, &path);

    // A bad save on the cartridge's page keeps the saved version and shows the error there.
    let mut empty_name = edit.clone();
    empty_name[0].1 = " ".into();
    let a = b.post(&path, &path, &as_pairs(&empty_name)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(after_control(&a.body, "cartridge-name").contains("id=\"name-error\""));
    let c = b.api(&w.t, &format!("/api/v1/cartridges/{id}")).await;
    assert_eq!(c["version"], 2);

    // Export downloads: both formats, as attachments, importable again.
    let yaml = b.get(&format!("/cartridges/{id}/export?format=yaml")).await;
    assert_eq!(yaml.status, StatusCode::OK);
    assert!(yaml.body.contains("name: Ravi Ventures"), "{}", yaml.body);
    let json_file = b
        .http
        .get(format!("{}/cartridges/{id}/export?format=json", b.base))
        .header(COOKIE, format!("revos_session={}", b.token))
        .send()
        .await
        .unwrap();
    let disposition = json_file.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, "attachment; filename=\"ravi-ventures.json\"");
    let doc: Value = serde_json::from_str(&json_file.text().await.unwrap()).unwrap();
    assert_eq!(doc["writing_style"]["tone"], "casual");

    // Import: a bad file names the field; a good one creates; with replace, a new version.
    let broken = yaml.body.replace("tone: casual", "tone: shouty");
    let a = b
        .post(
            "/cartridges",
            "/cartridges/import",
            &[("text", &broken), ("format", "auto")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(
        after_control(&a.body, "import-text").contains("<strong>writing_style.tone</strong>"),
        "{}",
        a.body
    );
    let copy = yaml.body.replace("name: Ravi Ventures", "name: Ravi Copy");
    let a = b
        .post(
            "/cartridges",
            "/cartridges/import",
            &[("text", &copy), ("format", "yaml")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let copy_id = a.location.strip_prefix("/cartridges/").unwrap().to_owned();
    assert_ne!(copy_id, id);
    let c = b.api(&w.t, &format!("/api/v1/cartridges/{copy_id}")).await;
    assert_eq!(c["name"], "Ravi Copy");
    let list = b.page("/cartridges").await;
    assert!(list.contains("Ravi Copy") && list.contains("Ravi Ventures"));
    assert_labelled(&list, "/cartridges");
    let renamed = yaml.body.replace("name: Ravi Ventures", "name: Ravi V.");
    let a = b
        .post(
            &path,
            "/cartridges/import",
            &[("text", &renamed), ("replace", &id)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(a.location, path);
    let c = b.api(&w.t, &format!("/api/v1/cartridges/{id}")).await;
    assert_eq!(
        (c["version"].as_i64(), c["name"].as_str()),
        (Some(3), Some("Ravi V."))
    );

    // The memory summary counts the imported examples (a post and a DM).
    let html = b.page(&path).await;
    assert!(html.contains("data-memory=\"total\">2<"), "{html}");
    assert!(html.contains("data-memory=\"dms\">1<"));
}

async fn another_tenant_gets_404_and_forms_need_the_csrf_token(db: Db) {
    let w = world(db).await;
    let id = new_post(&w, "Acme only").await;
    let eve = Browser::signup(&w.t, "eve@example.com", "Other").await;
    let c = &w.cartridge;
    for path in [
        format!("/posts/{id}"),
        format!("/cartridges/{c}"),
        format!("/cartridges/{c}/export?format=yaml"),
    ] {
        let a = eve.get(&path).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!a.body.contains("Acme only") && !a.body.contains("Dana Coaching"));
    }
    let queue = eve.page("/approvals").await;
    assert!(!queue.contains("Acme only") && !queue.contains("Dana Coaching"));
    let cartridges = eve.page("/cartridges").await;
    assert!(!cartridges.contains("Dana Coaching"));
    // Eve's own token, Acme's ids: not found, and nothing changes.
    let a = eve
        .post("/approvals", &format!("/posts/{id}/submit"), &[])
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    let a = eve
        .post(
            "/cartridges",
            &format!("/cartridges/{c}"),
            &as_pairs(&cartridge_form("Hijacked")),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    let a = eve
        .post(
            "/cartridges",
            "/cartridges/import",
            &[("text", "name: x"), ("replace", c)],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "draft");
    let cart = w.owner.api(&w.t, &format!("/api/v1/cartridges/{c}")).await;
    assert_eq!(cart["version"], 1);
    // Not an id at all: also the 404 page.
    assert_eq!(
        eve.get("/posts/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );

    // Without the CSRF token (or with another session's), every form is refused.
    let eve_csrf = csrf_of(&eve.page("/approvals").await);
    for (path, pairs) in [
        (format!("/posts/{id}/submit"), vec![]),
        (
            format!("/posts/{id}/submit"),
            vec![("_csrf", eve_csrf.as_str())],
        ),
        (
            "/approvals/posts".to_owned(),
            vec![("cartridge_id", c.as_str()), ("body", "x")],
        ),
        ("/cartridges/import".to_owned(), vec![("text", "name: x")]),
        (format!("/cartridges/{c}"), vec![("name", "x")]),
        ("/cartridges".to_owned(), vec![("name", "x")]),
    ] {
        let a = w.owner.post_raw(&path, &pairs).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}: {}", a.body);
    }
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "draft");
    // Anonymous visitors are sent to log in.
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = anon
        .get(format!("{}/approvals", w.t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

async fn members_see_approval_disabled_and_are_refused(db: Db) {
    let w = world(db).await;
    let id = new_post(&w, "Needs an admin").await;
    submit(&w, &id).await;
    let (status, inv) =
        w.t.post(
            "/api/v1/invitations",
            Some(&w.owner.token),
            json!({"email": "bob@example.com", "role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    let (status, accepted) =
        w.t.post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let bob = Browser {
        base: w.t.base.clone(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        token: accepted["token"].as_str().unwrap().to_owned(),
    };
    let html = bob.page("/approvals").await;
    assert!(html.contains("approving and rejecting them needs the owner or admin role"));
    let approve_button = &html[html
        .find(&format!("action=\"/posts/{id}/approve\""))
        .unwrap()..];
    let approve_button = &approve_button[..approve_button.find("</form>").unwrap()];
    assert!(approve_button.contains("disabled"), "{approve_button}");
    let a = bob
        .post("/approvals", &format!("/posts/{id}/approve"), &[])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    let p = w.owner.api(&w.t, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(p["status"], "pending_approval");
}

async fn knowledge_documents_are_uploaded_searched_and_deleted_on_the_cartridge_page(db: Db) {
    let w = world(db).await;
    let page = format!("/cartridges/{}", w.cartridge);
    let html = w.owner.page(&page).await;
    assert!(html.contains("id=\"knowledge-title\""), "{html}");
    assert!(html.contains("No documents yet"));
    assert_labelled(&html, &page);

    // A PDF with a text layer, through the page's upload form.
    let pdf = revos_test_support::pdf::one_page_pdf(
        "Onboarding takes three weeks: kickoff, data import, then a team workshop.",
    );
    let a = w
        .owner
        .upload(
            &page,
            &format!("{page}/knowledge"),
            "onboarding.pdf",
            "application/pdf",
            pdf,
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(
        a.location,
        format!("{page}?knowledge=added#knowledge-title")
    );
    let html = w.owner.page(&format!("{page}?knowledge=added")).await;
    assert!(html.contains("The document is indexed."), "{html}");
    assert!(html.contains("onboarding.pdf"));
    assert!(html.contains("data-chunks=\"1\""), "{html}");
    assert!(html.contains("Indexed: 1 passage<"), "{html}");
    let docs = w
        .owner
        .api(
            &w.t,
            &format!("/api/v1/cartridges/{}/knowledge", w.cartridge),
        )
        .await;
    let doc = docs["items"][0]["id"].as_str().unwrap().to_owned();

    // A scanned PDF (no text) is refused beside the form, and not listed.
    let scan = revos_test_support::pdf::one_page_pdf("");
    let a = w
        .owner
        .upload(
            &page,
            &format!("{page}/knowledge"),
            "scan.pdf",
            "application/pdf",
            scan,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(a.body.contains("id=\"knowledge-errors\""), "{}", a.body);
    assert!(a.body.contains("no text could be read from this PDF"));
    assert!(!a.body.contains("scan.pdf"));

    // The search box shows the matching passage.
    let html = w
        .owner
        .page(&format!("{page}?kq=how%20long%20does%20onboarding%20take"))
        .await;
    let passages = &html[html.find("id=\"knowledge-passages\"").expect("passages")..];
    assert!(passages.contains("three weeks"), "{passages}");
    assert!(passages.contains("onboarding.pdf"));

    // Another workspace cannot delete it; without the CSRF token neither can the owner.
    let intruder = Browser::signup(&w.t, "eve@example.com", "Evil").await;
    let delete = format!("{page}/knowledge/{doc}/delete");
    let a = intruder.post("/lead-magnets", &delete, &[]).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(intruder.get(&page).await.status, StatusCode::NOT_FOUND);
    let a = w.owner.post_raw(&delete, &[]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let a = w.owner.post(&page, &delete, &[]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let html = w.owner.page(&format!("{page}?knowledge=deleted")).await;
    assert!(html.contains("its passages and its file are deleted"));
    assert!(!html.contains("onboarding.pdf"));
    let html = w.owner.page(&format!("{page}?kq=onboarding")).await;
    assert!(html.contains("No passages"), "{html}");
}

async fn library_magnets_are_edited_through_a_form(db: Db) {
    let w = world(db).await;
    let (status, m) =
        w.t.post(
            "/api/v1/lead-magnets",
            Some(&w.owner.token),
            json!({"title": "Playbook", "url": "https://acme.io/playbook", "tags": ["sales"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let id = m["id"].as_str().unwrap();
    let html = w.owner.page("/lead-magnets").await;
    assert!(
        html.contains(&format!("href=\"/lead-magnets/{id}/edit\"")),
        "{html}"
    );
    let edit = format!("/lead-magnets/{id}/edit");
    let html = w.owner.page(&edit).await;
    assert_labelled(&html, &edit);
    assert!(
        html.contains(&format!(
            "value=\"{}\"",
            escaped("https://acme.io/playbook")
        )),
        "{html}"
    );
    assert!(html.contains("value=\"sales\""), "{html}");

    // A bad link is shown beside the form, and nothing changes.
    let a = w
        .owner
        .post(
            &edit,
            &edit,
            &[
                ("title", "Playbook 2"),
                ("description", ""),
                ("tags", ""),
                ("url", "ftp://x"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(a.body.contains("role=\"alert\""), "{}", a.body);
    assert!(a.body.contains("url: "), "{}", a.body);
    assert!(
        a.body
            .contains(&format!("value=\"{}\"", escaped("ftp://x"))),
        "{}",
        a.body
    );
    let same = w
        .owner
        .api(&w.t, &format!("/api/v1/lead-magnets/{id}"))
        .await;
    assert_eq!(same["title"], "Playbook");

    let a = w
        .owner
        .post(
            &edit,
            &edit,
            &[
                ("title", "The Sales Playbook"),
                ("description", "Ten plays for first calls"),
                ("tags", "sales, calls"),
                ("url", "https://acme.io/sales-playbook"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(a.location, "/lead-magnets?done=saved");
    let saved = w
        .owner
        .api(&w.t, &format!("/api/v1/lead-magnets/{id}"))
        .await;
    assert_eq!(saved["title"], "The Sales Playbook");
    assert_eq!(saved["description"], "Ten plays for first calls");
    assert_eq!(saved["tags"], json!(["sales", "calls"]));
    assert_eq!(saved["url"], "https://acme.io/sales-playbook");
    let html = w.owner.page("/lead-magnets?done=saved").await;
    assert!(html.contains("The lead magnet is saved."));
    assert!(html.contains("The Sales Playbook"));

    // Another workspace gets 404 for the form and the save; no token, 403.
    let intruder = Browser::signup(&w.t, "eve@example.com", "Evil").await;
    assert_eq!(intruder.get(&edit).await.status, StatusCode::NOT_FOUND);
    let a = intruder
        .post("/lead-magnets", &edit, &[("title", "Mine now")])
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = w.owner.post_raw(&edit, &[("title", "x")]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let kept = w
        .owner
        .api(&w.t, &format!("/api/v1/lead-magnets/{id}"))
        .await;
    assert_eq!(kept["title"], "The Sales Playbook");
}
