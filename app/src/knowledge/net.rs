//! The knowledge page's calls that need the browser's fetch: the multipart
//! upload, the project check, and the playground's POST event stream.

use crate::fetch::{Failure, json, post_events, send, unreachable};
use crate::sse::Event;
use contract::knowledge::{KnowledgeFile, PlaygroundInput, ProjectCheck};
use uuid::Uuid;
use web_sys::RequestInit;

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
pub(super) async fn ask(project: Uuid, text: String, on: impl FnMut(Event)) -> Result<(), Failure> {
    let body = serde_json::to_string(&PlaygroundInput { text }).map_err(|err| Failure {
        code: "internal".into(),
        message: err.to_string(),
    })?;
    post_events(
        &format!("/api/v1/admin/projects/{project}/playground"),
        Some(body),
        on,
    )
    .await
}
