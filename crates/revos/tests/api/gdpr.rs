//! The GDPR tools for one person (issue 21, item 4) through the public path, against fake
//! Unipile and Apollo servers: Zelda comments on the watched post, becomes a lead, is
//! enriched with an email, gets the campaign's DM with a tracked magnet link, opens it and
//! replies; Bruno does the same but does not reply. Zelda's export holds her name, email, DM
//! and reply; after her erasure no text or blob column of any table holds her name, email,
//! LinkedIn id or URL or her reply, the funnel and the dashboard figures are unchanged, and
//! Bruno, whose reply quotes Zelda's comment word for word, is untouched in every table.

use crate::both_backends;
use crate::campaign_fakes::{activated_campaign, commented_workspace};
use crate::helpers::{Db, TestApp};
use crate::ui_html::no_redirects;
use crate::world::{deliver_message, run_workers};
use reqwest::StatusCode;
use reqwest::header::USER_AGENT;
use revos_domain::Clock;
use revos_providers::HttpConfig;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_providers::unipile::Unipile;
use serde_json::{Value, json};
use sqlx::{Connection, Row};

both_backends!(erasing_a_person_leaves_no_trace_and_keeps_the_counts);

const SECRET: &str = "whsec-test-0123456789";
const POST: &str = "7400000000000000421";
const PUBLIC: &str = "https://revos.example";
const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const ZELDA: (&str, &str) = ("ACoZeldaQ77", "Zelda Quintanilla");
const ZELDA_EMAIL: &str = "zelda.quintanilla@quokka-mail.io";
const BRUNO: (&str, &str) = ("ACoBrunoO42", "Bruno Okonkwo");
const BRUNO_EMAIL: &str = "bruno.okonkwo@quokka-mail.io";
const REPLY: &str = "Thanks Zelda here, my budget is tight until March";
const BRUNO_REPLY: &str = "GUIDE please, I never got it";

fn profile_url(id: &str) -> String {
    format!("https://www.linkedin.com/in/{id}")
}

