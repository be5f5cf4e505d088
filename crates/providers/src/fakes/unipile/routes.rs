//! The fake Unipile's routes: each checks the API key, logs the request with its arrival time,
//! applies any injected fault, and answers in Unipile's documented shapes from the shared state.

use super::{Arrival, Chat, FakeUnipile, Fault, aimed, lock, me_key, owner_of, page_key, problem};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// The routes of Unipile's API v1 that RevOS calls, over `state`.
pub(super) fn router(state: Arc<FakeUnipile>) -> Router {
    Router::new()
        .route("/api/v1/accounts/{id}", get(account))
        .route(
            "/api/v1/hosted/accounts/link",
            post(super::hosted::create_link),
        )
        .route(
            "/hosted/{id}",
            get(super::hosted::page).post(super::hosted::finish),
        )
        .route("/api/v1/posts", post(create_post))
        .route("/api/v1/posts/{id}", get(get_post))
        .route("/api/v1/posts/{id}/comments", get(comments).post(reply))
        .route("/api/v1/users/relations", get(relations))
        .route("/api/v1/users/me", get(me))
        .route("/api/v1/users/{id}/posts", get(user_posts))
        .route("/api/v1/users/{id}", get(profile))
        .route(
            "/api/v1/chats",
            post(start_chat).get(super::chats::list_chats),
        )
        .route(
            "/api/v1/chats/{id}/messages",
            get(messages).post(send_in_chat),
        )
        .with_state(state)
}

/// Checks the key and logs the request; returns the fault to apply, or an error answer.
#[allow(clippy::result_large_err)] // a test fake: the error is the answer itself
pub(super) fn gate(
    state: &FakeUnipile,
    headers: &HeaderMap,
    method: &str,
    path: String,
) -> Result<Option<Fault>, Response> {
    gate_for(state, headers, method, path, None)
}

/// [`gate`] for a request that acts for `account`.
#[allow(clippy::result_large_err)] // a test fake: the error is the answer itself
fn gate_for(
    state: &FakeUnipile,
    headers: &HeaderMap,
    method: &str,
    path: String,
    account: Option<String>,
) -> Result<Option<Fault>, Response> {
    let at = state.now();
    let logged = {
        let mut log = lock(&state.requests);
        log.push(Arrival {
            method: method.to_owned(),
            path: path.clone(),
            account,
            at,
            fault: None,
        });
        log.len() - 1
    };
    if headers.get("x-api-key").is_none() {
        return Err(problem(
            StatusCode::UNAUTHORIZED,
            "errors/missing_credentials",
            "Missing credentials",
        ));
    }
    let routed = lock(&state.route_faults)
        .get_mut(&(method.to_owned(), path.clone()))
        .and_then(VecDeque::pop_front);
    let mut fault = routed.or_else(|| lock(&state.faults).pop_front());
    if fault.is_none() {
        fault = lock(&state.random)
            .as_mut()
            .and_then(|r| r.draw(method, &path));
    }
    if let Some(entry) = lock(&state.requests).get_mut(logged) {
        entry.fault = fault.clone();
    }
    match fault {
        Some(Fault::RateLimited { retry_after_secs }) => Err((
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after_secs.to_string())],
            Json(json!({"status": 429, "type": "errors/too_many_requests", "title": "Too many requests"})),
        )
            .into_response()),
        Some(Fault::ServerError) => Err(problem(StatusCode::INTERNAL_SERVER_ERROR, "errors/provider_error", "Provider error")),
        Some(Fault::Malformed) => Err((StatusCode::OK, "<html>gateway</html>").into_response()),
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
            let kind = match code {
                422 => "errors/no_connection_with_recipient",
                403 => "errors/account_restricted",
                401 => "errors/disconnected_account",
                _ => "errors/invalid_parameters",
            };
            Err(problem(status, kind, "injected"))
        }
        Some(Fault::Huge(bytes)) => Err(crate::fakes::huge_json(bytes)),
        Some(Fault::Redirect(url)) => Err(crate::fakes::redirect(&url)),
        other => Ok(other),
    }
}

