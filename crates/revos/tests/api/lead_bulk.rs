//! Bulk actions on a filtered selection of leads (issue 21, item 4), at a few thousand leads
//! made through the import API: the filters select exactly the right leads (checked against
//! the export of the same filters and against the file's own arithmetic), each action counts
//! what it changed and changes nothing twice, a dry run changes nothing, adding to a campaign
//! lets each lead enter its sequence once, another workspace is untouched, the client role is
//! refused and bad input is named by field.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use crate::lead_import::{enter_imported, scraped};
use crate::lead_tags::imported;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

both_backends!(bulk_actions_select_exactly_the_filtered_leads);

/// How many people the workspace imports.
const PEOPLE: usize = 3000;

/// POSTs a bulk action with the list filters `filters` (a query string).
async fn bulk(t: &TestApp, token: &str, filters: &str, body: Value) -> (StatusCode, Value) {
    t.post(&format!("/api/v1/leads/bulk?{filters}"), Some(token), body)
        .await
}

/// (matched, touched) of a successful bulk action.
async fn counts(t: &TestApp, token: &str, filters: &str, body: Value) -> (u64, u64) {
    let (status, out) = bulk(t, token, filters, body).await;
    assert_eq!(status, StatusCode::OK, "{filters}: {out}");
    (
        out["matched"].as_u64().unwrap(),
        out["touched"].as_u64().unwrap(),
    )
}

