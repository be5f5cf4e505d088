//! Generated guides: written from a cartridge and a topic (offline, or by the scripted fake
//! model), edited as a draft, approved, rendered to a PDF whose text (read with `pdftotext`)
//! holds the approved Markdown's headings, the cartridge's name and brand; re-rendered.

use crate::both_backends;
use crate::helpers::{Db, TestApp, cartridge, error_fields, pdf_text};
use reqwest::StatusCode;
use revos_providers::fakes::openai::FakeOpenAi;
use serde_json::{Value, json};
use std::io::Write;
use std::process::Command;

both_backends!(
    an_offline_guide_is_edited_approved_and_rendered_to_a_pdf_with_its_headings,
    the_model_writes_a_guide_in_the_cartridge_voice,
    the_brand_is_checked_and_its_logo_drawn_on_the_cover
);

/// The images `pdfimages -list` finds in `pdf`.
fn pdf_images(pdf: &[u8]) -> usize {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let out = Command::new("pdfimages")
        .arg("-list")
        .arg(file.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    // Two header lines, then one line per image.
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .count()
        .saturating_sub(2)
}

/// Downloads file `id` through the files API.
async fn download(t: &TestApp, token: &str, id: &str) -> (String, Vec<u8>) {
    let resp = t
        .http
        .get(format!("{}/api/v1/files/{id}/content", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    (content_type, resp.bytes().await.unwrap().to_vec())
}

/// The ids of the library magnets a search for `q` (URL-encoded) finds.
async fn library_hits(t: &TestApp, token: &str, q: &str) -> Vec<String> {
    let (status, found) = t.get(&format!("/api/v1/lead-magnets?q={q}"), token).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn new_cartridge(t: &TestApp, token: &str, body: Value) -> String {
    let (status, c) = t.post("/api/v1/cartridges", Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_owned()
}

async fn an_offline_guide_is_edited_approved_and_rendered_to_a_pdf_with_its_headings(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let cartridge_id = new_cartridge(&t, &token, cartridge("Dana Coaching")).await;

    let (status, bad) = t
        .post(
            "/api/v1/guides",
            Some(&token),
            json!({"cartridge_id": cartridge_id, "topic": "  ", "kind": "checklist"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad), ["topic"]);

    let (status, g) = t
        .post(
            "/api/v1/guides",
            Some(&token),
            json!({"cartridge_id": cartridge_id, "topic": "first 1:1s", "kind": "checklist"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    assert_eq!(g["mode"], "offline");
    assert_eq!(g["status"], "draft");
    assert_eq!(g["title"], "The first 1:1s checklist");
    let markdown = g["markdown"].as_str().unwrap();
    assert!(
        markdown.contains("## Checklist") && markdown.contains("burnout"),
        "{markdown}"
    );
    assert!(g["file_id"].is_null());
    let id = g["id"].as_str().unwrap().to_owned();

    // Edit while a draft.
    let edited = "# Your first 1:1s\n\n## Before the meeting\n\n- Read their last **three** updates\n\n## During the meeting\n\n1. Ask, then listen\n2. Agree one next step\n";
    let (status, g) = t
        .patch(
            &format!("/api/v1/guides/{id}"),
            &token,
            json!({"markdown": edited, "title": "Your first 1:1s"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{g}");
    assert_eq!(g["markdown"], edited);

    // Another workspace sees nothing.
    let (other, _, _) = t.signup("eve@example.com", "Evil").await;
    assert_eq!(
        t.get(&format!("/api/v1/guides/{id}"), &other).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post(
            &format!("/api/v1/guides/{id}/approve"),
            Some(&other),
            json!({})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = t
        .post(
            "/api/v1/guides",
            Some(&other),
            json!({"cartridge_id": cartridge_id, "topic": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A draft is not rendered before approval.
    assert_eq!(
        t.post(
            &format!("/api/v1/guides/{id}/render"),
            Some(&token),
            json!({})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );

    let (status, g) = t
        .post(
            &format!("/api/v1/guides/{id}/approve"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{g}");
    assert_eq!(g["status"], "rendered");
    let file_id = g["file_id"].as_str().unwrap().to_owned();
    let (content_type, pdf) = download(&t, &token, &file_id).await;
    assert_eq!(content_type, "application/pdf");
    let text = pdf_text(&pdf);
    for heading in [
        "Your first 1:1s",
        "Before the meeting",
        "During the meeting",
        "Dana Coaching",
        "Agree one next step",
    ] {
        assert!(text.contains(heading), "{heading:?} missing from {text}");
    }
    let (_, file) = t.get(&format!("/api/v1/files/{file_id}"), &token).await;
    assert_eq!(file["purpose"], "generated_guide");

    // Approved guides are no longer edited, nor approved twice.
    let (status, _) = t
        .patch(
            &format!("/api/v1/guides/{id}"),
            &token,
            json!({"markdown": "# x"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        t.post(
            &format!("/api/v1/guides/{id}/approve"),
            Some(&token),
            json!({})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );

    // The guide joined the library; its PDF's text (the cover's cartridge name) finds it.
    let (_, library) = t.get("/api/v1/lead-magnets", &token).await;
    let magnet = library["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(library["items"][0]["file_id"], file_id.as_str());
    assert_eq!(
        library_hits(&t, &token, "Dana%20Coaching").await,
        std::slice::from_ref(&magnet)
    );
    assert!(library_hits(&t, &token, "Zephyrine").await.is_empty());

    // Re-rendering after a brand and name change replaces the file, and the library magnet's
    // search pieces with the new PDF's text.
    let (status, _) = t
        .patch(
            &format!("/api/v1/cartridges/{cartridge_id}"),
            &token,
            json!({"name": "Zephyrine Mentoring", "brand": {"primary_color": "#0F766E"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, again) = t
        .post(
            &format!("/api/v1/guides/{id}/render"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let new_file = again["file_id"].as_str().unwrap();
    assert_ne!(new_file, file_id);
    assert_eq!(
        t.get(&format!("/api/v1/files/{file_id}"), &token).await.0,
        StatusCode::NOT_FOUND
    );
    let new_text = pdf_text(&download(&t, &token, new_file).await.1);
    assert!(new_text.contains("During the meeting") && new_text.contains("Zephyrine"));
    let (_, library) = t.get("/api/v1/lead-magnets", &token).await;
    assert_eq!(library["items"][0]["file_id"], new_file);
    assert_eq!(
        library_hits(&t, &token, "Zephyrine").await,
        std::slice::from_ref(&magnet)
    );
    assert!(library_hits(&t, &token, "Dana%20Coaching").await.is_empty());

    let (status, list) = t.get("/api/v1/guides", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert!(
        t.get("/api/v1/guides", &other).await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn the_model_writes_a_guide_in_the_cartridge_voice(db: Db) {
    let model = FakeOpenAi::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            llm: revos_app::llm::LlmSettings {
                url: Some(model.url().to_owned()),
                api_key: Some("sk-test".to_owned().into()),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let cartridge_id = new_cartridge(&t, &token, cartridge("Dana Coaching")).await;
    model.push_text("# Coaching new managers\n\n## Week one\n\nListen more than you talk.\n\n## Week two\n\n- Set goals together\n");
    let (status, g) = t
        .post(
            "/api/v1/guides",
            Some(&token),
            json!({"cartridge_id": cartridge_id, "topic": "new managers"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    assert_eq!(g["mode"], "online");
    assert_eq!(g["kind"], "guide");
    assert_eq!(g["title"], "Coaching new managers");
    let requests: Vec<Value> = model
        .requests()
        .into_iter()
        .filter(|r| r.get("messages").is_some())
        .collect();
    assert_eq!(requests.len(), 1, "one chat call");
    let system = requests[0]["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("Executive Coach") && system.contains("Markdown"),
        "{system}"
    );
    assert_eq!(requests[0]["messages"][1]["content"], "new managers");
    // The call is recorded with its tokens, like every model call.
    let (_, usage) = t.get("/api/v1/llm/usage", &token).await;
    assert!(usage["calls"].as_i64().unwrap() >= 1, "{usage}");
    assert!(usage["completion_tokens"].as_i64().unwrap() > 0, "{usage}");

    let id = g["id"].as_str().unwrap();
    let (status, g) = t
        .post(
            &format!("/api/v1/guides/{id}/approve"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{g}");
    let text = pdf_text(&download(&t, &token, g["file_id"].as_str().unwrap()).await.1);
    for heading in ["Coaching new managers", "Week one", "Week two"] {
        assert!(text.contains(heading), "{heading:?} missing from {text}");
    }
}

async fn upload(
    t: &TestApp,
    token: &str,
    purpose: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> String {
    let form = reqwest::multipart::Form::new()
        .text("purpose", purpose.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(content_type)
                .unwrap(),
        );
    let resp = t
        .http
        .post(format!("{}/api/v1/files", t.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn the_brand_is_checked_and_its_logo_drawn_on_the_cover(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let mut body = cartridge("Dana Coaching");
    body["brand"] = json!({"primary_color": "blue", "accent_color": "#12345G"});
    let (status, bad) = t
        .post("/api/v1/cartridges", Some(&token), body.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&bad),
        ["brand.primary_color", "brand.accent_color"]
    );

    // A logo must be a logo file of this workspace.
    let png =
        revos_render::quote_card_png("Logo", &revos_render::Brand::default(), "Dana").unwrap();
    let text_file = upload(
        &t,
        &token,
        "knowledge",
        "notes.txt",
        "text/plain",
        b"plain notes".to_vec(),
    )
    .await;
    body["brand"] =
        json!({"primary_color": "#0F766E", "accent_color": "#F59E0B", "logo_file_id": text_file});
    let (status, bad) = t
        .post("/api/v1/cartridges", Some(&token), body.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(error_fields(&bad), ["brand.logo_file_id"]);

    let logo = upload(&t, &token, "logo", "logo.png", "image/png", png).await;
    body["brand"]["logo_file_id"] = json!(logo);
    let (status, c) = t.post("/api/v1/cartridges", Some(&token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(
        c["brand"],
        json!({"primary_color": "#0F766E", "accent_color": "#F59E0B", "logo_file_id": logo})
    );
    let cartridge_id = c["id"].as_str().unwrap();

    // The YAML export carries the brand and imports back unchanged.
    let yaml = t
        .http
        .get(format!(
            "{}/api/v1/cartridges/{cartridge_id}/export",
            t.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(yaml.contains("primary_color"), "{yaml}");
    let imported: Value = t
        .http
        .post(format!("{}/api/v1/cartridges/import", t.base))
        .bearer_auth(&token)
        .header("content-type", "text/yaml")
        .body(yaml)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(imported["brand"], c["brand"], "{imported}");

    let (status, g) = t
        .post(
            "/api/v1/guides",
            Some(&token),
            json!({"cartridge_id": cartridge_id, "topic": "delegation"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    let id = g["id"].as_str().unwrap();
    let (_, g) = t
        .post(
            &format!("/api/v1/guides/{id}/approve"),
            Some(&token),
            json!({}),
        )
        .await;
    let branded_pdf = g["file_id"].as_str().unwrap().to_owned();
    let pdf = download(&t, &token, &branded_pdf).await.1;
    assert_eq!(pdf_images(&pdf), 1, "the logo is on the cover");

    // Without a logo there is no image.
    let plain = new_cartridge(&t, &token, cartridge("Plain")).await;
    let (_, g) = t
        .post(
            "/api/v1/guides",
            Some(&token),
            json!({"cartridge_id": plain, "topic": "delegation"}),
        )
        .await;
    let id = g["id"].as_str().unwrap();
    let (_, g) = t
        .post(
            &format!("/api/v1/guides/{id}/approve"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(
        pdf_images(&download(&t, &token, g["file_id"].as_str().unwrap()).await.1),
        0
    );

    // Deleting the cartridge deletes its logo file once no copy uses it.
    let copy = imported["id"].as_str().unwrap();
    assert_eq!(
        t.delete(&format!("/api/v1/cartridges/{copy}"), &token)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.get(&format!("/api/v1/files/{logo}"), &token).await.0,
        StatusCode::OK
    );
    assert_eq!(
        t.delete(&format!("/api/v1/cartridges/{cartridge_id}"), &token)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.get(&format!("/api/v1/files/{logo}"), &token).await.0,
        StatusCode::NOT_FOUND
    );
    // Its guides went with it, with their PDFs; the other cartridge's guide stays.
    assert_eq!(
        t.get(&format!("/api/v1/guides/{id}"), &token).await.0,
        StatusCode::OK
    );
    assert_eq!(
        t.get(&format!("/api/v1/files/{branded_pdf}"), &token)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}
