//! The campaign form's sequence editor, over HTTP as a browser without JavaScript sends it:
//! "add a step" and "add a text" buttons show the form again changed and save nothing, a
//! three-step sequence with A/B texts, delays in days and a condition is created, mistakes
//! are shown beside the step's own field, an edit of the active campaign posts the step and
//! variant ids back (they are kept; a removed step goes, a new one gets a new id), and the
//! campaign page shows the sequence table.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use crate::ui_html::{assert_labelled, csrf_of};
use crate::ui_pipeline::{field_error, good_campaign, refs, sign_up};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(the_sequence_editor_creates_and_edits_steps_keeping_their_ids);

/// The form's fields plus `extra` (the sequence's indexed fields), with the first step's
/// (hidden) id field as the form always posts it.
fn with(
    base: &[(&'static str, String)],
    extra: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = base.to_vec();
    if !extra.iter().any(|(k, _)| k.starts_with("steps[0]")) {
        out.push(("steps[0][id]", String::new()));
    }
    out.extend(extra.iter().cloned());
    out
}

/// How many steps the form shows.
fn steps_shown(html: &str) -> usize {
    html.matches(r#"class="card step""#).count()
}

async fn the_sequence_editor_creates_and_edits_steps_keeping_their_ids(db: Db) {
    let t = TestApp::spawn(db).await;
    let b = sign_up(&t, "seqform@example.com").await;
    let account = b.account("Ana (sandbox)").await;
    let form = b.ok("/campaigns/new").await;
    assert_eq!(steps_shown(&form), 1, "a new campaign starts as one DM");
    assert!(form.contains(r#"name="dm_template""#));
    let csrf = csrf_of(&form);
    let base = good_campaign(&csrf, account);

    // "Add a follow-up step" and "Add an A/B text": the form again, changed, nothing saved.
    let (status, _, html) = b
        .submit(
            "/campaigns/new",
            &refs(&with(&base, &[("steps_action", "add_step".into())])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_labelled(&html, "the form with a step added");
    assert_eq!(steps_shown(&html), 2);
    assert!(html.contains(r#"name="steps[1][delay]" type="number" min="1" value="3""#));
    assert!(
        html.contains(r#"value="Spring guide""#),
        "what was typed is kept"
    );
    let (status, _, html) = b
        .submit(
            "/campaigns/new",
            &refs(&with(
                &base,
                &[
                    ("steps[1][delay]", "5".into()),
                    ("steps[1][unit]", "hours".into()),
                    ("steps[1][variants][0][template]", "Kept text".into()),
                    ("steps_action", "add_variant-1".into()),
                ],
            )),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"name="steps[1][variants][1][template]""#));
    assert!(html.contains(">Kept text</textarea>"));
    assert!(html.contains(r#"name="steps[1][delay]" type="number" min="1" value="5""#));
    let (_, list) = t.get("/api/v1/campaigns", &b.token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing saved");

    // Mistakes are named beside the step's own fields.
    let bad = with(
        &base,
        &[
            ("steps[1][delay]", "0".into()),
            ("steps[1][unit]", "days".into()),
            ("steps[1][condition]", "no_reply".into()),
            ("steps[1][variants][0][template]", String::new()),
            ("steps[1][variants][0][weight]", "1".into()),
        ],
    );
    let (status, _, html) = b.submit("/campaigns/new", &refs(&bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert_labelled(&html, "the sequence with errors");
    assert!(field_error(&html, "steps-1-delay_hours").contains("between 1 and"));
    assert!(!field_error(&html, "steps-1-variants-0-template").is_empty());
    let mut typo = bad.clone();
    typo.retain(|(k, _)| !k.starts_with("steps[1]"));
    typo.extend([
        ("steps[1][delay]", "2".into()),
        ("steps[1][variants][0][template]", "Hi again".into()),
        ("steps[1][variants][0][weight]", "heavy".into()),
    ]);
    let (status, _, html) = b.submit("/campaigns/new", &refs(&typo)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(field_error(&html, "steps-1-variants-0-weight").contains("whole number"));

    // Three steps: the first with two texts, a follow-up 2 days later if the magnet was
    // opened, a last one 12 hours after that.
    let three = with(
        &base,
        &[
            ("steps[0][variants][0][weight]", "3".into()),
            (
                "steps[0][variants][1][template]",
                "B: {{ first_name }}, here it is: {{ lead_magnet_url }}".into(),
            ),
            ("steps[0][variants][1][weight]", "1".into()),
            ("steps[1][delay]", "2".into()),
            ("steps[1][unit]", "days".into()),
            ("steps[1][condition]", "opened_magnet".into()),
            (
                "steps[1][variants][0][template]",
                "Did it help, {{ first_name }}?".into(),
            ),
            ("steps[2][delay]", "12".into()),
            ("steps[2][unit]", "hours".into()),
            ("steps[2][condition]", "no_reply".into()),
            (
                "steps[2][variants][0][template]",
                "Last note, {{ first_name }}.".into(),
            ),
        ],
    );
    let (status, location, html) = b.submit("/campaigns/new", &refs(&three)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let id: Uuid = location
        .strip_prefix("/campaigns/")
        .unwrap()
        .parse()
        .unwrap();
    let (_, c) = t.get(&format!("/api/v1/campaigns/{id}"), &b.token).await;
    let steps = c["steps"].as_array().unwrap().clone();
    assert_eq!(steps.len(), 3, "{c}");
    assert_eq!(steps[0]["variants"][0]["template"], c["dm_template"]);
    assert_eq!(steps[0]["variants"][0]["weight"], 3);
    assert_eq!(steps[0]["variants"][1]["weight"], 1);
    assert_eq!(
        (
            steps[1]["delay_hours"].as_u64(),
            steps[1]["condition"].as_str()
        ),
        (Some(48), Some("opened_magnet"))
    );
    assert_eq!(
        (
            steps[2]["delay_hours"].as_u64(),
            steps[2]["condition"].as_str()
        ),
        (Some(12), Some("no_reply"))
    );
    let ids = |c: &Value| -> Vec<String> {
        c["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let step_ids = ids(&c);
    assert!(step_ids.iter().all(|s| !s.is_empty()));
    let second_text = steps[0]["variants"][1]["id"].as_str().unwrap().to_owned();

    // The campaign page's sequence table: a row per step and per text.
    let page = b.ok(&format!("/campaigns/{id}")).await;
    assert_eq!(page.matches(r#"class="step-row""#).count(), 3);
    assert!(page.contains("48 h later, if no reply and the magnet was opened"));

    // The edit form shows the saved sequence with every id to post back.
    let (status, _) = t
        .post(
            &format!("/api/v1/campaigns/{id}/activate"),
            Some(&b.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let edit = b.ok(&format!("/campaigns/{id}/edit")).await;
    assert_eq!(steps_shown(&edit), 3);
    for (i, sid) in step_ids.iter().enumerate() {
        assert!(
            edit.contains(&format!(r#"name="steps[{i}][id]" value="{sid}""#)),
            "step {i}'s id is posted back"
        );
    }
    assert!(edit.contains(&format!(
        r#"name="steps[0][variants][1][id]" value="{second_text}""#
    )));
    assert!(edit.contains(r#"name="steps[1][delay]" type="number" min="1" value="2""#));
    assert!(edit.contains(r#"<option value="opened_magnet" selected>"#));

    // Edited while active: step 2's text changes, step 3 is removed, a new step is added.
    let (status, _, html) = b
        .submit(
            &format!("/campaigns/{id}/edit"),
            &refs(&with(
                &base,
                &[
                    ("steps[0][id]", step_ids[0].clone()),
                    (
                        "steps[0][variants][0][id]",
                        steps[0]["variants"][0]["id"].as_str().unwrap().into(),
                    ),
                    ("steps[0][variants][1][id]", second_text.clone()),
                    (
                        "steps[0][variants][1][template]",
                        "B: still here, {{ first_name }}".into(),
                    ),
                    ("steps[1][id]", step_ids[1].clone()),
                    ("steps[1][delay]", "3".into()),
                    ("steps[1][unit]", "days".into()),
                    ("steps[1][condition]", "connected".into()),
                    (
                        "steps[1][variants][0][id]",
                        steps[1]["variants"][0]["id"].as_str().unwrap().into(),
                    ),
                    ("steps[1][variants][0][template]", "Edited follow-up".into()),
                    ("steps[3][delay]", "1".into()),
                    ("steps[3][unit]", "days".into()),
                    ("steps[3][variants][0][template]", "A new last step".into()),
                ],
            )),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, c) = t.get(&format!("/api/v1/campaigns/{id}"), &b.token).await;
    let now = ids(&c);
    assert_eq!(now.len(), 3, "{c}");
    assert_eq!(now[..2], step_ids[..2], "the kept steps keep their ids");
    assert!(!step_ids.contains(&now[2]), "the new step has a new id");
    assert_eq!(c["steps"][0]["variants"][1]["id"], second_text.as_str());
    assert_eq!(c["steps"][1]["delay_hours"], 72);
    assert_eq!(c["steps"][1]["condition"], "connected");
    assert_eq!(c["steps"][1]["variants"][0]["template"], "Edited follow-up");
    assert_eq!(c["steps"][2]["variants"][0]["template"], "A new last step");
    assert_eq!(c["status"], "active");
}
