//! The queue monitor: jobs by state for each queue, the dead jobs with their last error and
//! attempts, and a Retry button per dead job. Owners and admins only, like the jobs API.

use super::page_params::parse_id;
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::jobs::JobAccess;
use revos_domain::PageRequest;
use revos_domain::job_state::JobState;
use serde::Deserialize;
use uuid::Uuid;

/// What the last action did, shown once after its redirect.
#[derive(Deserialize)]
pub(super) struct Done {
    retried: Option<Uuid>,
}

/// `GET /queue`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(done): Query<Done>,
) -> Result<Html<String>, UiError> {
    let app = &state.app;
    let access = JobAccess::Tenant(&signed.who);
    let stats = app.job_stats(access).await?;
    let queues = app.job_counts_by_queue(access).await?;
    let dead = app
        .list_jobs(
            access,
            Some(JobState::Dead.as_str()),
            None,
            PageRequest {
                limit: PageRequest::MAX_LIMIT,
                after: None,
            },
        )
        .await?;
    let states: Vec<String> = stats.counts.keys().cloned().collect();
    page(
        &state,
        &signed,
        "queue.html",
        "queue",
        context! {
            states => states,
            totals => Value::from(Serde(&stats.counts)),
            oldest_due_age_seconds => stats.oldest_due_age_seconds,
            queues => Value::from(Serde(&queues)),
            dead => Value::from(Serde(&dead.items)),
            more_dead => dead.next_after.is_some(),
            retried => done.retried.map(|id| id.to_string()),
        },
    )
    .await
}

/// A form with only the CSRF token (absent tokens are refused with 403, not a parse error).
#[derive(Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

/// `POST /queue/jobs/{id}/retry`: gives a dead job fresh attempts and goes back to the queue.
pub(super) async fn retry(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&id, "job")?;
    let job = state
        .app
        .retry_job(JobAccess::Tenant(&signed.who), id)
        .await?;
    Ok(Redirect::to(&format!("/queue?retried={}", job.id)).into_response())
}
