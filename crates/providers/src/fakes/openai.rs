//! A fake OpenAI-compatible server: `/chat/completions` answered from a script (text or
//! tool calls, whole or streamed as SSE exactly as api-notes.md §5 documents it) and
//! `/embeddings` with deterministic vectors, `/images/generations` with a real small PNG (as
//! `b64_json`, or as a `url` served by the fake when a dall-e model asks for `url`), with
//! injectable faults and every request body kept for inspection.

use super::Fault;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Dimension of the fake's embedding vectors.
pub const EMBEDDING_DIMENSION: usize = 32;

/// The image the fake generates: a real 16×16 PNG (one blue colour).
pub const FAKE_IMAGE_PNG: [u8; 79] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 16, 0, 0, 0, 16, 8, 2,
    0, 0, 0, 144, 145, 104, 54, 0, 0, 0, 22, 73, 68, 65, 84, 120, 218, 99, 144, 139, 58, 65, 18,
    98, 24, 213, 48, 170, 97, 248, 106, 0, 0, 117, 183, 64, 16, 241, 210, 0, 158, 0, 0, 0, 0, 73,
    69, 78, 68, 174, 66, 96, 130,
];

/// A fixed `created` timestamp (2026-01-01T00:00:00Z), so answers are reproducible.
const CREATED: u64 = 1_767_225_600;

/// One scripted answer.
#[derive(Clone, Debug)]
enum Reply {
    Text(String),
    /// (tool name, arguments exactly as sent).
    ToolCalls(Vec<(String, String)>),
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    faults: Mutex<VecDeque<Fault>>,
    requests: Mutex<Vec<Value>>,
    authorizations: Mutex<Vec<Option<String>>>,
    key: Mutex<Option<String>>,
    minimal: AtomicBool,
    next_id: AtomicU64,
    /// This fake's own base URL (for the image URLs it answers with).
    base: Mutex<String>,
    stalled: AtomicU64,
}

/// A running fake OpenAI-compatible server on a random loopback port.
#[derive(Clone)]
pub struct FakeOpenAi {
    url: String,
    shared: Arc<Shared>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// OpenAI's error answer: `{"error":{"message","type","param","code"}}`.
fn error(status: StatusCode, message: &str, kind: &str, code: Option<&str>) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": kind, "param": null, "code": code}})),
    )
        .into_response()
}

impl FakeOpenAi {
    /// Starts the fake; it accepts any key (or none) until [`Self::require_api_key`].
    pub async fn start() -> Self {
        Self::start_on(std::net::IpAddr::from([127, 0, 0, 1])).await
    }

    /// Starts the fake on a random port of `ip` (e.g. `127.0.0.2`, so that an allow-list of
    /// that one address opens this fake and no other local server).
    pub async fn start_on(ip: std::net::IpAddr) -> Self {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route("/v1/chat/completions", post(chat_completions))
            .route("/v1/embeddings", post(embeddings))
            .route("/v1/images/generations", post(images))
            .route("/v1/fake-images/{name}", get(image_file))
            .with_state(Arc::clone(&shared));
        let (base, _) = super::serve_on(router, ip).await;
        *lock(&shared.base) = base.clone();
        Self {
            url: format!("{base}/v1"),
            shared,
        }
    }

    /// The base URL to configure the client with (ends in `/v1`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// From now on, answers 401 `invalid_api_key` unless `Authorization: Bearer <key>`.
    pub fn require_api_key(&self, key: &str) {
        *lock(&self.shared.key) = Some(key.to_owned());
    }

    /// From now on, answers like a bare-bones compatible server: no `id`, `object`,
    /// `created`, `system_fingerprint`, `logprobs` or `refusal` fields.
    pub fn minimal_answers(&self) {
        self.shared.minimal.store(true, Ordering::SeqCst);
    }

    /// Scripts the next unscripted completion: the model answers `text`.
    pub fn push_text(&self, text: &str) {
        lock(&self.shared.script).push_back(Reply::Text(text.to_owned()));
    }

    /// Scripts the next unscripted completion: the model calls these tools, in order, with
    /// these arguments.
    pub fn push_tool_calls(&self, calls: Vec<(&str, Value)>) {
        let calls = calls
            .into_iter()
            .map(|(name, args)| (name.to_owned(), args.to_string()))
            .collect();
        lock(&self.shared.script).push_back(Reply::ToolCalls(calls));
    }

