//! File storage (issue 20, item 1): the same scenario on the local store (the data dir's
//! folder) and on a real S3-compatible server (moto), each on both databases. Uploads are
//! checked by purpose, bytes, name and size (4xx with the JSON error naming the field), each
//! workspace's files live under its own prefix and are invisible to others, the checksum is
//! kept and checked, and a deleted file is gone from the store too.

use crate::helpers::{Db, TestApp, TestConfig, assert_error_shape, error_fields, parse};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use revos_app::files::{FileStorage, StorageSettings};
use revos_test_support::s3::S3Server;
use serde_json::Value;
use sha2::{Digest, Sha256};

crate::both_backends!(
    files_on_the_local_store,
    files_on_an_s3_compatible_store,
    a_file_damaged_in_the_store_is_never_served,
);

/// A small valid-looking PNG (the signature, then bytes).
fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len).map(|i| (i % 251) as u8));
    bytes
}

/// POSTs a multipart upload; (status, body).
async fn upload(
    t: &TestApp,
    token: &str,
    purpose: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let part = Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(content_type)
        .unwrap();
    let form = Form::new()
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
    parse(resp).await
}

/// GETs a file's bytes: (status, content type, disposition, bytes).
async fn download(t: &TestApp, token: &str, id: &str) -> (StatusCode, String, String, Vec<u8>) {
    let resp = t
        .http
        .get(format!("{}/api/v1/files/{id}/content", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (status, ctype, disposition) = (
        resp.status(),
        header("content-type"),
        header("content-disposition"),
    );
    assert!(
        status != StatusCode::OK || header("x-content-type-options") == "nosniff",
        "a served file must not be sniffed"
    );
    (
        status,
        ctype,
        disposition,
        resp.bytes().await.unwrap().to_vec(),
    )
}

/// An upload that must be refused: purpose, name, content type, bytes, status, field.
type Refusal = (
    &'static str,
    &'static str,
    &'static str,
    Vec<u8>,
    StatusCode,
    &'static str,
);

/// The scenario every store must pass; returns (tenant id, id) of a file still stored and
/// (tenant id, id) of one deleted, for the store-specific checks.
async fn scenario(t: &TestApp) -> ((String, String), (String, String)) {
    let (alice, tenant_a, _) = t.signup("alice@a.example", "Alpha").await;
    let (bob, _, _) = t.signup("bob@b.example", "Beta").await;

    // A PNG for a post: stored, described, served back byte for byte.
    let image = png(5000);
    let (status, file) = upload(
        t,
        &alice,
        "post_image",
        "card.png",
        "image/png",
        image.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let id = file["id"].as_str().unwrap().to_owned();
    assert_eq!(file["purpose"], "post_image");
    assert_eq!(file["name"], "card.png");
    assert_eq!(file["content_type"], "image/png");
    assert_eq!(file["size"], image.len());
    let digest: String = Sha256::digest(&image)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(file["sha256"], digest.as_str());
    let (status, got) = t.get(&format!("/api/v1/files/{id}"), &alice).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, file);
    let (status, ctype, disposition, bytes) = download(t, &alice, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "image/png");
    assert_eq!(disposition, "attachment; filename*=UTF-8''card%2Epng");
    assert_eq!(bytes, image);

    // Another workspace learns nothing: every route answers 404 with the JSON error.
    for (status, body) in [
        t.get(&format!("/api/v1/files/{id}"), &bob).await,
        t.delete(&format!("/api/v1/files/{id}"), &bob).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error_shape(&body);
    }
    assert_eq!(download(t, &bob, &id).await.0, StatusCode::NOT_FOUND);

    // Refusals name their field and store nothing.
    let cases: [Refusal; 6] = [
        (
            "post_image",
            "page.html",
            "text/html",
            b"<p>hi</p>".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "content_type",
        ),
        (
            "post_image",
            "fake.png",
            "image/png",
            b"<script>alert(1)</script>".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "file",
        ),
        (
            "lead_magnet",
            "../../etc/passwd.pdf",
            "application/pdf",
            b"%PDF-1.4 x".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "lead_magnet",
            "a\\b.pdf",
            "application/pdf",
            b"%PDF-1.4 x".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "avatar",
            "a.png",
            "image/png",
            png(10),
            StatusCode::UNPROCESSABLE_ENTITY,
            "purpose",
        ),
        // The test server's limit is 1 MiB.
        (
            "post_image",
            "big.png",
            "image/png",
            png(1024 * 1024),
            StatusCode::PAYLOAD_TOO_LARGE,
            "file",
        ),
    ];
    for (purpose, name, ctype, bytes, want, field) in cases {
        let (status, body) = upload(t, &alice, purpose, name, ctype, bytes).await;
        assert_eq!(status, want, "{name}: {body}");
        assert_error_shape(&body);
        assert_eq!(
            error_fields(&body),
            vec![field.to_owned()],
            "{name}: {body}"
        );
    }

    // A PDF lead magnet, then deleted: gone for its owner too.
    let pdf = b"%PDF-1.4\n% a guide\n%%EOF\n".to_vec();
    let (status, doomed) = upload(
        t,
        &alice,
        "lead_magnet",
        "Guide.pdf",
        "application/pdf",
        pdf,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{doomed}");
    let doomed = doomed["id"].as_str().unwrap().to_owned();
    let (status, _) = t.delete(&format!("/api/v1/files/{doomed}"), &alice).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.get(&format!("/api/v1/files/{doomed}"), &alice).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    ((tenant_a.clone(), id), (tenant_a, doomed))
}

/// A server keeping its files in `storage`.
async fn spawn_with(db: Db, storage: FileStorage) -> TestApp {
    let config = TestConfig {
        storage: Some(storage),
        ..Default::default()
    };
    TestApp::spawn_config(db, config).await
}

async fn files_on_the_local_store(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    // The server's limit for these tests: 1 MiB.
    let storage = FileStorage::local(dir.path())
        .unwrap()
        .with_max_upload_mb(1);
    let t = spawn_with(db, storage).await;
    let ((tenant, kept), (_, deleted)) = scenario(&t).await;
    // Each file sits under its workspace's folder, named by its id; nothing else was written
    // (the refused uploads left no bytes behind) and the deleted one is gone.
    let files: Vec<_> = walk(dir.path());
    assert_eq!(
        files,
        vec![format!("{tenant}/{kept}")],
        "the store holds exactly the kept file"
    );
    assert!(!files.iter().any(|f| f.contains(&deleted)));
}

async fn files_on_an_s3_compatible_store(db: Db) {
    let s3 = S3Server::start("revos-files").await;
    let settings = StorageSettings {
        url: Some(format!("s3://{}/instance-a", s3.bucket)),
        endpoint: Some(s3.endpoint.clone()),
        region: Some("eu-west-1".into()),
        access_key_id: Some("test-key".into()),
        secret_access_key: Some("test-secret".to_owned().into()),
        max_upload_mb: 1,
    };
    let unused = tempfile::tempdir().unwrap();
    let storage = FileStorage::open(&settings, unused.path()).unwrap();
    let t = spawn_with(db, storage).await;
    let ((tenant, kept), _) = scenario(&t).await;
    assert_eq!(
        s3.keys().await,
        vec![format!("instance-a/{tenant}/{kept}")],
        "the bucket holds exactly the kept file, under the configured prefix"
    );
    assert!(
        walk(unused.path()).is_empty(),
        "nothing was written to the data dir"
    );
}

async fn a_file_damaged_in_the_store_is_never_served(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, _) = t.signup("alice@a.example", "Alpha").await;
    let (status, file) = upload(&t, &token, "logo", "logo.png", "image/png", png(100)).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let id = file["id"].as_str().unwrap();
    let path = t.files_dir.path().join(&tenant).join(id);
    let mut damaged = std::fs::read(&path).expect("the file is in the test's folder");
    damaged[20] ^= 0xff;
    std::fs::write(&path, damaged).unwrap();
    let (status, _, _, body) = download(&t, &token, id).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !body.starts_with(b"\x89PNG"),
        "the damaged bytes are not served"
    );
}

/// Every file under `dir`, as `/`-joined paths relative to it.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}
