//! The cartridge pages: the list, a form editor for every field (each error beside its
//! field), the YAML view with import (new, or replacing this cartridge) and YAML/JSON export
//! downloads, the version history, the effective system prompt and the cartridge's memory
//! (its examples and the style learned from them) and its knowledge documents (see
//! [`super::cartridge_knowledge`]). Every action goes through the app's cartridge use cases.

use super::cartridge_form::CartridgeForm;
use super::cartridge_knowledge::{KnowledgeView, knowledge_ctx};
use super::page_params::{parse_id, when};
use super::post_view::ALL;
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::cartridge_files::{CartridgeFormat, render_cartridge};
use revos_app::cartridges::{Cartridge, PromptSource};
use revos_app::operator::slug;
use revos_domain::CartridgeId;
use revos_domain::memory::ExampleKind;
use revos_domain::style::StyleStats;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// How many versions the page lists.
const VERSIONS_SHOWN: u32 = 50;

/// The form's values for a template.
fn form_value(form: &CartridgeForm) -> Value {
    Value::from(Serde(form))
}

/// The import form's fields.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct ImportForm {
    #[serde(skip_serializing)]
    _csrf: String,
    /// The file's text.
    text: String,
    /// `yaml`, `json`, or empty to tell from the text.
    format: String,
    /// The cartridge to replace (a new version); empty to create one.
    replace: String,
}

/// A failed import: its errors and what was sent.
#[derive(Debug, Serialize)]
pub(super) struct ImportFailed {
    errors: Vec<(String, String)>,
    values: ImportForm,
}

/// What the editor shows: the values and, after a failed save, the errors.
pub(super) struct Editor {
    form: CartridgeForm,
    errors: Vec<(String, String)>,
}

fn editor_ctx(editor: &Editor) -> Value {
    context! {
        form => form_value(&editor.form),
        errors => Value::from(Serde(&editor.errors)),
        blank_row => editor.form.example_count(),
    }
}

