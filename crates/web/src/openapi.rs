//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`.

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "RevOS API", description = "Multi-tenant LinkedIn growth engine."),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-up, login and sessions"),
        (name = "api-keys", description = "Long-lived keys for scripts"),
        (name = "members", description = "Workspace members and invitations"),
        (name = "secrets", description = "Provider credentials, encrypted at rest"),
        (name = "cartridges", description = "Client voices: persona, style, knowledge, examples"),
        (name = "jobs", description = "The background job queue"),
        (name = "linkedin-accounts", description = "LinkedIn accounts and their pacing"),
        (name = "campaigns", description = "Campaigns: watched posts, triggers, DMs and email fallback"),
        (name = "leads", description = "Leads: lists, timelines and CSV export"),
        (name = "do-not-contact", description = "People the pipeline never messages"),
        (name = "posts", description = "Posts and their approval workflow: draft, approve, schedule, publish, metrics"),
        (name = "chat", description = "Chat with the agents, streamed as Server-Sent Events; model usage"),
        (name = "health", description = "Probes"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Splits the annotated routes into an axum router and the document they describe.
pub(crate) fn split(routes: OpenApiRouter<AppState>) -> (Router<AppState>, Document) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes)
        .split_for_parts()
}

/// The route that serves the document.
pub(crate) fn router(doc: Document) -> Router<AppState> {
    let doc = Arc::new(doc);
    Router::new().route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = Arc::clone(&doc);
            async move { Json(doc.as_ref().clone()) }
        }),
    )
}
