//! The dashboard's calls that need the browser's fetch rather than a server
//! function: a multipart upload, and the event streams that answer a POST
//! (the playground, the suggested reply), which an `EventSource` cannot
//! send. The session cookie authenticates them (`credentials: same-origin`);
//! browsers send `Origin` with every POST, which the server's cookie-write
//! check wants.

use crate::sse::{Event, take_events};
use contract::error::ErrorBody;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ReadableStreamDefaultReader, ReadableStreamReadResult, RequestCredentials, RequestInit,
    Response,
};

/// Why a call failed: the server's code and English message, or ours.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// `no_api_key`, `file_too_large`, `unreachable`, …
    pub(crate) code: String,
    /// In English; the page words it with `i18n::reason`.
    pub(crate) message: String,
}

/// The failure of a call that never got an answer.
pub(crate) fn unreachable(_: JsValue) -> Failure {
    Failure {
        code: "unreachable".into(),
        message: "the server could not be reached".into(),
    }
}

/// POSTs `body` (JSON, or nothing) to `url` and calls `on` with each event
/// of the answering stream as it arrives.
pub(crate) async fn post_events(
    url: &str,
    body: Option<String>,
    mut on: impl FnMut(Event),
) -> Result<(), Failure> {
    let headers = web_sys::Headers::new().map_err(unreachable)?;
    headers
        .set("content-type", "application/json")
        .map_err(unreachable)?;
    headers
        .set("accept", "text/event-stream")
        .map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(&body));
    }
    let response = send(url, &init).await?;
    let stream = response.body().ok_or_else(|| unreachable(JsValue::NULL))?;
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut buffer = Vec::new();
    loop {
        let result: ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
            .map_err(unreachable)?
            .unchecked_into();
        if result.get_done().unwrap_or(true) {
            break;
        }
        let chunk = js_sys::Uint8Array::new(&result.get_value()).to_vec();
        buffer.extend(chunk.into_iter().filter(|byte| *byte != b'\r'));
        for event in take_events(&mut buffer) {
            on(event);
        }
    }
    buffer.extend_from_slice(b"\n\n");
    take_events(&mut buffer).into_iter().for_each(on);
    Ok(())
}

/// Sends a request with the session cookie; a refusal becomes a [`Failure`].
pub(crate) async fn send(url: &str, init: &RequestInit) -> Result<Response, Failure> {
    init.set_credentials(RequestCredentials::SameOrigin);
    let response: Response =
        JsFuture::from(leptos::prelude::window().fetch_with_str_and_init(url, init))
            .await
            .map_err(unreachable)?
            .unchecked_into();
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let text = text(&response).await.unwrap_or_default();
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => Failure {
            code: body.error,
            message: body.message,
        },
        Err(_) => Failure {
            code: format!("http_{status}"),
            message: format!("HTTP {status}"),
        },
    })
}

async fn text(response: &Response) -> Result<String, Failure> {
    let promise = response.text().map_err(unreachable)?;
    Ok(JsFuture::from(promise)
        .await
        .map_err(unreachable)?
        .as_string()
        .unwrap_or_default())
}

pub(crate) async fn json<T: serde::de::DeserializeOwned>(
    response: &Response,
) -> Result<T, Failure> {
    serde_json::from_str(&text(response).await?).map_err(|err| Failure {
        code: "invalid_answer".into(),
        message: err.to_string(),
    })
}
