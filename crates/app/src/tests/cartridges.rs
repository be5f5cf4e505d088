//! Cartridges are their workspace's own: another workspace neither reads nor lists them.

use super::app;
use crate::AppError;
use revos_domain::cartridge::CartridgeSpec;
use revos_domain::{PageRequest, SignupPolicy};
use revos_test_support::{Db, TestDb, both_backends};
use serde_json::json;

both_backends!(a_cartridge_is_its_workspace_own);

/// A valid cartridge named `name`.
fn spec(name: &str) -> CartridgeSpec {
    serde_json::from_value(json!({
        "name": name,
        "persona": {"role": "Executive Coach", "expertise": ["leadership"], "target_audience": "new managers"},
        "writing_style": {"tone": "casual", "vocabulary_level": 5, "sentence_structure": "short",
                          "storytelling_approach": "client stories"},
        "industry_knowledge": {"niche": "tech leadership", "key_topics": ["1:1s"],
                               "common_pain_points": ["burnout"], "solution_frameworks": ["GROW"]},
        "examples": [{"post": "Managers: stop fixing, start asking.", "dm": "Hi {first_name}!", "email": ""}]
    }))
    .expect("a valid cartridge")
}

async fn a_cartridge_is_its_workspace_own(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let (app, _clock) = app(store, SignupPolicy::Open);
    let acme = app
        .signup("ana@example.com", "correct horse battery", "Acme")
        .await
        .unwrap();
    let rival = app
        .signup("bo@example.com", "correct horse battery", "Rival")
        .await
        .unwrap();
    let acme = app.authenticate(&acme.token).await.unwrap();
    let rival = app.authenticate(&rival.token).await.unwrap();

    let created = app
        .create_cartridge(&acme, spec("Dana's voice"))
        .await
        .unwrap();
    let read = app.get_cartridge(&acme, created.id).await.unwrap();
    assert_eq!(read.id, created.id);

    let err = app.get_cartridge(&rival, created.id).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    let page = PageRequest::first();
    assert_eq!(
        app.list_cartridges(&acme, page).await.unwrap().items.len(),
        1
    );
    assert!(
        app.list_cartridges(&rival, page)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}
