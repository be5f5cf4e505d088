//! The analytics export's form on the settings page (owners and admins): the switch, the
//! workspace's own PostHog project key (left blank, the stored one stays) and host.

use super::render::UiError;
use super::session::Signed;
use super::settings::{back, reshow};
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::context;
use revos_app::analytics::AnalyticsUpdate;
use serde::Deserialize;

/// The analytics form.
#[derive(Deserialize)]
pub(super) struct AnalyticsForm {
    #[serde(default)]
    _csrf: String,
    /// The checkbox: present when ticked.
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    url: String,
}

/// `POST /settings/analytics`: saves the export's switch, key and host.
pub(super) async fn save(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<AnalyticsForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let key = form.api_key.trim();
    let update = AnalyticsUpdate {
        enabled: Some(form.enabled.is_some()),
        api_key: (!key.is_empty()).then(|| key.to_owned()),
        url: Some(form.url.trim().to_owned()),
    };
    match state.app.set_analytics(&signed.who, &update).await {
        Ok(_) => Ok(back("analytics", "analytics")),
        Err(e) => {
            let values = context! { url => form.url, enabled => form.enabled.is_some() };
            reshow(&state, &signed, "analytics", values, e).await
        }
    }
}
