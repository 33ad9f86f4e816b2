//! Injected faults and the error answers of the Bot API.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// What the fake answers instead of success, queued per method with
/// `FakeTelegram::fail_next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `429 Too Many Requests: retry after N` with `parameters.retry_after`.
    TooManyRequests {
        /// The seconds to wait.
        retry_after: u64,
    },
    /// This HTTP status with an HTML page, as a proxy in front of the Bot
    /// API answers (e.g. `502 Bad Gateway`).
    Server(u16),
    /// `400 Bad Request: <description>` (give the part after `Bad Request: `).
    BadRequest(String),
}

/// A Bot API error: `{"ok":false,"error_code","description"[,"parameters"]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// The HTTP status and `error_code`.
    pub code: u16,
    /// The `description`.
    pub description: String,
    /// `parameters.retry_after`, for a 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// `400 Bad Request: <what>`.
    pub(crate) fn bad_request(what: &str) -> Self {
        Self::new(400, &format!("Bad Request: {what}"))
    }

    /// Any status with a description as given.
    pub(crate) fn new(code: u16, description: &str) -> Self {
        Self {
            code,
            description: description.to_owned(),
            retry_after: None,
        }
    }

    /// `401 Unauthorized`, for a wrong token.
    pub(crate) fn unauthorized() -> Self {
        Self::new(401, "Unauthorized")
    }

    /// `404 Not Found`, for an unknown method.
    pub(crate) fn not_found() -> Self {
        Self::new(404, "Not Found")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "ok": false,
            "error_code": self.code,
            "description": self.description,
        });
        if let Some(seconds) = self.retry_after {
            body["parameters"] = json!({ "retry_after": seconds });
        }
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST);
        (status, axum::Json(body)).into_response()
    }
}

/// `{"ok":true,"result":…}`.
pub(crate) fn ok(result: Value) -> Response {
    let mut body = serde_json::Map::new();
    body.insert("ok".to_owned(), Value::Bool(true));
    body.insert("result".to_owned(), result);
    axum::Json(Value::Object(body)).into_response()
}

/// `{"ok":true,"result":true,"description":…}`, as `setWebhook` answers.
pub(crate) fn ok_described(description: &str) -> Response {
    axum::Json(json!({ "ok": true, "result": true, "description": description })).into_response()
}

/// An HTML error page with this status, as nginx in front of the API gives.
pub(crate) fn proxy_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

/// The answer a fault gives.
pub(crate) fn answer(fault: Fault) -> Response {
    match fault {
        Fault::TooManyRequests { retry_after } => ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
        .into_response(),
        Fault::Server(status) => proxy_error(status),
        Fault::BadRequest(description) => ApiError::bad_request(&description).into_response(),
    }
}
