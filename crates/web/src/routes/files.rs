//! A workspace's files over the API: upload (multipart), read what is known of one, download
//! its bytes, delete it. Uploads are read in pieces and refused with 413 as soon as they pass
//! the instance's limit (`REVOS_MAX_UPLOAD_MB`), not after the whole body has arrived.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Auth, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revos_app::AppError;
use revos_app::files::StoredFile;
use revos_domain::files::FilePurpose;
use revos_domain::{FileId, ValidationErrors};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    // The upload counts its own bytes against the instance's limit.
    let upload = OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .merge(upload)
        .routes(routes!(get_one, delete))
        .routes(routes!(content))
}

/// The multipart form of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct Upload {
    /// What the file is for: `lead_magnet`, `knowledge`, `post_image`, `logo`.
    purpose: FilePurpose,
    /// The file, with its name and content type.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    AppError::from(ValidationErrors::single(field, message)).into()
}

pub(super) fn unreadable(e: MultipartError) -> ApiError {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE),
        _ => ApiError::bad_request(format!("the multipart body could not be read: {e}")),
    }
}

/// Reads a field's bytes, at most `limit`; `None` when it has more.
pub(super) async fn read_at_most(
    field: &mut Field<'_>,
    limit: u64,
) -> Result<Option<Vec<u8>>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// Uploads a file (`multipart/form-data` with `purpose` first, then `file`). Its content type
/// must be one the purpose accepts and match its bytes; its name must be a plain file name.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])),
    request_body(content = inline(Upload), content_type = "multipart/form-data"),
    responses((status = 201, body = StoredFile), (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    Auth(who): Auth,
    mut form: Multipart,
) -> Result<(StatusCode, Json<StoredFile>), ApiError> {
    let limit = state.app.max_upload_bytes();
    let mut purpose = None;
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("purpose") => {
                let text = read_at_most(&mut field, 64)
                    .await?
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default();
                purpose = Some(text.trim().parse::<FilePurpose>().map_err(|_| {
                    invalid(
                        "purpose",
                        "must be one of lead_magnet, knowledge, post_image, logo",
                    )
                })?);
            }
            Some("file") => {
                let Some(purpose) = purpose else {
                    return Err(invalid("purpose", "must come before the file in the form"));
                };
                if purpose == FilePurpose::GeneratedGuide {
                    return Err(invalid("purpose", "generated guides are made by RevOS"));
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
                let stored = state
                    .app
                    .store_file(who.tenant, purpose, &name, &content_type, bytes.into())
                    .await?;
                return Ok((StatusCode::CREATED, Json(stored)));
            }
            _ => {}
        }
    }
    Err(invalid("file", "is required"))
}

/// What is known of one file.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the file's id")),
    responses((status = 200, body = StoredFile), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<StoredFile>, ApiError> {
    Ok(Json(state.app.file(who.tenant, FileId(id)).await?))
}

/// The file's bytes, as an attachment with its content type.
#[utoipa::path(get, path = "/api/v1/files/{id}/content", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the file's id")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody)))]
async fn content(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let (file, bytes) = state.app.file_bytes(who.tenant, FileId(id)).await?;
    Ok(file_response(&file, bytes, "attachment"))
}

/// A file as an HTTP answer: its own content type, never sniffed, with its name;
/// `disposition` is `attachment` (save it) or `inline` (show it: an image in a page, a lead
/// magnet opened from its link).
pub(crate) fn file_response(file: &StoredFile, bytes: bytes::Bytes, disposition: &str) -> Response {
    let kind = disposition;
    // The name was checked (no control characters); quotes and non-ASCII go percent-encoded.
    let encoded =
        percent_encoding::utf8_percent_encode(&file.name, percent_encoding::NON_ALPHANUMERIC);
    let disposition = format!("{kind}; filename*=UTF-8''{encoded}");
    let mut resp = bytes.into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&file.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    resp
}

/// Deletes a file. An owner that holds it (a lead magnet, a post) no longer shows it.
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the file's id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state.app.delete_file(who.tenant, FileId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
