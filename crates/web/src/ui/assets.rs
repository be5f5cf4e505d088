//! The web app's stylesheet, script and icon, compiled into the binary: no Node.js or files at
//! run time. Served with a short cache lifetime so an upgrade shows at the next load. Also the
//! operator's web analytics snippet (`REVOS_WEB_ANALYTICS_SNIPPET`), served as a script file
//! of this origin so that pages never need inline script.

use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");
const CALENDAR_JS: &str = include_str!("../../assets/calendar.js");
const ICON: &str = include_str!("../../assets/favicon.svg");

/// `GET /assets/app.css`.
pub(super) async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        CSS,
    )
}

/// `GET /assets/app.js`.
pub(super) async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        JS,
    )
}

/// `GET /assets/calendar.js`: the calendar's keyboard and drag moves, loaded by its page only.
pub(super) async fn calendar_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        CALENDAR_JS,
    )
}

/// `GET /assets/web-analytics.js`: the operator's snippet text, or the not-found page when
/// none is set.
pub(super) async fn web_analytics(State(state): State<AppState>) -> Response {
    match state.app.web_analytics().and_then(|w| w.snippet()) {
        Some(snippet) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            snippet.to_owned(),
        )
            .into_response(),
        None => super::not_found_page(),
    }
}

/// `GET /assets/favicon.svg`, and `GET /favicon.ico` for clients that ask there unprompted.
pub(super) async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}

#[cfg(test)]
mod tests {
    use super::CSS;

    /// The stylesheet's blocks close and no `@media` opens inside another block: a brace
    /// lost in a merge would otherwise hide every later rule behind the phone-size query.
    #[test]
    fn stylesheet_blocks_are_balanced() {
        let mut depth = 0usize;
        let mut rest = CSS;
        while let Some(i) = rest.find(['{', '}', '/', '@']) {
            let (c, after) = (rest.as_bytes()[i], &rest[i + 1..]);
            rest = after;
            match c {
                b'/' if after.starts_with('*') => {
                    let end = after.find("*/").expect("a comment that ends");
                    rest = &after[end + 2..];
                }
                b'@' if after.starts_with("media") => assert_eq!(
                    depth,
                    0,
                    "an @media inside another block, before: {}",
                    &after[..after.len().min(80)]
                ),
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.checked_sub(1).unwrap_or_else(|| {
                        panic!("a stray }} before: {}", &after[..after.len().min(80)])
                    })
                }
                _ => {}
            }
        }
        assert_eq!(depth, 0, "a block of app.css is never closed");
    }
}
