//! A fake Unipile API v1: accounts, posts with paged comments, profiles, relations and chats,
//! with injectable faults (queued, or drawn at random from a seed on chosen routes), including
//! "did it, then timed out" for exactly-once tests, and a log of every request stamped on
//! arrival by the fake's own clock, to judge pacing from the provider's side.

mod chats;
mod hosted;
mod routes;

pub use hosted::HostedLink;

use super::Fault;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// A chat with its messages, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Chat {
    /// The other person's provider id.
    pub attendee: String,
    /// (message id, text, sent by the account).
    pub messages: Vec<(String, String, bool)>,
    /// The account the chat belongs to; `None` for a chat a person started with
    /// [`FakeUnipile::message_from`] before any account wrote to them (listed for every
    /// account).
    pub account: Option<String>,
    /// When its last message came, by the fake's clock (`GET /chats` lists it as `timestamp`
    /// and filters on it with `after` and `before`).
    pub last_message_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Default)]
struct World {
    accounts: HashMap<String, Value>,
    posts: HashMap<String, (Value, Vec<Value>)>,
    profiles: HashMap<String, Value>,
    relations: HashMap<String, Vec<String>>,
    chats: HashMap<String, Chat>,
    /// When each chat message was sent, by message id (`timestamp` of `GET /chats/{id}/messages`).
    message_times: HashMap<String, chrono::DateTime<chrono::Utc>>,
    replies: Vec<(String, String, String)>,
    /// Posts published through the API, oldest first: (account, post id).
    created: Vec<(String, String)>,
    /// The file parts each published post came with, by post id, in order.
    attachments: HashMap<String, Vec<ReceivedAttachment>>,
    /// Hosted-auth links handed out, by id.
    hosted: HashMap<String, HostedLink>,
    next_id: u64,
}

/// A file part of a `POST /posts` (field `attachments`, or `attachments[]`), as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedAttachment {
    /// The part's file name.
    pub file_name: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
    /// The part's bytes.
    pub bytes: Vec<u8>,
}

/// One request as the fake received it, stamped with the fake's own clock on arrival.
#[derive(Clone, Debug)]
pub struct Arrival {
    /// The HTTP method.
    pub method: String,
    /// The path below `/api/v1`.
    pub path: String,
    /// The LinkedIn account the request acts for, when it names one in its body (sending a
    /// message, replying to a comment).
    pub account: Option<String>,
    /// When it arrived, by the fake's clock (see [`FakeUnipile::set_clock`]).
    pub at: chrono::DateTime<chrono::Utc>,
    /// The fault the fake applied to it, if any.
    pub fault: Option<Fault>,
}

/// Faults drawn at random (from a seed, so a run replays) for requests matching some routes.
#[derive(Clone, Debug)]
pub struct RandomFaults {
    /// Seed of the draws.
    pub seed: u64,
    /// Chance of a fault per matching request, in percent.
    pub percent: u64,
    /// Routes as `METHOD /path`, `*` standing for one path segment, e.g.
    /// `POST /posts/*/comments`.
    pub routes: Vec<String>,
    /// The faults drawn from, with equal chances.
    pub faults: Vec<Fault>,
}

impl RandomFaults {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.routes.iter().any(|r| {
            let Some((m, pattern)) = r.split_once(' ') else {
                return false;
            };
            let (want, got) = (pattern.split('/'), path.split('/'));
            m == method
                && pattern.split('/').count() == path.split('/').count()
                && want.zip(got).all(|(w, g)| w == "*" || w == g)
        })
    }

    /// The next draw of a small deterministic generator (an LCG).
    fn next(&mut self) -> u64 {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.seed >> 33
    }

    fn draw(&mut self, method: &str, path: &str) -> Option<Fault> {
        if self.faults.is_empty()
            || !self.matches(method, path)
            || self.next() % 100 >= self.percent
        {
            return None;
        }
        let pick = usize::try_from(self.next()).unwrap_or(0) % self.faults.len();
        self.faults.get(pick).cloned()
    }
}

/// The fake's clock: the time it stamps arrivals with.
type FakeClock = Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

