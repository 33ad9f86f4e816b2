//! OpenAI's error bodies: `{"error": {"message", "type", "param", "code"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The message OpenAI gives for a failure on its side.
pub(crate) const SERVER_ERROR_MESSAGE: &str =
    "The server had an error while processing your request.";

/// The inner `error` object.
pub(crate) fn error_object(
    kind: &str,
    param: Option<&str>,
    code: Option<&str>,
    message: &str,
) -> Value {
    json!({"message": message, "type": kind, "param": param, "code": code})
}

/// A full error answer.
pub(crate) fn answer(
    status: StatusCode,
    kind: &str,
    param: Option<&str>,
    code: Option<&str>,
    message: &str,
) -> Response {
    let body = json!({"error": error_object(kind, param, code, message)});
    (status, axum::Json(body)).into_response()
}

/// An `invalid_request_error` without `param` (the faults' historical shape).
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    answer(status, "invalid_request_error", None, Some(code), message)
}

/// `401 invalid_api_key`.
pub(crate) fn invalid_key() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys.",
    )
}

/// `500 server_error`, as a fault.
pub(crate) fn server_error() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        SERVER_ERROR_MESSAGE,
    )
}

/// `400`: the body is not JSON.
pub(crate) fn invalid_json() -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        None,
        None,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    )
}

/// `400`: the request names no model.
pub(crate) fn missing_model() -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        None,
        None,
        "you must provide a model parameter",
    )
}

/// `400 model_not_found`.
pub(crate) fn model_not_found(model: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("model"),
        Some("model_not_found"),
        &format!("The requested model '{model}' does not exist."),
    )
}

/// `404`: a `file_search` tool names an unknown vector store.
pub(crate) fn vector_store_not_found(tool_index: usize, id: &str) -> Response {
    answer(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        Some(&format!("tools[{tool_index}].vector_store_ids")),
        None,
        &format!("Vector store with id '{id}' not found."),
    )
}

/// `400`: `stream_options` refused (see `set_reject_stream_options`).
pub(crate) fn stream_options_refused() -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("stream_options"),
        None,
        "Unrecognized request argument supplied: stream_options",
    )
}

/// `400 invalid_request_error` about one parameter.
pub(crate) fn bad_request(param: Option<&str>, code: Option<&str>, message: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        param,
        code,
        message,
    )
}

/// `404`: no such file (OpenAI's wording for a File object).
pub(crate) fn file_not_found(id: &str) -> Response {
    answer(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        Some("id"),
        None,
        &format!("No such File object: {id}"),
    )
}

/// `404`: no such vector store.
pub(crate) fn store_not_found(id: &str) -> Response {
    answer(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        None,
        None,
        &format!("No vector store found with id '{id}'."),
    )
}

/// `404`: the file is not in this vector store.
pub(crate) fn store_file_not_found(store_id: &str, file_id: &str) -> Response {
    answer(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        None,
        None,
        &format!("No file found with id '{file_id}' in vector store '{store_id}'."),
    )
}
