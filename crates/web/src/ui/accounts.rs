//! One LinkedIn account's page: its limits in force today (the daily cap after warm-up), what is
//! used of them, when the next DM may go (inside the sending window) and why it waits; and, for
//! owners and admins, a form that edits its time zone, sending window, caps, gaps and warm-up
//! through the same use case as `PATCH /api/v1/linkedin-accounts/{id}/pacing`. A form with a
//! mistake is shown again (422) with each message beside its field.

use super::pacing_view::pacing_now;
use super::page_params::parse_id;
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::AppError;
use revos_app::accounts::{Account, PacingPatch};
use revos_domain::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// What the last action did, shown once after its redirect.
#[derive(Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

/// The pacing form, as typed (numbers are parsed here, so a mistake names its field).
#[derive(Clone, Default, Deserialize, Serialize)]
pub(super) struct PacingForm {
    #[serde(default, skip_serializing)]
    _csrf: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    window_start: String,
    #[serde(default)]
    window_end: String,
    #[serde(default)]
    hourly_cap: String,
    #[serde(default)]
    daily_cap: String,
    #[serde(default)]
    min_gap_seconds: String,
    #[serde(default)]
    max_gap_seconds: String,
    #[serde(default)]
    warmup_weeks: String,
}

impl PacingForm {
    /// The form filled with the account's policy.
    fn of(a: &Account) -> Self {
        let p = &a.pacing;
        Self {
            _csrf: String::new(),
            time_zone: p.time_zone.clone(),
            window_start: p.window_start.clone(),
            window_end: p.window_end.clone(),
            hourly_cap: p.hourly_cap.to_string(),
            daily_cap: p.daily_cap.to_string(),
            min_gap_seconds: p.min_gap_seconds.to_string(),
            max_gap_seconds: p.max_gap_seconds.to_string(),
            warmup_weeks: p.warmup_weeks.to_string(),
        }
    }

    /// The change the form asks for, leaving out the fields that are not whole numbers, and
    /// those fields' errors.
    fn patch(&self) -> (PacingPatch, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut number = |field: &str, raw: &str| match raw.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError {
                    field: field.to_owned(),
                    message: "must be a whole number".to_owned(),
                });
                None
            }
        };
        let patch = PacingPatch {
            time_zone: Some(self.time_zone.trim().to_owned()),
            window_start: Some(self.window_start.trim().to_owned()),
            window_end: Some(self.window_end.trim().to_owned()),
            hourly_cap: number("hourly_cap", &self.hourly_cap),
            daily_cap: number("daily_cap", &self.daily_cap),
            min_gap_seconds: number("min_gap_seconds", &self.min_gap_seconds),
            max_gap_seconds: number("max_gap_seconds", &self.max_gap_seconds),
            warmup_weeks: number("warmup_weeks", &self.warmup_weeks),
            ..PacingPatch::default()
        };
        (patch, errors)
    }
}

/// Renders the account page, with the pacing form as typed and its mistakes when it failed.
async fn account_page(
    state: &AppState,
    signed: &Signed,
    account: &Account,
    notice: Option<&str>,
    form: &PacingForm,
    errors: &[(String, String)],
) -> Result<axum::response::Html<String>, UiError> {
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let dm = &account.effective_limits.dm;
    page(
        state,
        signed,
        "account.html",
        "settings",
        context! {
            a => Value::from(Serde(account)),
            now => pacing_now(account),
            held_by => dm.held_by.iter().map(|h| context! {
                reason => h.reason.as_str(),
                until => super::pacing_view::local_when(h.until, &account.pacing.time_zone),
            }).collect::<Vec<_>>(),
            admin => signed.who.role.can_administer(),
            paused => account.paused_until.is_some_and(|t| t > state.app.now()),
            paused_until_resumed => revos_app::accounts::paused_until_resumed(account),
            reconnect => account.provider == "unipile"
                && account.status == revos_domain::linkedin_account::AccountStatus::NeedsReconnect,
            notice => notice,
            form => Value::from(Serde(form)),
            errors => Value::from(Serde(errors)),
            invalid => errors.iter().map(|(field, _)| field.clone()).collect::<Vec<_>>(),
            zones => zones,
        },
    )
    .await
}

/// `GET /accounts/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, UiError> {
    let id = parse_id(&id, "account")?;
    let account = state.app.get_account(&signed.who, id).await?;
    let notice = done.done.as_deref().and_then(|d| {
        Some(match d {
            "pacing" => "The pacing was saved.",
            "connected" => "The account is connected.",
            "reconnected" => "Unipile reconnected the account.",
            "pause" => "The account is paused: nothing is sent until you resume it.",
            "resume" => "The account is resumed.",
            _ => return None,
        })
    });
    let form = PacingForm::of(&account);
    let html = account_page(&state, &signed, &account, notice, &form, &[]).await?;
    Ok(html.into_response())
}

/// `POST /accounts/{id}/pacing`: changes the account's pacing, then back to its page.
pub(super) async fn update_pacing(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<PacingForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&id, "account")?;
    let (patch, mut errors) = form.patch();
    let err = if errors.is_empty() {
        match state.app.update_pacing(&signed.who, id, &patch).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/accounts/{id}?done=pacing")).into_response());
            }
            Err(e) => UiError::from(e),
        }
    } else {
        // Nothing is saved, but the other fields are checked too: every mistake shows at once.
        match state.app.check_pacing(&signed.who, id, &patch).await {
            Ok(()) => {}
            Err(AppError::Validation(others)) => errors.extend(others.0),
            Err(e) => return Err(e.into()),
        }
        UiError::from(AppError::Validation(ValidationErrors(errors)))
    };
    if err.status() != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(err);
    }
    let account = state.app.get_account(&signed.who, id).await?;
    let html = account_page(&state, &signed, &account, None, &form, err.field_errors()).await?;
    Ok((err.status(), html).into_response())
}
