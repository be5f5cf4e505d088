//! A cartridge's memory over HTTP: its examples, the most relevant ones for a query, the style
//! learned from them, similar cartridges for the selector, and offline drafts.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use revos_app::memory::{ExampleView, MAX_RANKED, RankedExample, SimilarCartridge};
use revos_app::writer::OfflineDraft;
use revos_domain::CartridgeId;
use revos_domain::memory::{ExampleKind, ExampleSource};
use revos_domain::style::StyleStats;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_examples, add_example))
        .routes(routes!(relevant))
        .routes(routes!(style))
        .routes(routes!(similar))
        .routes(routes!(draft))
}

fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::bad_request(e.body_text())
}

fn parse_kind(
    raw: Option<&str>,
    default: Option<ExampleKind>,
) -> Result<Option<ExampleKind>, ApiError> {
    match raw {
        None | Some("") => Ok(default),
        Some(k) => ExampleKind::parse(k).map(Some).ok_or_else(|| {
            ApiError::bad_request("unknown kind").with_field("kind", "must be post or dm")
        }),
    }
}

fn parse_limit(raw: Option<&str>, default: usize) -> Result<usize, ApiError> {
    match raw {
        None | Some("") => Ok(default),
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_RANKED).contains(n))
            .ok_or_else(|| {
                let msg = format!("must be a whole number from 1 to {MAX_RANKED}");
                ApiError::bad_request(format!("limit {msg}")).with_field("limit", msg)
            }),
    }
}

/// `?kind=` of the example list and the style.
#[derive(Deserialize, utoipa::IntoParams)]
struct KindQuery {
    /// `post` or `dm`.
    kind: Option<String>,
}

/// A list of examples.
#[derive(Serialize, utoipa::ToSchema)]
struct Examples {
    /// Oldest first.
    items: Vec<ExampleView>,
}

/// The cartridge's memory: its examples, oldest first (all kinds unless `kind` is given).
#[utoipa::path(get, path = "/api/v1/cartridges/{id}/examples", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id"), KindQuery),
    responses((status = 200, body = Examples), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_examples(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    query: Result<Query<KindQuery>, QueryRejection>,
) -> Result<Json<Examples>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    let kind = parse_kind(q.kind.as_deref(), None)?;
    let items = state.app.list_examples(&who, CartridgeId(id), kind).await?;
    Ok(Json(Examples { items }))
}

/// An example added by hand.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewExample {
    /// `post` or `dm`.
    kind: ExampleKind,
    /// The final text.
    text: String,
    /// The draft it was edited from, if it was.
    #[serde(default)]
    draft: Option<String>,
    /// What it came from, if anything.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    source_id: Option<Uuid>,
}

/// Adds an example to the cartridge's memory by hand (source `manual`).
#[utoipa::path(post, path = "/api/v1/cartridges/{id}/examples", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id")), request_body = NewExample,
    responses((status = 201, body = ExampleView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_example(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(body): ApiJson<NewExample>,
) -> Result<(StatusCode, Json<ExampleView>), ApiError> {
    let example = state
        .app
        .record_example(
            &who,
            CartridgeId(id),
            body.kind,
            body.draft.as_deref(),
            &body.text,
            ExampleSource::Manual,
            body.source_id,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(example)))
}

/// `?q=&kind=&limit=` of a ranking.
#[derive(Deserialize, utoipa::IntoParams)]
struct RankQuery {
    /// The text to match.
    q: Option<String>,
    /// `post` (default) or `dm`.
    kind: Option<String>,
    /// 1 to 50, default 5.
    limit: Option<String>,
}

/// A ranked list of examples.
#[derive(Serialize, utoipa::ToSchema)]
struct RankedExamples {
    /// Most similar first.
    items: Vec<RankedExample>,
}

fn required_q(q: Option<String>) -> Result<String, ApiError> {
    q.filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("q is required").with_field("q", "must not be empty"))
}

/// The examples most similar to `q` (embedding cosine), best first.
#[utoipa::path(get, path = "/api/v1/cartridges/{id}/examples/relevant", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id"), RankQuery),
    responses((status = 200, body = RankedExamples), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn relevant(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    query: Result<Query<RankQuery>, QueryRejection>,
) -> Result<Json<RankedExamples>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    let kind = parse_kind(q.kind.as_deref(), Some(ExampleKind::Post))?.unwrap_or(ExampleKind::Post);
    let limit = parse_limit(q.limit.as_deref(), 5)?;
    let text = required_q(q.q)?;
    let items = state
        .app
        .relevant_examples(&who, CartridgeId(id), kind, &text, limit)
        .await?;
    Ok(Json(RankedExamples { items }))
}

/// The style learned from the cartridge's examples of `kind` (default `post`).
#[utoipa::path(get, path = "/api/v1/cartridges/{id}/style", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id"), KindQuery),
    responses((status = 200, body = StyleStats), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn style(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    query: Result<Query<KindQuery>, QueryRejection>,
) -> Result<Json<StyleStats>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    let kind = parse_kind(q.kind.as_deref(), Some(ExampleKind::Post))?.unwrap_or(ExampleKind::Post);
    Ok(Json(
        state.app.learned_style(&who, CartridgeId(id), kind).await?,
    ))
}

/// `?q=&limit=` of the similar-cartridge search.
#[derive(Deserialize, utoipa::IntoParams)]
struct SimilarQuery {
    /// A description of the client, e.g. "dental clinic in Leeds".
    q: Option<String>,
    /// 1 to 50, default 5.
    limit: Option<String>,
}

/// Ranked cartridges.
#[derive(Serialize, utoipa::ToSchema)]
struct SimilarCartridges {
    /// Best match first.
    items: Vec<SimilarCartridge>,
}

/// The cartridges whose persona, audience, niche and topics best match a description, for
/// the cartridge selector.
#[utoipa::path(get, path = "/api/v1/cartridges/similar", tag = "cartridges", security(("bearer" = [])),
    params(SimilarQuery),
    responses((status = 200, body = SimilarCartridges), (status = 400, body = ErrorBody)))]
async fn similar(
    State(state): State<AppState>,
    Auth(who): Auth,
    query: Result<Query<SimilarQuery>, QueryRejection>,
) -> Result<Json<SimilarCartridges>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    let limit = parse_limit(q.limit.as_deref(), 5)?;
    let text = required_q(q.q)?;
    let items = state.app.similar_cartridges(&who, &text, limit).await?;
    Ok(Json(SimilarCartridges { items }))
}

/// What to draft.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DraftRequest {
    /// `post` or `dm`.
    kind: ExampleKind,
    /// What it is about.
    topic: String,
}

/// Drafts a post or DM in the cartridge's voice. Without a configured model the draft is
/// written offline from the cartridge, its most relevant examples and its learned style, and
/// says `"mode": "offline"`.
#[utoipa::path(post, path = "/api/v1/cartridges/{id}/drafts", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id")), request_body = DraftRequest,
    responses((status = 200, body = OfflineDraft), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn draft(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(body): ApiJson<DraftRequest>,
) -> Result<Json<OfflineDraft>, ApiError> {
    Ok(Json(
        state
            .app
            .draft_offline(&who, CartridgeId(id), body.kind, &body.topic)
            .await?,
    ))
}