/// The fake's state.
#[derive(Default)]
pub struct FakeUnipile {
    /// Answer `POST /posts` with a bare `{"object":"PostCreated"}`, as SDK 1.8 documents.
    omit_post_id: std::sync::atomic::AtomicBool,
    world: Mutex<World>,
    faults: Mutex<VecDeque<Fault>>,
    /// Faults for one route only, by (method, path): consumed before the shared queue.
    route_faults: Mutex<HashMap<(String, String), VecDeque<Fault>>>,
    /// Faults aimed at one request, by [`aimed`] key, each answered once.
    aimed: Mutex<HashMap<String, VecDeque<Fault>>>,
    /// Faults drawn at random on chosen routes (after the queued ones).
    random: Mutex<Option<RandomFaults>>,
    /// The clock that stamps arrivals (the system clock when none).
    clock: Mutex<Option<FakeClock>>,
    /// Every request, in arrival order.
    requests: Mutex<Vec<Arrival>>,
}

/// The key of faults aimed at `GET /users/me` of `account`.
fn me_key(account: &str) -> String {
    format!("me {account}")
}

/// The key of faults aimed at page `page` (from 1) of the comments of the post `post_urn`.
fn page_key(post_urn: &str, page: usize) -> String {
    format!("comments {post_urn} {page}")
}

/// The LinkedIn member id the fake gives the owner of `account`.
fn owner_of(account: &str) -> String {
    format!("ACoOwnerOf{account}")
}

/// The next fault aimed at the request `key`, answered as the provider would; `None` lets
/// the request through.
fn aimed(state: &FakeUnipile, key: &str) -> Option<Response> {
    let fault = lock(&state.aimed).get_mut(key)?.pop_front()?;
    Some(match fault {
        Fault::RateLimited { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after_secs.to_string())],
            Json(json!({"status": 429, "type": "errors/too_many_requests", "title": "Too many requests"})),
        )
            .into_response(),
        Fault::Status(code) => problem(
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
            "errors/service_unavailable",
            "injected",
        ),
        _ => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "errors/provider_error",
            "Provider error",
        ),
    })
}

/// A running fake Unipile.
pub struct Running {
    /// Base URL to configure the client with (`…/api/v1`).
    pub base_url: String,
    /// The fake's state.
    pub state: Arc<FakeUnipile>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn problem(status: StatusCode, kind: &str, detail: &str) -> Response {
    (
        status,
        Json(json!({"status": status.as_u16(), "type": kind, "title": detail, "detail": detail})),
    )
        .into_response()
}

impl FakeUnipile {
    /// Starts a fake Unipile on a random loopback port.
    pub async fn start() -> Running {
        let state = Arc::new(FakeUnipile::default());
        let router = routes::router(Arc::clone(&state));
        let (base, _) = super::serve(router).await;
        Running {
            base_url: format!("{base}/api/v1"),
            state,
        }
    }

    /// Adds a connected LinkedIn account.
    pub fn add_account(&self, id: &str, name: &str) {
        let account = json!({"object": "Account", "id": id, "name": name, "type": "LINKEDIN", "sources": [{"id": format!("{id}_MESSAGING"), "status": "OK"}]});
        lock(&self.world).accounts.insert(id.to_owned(), account);
    }

    /// Sets the status of every source of `account` (`OK`, `CREDENTIALS`, ...), as Unipile
    /// reports a lost or restored session.
    pub fn set_account_status(&self, account: &str, status: &str) {
        if let Some(a) = lock(&self.world).accounts.get_mut(account)
            && let Some(sources) = a["sources"].as_array_mut()
        {
            for source in sources {
                source["status"] = json!(status);
            }
        }
    }

    /// The hosted-auth links handed out so far, by id.
    pub fn hosted_links(&self) -> HashMap<String, HostedLink> {
        lock(&self.world).hosted.clone()
    }

    /// Adds a post (by id; its social id is the activity URN).
    pub fn add_post(&self, id: &str, text: &str) {
        let post = json!({"object": "Post", "provider": "LINKEDIN", "id": id, "social_id": format!("urn:li:activity:{id}"), "text": text, "comment_counter": 0});
        lock(&self.world)
            .posts
            .insert(format!("urn:li:activity:{id}"), (post, Vec::new()));
    }

