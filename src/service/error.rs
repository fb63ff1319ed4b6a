//! `ApiError`: the one error type handlers return. It answers
//! `{ "error": { "code": "...", "message": "..." } }`; the text of an internal error is
//! logged and never sent, since it may name files, queries or hosts.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// What went wrong with a request, as the client may know it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid session cookie or bearer token.
    #[error("log in first")]
    Unauthenticated,
    /// The caller's role may not do this at all.
    #[error("your role may not do this")]
    Forbidden,
    /// A cookie-authenticated change without the session's CSRF token.
    #[error("missing or wrong CSRF token: send the X-CSRF-Token header from login")]
    Csrf,
    /// Nothing there, or nothing the caller may see: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// The request is malformed; the message says which field and why.
    #[error("{0}")]
    BadRequest(String),
    /// The request conflicts with what exists (a name taken).
    #[error("{0}")]
    Conflict(String),
    /// The username or password is wrong (never which of the two).
    #[error("wrong username or password")]
    BadLogin,
    /// Too many failed logins; try again after this many seconds.
    #[error("too many failed logins; try again in {0} s")]
    Throttled(u64),
    /// An uploaded topology has errors; every diagnostic with its place.
    #[error("the topology has {} error(s)", .0.len())]
    InvalidTopology(Vec<crate::service::routes::labs::DiagnosticView>),
    /// Too many requests of this kind (a student's "check my work"); try again after
    /// this many seconds.
    #[error("you did this a moment ago; try again in {0} s")]
    RateLimited(u64),
    /// The lab engine (Docker) is not reachable: lab actions wait until it is.
    #[error("the lab engine is not available; try again later or ask an administrator")]
    EngineUnavailable,
    /// The instance is not there (not requested, or removed).
    #[error("there is no running lab for this: request one first")]
    NoInstance,
    /// The instance's infrastructure is broken (no student did that): it is not graded.
    #[error("the lab is not graded: its infrastructure is broken ({}); redeploy it, saved work is kept", .0.join("; "))]
    InstanceBroken(Vec<String>),
    /// A part the request needs is not running (no lab engine on this host), or the
    /// service is shutting down; the message says which.
    #[error("{0}")]
    Unavailable(String),
    /// Something broke inside the service; the cause is logged, not sent.
    #[error("internal error")]
    Internal(String),
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A stable code for programs and a sentence for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// For `invalid_topology`: every problem in the file with its line and column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<crate::service::routes::labs::DiagnosticView>>,
}

impl ApiError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    /// The stable code of this error, as its body carries it (`no_instance`).
    pub fn code(&self) -> &'static str {
        self.status_and_code().1
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::BadLogin => (StatusCode::UNAUTHORIZED, "bad_login"),
            ApiError::Throttled(_) => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            ApiError::InvalidTopology(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_topology"),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::EngineUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "engine_unavailable"),
            ApiError::NoInstance => (StatusCode::CONFLICT, "no_instance"),
            ApiError::InstanceBroken(_) => (StatusCode::CONFLICT, "instance_broken"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> ApiError {
        ApiError::Internal(format!("database: {error}"))
    }
}

impl From<crate::engine::EngineError> for ApiError {
    /// An engine failure on an instance: one that is not there is the caller's to know,
    /// anything else is logged and answered as internal.
    fn from(error: crate::engine::EngineError) -> ApiError {
        match error {
            crate::engine::EngineError::NoSuchInstance(_) => ApiError::NoInstance,
            other => ApiError::Internal(format!("engine: failed to {other}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let message = self.to_string();
        let retry_after = match &self {
            ApiError::Throttled(secs) | ApiError::RateLimited(secs) => Some(*secs),
            _ => None,
        };
        let diagnostics = match self {
            ApiError::InvalidTopology(diagnostics) => Some(diagnostics),
            _ => None,
        };
        let body = ErrorBody { error: ErrorDetail { code: code.to_string(), message, diagnostics } };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Middleware giving every error response the JSON shape, including the ones axum makes
/// itself before a handler runs (a malformed JSON body or path, a body too large, a
/// method the route does not have), which are plain text otherwise.
pub async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let already_rendered = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    // A page's error is already a page (service/web); everything else becomes JSON.
    if !(status.is_client_error() || status.is_server_error()) || already_rendered {
        return response;
    }
    let (parts, body) = response.into_parts();
    // axum's rejections are one short sentence; anything longer is not worth reading.
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "not found".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "this path does not take that method".to_string())
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "the request body is too large".to_string()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", text),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), cause = %text, "request failed");
            ("internal", "internal error".to_string())
        }
        _ => ("bad_request", text),
    };
    let body = ErrorBody { error: ErrorDetail { code: code.to_string(), message, diagnostics: None } };
    let mut response = (status, axum::Json(body)).into_response();
    for (name, value) in
        parts.headers.iter().filter(|(name, _)| *name == header::RETRY_AFTER || *name == header::ALLOW)
    {
        response.headers_mut().insert(name, value.clone());
    }
    response
}
