//! A cartridge's knowledge documents over HTTP: upload one (multipart `file`; kept as a file
//! of purpose `knowledge`, cut into passages and embedded), list them, delete one (with its
//! passages and its file).

use super::files::{read_at_most, unreadable};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Auth, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use revos_app::AppError;
use revos_app::knowledge::{KnowledgeDocument, KnowledgePassage, MAX_PASSAGES};
use revos_domain::{CartridgeId, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    // The upload counts its own bytes against the instance's limit.
    let upload = OpenApiRouter::new()
        .routes(routes!(list, upload))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .merge(upload)
        .routes(routes!(delete))
        .routes(routes!(search))
}

/// `?q=&limit=` of a knowledge search.
#[derive(Deserialize, utoipa::IntoParams)]
struct SearchQuery {
    /// What to look for.
    q: Option<String>,
    /// How many passages, 1 to 20 (default 5).
    limit: Option<String>,
}

/// Passages of a knowledge search, best first.
#[derive(Serialize, utoipa::ToSchema)]
struct Passages {
    /// Best first.
    items: Vec<KnowledgePassage>,
}

/// The passages of the cartridge's knowledge documents most similar to `q`, best first:
/// what the `search_knowledge` tool and drafting retrieve.
#[utoipa::path(get, path = "/api/v1/cartridges/{id}/knowledge/search", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id"), SearchQuery),
    responses((status = 200, body = Passages), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<Passages>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = match query.limit.as_deref() {
        None | Some("") => 5,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PASSAGES).contains(n))
            .ok_or_else(|| {
                let msg = format!("must be a whole number from 1 to {MAX_PASSAGES}");
                ApiError::bad_request(format!("limit {msg}")).with_field("limit", msg)
            })?,
    };
    let items = state
        .app
        .search_knowledge(
            &who,
            CartridgeId(id),
            query.q.as_deref().unwrap_or(""),
            limit,
        )
        .await?;
    Ok(Json(Passages { items }))
}

/// The multipart form of a knowledge upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct KnowledgeUpload {
    /// The document (PDF with a text layer, text, Markdown or CSV), with its name and content type.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// A cartridge's knowledge documents.
#[derive(Serialize, utoipa::ToSchema)]
struct KnowledgeDocuments {
    /// Oldest first.
    items: Vec<KnowledgeDocument>,
}

/// The cartridge's knowledge documents, oldest first.
#[utoipa::path(get, path = "/api/v1/cartridges/{id}/knowledge", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id")),
    responses((status = 200, body = KnowledgeDocuments), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<KnowledgeDocuments>, ApiError> {
    let items = state.app.list_knowledge(&who, CartridgeId(id)).await?;
    Ok(Json(KnowledgeDocuments { items }))
}

/// Adds a document to the cartridge's knowledge (`multipart/form-data` with `file`): a PDF
/// with a text layer, text, Markdown or CSV (Word is refused: save it as PDF), at most
/// `REVOS_MAX_UPLOAD_MB`. Its passages are retrieved into drafting
/// and by the `search_knowledge` tool.
#[utoipa::path(post, path = "/api/v1/cartridges/{id}/knowledge", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id")),
    request_body(content = inline(KnowledgeUpload), content_type = "multipart/form-data"),
    responses((status = 201, body = KnowledgeDocument), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    mut form: Multipart,
) -> Result<(StatusCode, Json<KnowledgeDocument>), ApiError> {
    let limit = state.app.max_upload_bytes();
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_owned();
        let content_type = field.content_type().unwrap_or("").to_owned();
        let Some(bytes) = read_at_most(&mut field, limit).await? else {
            return Err(AppError::TooLarge(ValidationErrors::single(
                "file",
                format!("the file is larger than the limit of {limit} bytes"),
            ))
            .into());
        };
        let doc = state
            .app
            .add_knowledge(&who, CartridgeId(id), &name, &content_type, bytes.into())
            .await?;
        return Ok((StatusCode::CREATED, Json(doc)));
    }
    Err(AppError::from(ValidationErrors::single("file", "is required")).into())
}

/// Deletes a knowledge document with its passages and its file.
#[utoipa::path(delete, path = "/api/v1/cartridges/{id}/knowledge/{doc_id}", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id"),
        ("doc_id" = uuid::Uuid, Path, description = "the document's id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Auth(who): Auth,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((id, doc_id)) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let parse = |raw: &str, field: &str| {
        Uuid::parse_str(raw).map_err(|_| {
            ApiError::bad_request("an id in the path is not a UUID")
                .with_field(field, "must be a UUID")
        })
    };
    let (id, doc_id) = (parse(&id, "id")?, parse(&doc_id, "doc_id")?);
    state
        .app
        .delete_knowledge(&who, CartridgeId(id), doc_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
