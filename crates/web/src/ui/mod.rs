//! The web app for people, served by `revos serve` itself: server-rendered pages (they work
//! without JavaScript; a small embedded script adds the floating chat, live updates and inline
//! editing), cookie sessions with CSRF tokens, and every action through the same use cases as
//! the API.

mod account_connect;
mod accounts;
mod analytics;
mod approvals;
mod assets;
mod auth_pages;
mod calendar;
mod campaign_form;
mod campaign_steps_form;
mod campaigns;
mod cartridge_form;
mod cartridge_knowledge;
mod cartridges;
mod charts;
mod chat;
mod dashboard;
mod first_run;
mod guides;
mod inbox;
mod lead_bulk;
mod lead_gdpr;
mod lead_import;
mod lead_magnets;
mod leads;
mod live;
mod next_path;
mod notifications;
mod overview;
mod pacing_view;
mod page_params;
mod period_view;
mod post_media;
mod post_view;
mod posts;
mod queue;
mod render;
mod reports;
mod session;
mod settings;
mod share;
mod share_link_settings;
mod upload_form;
mod webhook_endpoints;

use crate::state::AppState;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::{get, post};

/// The pages, their form actions, the chat and live endpoints, and the assets.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route(
            "/login",
            get(auth_pages::login_form).post(auth_pages::login),
        )
        .route(
            "/signup",
            get(auth_pages::signup_form).post(auth_pages::signup),
        )
        .route("/logout", post(auth_pages::logout))
        .route(
            "/invitations/accept",
            get(auth_pages::accept_form).post(auth_pages::accept),
        )
        .route("/switch", post(auth_pages::switch))
        .route("/live", get(live::feed))
        .route("/ui/chat/sessions", post(chat::start))
        .route("/ui/chat/sessions/{id}/client", post(chat::switch_client))
        .route("/ui/chat/sessions/{id}/messages", post(chat::send))
        .route("/sandbox/trial", post(first_run::start_trial))
        .route("/queue", get(queue::show))
        .route("/queue/jobs/{id}/retry", post(queue::retry))
        .route("/settings", get(settings::show))
        .route("/settings/accounts", post(settings::add_account))
        .route("/accounts/{id}", get(accounts::show))
        .route("/accounts/{id}/pacing", post(accounts::update_pacing))
        .route("/settings/accounts/connect", post(account_connect::connect))
        .route("/settings/accounts/attach", post(account_connect::attach))
        .route("/settings/unipile-key", post(account_connect::put_key))
        .route("/accounts/{id}/reconnect", post(account_connect::reconnect))
        .route("/accounts/{id}/pause", post(account_connect::pause))
        .route("/accounts/{id}/resume", post(account_connect::resume))
        .route("/settings/secrets", post(settings::put_secret))
        .route(
            "/settings/secrets/{name}/delete",
            post(settings::delete_secret),
        )
        .route("/settings/webhooks/rotate", post(settings::rotate_webhooks))
        .route("/settings/analytics", post(analytics::save))
        .route(
            "/settings/webhook-endpoints",
            post(webhook_endpoints::create),
        )
        .route(
            "/settings/webhook-endpoints/{id}",
            get(webhook_endpoints::show),
        )
        .route(
            "/settings/webhook-endpoints/{id}/toggle",
            post(webhook_endpoints::toggle),
        )
        .route(
            "/settings/webhook-endpoints/{id}/rotate",
            post(webhook_endpoints::rotate),
        )
        .route(
            "/settings/webhook-endpoints/{id}/delete",
            post(webhook_endpoints::delete),
        )
        .route(
            "/settings/webhook-endpoints/{id}/deliveries/{delivery}/redeliver",
            post(webhook_endpoints::redeliver),
        )
        .route("/settings/invitations", post(settings::invite))
        .route("/settings/share-links", post(share_link_settings::create))
        .route(
            "/settings/share-links/{id}/revoke",
            post(share_link_settings::revoke),
        )
        .route("/settings/api-keys", post(settings::create_api_key))
        .route(
            "/settings/api-keys/{id}/revoke",
            post(settings::revoke_api_key),
        )
        .merge(lead_magnets::routes())
        .route("/guides", get(guides::show).post(guides::create))
        .route("/guides/{id}/edit", post(guides::edit))
        .route("/guides/{id}/approve", post(guides::approve))
        .route("/guides/{id}/render", post(guides::render))
        .route("/guides/{id}/pdf", get(guides::pdf))
        .route("/notifications", get(notifications::show))
        .route("/notifications/read", post(notifications::read))
        .route(
            "/notifications/preferences",
            post(notifications::preferences),
        )
        .route("/notifications/slack", post(notifications::slack))
        .route("/overview", get(overview::show))
        .route("/reports", get(reports::show))
        .route("/reports.pdf", get(reports::pdf))
        .route("/overview/workspaces", post(overview::create))
        .route("/share/{token}", get(share::show))
        .route("/share/{token}/posts/{id}/{action}", post(share::decide))
        .route("/share/{token}/media/{id}", get(share::media))
        .route("/approvals", get(approvals::show))
        .route("/approvals/posts", post(approvals::create))
        .route("/approvals/drafts", post(approvals::write))
        .route("/calendar", get(calendar::show))
        .route("/calendar/schedule", post(calendar::schedule))
        .route("/posts/{id}", get(posts::show))
        .route("/post-media/{id}", get(post_media::serve))
        .route("/posts/{id}/{action}", post(posts::act))
        .route(
            "/cartridges",
            get(cartridges::list).post(cartridges::create),
        )
        .route("/cartridges/new", get(cartridges::new_form))
        .route("/cartridges/import", post(cartridges::import))
        .route(
            "/cartridges/{id}",
            get(cartridges::show).post(cartridges::update),
        )
        .route("/cartridges/{id}/export", get(cartridges::export))
        .merge(cartridge_knowledge::routes())
        .route("/inbox", get(inbox::list))
        .route("/inbox/{id}", get(inbox::show))
        .route("/inbox/{id}/messages", post(inbox::answer))
        .route("/inbox/{id}/triage", post(inbox::triage))
        .route("/leads", get(leads::list))
        .route("/leads/export.csv", get(leads::export))
        .route("/leads/{id}", get(leads::show))
        .route("/leads/bulk", post(lead_bulk::act))
        .route("/leads/{id}/do-not-contact", post(leads::do_not_contact))
        .route("/leads/{id}/tags", post(leads::set_tags))
        .route("/leads/{id}/export.json", get(lead_gdpr::export))
        .route(
            "/leads/{id}/erase",
            get(lead_gdpr::confirm).post(lead_gdpr::erase),
        )
        .merge(lead_import::routes())
        .route("/campaigns", get(campaigns::list))
        .route(
            "/campaigns/new",
            get(campaigns::new_form).post(campaigns::create),
        )
        .route("/campaigns/{id}", get(campaigns::show))
        .route(
            "/campaigns/{id}/edit",
            get(campaigns::edit_form).post(campaigns::update),
        )
        .route("/campaigns/{id}/transition", post(campaigns::transition))
        .route("/assets/app.css", get(assets::css))
        .route("/assets/app.js", get(assets::js))
        .route("/assets/calendar.js", get(assets::calendar_js))
        .route("/assets/favicon.svg", get(assets::icon))
        .route(
            revos_domain::web_analytics::SNIPPET_PATH,
            get(assets::web_analytics),
        )
        .route("/favicon.ico", get(assets::icon))
}

/// The page for a path nothing serves (API paths answer JSON instead).
pub(crate) fn not_found_page() -> axum::response::Response {
    render::UiError::new(axum::http::StatusCode::NOT_FOUND, "There is nothing here.")
        .into_response()
}
