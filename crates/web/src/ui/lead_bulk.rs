//! The lead list's bulk action, in two steps with plain forms: the list's form posts the
//! action with the list's filters in the URL; the first post counts ("all N leads matching
//! this filter", and how many the action changes) and asks to confirm; the confirmation
//! applies it through the same use case as the API and says what it did.

use super::leads::LeadQuery;
use super::page_params::with_query;
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::lead_bulk::{BulkAction, BulkOutcome, BulkRequest};
use revos_domain::PageRequest;
use serde::Deserialize;
use uuid::Uuid;

/// The bulk form's fields.
#[derive(Deserialize)]
pub(super) struct BulkForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    target_campaign: String,
    /// `yes` on the confirmation step.
    #[serde(default)]
    confirm: String,
}

/// The form's action, or the error naming its field.
fn action_of(raw: &str) -> Option<BulkAction> {
    match raw {
        "tag" => Some(BulkAction::Tag),
        "untag" => Some(BulkAction::Untag),
        "add_to_campaign" => Some(BulkAction::AddToCampaign),
        "do_not_contact" => Some(BulkAction::DoNotContact),
        _ => None,
    }
}

/// What the action does (`done`) or would do to the selection, in words.
fn summary(outcome: &BulkOutcome, tag: &str, campaign: &str, done: bool) -> String {
    let (n, m) = (outcome.touched, outcome.matched);
    let leads = |n: u64| {
        if n == 1 {
            "1 lead".to_owned()
        } else {
            format!("{n} leads")
        }
    };
    match (outcome.action, done) {
        (BulkAction::Tag, true) => format!("Tagged {} “{tag}”.", leads(n)),
        (BulkAction::Tag, false) => format!(
            "This tags {} of the {m} matching “{tag}” (the others have it already, or 20 tags).",
            leads(n)
        ),
        (BulkAction::Untag, true) => format!("Removed the tag “{tag}” from {}.", leads(n)),
        (BulkAction::Untag, false) => format!(
            "This removes the tag “{tag}” from {} of the {m} matching (the others do not have it).",
            leads(n)
        ),
        (BulkAction::AddToCampaign, true) => format!(
            "Added {} to {campaign}: they enter its sequence within moments.",
            leads(n)
        ),
        (BulkAction::AddToCampaign, false) => format!(
            "This adds {} of the {m} matching to {campaign} (the others are in it already or on the do-not-contact list); each enters its sequence as an imported lead does.",
            leads(n)
        ),
        (BulkAction::DoNotContact, true) => {
            format!("Put {} on the do-not-contact list.", leads(n))
        }
        (BulkAction::DoNotContact, false) => format!(
            "This puts {} of the {m} matching on the do-not-contact list (the others are on it already): they are never contacted again.",
            leads(n)
        ),
    }
}

/// `POST /leads/bulk?<the list's filters>`: counts and asks to confirm, or (with
/// `confirm=yes`) applies the action and says what it did.
pub(super) async fn act(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    query: Result<Query<LeadQuery>, QueryRejection>,
    Form(form): Form<BulkForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let Query(query) = query.map_err(|e| UiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let filters = query.filters_query();
    let list_url = with_query("/leads", &filters);
    let Ok((filter, _)) = query.parse() else {
        // The list shows what is wrong with the filters.
        return Ok(Redirect::to(&list_url).into_response());
    };
    let app = &state.app;
    let campaigns = app
        .list_campaigns(
            &signed.who,
            None,
            PageRequest {
                limit: PageRequest::MAX_LIMIT,
                after: None,
            },
        )
        .await?
        .items;
    let mut errors: Vec<(String, String)> = Vec::new();
    let action = action_of(form.action.trim());
    if action.is_none() {
        errors.push(("action".into(), "choose an action from the list".into()));
    }
    let target = match form.target_campaign.trim() {
        "" => None,
        raw => match Uuid::parse_str(raw) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push((
                    "campaign_id".into(),
                    "choose a campaign from the list".into(),
                ));
                None
            }
        },
    };
    let tag = form.tag.trim();
    let confirmed = form.confirm == "yes";
    let mut outcome = None;
    if let (Some(action), true) = (action, errors.is_empty()) {
        // The form sends every field; each action reads only its own.
        let req = BulkRequest {
            action,
            tag: matches!(action, BulkAction::Tag | BulkAction::Untag).then(|| tag.to_owned()),
            campaign_id: target.filter(|_| action == BulkAction::AddToCampaign),
            dry_run: !confirmed,
        };
        match app.bulk_leads(&signed.who, &filter, &req).await {
            Ok(o) => outcome = Some(o),
            Err(err) => {
                let e = UiError::from(err);
                match e.status() {
                    StatusCode::UNPROCESSABLE_ENTITY => errors = e.field_errors().to_vec(),
                    StatusCode::CONFLICT => {
                        errors.push(("campaign_id".into(), e.message().to_owned()));
                    }
                    _ => return Err(e),
                }
            }
        }
    }
    let campaign_name = target
        .and_then(|t| campaigns.iter().find(|c| c.id == t))
        .map(|c| c.spec.name.clone())
        .unwrap_or_default();
    let text = outcome
        .as_ref()
        .map(|o| summary(o, &tag.to_lowercase(), &campaign_name, confirmed));
    let campaign_options: Vec<Value> = campaigns
        .iter()
        .map(|c| context! { id => c.id.to_string(), name => c.spec.name.clone(), sandbox => c.sandbox })
        .collect();
    let tag_names = app.lead_tag_names(&signed.who).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page(
        &state,
        &signed,
        "leads_bulk.html",
        "leads",
        context! {
            list_url => list_url,
            bulk_url => with_query("/leads/bulk", &filters),
            export_url => with_query("/leads/export.csv", &filters),
            filters_text => describe(&query, &campaigns),
            matched => outcome.as_ref().map(|o| o.matched),
            touched => outcome.as_ref().map(|o| o.touched),
            done => confirmed && outcome.is_some(),
            summary => text,
            bulk => context! { action => form.action.trim(), tag => tag, campaign => form.target_campaign.trim() },
            campaigns => campaign_options, tag_names => tag_names,
            errors => Value::from(Serde(&errors)),
        },
    )
    .await?;
    Ok((status, html).into_response())
}

/// The filters set, in words ("campaign Spring, stage replied, tag warm"), empty for none.
fn describe(q: &LeadQuery, campaigns: &[revos_app::campaigns::Campaign]) -> String {
    q.filters_pairs()
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|&(k, v)| match k {
            "campaign_id" => {
                let name = campaigns
                    .iter()
                    .find(|c| c.id.to_string() == v)
                    .map_or(v, |c| c.spec.name.as_str());
                format!("campaign {name}")
            }
            "q" => format!("search “{v}”"),
            _ => format!("{k} {v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_run_says_how_many_of_how_many() {
        let o = BulkOutcome {
            action: BulkAction::Tag,
            dry_run: true,
            matched: 10,
            touched: 7,
        };
        assert_eq!(
            summary(&o, "warm", "", false),
            "This tags 7 leads of the 10 matching “warm” (the others have it already, or 20 tags)."
        );
        assert_eq!(summary(&o, "warm", "", true), "Tagged 7 leads “warm”.");
    }
}
