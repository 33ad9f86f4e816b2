//! [`AppError`]: the one error type, shared by the v1 API, the server functions
//! and the dashboard's components.
//!
//! On the wire every error is `{"error": "<code>", "message": "<human text>"}`
//! with the status its variant names. Internal causes are logged where they
//! happen and never sent: a database error answers `500 internal` whatever it said.

use serde::{Deserialize, Serialize};

/// Every error a client of aiwidget can see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// `400`: the request is malformed (bad JSON, bad query) or a field is invalid.
    #[error("{message}")]
    BadRequest {
        /// The stable code sent as `error`: `invalid_json`, `invalid_query`, `invalid_request`, …
        code: String,
        /// The human-readable explanation (English), sent as `message`.
        message: String,
    },
    /// `400 validation_failed`: fields that do not hold, each with its reason
    /// (the dashboard shows each next to its field).
    #[error("{message}")]
    Validation {
        /// The human-readable explanation (English), sent as `message`.
        message: String,
        /// The reason per field (`allowed_origins[1]`, `widget.color`, …), sent as `fields`.
        fields: std::collections::BTreeMap<String, String>,
    },
    /// `401`: no credentials, or credentials that do not hold.
    #[error("{message}")]
    Unauthorized {
        /// The stable code sent as `error`: `invalid_credentials`, `invalid_token` or
        /// `invalid_visitor_token`.
        code: String,
        /// The human-readable explanation (English), sent as `message`.
        message: String,
    },
    /// `403`: known, but not allowed (origin not allowed, not your project).
    #[error("{message}")]
    Forbidden {
        /// The stable code sent as `error`: `origin_not_allowed`, `origin_mismatch` or
        /// `admin_only`.
        code: String,
        /// The human-readable explanation (English), sent as `message`.
        message: String,
    },
    /// `404`: no such resource or path.
    #[error("{message}")]
    NotFound {
        /// The stable code sent as `error`: `not_found`, `project_not_found`,
        /// `conversation_not_found` or `user_not_found`.
        code: String,
        /// The human-readable explanation (English), sent as `message`.
        message: String,
    },
    /// `405`: the path exists, the method does not.
    #[error("this method is not allowed on this path")]
    MethodNotAllowed,
    /// `409`: the request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        /// The stable code sent as `error`: `not_taken`, `conversation_closed`, `no_conversation`,
        /// `project_exists`, `consent_required`, …
        code: String,
        /// The human-readable explanation (English), sent as `message`.
        message: String,
    },
    /// `409 already_taken`: another operator holds the conversation (who is in the body).
    #[error("{} is answering this conversation", operator.display_name)]
    AlreadyTaken {
        /// The operator who holds it, sent as `operator`.
        operator: crate::inbox::OperatorRef,
    },
    /// `413`: the body is larger than the server accepts.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// `415`: the body is not of a content type this endpoint reads.
    #[error("{message}")]
    UnsupportedMediaType {
        /// The human-readable explanation (English), sent as `message`.
        message: String,
    },
    /// `429`: a limit was reached; retry after the given number of seconds.
    #[error("too many requests, retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the limit lets the request through, sent as `Retry-After`.
        retry_after_secs: u64,
    },
    /// `502`: the project's AI provider refused or failed (the code says how:
    /// `upstream_invalid_key`, `upstream_region_refused`, …); never its raw body.
    #[error("{message}")]
    Upstream {
        /// The stable code sent as `error`: `upstream_invalid_key`, `upstream_rate_limited`,
        /// `upstream_unavailable`, …
        code: String,
        /// The human-readable explanation (English), sent as `message`.
        message: String,
    },
    /// `503`: a dependency (the database) is unreachable.
    #[error("{message}")]
    Unavailable {
        /// The stable code sent as `error`: `unreachable` (e.g. the dashboard could not reach the
        /// server).
        code: String,
        /// The human-readable explanation (English), sent as `message`.
        message: String,
    },
    /// `503 busy`: the server is at its limit of concurrent work of this kind
    /// (password checks); retry after the given number of seconds.
    #[error("the server is busy, retry in {retry_after_secs} s")]
    Busy {
        /// Seconds to wait before retrying, sent as `Retry-After`.
        retry_after_secs: u64,
    },
    /// `500`: something failed inside; the cause was logged, not sent.
    #[error("internal error")]
    Internal,
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `origin_not_allowed`.
    pub error: String,
    /// A human-readable explanation (English).
    pub message: String,
    /// For `validation_failed`: the reason per field, e.g. `{"allowed_origins[1]": "…"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    /// For `already_taken`: the operator who holds the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<crate::inbox::OperatorRef>,
}

