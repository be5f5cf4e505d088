//! The do-not-contact list: people the pipeline never messages.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use revos_app::do_not_contact::DoNotContactRequest;
use revos_app::leads::{Lead, LeadFilter};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(remove))
}

/// Lists the leads on the do-not-contact list.
#[utoipa::path(get, path = "/api/v1/do-not-contact", tag = "do-not-contact", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Lead>), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<Lead>>, ApiError> {
    let filter = LeadFilter {
        do_not_contact: Some(true),
        ..LeadFilter::default()
    };
    Ok(Json(
        state.app.list_leads(&who, &filter, page).await?.into(),
    ))
}

/// Puts a lead, or a LinkedIn member by provider id, on the do-not-contact list (a member
/// who is not a lead yet becomes one, so their future comments are skipped). Idempotent.
#[utoipa::path(post, path = "/api/v1/do-not-contact", tag = "do-not-contact", security(("bearer" = [])),
    request_body = DoNotContactRequest,
    responses((status = 200, body = Lead), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<DoNotContactRequest>,
) -> Result<Json<Lead>, ApiError> {
    Ok(Json(state.app.add_do_not_contact(&who, &req).await?))
}

/// Takes a lead off the do-not-contact list. Idempotent.
#[utoipa::path(delete, path = "/api/v1/do-not-contact/{lead_id}", tag = "do-not-contact", security(("bearer" = [])),
    params(("lead_id" = uuid::Uuid, Path, description = "the lead's id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(lead_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let lead = uuid::Uuid::parse_str(&lead_id).map_err(|_| {
        ApiError::bad_request("the lead id in the path is not a UUID")
            .with_field("lead_id", "must be a UUID")
    })?;
    state.app.remove_do_not_contact(&who, lead).await?;
    Ok(StatusCode::NO_CONTENT)
}
