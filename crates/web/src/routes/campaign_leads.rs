//! A campaign's leads, its funnel and its sequence figures: the lead list scoped to one
//! campaign, how many of its leads reached each step at what cost, and each sequence step's
//! and variant's reply rate.

use super::List;
use super::leads::{LeadFilters, parse_filters};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use revos_app::funnel::Funnel;
use revos_app::leads::Lead;
use revos_app::step_stats::SequenceStats;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(leads))
        .routes(routes!(funnel))
        .routes(routes!(steps))
}

/// Lists a campaign's leads, each with its stage there.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/leads", tag = "leads", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id"), LeadFilters,
           ("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<Lead>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn leads(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    Pagination(page): Pagination,
    filters: Result<Query<LeadFilters>, QueryRejection>,
) -> Result<Json<List<Lead>>, ApiError> {
    let filter = parse_filters(None, filters)?;
    Ok(Json(
        state
            .app
            .list_campaign_leads(&who, id, &filter, page)
            .await?
            .into(),
    ))
}

/// A campaign's funnel: how many of its leads reached each step, and its cost. A lead counts
/// in every step it reached, whatever its stage now (one who replied also counts as
/// `dm_sent`); `awaiting_connection` counts the leads waiting now. `cost_usd` sums the
/// `cost` of the campaign's events; `cost_per_lead_usd` divides it by `scraped` (`null`
/// without leads).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/funnel", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")),
    responses((status = 200, body = Funnel), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn funnel(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<Funnel>, ApiError> {
    Ok(Json(state.app.campaign_funnel(&who, id).await?))
}

/// A campaign's sequence figures: per step and A/B variant, the DMs sent, the replies (a
/// reply counts for the last step sent before it) and the reply rate, in the order of the
/// campaign's `steps` (a step edited away keeps its figures, with `position` null).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/steps", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the campaign's id")),
    responses((status = 200, body = SequenceStats), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn steps(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<SequenceStats>, ApiError> {
    Ok(Json(state.app.sequence_stats(&who, id).await?))
}
