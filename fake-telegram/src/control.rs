//! Control routes under `/_fake/` for tests that are not Rust (the browser
//! tests drive the fake over HTTP on the same port).

use crate::records::TgUser;
use crate::script::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

/// `POST /_fake/text`.
#[derive(Debug, Deserialize)]
pub(crate) struct TextBody {
    from: TgUser,
    text: String,
}

/// `POST /_fake/reply`.
#[derive(Debug, Deserialize)]
pub(crate) struct ReplyBody {
    from: TgUser,
    reply_to_message_id: i64,
    text: String,
}

/// `POST /_fake/press`.
#[derive(Debug, Deserialize)]
pub(crate) struct PressBody {
    from: TgUser,
    message_id: i64,
    data: String,
}

/// `POST /_fake/down`.
#[derive(Debug, Deserialize)]
pub(crate) struct DownBody {
    down: bool,
}

/// A user writes: `{message_id}`.
pub(crate) async fn text(State(state): State<Shared>, Json(body): Json<TextBody>) -> Response {
    let result = state.lock().user_text(&body.from, &body.text, None);
    state.touch();
    answer(result.map(|id| json!({ "message_id": id })))
}

/// A user replies to a message: `{message_id}`.
pub(crate) async fn reply(State(state): State<Shared>, Json(body): Json<ReplyBody>) -> Response {
    let result = state
        .lock()
        .user_text(&body.from, &body.text, Some(body.reply_to_message_id));
    state.touch();
    answer(result.map(|id| json!({ "message_id": id })))
}

/// A user presses a button: `{callback_query_id}`.
pub(crate) async fn press(State(state): State<Shared>, Json(body): Json<PressBody>) -> Response {
    let result = state
        .lock()
        .user_press(&body.from, body.message_id, &body.data);
    state.touch();
    answer(result.map(|id| json!({ "callback_query_id": id })))
}

/// The bot's messages so far.
pub(crate) async fn sent(State(state): State<Shared>) -> Response {
    Json(state.lock().sent.clone()).into_response()
}

/// The Bot API calls so far.
pub(crate) async fn requests(State(state): State<Shared>) -> Response {
    Json(state.lock().requests.clone()).into_response()
}

/// Takes the API down (every call `502`) or back up.
pub(crate) async fn down(State(state): State<Shared>, Json(body): Json<DownBody>) -> Response {
    state.lock().down = body.down;
    state.touch();
    Json(json!({ "down": body.down })).into_response()
}

fn answer(result: Result<serde_json::Value, String>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(error) => (StatusCode::NOT_FOUND, Json(json!({ "error": error }))).into_response(),
    }
}