    /// Scripts the next unscripted completion: one call of `name` whose arguments are
    /// `raw` exactly (e.g. not JSON).
    pub fn push_raw_tool_call(&self, name: &str, raw: &str) {
        lock(&self.shared.script)
            .push_back(Reply::ToolCalls(vec![(name.to_owned(), raw.to_owned())]));
    }

    /// Queues faults: each request consumes one until none are left (a faulted
    /// completion leaves the script untouched).
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.shared.faults).extend(faults);
    }

    /// Every request body received (completions and embeddings, faulted ones included), in
    /// order.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.shared.requests).clone()
    }

    /// The `Authorization` header of every request received (`None` when absent), in order,
    /// whatever the request was: the proof of which key reached this server.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        lock(&self.shared.authorizations).clone()
    }

    /// Requests being held by a stall fault now. A client that gives up (closes its
    /// connection) takes its request out of this count: how tests see that work stopped.
    pub fn stalled_now(&self) -> u64 {
        self.shared.stalled.load(Ordering::SeqCst)
    }

    /// Scripted replies not yet consumed.
    pub fn script_left(&self) -> usize {
        lock(&self.shared.script).len()
    }

    /// The vector the fake answers for `text`: a hash of the text, L2-normalised.
    pub fn embedding_for(text: &str) -> Vec<f32> {
        let raw: Vec<f32> = (0..EMBEDDING_DIMENSION as u64)
            .map(|i| {
                let h = fnv1a(i, text.as_bytes());
                (h % 2001) as f32 / 1000.0 - 1.0
            })
            .collect();
        let norm = raw.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm == 0.0 {
            return raw;
        }
        raw.into_iter().map(|x| x / norm).collect()
    }
}

/// FNV-1a over `seed` then `bytes`: stable across runs and Rust versions.
fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    seed.to_le_bytes()
        .iter()
        .chain(bytes)
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

/// A tool call's id, derived from the call itself so that the same script gives the same
/// ids streamed or not.
fn call_id(index: usize, name: &str, args: &str) -> String {
    let h = fnv1a(index as u64, format!("{name}\0{args}").as_bytes());
    format!("call_{:016x}", h)
}

/// Tokens for `chars` characters: a quarter, rounded up.
fn tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

/// Parses and logs the body, checks the key and takes the next fault; or the error answer.
#[allow(clippy::result_large_err)] // a test fake: the error is the answer itself
fn gate(
    shared: &Shared,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Value, Option<Fault>), Response> {
    lock(&shared.authorizations).push(
        headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    );
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request.",
            "invalid_request_error",
            None,
        ));
    };
    lock(&shared.requests).push(body.clone());
    if let Some(key) = lock(&shared.key).as_deref() {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if sent != Some(format!("Bearer {key}").as_str()) {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "Incorrect API key provided.",
                "invalid_request_error",
                Some("invalid_api_key"),
            ));
        }
    }
    let fault = lock(&shared.faults).pop_front();
    match fault {
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut answer = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit reached for requests. Please try again later.",
                "requests",
                Some("rate_limit_exceeded"),
            );
            answer
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_secs.into());
            Err(answer)
        }
        Some(Fault::ServerError) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request.",
            "server_error",
            None,
        )),
        Some(Fault::Malformed) => Err((StatusCode::OK, "<html>gateway</html>").into_response()),
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
            Err(match code {
                401 => error(
                    status,
                    "Incorrect API key provided.",
                    "invalid_request_error",
                    Some("invalid_api_key"),
                ),
                429 => error(
                    status,
                    "You exceeded your current quota, please check your plan and billing details.",
                    "insufficient_quota",
                    Some("insufficient_quota"),
                ),
                400 => error(
                    status,
                    "This model's maximum context length is 128000 tokens.",
                    "invalid_request_error",
                    Some("context_length_exceeded"),
                ),
                _ => error(status, "injected", "invalid_request_error", None),
            })
        }
        Some(Fault::Huge(bytes)) if body["stream"] == json!(true) => Err(super::huge_sse(bytes)),
        Some(Fault::Huge(bytes)) => Err(super::huge_json(bytes)),
        Some(Fault::Redirect(url)) => Err(super::redirect(&url)),
        other => Ok((body, other)),
    }
}

/// Holds the request for `ms` milliseconds, counted in [`FakeOpenAi::stalled_now`] until it
/// ends or is dropped with its connection.
async fn stall(shared: &Shared, ms: u64) {
    struct Held<'a>(&'a AtomicU64);
    impl Drop for Held<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    shared.stalled.fetch_add(1, Ordering::SeqCst);
    let _held = Held(&shared.stalled);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// Adds the envelope fields OpenAI sends (unless answering minimally).
