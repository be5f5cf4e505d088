//! The inbox pages: the workspace's conversations with leads (unread first, newest first,
//! filtered by account, campaign, client and state, paged), and one conversation with its
//! lead, campaign and thread, an answer form (its idempotency key made when the page is
//! rendered, so a double-submitted form sends once), and the forms that mark it handled or
//! assign it to a member. Everything goes through the same use cases as `/api/v1/inbox`.

use super::page_params::{parse_id, query_string, when, with_query};
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::inbox::{ConversationPatch, InboxQuery};
use revos_app::inbox_answer::AnswerRequest;
use revos_domain::PageRequest;
use revos_domain::inbox::ConversationState;
use serde::Deserialize;
use uuid::Uuid;

/// Problems with a form's fields, as (field id, message).
type FieldErrors = Vec<(String, String)>;

/// How many conversations a page lists.
const PAGE_SIZE: u32 = 50;

/// The states a conversation can be in, with their labels, for the filter and the badges.
fn states() -> Vec<Value> {
    ConversationState::ALL
        .iter()
        .map(|s| {
            let label = match s {
                ConversationState::Open => "Open",
                ConversationState::Waiting => "Waiting on them",
                ConversationState::Handled => "Handled",
            };
            context! { key => s.as_str(), label => label }
        })
        .collect()
}

/// The list's filters as the GET form sends them (every one optional).
#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    campaign_id: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    after: String,
}

impl ListQuery {
    /// The query string of these filters (without the page cursor).
    fn filters_query(&self) -> String {
        query_string(&[
            ("account_id", self.account_id.trim()),
            ("campaign_id", self.campaign_id.trim()),
            ("client_id", self.client_id.trim()),
            ("state", self.state.trim()),
        ])
    }

    /// The app's filters and the page cursor, or each field at fault.
    fn parse(&self) -> Result<(InboxQuery, Option<Uuid>), FieldErrors> {
        let mut errors = Vec::new();
        let mut id = |field: &str, raw: &str| match raw.trim() {
            "" => None,
            raw => Uuid::parse_str(raw)
                .map_err(|_| errors.push((field.to_owned(), "choose one from the list".to_owned())))
                .ok(),
        };
        let query = InboxQuery {
            account_id: id("account_id", &self.account_id),
            campaign_id: id("campaign_id", &self.campaign_id),
            client_id: id("client_id", &self.client_id),
            state: Some(self.state.trim().to_owned()).filter(|s| !s.is_empty()),
        };
        let after = id("after", &self.after);
        if errors.is_empty() {
            Ok((query, after))
        } else {
            Err(errors)
        }
    }
}

/// The first `MAX_LIMIT` items of a list, for a filter's options.
fn all() -> PageRequest {
    PageRequest {
        limit: PageRequest::MAX_LIMIT,
        after: None,
    }
}

