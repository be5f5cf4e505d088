//! The notification centre page: the member's notifications (newest first, read or not, with
//! "Mark read" per item and for all), their preferences per kind (in-app, Slack), and for
//! owners and admins the workspace's Slack incoming webhook. Every action goes through the
//! same use cases as `/api/v1/notifications`.

use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use revos_app::notifications::{KindPreference, PreferencesUpdate, ReadRequest};
use revos_domain::PageRequest;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Where the page starts and what the last action did.
#[derive(Deserialize)]
pub(super) struct Params {
    /// The last id of the previous page (older notifications follow).
    before: Option<Uuid>,
    /// `read`, `preferences` or `slack`, after the action's redirect.
    done: Option<String>,
}

/// `GET /notifications`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(params): Query<Params>,
) -> Result<Html<String>, UiError> {
    let app = &state.app;
    let list = app
        .list_notifications(
            &signed.who,
            PageRequest {
                limit: PageRequest::DEFAULT_LIMIT,
                after: params.before,
            },
        )
        .await?;
    let prefs = app.notification_preferences(&signed.who).await?;
    page(
        &state,
        &signed,
        "notifications.html",
        "notifications",
        context! {
            items => Serde(&list.items),
            older => list.next_after.map(|id| id.to_string()),
            prefs => Serde(&prefs.items),
            slack_configured => prefs.slack_configured,
            admin => signed.who.require_admin().is_ok(),
            done => params.done,
        },
    )
    .await
}

/// The "mark read" form: one notification, or all of them.
#[derive(Deserialize)]
pub(super) struct ReadForm {
    #[serde(default)]
    _csrf: String,
    id: Option<Uuid>,
    all: Option<String>,
}

/// `POST /notifications/read`.
pub(super) async fn read(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<ReadForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let req = ReadRequest {
        ids: form.id.map(|id| vec![id]),
        all: form.all.is_some().then_some(true),
    };
    state.app.mark_notifications_read(&signed.who, &req).await?;
    Ok(Redirect::to("/notifications?done=read").into_response())
}

/// `POST /notifications/preferences`: a checkbox `in_app.KIND` and `slack.KIND` per kind
/// (an unchecked box is absent, so every kind is stored).
pub(super) async fn preferences(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let csrf = form.get("_csrf").map(String::as_str).unwrap_or_default();
    signed.check_form(&headers, csrf)?;
    let items = revos_domain::notification::NotificationKind::ALL
        .into_iter()
        .map(|k| KindPreference {
            kind: k.as_str().to_owned(),
            in_app: form.contains_key(&format!("in_app.{}", k.as_str())),
            slack: form.contains_key(&format!("slack.{}", k.as_str())),
        })
        .collect();
    state
        .app
        .set_notification_preferences(&signed.who, &PreferencesUpdate { items })
        .await?;
    Ok(Redirect::to("/notifications?done=preferences#preferences").into_response())
}

/// The Slack webhook form.
#[derive(Deserialize)]
pub(super) struct SlackForm {
    #[serde(default)]
    _csrf: String,
    url: String,
}

/// `POST /notifications/slack`: sets the workspace's Slack incoming webhook.
pub(super) async fn slack(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<SlackForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    state.app.set_slack_webhook(&signed.who, &form.url).await?;
    Ok(Redirect::to("/notifications?done=slack#slack").into_response())
}
