//! The cartridge page's knowledge section: the cartridge's knowledge documents (name, type,
//! size, passages), an upload form (PDF with a text layer, text, Markdown or CSV), a delete
//! button per document and a search box showing the passages that best match (what drafting
//! and the `search_knowledge` tool retrieve). The same use cases as
//! `/api/v1/cartridges/{id}/knowledge`.

use super::cartridges::render_show;
use super::page_params::{parse_id, when};
use super::render::UiError;
use super::session::Signed;
use super::upload_form;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_domain::{CartridgeId, ValidationErrors};
use serde::Deserialize;

/// How many passages a search on the page shows.
const PASSAGES_SHOWN: usize = 5;

/// The routes of the section's forms; the upload carries its own limit.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route(
            "/cartridges/{id}/knowledge",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/cartridges/{id}/knowledge/{doc}/delete", post(delete))
}

/// What the section shows besides the documents: a search, what the last action did, and
/// the errors of a refused upload.
#[derive(Debug, Default)]
pub(super) struct KnowledgeView {
    /// The words searched for (`?kq=`).
    pub query: Option<String>,
    /// `added` or `deleted`, after the action's redirect (`?knowledge=`).
    pub done: Option<String>,
    /// A refused upload's errors, by field.
    pub errors: Vec<(String, String)>,
}

/// The section's template values: the documents, and the passages of the search.
pub(super) async fn knowledge_ctx(
    state: &AppState,
    signed: &Signed,
    id: CartridgeId,
    view: &KnowledgeView,
) -> Result<Value, UiError> {
    let docs = state.app.list_knowledge(&signed.who, id).await?;
    let docs: Vec<Value> = docs
        .iter()
        .map(|d| {
            context! {
                id => d.id.to_string(), name => d.name.clone(), content_type => d.content_type.clone(),
                size_kb => (d.size + 1023) / 1024, chunks => d.chunks, added => when(d.created_at),
                file_id => d.file_id.map(|f| f.to_string()),
            }
        })
        .collect();
    let query = view
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty());
    let passages = match query {
        Some(q) => {
            state
                .app
                .search_knowledge(&signed.who, id, q, PASSAGES_SHOWN)
                .await?
        }
        None => Vec::new(),
    };
    Ok(context! {
        docs => docs, q => query, passages => Serde(passages), done => view.done.clone(),
        errors => view.errors.iter().map(|(f, m)| context! { field => f, message => m }).collect::<Vec<_>>(),
    })
}

/// `POST /cartridges/{id}/knowledge` (multipart `file`): adds a document; a refused one is
/// shown beside the form (422).
pub(super) async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Multipart,
) -> Result<Response, UiError> {
    let form = upload_form::read(form, state.app.max_upload_bytes()).await?;
    signed.check_form(&headers, &form.field("_csrf"))?;
    let id = CartridgeId(parse_id(&id, "cartridge")?);
    let added = match form.file {
        Some(f) => state
            .app
            .add_knowledge(&signed.who, id, &f.name, &f.content_type, f.bytes)
            .await
            .map_err(UiError::from),
        None => Err(UiError::from(revos_app::AppError::from(
            ValidationErrors::single("file", "choose a file"),
        ))),
    };
    match added {
        Ok(_) => Ok(Redirect::to(&format!(
            "/cartridges/{}?knowledge=added#knowledge-title",
            id.0
        ))
        .into_response()),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let view = KnowledgeView {
                errors: e.field_errors().to_vec(),
                ..KnowledgeView::default()
            };
            let html = render_show(&state, &signed, id, None, None, &view).await?;
            Ok((e.status(), html).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The delete form.
#[derive(Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

/// `POST /cartridges/{id}/knowledge/{doc}/delete`: deletes a document, its passages and file.
pub(super) async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, doc)): Path<(String, String)>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = CartridgeId(parse_id(&id, "cartridge")?);
    let doc = parse_id(&doc, "knowledge document")?;
    state.app.delete_knowledge(&signed.who, id, doc).await?;
    Ok(Redirect::to(&format!(
        "/cartridges/{}?knowledge=deleted#knowledge-title",
        id.0
    ))
    .into_response())
}