/// `GET /cartridges`.
pub(super) async fn list(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, UiError> {
    render_list(&state, &signed, None).await
}

async fn render_list(
    state: &AppState,
    signed: &Signed,
    import: Option<&ImportFailed>,
) -> Result<Html<String>, UiError> {
    let items = state.app.list_cartridges(&signed.who, ALL).await?.items;
    let rows: Vec<Value> = items
        .iter()
        .map(|c| {
            context! {
                id => c.id.0.to_string(), name => c.spec.name.clone(), version => c.version,
                role => c.spec.persona.role.clone(), niche => c.spec.industry_knowledge.niche.clone(),
                updated_at => when(c.updated_at),
            }
        })
        .collect();
    page(
        state,
        signed,
        "cartridges.html",
        "cartridges",
        context! { items => rows, import => import.map(|i| Value::from(Serde(i))) },
    )
    .await
}

/// `GET /cartridges/new`.
pub(super) async fn new_form(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, UiError> {
    let editor = Editor {
        form: CartridgeForm::blank(),
        errors: Vec::new(),
    };
    render_new(&state, &signed, &editor).await
}

async fn render_new(
    state: &AppState,
    signed: &Signed,
    editor: &Editor,
) -> Result<Html<String>, UiError> {
    page(
        state,
        signed,
        "cartridge_new.html",
        "cartridges",
        context! { editor => editor_ctx(editor) },
    )
    .await
}

/// Runs a save: the form's own problems and the app's validation both come back as field
/// errors to show beside the fields.
async fn save(
    state: &AppState,
    signed: &Signed,
    form: &CartridgeForm,
    id: Option<CartridgeId>,
) -> Result<Result<Cartridge, Vec<(String, String)>>, UiError> {
    let spec = match form.to_spec() {
        Ok(spec) => spec,
        Err(errors) => return Ok(Err(errors)),
    };
    let saved = match id {
        None => state.app.create_cartridge(&signed.who, spec).await,
        Some(id) => state.app.replace_cartridge(&signed.who, id, spec).await,
    };
    match saved.map_err(UiError::from) {
        Ok(c) => Ok(Ok(c)),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            Ok(Err(e.field_errors().to_vec()))
        }
        Err(e) => Err(e),
    }
}

fn csrf_of(pairs: &[(String, String)]) -> &str {
    pairs
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /cartridges`: creates a cartridge from the editor.
pub(super) async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf_of(&pairs))?;
    let form = CartridgeForm::from_pairs(&pairs);
    match save(&state, &signed, &form, None).await? {
        Ok(c) => Ok(Redirect::to(&format!("/cartridges/{}", c.id.0)).into_response()),
        Err(errors) => {
            let html = render_new(&state, &signed, &Editor { form, errors }).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

/// `?kq=` (a search of the cartridge's knowledge) and `?knowledge=` (what the last knowledge
/// action did) of the cartridge page.
#[derive(Deserialize)]
pub(super) struct ShowParams {
    kq: Option<String>,
    knowledge: Option<String>,
}

/// `GET /cartridges/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(params): Query<ShowParams>,
) -> Result<Html<String>, UiError> {
    let id = CartridgeId(parse_id(&id, "cartridge")?);
    let knowledge = KnowledgeView {
        query: params.kq,
        done: params.knowledge,
        errors: Vec::new(),
    };
    render_show(&state, &signed, id, None, None, &knowledge).await
}

fn style_ctx(s: &StyleStats) -> Value {
    context! {
        samples => s.samples,
        avg_sentence_words => format!("{:.1}", s.avg_sentence_words),
        words_per_text => format!("{:.0}", s.words_per_text),
        emoji_per_text => format!("{:.1}", s.emoji_per_text),
        hashtags_per_text => format!("{:.1}", s.hashtags_per_text),
        line_breaks_per_text => format!("{:.1}", s.line_breaks_per_text),
        reading_grade => format!("{:.0}", s.reading_grade),
        favourite_openings => s.favourite_openings.clone(),
    }
}

async fn people(state: &AppState, signed: &Signed) -> Result<HashMap<Uuid, String>, UiError> {
    Ok(state
        .app
        .list_members(&signed.who, ALL)
        .await?
        .items
        .into_iter()
        .map(|m| (m.user_id.0, m.email))
        .collect())
}

/// The cartridge page, with the editor's values and errors, a failed import's, and the
/// knowledge section's search, notice or errors.
pub(super) async fn render_show(
    state: &AppState,
    signed: &Signed,
    id: CartridgeId,
    editor: Option<&Editor>,
    import: Option<&ImportFailed>,
    knowledge: &KnowledgeView,
) -> Result<Html<String>, UiError> {
    let app = &state.app;
    let who = &signed.who;
    let c = app.get_cartridge(who, id).await?;
    let yaml = render_cartridge(&c.spec, CartridgeFormat::Yaml)?;
    let people = people(state, signed).await?;
    let person = |u: Option<revos_domain::UserId>| match u {
        None => "RevOS".to_owned(),
        Some(u) => people
            .get(&u.0)
            .cloned()
            .unwrap_or_else(|| "a former member".to_owned()),
    };
    let (versions, more) = app
        .cartridge_versions(who, id, None, VERSIONS_SHOWN)
        .await?;
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            context! {
                version => v.version, who => person(v.changed_by), at => when(v.created_at),
                changed_fields => v.changed_fields.clone(),
            }
        })
        .collect();
    let examples = app.list_examples(who, id, None).await?;
    let count = |k: ExampleKind| examples.iter().filter(|e| e.kind == k).count();
    let memory = context! {
        total => examples.len(),
        posts => count(ExampleKind::Post),
        dms => count(ExampleKind::Dm),
        edited => examples.iter().filter(|e| e.edited).count(),
        post_style => style_ctx(&app.learned_style(who, id, ExampleKind::Post).await?),
        dm_style => style_ctx(&app.learned_style(who, id, ExampleKind::Dm).await?),
    };
    let knowledge = knowledge_ctx(state, signed, id, knowledge).await?;
    let fresh;
    let editor = match editor {
        Some(e) => e,
        None => {
            fresh = Editor {
                form: CartridgeForm::from_spec(&c.spec),
                errors: Vec::new(),
            };
            &fresh
        }
    };
    page(
        state,
        signed,
        "cartridge.html",
        "cartridges",
        context! {
            c => context! {
                id => c.id.0.to_string(), name => c.spec.name.clone(), version => c.version,
                created_at => when(c.created_at), updated_at => when(c.updated_at),
                prompt => c.effective_system_prompt.clone(),
                prompt_overridden => c.system_prompt_source == PromptSource::Override,
                undeclared_tools => c.undeclared_tools.clone(),
            },
            editor => editor_ctx(editor),
            yaml => yaml,
            versions => versions,
            more_versions => more.is_some(),
            memory => memory,
            knowledge => knowledge,
            import => import.map(|i| Value::from(Serde(i))),
        },
    )
    .await
}

