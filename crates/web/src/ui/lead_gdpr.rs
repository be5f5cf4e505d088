//! The GDPR tools on a lead's page (issue 21, item 4), for owners and admins: download
//! everything the workspace holds about the person (the API's JSON export), and erase them
//! after a confirmation page. The erasure's use case refuses other roles whatever the page
//! shows.

use super::page_params::parse_id;
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

/// `GET /leads/{id}/export.json`: everything about the person, as a JSON download.
pub(super) async fn export(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&raw, "lead")?;
    let export = state.app.export_person(&signed.who, id).await?;
    let body = serde_json::to_string_pretty(&export)
        .map_err(|e| UiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let disposition = format!("attachment; filename=\"person-{id}.json\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// `GET /leads/{id}/erase`: what an erasure does, and the button that does it (owner or
/// admin only).
pub(super) async fn confirm(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&raw, "lead")?;
    if !signed.who.role.can_administer() {
        return Err(UiError::forbidden(
            "erasing a person needs the owner or admin role",
        ));
    }
    let lead = state.app.get_lead(&signed.who, id).await?;
    let html = page(
        &state,
        &signed,
        "lead_erase.html",
        "leads",
        context! { lead => Serde(&lead.lead) },
    )
    .await?;
    Ok(html.into_response())
}

/// The erase button's fields.
#[derive(Deserialize)]
pub(super) struct EraseForm {
    #[serde(default)]
    _csrf: String,
}

/// `POST /leads/{id}/erase`: erases the person, then shows what is left of the lead.
pub(super) async fn erase(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<EraseForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&raw, "lead")?;
    state.app.erase_person(&signed.who, id).await?;
    Ok(Redirect::to(&format!("/leads/{id}")).into_response())
}
