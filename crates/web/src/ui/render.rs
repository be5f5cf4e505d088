//! Rendering pages: the templates are compiled into the binary and loaded once; every page
//! shares the layout (header, workspace switcher, navigation, sandbox notice, chat), and
//! errors become an HTML page a person can read.

use super::session::Signed;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use revos_app::AppError;
use std::sync::OnceLock;

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../templates/layout.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    (
        "period_macros.html",
        include_str!("../../templates/period_macros.html"),
    ),
    ("reports.html", include_str!("../../templates/reports.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("signup.html", include_str!("../../templates/signup.html")),
    (
        "accept_invitation.html",
        include_str!("../../templates/accept_invitation.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    ("queue.html", include_str!("../../templates/queue.html")),
    (
        "lead_magnet_edit.html",
        include_str!("../../templates/lead_magnet_edit.html"),
    ),
    ("guides.html", include_str!("../../templates/guides.html")),
    ("account.html", include_str!("../../templates/account.html")),
    (
        "settings.html",
        include_str!("../../templates/settings.html"),
    ),
    (
        "webhook_endpoint.html",
        include_str!("../../templates/webhook_endpoint.html"),
    ),
    (
        "shown_once.html",
        include_str!("../../templates/shown_once.html"),
    ),
    (
        "connect_link.html",
        include_str!("../../templates/connect_link.html"),
    ),
    (
        "post_macros.html",
        include_str!("../../templates/post_macros.html"),
    ),
    (
        "approvals.html",
        include_str!("../../templates/approvals.html"),
    ),
    ("post.html", include_str!("../../templates/post.html")),
    (
        "calendar.html",
        include_str!("../../templates/calendar.html"),
    ),
    (
        "cartridge_macros.html",
        include_str!("../../templates/cartridge_macros.html"),
    ),
    (
        "cartridges.html",
        include_str!("../../templates/cartridges.html"),
    ),
    (
        "cartridge_new.html",
        include_str!("../../templates/cartridge_new.html"),
    ),
    (
        "cartridge.html",
        include_str!("../../templates/cartridge.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    ("leads.html", include_str!("../../templates/leads.html")),
    ("lead.html", include_str!("../../templates/lead.html")),
    (
        "leads_bulk.html",
        include_str!("../../templates/leads_bulk.html"),
    ),
    (
        "lead_bulk_form.html",
        include_str!("../../templates/lead_bulk_form.html"),
    ),
    (
        "lead_erase.html",
        include_str!("../../templates/lead_erase.html"),
    ),
    (
        "lead_import.html",
        include_str!("../../templates/lead_import.html"),
    ),
    ("inbox.html", include_str!("../../templates/inbox.html")),
    (
        "conversation.html",
        include_str!("../../templates/conversation.html"),
    ),
    (
        "campaigns.html",
        include_str!("../../templates/campaigns.html"),
    ),
    (
        "campaign.html",
        include_str!("../../templates/campaign.html"),
    ),
    (
        "campaign_form.html",
        include_str!("../../templates/campaign_form.html"),
    ),
    (
        "notifications.html",
        include_str!("../../templates/notifications.html"),
    ),
    (
        "lead_magnets.html",
        include_str!("../../templates/lead_magnets.html"),
    ),
    (
        "overview.html",
        include_str!("../../templates/overview.html"),
    ),
    ("share.html", include_str!("../../templates/share.html")),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // The one password rule, stated wherever a password is chosen.
        env.add_global(
            "min_password_chars",
            revos_domain::password::NewPassword::MIN_CHARS,
        );
        for (name, source) in TEMPLATES {
            if let Err(err) = env.add_template(name, source) {
                // Templates are fixed at build time; the template tests catch this first.
                tracing::error!(template = name, error = %err, "a page template does not compile");
            }
        }
        env
    })
}

/// Renders template `name` with `ctx`.
pub(crate) fn render(name: &str, ctx: Value) -> Result<Html<String>, UiError> {
    environment()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map(Html)
        .map_err(|err| {
            tracing::error!(template = name, error = %err, "a page failed to render");
            UiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown.",
            )
        })
}

/// Renders a page of the signed-in app: `ctx` plus what the layout needs (the viewer and
/// their workspaces, the CSRF token, the active navigation item, the cartridges of the chat's
/// client selector, the bell's unread count, the operator's web analytics script).
pub(crate) async fn page(
    state: &AppState,
    signed: &Signed,
    name: &str,
    nav: &str,
    ctx: Value,
) -> Result<Html<String>, UiError> {
    let viewer = state.app.viewer(&signed.who).await?;
    let cartridges = state
        .app
        .list_cartridges(
            &signed.who,
            revos_domain::PageRequest {
                limit: revos_domain::PageRequest::MAX_LIMIT,
                after: None,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|c| context! { id => c.id.0.to_string(), name => c.spec.name })
        .collect::<Vec<_>>();
    let unread = state.app.unread_notifications(&signed.who).await?;
    let inbox_unread = state.app.inbox_unread(&signed.who).await?;
    let shell = context! {
        unread => unread,
        viewer => Value::from(Serde(&viewer)),
        inbox_unread => inbox_unread,
        csrf => signed.csrf.clone(),
        nav => nav,
        role => signed.who.role.as_str(),
        cartridges => cartridges,
        web_analytics_script => state.app.web_analytics().and_then(|w| w.script_url()),
        web_analytics_snippet => state.app.web_analytics().and_then(|w| w.snippet()).map(|_| revos_domain::web_analytics::SNIPPET_PATH),
    };
    render(name, context! { ..shell, ..ctx })
}

/// A failure shown as a page (or, for a script's request, the same message as text).
#[derive(Debug)]
pub(crate) struct UiError {
    status: StatusCode,
    message: String,
    details: Vec<(String, String)>,
}

impl UiError {
    /// A failure with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// 403 with `message`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// The fields at fault, as (field, message), for a form to show beside its inputs.
    pub fn field_errors(&self) -> &[(String, String)] {
        &self.details
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The sentence for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<AppError> for UiError {
    fn from(err: AppError) -> Self {
        let api = crate::ApiError::from(err);
        let mut e = Self::new(api.status(), api.message().to_owned());
        e.details = api
            .field_errors()
            .iter()
            .map(|d| (d.field.clone(), d.message.clone()))
            .collect();
        e
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let body = render(
            "error.html",
            context! { status => self.status.as_u16(), message => self.message.clone(), details => Value::from(Serde(&self.details)) },
        )
        .map(IntoResponse::into_response)
        .unwrap_or_else(|_| self.message.clone().into_response());
        (self.status, body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
