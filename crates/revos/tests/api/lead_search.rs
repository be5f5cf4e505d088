//! Lead search through the API over leads the pipeline made: commenters on a watched post
//! (fake Unipile), enriched by the fake Apollo, one of whom later writes an email address in
//! a reply. Search ignores accents and case like the trigger matcher, spans name, email,
//! company, title and headline, takes `%` and `_` literally, works for one- and two-character
//! terms, pages, combines with the other filters, and finds a lead by a value written after
//! the lead was made.

use crate::campaign_fakes::activated_campaign;
use crate::helpers::{Db, TestApp};
use crate::world::deliver_message;
use chrono::Duration;
use reqwest::StatusCode;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::fakes::unipile::FakeUnipile;
use serde_json::json;

const SECRET: &str = "whsec-test-0123456789";
const POST: &str = "7400000000000000300";

crate::both_backends!(search_folds_accents_spans_fields_and_follows_updates);

/// What Apollo knows of a person: email, title, company.
type Known = Option<(&'static str, &'static str, &'static str)>;

/// The commenters: provider id, name, and what Apollo knows.
const PEOPLE: [(&str, &str, Known); 7] = [
    (
        "ACoJose",
        "José Müller",
        Some((
            "jose.muller@societe-generale.fr",
            "Directeur Général",
            "Société Générale",
        )),
    ),
    (
        "ACoZoe",
        "ZOË ÅNGSTRÖM",
        Some(("zoe@nordlys.no", "Head of Growth", "Nordlys AS")),
    ),
    ("ACoPct", "Ann 100% Sure", None),
    ("ACoThou", "Ann 1000 Sure", None),
    ("ACoUnd", "Al_n Smith", None),
    (
        "ACoAlan",
        "Alan Smith",
        Some(("alan@initech.io", "CTO", "Initech")),
    ),
    ("ACoCem", "Cem Yilmaz", None),
];

/// `term` as a query-string value.
fn encoded(term: &str) -> String {
    term.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The names of the leads a list answers with, in order.
async fn names(t: &TestApp, token: &str, query: &str) -> Vec<String> {
    let (status, page) = t.get(&format!("/api/v1/leads?{query}"), token).await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {page}"))
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The names of the leads whose text contains `term`.
async fn search(t: &TestApp, token: &str, term: &str) -> Vec<String> {
    names(t, token, &format!("q={}", encoded(term))).await
}

async fn search_folds_accents_spans_fields_and_follows_updates(db: Db) {
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
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    unipile
        .state
        .add_post(POST, "Comment GUIDE for the playbook");
    let (token, _, _) = t.signup("dana@example.com", "Acme").await;
    let account = crate::helpers::unipile_account(&t, &token, (120, 900), 50).await;
    let body = json!({
        "name": "Playbook", "linkedin_account_id": account,
        "lead_magnet": {"title": "The Playbook", "url": "https://acme.io/p"},
        "trigger_words": ["GUIDE"], "watched_posts": [POST],
        "dm_template": "Hi {{ first_name }}: {{ lead_magnet_url }}",
    });
    let (campaign, _) = activated_campaign(&t, &token, body).await;
    for (id, name, known) in PEOPLE {
        unipile
            .state
            .add_comment(POST, id, name, "GUIDE please", true);
        unipile.state.connect("acc1", id);
        if let Some((email, title, company)) = known {
            apollo.state.add_person(
                &format!("https://www.linkedin.com/in/{id}"),
                email,
                title,
                company,
            );
        }
    }
    // Someone who only chats is no lead.
    unipile
        .state
        .add_comment(POST, "ACoJoseph", "Josef Muller", "Nice post", true);

    // Half an hour: the monitor makes the leads and Apollo enriches those it knows.
    let runner = revos_jobs::Runner::new(
        revos_workers::registry(&t.app),
        t.app.clone(),
        t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        revos_workers::crons(),
    );
    let start = t.app.now();
    runner
        .run_simulated_until(&t.clock, start + Duration::minutes(30))
        .await
        .unwrap();
    let everyone = names(&t, &token, "limit=100").await;
    assert_eq!(everyone.len(), PEOPLE.len(), "{everyone:?}");
    assert_eq!(apollo.state.requests().len(), PEOPLE.len());

    let jose = ["José Müller"];
    let zoe = ["ZOË ÅNGSTRÖM"];
    // Accents and case, in names, emails, companies and titles (written by enrichment, after
    // the lead was made).
    for (term, want) in [
        ("jose muller", &jose[..]),
        ("JOSÉ", &jose),
        ("müll", &jose),
        ("  José\tMÜLLER ", &jose),
        ("zoe angstrom", &zoe),
        ("Zoë Ångström", &zoe),
        ("societe-generale.fr", &jose),
        ("SOCIÉTÉ GÉNÉRALE", &jose),
        ("directeur general", &jose),
        ("head of growth", &zoe),
        ("NORDLYS", &zoe),
        ("@initech.io", &["Alan Smith"]),
        ("cto", &["Alan Smith"]),
        ("nobody", &[]),
        // A match never spans two fields.
        ("muller jose", &[]),
        ("generale directeur", &[]),
    ] {
        assert_eq!(search(&t, &token, term).await, want, "q={term:?}");
    }
    // The headline (the fake's "Founder") is searched too: everyone, in creation order.
    assert_eq!(search(&t, &token, "FOUNDER").await, everyone);

    // `%` and `_` are literal, whatever the term's length.
    assert_eq!(search(&t, &token, "100%").await, ["Ann 100% Sure"]);
    assert_eq!(search(&t, &token, "%").await, ["Ann 100% Sure"]);
    assert_eq!(search(&t, &token, "l_n").await, ["Al_n Smith"]);
    assert_eq!(search(&t, &token, "_").await, ["Al_n Smith"]);
    // One and two characters (no trigram): still folded.
    assert_eq!(search(&t, &token, "ZÖ").await, zoe);
    assert_eq!(search(&t, &token, "ÜL").await, jose);

    // Pages of a search, by cursor.
    let (_, first) = t.get("/api/v1/leads?q=founder&limit=3", &token).await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let rest = names(&t, &token, &format!("q=founder&limit=10&cursor={cursor}")).await;
    let firsts: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!([firsts, rest].concat(), everyone);

    // Combined with the other filters.
    let (status, body) = t
        .post(
            "/api/v1/do-not-contact",
            Some(&token),
            json!({"provider_id": "ACoAlan"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        names(&t, &token, "q=smith&do_not_contact=true").await,
        ["Alan Smith"]
    );
    assert_eq!(
        names(&t, &token, "q=SMITH&do_not_contact=false").await,
        ["Al_n Smith"]
    );
    let (status, page) = t
        .get(
            &format!("/api/v1/leads?campaign_id={campaign}&q=jos%C3%A9"),
            &token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["items"][0]["name"], "José Müller");
    assert!(page["items"][0]["stage"].is_string(), "{page}");
    let stage = page["items"][0]["stage"].as_str().unwrap().to_owned();
    assert_eq!(
        names(
            &t,
            &token,
            &format!("q=jose&stage={stage}&campaign_id={campaign}")
        )
        .await,
        jose
    );
    assert!(
        names(
            &t,
            &token,
            &format!("q=jose&stage=replied&campaign_id={campaign}")
        )
        .await
        .is_empty()
    );

    // Cem, whom Apollo did not know, writes his address in a reply: found by it from then on.
    assert!(search(&t, &token, "yilmaz-consulting").await.is_empty());
    let text = "Sure, write to CEM@Yilmaz-Consulting.io";
    let (chat, message) = unipile.state.message_from("ACoCem", text);
    let report = deliver_message(
        &t,
        SECRET,
        (&chat, &message),
        ("ACoCem", "Cem Yilmaz"),
        text,
    )
    .await;
    assert_eq!(report["recorded"], 1, "{report}");
    assert_eq!(
        search(&t, &token, "yilmaz-consulting").await,
        ["Cem Yilmaz"]
    );
    assert_eq!(search(&t, &token, "cem@").await, ["Cem Yilmaz"]);
}