/// `GET /inbox`: the filter form, the matching conversations and the link to the next page.
pub(super) async fn list(
    State(state): State<AppState>,
    signed: Signed,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, UiError> {
    let Query(query) = query.map_err(|e| UiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let app = &state.app;
    let who = &signed.who;
    let accounts: Vec<Value> = app
        .list_accounts(who, all())
        .await?
        .items
        .iter()
        .map(|a| context! { id => a.id.to_string(), name => a.display_name.clone() })
        .collect();
    let campaigns: Vec<Value> = app
        .list_campaigns(who, None, all())
        .await?
        .items
        .iter()
        .map(|c| context! { id => c.id.to_string(), name => c.spec.name.clone() })
        .collect();
    let clients: Vec<Value> = app
        .list_cartridges(who, all())
        .await?
        .items
        .into_iter()
        .map(|c| context! { id => c.id.0.to_string(), name => c.spec.name })
        .collect();
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut rows = Vec::new();
    let mut next_url = None;
    match query.parse() {
        Err(e) => errors = e,
        Ok((filters, after)) => {
            let req = PageRequest {
                limit: PAGE_SIZE,
                after,
            };
            match app.list_inbox(who, &filters, req).await {
                Ok(found) => {
                    for c in &found.items {
                        rows.push(context! {
                            id => c.id.to_string(), lead => c.lead_name.clone(),
                            campaign => c.campaign_name.clone(), account => c.account_name.clone(),
                            client => c.client_name.clone(), state => c.state.as_str(),
                            unread => c.unread, last_message => c.last_message.clone(),
                            assignee => c.assignee_email.clone(),
                            at => c.last_activity_at.to_rfc3339(), when => when(c.last_activity_at),
                        });
                    }
                    if let Some(next) = found.next_after {
                        let filters = query.filters_query();
                        let sep = if filters.is_empty() { "" } else { "&" };
                        next_url =
                            Some(with_query("/inbox", &format!("{filters}{sep}after={next}")));
                    }
                }
                Err(err) => {
                    let e = UiError::from(err);
                    if e.status() != StatusCode::UNPROCESSABLE_ENTITY {
                        return Err(e);
                    }
                    errors = e.field_errors().to_vec();
                }
            }
        }
    }
    let filters = query.filters_query();
    let this_url = with_query("/inbox", &filters);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let states = states();
    let html = page(
        &state,
        &signed,
        "inbox.html",
        "inbox",
        context! {
            f => context! {
                account_id => query.account_id.trim(), campaign_id => query.campaign_id.trim(),
                client_id => query.client_id.trim(), state => query.state.trim(),
                paged => !query.after.trim().is_empty(),
            },
            accounts => accounts, campaigns => campaigns, clients => clients, states => states,
            conversations => rows, errors => Value::from(Serde(&errors)),
            next_url => next_url, this_url => this_url,
        },
    )
    .await?;
    Ok((status, html).into_response())
}

/// What the last action did, shown once after its redirect.
#[derive(Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

/// Renders a conversation's page (syncing and marking it read), with the answer form as
/// typed and its mistakes when it failed.
async fn conversation_page(
    state: &AppState,
    signed: &Signed,
    id: Uuid,
    notice: Option<&str>,
    typed: &str,
    errors: &[(String, String)],
) -> Result<axum::response::Html<String>, UiError> {
    let detail = state.app.open_conversation(&signed.who, id).await?;
    let members: Vec<Value> = state
        .app
        .list_members(&signed.who, all())
        .await?
        .items
        .iter()
        .map(|m| context! { id => m.user_id.0.to_string(), email => m.email.clone() })
        .collect();
    let c = &detail.conversation;
    let thread: Vec<Value> = detail
        .messages
        .iter()
        .map(|m| {
            context! {
                ours => m.direction == "out", body => m.body.clone(), status => m.status.clone(),
                at => m.at.to_rfc3339(), when => when(m.at),
            }
        })
        .collect();
    let states = states();
    page(
        state,
        signed,
        "conversation.html",
        "inbox",
        context! {
            c => context! {
                id => c.id.to_string(), lead_id => c.lead_id.to_string(), lead => c.lead_name.clone(),
                headline => c.lead_headline.clone(), account => c.account_name.clone(),
                campaign_id => c.campaign_id.map(|i| i.to_string()), campaign => c.campaign_name.clone(),
                client => c.client_name.clone(), state => c.state.as_str(),
                assignee_id => c.assignee_id.map(|i| i.to_string()),
            },
            thread => thread, synced => detail.synced, members => members, states => states,
            idempotency_key => Uuid::now_v7().to_string(), typed => typed,
            notice => notice, errors => Value::from(Serde(errors)),
        },
    )
    .await
}

/// `GET /inbox/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, UiError> {
    let id = parse_id(&raw, "conversation")?;
    let notice = match done.done.as_deref() {
        Some("answer") => {
            Some("Your answer is queued; it goes out at the account's next free slot.")
        }
        Some("triage") => Some("The conversation was updated."),
        _ => None,
    };
    Ok(conversation_page(&state, &signed, id, notice, "", &[])
        .await?
        .into_response())
}

/// The answer form.
#[derive(Deserialize)]
pub(super) struct AnswerForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    idempotency_key: String,
}

/// `POST /inbox/{id}/messages`: queues the answer once per form, then back to the page.
pub(super) async fn answer(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(form): Form<AnswerForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&raw, "conversation")?;
    let req = AnswerRequest {
        text: form.text.clone(),
        idempotency_key: Some(form.idempotency_key.trim().to_owned()).filter(|k| !k.is_empty()),
    };
    match state.app.answer_conversation(&signed.who, id, &req).await {
        Ok(_) => Ok(Redirect::to(&format!("/inbox/{id}?done=answer")).into_response()),
        Err(err) => {
            let e = UiError::from(err);
            if e.status() != StatusCode::UNPROCESSABLE_ENTITY {
                return Err(e);
            }
            let errors = e.field_errors().to_vec();
            let html = conversation_page(&state, &signed, id, None, &form.text, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

/// The triage forms: a state, or an assignee (empty: nobody).
#[derive(Deserialize)]
pub(super) struct TriageForm {
    #[serde(default)]
    _csrf: String,
    state: Option<String>,
    assignee_id: Option<String>,
}

/// `POST /inbox/{id}/triage`: marks handled (or another state) or assigns, then back.
pub(super) async fn triage(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TriageForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&raw, "conversation")?;
    let assignee_id = match form.assignee_id.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(raw) => Some(Some(Uuid::parse_str(raw).map_err(|_| {
            UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose a member from the list.",
            )
        })?)),
    };
    let patch = ConversationPatch {
        state: form.state.filter(|s| !s.trim().is_empty()),
        assignee_id,
        unread: None,
    };
    state
        .app
        .triage_conversation(&signed.who, id, &patch)
        .await?;
    Ok(Redirect::to(&format!("/inbox/{id}?done=triage")).into_response())
}
