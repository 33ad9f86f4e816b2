//! The knowledge page's calls that need the browser's fetch: the multipart
//! upload, the project check, and the playground's POST event stream. The
//! session cookie authenticates them (`credentials: same-origin`); browsers
//! send `Origin` with every POST, which the server's cookie-write check wants.

use super::sse::{Event, take_events};
use contract::error::ErrorBody;
use contract::knowledge::{KnowledgeFile, PlaygroundInput, ProjectCheck};
use uuid::Uuid;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ReadableStreamDefaultReader, ReadableStreamReadResult, RequestCredentials, RequestInit,
    Response,
};

/// Why a call failed: the server's code and English message, or ours.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    /// `no_api_key`, `file_too_large`, `unreachable`, …
    pub(super) code: String,
    /// In English; the page words it with `i18n::reason`.
    pub(super) message: String,
}

fn unreachable(_: JsValue) -> Failure {
    Failure {
        code: "unreachable".into(),
        message: "the server could not be reached".into(),
    }
}

/// `POST …/knowledge/files` with `file` in the multipart field `file`.
pub(super) async fn upload(project: Uuid, file: &web_sys::File) -> Result<KnowledgeFile, Failure> {
    let form = web_sys::FormData::new().map_err(unreachable)?;
    form.append_with_blob_and_filename("file", file, &file.name())
        .map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&form);
    let response = send(
        &format!("/api/v1/admin/projects/{project}/knowledge/files"),
        &init,
    )
    .await?;
    json(&response).await
}

/// `GET /api/v1/admin/projects/{id}/check`.
pub(super) async fn check(project: Uuid) -> Result<ProjectCheck, Failure> {
    let init = RequestInit::new();
    init.set_method("GET");
    let response = send(&format!("/api/v1/admin/projects/{project}/check"), &init).await?;
    json(&response).await
}

/// `POST /api/v1/admin/projects/{id}/playground`: calls `on` with each event
/// of the answer as it arrives.
pub(super) async fn ask(
    project: Uuid,
    text: String,
    mut on: impl FnMut(Event),
) -> Result<(), Failure> {
    let body = serde_json::to_string(&PlaygroundInput { text }).map_err(|err| Failure {
        code: "internal".into(),
        message: err.to_string(),
    })?;
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
    init.set_body(&JsValue::from_str(&body));
    let response = send(
        &format!("/api/v1/admin/projects/{project}/playground"),
        &init,
    )
    .await?;
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
async fn send(url: &str, init: &RequestInit) -> Result<Response, Failure> {
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

async fn json<T: serde::de::DeserializeOwned>(response: &Response) -> Result<T, Failure> {
    serde_json::from_str(&text(response).await?).map_err(|err| Failure {
        code: "invalid_answer".into(),
        message: err.to_string(),
    })
}
