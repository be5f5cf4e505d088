//! CSV import of leads (issue 21, item 4): a 10,000-row file with bad rows imports the good
//! ones into the campaign (each queued as a commenter is), lists each bad row with its line
//! and field, skips people on the do-not-contact list, counts duplicates within the file, and
//! a second import of the same file adds nothing; the dry run writes nothing; the mapping is
//! guessed, can be overridden and is checked; another workspace's campaign does not exist.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields, parse};
use crate::leads_api::{campaign, workspace};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Instant;
use uuid::Uuid;

both_backends!(
    ten_thousand_rows_import_once_with_row_errors,
    mapping_is_guessed_overridden_and_checked,
);

/// POSTs an import; (status, body).
pub(crate) async fn import(
    t: &TestApp,
    token: &str,
    campaign: Uuid,
    csv: &str,
    mapping: Option<Value>,
    dry_run: bool,
) -> (StatusCode, Value) {
    let mut form = Form::new();
    if let Some(m) = mapping {
        form = form.text("mapping", m.to_string());
    }
    let part = Part::bytes(csv.as_bytes().to_vec())
        .file_name("leads.csv")
        .mime_str("text/csv")
        .unwrap();
    form = form.part("file", part);
    let query = if dry_run { "?dry_run=true" } else { "" };
    let resp = t
        .http
        .post(format!(
            "{}/api/v1/campaigns/{campaign}/leads/import{query}",
            t.base
        ))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    parse(resp).await
}

