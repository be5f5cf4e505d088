//! The first run: the checklist from an empty workspace to a first reply, and the one-click
//! sandbox trial (the same use cases as the dashboard's checklist and its button).

use crate::error::{ApiError, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use revos_app::first_run::{FirstRun, SandboxTrial};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checklist))
        .routes(routes!(sandbox_trial))
}

/// The first-run checklist: account, cartridge, a campaign watching a post, activated, first
/// lead, first reply; each step with whether it is done and the page where it is done.
#[utoipa::path(get, path = "/api/v1/first-run", tag = "first-run", security(("bearer" = [])),
    responses((status = 200, body = FirstRun)))]
async fn checklist(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<FirstRun>, ApiError> {
    Ok(Json(state.app.first_run(&who).await?))
}

/// Starts the sandbox trial: a sandbox account (named as simulated), a cartridge and an
/// activated campaign watching a simulated post, whose first lead appears within about a
/// minute. 201 when this call created it; 200 with the same trial when it existed already
/// (a second call creates nothing).
#[utoipa::path(post, path = "/api/v1/sandbox/trial", tag = "first-run", security(("bearer" = [])),
    responses((status = 201, body = SandboxTrial), (status = 200, body = SandboxTrial),
              (status = 403, body = ErrorBody)))]
async fn sandbox_trial(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<(StatusCode, Json<SandboxTrial>), ApiError> {
    let trial = state.app.start_sandbox_trial(&who).await?;
    let status = if trial.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(trial)))
}
