//! A cartridge's memory: edited approvals move offline drafts toward the approved style,
//! retrieval ranks the closest example first, stale embeddings are redone, and cartridges are
//! found by description.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use reqwest::StatusCode;
use revos_domain::CartridgeId;
use revos_domain::memory::{ExampleKind, ExampleSource};
use revos_domain::style::StyleStats;
use serde_json::{Value, json};

both_backends!(
    edited_approvals_move_offline_drafts_toward_the_approved_style,
    stale_embeddings_are_redone_and_bad_input_is_refused,
    similar_cartridges_rank_the_described_one_first
);

const TOPICS: [&str; 5] = [
    "onboarding engineers",
    "hiring senior developers",
    "running better retrospectives",
    "pricing a consulting offer",
    "giving difficult feedback",
];

/// A formal, long-sentence cartridge whose one example has no emoji or hashtags.
fn formal_cartridge() -> Value {
    json!({
        "name": "Morgan Advisory",
        "persona": {"role": "Engineering Advisor", "expertise": ["engineering management"],
                    "target_audience": "engineering directors"},
        "writing_style": {"tone": "professional", "vocabulary_level": 8, "sentence_structure": "long",
                          "storytelling_approach": "case studies"},
        "industry_knowledge": {"niche": "engineering leadership", "key_topics": ["delivery", "hiring"],
                               "common_pain_points": ["missed deadlines"], "solution_frameworks": ["DORA metrics"]},
        "examples": [{"post": "In my experience advising engineering organisations, the most durable \
            improvements in delivery come from patiently aligning incentives, clarifying ownership across \
            teams and measuring outcomes rather than activity over several quarters."}]
    })
}

/// Five edited approvals: a plain draft, and the client's punchy edit of it.
fn approvals() -> Vec<(String, String)> {
    [
        ("onboarding", "Quick truth: onboarding is a product. Ship it weekly. New hires notice. 🚀\n#Onboarding #EngLeadership"),
        ("hiring", "Quick truth: hiring engineers is sales. Sell the problem. Not the perks. 🔥\n#Hiring #EngLeadership"),
        ("retros", "Quick truth: retros die from repetition. Change the format. Keep the promise. ✅\n#Retros #EngLeadership"),
        ("pricing", "Quick truth: price the outcome. Never the hours. Clients agree. 💡\n#Pricing #Consulting"),
        ("feedback", "Quick truth: feedback is a gift. Give it early. Give it kindly. 🚀\n#Feedback #EngLeadership"),
    ]
    .into_iter()
    .map(|(topic, edited)| {
        (
            format!("Here are some thoughts about {topic} that engineering leaders may find useful when they plan their work for the next quarter."),
            edited.to_owned(),
        )
    })
    .collect()
}

