//! The one error type of the HTTP API. Every failure, from a malformed body to a database
//! outage, leaves as `{"error": {"code", "message", "details"}}`; internal causes are logged
//! with the request id and never shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revos_app::AppError;
use revos_domain::{FieldError, ValidationErrors};
use serde::Serialize;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Vec<FieldError>,
    retry_after_secs: Option<u64>,
}

/// The JSON body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorObject,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorObject {
    /// A stable, machine-readable code such as `validation_failed` or `not_found`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The fields at fault, when the input was wrong.
    pub details: Vec<FieldError>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// Adds the field at fault.
    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.details.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    /// 400: the request could not be read.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 429 with a `Retry-After` header.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many attempts; try again later",
        );
        e.retry_after_secs = Some(retry_after_secs.max(1));
        e
    }

    /// The generic error for a status, used when a lower layer answered without a JSON body.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::BAD_REQUEST => ("bad_request", "the request could not be read"),
            StatusCode::UNAUTHORIZED => ("unauthorized", "authentication is required"),
            StatusCode::FORBIDDEN => ("forbidden", "not allowed"),
            StatusCode::NOT_FOUND => ("not_found", "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "this method is not allowed on this resource",
            ),
            StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "the body must be JSON")
            }
            s if s.is_client_error() => ("bad_request", "the request was refused"),
            _ => ("internal", "internal error"),
        };
        Self::new(status, code, message)
    }
}

impl ApiError {
    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The sentence for people.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The fields at fault.
    pub(crate) fn field_errors(&self) -> &[FieldError] {
        &self.details
    }
}

#[cfg(test)]
impl ApiError {
    pub(crate) fn status_code(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn details_fields(&self) -> Vec<String> {
        self.details.iter().map(|d| d.field.clone()).collect()
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(err: ValidationErrors) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            err.to_string(),
        );
        e.details = err.0;
        e
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Validation(v) => v.into(),
            AppError::TooLarge(v) => {
                let mut e = Self::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    v.to_string(),
                );
                e.details = v.0;
                e
            }
            AppError::NotFound(what) => Self::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            AppError::Conflict(msg) => Self::new(StatusCode::CONFLICT, "conflict", msg),
            AppError::IllegalTransition(t) => {
                Self::new(StatusCode::CONFLICT, "illegal_transition", t.to_string())
                    .with_field("from", t.from.as_str())
                    .with_field("to", t.to.as_str())
            }
            AppError::Unauthorized(msg) => Self::new(StatusCode::UNAUTHORIZED, "unauthorized", msg),
            AppError::Forbidden(msg) => Self::new(StatusCode::FORBIDDEN, "forbidden", msg),
            AppError::Gone(msg) => Self::new(StatusCode::GONE, "gone", msg),
            AppError::SignupClosed => {
                Self::new(StatusCode::FORBIDDEN, "signup_closed", err.to_string())
            }
            AppError::Provider(ref e) => {
                tracing::warn!(error = %err, "provider failed");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    "provider_error",
                    format!("an external service failed ({})", e.public_message()),
                )
            }
            AppError::LlmBudgetExceeded { .. } => Self::new(
                StatusCode::PAYMENT_REQUIRED,
                "llm_budget_exceeded",
                err.to_string(),
            ),
            AppError::Store(_) | AppError::Internal(_) => {
                tracing::error!(error = %err, "request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorObject {
                code: self.code.to_owned(),
                message: self.message,
                details: self.details,
            },
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
