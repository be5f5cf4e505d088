//! Extractors that turn every kind of bad input into an [`ApiError`] naming the problem:
//! JSON bodies (media type, size, syntax, types, missing and unknown fields), path ids,
//! pagination parameters and bearer tokens.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;
use revos_app::Principal;
use revos_domain::PageRequest;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A JSON request body, parsed with errors that name the offending field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON, sent with Content-Type: application/json",
            ));
        }
        let bytes = read_limited(req).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// How much of an oversized body is read and thrown away before answering 413, so that a
/// client still sending gets to read the answer instead of a broken pipe (like a web server's
/// lingering close). Bodies declared larger than this are refused without reading.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads a body of at most [`crate::MAX_BODY_BYTES`].
async fn read_limited(req: Request) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE).with_field(
            "body",
            format!("must be at most {} bytes", crate::MAX_BODY_BYTES),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(too_large());
    }
    let mut body = req.into_body();
    let mut buf = Vec::new();
    let mut total = 0usize;
    let started = std::time::Instant::now();
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| ApiError::bad_request(format!("the body could not be read: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len();
        if total > crate::MAX_BODY_BYTES {
            buf = Vec::new();
            if total > DRAIN_LIMIT || started.elapsed() > DRAIN_TIME {
                break;
            }
        } else {
            buf.extend_from_slice(&data);
        }
    }
    if total > crate::MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(buf)
}

fn is_json(value: Option<&axum::http::HeaderValue>) -> bool {
    let Some(Ok(ct)) = value.map(|v| v.to_str()) else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Parses a JSON object body: syntax errors (including invalid UTF-8) are 400, a well-formed body of
/// the wrong shape is 422 with the field's path in `details`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        let msg = format!("invalid UTF-8 at byte {}", e.valid_up_to());
        return Err(
            ApiError::bad_request(format!("the body is not valid JSON: {msg}"))
                .with_field("body", msg),
        );
    }
    // Every body of this API is an object; serde would otherwise accept a struct as an array.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        let msg = "must be a JSON object";
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("body: {msg}"),
        )
        .with_field("body", msg));
    }
    if let Some(field) = nul_field(bytes) {
        let msg = "must not contain NUL characters";
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{field}: {msg}"),
        )
        .with_field(field, msg));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // serde_json reports some shape errors (a number where an enum belongs) as syntax
        // errors; a document that parses as JSON is well-formed, so those are data errors.
        let well_formed = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
        json_error(&path, &inner, well_formed)
    })?;
    de.end().map_err(|e| json_error(".", &e, false))?;
    Ok(value)
}

/// The first field of a JSON body whose text (or name) holds a NUL character, which no
/// stored text may contain (PostgreSQL refuses it): checked here once for every body rather
/// than by each field's validation. Only a body that spells `\u0000` is looked into.
pub(crate) fn nul_field(bytes: &[u8]) -> Option<String> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    find_nul(&value, String::new())
}

/// The path, in the `details` style (`examples[0].post`), of the first NUL found in `value`.
fn find_nul(value: &serde_json::Value, path: String) -> Option<String> {
    let named = |path: &str| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(named(&path)),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{path}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let field = match path.is_empty() {
                true => key.replace('\0', "\\u0000"),
                false => format!("{path}.{}", key.replace('\0', "\\u0000")),
            };
            match key.contains('\0') {
                true => Some(field),
                false => find_nul(item, field),
            }
        }),
        _ => None,
    }
}

fn json_error(path: &str, err: &serde_json::Error, well_formed: bool) -> ApiError {
    use serde_json::error::Category;
    let message = err.to_string();
    let data_error =
        err.classify() == Category::Data || (well_formed && err.classify() == Category::Syntax);
    match data_error {
        true => {
            let field = field_path(path, &message);
            let short = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("{field}: {short}"),
            )
            .with_field(field, short)
        }
        false => ApiError::bad_request(format!("the body is not valid JSON: {message}"))
            .with_field("body", message),
    }
}

/// Joins serde_path_to_error's path with the field named in serde's message, so a missing
/// `persona.role` is reported as `persona.role` rather than `persona`.
fn field_path(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"].iter().find_map(|p| {
        message
            .split_once(p)
            .and_then(|(_, rest)| rest.split('`').next())
    });
    let base = if path == "." { "" } else { path };
    match named {
        Some(name) if base == name || base.ends_with(&format!(".{name}")) => base.to_owned(),
        Some(name) if base.is_empty() => name.to_owned(),
        Some(name) => format!("{base}.{name}"),
        None if base.is_empty() => "body".to_owned(),
        None => base.to_owned(),
    }
}

