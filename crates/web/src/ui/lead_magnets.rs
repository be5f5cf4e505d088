//! The lead magnet library page: the workspace's magnets (or, with a search, the best matches
//! by meaning), a form that adds one (a link, or a file uploaded with it), and a delete button
//! per magnet. Every action goes through the same use cases as `/api/v1/lead-magnets`.

use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use revos_app::lead_magnets::NewLeadMagnet;
use revos_domain::files::FilePurpose;
use revos_domain::{LeadMagnetId, PageRequest};
use serde::Deserialize;
use std::collections::HashMap;

/// The routes of the page; the add form carries its own upload limit.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/lead-magnets", get(show))
        .route(
            "/lead-magnets",
            post(create).layer(DefaultBodyLimit::disable()),
        )
        .route("/lead-magnets/{id}/delete", post(delete))
}

/// The search and what the last action did.
#[derive(Deserialize)]
pub(super) struct Params {
    /// Words to search for.
    q: Option<String>,
    /// `added` or `deleted`, after the action's redirect.
    done: Option<String>,
}

/// `GET /lead-magnets`: the library, or the matches of `q`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(params): Query<Params>,
) -> Result<Html<String>, UiError> {
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let items = match q {
        Some(q) => {
            state
                .app
                .search_lead_magnets(signed.who.tenant, q, 20)
                .await?
        }
        None => {
            state
                .app
                .list_lead_magnets(&signed.who, PageRequest::first())
                .await?
                .items
        }
    };
    render(
        &state,
        &signed,
        &items,
        q,
        params.done,
        &[],
        &HashMap::new(),
    )
    .await
}

async fn render(
    state: &AppState,
    signed: &Signed,
    items: &[revos_app::lead_magnets::LeadMagnet],
    q: Option<&str>,
    done: Option<String>,
    errors: &[(String, String)],
    values: &HashMap<String, String>,
) -> Result<Html<String>, UiError> {
    page(
        state,
        signed,
        "lead_magnets.html",
        "lead_magnets",
        context! {
            items => Serde(items), q => q, done => done,
            errors => errors.iter().map(|(f, m)| context! { field => f, message => m }).collect::<Vec<_>>(),
            values => Serde(values),
        },
    )
    .await
}

/// `POST /lead-magnets` (multipart): adds a magnet, uploading its file first when one is
/// chosen (then `url` is ignored).
pub(super) async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, UiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        UiError::new(e.status(), format!("the form could not be read: {e}"))
    };
    let limit = state.app.max_upload_bytes() as usize;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let content_type = field.content_type().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            if bytes.len() > limit {
                return Err(UiError::new(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the file is larger than the limit of {limit} bytes"),
                ));
            }
            if !file_name.is_empty() && !bytes.is_empty() {
                file = Some((file_name, content_type, bytes));
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            fields.insert(name, text);
        }
    }
    let csrf = fields.get("_csrf").cloned().unwrap_or_default();
    signed.check_form(&headers, &csrf)?;
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let result = async {
        let file_id = match file {
            Some((name, content_type, bytes)) => Some(
                state
                    .app
                    .store_file(
                        signed.who.tenant,
                        FilePurpose::LeadMagnet,
                        &name,
                        &content_type,
                        bytes,
                    )
                    .await?
                    .file_id(),
            ),
            None => None,
        };
        let new = NewLeadMagnet {
            title: field("title"),
            description: field("description"),
            tags: field("tags")
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            url: if file_id.is_some() {
                None
            } else {
                Some(field("url"))
            },
            file_id,
            cartridge_id: None,
        };
        let created = state.app.create_lead_magnet(&signed.who, new).await;
        if let (Err(_), Some(id)) = (&created, file_id) {
            // The magnet was refused: its upload is not kept.
            let _ = state.app.delete_file(signed.who.tenant, id).await;
        }
        created
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/lead-magnets?done=added").into_response()),
        Err(e) => {
            let e = UiError::from(e);
            if e.status() != axum::http::StatusCode::UNPROCESSABLE_ENTITY {
                return Err(e);
            }
            let items = state
                .app
                .list_lead_magnets(&signed.who, PageRequest::first())
                .await?
                .items;
            let html = render(
                &state,
                &signed,
                &items,
                None,
                None,
                e.field_errors(),
                &fields,
            )
            .await?;
            Ok((e.status(), html).into_response())
        }
    }
}

/// The delete form.
#[derive(Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

/// `POST /lead-magnets/{id}/delete`: deletes a magnet and its file.
pub(super) async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = super::page_params::parse_id(&id, "lead magnet")?;
    state
        .app
        .delete_lead_magnet(&signed.who, LeadMagnetId(id))
        .await?;
    Ok(Redirect::to("/lead-magnets?done=deleted").into_response())
}
