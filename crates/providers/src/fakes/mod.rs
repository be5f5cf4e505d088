//! In-process fake servers following the providers' documented shapes, with injectable
//! faults, for tests of the real clients and of everything built on them.

pub mod apollo;
pub mod email;
pub mod openai;
pub mod unipile;

use std::net::SocketAddr;

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
}

/// Serves `router` on a random loopback port; returns its base URL.
pub(crate) async fn serve(router: axum::Router) -> (String, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind fake server");
    let addr = listener.local_addr().expect("fake server address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), addr)
}
