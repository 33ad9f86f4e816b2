//! JSON errors for everything axum would otherwise answer in plain text:
//! extractors whose rejections become [`AppError`], and fallbacks for unknown
//! paths, wrong methods and panics.

use axum::extract::{FromRequest, OriginalUri, Request};
use axum::response::{IntoResponse, Response};
use contract::AppError;

/// `axum::Json`, rejecting with `{"error","message"}`: `400 invalid_json`,
/// `415 unsupported_media_type` or `413 payload_too_large`. A string holding
/// a NUL character (`\u0000`) is refused as `400 invalid_json` too: no text
/// of ours has a use for it, and PostgreSQL cannot store it (a visitor's
/// message with one was a `500`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let axum::Json(value) =
            axum::Json::<serde_json::Value>::from_request(request, state).await?;
        if holds_nul(&value) {
            return Err(AppError::bad_request(
                "invalid_json",
                "text may not contain NUL (\\u0000) characters",
            ));
        }
        serde_json::from_value(value).map(Self).map_err(|err| {
            AppError::bad_request(
                "invalid_json",
                format!("Failed to deserialize the JSON body into the target type: {err}"),
            )
        })
    }
}

/// Whether a string anywhere in `value`, or a key, holds a NUL character.
fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => text.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query`, rejecting with `400 invalid_query`.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path`, rejecting with `404 not_found`.
#[derive(Debug, Clone, Copy, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// The answer for any path nothing else serves.
pub async fn not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::not_found("not_found", format!("nothing is served at {}", uri.path()))
}

/// The answer for a known path asked with a method it does not take.
pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// The answer after a handler panicked (the panic itself is logged by the hook).
pub fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    AppError::Internal.into_response()
}

#[cfg(test)]
mod tests {
    //! The rejection mapping, on a router made for it: the v1 routes that
    //! read JSON bodies use these same extractors.
    use super::*;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::http::{Request, StatusCode, header};
    use axum::routing::post;
    use tower::ServiceExt;

    #[derive(serde::Deserialize, serde::Serialize)]
    struct Note {
        text: String,
    }

    async fn echo(ApiJson(note): ApiJson<Note>) -> ApiJson<Note> {
        ApiJson(note)
    }

    async fn send(content_type: Option<&str>, body: &str) -> (StatusCode, serde_json::Value) {
        let app = axum::Router::new()
            .route("/echo", post(echo))
            .layer(DefaultBodyLimit::max(64));
        let mut request = Request::post("/echo");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let response = app
            .oneshot(request.body(Body::from(body.to_owned())).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        (status, serde_json::from_slice(&bytes).expect("a JSON body"))
    }

    #[tokio::test]
    async fn body_rejections_become_json_errors_with_their_status() {
        let json = Some("application/json");
        let long = format!(r#"{{"text":"{}"}}"#, "x".repeat(100));
        let cases = [
            (json, "{not json", 400, "invalid_json", "malformed JSON"),
            (
                json,
                r#"{"txt":"hi"}"#,
                400,
                "invalid_json",
                "missing field",
            ),
            (json, r#"{"text":1}"#, 400, "invalid_json", "wrong type"),
            (
                Some("text/plain"),
                r#"{"text":"hi"}"#,
                415,
                "unsupported_media_type",
                "wrong type",
            ),
            (
                None,
                r#"{"text":"hi"}"#,
                415,
                "unsupported_media_type",
                "no content type",
            ),
            (
                json,
                long.as_str(),
                413,
                "payload_too_large",
                "over the body limit",
            ),
        ];
        for (content_type, body, status, code, why) in cases {
            let (got_status, got_body) = send(content_type, body).await;
            assert_eq!(got_status.as_u16(), status, "{why}: {got_body}");
            assert_eq!(got_body["error"], code, "{why}: {got_body}");
            assert!(
                got_body["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{why}"
            );
        }
    }

    #[tokio::test]
    async fn nul_characters_are_refused_in_values_and_keys() {
        let json = Some("application/json");
        for body in [
            r#"{"text":"a\u0000b"}"#,
            r#"{"text":"hi","extra":["\u0000"]}"#,
            r#"{"text":"hi","k\u0000":1}"#,
        ] {
            let (status, got) = send(json, body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {got}");
            assert_eq!(got["error"], "invalid_json", "{body}: {got}");
        }
        // An escaped backslash followed by `u0000` is plain text.
        let (status, got) = send(json, r#"{"text":"a\\u0000"}"#).await;
        assert_eq!(status, StatusCode::OK, "{got}");
        assert_eq!(got["text"], "a\\u0000");
    }

    #[tokio::test]
    async fn a_valid_body_passes_through() {
        let (status, body) = send(Some("application/json"), r#"{"text":"привет"}"#).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["text"], "привет");
    }
}