pub(super) async fn stall(fault: &Option<Fault>) {
    if let Some(Fault::Stall(ms) | Fault::StallAfterEffect(ms)) = fault {
        tokio::time::sleep(std::time::Duration::from_millis(*ms)).await;
    }
}

async fn account(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let fault = match gate(&s, &headers, "GET", format!("/accounts/{id}")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    stall(&fault).await;
    match lock(&s.world).accounts.get(&id) {
        Some(a) => Json(a.clone()).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "errors/resource_not_found",
            "Account not found",
        ),
    }
}

async fn create_post(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let fault = match gate(&s, &headers, "POST", "/posts".into()) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (mut account, mut text, mut attachments) = (String::new(), String::new(), Vec::new());
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "errors/invalid_parameters",
                    &format!("unreadable multipart body: {e}"),
                );
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if matches!(name.as_str(), "attachments" | "attachments[]") {
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let Ok(bytes) = field.bytes().await else {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "errors/invalid_parameters",
                    "unreadable attachment",
                );
            };
            if file_name.is_none() {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "errors/invalid_parameters",
                    "an attachment must be a file part",
                );
            }
            attachments.push(super::ReceivedAttachment {
                file_name,
                content_type,
                bytes: bytes.to_vec(),
            });
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "account_id" => account = value,
            "text" => text = value,
            _ => {}
        }
    }
    if !lock(&s.world).accounts.contains_key(&account) {
        return problem(
            StatusCode::UNAUTHORIZED,
            "errors/disconnected_account",
            "Account not found",
        );
    }
    let id = {
        let mut w = lock(&s.world);
        w.next_id += 1;
        format!("74{:08}", w.next_id)
    };
    s.add_post(&id, &text);
    {
        let mut w = lock(&s.world);
        if let Some((post, _)) = w.posts.get_mut(&format!("urn:li:activity:{id}")) {
            post["author"] =
                json!({"id": owner_of(&account), "name": "Owner", "is_company": false});
            post["share_url"] = json!(format!("https://www.linkedin.com/posts/owner_{id}"));
            post["reaction_counter"] = json!(0);
            post["repost_counter"] = json!(0);
            post["impressions_counter"] = json!(0);
        }
        w.created.push((account, id.clone()));
        w.attachments.insert(id.clone(), attachments);
    }
    stall(&fault).await;
    let body = if s.omit_post_id.load(std::sync::atomic::Ordering::SeqCst) {
        json!({"object": "PostCreated"})
    } else {
        json!({"object": "PostCreated", "post_id": id})
    };
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn me(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fault = match gate(&s, &headers, "GET", "/users/me".into()) {
        Ok(f) => f,
        Err(r) => return r,
    };
    stall(&fault).await;
    let Some(account) = q.get("account_id").cloned() else {
        return problem(
            StatusCode::BAD_REQUEST,
            "errors/invalid_parameters",
            "account_id is required",
        );
    };
    if let Some(answer) = aimed(&s, &me_key(&account)) {
        return answer;
    }
    if !lock(&s.world).accounts.contains_key(&account) {
        return problem(
            StatusCode::UNAUTHORIZED,
            "errors/disconnected_account",
            "Account not found",
        );
    }
    Json(json!({"object": "AccountOwnerProfile", "provider": "LINKEDIN", "provider_id": owner_of(&account),
                "first_name": "Owner", "last_name": "", "public_identifier": null}))
    .into_response()
}

/// A listing's `limit` (1 to 100, default 100), after checking the required `account_id`.
#[allow(clippy::result_large_err)] // a test fake: the error is the answer itself
fn listing_limit(q: &HashMap<String, String>) -> Result<usize, Response> {
    if !q.contains_key("account_id") {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "errors/invalid_parameters",
            "account_id is required",
        ));
    }
    Ok(q.get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100)
        .clamp(1, 100))
}

