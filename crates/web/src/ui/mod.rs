//! The web app for people, served by `revos serve` itself: server-rendered pages (they work
//! without JavaScript; a small embedded script adds the floating chat, live updates and inline
//! editing), cookie sessions with CSRF tokens, and every action through the same use cases as
//! the API.

mod assets;
mod auth_pages;
mod campaign_form;
mod campaigns;
mod chat;
mod dashboard;
mod leads;
mod live;
mod page_params;
mod render;
mod session;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The pages, their form actions, the chat and live endpoints, and the assets.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(auth_pages::login_form).post(auth_pages::login))
        .route("/signup", get(auth_pages::signup_form).post(auth_pages::signup))
        .route("/logout", post(auth_pages::logout))
        .route("/switch", post(auth_pages::switch))
        .route("/live", get(live::feed))
        .route("/ui/chat/sessions", post(chat::start))
        .route("/ui/chat/sessions/{id}/client", post(chat::switch_client))
        .route("/ui/chat/sessions/{id}/messages", post(chat::send))
        .route("/leads", get(leads::list))
        .route("/leads/export.csv", get(leads::export))
        .route("/leads/{id}", get(leads::show))
        .route("/leads/{id}/do-not-contact", post(leads::do_not_contact))
        .route("/campaigns", get(campaigns::list))
        .route("/campaigns/new", get(campaigns::new_form).post(campaigns::create))
        .route("/campaigns/{id}", get(campaigns::show))
        .route("/campaigns/{id}/edit", get(campaigns::edit_form).post(campaigns::update))
        .route("/campaigns/{id}/transition", post(campaigns::transition))
        .route("/assets/app.css", get(assets::css))
        .route("/assets/app.js", get(assets::js))
}
