//! The share-link page: a client without an account opens `/share/<token>` and sees only the
//! posts waiting for approval (with their media previews), each with an approve form (an
//! optional comment) and a reject form (a required comment). No session is opened; the
//! forms carry a CSRF token derived from the link's token and must come from this site.
//! A revoked (403), expired (410) or unknown (404) link shows a page saying so.

use super::page_params::{parse_id, when};
use super::render::{UiError, render};
use super::session::{check_origin, csrf_token};
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use revos_domain::FileId;
use revos_domain::post_media::PostMediaKind;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// `GET /share/{token}`.
pub(super) async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, UiError> {
    let html = render_queue(&state, &token, None).await?;
    Ok(private(html.into_response()))
}

/// The page of the link's queue, with a failed decision's message beside its form.
async fn render_queue(
    state: &AppState,
    token: &str,
    failed: Option<(&str, &str, &UiError)>,
) -> Result<Html<String>, UiError> {
    let q = state.app.shared_queue(token).await?;
    let posts: Vec<_> = q
        .posts
        .iter()
        .map(|p| {
            let media: Vec<_> = q
                .media
                .iter()
                .filter(|m| m.post_id == p.id)
                .map(|m| {
                    context! {
                        url => format!("/share/{token}/media/{}", m.file_id),
                        image => m.kind == PostMediaKind::Image,
                        alt => m.alt_text.clone().unwrap_or_default(),
                    }
                })
                .collect();
            let id = p.id.to_string();
            let errors = failed
                .filter(|f| f.0 == id)
                .map(|f| (f.1.to_owned(), f.2.field_errors().to_vec()));
            context! {
                id => id,
                body => p.body.clone(),
                updated_at => when(p.updated_at),
                media => media,
                failed_action => errors.as_ref().map(|e| e.0.clone()),
                errors => errors.map(|e| e.1).unwrap_or_default(),
            }
        })
        .collect();
    render(
        "share.html",
        context! {
            label => q.label,
            expires_at => when(q.expires_at),
            posts => posts,
            token => token,
            csrf => csrf_token(token),
        },
    )
}

/// Keeps the page (whose address is the credential) out of caches and referrers.
fn private(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    h.insert(
        header::REFERRER_POLICY,
        "no-referrer".parse().expect("static"),
    );
    resp
}

/// The fields of the approve and reject forms.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct Decision {
    _csrf: String,
    comment: String,
}

/// `POST /share/{token}/posts/{id}/{action}`: approve or reject one post.
pub(super) async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((token, id, action)): Path<(String, String, String)>,
    Form(form): Form<Decision>,
) -> Result<Response, UiError> {
    check_origin(&headers)?;
    if !bool::from(csrf_token(&token).as_bytes().ct_eq(form._csrf.as_bytes())) {
        return Err(UiError::forbidden(
            "the form has expired; reload the page and try again",
        ));
    }
    let post = parse_id(&id, "post")?;
    let result = match action.as_str() {
        "approve" => {
            state
                .app
                .approve_shared_post(&token, post, Some(&form.comment))
                .await
        }
        "reject" => {
            state
                .app
                .reject_shared_post(&token, post, Some(&form.comment))
                .await
        }
        _ => return Err(UiError::new(StatusCode::NOT_FOUND, "no such action")),
    };
    match result.map_err(UiError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/share/{token}")).into_response()),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let html = render_queue(&state, &token, Some((&id, &action, &e))).await?;
            Ok(private(
                (StatusCode::UNPROCESSABLE_ENTITY, html).into_response(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// `GET /share/{token}/media/{file_id}`: an attachment of a post the link shows.
pub(super) async fn media(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let id = FileId(parse_id(&id, "file")?);
    let (file, bytes) = state.app.shared_media(&token, id).await?;
    let disposition = match PostMediaKind::of_content_type(&file.content_type) {
        Some(PostMediaKind::Image) => "inline",
        _ => "attachment",
    };
    Ok(private(crate::routes::files::file_response(
        &file,
        bytes,
        disposition,
    )))
}