/// A UUID path parameter, 400 with the parameter named when malformed.
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw): axum::extract::Path<String> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?;
        Uuid::parse_str(&raw).map(PathId).map_err(|_| {
            ApiError::bad_request("the id in the path is not a UUID")
                .with_field("id", "must be a UUID")
        })
    }
}

/// `?limit=&cursor=` of a list request.
pub struct Pagination(pub PageRequest);

#[derive(serde::Deserialize)]
struct RawPage {
    limit: Option<String>,
    cursor: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Query(raw): axum::extract::Query<RawPage> =
            axum::extract::Query::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?;
        let limit = match raw.limit.as_deref() {
            None | Some("") => PageRequest::DEFAULT_LIMIT,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=PageRequest::MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    let msg = format!(
                        "must be a whole number from 1 to {}",
                        PageRequest::MAX_LIMIT
                    );
                    ApiError::bad_request(format!("limit {msg}")).with_field("limit", msg)
                })?,
        };
        let after = match raw.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::bad_request("the cursor is not one this API issued")
                    .with_field("cursor", "is invalid")
            })?),
        };
        Ok(Pagination(PageRequest { limit, after }))
    }
}

/// The opaque cursor for the page after the item with id `after`.
pub fn encode_cursor(after: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(after.as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Uuid::from_slice(&bytes).ok()
}

/// The authenticated caller, from `Authorization: Bearer <session token or API key>`.
pub struct Auth(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Auth
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let Some(token) = header.and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        }) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send a session token or API key as Authorization: Bearer <token>",
            ));
        };
        let principal = state.app.authenticate(token).await?;
        tracing::Span::current().record("tenant_id", tracing::field::display(principal.tenant));
        if !crate::client_access::allows(principal.role, &parts.method, parts.uri.path()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                crate::client_access::REFUSED,
            ));
        }
        Ok(Auth(principal))
    }
}

/// The client's IP address, for the attempt limits: the socket's peer (0.0.0.0 when served
/// without connection info, as in in-process tests), or the client a trusted reverse proxy
/// names in `X-Forwarded-For` ([`crate::TrustedProxies`]).
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(ClientIp(state.trusted_proxies.client(peer, &forwarded)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        role: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        persona: Inner,
    }

    fn field(body: &str) -> (u16, String) {
        let err = parse_json::<Outer>(body.as_bytes()).unwrap_err();
        (err.status_code().as_u16(), err.details_fields().join(","))
    }

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(field(r#"{"persona":{"role":"x"}}"#), (422, "name".into()));
        assert_eq!(
            field(r#"{"name":"a","persona":{}}"#),
            (422, "persona.role".into())
        );
        assert_eq!(
            field(r#"{"name":1,"persona":{"role":"x"}}"#),
            (422, "name".into())
        );
        assert_eq!(
            field(r#"{"name":"a","persona":{"role":"x","age":3}}"#),
            (422, "persona.age".into())
        );
        assert_eq!(field(r#"{"name":"a""#), (400, "body".into()));
        assert_eq!(field("[1,2]"), (422, "body".into()));
        assert_eq!(
            parse_json::<Outer>(b"{\"name\":\"\xff\"}")
                .unwrap_err()
                .status_code()
                .as_u16(),
            400
        );
    }

    #[test]
    fn nul_characters_are_refused_by_field() {
        assert_eq!(
            field(r#"{"name":"a\u0000b","persona":{"role":"x"}}"#),
            (422, "name".into())
        );
        assert_eq!(
            field(r#"{"name":"a","persona":{"role":"x","tags":["fine","\u0000"]}}"#),
            (422, "persona.tags[1]".into())
        );
        assert_eq!(
            field(r#"{"name":"a","persona":{"role":"x"},"k\u0000":1}"#),
            (422, "k\\u0000".into())
        );
        // An escaped backslash followed by `u0000` is text, not a NUL.
        assert!(parse_json::<Outer>(br#"{"name":"\\u0000","persona":{"role":"x"}}"#).is_ok());
    }

    #[test]
    fn cursor_round_trip() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        assert_eq!(decode_cursor("nope"), None);
    }
}
