//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`.

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, ResponseBuilder};
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
        (name = "calendar", description = "The content calendar: posts over a span of days in UTC and in their account's time zone, and the best posting times"),
        (name = "chat", description = "Chat with the agents, streamed as Server-Sent Events; model usage"),
        (name = "first-run", description = "The first-run checklist and the one-click sandbox trial"),
        (name = "notifications", description = "The notification centre, preferences and the Slack webhook"),
        (name = "inbox", description = "One inbox: conversations with leads across accounts, answers, triage"),
        (name = "analytics", description = "The workspace's analytics export to PostHog"),
        (name = "files", description = "A workspace's files: uploads (lead magnets, knowledge documents, post images, logos) checked by type, content and size, downloads, deletion"),
        (name = "lead-magnets", description = "The lead magnet library: links and uploaded files with tags and a cartridge, searched by meaning (titles, descriptions, tags, PDF text); campaigns pick one by lead_magnet_id"),
        (name = "magnet-links", description = "Tracked lead-magnet links (public): the file or a redirect, opens counted"),
        (name = "guides", description = "Generated lead magnets: guides and checklists written for a cartridge, edited as drafts, approved and rendered to PDF"),
        (name = "webhook-endpoints", description = "Outgoing webhooks: endpoints, signed deliveries (Standard Webhooks headers), the delivery log and redelivery"),
        (name = "share-links", description = "Share links: a client without an account approves or rejects the posts waiting for approval; created, listed and revoked by the agency"),
        (name = "workspaces", description = "The agency overview of every workspace, and new client workspaces"),
        (name = "reports", description = "Reports over a date range compared with the previous period: totals, breakdowns per post, account, campaign and step, days, and the per-client PDF"),
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
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes)
        .split_for_parts();
    open_flattened_schemas(&mut doc);
    declare_common_errors(&mut doc);
    (router, doc)
}

/// A request schema refuses unknown fields (`additionalProperties: false`, from serde's
/// `deny_unknown_fields`), but an answer that flattens it adds its own fields beside them (a
/// `Campaign` is a `CampaignSpec` plus `id`, `status`...): in the `allOf` that `#[serde(flatten)]`
/// becomes, such a reference is replaced by a copy of the schema that allows other fields,
/// so the answer matches its document while the request schema stays strict.
fn open_flattened_schemas(doc: &mut Document) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let closed: BTreeMap<String, Schema> = components
        .schemas
        .iter()
        .filter_map(|(name, schema)| match schema {
            RefOr::T(Schema::Object(object))
                if matches!(
                    object.additional_properties.as_deref(),
                    Some(AdditionalProperties::FreeForm(false))
                ) =>
            {
                let mut open = object.clone();
                open.additional_properties = None;
                Some((
                    Ref::from_schema_name(name).ref_location,
                    Schema::Object(open),
                ))
            }
            _ => None,
        })
        .collect();
    for schema in components.schemas.values_mut() {
        open_in(schema, &closed, false);
    }
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            for response in op.responses.responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                for content in response.content.values_mut() {
                    if let RefOr::T(content) = content
                        && let Some(schema) = content.schema.as_mut()
                    {
                        open_in(schema, &closed, false);
                    }
                }
            }
        }
    }
}

/// Replaces, in `schema` and the schemas nested in it, each reference to a `closed` schema
/// that stands in an `allOf` by its open copy.
fn open_in(schema: &mut RefOr<Schema>, closed: &BTreeMap<String, Schema>, in_all_of: bool) {
    match schema {
        RefOr::Ref(r) => {
            if let Some(open) = closed.get(&r.ref_location).filter(|_| in_all_of) {
                *schema = RefOr::T(open.clone());
            }
        }
        RefOr::T(Schema::AllOf(all_of)) => {
            for item in &mut all_of.items {
                open_in(item, closed, true);
            }
        }
        RefOr::T(Schema::OneOf(one_of)) => {
            for item in &mut one_of.items {
                open_in(item, closed, false);
            }
        }
        RefOr::T(Schema::AnyOf(any_of)) => {
            for item in &mut any_of.items {
                open_in(item, closed, false);
            }
        }
        RefOr::T(Schema::Object(object)) => {
            for property in object.properties.values_mut() {
                open_in(property, closed, false);
            }
        }
        RefOr::T(Schema::Array(array)) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                open_in(items, closed, false);
            }
        }
        RefOr::T(_) => {}
    }
}

/// The operations of a path item.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

/// An error answer declared on the operations it `applies` to: (status, name of the shared
/// response, when it happens).
type CommonError = (u16, &'static str, &'static str, fn(&Operation) -> bool);

/// The error answers any operation can give whatever its handler does, because they come from
/// the extractors and layers every route shares.
const COMMON_ERRORS: [CommonError; 7] = [
    (
        400,
        "BadRequest",
        "The request could not be read (path, query, header or body syntax).",
        |_| true,
    ),
    (
        401,
        "Unauthorized",
        "No valid session token or API key.",
        |op| op.security.is_some(),
    ),
    (
        408,
        "Timeout",
        "The request took longer than 30 seconds.",
        |_| true,
    ),
    (
        413,
        "PayloadTooLarge",
        "The body is larger than 1 MiB.",
        |op| op.request_body.is_some(),
    ),
    (
        415,
        "UnsupportedMediaType",
        "The body was not sent as application/json.",
        |op| op.request_body.is_some(),
    ),
    (
        422,
        "ValidationFailed",
        "The body is well-formed but wrong; `details` names the fields.",
        |op| op.request_body.is_some(),
    ),
    (
        500,
        "Internal",
        "An internal failure, logged with the request id.",
        |_| true,
    ),
];

/// Declares [`COMMON_ERRORS`] (each with the `ErrorBody` schema) on every operation that does
/// not already document that status, so the document lists every status the API can answer.
fn declare_common_errors(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (_, name, description, _) in COMMON_ERRORS {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build();
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/json", content)
            .build();
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response));
    }
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            for (status, name, _, applies) in COMMON_ERRORS {
                if applies(op) {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
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
