//! The approval queue: posts waiting for approval first, then drafts, rejected, approved,
//! scheduled and published ones (or one status, filtered), each rendered like a LinkedIn post
//! with the moves its status allows; and the forms that start a post, written by hand or
//! drafted in the cartridge's voice by the app's writer.

use super::post_media::media_ctx;
use super::post_view::{ALL, Lookups, invalid, parse_optional_id, post_ctx, status_label};
use super::posts::Failed;
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::posts::NewPost;
use revos_domain::CartridgeId;
use revos_domain::memory::ExampleKind;
use revos_domain::post::PostStatus;
use serde::{Deserialize, Serialize};

/// The order of the queue's sections: what needs a person first.
const SECTIONS: [PostStatus; 6] = [
    PostStatus::PendingApproval,
    PostStatus::Draft,
    PostStatus::Rejected,
    PostStatus::Approved,
    PostStatus::Scheduled,
    PostStatus::Published,
];

/// `?status=` of the queue.
#[derive(Deserialize)]
pub(super) struct Filter {
    status: Option<String>,
}

/// `GET /approvals`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(filter): Query<Filter>,
) -> Result<Html<String>, UiError> {
    let status = match filter.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => None,
        Some(s) => Some(PostStatus::parse(s).ok_or_else(|| {
            invalid(
                "status",
                "must be draft, pending_approval, approved, rejected, scheduled or published",
            )
        })?),
    };
    render_queue(&state, &signed, status, None, None).await
}

/// The fields of the "New post" and "Write a draft for me" forms.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct Compose {
    #[serde(skip_serializing)]
    _csrf: String,
    cartridge_id: String,
    body: String,
    topic: String,
    campaign_id: String,
    linkedin_account_id: String,
}

/// A compose form that failed: which one, its errors and its values.
#[derive(Debug, Serialize)]
pub(super) struct ComposeFailed {
    form: &'static str,
    errors: Vec<(String, String)>,
    values: Compose,
}

/// Renders the queue (only `status` when given), showing a failed move or compose form.
pub(super) async fn render_queue(
    state: &AppState,
    signed: &Signed,
    status: Option<PostStatus>,
    failed: Option<&Failed>,
    compose: Option<&ComposeFailed>,
) -> Result<Html<String>, UiError> {
    let names = Lookups::load(state, signed).await?;
    let can_approve = signed.who.role.can_approve();
    let mut sections = Vec::new();
    for s in SECTIONS
        .into_iter()
        .filter(|s| status.is_none_or(|f| f == *s))
        .filter(|s| !signed.who.role.is_client() || s.shown_to_clients())
    {
        let posts = state.app.list_posts(&signed.who, Some(s), ALL).await?.items;
        // The section's attachments in one query over its range of post ids.
        let media = match (
            posts.iter().map(|p| p.id).min(),
            posts.iter().map(|p| p.id).max(),
        ) {
            (Some(first), Some(last)) => {
                state
                    .app
                    .media_of_posts(signed.who.tenant, first, last)
                    .await?
            }
            _ => Vec::new(),
        };
        let ctx = |p: &revos_app::posts::Post| {
            context! {
                media => media_ctx(media.iter().filter(|m| m.post_id == p.id)),
                ..post_ctx(p, &names, signed.who.role)
            }
        };
        sections.push(context! {
            status => s.as_str(),
            label => status_label(s),
            posts => posts.iter().map(ctx).collect::<Vec<_>>(),
        });
    }
    let filters: Vec<Value> = SECTIONS
        .iter()
        .map(|s| context! { value => s.as_str(), label => status_label(*s), selected => Some(*s) == status })
        .collect();
    page(
        state,
        signed,
        "approvals.html",
        "approvals",
        context! {
            sections => sections,
            filters => filters,
            filtered => status.is_some(),
            can_approve => can_approve,
            cartridges => names.cartridge_options(),
            accounts => names.account_options(),
            campaigns => names.campaign_options(),
            failed => failed.map(Failed::value),
            compose => compose.map(|c| Value::from(Serde(c))),
        },
    )
    .await
}

/// Re-shows the queue with a compose form's errors (422), or passes other failures on.
async fn compose_failed(
    state: &AppState,
    signed: &Signed,
    form: &'static str,
    values: Compose,
    err: UiError,
) -> Result<Response, UiError> {
    if err.status() != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(err);
    }
    let failed = ComposeFailed {
        form,
        errors: err.field_errors().to_vec(),
        values,
    };
    let html = render_queue(state, signed, None, None, Some(&failed)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

fn cartridge_of(form: &Compose) -> Result<CartridgeId, UiError> {
    parse_optional_id("cartridge_id", &form.cartridge_id)?
        .map(CartridgeId)
        .ok_or_else(|| {
            invalid(
                "cartridge_id",
                "choose the cartridge (client) it is written for",
            )
        })
}

/// `POST /approvals/posts`: a hand-written draft.
pub(super) async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<Compose>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let attempt = async {
        let new = NewPost {
            body: form.body.clone(),
            cartridge_id: cartridge_of(&form)?.0,
            linkedin_account_id: parse_optional_id(
                "linkedin_account_id",
                &form.linkedin_account_id,
            )?,
            campaign_id: parse_optional_id("campaign_id", &form.campaign_id)?,
        };
        Ok::<_, UiError>(state.app.create_post(&signed.who, new).await?)
    };
    match attempt.await {
        Ok(post) => Ok(Redirect::to(&format!("/approvals#post-{}", post.post.id)).into_response()),
        Err(e) => compose_failed(&state, &signed, "new", form, e).await,
    }
}

/// `POST /approvals/drafts`: a draft about a topic, written in the cartridge's voice (by the
/// workspace's model, or the offline writer without one).
pub(super) async fn write(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<Compose>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let attempt = async {
        let cartridge = cartridge_of(&form)?;
        let draft = state
            .app
            .write_draft(&signed.who, cartridge, ExampleKind::Post, &form.topic)
            .await?;
        let new = NewPost {
            body: draft.text,
            cartridge_id: cartridge.0,
            linkedin_account_id: None,
            campaign_id: None,
        };
        Ok::<_, UiError>(state.app.create_post(&signed.who, new).await?)
    };
    match attempt.await {
        Ok(post) => Ok(Redirect::to(&format!("/approvals#post-{}", post.post.id)).into_response()),
        Err(e) => compose_failed(&state, &signed, "draft", form, e).await,
    }
}