async fn user_posts(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fault = match gate(&s, &headers, "GET", format!("/users/{id}/posts")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    stall(&fault).await;
    let limit = match listing_limit(&q) {
        Ok(limit) => limit,
        Err(r) => return r,
    };
    let w = lock(&s.world);
    let items: Vec<Value> = w
        .created
        .iter()
        .rev()
        .filter(|(account, _)| owner_of(account) == id)
        .filter_map(|(_, post)| w.posts.get(&format!("urn:li:activity:{post}")))
        .map(|(p, _)| p.clone())
        .take(limit)
        .collect();
    Json(json!({"object": "PostList", "items": items, "cursor": null})).into_response()
}

async fn get_post(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let fault = match gate(&s, &headers, "GET", format!("/posts/{id}")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    stall(&fault).await;
    let key = if id.starts_with("urn:") {
        id
    } else {
        format!("urn:li:activity:{id}")
    };
    match lock(&s.world).posts.get(&key) {
        Some((p, _)) => Json(p.clone()).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "errors/resource_not_found",
            "Post not found",
        ),
    }
}

async fn comments(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fault = match gate(&s, &headers, "GET", format!("/posts/{id}/comments")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    stall(&fault).await;
    let limit = match listing_limit(&q) {
        Ok(limit) => limit,
        Err(r) => return r,
    };
    let start: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    if let Some(answer) = aimed(&s, &page_key(&id, start / limit + 1)) {
        return answer;
    }
    let w = lock(&s.world);
    let Some((_, all)) = w.posts.get(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "errors/resource_not_found",
            "Post not found",
        );
    };
    let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
    let next = (start + limit < all.len()).then(|| (start + limit).to_string());
    Json(json!({"object": "CommentList", "items": page, "cursor": next, "total_items": all.len()}))
        .into_response()
}

async fn reply(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let account = body["account_id"].as_str().map(str::to_owned);
    let fault = match gate_for(
        &s,
        &headers,
        "POST",
        format!("/posts/{id}/comments"),
        account,
    ) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let comment = body["comment_id"].as_str().unwrap_or_default().to_owned();
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    lock(&s.world).replies.push((id, comment, text));
    stall(&fault).await;
    (StatusCode::CREATED, Json(json!({"object": "CommentSent"}))).into_response()
}

async fn profile(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let fault = match gate(&s, &headers, "GET", format!("/users/{id}")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    stall(&fault).await;
    // The identifier is a member id or a public identifier (the docs' `identifier`).
    let w = lock(&s.world);
    let found = w.profiles.get(&id).or_else(|| {
        w.profiles
            .values()
            .find(|p| p["public_identifier"].as_str() == Some(id.as_str()))
    });
    match found {
        Some(p) => Json(p.clone()).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "errors/resource_not_found",
            "User not found",
        ),
    }
}

async fn relations(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fault = match gate(&s, &headers, "GET", "/users/relations".into()) {
        Ok(f) => f,
        Err(r) => return r,
    };
    stall(&fault).await;
    let account = q.get("account_id").cloned().unwrap_or_default();
    let items: Vec<Value> = lock(&s.world)
        .relations
        .get(&account)
        .map(|r| {
            r.iter()
                .map(|id| json!({"object": "UserRelation", "member_id": id}))
                .collect()
        })
        .unwrap_or_default();
    Json(json!({"object": "UserRelationList", "items": items, "cursor": null})).into_response()
}

async fn start_chat(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let (mut account, mut attendee, mut text) = (String::new(), String::new(), String::new());
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "account_id" => account = value,
            "attendees_ids" => attendee = value,
            "text" => text = value,
            _ => {}
        }
    }
    let acting = Some(account.clone()).filter(|a| !a.is_empty());
    let fault = match gate_for(&s, &headers, "POST", "/chats".into(), acting) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let result = {
        let mut w = lock(&s.world);
        if !w
            .relations
            .get(&account)
            .is_some_and(|r| r.contains(&attendee))
        {
            None
        } else {
            w.next_id += 1;
            let message_id = format!("m{}", w.next_id);
            let existing = w
                .chats
                .iter()
                .find(|(_, c)| c.attendee == attendee)
                .map(|(id, _)| id.clone());
            let chat_id = existing.unwrap_or_else(|| format!("chat-{attendee}"));
            let chat = w.chats.entry(chat_id.clone()).or_insert_with(|| Chat {
                attendee: attendee.clone(),
                ..Chat::default()
            });
            chat.messages.push((message_id.clone(), text, true));
            chat.account.get_or_insert(account);
            let at = s.now();
            chat.last_message_at = at;
            w.message_times.insert(message_id.clone(), at);
            Some((chat_id, message_id))
        }
    };
    let Some((chat_id, message_id)) = result else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "errors/no_connection_with_recipient",
            "Recipient cannot be reached",
        );
    };
    stall(&fault).await;
    (
        StatusCode::CREATED,
        Json(json!({"object": "ChatStarted", "chat_id": chat_id, "message_id": message_id})),
    )
        .into_response()
}

