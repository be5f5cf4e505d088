//! The settings' share-links section (owners and admins): a link for a client without an
//! account to approve the posts waiting for them, made with a label saying who it is for and
//! an expiry of 1, 7 or 30 days (its address shown once), and revoked. The section itself is
//! rendered by the settings page; these are its forms. Same use cases as
//! `/api/v1/share-links`.

use super::page_params::parse_id;
use super::render::UiError;
use super::session::Signed;
use super::settings::{back, reshow, shown_once};
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::context;
use revos_app::AppError;
use revos_app::share_links::NewShareLink;
use revos_domain::ValidationErrors;
use serde::Deserialize;

/// The expiries the form offers, in days.
pub(super) const EXPIRY_DAYS: [u32; 3] = [1, 7, 30];

/// The new share link form.
#[derive(Deserialize)]
pub(super) struct ShareLinkForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    expires_in_days: String,
}

/// The form's expiry, one of [`EXPIRY_DAYS`], or the field's mistake.
fn expiry(raw: &str) -> Result<u32, AppError> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|d| EXPIRY_DAYS.contains(d))
        .ok_or_else(|| ValidationErrors::single("expires_in_days", "choose 1, 7 or 30 days").into())
}

/// `POST /settings/share-links`: makes a share link and shows its address once.
pub(super) async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<ShareLinkForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let created = match expiry(&form.expires_in_days) {
        Ok(days) => {
            let new = NewShareLink {
                label: form.label.clone(),
                expires_in_days: days,
            };
            state.app.create_share_link(&signed.who, new).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(link) => {
            let (value, how) = match state.app.share_link_address(&link.path) {
                Some(url) => (url, "Send them this link"),
                None => (
                    link.path.clone(),
                    "Send them this server's address followed by this path",
                ),
            };
            let intro = format!(
                "{how}: “{}” can approve or reject the posts waiting for approval with it, without an account, until {} (or until you revoke it). It is shown only this once.",
                link.info.label,
                link.info.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            shown_once(
                &state,
                &signed,
                "Share link created",
                intro,
                "Share link",
                value,
            )
            .await
        }
        Err(e) => {
            let values = context! { label => form.label, expires_in_days => form.expires_in_days };
            reshow(&state, &signed, "share_link", values, e).await
        }
    }
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub(super) struct RevokeForm {
    #[serde(default)]
    _csrf: String,
}

/// `POST /settings/share-links/{id}/revoke`: the link opens nothing from now on.
pub(super) async fn revoke(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&id, "share link")?;
    state.app.revoke_share_link(&signed.who, id).await?;
    Ok(back("share_link_revoked", "share-links"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_offered_expiries_are_taken() {
        assert_eq!(expiry(" 7 ").ok(), Some(7));
        for bad in ["", "2", "365", "week"] {
            match expiry(bad) {
                Err(AppError::Validation(v)) => assert_eq!(v.0[0].field, "expires_in_days"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
