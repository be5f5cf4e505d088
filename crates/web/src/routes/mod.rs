//! The API's routes, one module per resource, merged into one router that also collects the
//! OpenAPI document.

mod accounts;
mod analytics;
mod api_keys;
mod auth;
mod calendar;
mod campaign_leads;
mod campaigns;
mod cartridge_files;
mod cartridge_memory;
mod cartridges;
pub(crate) mod chat;
mod do_not_contact;
pub(crate) mod files;
mod first_run;
mod guides;
mod health;
pub(crate) mod inbox;
mod jobs;
mod knowledge;
mod lead_import;
mod lead_magnets;
pub(crate) mod leads;
mod magnet_links;
mod members;
mod notifications;
mod people;
mod post_media;
mod posts;
pub(crate) mod reports;
mod secrets;
mod share_links;
mod webhook_endpoints;
mod webhooks;
mod workspaces;

use crate::extract::encode_cursor;
use crate::state::AppState;
use revos_domain::Page;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;

/// Every route of the API.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(api_keys::router())
        .merge(members::router())
        .merge(secrets::router())
        .merge(cartridges::router())
        .merge(cartridge_files::router())
        .merge(cartridge_memory::router())
        .merge(knowledge::router())
        .merge(jobs::router())
        .merge(accounts::router())
        .merge(campaigns::router())
        .merge(webhooks::router())
        .merge(campaign_leads::router())
        .merge(lead_import::router())
        .merge(leads::router())
        .merge(people::router())
        .merge(do_not_contact::router())
        .merge(posts::router())
        .merge(calendar::router())
        .merge(post_media::router())
        .merge(chat::router())
        .merge(first_run::router())
        .merge(notifications::router())
        .merge(inbox::router())
        .merge(analytics::router())
        .merge(webhook_endpoints::router())
        .merge(files::router())
        .merge(lead_magnets::router())
        .merge(magnet_links::router())
        .merge(guides::router())
        .merge(reports::router())
        .merge(share_links::router())
        .merge(workspaces::router())
}

/// One page of a list. Pass `next_cursor` back as `?cursor=` for the next page; it is `null`
/// on the last page.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct List<T> {
    /// The items on this page.
    items: Vec<T>,
    /// The cursor of the next page.
    next_cursor: Option<String>,
}

impl<T> From<Page<T>> for List<T> {
    fn from(page: Page<T>) -> Self {
        Self {
            items: page.items,
            next_cursor: page.next_after.map(encode_cursor),
        }
    }
}
