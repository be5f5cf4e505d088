//! Post graphics over the API: an image generated through the fake OpenAI-compatible images
//! API is attached to a draft with its cost recorded; an uploaded PNG is attached and published
//! with the post as a multipart attachment the fake Unipile receives byte for byte; LinkedIn's
//! limits, wrong types, other workspaces' files and posts past approval are refused with the
//! JSON error naming the field.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use reqwest::StatusCode;
use revos_providers::fakes::Fault;
use revos_providers::fakes::openai::{FAKE_IMAGE_PNG, FakeOpenAi};
use revos_providers::fakes::unipile::{FakeUnipile, Running};
use serde_json::{Value, json};

both_backends!(
    a_generated_image_is_attached_with_its_cost_recorded,
    an_uploaded_png_is_published_as_a_multipart_attachment,
    wrong_types_and_limits_answer_4xx_naming_the_field,
    attachments_are_ordered_removed_and_frozen_after_approval,
    the_generate_image_tool_attaches_to_the_named_post,
    cards_are_rendered_offline_and_published_as_attachments,
);

/// A 1×1 PNG (a different picture from the fake model's).
const SMALL_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0,
    0, 0, 144, 119, 83, 222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 218, 99, 248, 207, 192, 0, 0, 3, 1,
    1, 0, 247, 3, 65, 67, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The smallest PDF header the upload check recognises, with a body.
const SMALL_PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The app wired to a fake Unipile (account `acc1`) and, when `model` is set, to a fake
/// OpenAI-compatible model; an owner with a cartridge and a Unipile account.
struct World {
    t: TestApp,
    unipile: Running,
    model: Option<FakeOpenAi>,
    owner: String,
    cartridge: String,
    account: uuid::Uuid,
}

