//! The dashboard's "Try it in the sandbox" button: sets up the sandbox trial through the same
//! use case as `POST /api/v1/sandbox/trial`, then goes back to the dashboard, whose checklist
//! ticks as the trial's steps come true. A second click creates nothing.

use super::render::UiError;
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The button's form: only its CSRF token.
#[derive(Deserialize)]
pub(super) struct TrialForm {
    #[serde(default)]
    _csrf: String,
}

/// `POST /sandbox/trial`.
pub(super) async fn start_trial(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<TrialForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let trial = state.app.start_sandbox_trial(&signed.who).await?;
    let outcome = if trial.created { "started" } else { "exists" };
    Ok(Redirect::to(&format!("/?trial={outcome}#first-run")).into_response())
}
