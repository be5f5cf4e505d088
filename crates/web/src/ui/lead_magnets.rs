//! The lead magnet library page: the workspace's magnets (or, with a search, the best matches
//! by meaning), a form that adds one (a link, or a file uploaded with it), an edit page per
//! magnet (title, description, tags, link) and a delete button per magnet. Every action goes
//! through the same use cases as `/api/v1/lead-magnets`.

use super::render::{UiError, page};
use super::session::Signed;
use super::upload_form;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use revos_app::lead_magnets::{LeadMagnetChange, NewLeadMagnet};
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
        .route("/lead-magnets/{id}/edit", get(edit_form).post(edit))
        .route("/lead-magnets/{id}/delete", post(delete))
}

/// The search and what the last action did.
#[derive(Deserialize)]
pub(super) struct Params {
    /// Words to search for.
    q: Option<String>,
    /// `added`, `saved` or `deleted`, after the action's redirect.
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
    form: Multipart,
) -> Result<Response, UiError> {
    let form = upload_form::read(form, state.app.max_upload_bytes()).await?;
    signed.check_form(&headers, &form.field("_csrf"))?;
    let field = |name: &str| form.field(name);
    let fields = &form.fields;
    let file = form.file.as_ref();
    let result = async {
        let file_id = match file {
            Some(f) => Some(
                state
                    .app
                    .store_file(
                        signed.who.tenant,
                        FilePurpose::LeadMagnet,
                        &f.name,
                        &f.content_type,
                        f.bytes.clone(),
                    )
                    .await?
                    .file_id(),
            ),
            None => None,
        };
        let new = NewLeadMagnet {
            title: field("title"),
            description: field("description"),
            tags: tags_of(&field("tags")),
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
                fields,
            )
            .await?;
            Ok((e.status(), html).into_response())
        }
    }
}

/// The tags typed in a form, comma-separated.
fn tags_of(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The edit form's fields.
#[derive(Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub(super) struct EditForm {
    #[serde(skip_serializing)]
    _csrf: String,
    /// The title.
    title: String,
    /// The description.
    description: String,
    /// The tags, comma-separated.
    tags: String,
    /// The link; left empty, a file magnet keeps its file (a link magnet needs one).
    url: String,
}

/// `GET /lead-magnets/{id}/edit`: the magnet's edit form.
pub(super) async fn edit_form(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Html<String>, UiError> {
    let id = super::page_params::parse_id(&id, "lead magnet")?;
    let m = state
        .app
        .get_lead_magnet(&signed.who, LeadMagnetId(id))
        .await?;
    let values = EditForm {
        title: m.title.clone(),
        description: m.description.clone(),
        tags: m.tags.join(", "),
        url: m.url.clone().unwrap_or_default(),
        ..EditForm::default()
    };
    render_edit(&state, &signed, &m, &values, &[]).await
}

async fn render_edit(
    state: &AppState,
    signed: &Signed,
    magnet: &revos_app::lead_magnets::LeadMagnet,
    values: &EditForm,
    errors: &[(String, String)],
) -> Result<Html<String>, UiError> {
    page(
        state,
        signed,
        "lead_magnet_edit.html",
        "lead_magnets",
        context! {
            m => Serde(magnet), values => Serde(values),
            errors => errors.iter().map(|(f, m)| context! { field => f, message => m }).collect::<Vec<_>>(),
        },
    )
    .await
}

/// `POST /lead-magnets/{id}/edit`: saves the title, description, tags and link; a link given
/// to a file magnet makes it a link (its file is deleted). Errors are shown beside the form.
pub(super) async fn edit(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EditForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = LeadMagnetId(super::page_params::parse_id(&id, "lead magnet")?);
    let current = state.app.get_lead_magnet(&signed.who, id).await?;
    let url = form.url.trim();
    let change = LeadMagnetChange {
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        tags: Some(tags_of(&form.tags)),
        url: (!url.is_empty() || current.file_id.is_none()).then(|| url.to_owned()),
        ..LeadMagnetChange::default()
    };
    match state
        .app
        .update_lead_magnet(&signed.who, id, change)
        .await
        .map_err(UiError::from)
    {
        Ok(_) => Ok(Redirect::to("/lead-magnets?done=saved").into_response()),
        Err(e) if e.status() == axum::http::StatusCode::UNPROCESSABLE_ENTITY => {
            let html = render_edit(&state, &signed, &current, &form, e.field_errors()).await?;
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
