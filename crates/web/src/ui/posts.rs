//! A post's page (its text, status, history, metrics and the moves its status allows) and the
//! form actions of every move: edit a draft, submit, approve (as is or edited), reject with a
//! reason, revise, schedule, unschedule, publish now. Each action goes through the app's post
//! use cases, then returns (303) to the page it came from; a failed field re-shows that page
//! with the message beside the field (422).

use super::approvals;
use super::page_params::parse_id;
use super::post_view::{
    Lookups, history_ctx, invalid, parse_local_time, parse_optional_id, post_ctx,
};
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::posts::PostPatch;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The fields of every post action's form (each uses the ones it needs).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct PostAction {
    #[serde(skip_serializing)]
    _csrf: String,
    /// `post` to come back to the post's page; the approval queue otherwise.
    from: String,
    /// The text (editing a draft, approving with edits).
    body: Option<String>,
    /// Why it is rejected.
    reason: String,
    /// The approver's optional comment.
    comment: String,
    /// When to publish, as a `datetime-local` value in UTC.
    at: String,
    /// The account to publish from.
    linkedin_account_id: String,
    /// The campaign that should watch a published post.
    campaign_id: String,
}

/// A move that failed on a field: which post and move, the errors, and what was sent, so
/// the page can show the form again as it was with each message beside its field.
#[derive(Debug, Serialize)]
pub(super) struct Failed {
    id: String,
    action: String,
    errors: Vec<(String, String)>,
    values: PostAction,
}

impl Failed {
    /// The failed attempt as a template value.
    pub fn value(&self) -> Value {
        Value::from(Serde(self))
    }
}

/// `GET /posts/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Html<String>, UiError> {
    let id = parse_id(&id, "post")?;
    render_post(&state, &signed, id, None).await
}

async fn render_post(
    state: &AppState,
    signed: &Signed,
    id: Uuid,
    failed: Option<&Failed>,
) -> Result<Html<String>, UiError> {
    let detail = state.app.get_post(&signed.who, id).await?;
    let names = Lookups::load(state, signed).await?;
    let draft_differs = detail
        .post
        .draft_body
        .as_ref()
        .is_some_and(|d| *d != detail.post.body);
    page(
        state,
        signed,
        "post.html",
        "approvals",
        context! {
            p => context! {
                media => super::post_media::media_ctx(&detail.media),
                ..post_ctx(&detail.post, &names, signed.who.role)
            },
            history => history_ctx(&detail.history, &names),
            draft_differs => draft_differs,
            accounts => names.account_options(),
            campaigns => if signed.who.role.is_client() { Vec::new() } else { names.campaign_options() },
            failed => failed.map(Failed::value),
        },
    )
    .await
}

/// `POST /posts/{id}/{action}`: one move of the workflow.
pub(super) async fn act(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<PostAction>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&id, "post")?;
    let back_to_post = form.from == "post";
    match perform(&state, &signed, id, &action, &form).await {
        Ok(()) => Ok(Redirect::to(&if back_to_post {
            format!("/posts/{id}")
        } else {
            format!("/approvals#post-{id}")
        })
        .into_response()),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let failed = Failed {
                id: id.to_string(),
                action,
                errors: e.field_errors().to_vec(),
                values: form,
            };
            let html = if back_to_post {
                render_post(&state, &signed, id, Some(&failed)).await?
            } else {
                approvals::render_queue(&state, &signed, None, Some(&failed), None).await?
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn perform(
    state: &AppState,
    signed: &Signed,
    id: Uuid,
    action: &str,
    form: &PostAction,
) -> Result<(), UiError> {
    let app = &state.app;
    let who = &signed.who;
    match action {
        "edit" => {
            let patch = PostPatch {
                body: Some(form.body.clone().unwrap_or_default()),
                ..Default::default()
            };
            app.update_post(who, id, patch).await?;
        }
        "submit" => {
            app.submit_post(who, id).await?;
        }
        "approve" => {
            app.approve_post(who, id, form.body.clone(), Some(&form.comment))
                .await?;
        }
        "reject" => {
            app.reject_post(who, id, Some(&form.reason)).await?;
        }
        "revise" => {
            app.revise_post(who, id).await?;
        }
        "schedule" => {
            let at = parse_local_time("at", &form.at)?;
            let account = parse_optional_id("linkedin_account_id", &form.linkedin_account_id)?;
            app.schedule_post(who, id, at, account).await?;
        }
        "unschedule" => {
            app.unschedule_post(who, id).await?;
        }
        "publish" => {
            let account = parse_optional_id("linkedin_account_id", &form.linkedin_account_id)?;
            app.publish_post_now(who, id, account).await?;
        }
        "attach" => {
            let campaign =
                parse_optional_id("campaign_id", &form.campaign_id)?.ok_or_else(|| {
                    invalid("campaign_id", "choose the campaign that should watch it")
                })?;
            app.attach_post(who, id, campaign).await?;
        }
        _ => return Err(UiError::new(StatusCode::NOT_FOUND, "no such action")),
    }
    Ok(())
}
