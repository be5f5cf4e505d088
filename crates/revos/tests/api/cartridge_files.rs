//! Cartridge files: YAML and JSON import and export through the API and the `revos cartridge`
//! commands, field-level errors, who-changed-what history, and tenant isolation.

use crate::both_backends;
use crate::helpers::{Db, TestApp, assert_error_shape, cartridge, error_fields, parse};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::{Command, Output};

both_backends!(
    import_export_round_trip_and_history,
    import_errors_name_fields_and_lines,
    cli_import_and_export,
    other_tenants_cartridges_are_not_found
);

const YAML: &str = "\
name: Dana Coaching
persona:
  role: Executive Coach
  expertise: [leadership, hiring]
  target_audience: first-time managers
writing_style:
  tone: casual
  vocabulary_level: 5
  sentence_structure: short
  storytelling_approach: client anecdotes
industry_knowledge:
  niche: tech leadership
  key_topics: [1:1s, feedback]
  common_pain_points: [burnout]
  solution_frameworks: [GROW]
tools_enabled: [apollo]
examples:
  - post: \"Managers: stop fixing, start asking. 🚀\"
    dm: \"Hi {first_name}, loved your post on feedback.\"
";

/// Sends `body` as-is with `content_type`.
async fn send_raw(
    t: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, Value) {
    let resp = t
        .http
        .post(format!("{}{path}", t.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    parse(resp).await
}

/// The export's status, content type, content disposition and text.
async fn export(
    t: &TestApp,
    id: &str,
    query: &str,
    token: &str,
) -> (StatusCode, String, String, String) {
    let resp = t
        .http
        .get(format!("{}/api/v1/cartridges/{id}/export{query}", t.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (resp.status(), ct, cd, resp.text().await.unwrap())
}

/// The editable fields of a cartridge as the API shows it.
fn spec_of(c: &Value) -> Value {
    let mut v = c.clone();
    for k in [
        "id",
        "version",
        "effective_system_prompt",
        "system_prompt_source",
        "undeclared_tools",
        "created_by",
        "created_at",
        "updated_at",
    ] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

async fn import_export_round_trip_and_history(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, user) = t.signup("ana@example.com", "Acme").await;
    let (status, c) = send_raw(
        &t,
        "/api/v1/cartridges/import",
        &token,
        "application/yaml",
        YAML,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["persona"]["expertise"], json!(["leadership", "hiring"]));
    assert_eq!(
        c["examples"][0]["post"],
        "Managers: stop fixing, start asking. 🚀"
    );
    assert_eq!(c["system_prompt_source"], "generated");

    // The file's examples entered the memory as imports.
    let (_, ex) = t
        .get(&format!("/api/v1/cartridges/{id}/examples"), &token)
        .await;
    let sources: Vec<_> = ex["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("post".into(), "import".into()),
            ("dm".into(), "import".into())
        ]
    );

    // YAML export (the default) is a named file, and importing it gives the same cartridge.
    let (status, ct, cd, yaml) = export(&t, &id, "", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/yaml"), "{ct}");
    assert_eq!(cd, "attachment; filename=\"dana-coaching.yaml\"");
    let (status, again) =
        send_raw(&t, "/api/v1/cartridges/import", &token, "text/yaml", &yaml).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_ne!(again["id"], c["id"]);
    assert_eq!(spec_of(&again), spec_of(&c));

    // JSON export round trips too, sniffed without a helpful content type.
    let (status, ct, cd, text) = export(&t, &id, "?format=json", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        ct.starts_with("application/json") && cd.ends_with(".json\""),
        "{ct} {cd}"
    );
    let (status, from_json) =
        send_raw(&t, "/api/v1/cartridges/import", &token, "text/plain", &text).await;
    assert_eq!(status, StatusCode::CREATED, "{from_json}");
    assert_eq!(spec_of(&from_json), spec_of(&c));
    let (status, body) = t
        .get(
            &format!("/api/v1/cartridges/{id}/export?format=xml"),
            &token,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&body), ["format"]);

    // Replacing from an edited file: a new version that says what changed and who changed it.
    let edited = yaml
        .replace("tone: casual", "tone: professional")
        .replace("- GROW", "- GROW\n  - SBI");
    assert_ne!(edited, yaml);
    let (status, replaced) = send_raw(
        &t,
        &format!("/api/v1/cartridges/import?replace={id}"),
        &token,
        "application/yaml",
        &edited,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["id"], c["id"]);
    assert_eq!(replaced["version"], 2);
    let (status, over) = t
        .patch(
            &format!("/api/v1/cartridges/{id}"),
            &token,
            json!({"system_prompt": "You are Dana."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{over}");
    assert_eq!(over["system_prompt_source"], "override");
    assert_eq!(over["effective_system_prompt"], "You are Dana.");

    let (_, versions) = t
        .get(&format!("/api/v1/cartridges/{id}/versions?limit=2"), &token)
        .await;
    let items = versions["items"].as_array().unwrap();
    assert_eq!(items[0]["version"], 3);
    assert_eq!(items[0]["changed_fields"], json!(["system_prompt"]));
    assert_eq!(items[1]["version"], 2);
    assert_eq!(
        items[1]["changed_fields"],
        json!([
            "industry_knowledge.solution_frameworks",
            "writing_style.tone"
        ])
    );
    assert_eq!(items[1]["changed_by"], user.as_str());
    // Version 1 is compared with nothing: every field it set.
    let (_, first) = t
        .get(
            &format!("/api/v1/cartridges/{id}/versions?before=2"),
            &token,
        )
        .await;
    let fields = first["items"][0]["changed_fields"].as_array().unwrap();
    assert!(
        fields.contains(&json!("name")) && fields.contains(&json!("examples")),
        "{first}"
    );
}

async fn import_errors_name_fields_and_lines(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let post = |ct: &'static str, body: String| {
        let t = &t;
        let token = token.clone();
        async move { send_raw(t, "/api/v1/cartridges/import", &token, ct, &body).await }
    };
    // A wrong type names its field.
    let (status, err) = post(
        "application/yaml",
        YAML.replace("tone: casual", "tone: angry"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(error_fields(&err), ["writing_style.tone"]);
    let (status, err) = post(
        "application/yaml",
        YAML.replace("vocabulary_level: 5", "vocabulary_level: lots"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), ["writing_style.vocabulary_level"]);
    let (_, err) = post(
        "application/yaml",
        YAML.replace("  role: Executive Coach\n", ""),
    )
    .await;
    assert_eq!(error_fields(&err), ["persona.role"]);
    // A broken rule names its field too.
    let (_, err) = post(
        "application/yaml",
        YAML.replace("vocabulary_level: 5", "vocabulary_level: 11"),
    )
    .await;
    assert_eq!(error_fields(&err), ["writing_style.vocabulary_level"]);
    // A syntax error names the line.
    let (status, err) = post(
        "application/yaml",
        YAML.replace("  tone: casual", "  tone: [casual"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(error_fields(&err), ["body"]);
    let message = err["error"]["details"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("YAML syntax error at line "),
        "{message}"
    );
    let (_, err) = post(
        "application/json",
        "{\n  \"name\": \"x\",\n  oops\n}".into(),
    )
    .await;
    let message = err["error"]["details"][0]["message"].as_str().unwrap();
    assert!(message.contains("line 3"), "{message}");
    let (_, err) = post(
        "application/json",
        serde_json::to_string(&{
            let mut c = cartridge("X");
            c["writing_style"]["tone"] = json!(3);
            c
        })
        .unwrap(),
    )
    .await;
    assert_eq!(error_fields(&err), ["writing_style.tone"]);
    // Nothing was created; a malformed replace id is refused.
    let (_, list) = t.get("/api/v1/cartridges", &token).await;
    assert_eq!(list["items"], json!([]));
    let (status, err) = send_raw(
        &t,
        "/api/v1/cartridges/import?replace=nope",
        &token,
        "application/yaml",
        YAML,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&err), ["replace"]);
}

fn revos(t: &TestApp, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_revos"));
    for (k, _) in std::env::vars() {
        if k.starts_with("REVOS_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(t.db.dir.path())
        .env("REVOS_DATABASE_URL", &t.db.url)
        .env("REVOS_MASTER_KEY", &t.master_key)
        .env("REVOS_LOG", "warn")
        .args(args)
        .output()
        .expect("run revos")
}

fn stderr_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    err
}

async fn cli_import_and_export(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, user) = t.signup("ana@example.com", "Acme Corp").await;
    t.signup("bo@example.com", "Other").await;
    let dir = t.db.dir.path();
    std::fs::write(dir.join("dana.yaml"), YAML).unwrap();

    let help = revos(&t, &["cartridge", "import", "--help"]);
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--replace") && help.contains("--workspace"),
        "{help}"
    );
    assert!(
        revos(&t, &["cartridge", "export", "--help"])
            .status
            .success()
    );

    // Two workspaces: the command must be told which.
    let out = revos(&t, &["cartridge", "import", "dana.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("--workspace"));

    let out = revos(
        &t,
        &[
            "cartridge",
            "import",
            "dana.yaml",
            "--workspace",
            "acme-corp",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["created_by"], user.as_str());
    // The API sees it in the workspace, created by its owner.
    let (status, got) = t.get(&format!("/api/v1/cartridges/{id}"), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(spec_of(&got), spec_of(&c));

    // Export to stdout as JSON, and to a file as YAML; both import back the same.
    let out = revos(
        &t,
        &[
            "cartridge",
            "export",
            &id,
            "--workspace",
            "Acme Corp",
            "--format",
            "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported, spec_of(&c));
    let out = revos(
        &t,
        &[
            "cartridge",
            "export",
            &id,
            "--workspace",
            "acme-corp",
            "--output",
            "out.yaml",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = std::fs::read_to_string(dir.join("out.yaml")).unwrap();
    std::fs::write(
        dir.join("edited.yml"),
        yaml.replace("tone: casual", "tone: authoritative"),
    )
    .unwrap();
    let out = revos(
        &t,
        &[
            "cartridge",
            "import",
            "edited.yml",
            "--workspace",
            "acme-corp",
            "--replace",
            &id,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("version 2"));
    let (_, versions) = t
        .get(&format!("/api/v1/cartridges/{id}/versions"), &token)
        .await;
    assert_eq!(
        versions["items"][0]["changed_fields"],
        json!(["writing_style.tone"])
    );
    assert_eq!(versions["items"][0]["changed_by"], user.as_str());

    // Bad input: exit 2 with one line naming the problem.
    std::fs::write(
        dir.join("bad.yaml"),
        YAML.replace("tone: casual", "tone: angry"),
    )
    .unwrap();
    let out = revos(
        &t,
        &[
            "cartridge",
            "import",
            "bad.yaml",
            "--workspace",
            "acme-corp",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("writing_style.tone"));
    std::fs::write(dir.join("broken.yaml"), "name: [x\n").unwrap();
    let out = revos(
        &t,
        &[
            "cartridge",
            "import",
            "broken.yaml",
            "--workspace",
            "acme-corp",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("line "));
    for args in [
        vec![
            "cartridge",
            "import",
            "missing.yaml",
            "--workspace",
            "acme-corp",
        ],
        vec!["cartridge", "import", "dana.yaml", "--workspace", "nobody"],
        vec![
            "cartridge",
            "export",
            "not-a-uuid",
            "--workspace",
            "acme-corp",
        ],
        vec!["cartridge", "export", &id, "--workspace", "other"],
        vec![
            "cartridge",
            "export",
            &id,
            "--workspace",
            "acme-corp",
            "--format",
            "xml",
        ],
    ] {
        let out = revos(&t, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        stderr_line(&out);
    }
}

async fn other_tenants_cartridges_are_not_found(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let (other, _, _) = t.signup("bo@example.com", "Other").await;
    let (_, c) = t
        .post("/api/v1/cartridges", Some(&token), cartridge("Dana"))
        .await;
    let id = c["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/cartridges/{id}/export"),
        format!("/api/v1/cartridges/{id}/examples"),
        format!("/api/v1/cartridges/{id}/examples/relevant?q=hello"),
        format!("/api/v1/cartridges/{id}/style"),
        format!("/api/v1/cartridges/{id}/versions"),
    ] {
        let resp = t
            .http
            .get(format!("{}{path}", t.base))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert_error_shape(&resp.json::<Value>().await.unwrap());
    }
    let (status, _) = t
        .post(
            &format!("/api/v1/cartridges/{id}/examples"),
            Some(&other),
            json!({"kind": "post", "text": "mine now"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t
        .post(
            &format!("/api/v1/cartridges/{id}/drafts"),
            Some(&other),
            json!({"kind": "post", "topic": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send_raw(
        &t,
        &format!("/api/v1/cartridges/import?replace={id}"),
        &other,
        "application/yaml",
        YAML,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing leaked into the owner's cartridge, and the other tenant's search is empty.
    let (_, ex) = t
        .get(&format!("/api/v1/cartridges/{id}/examples"), &token)
        .await;
    assert_eq!(ex["items"], json!([]));
    assert_eq!(
        t.get(&format!("/api/v1/cartridges/{id}"), &token).await.1["version"],
        1
    );
    let (_, similar) = t
        .get("/api/v1/cartridges/similar?q=executive%20coach", &other)
        .await;
    assert_eq!(similar["items"], json!([]));
}