/// A workspace with an active campaign: (token, campaign).
pub(crate) async fn active_campaign(t: &TestApp, email: &str) -> (String, Uuid) {
    let (token, _, account) = workspace(t, email).await;
    let id = campaign(t, &token, &account, "Imported").await;
    let (status, body) = t
        .post(
            &format!("/api/v1/campaigns/{id}/activate"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (token, id)
}

/// Runs the jobs that let imported leads enter their campaign (and no other job).
pub(crate) async fn enter_imported(t: &TestApp) {
    let mut registry = revos_jobs::Registry::new(t.store.clone());
    registry.register::<revos_app::lead_import::EnterImported>();
    let runner = revos_jobs::Runner::new(
        registry,
        t.app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    );
    runner.run_due().await.unwrap();
}

/// The campaign's funnel's `scraped` count (leads that entered it).
pub(crate) async fn scraped(t: &TestApp, token: &str, campaign: Uuid) -> u64 {
    let (status, f) = t
        .get(&format!("/api/v1/campaigns/{campaign}/funnel"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{f}");
    f["scraped"].as_u64().unwrap()
}

async fn ten_thousand_rows_import_once_with_row_errors(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, campaign) = active_campaign(&t, "ann@import.io").await;
    // Two people asked never to be contacted: one by profile, one who is known by email only
    // through their lead (imported earlier by another list).
    for p in ["p-00007", "p-04242"] {
        let (status, body) = t
            .post(
                "/api/v1/do-not-contact",
                Some(&token),
                json!({"provider_id": p}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let mut csv = String::from("Full Name,LinkedIn Profile URL,Email,Company,Job Title\n");
    let mut bad: BTreeSet<(u64, &str)> = BTreeSet::new();
    let mut dupes = 0;
    for i in 0..10_000u32 {
        let line = u64::from(i) + 2;
        let (mut name, mut url, mut email) = (
            format!("Person {i}"),
            format!("https://www.linkedin.com/in/p-{i:05}/"),
            format!("p{i}@example.com"),
        );
        if i % 500 == 13 {
            url = format!("https://example.com/p-{i}");
            bad.insert((line, "linkedin_url"));
        }
        if i % 700 == 5 {
            email = "not an email".into();
            bad.insert((line, "email"));
        }
        if i % 1000 == 999 {
            name = String::new();
            bad.insert((line, "name"));
        }
        if i % 1000 == 500 {
            // The previous row's person again, under another spelling of the profile URL.
            url = format!("linkedin.com/in/P-{:05}", i - 1);
            email = format!("p{}@example.com", i - 1);
            dupes += 1;
        }
        csv.push_str(&format!(
            "\"{name}\",{url},{email},\"Acme, Inc.\",Founder\n"
        ));
    }
    let bad_rows: BTreeSet<u64> = bad.iter().map(|(l, _)| *l).collect();
    let good = 10_000 - bad_rows.len() as u64 - dupes - 2;

    // The dry run reports what would happen and writes nothing.
    let (status, dry) = import(&t, &token, campaign, &csv, None, true).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["rows"], 10_000);
    assert_eq!(dry["imported"], good, "{}", dry["errors"]);
    assert_eq!(scraped(&t, &token, campaign).await, 0);

    let started = Instant::now();
    let (status, report) = import(&t, &token, campaign, &csv, None, false).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{report}");
    eprintln!(
        "import of 10,000 rows on {db:?}: {took:?}, {:.0} rows/s",
        10_000.0 / took.as_secs_f64()
    );
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["imported"], good);
    assert_eq!(report["do_not_contact"], 2);
    assert_eq!(report["duplicates"], dupes);
    assert_eq!(report["invalid"], bad_rows.len());
    let listed: BTreeSet<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(u64, String)> =
        bad.iter().map(|(l, f)| (*l, (*f).to_owned())).collect();
    assert_eq!(listed, expected);
    assert_eq!(
        report["mapping"],
        json!({"name": 0, "linkedin_url": 1, "email": 2, "company": 3, "title": 4})
    );

    // The imported leads enter the campaign as commenters do, through their jobs: counted,
    // each with its DM queued.
    assert_eq!(scraped(&t, &token, campaign).await, 0);
    let started = Instant::now();
    enter_imported(&t).await;
    eprintln!("entering the campaign on {db:?}: {:?}", started.elapsed());
    assert_eq!(scraped(&t, &token, campaign).await, good);
    let (_, page) = t
        .get(
            &format!("/api/v1/campaigns/{campaign}/leads?limit=200"),
            &token,
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 200);
    // Batches are written concurrently on PostgreSQL, so the list's order is not the file's:
    // each listed lead carries its own row's fields.
    for lead in items {
        let n: usize = lead["name"].as_str().unwrap()["Person ".len()..]
            .parse()
            .unwrap();
        assert_eq!(lead["provider_id"], format!("p-{n:05}"), "{lead}");
        assert_eq!(
            lead["linkedin_url"],
            format!("https://www.linkedin.com/in/p-{n:05}"),
            "{lead}"
        );
        assert_eq!(lead["email"], format!("p{n}@example.com"), "{lead}");
        assert_eq!(lead["company"], "Acme, Inc.", "{lead}");
        assert_eq!(lead["stage"], "dm_queued", "{lead}");
    }
    // Nobody on the list is in the campaign.
    let (_, dnc) = t
        .get(
            &format!("/api/v1/campaigns/{campaign}/leads?do_not_contact=true"),
            &token,
        )
        .await;
    assert_eq!(dnc["items"], json!([]));

    // The same file again adds nothing.
    let (status, again) = import(&t, &token, campaign, &csv, None, false).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["imported"], 0);
    assert_eq!(again["do_not_contact"], 2);
    assert_eq!(again["duplicates"], good + dupes);
    enter_imported(&t).await;
    assert_eq!(scraped(&t, &token, campaign).await, good);
}

async fn mapping_is_guessed_overridden_and_checked(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, imported_into) = active_campaign(&t, "bo@import.io").await;
    let csv = "who,where,contact\nJane Roe,linkedin.com/in/jane-roe,JANE@roe.io\n";
    // Nothing in these headers names the required fields: the answer says which are missing.
    let (status, err) = import(&t, &token, imported_into, csv, None, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(error_fields(&err), ["mapping.name", "mapping.linkedin_url"]);
    let (status, err) = import(
        &t,
        &token,
        imported_into,
        csv,
        Some(json!({"name": 0, "linkedin_url": 9})),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(error_fields(&err), ["mapping.linkedin_url"]);
    let (status, err) = import(
        &t,
        &token,
        imported_into,
        csv,
        Some(json!({"nom": 0})),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(error_fields(&err), ["mapping"]);

    let mapping = json!({"name": 0, "linkedin_url": 1, "email": 2});
    let (status, r) = import(&t, &token, imported_into, csv, Some(mapping.clone()), false).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["columns"], json!(["who", "where", "contact"]));
    assert_eq!(r["imported"], 1);
    // The same person by email under another profile is a duplicate.
    let csv2 = "who,where,contact\nJane R.,linkedin.com/in/jroe,jane@ROE.io\n";
    let (_, r) = import(
        &t,
        &token,
        imported_into,
        csv2,
        Some(mapping.clone()),
        false,
    )
    .await;
    assert_eq!(
        (r["imported"].clone(), r["duplicates"].clone()),
        (json!(0), json!(1))
    );

    // A campaign that is still a draft takes no imports; another workspace's does not exist.
    let (token_b, _, account_b) = workspace(&t, "cy@import.io").await;
    let draft = campaign(&t, &token_b, &account_b, "Draft").await;
    let (status, _) = import(&t, &token_b, draft, csv, None, false).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = import(&t, &token_b, imported_into, csv, Some(mapping), false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // No file.
    let resp = t
        .http
        .post(format!(
            "{}/api/v1/campaigns/{imported_into}/leads/import",
            t.base
        ))
        .bearer_auth(&token)
        .multipart(Form::new().text("mapping", "{}"))
        .send()
        .await
        .unwrap();
    let (status, err) = parse(resp).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(error_fields(&err), ["file"]);
}