    /// Adds a comment by `author_id` to post `id`; `connected` sets the network distance.
    pub fn add_comment(
        &self,
        post_id: &str,
        author_id: &str,
        author: &str,
        text: &str,
        connected: bool,
    ) {
        let mut w = lock(&self.world);
        w.next_id += 1;
        let comment_id = format!("c{}", w.next_id);
        let comment = json!({
            "object": "Comment", "id": comment_id, "post_id": post_id, "author": author, "text": text,
            "date": "2026-05-27T10:00:00.000Z",
            "author_details": {"id": author_id, "headline": "Founder", "profile_url": format!("https://www.linkedin.com/in/{author_id}"),
                               "network_distance": if connected { "FIRST_DEGREE" } else { "SECOND_DEGREE" }}
        });
        if let Some((post, comments)) = w.posts.get_mut(&format!("urn:li:activity:{post_id}")) {
            comments.insert(0, comment);
            post["comment_counter"] = json!(comments.len());
        }
        let first = author
            .split_whitespace()
            .next()
            .unwrap_or(author)
            .to_owned();
        w.profiles.entry(author_id.to_owned()).or_insert_with(|| {
            json!({"object": "UserProfile", "provider": "LINKEDIN", "provider_id": author_id, "first_name": first,
                   "last_name": "", "headline": "Founder", "public_profile_url": format!("https://www.linkedin.com/in/{author_id}"),
                   "network_distance": if connected { "FIRST_DEGREE" } else { "SECOND_DEGREE" }})
        });
    }

    /// Adds a person with member id `member_id` and public identifier `public_id` (the slug
    /// of their profile URL), as `GET /users/{identifier}` finds them by either.
    pub fn add_person(&self, member_id: &str, public_id: &str, name: &str) {
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        lock(&self.world).profiles.insert(
            member_id.to_owned(),
            json!({"object": "UserProfile", "provider": "LINKEDIN", "provider_id": member_id,
                   "public_identifier": public_id, "first_name": first, "last_name": last,
                   "headline": "Founder", "public_profile_url": format!("https://www.linkedin.com/in/{public_id}"),
                   "network_distance": "SECOND_DEGREE"}),
        );
    }

    /// Makes `person` a first-degree connection of `account`.
    pub fn connect(&self, account: &str, person: &str) {
        let mut w = lock(&self.world);
        w.relations
            .entry(account.to_owned())
            .or_default()
            .push(person.to_owned());
        if let Some(p) = w.profiles.get_mut(person) {
            p["network_distance"] = json!("FIRST_DEGREE");
        }
    }

    /// The LinkedIn member id `GET /users/me` gives as the owner of `account`.
    pub fn owner_id(account: &str) -> String {
        owner_of(account)
    }

    /// Answers the next `GET /users/me` requests of `account` with `faults`, one each
    /// (rate limits, 5xx; other kinds answer 500).
    pub fn fail_owner_profile(&self, account: &str, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.aimed)
            .entry(me_key(account))
            .or_default()
            .extend(faults);
    }

    /// Answers the next requests of page `page` (from 1) of the comments of post `post_id`
    /// with `faults`, one each (rate limits, 5xx; other kinds answer 500).
    pub fn fail_comments_page(
        &self,
        post_id: &str,
        page: usize,
        faults: impl IntoIterator<Item = Fault>,
    ) {
        lock(&self.aimed)
            .entry(page_key(&format!("urn:li:activity:{post_id}"), page))
            .or_default()
            .extend(faults);
    }