fn envelope(shared: &Shared, id: &str, object: &str, model: &str, mut body: Value) -> Value {
    body["model"] = json!(model);
    if !shared.minimal.load(Ordering::SeqCst) {
        body["id"] = json!(id);
        body["object"] = json!(object);
        body["created"] = json!(CREATED);
        body["system_fingerprint"] = json!("fp_fake");
    }
    body
}

async fn chat_completions(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (request, fault) = match gate(&s, &headers, &body) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    if let Some(Fault::Stall(ms)) = fault {
        stall(&s, ms).await;
    }
    let Some(reply) = lock(&s.script).pop_front() else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "FakeOpenAi: no scripted reply left for this call (push_text / push_tool_calls first)",
            "fake_script_exhausted",
            Some("fake_script_exhausted"),
        );
    };
    if let Some(Fault::StallAfterEffect(ms)) = fault {
        stall(&s, ms).await;
    }
    let n = s.next_id.fetch_add(1, Ordering::SeqCst) + 1;
    let id = format!("chatcmpl-fake{n}");
    let model = request["model"].as_str().unwrap_or("fake-model").to_owned();
    let calls: Vec<(String, String, String)> = match &reply {
        Reply::Text(_) => Vec::new(),
        Reply::ToolCalls(calls) => calls
            .iter()
            .enumerate()
            .map(|(i, (name, args))| (call_id(i, name, args), name.clone(), args.clone()))
            .collect(),
    };
    let text = match &reply {
        Reply::Text(t) => Some(t.clone()),
        Reply::ToolCalls(_) => None,
    };
    let prompt = json!([request["messages"], request["tools"]]).to_string();
    let reply_chars = text.as_deref().map_or(0, |t| t.chars().count())
        + calls
            .iter()
            .map(|(_, name, args)| name.chars().count() + args.chars().count())
            .sum::<usize>();
    let (prompt_tokens, completion_tokens) = (tokens(prompt.chars().count()), tokens(reply_chars));
    let usage = json!({
        "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}
    });
    let finish = if calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    let chunks = Chunks {
        shared: &s,
        id: &id,
        model: &model,
        include_usage: request["stream_options"]["include_usage"] == json!(true),
    };
    if request["stream"] == json!(true) {
        return chunks.stream(text.as_deref(), &calls, finish, usage);
    }
    let mut message = json!({"role": "assistant", "content": text});
    if !calls.is_empty() {
        message["tool_calls"] = calls
            .iter()
            .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args}}))
            .collect();
    }
    let mut choice = json!({"index": 0, "message": message, "finish_reason": finish});
    if !s.minimal.load(Ordering::SeqCst) {
        choice["logprobs"] = Value::Null;
        choice["message"]["refusal"] = Value::Null;
    }
    Json(envelope(
        &s,
        &id,
        "chat.completion",
        &model,
        json!({"choices": [choice], "usage": usage}),
    ))
    .into_response()
}

/// Builds the SSE frames of one streamed completion.
struct Chunks<'a> {
    shared: &'a Shared,
    id: &'a str,
    model: &'a str,
    include_usage: bool,
}

