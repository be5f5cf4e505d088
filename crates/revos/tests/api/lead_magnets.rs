//! The lead magnet library over HTTP (issue 20, item 2): links and uploaded files with tags
//! and a cartridge, validation naming fields, another workspace's magnets answering 404
//! everywhere (campaigns included), a search that finds an uploaded PDF by words only its
//! text holds, and a campaign that picks a library magnet sending it in its DM through the
//! fake Unipile.

use crate::both_backends;
use crate::campaign_fakes::{
    Wired, activated_campaign, commented_workspace, unipile_settings, wired,
};
use crate::helpers::{Db, TestApp, cartridge, error_fields};
use reqwest::StatusCode;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_test_support::parse;
use serde_json::{Value, json};

both_backends!(
    magnets_are_created_read_changed_and_deleted_with_fields_named,
    another_workspaces_magnet_is_not_found_anywhere,
    an_uploaded_pdf_is_found_by_its_text,
    a_campaign_sends_its_library_magnet,
);

/// Uploads `bytes` as a lead magnet file named `name`; returns its id.
async fn upload(
    t: &TestApp,
    token: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> String {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(content_type)
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("purpose", "lead_magnet")
        .part("file", part);
    let resp = t
        .http
        .post(format!("{}/api/v1/files", t.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, file) = parse(resp).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    file["id"].as_str().unwrap().to_owned()
}

async fn magnets_are_created_read_changed_and_deleted_with_fields_named(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, _, _) = t.signup("ana@example.com", "Acme").await;
    let (_, cart) = t
        .post("/api/v1/cartridges", Some(&a), cartridge("Ana"))
        .await;
    let (status, m) = t
        .post(
            "/api/v1/lead-magnets",
            Some(&a),
            json!({"title": " Hiring checklist ", "url": "https://acme.io/hiring",
                   "description": "12 questions", "tags": ["hiring", "checklist"],
                   "cartridge_id": cart["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["title"], "Hiring checklist");
    assert_eq!(m["tags"], json!(["hiring", "checklist"]));
    assert_eq!(m["cartridge_id"], cart["id"]);
    assert_eq!(m["file_id"], Value::Null);
    let id = m["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/lead-magnets/{id}");
    let (status, got) = t.get(&path, &a).await;
    assert_eq!(
        (status, &got["url"]),
        (StatusCode::OK, &json!("https://acme.io/hiring"))
    );

    // Bad input names each field.
    let cases = [
        (
            json!({"title": "", "url": "https://acme.io/x"}),
            vec!["title"],
        ),
        (
            json!({"title": "X", "url": "javascript:alert(1)"}),
            vec!["url"],
        ),
        (json!({"title": "X"}), vec!["url"]),
        (
            json!({"title": "X", "url": "https://a.io", "tags": ["ok", ""]}),
            vec!["tags[1]"],
        ),
        (
            json!({"title": "X", "url": "https://a.io", "cartridge_id": uuid::Uuid::now_v7()}),
            vec!["cartridge_id"],
        ),
        (
            json!({"title": "X", "file_id": uuid::Uuid::now_v7()}),
            vec!["file_id"],
        ),
    ];
    for (body, fields) in cases {
        let (status, err) = t.post("/api/v1/lead-magnets", Some(&a), body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert_eq!(error_fields(&err), fields, "{body}");
    }
    let (status, err) = t.patch(&path, &a, json!({"url": "ftp://x"})).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["url".to_owned()])
    );

    // A change keeps what it does not name; the magnet becomes a file and back to a link,
    // and the file it no longer holds is deleted.
    let (status, changed) = t
        .patch(
            &path,
            &a,
            json!({"description": "15 questions", "cartridge_id": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["title"], "Hiring checklist");
    assert_eq!(changed["description"], "15 questions");
    assert_eq!(changed["cartridge_id"], Value::Null);
    let file = upload(
        &t,
        &a,
        "list.txt",
        "text/plain",
        b"interview scorecard".to_vec(),
    )
    .await;
    let (status, as_file) = t.patch(&path, &a, json!({"file_id": file})).await;
    assert_eq!(status, StatusCode::OK, "{as_file}");
    assert_eq!(
        (&as_file["url"], &as_file["file_id"]),
        (&Value::Null, &json!(file))
    );
    let (status, back) = t
        .patch(&path, &a, json!({"url": "https://acme.io/h2"}))
        .await;
    assert_eq!(
        (status, &back["file_id"]),
        (StatusCode::OK, &Value::Null),
        "{back}"
    );
    let (status, _) = t.get(&format!("/api/v1/files/{file}"), &a).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the replaced file is deleted"
    );

    // Listed, then deleted with its file.
    let file = upload(&t, &a, "guide.txt", "text/plain", b"a guide".to_vec()).await;
    let (_, filed) = t
        .post(
            "/api/v1/lead-magnets",
            Some(&a),
            json!({"title": "Guide", "file_id": file}),
        )
        .await;
    let (status, list) = t.get("/api/v1/lead-magnets", &a).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let filed_path = format!("/api/v1/lead-magnets/{}", filed["id"].as_str().unwrap());
    let (status, _) = t.delete(&filed_path, &a).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.get(&filed_path, &a).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get(&format!("/api/v1/files/{file}"), &a).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the magnet's file goes with it"
    );
}

async fn another_workspaces_magnet_is_not_found_anywhere(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, _, _) = t.signup("ana@example.com", "Acme").await;
    let (b, _, _) = t.signup("bob@example.com", "Beta").await;
    let (_, m) = t
        .post(
            "/api/v1/lead-magnets",
            Some(&a),
            json!({"title": "Ana's", "url": "https://acme.io/a"}),
        )
        .await;
    let path = format!("/api/v1/lead-magnets/{}", m["id"].as_str().unwrap());
    assert_eq!(t.get(&path, &b).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        t.patch(&path, &b, json!({"title": "Mine"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.delete(&path, &b).await.0, StatusCode::NOT_FOUND);
    let (_, list) = t.get("/api/v1/lead-magnets?q=Ana", &b).await;
    assert_eq!(list["items"], json!([]), "{list}");
    let (_, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&b),
            json!({"provider": "sandbox", "display_name": "Bob"}),
        )
        .await;
    let (status, err) = t
        .post(
            "/api/v1/campaigns",
            Some(&b),
            json!({"name": "Steal", "linkedin_account_id": acct["id"], "lead_magnet_id": m["id"],
                   "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("lead_magnet_id"),
        "{err}"
    );
    // Still Ana's, unchanged.
    let (status, still) = t.get(&path, &a).await;
    assert_eq!((status, &still["title"]), (StatusCode::OK, &json!("Ana's")));
}

async fn an_uploaded_pdf_is_found_by_its_text(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, _, _) = t.signup("ana@example.com", "Acme").await;
    let pdf = revos_test_support::pdf::one_page_pdf(
        "Photosynthesis turns sunlight into sugar inside the chloroplast with chlorophyll",
    );
    let file = upload(&t, &a, "guide.pdf", "application/pdf", pdf).await;
    let (status, m) = t
        .post(
            "/api/v1/lead-magnets",
            Some(&a),
            json!({"title": "Garden guide", "file_id": file, "tags": ["plants"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    for (title, url) in [
        ("Hiring checklist", "https://acme.io/hiring"),
        ("Pricing page teardown", "https://acme.io/pricing"),
        ("Cold email templates", "https://acme.io/cold"),
    ] {
        t.post(
            "/api/v1/lead-magnets",
            Some(&a),
            json!({"title": title, "url": url}),
        )
        .await;
    }
    // The title says nothing of this: only the PDF's text does.
    let (status, found) = t
        .get(
            "/api/v1/lead-magnets?q=how%20does%20chlorophyll%20photosynthesis%20work",
            &a,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["items"][0]["id"], m["id"], "{found}");
    assert!(found["items"][0]["score"].as_f64().unwrap() > 0.0);
    let (_, by_title) = t.get("/api/v1/lead-magnets?q=pricing", &a).await;
    assert_eq!(
        by_title["items"][0]["title"], "Pricing page teardown",
        "{by_title}"
    );
}

async fn a_campaign_sends_its_library_magnet(db: Db) {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(db, unipile_settings(&unipile)).await;
    let post = "7400000000000000311";
    let (token, tenant, account) = commented_workspace(
        &t,
        &unipile,
        post,
        ("ACo1", "Ana Lopez"),
        "dana@example.com",
        "Acme",
    )
    .await;
    let (_, m) = t
        .post(
            "/api/v1/lead-magnets",
            Some(&token),
            json!({"title": "The Hiring Kit", "url": "https://acme.io/kit"}),
        )
        .await;
    let body = json!({
        "name": "Launch", "linkedin_account_id": account, "lead_magnet_id": m["id"],
        "trigger_words": ["GUIDE"], "watched_posts": [post],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    let (campaign, created) = activated_campaign(&t, &token, body).await;
    assert_eq!(created["lead_magnet_id"], m["id"]);
    assert_eq!(
        created["lead_magnet"]["title"], "The Hiring Kit",
        "{created}"
    );

    // The library's current title is what goes out, and the magnet cannot be deleted while
    // the campaign sends it.
    let path = format!("/api/v1/lead-magnets/{}", m["id"].as_str().unwrap());
    let (status, _) = t
        .patch(&path, &token, json!({"title": "The Hiring Kit 2026"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t.delete(&path, &token).await.0, StatusCode::CONFLICT);

    let Wired {
        app,
        runner,
        client,
    } = wired(&t, &unipile, None);
    app.monitor_campaign(tenant, campaign, &client)
        .await
        .unwrap();
    runner
        .run_simulated_until(&t.clock, t.app.now() + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        unipile.state.sent_to("ACo1"),
        ["Hi Ana! Here is The Hiring Kit 2026: https://acme.io/kit"]
    );

    // A campaign with an inline magnet files it into the library, once.
    let inline = json!({
        "name": "Inline", "linkedin_account_id": account,
        "lead_magnet": {"title": "Playbook", "url": "https://acme.io/p"},
        "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}"
    });
    let (_, c1) = t
        .post("/api/v1/campaigns", Some(&token), inline.clone())
        .await;
    let (_, c2) = t.post("/api/v1/campaigns", Some(&token), inline).await;
    assert!(c1["lead_magnet_id"].is_string(), "{c1}");
    assert_eq!(c1["lead_magnet_id"], c2["lead_magnet_id"]);
    let (_, filed) = t
        .get(
            &format!(
                "/api/v1/lead-magnets/{}",
                c1["lead_magnet_id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(
        (&filed["title"], &filed["url"]),
        (&json!("Playbook"), &json!("https://acme.io/p"))
    );

    // A file magnet needs a public link: without REVOS_PUBLIC_URL activation names the field.
    let file = upload(&t, &token, "kit.txt", "text/plain", b"the kit".to_vec()).await;
    let (_, fm) = t
        .post(
            "/api/v1/lead-magnets",
            Some(&token),
            json!({"title": "Kit file", "file_id": file}),
        )
        .await;
    let (_, draft) = t
        .post(
            "/api/v1/campaigns",
            Some(&token),
            json!({"name": "File", "linkedin_account_id": account, "lead_magnet_id": fm["id"],
                   "watched_posts": [post], "dm_template": "Hi: {{ lead_magnet_url }}"}),
        )
        .await;
    let (status, err) = t
        .post(
            &format!(
                "/api/v1/campaigns/{}/activate",
                draft["id"].as_str().unwrap()
            ),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["lead_magnet_id".to_owned()]
        )
    );
}