impl AppError {
    /// `400` with a code and a message.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code: code.into(),
            message: message.into(),
        }
    }

    /// `404` with a code and a message.
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::NotFound {
            code: code.into(),
            message: message.into(),
        }
    }

    /// The HTTP status of this error.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } | Self::Validation { .. } => 400,
            Self::Unauthorized { .. } => 401,
            Self::Forbidden { .. } => 403,
            Self::NotFound { .. } => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict { .. } | Self::AlreadyTaken { .. } => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType { .. } => 415,
            Self::RateLimited { .. } => 429,
            Self::Internal => 500,
            Self::Upstream { .. } => 502,
            Self::Unavailable { .. } | Self::Busy { .. } => 503,
        }
    }

    /// The stable code sent as `"error"`.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::NotFound { code, .. }
            | Self::Conflict { code, .. }
            | Self::Upstream { code, .. }
            | Self::Unavailable { code, .. } => code,
            Self::Validation { .. } => "validation_failed",
            Self::AlreadyTaken { .. } => "already_taken",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::RateLimited { .. } => "rate_limited",
            Self::Busy { .. } => "busy",
            Self::Internal => "internal",
        }
    }

    /// The body sent for this error.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code().to_owned(),
            message: self.to_string(),
            fields: match self {
                Self::Validation { fields, .. } => Some(fields.clone()),
                _ => None,
            },
            operator: match self {
                Self::AlreadyTaken { operator } => Some(operator.clone()),
                _ => None,
            },
        }
    }
}

/// Server functions (the dashboard's) answer with this type too.
#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(message) | E::Deserialization(message) => {
                Self::bad_request("invalid_request", message)
            }
            E::Request(message) | E::Response(message) => Self::Unavailable {
                code: "unreachable".into(),
                message,
            },
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "server")]
mod server {
    use super::AppError;
    use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::{IntoResponse, Response};

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (status, axum::Json(self.body())).into_response();
            if let Self::RateLimited { retry_after_secs } | Self::Busy { retry_after_secs } = self {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            response
        }
    }

    impl From<JsonRejection> for AppError {
        fn from(rejection: JsonRejection) -> Self {
            from_rejection(rejection.status(), rejection.body_text())
        }
    }

    impl From<QueryRejection> for AppError {
        fn from(rejection: QueryRejection) -> Self {
            Self::bad_request("invalid_query", rejection.body_text())
        }
    }

    impl From<PathRejection> for AppError {
        fn from(rejection: PathRejection) -> Self {
            Self::not_found("not_found", rejection.body_text())
        }
    }

    /// Maps a body rejection by its status: too large, wrong content type, or
    /// JSON that does not parse or does not fit the expected shape.
    fn from_rejection(status: StatusCode, text: String) -> AppError {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType {
                message: "expected a request with `Content-Type: application/json`".into(),
            },
            _ => AppError::bad_request("invalid_json", text),
        }
    }

    impl From<sea_orm::DbErr> for AppError {
        fn from(err: sea_orm::DbErr) -> Self {
            tracing::error!(error = %err, "database error");
            Self::Internal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_the_status_its_doc_names() {
        let cases = [
            (
                AppError::bad_request("invalid_json", "x"),
                400,
                "invalid_json",
            ),
            (AppError::not_found("not_found", "x"), 404, "not_found"),
            (AppError::MethodNotAllowed, 405, "method_not_allowed"),
            (AppError::PayloadTooLarge, 413, "payload_too_large"),
            (
                AppError::RateLimited {
                    retry_after_secs: 3,
                },
                429,
                "rate_limited",
            ),
            (
                AppError::Busy {
                    retry_after_secs: 1,
                },
                503,
                "busy",
            ),
            (AppError::Internal, 500, "internal"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status(), status, "{error:?}");
            assert_eq!(error.code(), code, "{error:?}");
        }
    }

    #[test]
    fn internal_errors_never_carry_their_cause() {
        let body = AppError::Internal.body();
        assert_eq!(body.error, "internal");
        assert_eq!(body.message, "internal error");
    }
}