async fn world(db: Db, with_model: bool) -> World {
    let unipile = FakeUnipile::start().await;
    let model = match with_model {
        true => Some(FakeOpenAi::start().await),
        false => None,
    };
    let llm = revos_app::llm::LlmSettings {
        url: model.as_ref().map(|m| m.url().to_owned()),
        max_retries: 2,
        ..Default::default()
    };
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            timeout: std::time::Duration::from_secs(5),
            llm,
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    let (owner, _, _) = t.signup("dana@example.com", "Acme").await;
    let (status, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&owner),
            crate::helpers::cartridge("Dana's voice"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let account = crate::helpers::unipile_account(&t, &owner, (0, 1), 100).await;
    World {
        t,
        unipile,
        model,
        owner,
        cartridge: c["id"].as_str().unwrap().to_owned(),
        account,
    }
}

/// A draft with the world's account; returns its id.
async fn draft(w: &World, body: &str) -> String {
    let (status, p) =
        w.t.post(
            "/api/v1/posts",
            Some(&w.owner),
            json!({"body": body, "cartridge_id": w.cartridge, "linkedin_account_id": w.account}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_str().unwrap().to_owned()
}

/// Uploads `bytes` as `name` through `POST /api/v1/files`.
async fn upload(
    t: &TestApp,
    token: &str,
    purpose: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name(name.to_owned())
        .mime_str(content_type)
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("purpose", purpose.to_owned())
        .part("file", part);
    let resp = t
        .http
        .post(format!("{}/api/v1/files", t.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::helpers::parse(resp).await
}

/// Uploads a post image and returns its file id.
async fn upload_ok(w: &World, name: &str, content_type: &str, bytes: &[u8]) -> String {
    let (status, f) = upload(&w.t, &w.owner, "post_image", name, content_type, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    f["id"].as_str().unwrap().to_owned()
}

async fn attach(w: &World, post: &str, file: &str) -> (StatusCode, Value) {
    w.t.post(
        &format!("/api/v1/posts/{post}/media"),
        Some(&w.owner),
        json!({"file_id": file, "alt_text": "a picture"}),
    )
    .await
}

/// The bytes `GET /api/v1/files/{id}/content` serves.
async fn content(w: &World, token: &str, file: &str) -> (StatusCode, Vec<u8>) {
    let resp =
        w.t.http
            .get(format!("{}/api/v1/files/{file}/content", w.t.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
    (resp.status(), resp.bytes().await.unwrap().to_vec())
}

async fn a_generated_image_is_attached_with_its_cost_recorded(db: Db) {
    let w = world(db, true).await;
    let fake = w.model.as_ref().unwrap();
    let post = draft(&w, "Dawn is when the best ideas land.").await;

    // A rate limit first: the client waits out Retry-After and asks again.
    fake.inject([Fault::RateLimited {
        retry_after_secs: 1,
    }]);
    let (status, m) =
        w.t.post(
            &format!("/api/v1/posts/{post}/media/generate"),
            Some(&w.owner),
            json!({"prompt": "A lighthouse at dawn, flat illustration"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["kind"], "image");
    assert_eq!(m["position"], 0);
    assert_eq!(m["alt_text"], "A lighthouse at dawn, flat illustration");

    // The request was the documented one, sent twice (after the 429).
    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let sent = &requests[1];
    assert_eq!(sent["model"], "gpt-image-1");
    assert_eq!(sent["prompt"], "A lighthouse at dawn, flat illustration");
    assert_eq!(sent["n"], 1);
    assert_eq!(sent["size"], "1024x1024");
    assert!(sent.get("response_format").is_none(), "{sent}");

    // The post has the image, and the file is the model's PNG.
    let (_, p) = w.t.get(&format!("/api/v1/posts/{post}"), &w.owner).await;
    assert_eq!(p["media"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["media"][0]["id"], m["id"]);
    let file = m["file_id"].as_str().unwrap();
    let (status, bytes) = content(&w, &w.owner, file).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, FAKE_IMAGE_PNG);
    let (_, f) = w.t.get(&format!("/api/v1/files/{file}"), &w.owner).await;
    assert_eq!(f["purpose"], "post_image");
    assert_eq!(f["content_type"], "image/png");

    // The call is recorded with its per-image price.
    let (status, usage) = w.t.get("/api/v1/llm/usage", &w.owner).await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    let call = &usage["recent"][0];
    assert_eq!(call["purpose"], "post_image", "{usage}");
    assert_eq!(call["model"], "gpt-image-1");
    let cost = call["cost_usd"].as_f64().unwrap();
    assert!((cost - 0.042).abs() < 1e-9, "{usage}");
    assert!(call["prompt_tokens"].as_i64().unwrap() > 0, "{usage}");

    // A dall-e model answers with a URL: the image is fetched from it.
    let (status, _) =
        w.t.put(
            "/api/v1/secrets/openai_image_model",
            &w.owner,
            json!({"value": "dall-e-3"}),
        )
        .await;
    assert!(status.is_success(), "{status}");
    let (status, m2) =
        w.t.post(
            &format!("/api/v1/posts/{post}/media/generate"),
            Some(&w.owner),
            json!({"prompt": "The same lighthouse at dusk", "size": "1792x1024"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m2}");
    assert_eq!(m2["position"], 1);
    let last = fake.requests().pop().unwrap();
    assert_eq!(last["response_format"], "b64_json", "{last}");

    // A server error after the retries is a 502 JSON error; nothing is attached.
    fake.inject([Fault::ServerError, Fault::ServerError, Fault::ServerError]);
    let (status, body) =
        w.t.post(
            &format!("/api/v1/posts/{post}/media/generate"),
            Some(&w.owner),
            json!({"prompt": "A third one"}),
        )
        .await;
    assert!(status.is_server_error(), "{status} {body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    let (_, media) =
        w.t.get(&format!("/api/v1/posts/{post}/media"), &w.owner)
            .await;
    assert_eq!(media.as_array().unwrap().len(), 2, "{media}");

    // Bad input names its field.
    let (status, body) =
        w.t.post(
            &format!("/api/v1/posts/{post}/media/generate"),
            Some(&w.owner),
            json!({"prompt": " ", "size": "10x10"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["prompt", "size"]);
}

async fn an_uploaded_png_is_published_as_a_multipart_attachment(db: Db) {
    let w = world(db, false).await;
    let post = draft(&w, "Our new office, in one picture.").await;
    let file = upload_ok(&w, "office.png", "image/png", SMALL_PNG).await;
    let (status, m) = attach(&w, &post, &file).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["file_id"], file.as_str());
    assert_eq!(m["kind"], "image");

    for action in ["submit", "approve", "publish"] {
        let (status, p) =
            w.t.post(
                &format!("/api/v1/posts/{post}/{action}"),
                Some(&w.owner),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {p}");
    }
    let (_, p) = w.t.get(&format!("/api/v1/posts/{post}"), &w.owner).await;
    assert_eq!(p["status"], "published", "{p}");
    let created = w.unipile.state.created_posts();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].1, "Our new office, in one picture.");
    let received = w.unipile.state.post_attachments(&created[0].0);
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].file_name.as_deref(), Some("office.png"));
    assert_eq!(received[0].content_type.as_deref(), Some("image/png"));
    assert_eq!(received[0].bytes, SMALL_PNG);

    // A text post still goes out without attachments.
    let text_only = draft(&w, "Just words today.").await;
    for action in ["submit", "approve", "publish"] {
        let (status, p) =
            w.t.post(
                &format!("/api/v1/posts/{text_only}/{action}"),
                Some(&w.owner),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {p}");
    }
    let created = w.unipile.state.created_posts();
    assert_eq!(created.len(), 2);
    assert!(w.unipile.state.post_attachments(&created[1].0).is_empty());
}

async fn wrong_types_and_limits_answer_4xx_naming_the_field(db: Db) {
    let w = world(db, false).await;
    let post = draft(&w, "Limits.").await;

    // A file of another purpose is not a post image.
    let (status, f) = upload(
        &w.t,
        &w.owner,
        "lead_magnet",
        "notes.txt",
        "text/plain",
        b"plain notes",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    let (status, body) = attach(&w, &post, f["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["file_id"]);

    // A post image must be an image or a PDF, and its bytes must say so.
    let (status, body) = upload(
        &w.t,
        &w.owner,
        "post_image",
        "fake.png",
        "image/png",
        b"<script>alert(1)</script>",
    )
    .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert!(body["error"]["code"].is_string(), "{body}");

    // An unknown file, or another workspace's, names file_id; another workspace's post is 404.
    let (status, body) = attach(&w, &post, &uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["file_id"]);
    let (other, _, _) = w.t.signup("eve@example.com", "Evil").await;
    let (status, theirs) =
        upload(&w.t, &other, "post_image", "e.png", "image/png", SMALL_PNG).await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    let (status, body) = attach(&w, &post, theirs["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let mine = upload_ok(&w, "mine.png", "image/png", SMALL_PNG).await;
    let (status, body) =
        w.t.post(
            &format!("/api/v1/posts/{post}/media"),
            Some(&other),
            json!({"file_id": mine}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) =
        w.t.get(&format!("/api/v1/posts/{post}/media"), &other)
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Up to 9 images; the 10th is refused.
    let (status, body) = attach(&w, &post, &mine).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = attach(&w, &post, &mine).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "twice: {body}");
    for i in 1..9 {
        let f = upload_ok(&w, &format!("p{i}.png"), "image/png", SMALL_PNG).await;
        let (status, body) = attach(&w, &post, &f).await;
        assert_eq!(status, StatusCode::CREATED, "image {i}: {body}");
    }
    let tenth = upload_ok(&w, "p10.png", "image/png", SMALL_PNG).await;
    let (status, body) = attach(&w, &post, &tenth).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["file_id"]);
    assert!(
        body["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("9 images"),
        "{body}"
    );

    // One document, never with images.
    let pdf = upload_ok(&w, "deck.pdf", "application/pdf", SMALL_PDF).await;
    let (status, body) = attach(&w, &post, &pdf).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let other_post = draft(&w, "A deck.").await;
    let (status, m) = attach(&w, &other_post, &pdf).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["kind"], "document");
    let second = upload_ok(&w, "deck2.pdf", "application/pdf", SMALL_PDF).await;
    let (status, body) = attach(&w, &other_post, &second).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["file_id"]);
    let (status, body) = attach(&w, &other_post, &tenth).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Offline (no model): generating is refused with a pointer to the offline ways.
    let fresh = draft(&w, "Offline.").await;
    let (status, body) =
        w.t.post(
            &format!("/api/v1/posts/{fresh}/media/generate"),
            Some(&w.owner),
            json!({"prompt": "anything"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("offline"),
        "{body}"
    );

    // Unknown fields and overlong alt text name the field.
    let (status, body) =
        w.t.post(
            &format!("/api/v1/posts/{other_post}/media"),
            Some(&w.owner),
            json!({"file_id": tenth, "alt_text": "x".repeat(1001)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["alt_text"]);
}

async fn attachments_are_ordered_removed_and_frozen_after_approval(db: Db) {
    let w = world(db, false).await;
    let post = draft(&w, "Three pictures.").await;
    let mut ids = Vec::new();
    let mut files = Vec::new();
    for i in 0..3 {
        let f = upload_ok(&w, &format!("n{i}.png"), "image/png", SMALL_PNG).await;
        let (status, m) = attach(&w, &post, &f).await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        assert_eq!(m["position"], i);
        ids.push(m["id"].as_str().unwrap().to_owned());
        files.push(f);
    }

    // Reordered: the list follows the new order.
    let order = json!({"media_ids": [ids[2], ids[0], ids[1]]});
    let (status, list) =
        w.t.put(
            &format!("/api/v1/posts/{post}/media/order"),
            &w.owner,
            order,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let listed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [&ids[2], &ids[0], &ids[1]]);
    let (status, body) =
        w.t.put(
            &format!("/api/v1/posts/{post}/media/order"),
            &w.owner,
            json!({"media_ids": [ids[0], ids[1]]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["media_ids"]);

    // Removed: the attachment and its file are gone.
    let (status, _) =
        w.t.delete(&format!("/api/v1/posts/{post}/media/{}", ids[0]), &w.owner)
            .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) =
        w.t.get(&format!("/api/v1/files/{}", files[0]), &w.owner)
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        w.t.delete(&format!("/api/v1/posts/{post}/media/{}", ids[0]), &w.owner)
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Waiting for approval, attachments still change; once approved, they are frozen.
    let (status, _) =
        w.t.post(
            &format!("/api/v1/posts/{post}/submit"),
            Some(&w.owner),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let extra = upload_ok(&w, "extra.png", "image/png", SMALL_PNG).await;
    let (status, body) = attach(&w, &post, &extra).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) =
        w.t.post(
            &format!("/api/v1/posts/{post}/approve"),
            Some(&w.owner),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let late = upload_ok(&w, "late.png", "image/png", SMALL_PNG).await;
    let (status, body) = attach(&w, &post, &late).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) =
        w.t.delete(&format!("/api/v1/posts/{post}/media/{}", ids[1]), &w.owner)
            .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Published, the attachments go in the post's order.
    let (status, p) =
        w.t.post(
            &format!("/api/v1/posts/{post}/publish"),
            Some(&w.owner),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let created = w.unipile.state.created_posts();
    let received = w.unipile.state.post_attachments(&created[0].0);
    let names: Vec<_> = received
        .iter()
        .map(|a| a.file_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["n2.png", "n1.png", "extra.png"]);
}

async fn the_generate_image_tool_attaches_to_the_named_post(db: Db) {
    use revos_agents::tools::{ToolContext, ToolRegistry};
    let w = world(db, true).await;
    let named = draft(&w, "The post the user names.").await;
    let _newest = draft(&w, "A newer draft.").await;
    let mut ctx = ToolContext {
        principal: w.t.app.authenticate(&w.owner).await.unwrap(),
        cartridge: None,
    };
    let args = json!({"prompt": "A team around a whiteboard", "post": named});
    let r = ToolRegistry::standard()
        .call(&w.t.app, &mut ctx, "generate_image", &args.to_string())
        .await;
    assert!(r.ok, "{}", r.value);
    assert_eq!(r.value["post_id"], named.as_str());
    let (_, media) =
        w.t.get(&format!("/api/v1/posts/{named}/media"), &w.owner)
            .await;
    assert_eq!(media.as_array().unwrap().len(), 1, "{media}");
    assert_eq!(media[0]["file_id"], r.value["file_id"]);
    let sent = w.model.as_ref().unwrap().requests().pop().unwrap();
    assert_eq!(sent["prompt"], "A team around a whiteboard");

    // A post past approval is refused as a tool error naming the problem.
    for action in ["submit", "approve"] {
        let (status, _) =
            w.t.post(
                &format!("/api/v1/posts/{named}/{action}"),
                Some(&w.owner),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let r = ToolRegistry::standard()
        .call(&w.t.app, &mut ctx, "generate_image", &args.to_string())
        .await;
    assert!(!r.ok, "{}", r.value);
    assert_eq!(r.value["error"]["code"], "conflict", "{}", r.value);
}

/// The width and height a PNG's IHDR chunk declares.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

async fn cards_are_rendered_offline_and_published_as_attachments(db: Db) {
    // Offline (no model): cards need none.
    let w = world(db, false).await;
    let body = "Hiring is a design problem.\n\nWrite the job before the ad.\n\nScore every interview the same way.";
    let post = draft(&w, body).await;
    let (status, quote) =
        w.t.post(
            &format!("/api/v1/posts/{post}/media/card"),
            Some(&w.owner),
            json!({"style": "quote", "text": "Hiring is a design problem."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{quote}");
    assert_eq!(quote["kind"], "image");
    let (status, png) = content(&w, &w.owner, quote["file_id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(png_size(&png), (1080, 1080), "a square LinkedIn card");

    // A carousel is a document: not beside images (LinkedIn takes one or the other).
    let (status, refused) =
        w.t.post(
            &format!("/api/v1/posts/{post}/media/card"),
            Some(&w.owner),
            json!({"style": "carousel"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, bad) =
        w.t.post(
            &format!("/api/v1/posts/{post}/media/card"),
            Some(&w.owner),
            json!({"style": "poster"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(error_fields(&bad), vec!["style".to_owned()], "{bad}");

    let deck = draft(&w, body).await;
    let (status, carousel) =
        w.t.post(
            &format!("/api/v1/posts/{deck}/media/card"),
            Some(&w.owner),
            json!({"style": "carousel"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{carousel}");
    assert_eq!(carousel["kind"], "document");
    let (_, pdf) = content(&w, &w.owner, carousel["file_id"].as_str().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deck.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/test installs it)");
    // Lines wrap on the slide: compare with the whitespace folded.
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for line in [
        "Hiring is a design problem.",
        "Score every interview the same way.",
    ] {
        assert!(text.contains(line), "{line:?} not in the carousel: {text}");
    }

    // Both are published as multipart attachments, bytes as rendered.
    for (id, bytes) in [(&post, png), (&deck, pdf)] {
        for action in ["submit", "approve", "publish"] {
            let (status, p) =
                w.t.post(
                    &format!("/api/v1/posts/{id}/{action}"),
                    Some(&w.owner),
                    json!({}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{action}: {p}");
        }
        let created = w.unipile.state.created_posts();
        let sent = created.last().unwrap();
        let received = w.unipile.state.post_attachments(&sent.0);
        assert_eq!(received.len(), 1, "{received:?}");
        assert_eq!(received[0].bytes, bytes);
    }
}