/// The lead ids of the export with `filters`, and the companies of its rows.
async fn exported(t: &TestApp, token: &str, filters: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let resp = t
        .http
        .get(format!("{}/api/v1/leads/export.csv?{filters}", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    let mut ids = BTreeSet::new();
    let mut companies = BTreeSet::new();
    // The cells of these people hold no commas or quotes.
    for row in text.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        ids.insert(cells[0].to_owned());
        companies.insert(cells[6].to_owned());
    }
    (ids, companies)
}

async fn bulk_actions_select_exactly_the_filtered_leads(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, first, _) = imported(&t, "ann@bulk.io", PEOPLE).await;
    enter_imported(&t).await;
    assert_eq!(scraped(&t, &token, first).await, PEOPLE as u64);
    // Another workspace with people of the same names and companies.
    let (other, _, _) = imported(&t, "eve@other.io", 50).await;

    // Half the people work at Acme (even rows).
    let acme = PEOPLE as u64 / 2;
    let dry = json!({"action": "tag", "tag": "Acme People", "dry_run": true});
    assert_eq!(counts(&t, &token, "q=acme", dry).await, (acme, acme));
    let (ids, _) = exported(&t, &token, "tag=acme%20people").await;
    assert!(ids.is_empty(), "a dry run changes nothing");
    let tag = json!({"action": "tag", "tag": "Acme People"});
    assert_eq!(
        counts(&t, &token, "q=acme", tag.clone()).await,
        (acme, acme)
    );
    assert_eq!(
        counts(&t, &token, "q=acme", tag).await,
        (acme, 0),
        "nobody is tagged twice"
    );
    let (ids, companies) = exported(&t, &token, "tag=acme%20people").await;
    assert_eq!(ids.len() as u64, acme);
    assert_eq!(companies, BTreeSet::from(["Acme".to_owned()]));
    assert_eq!(
        exported(
            &t,
            &token,
            &format!("campaign_id={first}&tag=acme%20people")
        )
        .await
        .0,
        ids
    );

    // Untag the Acme people whose name starts "Person 1": the file's arithmetic says who.
    let ones = (0..PEOPLE)
        .filter(|i| i % 2 == 0 && i.to_string().starts_with('1'))
        .count() as u64;
    let untag = json!({"action": "untag", "tag": "acme people"});
    assert_eq!(
        counts(&t, &token, "q=person%201", untag).await,
        (
            (0..PEOPLE)
                .filter(|i| i.to_string().starts_with('1'))
                .count() as u64,
            ones
        )
    );
    let left = exported(&t, &token, "tag=acme%20people").await.0;
    assert_eq!(left.len() as u64, acme - ones);

    // Do-not-contact the tagged ones: exactly them, once.
    let dnc = json!({"action": "do_not_contact"});
    assert_eq!(
        counts(&t, &token, "tag=acme%20people", dnc.clone()).await,
        (acme - ones, acme - ones)
    );
    assert_eq!(
        counts(&t, &token, "tag=acme%20people", dnc).await,
        (acme - ones, 0)
    );
    assert_eq!(exported(&t, &token, "do_not_contact=true").await.0, left);

    // Add every Acme person to a second campaign: the ones not to contact are passed over,
    // each of the others enters once, and asking again sends no one twice.
    let (status, second) = t
        .post(
            "/api/v1/campaigns",
            Some(&token),
            json!({
                "name": "Second",
                "linkedin_account_id": t.get("/api/v1/linkedin-accounts", &token).await.1["items"][0]["id"],
                "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/playbook"},
                "trigger_words": ["GUIDE"],
                "watched_posts": ["7332661864792854529"],
                "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let second: Uuid = second["id"].as_str().unwrap().parse().unwrap();
    let add = json!({"action": "add_to_campaign", "campaign_id": second});
    let (status, e) = bulk(&t, &token, "q=acme", add.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "a draft takes no leads: {e}");
    let (status, body) = t
        .post(
            &format!("/api/v1/campaigns/{second}/activate"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        counts(&t, &token, "q=acme", add.clone()).await,
        (acme, ones)
    );
    enter_imported(&t).await;
    assert_eq!(scraped(&t, &token, second).await, ones);
    assert_eq!(counts(&t, &token, "q=acme", add).await, (acme, 0));
    enter_imported(&t).await;
    assert_eq!(scraped(&t, &token, second).await, ones);
    let (in_second, _) = exported(&t, &token, &format!("campaign_id={second}")).await;
    assert_eq!(in_second.len() as u64, ones);
    assert!(in_second.is_disjoint(&left), "no one on the list entered");

    // The other workspace is untouched, and cannot reach this one's campaign.
    assert!(exported(&t, &other, "tag=acme%20people").await.0.is_empty());
    assert!(
        exported(&t, &other, "do_not_contact=true")
            .await
            .0
            .is_empty()
    );
    let (status, e) = bulk(
        &t,
        &other,
        "",
        json!({"action": "add_to_campaign", "campaign_id": second}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["campaign_id"]);
    let (status, e) = bulk(
        &t,
        &other,
        &format!("campaign_id={first}"),
        json!({"action": "do_not_contact"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["campaign_id"]);

    // Bad input names the field.
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    for (filters, body, field, code) in [
        ("", json!({"action": "tag"}), "tag", invalid),
        ("", json!({"action": "untag", "tag": " "}), "tag", invalid),
        (
            "",
            json!({"action": "add_to_campaign"}),
            "campaign_id",
            invalid,
        ),
        (
            "",
            json!({"action": "do_not_contact", "tag": "x"}),
            "tag",
            invalid,
        ),
        (
            &format!("tag={}", "z".repeat(41)),
            json!({"action": "do_not_contact"}),
            "tag",
            invalid,
        ),
        // A filter the list itself refuses, as the list does.
        (
            "stage=nope",
            json!({"action": "do_not_contact"}),
            "stage",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, e) = bulk(&t, &token, filters, body.clone()).await;
        assert_eq!(status, code, "{body}: {e}");
        assert_eq!(error_fields(&e), [field], "{body}: {e}");
    }
    let (status, e) = bulk(&t, &token, "", json!({"action": "explode"})).await;
    assert!(status.is_client_error(), "{status} {e}");

    // A client of the workspace may not act on leads.
    let (status, inv) = t
        .post(
            "/api/v1/invitations",
            Some(&token),
            json!({"email": "cleo@client.example", "role": "client"}),
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
    let client = s["token"].as_str().unwrap();
    let (status, _) = bulk(
        &t,
        client,
        "",
        json!({"action": "do_not_contact", "dry_run": true}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let lead = left.iter().next().unwrap();
    let (status, _) = t
        .put(
            &format!("/api/v1/leads/{lead}/tags"),
            client,
            json!({"tags": ["x"]}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
