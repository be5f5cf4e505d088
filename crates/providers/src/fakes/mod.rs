//! In-process fake servers following the providers' documented shapes, with injectable
//! faults, for tests of the real clients and of everything built on them.

pub mod apollo;
pub mod email;
pub mod openai;
pub mod posthog;
pub mod slack;
pub mod unipile;

use futures::StreamExt;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// A fault to inject into the next answers of a fake server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After: seconds` and the provider's rate-limit body.
    RateLimited {
        /// The `Retry-After` header's value.
        retry_after_secs: u64,
    },
    /// A 500 answer.
    ServerError,
    /// No answer for this many milliseconds.
    Stall(u64),
    /// A 200 answer whose body is not JSON.
    Malformed,
    /// An answer with this status and the provider's error body.
    Status(u16),
    /// Do what was asked (send the message, post the comment), then give no answer for
    /// this many milliseconds: the client times out although the effect happened.
    StallAfterEffect(u64),
    /// A 200 answer of this many bytes (JSON, or SSE for a streamed completion), generated
    /// while it is sent so that the fake itself holds almost nothing of it.
    Huge(u64),
    /// A `307 Temporary Redirect` to this URL.
    Redirect(String),
}

/// Serves `router` on a random loopback port; returns its base URL.
pub(crate) async fn serve(router: axum::Router) -> (String, SocketAddr) {
    serve_on(router, IpAddr::from([127, 0, 0, 1])).await
}

/// Serves `router` on a random port of `ip` (e.g. `127.0.0.2`, a loopback address other
/// than the usual one, to tell two fakes apart in an address allow-list).
pub(crate) async fn serve_on(router: axum::Router, ip: IpAddr) -> (String, SocketAddr) {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, 0))
        .await
        .expect("bind fake server");
    let addr = listener.local_addr().expect("fake server address");
    tokio::spawn(async move {
        // With each request's peer address (`ConnectInfo`): which TCP connection it came on.
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let _ = axum::serve(listener, service).await;
    });
    (format!("http://{addr}"), addr)
}

/// 64 KiB of `x`, the filler of generated answers.
static FILLER: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// `total` bytes made of `head`, then `piece` repeated, then `tail` (cut to size), as a
/// stream that holds one piece at a time.
fn generated(head: &'static str, piece: Bytes, tail: &'static str, total: u64) -> Body {
    let middle = total.saturating_sub((head.len() + tail.len()) as u64);
    let count = middle.div_ceil(piece.len().max(1) as u64);
    let pieces = futures::stream::iter(0..count).map(move |_| piece.clone());
    let all = futures::stream::once(async move { Bytes::from_static(head.as_bytes()) })
        .chain(pieces)
        .chain(futures::stream::once(async move {
            Bytes::from_static(tail.as_bytes())
        }))
        .map(Ok::<_, std::convert::Infallible>);
    Body::from_stream(all)
}

/// A 200 JSON answer of about `bytes` bytes: `{"items":["xxxx…"]}`.
pub(crate) fn huge_json(bytes: u64) -> Response {
    let body = generated("{\"items\":[\"", Bytes::from_static(&FILLER), "\"]}", bytes);
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A 200 server-sent-event stream of about `bytes` bytes: completion chunks whose content
/// is `xxxx…`, never finishing.
pub(crate) fn huge_sse(bytes: u64) -> Response {
    static EVENT: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let event = EVENT
        .get_or_init(|| {
            let text = std::str::from_utf8(&FILLER).unwrap_or_default();
            let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": text}}]});
            Bytes::from(format!("data: {chunk}\n\n"))
        })
        .clone();
    let body = generated("", event, "data: [DONE]\n\n", bytes);
    ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}

/// A `307 Temporary Redirect` to `url` (the method and body are kept by the client).
pub(crate) fn redirect(url: &str) -> Response {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, url.to_owned())],
    )
        .into_response()
}
