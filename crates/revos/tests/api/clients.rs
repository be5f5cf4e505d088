//! Clients as collaborators (issue 21, item 2): a client-role member and a share link's
//! visitor approve and reject posts with a comment and reach nothing else (every API path of
//! the OpenAPI document and every page and form reachable from the agency's navigation is
//! walked); a revoked or expired link is refused; the agency overview lists exactly the
//! person's workspaces with their figures (leads made by the sandbox and the real workers);
//! a workspace created from inside the app is owned by its creator, who switches into it;
//! every link on every page a client user can open (crawled from their dashboard) opens for
//! them; the settings page makes (address shown once), lists and revokes share links.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use std::collections::BTreeSet;

both_backends!(
    a_client_approves_and_rejects_with_comments_and_reaches_nothing_else,
    every_link_on_a_client_s_pages_opens_for_them,
    the_settings_page_makes_lists_and_revokes_share_links,
    a_share_link_decides_waiting_posts_only_until_revoked_or_expired,
    the_overview_lists_exactly_my_workspaces_with_their_figures,
);

/// An owner's workspace with a cartridge, and a client invited into it.
struct World {
    t: TestApp,
    owner: String,
    client: String,
    client_id: String,
    cartridge: String,
}

async fn world(db: Db) -> World {
    let t = TestApp::spawn(db).await;
    let (owner, _, _) = t.signup("dana@agency.example", "Acme").await;
    let (status, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&owner),
            crate::helpers::cartridge("Acme's voice"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, inv) = t
        .post(
            "/api/v1/invitations",
            Some(&owner),
            json!({"email": "cleo@client.example", "role": "client"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["role"], "client");
    let (status, s) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    World {
        owner,
        client: s["token"].as_str().unwrap().to_owned(),
        client_id: s["user_id"].as_str().unwrap().to_owned(),
        cartridge: c["id"].as_str().unwrap().to_owned(),
        t,
    }
}

/// A post written and submitted by the owner; returns its id.
async fn waiting_post(w: &World, body: &str) -> String {
    let (status, p) =
        w.t.post(
            "/api/v1/posts",
            Some(&w.owner),
            json!({"body": body, "cartridge_id": w.cartridge}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let id = p["id"].as_str().unwrap().to_owned();
    let (status, p) =
        w.t.post(
            &format!("/api/v1/posts/{id}/submit"),
            Some(&w.owner),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    id
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET path` with no credential, as JSON.
async fn anon_get(t: &TestApp, path: &str) -> (StatusCode, Value) {
    let resp = http()
        .get(format!("{}{path}", t.base))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A page (or any path) as the holder of session `token`'s cookie.
async fn page(t: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let resp = http()
        .get(format!("{}{path}", t.base))
        .header(COOKIE, format!("revos_session={token}"))
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// Posts a form as the holder of `token`'s cookie (none when `None`); status, Location, body.
async fn form(
    t: &TestApp,
    token: Option<&str>,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = http()
        .post(format!("{}{path}", t.base))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body);
    if let Some(token) = token {
        req = req.header(COOKIE, format!("revos_session={token}"));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, resp.text().await.unwrap())
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the first `name="_csrf"` field of a page.
fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="_csrf" value=""#).expect("a CSRF field") + 20;
    html[at..].split('"').next().unwrap().to_owned()
}

/// Every `href="/…"` of a page as a GET, and every `<form action="/…">` with its method.
fn links_of(html: &str) -> Vec<(&'static str, String)> {
    // As a browser reads the attribute: without its fragment, `&amp;` as `&`.
    let local = |raw: &str| raw.split('#').next().unwrap().replace("&amp;", "&");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(r#"href="/"#) {
        let start = at + 6;
        out.push(("GET", local(rest[start..].split('"').next().unwrap())));
        rest = &rest[start..];
    }
    let mut rest = html;
    while let Some(at) = rest.find("<form") {
        let tag = rest[at..].split('>').next().unwrap();
        let attr = |name: &str| {
            tag.split(&format!(r#" {name}=""#))
                .nth(1)
                .and_then(|v| v.split('"').next())
        };
        if let Some(action) = attr("action").filter(|a| a.starts_with('/')) {
            let method = match attr("method") {
                Some(m) if m.eq_ignore_ascii_case("post") => "POST",
                _ => "GET",
            };
            out.push((method, local(action)));
        }
        rest = &rest[at + 5..];
    }
    out
}

/// The requests a client may make (the server's allow-list, restated).
fn client_may(method: &str, path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').collect();
    let api_post = |action: &str| {
        segs.len() == 6 && segs[..4] == ["", "api", "v1", "posts"] && segs[5] == action
    };
    let page_post = |action: &str| segs.len() == 4 && segs[1] == "posts" && segs[3] == action;
    match method {
        "GET" => {
            matches!(
                path,
                "/" | "/approvals"
                    | "/api/v1/me"
                    | "/api/v1/posts"
                    | "/api/v1/overview"
                    | "/api/v1/reports"
                    | "/api/v1/reports.pdf"
                    | "/reports"
                    | "/reports.pdf"
                    | "/calendar"
                    | "/api/v1/calendar"
                    | "/api/v1/calendar/best-times"
            ) || path.starts_with("/approvals?")
                || path.starts_with("/?")
                || path.starts_with("/reports?")
                || path.starts_with("/reports.pdf?")
                || path.starts_with("/calendar?")
                || path.starts_with("/api/v1/posts/")
                    && (segs.len() == 5 || (segs.len() == 6 && segs[5] == "media"))
                || (segs.len() == 3 && (segs[1] == "posts" || segs[1] == "post-media"))
                || path.starts_with("/assets/")
                || path == "/favicon.ico"
        }
        "POST" => {
            matches!(path, "/logout" | "/switch" | "/api/v1/auth/logout")
                || api_post("approve")
                || api_post("reject")
                || page_post("approve")
                || page_post("reject")
        }
        _ => false,
    }
}

/// Sends `method path` with a JSON `{}` body and `auth` headers; the status.
async fn call(t: &TestApp, method: &str, path: &str, auth: &[(&str, String)]) -> StatusCode {
    let mut req = http().request(method.parse().unwrap(), format!("{}{path}", t.base));
    for (name, value) in auth {
        req = req.header(*name, value);
    }
    if method != "GET" && method != "DELETE" {
        req = req.header(CONTENT_TYPE, "application/json").body("{}");
    }
    req.send().await.unwrap().status()
}

/// Every operation of the OpenAPI document: (method, path with its parameters filled with
/// `id`, whether it needs a credential).
async fn operations(t: &TestApp, id: &str) -> Vec<(String, String, bool)> {
    let (status, doc) = t.get("/api/v1/openapi.json", "").await;
    assert_eq!(status, StatusCode::OK);
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let mut filled = String::new();
            for seg in path.split('/').skip(1) {
                filled.push('/');
                filled.push_str(if seg.starts_with('{') { id } else { seg });
            }
            let secured = op.get("security").is_some();
            out.push((method.to_uppercase(), filled, secured));
        }
    }
    assert!(out.len() > 100, "the document lists every operation");
    out
}

async fn a_client_approves_and_rejects_with_comments_and_reaches_nothing_else(db: Db) {
    let w = world(db).await;
    let t = &w.t;
    let first = waiting_post(&w, "First post for the client").await;
    let second = waiting_post(&w, "Second post for the client").await;

    // The client sees the queue and the posts' schedule.
    let (status, me) = t.get("/api/v1/me", &w.client).await;
    assert_eq!(
        (status, me["role"].as_str()),
        (StatusCode::OK, Some("client"))
    );
    let (status, list) = t
        .get("/api/v1/posts?status=pending_approval", &w.client)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // The agency's drafts are not the client's to see: not listed, not found, not on the page.
    let (status, draft) = t
        .post(
            "/api/v1/posts",
            Some(&w.owner),
            json!({"body": "Agency-internal draft", "cartridge_id": w.cartridge}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    for listing in [
        "/api/v1/posts",
        "/api/v1/posts?status=draft",
        "/api/v1/posts?status=rejected",
    ] {
        let (status, body) = t.get(listing, &w.client).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{listing}: {body}");
    }
    let (status, body) = t
        .get(
            &format!("/api/v1/posts/{}", draft["id"].as_str().unwrap()),
            &w.client,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, html) = page(t, &w.client, "/approvals").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("First post for the client"));
    assert!(
        !html.contains("Agency-internal draft"),
        "no drafts on the client's queue"
    );
    assert!(
        !html.contains("href=\"/leads\""),
        "the client's nav is cut down"
    );
    assert!(
        !html.contains("/approvals/posts"),
        "no compose forms for the client"
    );
    let (status, dashboard) = page(t, &w.client, "/").await;
    assert_eq!(status, StatusCode::OK, "the reports");
    assert!(dashboard.contains("data-no-live") && !dashboard.contains("chat-toggle"));

    // Approving with a comment; rejecting needs one.
    let (status, p) = t
        .post(
            &format!("/api/v1/posts/{first}/approve"),
            Some(&w.client),
            json!({"comment": "Lovely, ship it"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "approved");
    let last = p["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor_id"], w.client_id.as_str());
    assert_eq!(last["reason"], "Lovely, ship it");
    let (status, e) = t
        .post(
            &format!("/api/v1/posts/{second}/reject"),
            Some(&w.client),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["reason"]);
    // Through the page's form, with the session's CSRF token.
    let csrf = csrf_of(&html);
    let (status, location, body) = form(
        t,
        Some(&w.client),
        &format!("/posts/{second}/reject"),
        &[
            ("_csrf", &csrf),
            ("reason", "Too salesy, soften the ending"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(location.starts_with("/approvals"), "{location}");
    // The agency sees the comments on the post.
    let (status, html) = page(t, &w.owner, &format!("/posts/{first}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Comment: Lovely, ship it"), "{html}");
    let (_, second_post) = t.get(&format!("/api/v1/posts/{second}"), &w.owner).await;
    assert_eq!(second_post["status"], "rejected");
    assert_eq!(
        second_post["rejection_reason"],
        "Too salesy, soften the ending"
    );

    // Every API operation but the allowed ones is refused to the client.
    let some_id = uuid::Uuid::now_v7().to_string();
    let bearer = [(AUTHORIZATION.as_str(), format!("Bearer {}", w.client))];
    let mut walked = 0;
    for (method, path, secured) in operations(t, &some_id).await {
        if !secured || client_may(&method, &path) {
            continue;
        }
        let status = call(t, &method, &path, &bearer).await;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{method} {path} answered the client {status}"
        );
        walked += 1;
    }
    assert!(walked > 100, "only {walked} operations walked");

    // Every page and form reachable from the agency's navigation is refused too.
    let (_, dashboard) = page(t, &w.owner, "/").await;
    let mut reachable: BTreeSet<(&'static str, String)> = BTreeSet::new();
    for (method, path) in links_of(&dashboard) {
        if method == "GET" && !path.starts_with("/assets") {
            let (_, html) = page(t, &w.owner, &path).await;
            reachable.extend(links_of(&html));
        }
        reachable.insert((method, path));
    }
    let nav = [
        "/inbox",
        "/leads",
        "/campaigns",
        "/cartridges",
        "/lead-magnets",
        "/guides",
        "/queue",
        "/settings",
        "/notifications",
        "/overview",
    ];
    for p in nav {
        assert!(reachable.contains(&("GET", p.to_owned())), "{p} in the nav");
    }
    let (_, client_page) = page(t, &w.client, "/approvals").await;
    let client_csrf = csrf_of(&client_page);
    let mut refused = 0;
    for (method, path) in &reachable {
        if client_may(method, path) || path.starts_with("/assets") || path == "/favicon.ico" {
            continue;
        }
        let status = match *method {
            "GET" => page(t, &w.client, path).await.0,
            _ => {
                form(t, Some(&w.client), path, &[("_csrf", &client_csrf)])
                    .await
                    .0
            }
        };
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{method} {path} answered the client {status}"
        );
        refused += 1;
    }
    assert!(refused > 20, "only {refused} pages and forms walked");

    // A client cannot make share links, keys, workspaces or invitations.
    for (path, body) in [
        (
            "/api/v1/share-links",
            json!({"label": "x", "expires_in_days": 3}),
        ),
        ("/api/v1/workspaces", json!({"name": "Mine"})),
        ("/api/v1/api-keys", json!({"name": "k"})),
    ] {
        let (status, e) = t.post(path, Some(&w.client), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {e}");
    }
    // And an admin cannot make a key that acts as a client.
    let (status, e) = t
        .post(
            "/api/v1/api-keys",
            Some(&w.owner),
            json!({"name": "k", "role": "client"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["role"]);
}

/// Creates a share link as the owner; returns (id, token).
async fn share_link(w: &World, label: &str, days: u32) -> (String, String) {
    let (status, l) =
        w.t.post(
            "/api/v1/share-links",
            Some(&w.owner),
            json!({"label": label, "expires_in_days": days}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    let token = l["token"].as_str().unwrap().to_owned();
    assert_eq!(l["path"], format!("/share/{token}"));
    (l["id"].as_str().unwrap().to_owned(), token)
}

async fn a_share_link_decides_waiting_posts_only_until_revoked_or_expired(db: Db) {
    let w = world(db).await;
    let t = &w.t;
    let approved = waiting_post(&w, "Already approved by the agency").await;
    let (status, _) = t
        .post(
            &format!("/api/v1/posts/{approved}/approve"),
            Some(&w.owner),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let one = waiting_post(&w, "Waiting post number one").await;
    let two = waiting_post(&w, "Waiting post number two").await;
    let (link_id, token) = share_link(&w, "Cleo's team", 7).await;

    // The visitor sees only the waiting posts, and no session is opened.
    let resp = http()
        .get(format!("{}/share/{token}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get(SET_COOKIE).is_none());
    let html = resp.text().await.unwrap();
    assert!(html.contains("Waiting post number one") && html.contains("Waiting post number two"));
    assert!(!html.contains("Already approved by the agency"));
    let (status, q) = anon_get(t, &format!("/api/v1/share/{token}/posts")).await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(q["posts"].as_array().unwrap().len(), 2, "{q}");

    // Approve through the page's form (CSRF token of the link), reject through the API.
    let csrf = csrf_of(&html);
    let (status, _, body) = form(
        t,
        None,
        &format!("/share/{token}/posts/{one}/approve"),
        &[("_csrf", "forged"), ("comment", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, location, body) = form(
        t,
        None,
        &format!("/share/{token}/posts/{one}/approve"),
        &[("_csrf", &csrf), ("comment", "Perfect as is")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location, format!("/share/{token}"));
    let (status, e) = t
        .post(
            &format!("/api/v1/share/{token}/posts/{two}/reject"),
            None,
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["reason"]);
    let (status, p) = t
        .post(
            &format!("/api/v1/share/{token}/posts/{two}/reject"),
            None,
            json!({"reason": "Not this week"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "rejected");
    // A post that is not waiting cannot be moved through the link.
    let (status, _) = t
        .post(
            &format!("/api/v1/share/{token}/posts/{approved}/reject"),
            None,
            json!({"reason": "no"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The history names the link, with the comments, and no user.
    let (_, p) = t.get(&format!("/api/v1/posts/{one}"), &w.owner).await;
    assert_eq!(p["status"], "approved");
    let last = p["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor_label"], "via share link Cleo's team", "{p}");
    assert_eq!(last["actor_id"], Value::Null);
    assert_eq!(last["reason"], "Perfect as is");
    let (_, html) = page(t, &w.owner, &format!("/posts/{two}")).await;
    assert!(html.contains("via share link Cleo"), "{html}");

    // The link gives nothing else: as a bearer token or a session cookie it opens no API
    // operation and no page.
    let some_id = uuid::Uuid::now_v7().to_string();
    let as_bearer = [(AUTHORIZATION.as_str(), format!("Bearer {token}"))];
    let as_cookie = [(COOKIE.as_str(), format!("revos_session={token}"))];
    let mut walked = 0;
    for (method, path, secured) in operations(t, &some_id).await {
        if !secured {
            continue;
        }
        for auth in [&as_bearer, &as_cookie] {
            let status = call(t, &method, &path, auth).await;
            assert!(
                matches!(status.as_u16(), 401 | 403 | 404),
                "{method} {path} answered the share link {status}"
            );
        }
        walked += 1;
    }
    assert!(walked > 100);
    for p in ["/", "/approvals", "/leads", "/settings", "/overview"] {
        let (status, _) = page(t, &token, p).await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{p} sends the link's holder to log in"
        );
    }

    // The agency lists and revokes it; a revoked link is refused.
    let (status, links) = t.get("/api/v1/share-links", &w.owner).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(links["items"][0]["label"], "Cleo's team");
    assert!(links["items"][0].get("token").is_none());
    let (status, revoked) = t
        .delete(&format!("/api/v1/share-links/{link_id}"), &w.owner)
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let (status, e) = anon_get(t, &format!("/api/v1/share/{token}/posts")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    let fresh = waiting_post(&w, "After the revocation").await;
    let (status, _) = t
        .post(
            &format!("/api/v1/share/{token}/posts/{fresh}/approve"),
            None,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = page(t, "", &format!("/share/{token}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("revoked"), "{html}");

    // An expired link is gone.
    let (_, short) = share_link(&w, "Short", 1).await;
    let (status, _) = anon_get(t, &format!("/api/v1/share/{short}/posts")).await;
    assert_eq!(status, StatusCode::OK);
    t.clock
        .advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
    let (status, e) = anon_get(t, &format!("/api/v1/share/{short}/posts")).await;
    assert_eq!(status, StatusCode::GONE, "{e}");
    let (status, _) = t
        .post(
            &format!("/api/v1/share/{short}/posts/{fresh}/approve"),
            None,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    let (status, html) = page(t, "", &format!("/share/{short}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("expired"), "{html}");
    // An unknown one is not found; the post waits still (seen by the owner, logged in again
    // as the clock moved past the session).
    let (status, _) = anon_get(t, "/api/v1/share/rvl_nothing/posts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "dana@agency.example", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let owner = login["token"].as_str().unwrap();
    let (_, p) = t.get(&format!("/api/v1/posts/{fresh}"), owner).await;
    assert_eq!(p["status"], "pending_approval", "{p}");
}

/// Runs the sandbox trial in the workspace of `token` and the real workers for `minutes`
/// simulated minutes; returns the trial's campaign id.
async fn sandbox_leads(t: &TestApp, token: &str, minutes: i64) -> String {
    let (status, trial) = t
        .post("/api/v1/sandbox/trial", Some(token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{trial}");
    let runner = revos_workers::runner(&t.app, revos_jobs::RunnerConfig::default());
    let until = t.app.now() + chrono::Duration::minutes(minutes);
    runner.run_simulated_until(&t.clock, until).await.unwrap();
    trial["campaign"]["id"].as_str().unwrap().to_owned()
}

/// The overview's row of the workspace named `name`.
fn row<'a>(overview: &'a Value, name: &str) -> &'a Value {
    overview["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {overview}"))
}

async fn the_overview_lists_exactly_my_workspaces_with_their_figures(db: Db) {
    let t = TestApp::spawn(db).await;
    let (dana, acme, _) = t.signup("dana@agency.example", "Acme").await;
    let (eve, _, _) = t.signup("eve@other.example", "Other agency").await;
    let campaign = sandbox_leads(&t, &dana, 180).await;
    sandbox_leads(&t, &eve, 60).await;

    // A post waiting for approval in Acme.
    let (_, cartridges) = t.get("/api/v1/cartridges", &dana).await;
    let cartridge = cartridges["items"][0]["id"].clone();
    let (status, p) = t
        .post(
            "/api/v1/posts",
            Some(&dana),
            json!({"body": "A post to approve", "cartridge_id": cartridge}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let (status, _) = t
        .post(
            &format!("/api/v1/posts/{}/submit", p["id"].as_str().unwrap()),
            Some(&dana),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // A new client workspace from inside the app; bad names are refused by field.
    let (status, e) = t
        .post("/api/v1/workspaces", Some(&dana), json!({"name": "  "}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["name"]);
    let (status, made) = t
        .post("/api/v1/workspaces", Some(&dana), json!({"name": "Bistro"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["role"], "owner");

    let (status, overview) = t.get("/api/v1/overview", &dana).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    let names: Vec<&str> = overview["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme", "Bistro"], "exactly Dana's workspaces");
    let acme_row = row(&overview, "Acme");
    assert_eq!(acme_row["id"], acme.as_str());
    // The figures are the campaign's funnel, the inbox's unread replies and the queue's.
    let (_, funnel) = t
        .get(&format!("/api/v1/campaigns/{campaign}/funnel"), &dana)
        .await;
    assert!(funnel["scraped"].as_u64().unwrap() > 0, "{funnel}");
    assert!(funnel["enriched"].as_u64().unwrap() > 0, "{funnel}");
    for figure in ["scraped", "enriched", "dm_sent", "replied"] {
        assert_eq!(acme_row["funnel"][figure], funnel[figure], "{figure}");
    }
    let (_, inbox) = t.get("/api/v1/inbox?limit=200", &dana).await;
    let unread = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["unread"] == true)
        .count();
    assert_eq!(acme_row["replies_waiting"], unread);
    assert_eq!(acme_row["posts_waiting"], 1);
    assert_eq!(
        acme_row["accounts"],
        json!({"connected": 1, "needs_attention": 0})
    );
    let bistro = row(&overview, "Bistro");
    assert_eq!(bistro["funnel"]["scraped"], 0);
    assert_eq!(bistro["posts_waiting"], 0);
    assert_eq!(
        bistro["accounts"],
        json!({"connected": 0, "needs_attention": 0})
    );

    // Eve sees only her own.
    let (_, theirs) = t.get("/api/v1/overview", &eve).await;
    assert_eq!(theirs["workspaces"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["workspaces"][0]["name"], "Other agency");
    assert!(
        theirs["workspaces"][0]["funnel"]["scraped"]
            .as_u64()
            .unwrap()
            > 0
    );

    // The overview page shows both, and the creator switches into the new workspace.
    let (status, html) = page(&t, &dana, "/overview").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Acme") && html.contains("Bistro") && !html.contains("Other agency"));
    let csrf = csrf_of(&html);
    let (status, location, _) = form(
        &t,
        Some(&dana),
        "/overview/workspaces",
        &[("_csrf", &csrf), ("name", "Cafe")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/overview#workspace-"), "{location}");
    let cafe = location
        .trim_start_matches("/overview#workspace-")
        .to_owned();
    let resp = http()
        .post(format!("{}/switch", t.base))
        .header(COOKIE, format!("revos_session={dana}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("_csrf={csrf}&workspace_id={cafe}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let session = cookie
        .split(';')
        .next()
        .and_then(|kv| kv.strip_prefix("revos_session="))
        .unwrap()
        .to_owned();
    let (_, me) = t.get("/api/v1/me", &session).await;
    assert_eq!(me["tenant_id"], cafe.as_str());
    assert_eq!(me["role"], "owner");
    let (_, overview) = t.get("/api/v1/overview", &session).await;
    assert_eq!(overview["workspaces"].as_array().unwrap().len(), 3);
}

async fn every_link_on_a_client_s_pages_opens_for_them(db: Db) {
    let w = world(db).await;
    let t = &w.t;
    // A workspace with a campaign and posts for it, waiting and approved: the pages a client
    // sees then name the campaign, the cartridge and the account.
    let (status, account) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&w.owner),
            json!({"provider": "sandbox", "display_name": "Dana (sandbox)"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let (status, campaign) = t
        .post(
            "/api/v1/campaigns",
            Some(&w.owner),
            json!({
                "name": "Spring guide", "linkedin_account_id": account["id"],
                "lead_magnet": {"title": "The Guide", "url": "https://acme.io/guide"},
                "trigger_words": ["GUIDE"], "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{campaign}");
    let mut posts = Vec::new();
    for body in ["A post waiting for Cleo", "A post Cleo already approved"] {
        let (status, p) = t
            .post(
                "/api/v1/posts",
                Some(&w.owner),
                json!({"body": body, "cartridge_id": w.cartridge,
                       "linkedin_account_id": account["id"], "campaign_id": campaign["id"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        let id = p["id"].as_str().unwrap().to_owned();
        let (status, p) = t
            .post(
                &format!("/api/v1/posts/{id}/submit"),
                Some(&w.owner),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
        posts.push(id);
    }
    let (status, p) = t
        .post(
            &format!("/api/v1/posts/{}/approve", posts[1]),
            Some(&w.client),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");

    // The agency still gets its checklist and links; the client gets neither.
    let (_, agency) = page(t, &w.owner, "/").await;
    assert!(agency.contains(r#"id="first-run""#));
    let (status, dashboard) = page(t, &w.client, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !dashboard.contains(r#"id="first-run""#),
        "no agency checklist"
    );
    assert!(dashboard.contains(r#"id="client-start""#));
    assert!(
        dashboard.contains("Spring guide"),
        "the campaign's figures are shown"
    );

    // Every link of every page the client reaches from the dashboard opens for them.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue = vec!["/".to_owned()];
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let (status, html) = page(t, &w.client, &path).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{path} answered the client {status}"
        );
        // Files have no links; a calendar's other weeks and months (endless) open, and their
        // links are those of the first one.
        if path.starts_with("/assets")
            || path.starts_with("/post-media")
            || path.starts_with("/calendar?")
        {
            continue;
        }
        let html = html.replace("&#x2f;", "/");
        for (method, link) in links_of(&html) {
            if method == "GET" && !link.is_empty() && !seen.contains(&link) {
                queue.push(link);
            }
        }
        assert!(seen.len() < 200, "the crawl ran away: {seen:?}");
    }
    for expected in [
        "/approvals".to_owned(),
        format!("/posts/{}", posts[0]),
        format!("/posts/{}", posts[1]),
    ] {
        assert!(seen.contains(&expected), "{expected} not reached: {seen:?}");
    }
}

/// The value of the shown-once field of a page.
fn shown_once_value(html: &str) -> String {
    let at = html
        .find(r#"id="shown-once""#)
        .expect("the shown-once field");
    let rest = &html[at..];
    let v = rest.find(r#"value=""#).unwrap() + 7;
    rest[v..].split('"').next().unwrap().replace("&#x2f;", "/")
}

async fn the_settings_page_makes_lists_and_revokes_share_links(db: Db) {
    let w = world(db).await;
    let t = &w.t;
    waiting_post(&w, "A post for the share link").await;
    let (status, settings) = page(t, &w.owner, "/settings").await;
    assert_eq!(status, StatusCode::OK);
    crate::ui_html::assert_labelled(&settings, "/settings");
    assert!(settings.contains(r#"id="share-links-empty""#), "none yet");
    let csrf = csrf_of(&settings);

    // Mistakes are shown beside their fields; only the offered expiries are taken.
    let (status, _, html) = form(
        t,
        Some(&w.owner),
        "/settings/share-links",
        &[("_csrf", &csrf), ("label", " "), ("expires_in_days", "7")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="label-error""#), "{html}");
    let (status, _, html) = form(
        t,
        Some(&w.owner),
        "/settings/share-links",
        &[
            ("_csrf", &csrf),
            ("label", "Cleo at Acme"),
            ("expires_in_days", "365"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="expires_in_days-error""#), "{html}");
    assert!(
        html.contains(r#"value="Cleo at Acme""#),
        "the label is kept"
    );
    let (status, _, _) = form(
        t,
        Some(&w.owner),
        "/settings/share-links",
        &[("label", "Cleo at Acme"), ("expires_in_days", "7")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token, no link");

    // Made: the address shown once (kept out of caches); it opens the waiting posts.
    let resp = http()
        .post(format!("{}/settings/share-links", t.base))
        .header(COOKIE, format!("revos_session={}", w.owner))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("_csrf={csrf}&label=Cleo+at+Acme&expires_in_days=7"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let shown = resp.text().await.unwrap();
    let path = shown_once_value(&shown);
    assert!(path.starts_with("/share/"), "{path}");
    let (status, html) = page(t, "", &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("A post for the share link"));
    let (status, _, _) = form(
        t,
        Some(&w.owner),
        "/settings/share-links",
        &[
            ("_csrf", &csrf),
            ("label", "Short"),
            ("expires_in_days", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Listed with who it is for, when it expires and whether it works; the token is not.
    let (_, links) = t.get("/api/v1/share-links", &w.owner).await;
    let items = links["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{links}");
    let cleo = items.iter().find(|l| l["label"] == "Cleo at Acme").unwrap();
    assert_eq!(
        (cleo["expires_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            - cleo["created_at"]
                .as_str()
                .unwrap()
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap())
        .num_days(),
        7
    );
    let id = cleo["id"].as_str().unwrap();
    let (_, settings) = page(t, &w.owner, "/settings").await;
    assert!(settings.contains("Cleo at Acme") && settings.contains("Short"));
    assert_eq!(settings.matches(r#"<tr data-state="valid">"#).count(), 2);
    let token = path.trim_start_matches("/share/");
    assert!(!settings.contains(token), "the token is shown only once");

    // Revoked from the page: refused at once, listed as revoked, no button any more.
    let revoke = format!("/settings/share-links/{id}/revoke");
    let (status, location, _) = form(t, Some(&w.owner), &revoke, &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/settings?done=share_link_revoked#share-links");
    let (status, _) = page(t, "", &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, settings) = page(t, &w.owner, "/settings").await;
    assert_eq!(settings.matches(r#"<tr data-state="revoked">"#).count(), 1);
    assert!(!settings.contains(&revoke), "{settings}");
    // A client cannot make, nor revoke one.
    let (_, client_page) = page(t, &w.client, "/approvals").await;
    let client_csrf = csrf_of(&client_page);
    let (status, _, _) = form(
        t,
        Some(&w.client),
        "/settings/share-links",
        &[
            ("_csrf", &client_csrf),
            ("label", "Mine"),
            ("expires_in_days", "30"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = form(t, Some(&w.client), &revoke, &[("_csrf", &client_csrf)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The short one expires after a day (the owner logs in again: the session aged too).
    t.clock
        .advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "dana@agency.example", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let owner = login["token"].as_str().unwrap();
    let (_, settings) = page(t, owner, "/settings").await;
    assert_eq!(
        settings.matches(r#"<tr data-state="expired">"#).count(),
        1,
        "{settings}"
    );
    assert_eq!(settings.matches(r#"<tr data-state="valid">"#).count(), 0);
}