async fn erasing_a_person_leaves_no_trace_and_keeps_the_counts(db: Db) {
    let unipile = FakeUnipile::start().await;
    let apollo = FakeApollo::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            apollo_url: apollo.base_url.clone(),
            apollo_key: Some("apollo-key".to_owned().into()),
            webhook_secret: Some(SECRET.to_owned().into()),
            public_url: Some(PUBLIC.to_owned()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    let clock = t.clock.clone();
    unipile.state.set_clock(move || clock.now());
    let (token, tenant, account) =
        commented_workspace(&t, &unipile, POST, ZELDA, "dana@example.com", "Acme").await;
    unipile
        .state
        .add_comment(POST, BRUNO.0, BRUNO.1, "GUIDE for me too", true);
    unipile.state.connect("acc1", BRUNO.0);
    for (id, email) in [(ZELDA.0, ZELDA_EMAIL), (BRUNO.0, BRUNO_EMAIL)] {
        apollo
            .state
            .add_person(&profile_url(id), email, "Founder", "Quokka");
    }
    let body = json!({
        "name": "Launch", "linkedin_account_id": account,
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}"
    });
    let (campaign, _) = activated_campaign(&t, &token, body).await;
    let client = Unipile::new(HttpConfig::new(&unipile.base_url, "k".to_owned().into()));
    let report = t
        .app
        .monitor_campaign(tenant, campaign, &client)
        .await
        .unwrap();
    assert_eq!(report.new_leads, 2);
    run_workers(&t, chrono::Duration::hours(1)).await;

    // Zelda opens her magnet link and replies.
    let dm = unipile.state.sent_to(ZELDA.0);
    assert_eq!(dm.len(), 1, "{dm:?}");
    let link = dm[0]
        .split_whitespace()
        .find(|w| w.starts_with(PUBLIC))
        .unwrap_or_else(|| panic!("a tracked link in {dm:?}"))
        .replacen(PUBLIC, &t.base, 1);
    let resp = no_redirects()
        .get(link)
        .header(USER_AGENT, BROWSER)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    reply(&t, &unipile, ZELDA, REPLY).await;
    // Bruno's reply quotes what Zelda commented: it is his text too, and stays his.
    reply(&t, &unipile, BRUNO, BRUNO_REPLY).await;
    run_workers(&t, chrono::Duration::hours(1)).await;

    let (status, page) = t
        .get(&format!("/api/v1/leads?campaign_id={campaign}"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let id_of = |provider: &str| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["provider_id"] == provider)
            .unwrap_or_else(|| panic!("{provider} in {page}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (zelda, bruno) = (id_of(ZELDA.0), id_of(BRUNO.0));

    // The export holds everything about Zelda.
    let (status, export) = t
        .get(&format!("/api/v1/people/{zelda}/export"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["lead"]["name"], ZELDA.1, "{export}");
    assert_eq!(export["lead"]["email"], ZELDA_EMAIL, "{export}");
    let bodies: Vec<&str> = export["lead"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["body"].as_str())
        .collect();
    assert!(bodies.contains(&dm[0].as_str()), "the DM in {export}");
    assert!(bodies.contains(&REPLY), "the reply in {export}");
    assert_eq!(export["comments"][0]["body"], "GUIDE please", "{export}");
    let timeline = export["lead"]["timeline"].to_string();
    assert!(timeline.contains("magnet_opened"), "{timeline}");
    let everything = export.to_string();
    let needles = [
        ZELDA.1.to_owned(),
        ZELDA_EMAIL.to_owned(),
        ZELDA.0.to_owned(),
        profile_url(ZELDA.0),
        REPLY.to_owned(),
    ];
    assert!(everything.contains(REPLY));
    // Before the erasure the database holds her: the search below can fail.
    let before = hits(&t, &needles).await;
    assert!(
        before.iter().any(|h| h.contains(ZELDA_EMAIL))
            && before.iter().any(|h| h.contains(&REPLY.to_lowercase())),
        "{before:?}"
    );

    let bruno_needles = [
        BRUNO.1.to_owned(),
        BRUNO_EMAIL.to_owned(),
        BRUNO.0.to_owned(),
        BRUNO_REPLY.to_owned(),
    ];
    // The agency quotes both replies in the chat, without naming anyone in full.
    say_in_chat(
        &t,
        &token,
        &format!("Bruno wrote \"{BRUNO_REPLY}\": resend?"),
    )
    .await;
    say_in_chat(&t, &token, &format!("Zelda wrote \"{REPLY}\": follow up?")).await;
    let bruno_rows = hits(&t, &bruno_needles).await;
    assert!(
        bruno_rows
            .iter()
            .any(|h| h.starts_with("chat_messages.") && h.contains(&BRUNO_REPLY.to_lowercase())),
        "{bruno_rows:#?}"
    );
    let funnel = figures(&t, &token, campaign).await;
    let (status, bruno_before) = t.get(&format!("/api/v1/leads/{bruno}"), &token).await;
    assert_eq!(status, StatusCode::OK);

    // A member may export but not erase; a client reaches neither; another workspace does
    // not find her.
    let member = joined(&t, &token, "mo@example.com", "member").await;
    let client = joined(&t, &token, "cleo@client.example", "client").await;
    let (status, body) = t.delete(&format!("/api/v1/people/{zelda}"), &member).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = t
        .get(&format!("/api/v1/people/{zelda}/export"), &member)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = t.delete(&format!("/api/v1/people/{zelda}"), &client).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = t
        .get(&format!("/api/v1/people/{zelda}/export"), &client)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (other, _, _) = t.signup("eve@example.com", "Other").await;
    let (status, body) = t.delete(&format!("/api/v1/people/{zelda}"), &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = t
        .get(&format!("/api/v1/people/{zelda}/export"), &other)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, body) = t.delete(&format!("/api/v1/people/{zelda}"), &token).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let left = hits(&t, &needles).await;
    assert!(left.is_empty(), "personal data left: {left:#?}");
    assert_eq!(
        hits(&t, &bruno_needles).await,
        bruno_rows,
        "nothing of Bruno's was redacted"
    );
    assert_eq!(figures(&t, &token, campaign).await, funnel);
    let (_, bruno_after) = t.get(&format!("/api/v1/leads/{bruno}"), &token).await;
    assert_eq!(bruno_after, bruno_before);
    assert_eq!(bruno_after["email"], BRUNO_EMAIL);
    let (status, zelda_after) = t
        .get(&format!("/api/v1/people/{zelda}/export"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{zelda_after}");
    assert!(
        zelda_after["lead"]["timeline"]
            .to_string()
            .contains("person_erased"),
        "the erasure is recorded: {zelda_after}"
    );
    events_take_only_a_redaction(&t, tenant).await;

    let (_, doc) = t.get("/api/v1/openapi.json", "").await;
    for name in ["PersonExport", "PersonComment", "PersonInboxMessage"] {
        assert!(doc["components"]["schemas"][name].is_object(), "{name}");
    }
    assert!(doc["paths"]["/api/v1/people/{id}"]["delete"].is_object());
    assert!(doc["paths"]["/api/v1/people/{id}/export"]["get"].is_object());
}

/// The events' append-only rule lets the erasure change an event's `data` and nothing else.
async fn events_take_only_a_redaction(t: &TestApp, tenant: revos_domain::TenantId) {
    const REDACT: &str = "UPDATE events SET data = data";
    const REWRITE: &str = "UPDATE events SET kind = kind || '-'";
    let refused = match t.db.kind {
        Db::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&t.db.url).await.unwrap();
            let n = sqlx::query(REDACT).execute(&mut c).await.unwrap();
            assert!(n.rows_affected() > 0);
            sqlx::query(REWRITE).execute(&mut c).await.unwrap_err()
        }
        Db::Postgres => {
            let mut tx = t.store.begin_for(tenant).await.unwrap();
            let c = tx.postgres_connection().unwrap();
            let n = sqlx::query(REDACT).execute(&mut *c).await.unwrap();
            assert!(n.rows_affected() > 0);
            sqlx::query(REWRITE).execute(&mut *c).await.unwrap_err()
        }
    };
    let refused = refused.to_string();
    assert!(
        refused.contains("append-only") || refused.contains("permission denied"),
        "{refused}"
    );
}

/// The session token of `email`, invited by `owner` with `role` and joined.
async fn joined(t: &TestApp, owner: &str, email: &str, role: &str) -> String {
    let (status, inv) = t
        .post(
            "/api/v1/invitations",
            Some(owner),
            json!({"email": email, "role": role}),
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
    s["token"].as_str().unwrap().to_owned()
}

/// Says `content` in a new chat session of the workspace.
async fn say_in_chat(t: &TestApp, token: &str, content: &str) {
    let (status, session) = t
        .post("/api/v1/chat/sessions", Some(token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let resp = t
        .http
        .post(format!(
            "{}/api/v1/chat/sessions/{}/messages",
            t.base,
            session["id"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .json(&json!({ "content": content }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.text().await.unwrap();
}

/// `who` replies `text` to the campaign's DM, delivered by Unipile's webhook.
async fn reply(
    t: &TestApp,
    unipile: &revos_providers::fakes::unipile::Running,
    who: (&str, &str),
    text: &str,
) {
    let (chat, message) = unipile.state.reply_from(who.0, text).expect("a chat");
    deliver_message(t, SECRET, (&chat, &message), who, text).await;
}

/// The campaign's funnel and the workspace's dashboard figures.
async fn figures(t: &TestApp, token: &str, campaign: uuid::Uuid) -> (Value, Value) {
    let (status, funnel) = t
        .get(&format!("/api/v1/campaigns/{campaign}/funnel"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{funnel}");
    let (status, analytics) = t.get("/api/v1/analytics", token).await;
    assert_eq!(status, StatusCode::OK, "{analytics}");
    (funnel, analytics)
}

/// Every (table.column: value) of the database, over every text and blob column of every
/// table (enumerated from the catalog, read on a read-only connection), that contains one of
/// `needles`, ignoring case.
async fn hits(t: &TestApp, needles: &[String]) -> Vec<String> {
    let needles: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let mut cells: Vec<(String, Vec<u8>)> = Vec::new();
    match t.db.kind {
        Db::Sqlite => {
            let url = format!("{}?mode=ro", t.db.url);
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            for table in tables {
                let columns: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
                        .bind(&table)
                        .fetch_all(&mut c)
                        .await
                        .unwrap();
                for column in columns {
                    let sql = format!(
                        "SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\" WHERE typeof(\"{column}\") IN ('text', 'blob')"
                    );
                    let values: Vec<Vec<u8>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&mut c)
                        .await
                        .unwrap();
                    cells.extend(values.into_iter().map(|v| (format!("{table}.{column}"), v)));
                }
            }
        }
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect(&t.db.url).await.unwrap();
            sqlx::query("SET default_transaction_read_only = on")
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::query("SET app.system = 'on'")
                .execute(&mut c)
                .await
                .unwrap();
            let columns = sqlx::query(
                "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'bytea', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED') \
                 ORDER BY table_name, column_name",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            for row in columns {
                let (table, column, kind): (String, String, String) =
                    (row.get(0), row.get(1), row.get(2));
                let value = if kind == "bytea" {
                    format!("\"{column}\"")
                } else {
                    format!("convert_to(\"{column}\"::text, 'UTF8')")
                };
                let sql = format!("SELECT {value} FROM \"{table}\" WHERE \"{column}\" IS NOT NULL");
                let values: Vec<Vec<u8>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
                cells.extend(values.into_iter().map(|v| (format!("{table}.{column}"), v)));
            }
        }
    }
    assert!(
        cells.len() > 100,
        "the dump read the database: {}",
        cells.len()
    );
    cells
        .into_iter()
        .filter_map(|(at, bytes)| {
            let text = String::from_utf8_lossy(&bytes).to_lowercase();
            needles
                .iter()
                .any(|n| text.contains(n.as_str()))
                .then(|| format!("{at}: {text}"))
        })
        .collect()
}
