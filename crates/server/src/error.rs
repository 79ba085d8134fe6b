//! Errors, request ids and security headers.
//!
//! Handlers return [`ApiError`]; its response carries the code and message as an extension,
//! and [`finish`] (the outermost middleware) writes the body once the request id is known:
//! `{"error": {"code", "message", "request_id"}}` under `/api`, a small HTML page elsewhere.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lazo_store::StoreError;

/// An error answer.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (a refusal that ends on its own).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first")
    }
    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role does not allow this",
        )
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "the form's security token is missing or wrong; reload the page",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        // The detail goes to the log, not to the client.
        tracing::error!(error = %e, "store error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the database failed; the error was logged",
        )
    }
}

/// Marks an error response for [`finish`].
#[derive(Clone, Debug)]
struct ErrorInfo {
    code: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(ErrorInfo {
            code: self.code,
            message: self.message,
        });
        response
    }
}

/// The request's id (also in the `x-request-id` response header and every log line).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Outermost middleware: request id, log line, security headers, error bodies.
pub async fn finish(mut request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let api = request.uri().path().starts_with("/api");
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query_lang = crate::i18n::Lang::from_query(request.uri().query());
    let mut response = next.run(request).await;
    let status = response.status();
    tracing::info!(request_id = %id, %method, %path, status = status.as_u16(), "request");
    if response.extensions().get::<ErrorInfo>().is_none()
        && (status.is_client_error() || status.is_server_error())
        && !is_rendered(&response)
    {
        response = adopt_rejection(response).await;
    }
    if let Some(info) = response.extensions_mut().remove::<ErrorInfo>() {
        let (mut body, content_type) = if api {
            (
                serde_json::json!({"error": {"code": info.code, "message": info.message, "request_id": id}})
                    .to_string()
                    .into_response(),
                "application/json",
            )
        } else {
            (
                crate::html::error_page(status, info.code, &info.message, &id).into_response(),
                "text/html; charset=utf-8",
            )
        };
        *body.status_mut() = status;
        for (name, value) in response.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                body.headers_mut().insert(name.clone(), value.clone());
            }
        }
        body.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response = body;
    }
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert("x-request-id", value);
    }
    // A language chosen with `?lang=` stays chosen on the following pages.
    if let Some(lang) = query_lang
        && let Ok(value) = HeaderValue::from_str(&crate::i18n::lang_cookie(lang))
    {
        headers.append(header::SET_COOKIE, value);
    }
    response
}

/// Whether an error answer is a page or JSON document a handler made on purpose (a form shown
/// again with its problems, the intake's list of problems), which is kept as it is. Extractor
/// rejections are plain text or empty.
fn is_rendered(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"))
}

/// An error answer made by something other than [`ApiError`] (an extractor's rejection: a
/// malformed JSON body, a wrong content type, an unknown method) gets the same body as every
/// other error; its plain-text explanation becomes the message.
async fn adopt_rejection(response: Response) -> Response {
    let status = response.status();
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, 4096).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "error",
    };
    let message = if text.is_empty() || status.is_server_error() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.extensions.insert(ErrorInfo { code, message });
    Response::from_parts(parts, axum::body::Body::empty())
}
