//! The Bot API route, `/bot<token>/<method>`: reads the parameters, records
//! the call, checks the token, applies an outage or a queued fault, then
//! hands the call to its method.

use crate::faults::{self, ApiError, ok, proxy_error};
use crate::params;
use crate::records::Recorded;
use crate::script::Shared;
use crate::{messages, updates};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Answers one Bot API call (GET or POST; JSON, form or query parameters).
pub(crate) async fn call(
    State(state): State<Shared>,
    Path((prefix, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = prefix.strip_prefix("bot") else {
        return ApiError::not_found().into_response();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let params = match params::parse(query.as_deref(), content_type, &body) {
        Ok(params) => params,
        Err(error) => return error.into_response(),
    };
    let name = method.to_ascii_lowercase();
    {
        let mut script = state.lock();
        script.requests.push(Recorded {
            method,
            body: Value::Object(params.clone()),
        });
        if token != script.token {
            return ApiError::unauthorized().into_response();
        }
        if script.down {
            return proxy_error(502);
        }
        if let Some(fault) = script.take_fault(&name) {
            return faults::answer(fault);
        }
    }
    let answer = match name.as_str() {
        "getme" => Ok(ok(state.lock().bot.clone())),
        "getupdates" => updates::get_updates(&state, &params).await,
        "setwebhook" => updates::set_webhook(&state, &params),
        "deletewebhook" => Ok(updates::delete_webhook(&state, &params)),
        "getwebhookinfo" => Ok(updates::get_webhook_info(&state)),
        "sendmessage" => messages::send_message(&state, &params),
        "editmessagetext" => messages::edit_message_text(&state, &params),
        "answercallbackquery" => messages::answer_callback_query(&state, &params),
        _ => Err(ApiError::not_found()),
    };
    answer.unwrap_or_else(IntoResponse::into_response)
}
