//! Cookie sessions for the web app: the session token lives in an `HttpOnly`, `SameSite=Lax`
//! cookie; every state-changing request must carry the session's CSRF token (a hidden form
//! field or the `X-CSRF-Token` header), derived from the session token so it needs no storage,
//! and, when the browser sends one, an `Origin` of this very host.

use super::render::UiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use revos_app::Principal;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub(crate) const COOKIE_NAME: &str = "revos_session";

/// The session token in the request's cookies, if any.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

/// The CSRF token of a session: unguessable without the session token itself.
pub(crate) fn csrf_token(session: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"revos-csrf:")
        .chain_update(session.as_bytes())
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..24])
}

/// A `Set-Cookie` header that stores `token` for `max_age` seconds (0 deletes it).
pub(crate) fn cookie_header(token: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("revos_session=; Path=/; Max-Age=0"))
}

/// Whether the request came over HTTPS (directly or through a proxy that says so).
pub(crate) fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A redirect that also sets (or clears) the session cookie.
pub(crate) fn redirect_with_cookie(to: &str, cookie: HeaderValue) -> Response {
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().insert(SET_COOKIE, cookie);
    resp
}

/// Refuses a cross-site request: when the browser names an `Origin`, its host must be ours.
pub(crate) fn check_origin(headers: &HeaderMap) -> Result<(), UiError> {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    if origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err(UiError::forbidden("this request came from another site"))
    }
}

/// A signed-in person on a page: who they are and their session's CSRF token.
pub(crate) struct Signed {
    /// The caller.
    pub who: Principal,
    /// The token forms must send back.
    pub csrf: String,
}

impl Signed {
    /// Fails unless `presented` is this session's CSRF token.
    pub fn check_csrf(&self, presented: &str) -> Result<(), UiError> {
        if bool::from(self.csrf.as_bytes().ct_eq(presented.as_bytes())) {
            Ok(())
        } else {
            Err(UiError::forbidden(
                "the form has expired; reload the page and try again",
            ))
        }
    }

    /// Guards a form post: the request must come from this site and carry this session's
    /// CSRF token (`presented`, the form's `_csrf` field).
    pub fn check_form(&self, headers: &HeaderMap, presented: &str) -> Result<(), UiError> {
        check_origin(headers)?;
        self.check_csrf(presented)
    }

    /// Guards a script's request: from this site, with the `X-CSRF-Token` header.
    pub fn check_script(&self, headers: &HeaderMap) -> Result<(), UiError> {
        let presented = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        self.check_form(headers, presented)
    }
}

/// Where an anonymous visitor of `path` is sent: the login page, coming back afterwards.
fn to_login(parts: &Parts) -> Response {
    let back = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let back: String = back
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "/-_.".contains(c) {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32 & 0xff)
            }
        })
        .collect();
    Redirect::to(&format!("/login?next={back}")).into_response()
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(token) = session_token(&parts.headers) else {
            return Err(to_login(parts));
        };
        match state.app.authenticate(&token).await {
            Ok(who) if !crate::client_access::allows(who.role, &parts.method, parts.uri.path()) => {
                Err(UiError::forbidden(crate::client_access::REFUSED).into_response())
            }
            Ok(who) => Ok(Signed {
                csrf: csrf_token(&token),
                who,
            }),
            Err(revos_app::AppError::Unauthorized(_)) => Err(to_login(parts)),
            Err(other) => Err(UiError::from(other).into_response()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; revos_session=rs_abc; b=2"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("rs_abc"));
        h.insert(COOKIE, HeaderValue::from_static("revos_session="));
        assert_eq!(session_token(&h), None);
    }

    #[test]
    fn csrf_tokens_depend_on_the_session() {
        assert_eq!(csrf_token("rs_a"), csrf_token("rs_a"));
        assert_ne!(csrf_token("rs_a"), csrf_token("rs_b"));
    }

    #[test]
    fn cross_site_origins_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(check_origin(&h).is_ok());
        h.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(check_origin(&h).is_ok());
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(check_origin(&h).is_err());
    }
}