async fn send_in_chat(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Response {
    let fault = match gate(&s, &headers, "POST", format!("/chats/{id}/messages")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut text = String::new();
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("text") {
            text = field.text().await.unwrap_or_default();
        }
    }
    let message_id = {
        let mut w = lock(&s.world);
        w.next_id += 1;
        let mid = format!("m{}", w.next_id);
        let at = s.now();
        match w.chats.get_mut(&id) {
            Some(chat) => {
                chat.messages.push((mid.clone(), text, true));
                chat.last_message_at = at;
                w.message_times.insert(mid.clone(), at);
                mid
            }
            None => {
                return problem(
                    StatusCode::NOT_FOUND,
                    "errors/resource_not_found",
                    "Chat not found",
                );
            }
        }
    };
    stall(&fault).await;
    (
        StatusCode::CREATED,
        Json(json!({"object": "MessageSent", "message_id": message_id})),
    )
        .into_response()
}

/// `GET /chats/{chat_id}/messages?limit&cursor`, as api-notes.md documents it: a
/// `MessageList` of the chat's messages, newest first, each a `Message` object with its
/// `timestamp` and `is_sender`; `limit` is 1 to 250 (default 100) and `cursor` (opaque)
/// continues the listing until it comes back `null`.
async fn messages(
    State(s): State<Arc<FakeUnipile>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fault = match gate(&s, &headers, "GET", format!("/chats/{id}/messages")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    stall(&fault).await;
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100)
        .clamp(1, 250);
    let start: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let w = lock(&s.world);
    let Some(chat) = w.chats.get(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "errors/resource_not_found",
            "Chat not found",
        );
    };
    let account = chat.account.clone().unwrap_or_default();
    let items: Vec<Value> = chat
        .messages
        .iter()
        .rev()
        .skip(start)
        .take(limit)
        .map(|(mid, text, mine)| {
            let at = w
                .message_times
                .get(mid)
                .copied()
                .unwrap_or(chat.last_message_at);
            let sender = if *mine {
                FakeUnipile::owner_id(&account)
            } else {
                chat.attendee.clone()
            };
            json!({"object": "Message", "id": mid, "chat_id": id, "chat_provider_id": id,
                   "provider_id": mid, "account_id": account, "text": text, "attachments": [],
                   "sender_id": sender, "sender_attendee_id": sender,
                   "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                   "is_sender": mine, "seen": 0, "hidden": 0, "deleted": 0, "edited": 0,
                   "is_event": 0, "reactions": []})
        })
        .collect();
    let next = (start + limit < chat.messages.len()).then(|| (start + limit).to_string());
    Json(json!({"object": "MessageList", "items": items, "cursor": next})).into_response()
}