/// `POST /cartridges/{id}`: saves the editor as a new version.
pub(super) async fn update(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf_of(&pairs))?;
    let id = CartridgeId(parse_id(&id, "cartridge")?);
    let form = CartridgeForm::from_pairs(&pairs);
    match save(&state, &signed, &form, Some(id)).await? {
        Ok(c) => Ok(Redirect::to(&format!("/cartridges/{}", c.id.0)).into_response()),
        Err(errors) => {
            let editor = Editor { form, errors };
            let html = render_show(
                &state,
                &signed,
                id,
                Some(&editor),
                None,
                &KnowledgeView::default(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

/// `POST /cartridges/import`: a YAML or JSON file pasted in, as a new cartridge or a new
/// version of `replace`.
pub(super) async fn import(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<ImportForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let replace = match form.replace.trim() {
        "" => None,
        raw => Some(CartridgeId(parse_id(raw, "cartridge")?)),
    };
    let format = match form.format.trim() {
        "" | "auto" => CartridgeFormat::sniff(&form.text),
        f => CartridgeFormat::parse(f)
            .ok_or_else(|| super::post_view::invalid("format", "must be yaml or json"))?,
    };
    match state
        .app
        .import_cartridge(&signed.who, &form.text, format, replace)
        .await
        .map_err(UiError::from)
    {
        Ok(c) => Ok(Redirect::to(&format!("/cartridges/{}", c.id.0)).into_response()),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let failed = ImportFailed {
                errors: e.field_errors().to_vec(),
                values: form,
            };
            let html = match replace {
                Some(id) => {
                    render_show(
                        &state,
                        &signed,
                        id,
                        None,
                        Some(&failed),
                        &KnowledgeView::default(),
                    )
                    .await?
                }
                None => render_list(&state, &signed, Some(&failed)).await?,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `?format=` of a download.
#[derive(Deserialize)]
pub(super) struct ExportQuery {
    format: Option<String>,
}

/// `GET /cartridges/{id}/export?format=yaml|json`: the cartridge as a file to download.
pub(super) async fn export(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, UiError> {
    let id = CartridgeId(parse_id(&id, "cartridge")?);
    let format = match q.format.as_deref().map(str::trim) {
        None | Some("") => CartridgeFormat::Yaml,
        Some(f) => CartridgeFormat::parse(f).ok_or_else(|| {
            UiError::new(StatusCode::BAD_REQUEST, "the format must be yaml or json")
        })?,
    };
    let c = state.app.get_cartridge(&signed.who, id).await?;
    let text = render_cartridge(&c.spec, format)?;
    let mut name = slug(&c.spec.name);
    if name.is_empty() || !name.is_ascii() {
        name = format!("cartridge-{}", id.0);
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("{}; charset=utf-8", format.content_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{}\"", format.extension()),
            ),
        ],
        text,
    )
        .into_response())
}
