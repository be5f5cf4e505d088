//! The guides page (approval-queue style): write a guide or checklist from a cartridge and a
//! topic, edit a draft's Markdown, approve it (which renders its PDF), render it again,
//! download the PDF. Every action goes through the same use cases as `/api/v1/guides`.

use super::page_params::parse_id;
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use revos_app::guides::GuideEdit;
use revos_domain::guides::GuideKind;
use revos_domain::{CartridgeId, GuideId, PageRequest};
use serde::Deserialize;
use std::collections::HashMap;

fn csrf(form: &HashMap<String, String>) -> &str {
    form.get("_csrf").map_or("", String::as_str)
}

/// What the last action did.
#[derive(Deserialize)]
pub(super) struct Params {
    done: Option<String>,
}

/// `GET /guides`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(params): Query<Params>,
) -> Result<Html<String>, UiError> {
    let all = PageRequest {
        limit: PageRequest::MAX_LIMIT,
        after: None,
    };
    let guides = state.app.guides(&signed.who, all).await?;
    let cartridges = state.app.list_cartridges(&signed.who, all).await?;
    let names: HashMap<_, _> = cartridges
        .items
        .iter()
        .map(|c| (c.id.0, c.spec.name.clone()))
        .collect();
    let items: Vec<_> = guides
        .items
        .iter()
        .map(|g| {
            context! {
                guide => Serde(g),
                cartridge => names.get(&g.cartridge_id).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let choices: Vec<_> = cartridges
        .items
        .iter()
        .map(|c| context! { id => c.id.0.to_string(), name => c.spec.name.clone() })
        .collect();
    page(
        &state,
        &signed,
        "guides.html",
        "guides",
        context! { items, choices, done => params.done },
    )
    .await
}

/// `POST /guides`: writes a new draft.
pub(super) async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let cartridge = parse_id(
        form.get("cartridge_id").map_or("", String::as_str),
        "cartridge",
    )?;
    let kind = match form.get("kind").map(String::as_str) {
        Some("checklist") => GuideKind::Checklist,
        _ => GuideKind::Guide,
    };
    let topic = form.get("topic").map_or("", String::as_str);
    let written = state
        .app
        .create_guide(&signed.who, CartridgeId(cartridge), topic, kind)
        .await?;
    Ok(Redirect::to(&format!("/guides?done=written#guide-{}", written.guide.id)).into_response())
}

/// `POST /guides/{id}/edit`: saves a draft's title and Markdown.
pub(super) async fn edit(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let id = GuideId(parse_id(&id, "guide")?);
    let edit = GuideEdit {
        title: form.get("title").cloned(),
        markdown: form.get("markdown").cloned(),
    };
    state.app.edit_guide(&signed.who, id, &edit).await?;
    Ok(Redirect::to(&format!("/guides?done=saved#guide-{id}")).into_response())
}

/// `POST /guides/{id}/approve`: approves a draft and renders its PDF.
pub(super) async fn approve(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let id = GuideId(parse_id(&id, "guide")?);
    state.app.approve_guide(&signed.who, id).await?;
    Ok(Redirect::to(&format!("/guides?done=approved#guide-{id}")).into_response())
}

/// `POST /guides/{id}/render`: renders an approved guide again.
pub(super) async fn render(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, csrf(&form))?;
    let id = GuideId(parse_id(&id, "guide")?);
    state.app.render_guide(&signed.who, id).await?;
    Ok(Redirect::to(&format!("/guides?done=rendered#guide-{id}")).into_response())
}

/// `GET /guides/{id}/pdf`: the rendered PDF, shown in the browser.
pub(super) async fn pdf(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = GuideId(parse_id(&id, "guide")?);
    let guide = state.app.guide(&signed.who, id).await?;
    let file = guide
        .file()
        .ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "This guide has no PDF yet."))?;
    let (file, bytes) = state.app.file_bytes(signed.who.tenant, file).await?;
    Ok(crate::routes::files::file_response(&file, bytes, "inline"))
}
