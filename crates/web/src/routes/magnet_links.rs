//! The tracked lead-magnet link a DM carries: `GET /m/{token}`, public (the lead has no
//! account), outside `/api`. It serves the magnet's file inline or redirects to its URL, and
//! counts the open when a person made it (crawlers, link previews, `HEAD` and prefetches get
//! the magnet without counting). An unknown token is 404, whoever asks.

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revos_app::magnet_links::MagnetDelivery;
use revos_domain::magnet_link::Fetch;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(open))
}

/// The policy of a served file: nothing runs, but the browser's own viewer may show it (a
/// PDF needs `object-src`).
const FILE_POLICY: &str = "default-src 'none'; object-src 'self'; img-src 'self'; \
    style-src 'unsafe-inline'; frame-ancestors 'none'";

/// Headers that say the request is a prefetch or a preview, not the person.
const PURPOSE_HEADERS: [&str; 3] = ["sec-purpose", "purpose", "x-purpose"];

/// Opens a lead's lead-magnet link: the magnet's file (inline, its own content type) or a
/// redirect (302) to its URL. The first open by a person appends `magnet_opened` to the lead's
/// timeline; later ones count (at most one a minute). Link-preview crawlers (LinkedInBot,
/// Slackbot, Twitterbot, facebookexternalhit, WhatsApp, Googlebot, any user agent saying
/// bot, crawler, spider or preview, or none), `HEAD` requests and prefetches
/// (`Sec-Purpose`/`Purpose: prefetch`) get the same answer without counting.
#[utoipa::path(get, path = "/m/{token}", tag = "magnet-links",
    params(("token" = String, Path, description = "the link's token, as the DM carries it")),
    responses((status = 302, description = "redirect to the magnet's URL"),
              (status = 200, description = "the magnet's file, inline", content_type = "application/octet-stream"),
              (status = 404, body = ErrorBody)))]
async fn open(
    State(state): State<AppState>,
    Path(token): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch = Fetch {
        head: method == Method::HEAD,
        user_agent: text(header::USER_AGENT.as_str()),
        purpose: PURPOSE_HEADERS.iter().find_map(|h| text(h)),
    };
    let mut resp = match state.app.open_magnet_link(&token, &fetch).await? {
        MagnetDelivery::Redirect(url) => {
            let location = HeaderValue::from_str(&url)
                .map_err(|_| ApiError::from(revos_app::AppError::NotFound("link")))?;
            (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
        }
        MagnetDelivery::File(file, bytes) => {
            let mut resp = super::files::file_response(&file, bytes, "inline");
            resp.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(FILE_POLICY),
            );
            resp
        }
    };
    let h = resp.headers_mut();
    // Every open reaches the server (no cached redirect), the magnet's site does not learn
    // the token, and search engines do not keep the link.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    Ok(resp)
}
