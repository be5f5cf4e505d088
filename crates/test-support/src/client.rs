//! The small JSON client the API tests talk through: every answer is parsed, every error
//! answer must be the JSON error format, and the typed helpers check the status and decode.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A client of one server at `base` (e.g. `http://127.0.0.1:1234`); paths are appended.
#[derive(Clone, Debug)]
pub struct ApiClient {
    /// The server's base URL, without a trailing slash.
    pub base: String,
    /// The HTTP client (30 s timeout), for requests the helpers do not cover.
    pub http: reqwest::Client,
}

impl ApiClient {
    /// A client of `base` with a 30-second timeout per request.
    pub fn new(base: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        Self {
            base: base.into(),
            http,
        }
    }

    /// Sends `body` (JSON unless `None`) and returns the status and the parsed JSON answer
    /// (`Value::Null` for an empty body). Every error answer must be the JSON error format.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        request(
            &self.http,
            method,
            format!("{}{path}", self.base),
            token,
            body,
        )
        .await
    }

    /// `GET path` as `token`'s session.
    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// `POST path` with a JSON body, as `token`'s session when given.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// `PUT path` with a JSON body as `token`'s session.
    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    /// `PATCH path` with a JSON body as `token`'s session.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// `DELETE path` as `token`'s session.
    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// `GET path`, asserting the answer is `expect`, decoded as `T`.
    pub async fn get_as<T: DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
        expect: StatusCode,
    ) -> T {
        let (status, body) = self.get(path, token).await;
        decode(Method::GET, path, expect, status, body)
    }

    /// `POST path` with `body`, asserting the answer is `expect`, decoded as `T`.
    pub async fn post_as<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
        expect: StatusCode,
    ) -> T {
        let (status, answer) = self.post(path, token, body).await;
        decode(Method::POST, path, expect, status, answer)
    }

    /// `PATCH path` with `body`, asserting the answer is `expect`, decoded as `T`.
    pub async fn patch_as<T: DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
        body: Value,
        expect: StatusCode,
    ) -> T {
        let (status, answer) = self.patch(path, token, body).await;
        decode(Method::PATCH, path, expect, status, answer)
    }
}

/// `body` as `T` after asserting `status` is `expect`; the message names the request.
fn decode<T: DeserializeOwned>(
    method: Method,
    path: &str,
    expect: StatusCode,
    status: StatusCode,
    body: Value,
) -> T {
    assert_eq!(status, expect, "{method} {path}: {body}");
    serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("{method} {path}: cannot decode {body}: {e}"))
}

/// Sends `body` (JSON unless `None`) to `url` with `http`, as `token`'s session when given;
/// returns the status and the parsed JSON answer (see [`parse`]).
pub async fn request(
    http: &reqwest::Client,
    method: Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    parse(resp).await
}

/// Status and JSON of an answer, asserting the error format on 4xx/5xx.
pub async fn parse(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    if status.is_client_error() || status.is_server_error() {
        assert_error_shape(&value);
    }
    (status, value)
}

/// `{"error": {"code": string, "message": string, "details": array}}`.
pub fn assert_error_shape(v: &Value) {
    let e = &v["error"];
    assert!(e["code"].is_string(), "no error.code in {v}");
    assert!(e["message"].is_string(), "no error.message in {v}");
    assert!(e["details"].is_array(), "no error.details in {v}");
}

/// The fields named in an error's details.
pub fn error_fields(v: &Value) -> Vec<String> {
    v["error"]["details"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
