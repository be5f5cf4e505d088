//! Cartridges as files: import a YAML or JSON document, export one.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Auth, PathId};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revos_app::cartridge_files::{CartridgeFormat, render_cartridge};
use revos_app::cartridges::Cartridge;
use revos_app::operator::slug;
use revos_domain::CartridgeId;
use revos_domain::cartridge::CartridgeSpec;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import))
        .routes(routes!(export))
}

/// `?replace=` of an import.
#[derive(Deserialize, utoipa::IntoParams)]
struct ImportQuery {
    /// Replace this cartridge (a new version) instead of creating one.
    replace: Option<String>,
}

/// Imports a cartridge from a YAML (`application/yaml`, `text/yaml`) or JSON body, with the
/// API's field names. The format comes from the content type, else from the text. Syntax
/// errors name the line and column, type and rule errors the field. 201 for a new cartridge,
/// 200 when `replace` named an existing one.
#[utoipa::path(post, path = "/api/v1/cartridges/import", tag = "cartridges", security(("bearer" = [])),
    params(ImportQuery),
    request_body(content((String = "application/yaml"), (String = "text/yaml"), (String = "application/json"))),
    responses((status = 201, body = Cartridge), (status = 200, body = Cartridge), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    Auth(who): Auth,
    query: Result<Query<ImportQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Cartridge>), ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let replace = match q.replace.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(CartridgeId(Uuid::parse_str(raw).map_err(|_| {
            ApiError::bad_request("replace is not a cartridge id")
                .with_field("replace", "must be a UUID")
        })?)),
    };
    let text = std::str::from_utf8(&body).map_err(|e| {
        let msg = format!("invalid UTF-8 at byte {}", e.valid_up_to());
        ApiError::bad_request(format!("the body is not text: {msg}")).with_field("body", msg)
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let format = CartridgeFormat::detect(None, content_type, text);
    let cartridge = state
        .app
        .import_cartridge(&who, text, format, replace)
        .await?;
    let status = match replace {
        Some(_) => StatusCode::OK,
        None => StatusCode::CREATED,
    };
    Ok((status, Json(cartridge)))
}

/// `?format=` of an export.
#[derive(Deserialize, utoipa::IntoParams)]
struct ExportQuery {
    /// `yaml` (default) or `json`.
    format: Option<String>,
}

/// Exports a cartridge's fields as a YAML or JSON file; importing it gives the same cartridge.
#[utoipa::path(get, path = "/api/v1/cartridges/{id}/export", tag = "cartridges", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the cartridge's id"), ExportQuery),
    responses((status = 200, description = "the cartridge's fields as a file",
               content((CartridgeSpec = "application/yaml"), (CartridgeSpec = "application/json"))),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let format = match q.format.as_deref() {
        None | Some("") => CartridgeFormat::Yaml,
        Some(f) => CartridgeFormat::parse(f).ok_or_else(|| {
            ApiError::bad_request("unknown format").with_field("format", "must be yaml or json")
        })?,
    };
    let cartridge = state.app.get_cartridge(&who, CartridgeId(id)).await?;
    let text = render_cartridge(&cartridge.spec, format)?;
    let mut name = slug(&cartridge.spec.name);
    if name.is_empty() || !name.is_ascii() {
        name = format!("cartridge-{id}");
    }
    let disposition = format!("attachment; filename=\"{name}.{}\"", format.extension());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("{}; charset=utf-8", format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}
