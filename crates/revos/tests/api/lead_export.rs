//! The leads CSV export: one row per campaign of a lead with that campaign and the lead's
//! stage in it, every list filter applied, and a body that streams (the first rows arrive
//! while the server is still reading the last ones). Leads are written through the store,
//! as the pipeline writes them (see `leads_api.rs`).

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use crate::leads_api::{Person, add_lead, campaign, workspace};
use reqwest::StatusCode;
use revos_domain::TenantId;
use revos_store::leads::{self, NewLead};
use uuid::Uuid;

both_backends!(
    export_rows_carry_campaign_and_stage_and_filters_apply,
    export_streams_while_the_server_reads
);

/// The export at `query` as (lead id, stage, campaign_id, campaign) per row, header checked.
async fn export_rows(
    t: &TestApp,
    token: &str,
    query: &str,
) -> Vec<(String, String, String, String)> {
    let resp = t
        .http
        .get(format!("{}/api/v1/leads/export.csv{query}", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{query}");
    let body = resp.text().await.unwrap();
    let mut lines = body.split("\r\n");
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        (header[0], header[11], header[16], header[17]),
        ("id", "stage", "campaign_id", "campaign")
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), 20, "{l}");
            let owned = |i: usize| cells[i].to_owned();
            (owned(0), owned(11), owned(16), owned(17))
        })
        .collect()
}

async fn export_rows_carry_campaign_and_stage_and_filters_apply(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, account) = workspace(&t, "ana@example.com").await;
    let one = campaign(&t, &token, &account, "One").await;
    let two = campaign(&t, &token, &account, "Two").await;
    let person = |provider_id, name, do_not_contact| Person {
        provider_id,
        name,
        do_not_contact,
        ..Person::default()
    };
    let ana = add_lead(
        &t,
        tenant,
        person("A1", "Ana Diaz", false),
        &[(one, "dm_sent"), (two, "replied")],
    )
    .await;
    let ben = add_lead(
        &t,
        tenant,
        person("B1", "Ben Smith", false),
        &[(two, "scraped")],
    )
    .await;
    let cai = add_lead(&t, tenant, person("C1", "Cai Wong", false), &[]).await;
    let dee = add_lead(
        &t,
        tenant,
        person("D1", "Dee Park", true),
        &[(one, "replied")],
    )
    .await;
    let row = |lead: Uuid, stage: &str, c: Option<(Uuid, &str)>| {
        (
            lead.to_string(),
            stage.to_owned(),
            c.map(|(id, _)| id.to_string()).unwrap_or_default(),
            c.map(|(_, name)| name.to_owned()).unwrap_or_default(),
        )
    };

    // Every lead, one row per campaign it is in; a lead in none has one row without one.
    assert_eq!(
        export_rows(&t, &token, "").await,
        vec![
            row(ana, "dm_sent", Some((one, "One"))),
            row(ana, "replied", Some((two, "Two"))),
            row(ben, "scraped", Some((two, "Two"))),
            row(cai, "", None),
            row(dee, "replied", Some((one, "One"))),
        ]
    );
    // A campaign: only that campaign's rows.
    assert_eq!(
        export_rows(&t, &token, &format!("?campaign_id={two}")).await,
        vec![
            row(ana, "replied", Some((two, "Two"))),
            row(ben, "scraped", Some((two, "Two"))),
        ]
    );
    // A stage in any campaign: only the rows at that stage.
    assert_eq!(
        export_rows(&t, &token, "?stage=replied").await,
        vec![
            row(ana, "replied", Some((two, "Two"))),
            row(dee, "replied", Some((one, "One"))),
        ]
    );
    // Lead filters combine with them.
    assert_eq!(
        export_rows(&t, &token, "?stage=replied&do_not_contact=false").await,
        vec![row(ana, "replied", Some((two, "Two")))]
    );
    assert_eq!(
        export_rows(&t, &token, &format!("?q=smith&campaign_id={two}")).await,
        vec![row(ben, "scraped", Some((two, "Two")))]
    );
    assert_eq!(
        export_rows(&t, &token, "?q=wong").await,
        vec![row(cai, "", None)]
    );
}

/// How many leads the streaming test exports: with their 8 kB profile URLs (96 MB of CSV),
/// about twice what the server holds before the client reads (six batches of 1000 rows in its
/// channels and tasks, 48 MB, plus at most 4 MB of socket buffer).
const MANY: usize = 12_000;

/// Stores `n` leads with long profile URLs in one transaction, as the pipeline stores leads.
/// The bulk of each row is in the URL, which lead search does not index: folding and indexing
/// 8 kB of searched text per lead (in the headline) made this test take minutes per backend.
async fn many_leads(t: &TestApp, tenant: TenantId, n: usize) {
    let padding = "p".repeat(8_000);
    let now = t.app.now();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    for i in 0..n {
        let provider_id = format!("ACo{i:06}");
        let name = format!("Person {i}");
        let url = format!("https://www.linkedin.com/in/person-{i}?ref={padding}");
        let new = NewLead {
            provider_id: &provider_id,
            name: &name,
            linkedin_url: Some(&url),
            headline: None,
            email: None,
            sandbox: false,
        };
        leads::upsert(&mut tx, tenant, &new, now).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Sessions on the test's PostgreSQL database holding the export's cursor open.
async fn open_export_cursors(t: &TestApp) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&t.db.url).await.unwrap();
    let n = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND state <> 'idle' AND query LIKE 'FETCH % FROM lead_export'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    n
}

async fn export_streams_while_the_server_reads(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, _) = workspace(&t, "ana@example.com").await;
    many_leads(&t, tenant, MANY).await;

    // 96 MB of CSV from a debug build: more than the harness client's 30-second budget.
    let mut resp = reqwest::Client::new()
        .get(format!("{}/api/v1/leads/export.csv", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers().get("content-length").is_none(),
        "a streamed body has no length: {:?}",
        resp.headers()
    );
    assert_eq!(resp.headers()["transfer-encoding"], "chunked");
    // The header and the first row, then the client stops reading.
    let mut head = Vec::new();
    while head.windows(2).filter(|w| w == b"\r\n").count() < 2 {
        head.extend_from_slice(&resp.chunk().await.unwrap().expect("more body"));
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("id,provider_id,name,"), "{}", &head[..80]);
    assert!(
        head.split("\r\n")
            .nth(1)
            .unwrap()
            .contains(",ACo000000,Person 0,")
    );

    // While the client is not reading, the server has not read the whole export: on
    // PostgreSQL its cursor is still open; on SQLite, which reads page by page, a lead
    // stored now is read too, at the end.
    if db == Db::Postgres {
        assert_eq!(
            open_export_cursors(&t).await,
            1,
            "the export's cursor is open"
        );
    }
    let late = add_lead(
        &t,
        tenant,
        Person {
            provider_id: "ACoLATE",
            name: "Late Lead",
            ..Person::default()
        },
        &[],
    )
    .await;

    let mut rest = Vec::new();
    while let Some(chunk) = resp.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    let all = format!("{head}{}", String::from_utf8(rest).unwrap());
    let rows: Vec<&str> = all
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect();
    let has_late = rows.last().unwrap().starts_with(&late.to_string());
    match db {
        // One snapshot: what the cursor was opened on.
        Db::Postgres => assert_eq!((rows.len(), has_late), (MANY, false)),
        Db::Sqlite => assert_eq!((rows.len(), has_late), (MANY + 1, true)),
    }
}