impl Chunks<'_> {
    /// `data: <chunk>` for `choices` (with `usage: null` when usage was asked for).
    fn frame(&self, choices: Value) -> String {
        let mut body = json!({"choices": choices});
        if self.include_usage {
            body["usage"] = Value::Null;
        }
        let chunk = envelope(
            self.shared,
            self.id,
            "chat.completion.chunk",
            self.model,
            body,
        );
        format!("data: {chunk}\n\n")
    }

    fn delta(&self, delta: Value, finish: Option<&str>) -> String {
        let mut choice = json!({"index": 0, "delta": delta, "finish_reason": finish});
        if !self.shared.minimal.load(Ordering::SeqCst) {
            choice["logprobs"] = Value::Null;
        }
        self.frame(json!([choice]))
    }

    /// Role chunk, content in several pieces, each tool call as an id/name chunk then
    /// argument fragments, the finish chunk, the usage chunk when asked, `[DONE]`.
    fn stream(
        &self,
        text: Option<&str>,
        calls: &[(String, String, String)],
        finish: &str,
        usage: Value,
    ) -> Response {
        let mut frames = vec![self.delta(
            json!({"role": "assistant", "content": text.map(|_| "")}),
            None,
        )];
        for piece in pieces(text.unwrap_or_default(), 4) {
            frames.push(self.delta(json!({"content": piece}), None));
        }
        for (index, (id, name, args)) in calls.iter().enumerate() {
            frames.push(self.delta(
                json!({"tool_calls": [{"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": ""}}]}),
                None,
            ));
            for piece in pieces(args, 5) {
                frames.push(self.delta(
                    json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
                    None,
                ));
            }
        }
        frames.push(self.delta(json!({}), Some(finish)));
        if self.include_usage {
            let mut last = json!({"choices": [], "usage": usage});
            last = envelope(
                self.shared,
                self.id,
                "chat.completion.chunk",
                self.model,
                last,
            );
            frames.push(format!("data: {last}\n\n"));
        }
        frames.push("data: [DONE]\n\n".to_owned());
        let body = Body::from_stream(futures::stream::iter(
            frames.into_iter().map(Ok::<_, std::convert::Infallible>),
        ));
        (
            [
                (header::CONTENT_TYPE, "text/event-stream"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response()
    }
}

/// `text` cut into pieces of `size` characters.
fn pieces(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

async fn embeddings(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let (request, fault) = match gate(&s, &headers, &body) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    if let Some(Fault::Stall(ms) | Fault::StallAfterEffect(ms)) = fault {
        stall(&s, ms).await;
    }
    let inputs: Vec<String> = match &request["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) if items.iter().all(Value::is_string) && !items.is_empty() => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "'input' must be a string or a non-empty array of strings",
                "invalid_request_error",
                None,
            );
        }
    };
    let minimal = s.minimal.load(Ordering::SeqCst);
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let mut item = json!({"index": index, "embedding": FakeOpenAi::embedding_for(text)});
            if !minimal {
                item["object"] = json!("embedding");
            }
            item
        })
        .collect();
    let used = tokens(inputs.iter().map(|t| t.chars().count()).sum());
    let model = request["model"].as_str().unwrap_or("fake-embedding");
    let mut answer = json!({"data": data, "model": model, "usage": {"prompt_tokens": used, "total_tokens": used}});
    if !minimal {
        answer["object"] = json!("list");
    }
    Json(answer).into_response()
}

/// `POST /images/generations`: one image per request (`n` above 1 is refused, as dall-e-3
/// does), as `b64_json` unless a dall-e model asks for `response_format: url`; GPT-image
/// models report `usage` in tokens.
async fn images(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let (request, fault) = match gate(&s, &headers, &body) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    if let Some(Fault::Stall(ms) | Fault::StallAfterEffect(ms)) = fault {
        stall(&s, ms).await;
    }
    let model = request["model"].as_str().unwrap_or_default().to_owned();
    let Some(prompt) = request["prompt"].as_str().filter(|p| !p.trim().is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "'prompt' is a required property",
            "invalid_request_error",
            None,
        );
    };
    if request["n"].as_u64().is_some_and(|n| n != 1) {
        return error(
            StatusCode::BAD_REQUEST,
            "n must be 1 for this model",
            "invalid_request_error",
            None,
        );
    }
    let dall_e = model.starts_with("dall-e");
    if !dall_e && !request["response_format"].is_null() {
        return error(
            StatusCode::BAD_REQUEST,
            "Unknown parameter: 'response_format'.",
            "invalid_request_error",
            Some("unknown_parameter"),
        );
    }
    let item = if dall_e && request["response_format"] != json!("b64_json") {
        let n = s.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let base = lock(&s.base).clone();
        json!({"url": format!("{base}/v1/fake-images/img-{n}.png"), "revised_prompt": prompt})
    } else {
        use base64::Engine;
        json!({"b64_json": base64::engine::general_purpose::STANDARD.encode(FAKE_IMAGE_PNG)})
    };
    let mut answer = json!({"created": CREATED, "data": [item]});
    if !dall_e {
        let input = tokens(prompt.chars().count());
        answer["usage"] =
            json!({"input_tokens": input, "output_tokens": 272, "total_tokens": input + 272});
    }
    Json(answer).into_response()
}

/// `GET /fake-images/{name}`: the image behind a `url` answer (no key, like a signed URL).
async fn image_file(Path(_name): Path<String>) -> Response {
    (
        [(header::CONTENT_TYPE, "image/png")],
        FAKE_IMAGE_PNG.to_vec(),
    )
        .into_response()
}