async fn drafts_style(t: &TestApp, token: &str, id: &str) -> (StyleStats, Vec<Value>) {
    let mut texts = Vec::new();
    let mut bodies = Vec::new();
    for topic in TOPICS {
        let (status, d) = t
            .post(
                &format!("/api/v1/cartridges/{id}/drafts"),
                Some(token),
                json!({"kind": "post", "topic": topic}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{d}");
        assert_eq!(d["mode"], "offline");
        texts.push(d["text"].as_str().unwrap().to_owned());
        bodies.push(d);
    }
    (StyleStats::of(&texts), bodies)
}

async fn edited_approvals_move_offline_drafts_toward_the_approved_style(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let (status, c) = t
        .post("/api/v1/cartridges", Some(&token), formal_cartridge())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    let cartridge = CartridgeId(id.parse().unwrap());
    let who = t.app.authenticate(&token).await.unwrap();

    let (before, first) = drafts_style(&t, &token, &id).await;
    assert!(first.iter().all(|d| d["examples_used"] == json!([])));
    // The same request gives the same draft.
    let (_, again) = drafts_style(&t, &token, &id).await;
    assert_eq!(first, again);

    let approved = approvals();
    let mut recorded = Vec::new();
    for (draft, edited) in &approved {
        let source = uuid::Uuid::now_v7();
        let e = t
            .app
            .record_example(
                &who,
                cartridge,
                ExampleKind::Post,
                Some(draft),
                edited,
                ExampleSource::Approval,
                Some(source),
            )
            .await
            .unwrap();
        assert!(
            e.edited && e.draft.as_deref() == Some(draft.as_str()) && e.source_id == Some(source)
        );
        recorded.push(e.id);
    }
    let finals: Vec<&str> = approved.iter().map(|(_, e)| e.as_str()).collect();
    let target = StyleStats::of(&finals);

    let (after, drafts) = drafts_style(&t, &token, &id).await;
    let (d_before, d_after) = (before.distance(&target), after.distance(&target));
    assert!(
        d_after < d_before,
        "before {d_before} {before:?}\nafter {d_after} {after:?}\ntarget {target:?}"
    );
    assert!(
        after.avg_sentence_words < before.avg_sentence_words,
        "{before:?} {after:?}"
    );
    assert!(
        after.emoji_per_text > before.emoji_per_text,
        "{before:?} {after:?}"
    );
    assert!(
        after.hashtags_per_text > before.hashtags_per_text,
        "{before:?} {after:?}"
    );
    assert_eq!(after.favourite_openings, ["Quick truth:"], "{drafts:?}");
    assert!(
        drafts
            .iter()
            .all(|d| !d["examples_used"].as_array().unwrap().is_empty())
    );

    // The learned style is visible, and the edit is kept beside its draft.
    let (status, style) = t
        .get(&format!("/api/v1/cartridges/{id}/style?kind=post"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{style}");
    assert_eq!(style["samples"], 6);
    assert_eq!(style["favourite_openings"], json!(["Quick truth:"]));
    let (_, list) = t
        .get(
            &format!("/api/v1/cartridges/{id}/examples?kind=post"),
            &token,
        )
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[1]["draft"], approved[1].0.as_str());
    assert_eq!(items[1]["text"], approved[1].1.as_str());
    assert_eq!(items[1]["source"], "approval");
    assert_eq!(items[1]["embedding_model"], "revos-hashed-ngram-256");

    // Retrieval ranks the closest example first, for the API and for the use case.
    let (status, ranked) = t
        .get(&format!("/api/v1/cartridges/{id}/examples/relevant?q=how%20we%20price%20consulting%20outcomes&limit=3"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{ranked}");
    let ranked = ranked["items"].as_array().unwrap();
    assert_eq!(ranked.len(), 3);
    assert_eq!(ranked[0]["id"], recorded[3].to_string());
    assert!(ranked[0]["score"].as_f64().unwrap() > ranked[1]["score"].as_f64().unwrap());
    let top = t
        .app
        .relevant_examples(
            &who,
            cartridge,
            ExampleKind::Post,
            "hiring engineers who want to solve hard problems",
            5,
        )
        .await
        .unwrap();
    assert_eq!(top[0].example.id, recorded[1]);
    assert!(
        t.app
            .relevant_examples(&who, cartridge, ExampleKind::Dm, "hiring", 5)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn stale_embeddings_are_redone_and_bad_input_is_refused(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, tenant, _) = t.signup("ana@example.com", "Acme").await;
    let tenant = revos_domain::TenantId(tenant.parse().unwrap());
    let (_, c) = t
        .post("/api/v1/cartridges", Some(&token), formal_cartridge())
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for text in [
        "Dental implants explained for nervous patients",
        "Hiring your first engineering manager",
    ] {
        let (status, e) = t
            .post(
                &format!("/api/v1/cartridges/{id}/examples"),
                Some(&token),
                json!({"kind": "dm", "text": text}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
        assert_eq!(e["source"], "manual");
        assert_eq!(e["edited"], false);
        ids.push(uuid::Uuid::parse_str(e["id"].as_str().unwrap()).unwrap());
    }
    // Pretend the hiring example was embedded by another model: a vector that would rank it last.
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    revos_store::cartridge_examples::set_embedding(
        &mut tx,
        tenant,
        ids[1],
        &[0u8; 8],
        "some-remote-model",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, ranked) = t
        .get(&format!("/api/v1/cartridges/{id}/examples/relevant?kind=dm&q=hiring%20an%20engineering%20manager"), &token)
        .await;
    assert_eq!(ranked["items"][0]["id"], ids[1].to_string(), "{ranked}");
    assert_eq!(
        ranked["items"][0]["embedding_model"],
        "revos-hashed-ngram-256"
    );
    let (_, list) = t
        .get(&format!("/api/v1/cartridges/{id}/examples?kind=dm"), &token)
        .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["embedding_model"] == "revos-hashed-ngram-256")
    );

    // Bad input names its field.
    let base = format!("/api/v1/cartridges/{id}");
    let (status, err) = t
        .post(
            &format!("{base}/examples"),
            Some(&token),
            json!({"kind": "email", "text": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), ["kind"]);
    let (status, err) = t
        .post(
            &format!("{base}/examples"),
            Some(&token),
            json!({"kind": "post", "text": "  "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), ["text"]);
    let (status, err) = t
        .post(
            &format!("{base}/drafts"),
            Some(&token),
            json!({"kind": "post", "topic": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), ["topic"]);
    for (path, field) in [
        (format!("{base}/style?kind=email"), "kind"),
        (format!("{base}/examples/relevant"), "q"),
        (format!("{base}/examples/relevant?q=x&limit=0"), "limit"),
        ("/api/v1/cartridges/similar?q=".to_owned(), "q"),
        (
            "/api/v1/cartridges/similar?q=x&limit=51".to_owned(),
            "limit",
        ),
    ] {
        let (status, err) = t.get(&path, &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {err}");
        assert_eq!(error_fields(&err), [field], "{path}");
    }
    let (status, _) = t
        .post(
            &format!("/api/v1/cartridges/{}/drafts", uuid::Uuid::now_v7()),
            Some(&token),
            json!({"kind": "dm", "topic": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A DM draft greets and stays offline.
    let (status, d) = t
        .post(
            &format!("{base}/drafts"),
            Some(&token),
            json!({"kind": "dm", "topic": "dental implants"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["mode"], "offline");
    assert_eq!(d["examples_used"][0], ids[0].to_string());
}

fn profile(
    name: &str,
    role: &str,
    audience: &str,
    niche: &str,
    topics: &[&str],
    pains: &[&str],
) -> Value {
    json!({
        "name": name,
        "persona": {"role": role, "target_audience": audience},
        "writing_style": {"tone": "professional", "vocabulary_level": 5, "sentence_structure": "medium"},
        "industry_knowledge": {"niche": niche, "key_topics": topics, "common_pain_points": pains}
    })
}

async fn similar_cartridges_rank_the_described_one_first(db: Db) {
    let t = TestApp::spawn(db).await;
    let (token, _, _) = t.signup("ana@example.com", "Acme").await;
    let bodies = [
        profile(
            "TalentLoop",
            "Head of Talent",
            "SaaS founders hiring engineers",
            "SaaS recruiting",
            &["technical hiring", "engineering interviews"],
            &["slow hiring pipelines"],
        ),
        profile(
            "Bright Smiles",
            "Dentist",
            "families looking for a dental clinic",
            "dental clinic",
            &["teeth whitening", "dental implants"],
            &["fear of the dentist"],
        ),
        profile(
            "LedgerLabs",
            "Fintech Founder",
            "CFOs of growing companies",
            "fintech payments",
            &["payments", "banking APIs"],
            &["slow bank reconciliation"],
        ),
    ];
    let mut ids = Vec::new();
    for b in bodies {
        let (status, c) = t.post("/api/v1/cartridges", Some(&token), b).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    for (q, expected) in [
        (
            "a%20dental%20practice%20offering%20implants%20and%20whitening",
            1,
        ),
        ("recruiting%20engineers%20for%20a%20SaaS%20startup", 0),
        ("payments%20and%20banking%20for%20CFOs", 2),
    ] {
        let (status, found) = t
            .get(&format!("/api/v1/cartridges/similar?q={q}&limit=3"), &token)
            .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let items = found["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["id"], ids[expected].as_str(), "{q}: {found}");
        assert!(
            items[0]["score"].as_f64() > items[1]["score"].as_f64(),
            "{q}: {found}"
        );
    }
    let (_, one) = t
        .get("/api/v1/cartridges/similar?q=dentist&limit=1", &token)
        .await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
}
