//! The lead tools' pages (issue 21, item 4) over HTTP with a cookie session, as a browser
//! sends them: the CSV import's three steps on a campaign (upload, the mapping as a select
//! per column with the first rows, the result with each bad row's line), tags on the list
//! and a lead's page, the list's bulk action with its confirmation step, and the GDPR
//! buttons for owners and admins only; CSRF, labels, and another workspace's 404s.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use crate::leads_api::campaign;
use crate::ui_html::{assert_labelled, csrf_of};
use crate::ui_pipeline::{Browser, sign_up};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use uuid::Uuid;

both_backends!(import_tag_bulk_and_erase_through_the_pages);

/// An active campaign of the browser's workspace.
async fn active_campaign(t: &TestApp, b: &Browser<'_>) -> Uuid {
    let account = b.account("Ana").await;
    let id = campaign(t, &b.token, &account.to_string(), "Imported").await;
    let (status, body) = t
        .post(
            &format!("/api/v1/campaigns/{id}/activate"),
            Some(&b.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

/// POSTs a multipart form as the browser: (status, body).
async fn post_multipart(
    t: &TestApp,
    b: &Browser<'_>,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<&str>,
) -> (StatusCode, String) {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    if let Some(csv) = file {
        form = form.part(
            "file",
            Part::bytes(csv.as_bytes().to_vec())
                .file_name("people.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    }
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", t.base))
        .header(COOKIE, format!("revos_session={}", b.token))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.text().await.unwrap().replace("&#x2f;", "/"))
}

/// The value of the hidden `csv` field of the mapping step, unescaped.
fn hidden_csv(html: &str) -> String {
    let at = html
        .find(r#"name="csv" value=""#)
        .expect("the file posted again")
        + 18;
    let raw = html[at..].split('"').next().unwrap();
    raw.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn import_tag_bulk_and_erase_through_the_pages(db: Db) {
    let t = TestApp::spawn(db).await;
    let b = sign_up(&t, "ann@pages.io").await;
    let campaign = active_campaign(&t, &b).await;
    let path = format!("/campaigns/{campaign}/import");

    // The campaign page links to the import; its first step is an upload form.
    let page = b.ok(&format!("/campaigns/{campaign}")).await;
    assert!(page.contains(&format!("href=\"{path}\"")), "no import link");
    let upload = b.ok(&path).await;
    let csrf = csrf_of(&upload);
    assert!(upload.contains(r#"type="file""#));

    // A file whose headers guess nothing for the profile URL column ("Where").
    let csv = "Person,Where,Mail,Firm\n\
               Ada Lovelace,https://www.linkedin.com/in/ada-l/,ada@example.com,Engines\n\
               Bad Row,https://example.com/not-linkedin,bad@example.com,Nowhere\n\
               Alan Turing,https://www.linkedin.com/in/alan-t/,alan@example.com,Bletchley\n";
    let (status, _) = post_multipart(&t, &b, &path, &[("_csrf", "wrong")], Some(csv)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "CSRF is checked");
    let (status, mapping) = post_multipart(&t, &b, &path, &[("_csrf", &csrf)], Some(csv)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{mapping}");
    assert_labelled(&mapping, "the mapping step");
    assert!(
        mapping.contains("linkedin url: no column is mapped to it"),
        "{mapping}"
    );
    assert!(
        mapping.contains("<td>Ada Lovelace</td>"),
        "the first rows are shown"
    );
    // The guessed fields are selected in their columns.
    let select = |i: usize| {
        let at = mapping.find(&format!("name=\"column_{i}\"")).unwrap();
        let end = at + mapping[at..].find("</select>").unwrap();
        mapping[at..end].to_owned()
    };
    assert!(
        select(0).contains(r#"value="name" selected"#),
        "{}",
        select(0)
    );
    assert!(select(2).contains(r#"value="email" selected"#));
    assert!(!select(1).contains("selected"));
    let again = hidden_csv(&mapping);
    assert_eq!(again.replace("\r\n", "\n"), csv);

    // Mapping the second column to the profile URL: the dry run, then the import.
    let chosen = [
        ("_csrf", csrf.as_str()),
        ("csv", again.as_str()),
        ("column_0", "name"),
        ("column_1", "linkedin_url"),
        ("column_2", "email"),
        ("column_3", "company"),
    ];
    let mut check = chosen.to_vec();
    check.push(("step", "preview"));
    let (status, dry) = post_multipart(&t, &b, &path, &check, None).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert!(
        dry.contains("<strong>2</strong> would be imported"),
        "{dry}"
    );
    let (_, leads) = t.get("/api/v1/leads", &b.token).await;
    assert_eq!(leads["items"], json!([]), "a dry run imports nothing");
    let mut twice = chosen.to_vec();
    twice.push(("column_3", "name"));
    let (status, clash) = post_multipart(&t, &b, &path, &twice, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{clash}");
    let mut import = chosen.to_vec();
    import.push(("step", "import"));
    let (status, result) = post_multipart(&t, &b, &path, &import, None).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert!(
        result.contains(r#"<dd id="result-imported">2</dd>"#),
        "{result}"
    );
    assert!(result.contains(r#"<dd id="result-invalid">1</dd>"#));
    assert!(
        result.contains("<tr><td>3</td><td>linkedin url</td>"),
        "the bad row's line and field: {result}"
    );
    let (_, leads) = t.get("/api/v1/leads", &b.token).await;
    let ids: Vec<String> = leads["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);

    // Tags on a lead's page, shown and filtered on the list.
    let lead_page = b.ok(&format!("/leads/{}", ids[0])).await;
    let (status, _, _) = b
        .submit(
            &format!("/leads/{}/tags", ids[0]),
            &[("_csrf", "x"), ("tags", "a")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, to, _) = b
        .submit(
            &format!("/leads/{}/tags", ids[0]),
            &[
                ("_csrf", &csrf_of(&lead_page)),
                ("tags", " Warm, VIP ,warm"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, format!("/leads/{}", ids[0]));
    let lead_page = b.ok(&to).await;
    assert!(lead_page.contains(r#"value="vip, warm""#), "{lead_page}");
    let list = b.ok("/leads?tag=warm").await;
    assert!(list.contains(&format!("data-lead-id=\"{}\"", ids[0])));
    assert!(!list.contains(&format!("data-lead-id=\"{}\"", ids[1])));
    assert!(list.contains(r#"href="/leads?tag=vip">vip</a>"#), "{list}");

    // The bulk action: every lead matching the filter, after a confirmation with the count.
    let list = b.ok("/leads?q=example").await;
    assert!(list.contains(r#"action="/leads/bulk?q=example""#), "{list}");
    let fields = [
        ("_csrf", csrf.as_str()),
        ("action", "tag"),
        ("tag", "Imported"),
        ("target_campaign", ""),
    ];
    let (status, _, _) = b
        .submit(
            "/leads/bulk?q=example",
            &[("_csrf", "no"), ("action", "tag")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, confirm) = b.submit("/leads/bulk?q=example", &fields).await;
    assert_eq!(status, StatusCode::OK, "{confirm}");
    assert_labelled(&confirm, "the bulk confirmation");
    assert!(
        confirm.contains(r#"<strong id="bulk-matched">2</strong> leads match"#),
        "{confirm}"
    );
    assert!(confirm.contains("Confirm for 2 leads"), "{confirm}");
    let (_, tagged) = t.get("/api/v1/leads?tag=imported", &b.token).await;
    assert_eq!(
        tagged["items"],
        json!([]),
        "nothing before the confirmation"
    );
    let mut yes = fields.to_vec();
    yes.push(("confirm", "yes"));
    let (status, _, done) = b.submit("/leads/bulk?q=example", &yes).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done.contains("Tagged 2 leads “imported”."), "{done}");
    let (_, tagged) = t.get("/api/v1/leads?tag=imported", &b.token).await;
    assert_eq!(tagged["items"].as_array().unwrap().len(), 2);
    let (status, _, missing) = b
        .submit(
            "/leads/bulk",
            &[("_csrf", &csrf), ("action", "untag"), ("tag", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.contains(r#"id="tag-error""#), "{missing}");

    // The GDPR buttons: an owner's, and not a member's.
    assert!(lead_page.contains(r#"id="gdpr-erase""#));
    let (status, inv) = t
        .post(
            "/api/v1/invitations",
            Some(&b.token),
            json!({"email": "mo@pages.io", "role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    let (status, s) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let member = s["token"].as_str().unwrap();
    let http = reqwest::Client::new();
    let as_member = |p: String| {
        http.get(format!("{}{p}", t.base))
            .header(COOKIE, format!("revos_session={member}"))
            .send()
    };
    let resp = as_member(format!("/leads/{}", ids[0])).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(!resp.text().await.unwrap().contains("gdpr-erase"));
    let resp = as_member(format!("/leads/{}/erase", ids[0])).await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let export = b.page(&format!("/leads/{}/export.json", ids[0])).await;
    assert_eq!(export.0, StatusCode::OK);
    let person: serde_json::Value = serde_json::from_str(&export.1).unwrap();
    assert_eq!(person["lead"]["tags"], json!(["imported", "vip", "warm"]));
    let confirm = b.ok(&format!("/leads/{}/erase", ids[0])).await;
    let (status, to, _) = b
        .submit(
            &format!("/leads/{}/erase", ids[0]),
            &[("_csrf", &csrf_of(&confirm))],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, lead) = t
        .get(&to.replace("/leads/", "/api/v1/leads/"), &b.token)
        .await;
    assert_eq!(lead["name"], "");
    assert_eq!(lead["tags"], json!([]));

    // Another workspace finds none of it.
    let other = sign_up(&t, "eve@other.io").await;
    for p in [
        path.clone(),
        format!("/leads/{}/erase", ids[1]),
        format!("/leads/{}/export.json", ids[1]),
    ] {
        assert_eq!(other.page(&p).await.0, StatusCode::NOT_FOUND, "{p}");
    }
    let (status, _) = post_multipart(
        &t,
        &other,
        &path,
        &[("_csrf", &other.csrf().await)],
        Some(csv),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