    /// Queues faults: each request consumes one until none are left.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.faults).extend(faults);
    }

    /// Queues faults for the requests to one route only (`"POST", "/chats"`), whatever other
    /// requests come in between; they are consumed before the shared queue's.
    pub fn inject_on(&self, method: &str, path: &str, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.route_faults)
            .entry((method.to_owned(), path.to_owned()))
            .or_default()
            .extend(faults);
    }

    /// Draws faults at random for the requests matching `plan`'s routes (after any queued
    /// faults are used up).
    pub fn inject_random(&self, plan: RandomFaults) {
        *lock(&self.random) = Some(plan);
    }

    /// Stamps arrivals with `now()` instead of the system clock (a test's simulated clock).
    pub fn set_clock(
        &self,
        now: impl Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync + 'static,
    ) {
        *lock(&self.clock) = Some(Arc::new(now));
    }

    /// Every request so far, in arrival order, with its arrival time and fault (a
    /// benchmark derives poll lateness from the arrival times of `GET /posts/{id}/comments`).
    pub fn arrivals(&self) -> Vec<Arrival> {
        lock(&self.requests).clone()
    }

    /// Takes the requests logged so far out of the log (which then starts empty): a long
    /// benchmark drains it as it goes, so the log does not grow with the run.
    pub fn drain_arrivals(&self) -> Vec<Arrival> {
        std::mem::take(&mut *lock(&self.requests))
    }

    /// How many requests so far were `method path` (e.g. `GET /chats`), by exact path.
    pub fn count(&self, method: &str, path: &str) -> usize {
        lock(&self.requests)
            .iter()
            .filter(|a| a.method == method && a.path == path)
            .count()
    }

    /// The fake's time now: its clock's, or the system's.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        lock(&self.clock)
            .as_ref()
            .map_or_else(chrono::Utc::now, |now| now())
    }

    /// Every chat, by id.
    pub fn chats(&self) -> HashMap<String, Chat> {
        lock(&self.world).chats.clone()
    }

    /// Messages the account sent to `person`, across chats.
    pub fn sent_to(&self, person: &str) -> Vec<String> {
        lock(&self.world)
            .chats
            .values()
            .filter(|c| c.attendee == person)
            .flat_map(|c| c.messages.iter().filter(|m| m.2).map(|m| m.1.clone()))
            .collect()
    }

    /// Public replies posted to comments: (post, comment, text).
    pub fn replies(&self) -> Vec<(String, String, String)> {
        lock(&self.world).replies.clone()
    }

    /// The person answers in their chat with the account.
    pub fn reply_from(&self, person: &str, text: &str) -> Option<(String, String)> {
        let mut w = lock(&self.world);
        w.next_id += 1;
        let id = format!("m{}", w.next_id);
        let at = self.now();
        let (chat_id, chat) = w.chats.iter_mut().find(|(_, c)| c.attendee == person)?;
        chat.messages.push((id.clone(), text.to_owned(), false));
        chat.last_message_at = at;
        let chat_id = chat_id.clone();
        w.message_times.insert(id.clone(), at);
        Some((chat_id, id))
    }

    /// The person writes to the account, in their chat with it (started now if there is
    /// none); returns the chat and message ids.
    pub fn message_from(&self, person: &str, text: &str) -> (String, String) {
        let mut w = lock(&self.world);
        w.next_id += 1;
        let id = format!("m{}", w.next_id);
        let chat_id = w
            .chats
            .iter()
            .find(|(_, c)| c.attendee == person)
            .map_or_else(|| format!("chat-{person}"), |(id, _)| id.clone());
        let at = self.now();
        let chat = w.chats.entry(chat_id.clone()).or_insert_with(|| Chat {
            attendee: person.to_owned(),
            ..Chat::default()
        });
        chat.messages.push((id.clone(), text.to_owned(), false));
        chat.last_message_at = at;
        w.message_times.insert(id.clone(), at);
        (chat_id, id)
    }

    /// The posts published through the API, oldest first: (post id, text).
    pub fn created_posts(&self) -> Vec<(String, String)> {
        let w = lock(&self.world);
        w.created
            .iter()
            .map(|(_, id)| {
                let text = w
                    .posts
                    .get(&format!("urn:li:activity:{id}"))
                    .and_then(|(p, _)| p["text"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                (id.clone(), text)
            })
            .collect()
    }

    /// The file parts the post `post_id` was published with, in order (empty for a text
    /// post or a post this fake did not publish).
    pub fn post_attachments(&self, post_id: &str) -> Vec<ReceivedAttachment> {
        lock(&self.world)
            .attachments
            .get(post_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Sets a post's counts, as LinkedIn would report them.
    pub fn set_counts(&self, post_id: &str, reactions: i64, reposts: i64, impressions: i64) {
        if let Some((post, _)) = lock(&self.world)
            .posts
            .get_mut(&format!("urn:li:activity:{post_id}"))
        {
            post["reaction_counter"] = json!(reactions);
            post["repost_counter"] = json!(reposts);
            post["impressions_counter"] = json!(impressions);
        }
    }

    /// Makes `POST /posts` answer without the new post's id (or with it again).
    pub fn omit_post_id(&self, omit: bool) {
        self.omit_post_id
            .store(omit, std::sync::atomic::Ordering::SeqCst);
    }

    /// The (method, path) of every request so far.
    pub fn requests(&self) -> Vec<(String, String)> {
        lock(&self.requests)
            .iter()
            .map(|a| (a.method.clone(), a.path.clone()))
            .collect()
    }
}
