//! The agency overview: every workspace the person belongs to, side by side (funnel, replies
//! waiting, posts waiting for approval, account health), each with a button into it (the
//! workspace switcher's action), and the form that creates a new client workspace.

use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

/// `GET /overview`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, UiError> {
    render(&state, &signed, None).await
}

/// The overview, with the create form's failure when there is one.
async fn render(
    state: &AppState,
    signed: &Signed,
    failed: Option<(&str, &UiError)>,
) -> Result<Html<String>, UiError> {
    let workspaces = state.app.overview(&signed.who).await?;
    page(
        state,
        signed,
        "overview.html",
        "overview",
        context! {
            workspaces => Serde(&workspaces),
            current => signed.who.tenant.to_string(),
            name => failed.map(|f| f.0.to_owned()).unwrap_or_default(),
            errors => failed.map(|f| f.1.field_errors().to_vec()).unwrap_or_default(),
        },
    )
    .await
}

/// The "New client workspace" form.
#[derive(Deserialize)]
pub(super) struct CreateForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
}

/// `POST /overview/workspaces`: creates a client workspace owned by the person, then shows
/// the overview with it (switch into it from there).
pub(super) async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    match state
        .app
        .create_client_workspace(&signed.who, &form.name)
        .await
    {
        Ok(made) => Ok(Redirect::to(&format!("/overview#workspace-{}", made.id)).into_response()),
        Err(e) => {
            let err = UiError::from(e);
            if err.status() != StatusCode::UNPROCESSABLE_ENTITY {
                return Err(err);
            }
            let html = render(&state, &signed, Some((&form.name, &err))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}
