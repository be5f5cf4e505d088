//! The content calendar over the API: a workspace's posts over a span of days, each with its
//! time in UTC and in its account's time zone, and the best posting times learnt from its
//! published posts. Clients may read both (what their role may see of the posts).

use crate::error::{ApiError, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use revos_app::calendar::{Calendar, CalendarRequest};
use revos_domain::calendar::BestTimes;
use revos_domain::{FieldError, ValidationErrors};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(calendar))
        .routes(routes!(best_times))
}

/// The days and filters of a calendar read.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CalendarParams {
    /// The first day, `YYYY-MM-DD`.
    from: Option<String>,
    /// The last day, `YYYY-MM-DD`, at most 62 days after `from` counting both.
    to: Option<String>,
    /// Only this client's (cartridge's) posts.
    client_id: Option<String>,
    /// Only this LinkedIn account's posts; its time zone is the default of `tz`.
    account_id: Option<String>,
    /// The IANA time zone the days are read in (default: the account's, else UTC).
    tz: Option<String>,
}

/// The account whose time zone the best times are shown in.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct BestTimesParams {
    /// The LinkedIn account (its time zone); UTC without one.
    account_id: Option<String>,
}

/// Reads an optional id sent as `field`, collecting its error.
fn optional_id(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    Uuid::parse_str(raw)
        .map_err(|_| {
            errors.push(FieldError {
                field: field.to_owned(),
                message: "must be an id (UUID)".to_owned(),
            })
        })
        .ok()
}

/// The query string, or a 422 naming the parameter that could not be read.
fn params<T>(q: Result<Query<T>, axum::extract::rejection::QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(p)| p)
        .map_err(|e| ApiError::from(ValidationErrors::single("query", e.body_text())))
}

/// Lists the posts placed in a span of days: drafts, posts waiting for approval and other
/// unscheduled posts by their last change, scheduled posts by their time, published ones by
/// when they went out; each with its time in UTC and in its account's time zone.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", security(("bearer" = [])),
    params(CalendarParams),
    responses((status = 200, body = Calendar), (status = 422, body = ErrorBody)))]
async fn calendar(
    State(state): State<AppState>,
    Auth(who): Auth,
    q: Result<Query<CalendarParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Calendar>, ApiError> {
    let p = params(q)?;
    let mut errors = Vec::new();
    let client_id = optional_id("client_id", p.client_id.as_deref(), &mut errors);
    let account_id = optional_id("account_id", p.account_id.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let req = CalendarRequest {
        from: p.from,
        to: p.to,
        client_id,
        account_id,
        tz: p.tz,
    };
    Ok(Json(state.app.calendar(&who, &req).await?))
}

/// The best posting times (weekday and hour in the account's time zone), learnt from the
/// reactions and comments of the workspace's published posts; none until enough posts have
/// counts.
#[utoipa::path(get, path = "/api/v1/calendar/best-times", tag = "calendar", security(("bearer" = [])),
    params(BestTimesParams),
    responses((status = 200, body = BestTimes), (status = 422, body = ErrorBody)))]
async fn best_times(
    State(state): State<AppState>,
    Auth(who): Auth,
    q: Result<Query<BestTimesParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<BestTimes>, ApiError> {
    let p = params(q)?;
    let mut errors = Vec::new();
    let account = optional_id("account_id", p.account_id.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    Ok(Json(state.app.best_posting_times(&who, account).await?))
}
