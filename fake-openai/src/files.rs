//! `POST /v1/files` (a multipart upload), `GET /v1/files/{id}` and
//! `DELETE /v1/files/{id}`: the Files API, keeping the uploaded bytes.

use crate::errors;
use crate::knowledge::{UploadedFile, now};
use crate::script::{Shared, lock};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The purposes `POST /v1/files` accepts, in OpenAI's order.
const PURPOSES: [&str; 6] = [
    "assistants",
    "batch",
    "fine-tune",
    "vision",
    "user_data",
    "evals",
];

/// `POST /v1/files`: `file` and `purpose` parts; the File object.
pub(crate) async fn upload(
    State(script): State<Shared>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(mut multipart) = multipart else {
        return errors::bad_request(
            None,
            None,
            "Invalid request: expected a multipart/form-data body with 'file' and 'purpose'.",
        );
    };
    let (mut file, mut purpose) = (None, None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return errors::bad_request(None, None, "Invalid multipart body."),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let Ok(bytes) = field.bytes().await else {
            return errors::bad_request(None, None, "Invalid multipart body.");
        };
        match name.as_str() {
            "file" => file = Some((filename.unwrap_or_else(|| "file".into()), bytes.to_vec())),
            "purpose" => purpose = Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => {}
        }
    }
    let Some(purpose) = purpose else {
        return errors::bad_request(None, None, "'purpose' is a required property");
    };
    if !PURPOSES.contains(&purpose.as_str()) {
        let list = PURPOSES.map(|p| format!("'{p}'")).join(", ");
        return errors::bad_request(
            Some("purpose"),
            None,
            &format!("'{purpose}' is not one of [{list}] - 'purpose'"),
        );
    }
    let Some((filename, bytes)) = file else {
        return errors::bad_request(None, None, "'file' is a required property");
    };
    let mut script = lock(&script);
    let limit = script.file_size_limit;
    if bytes.len() > limit {
        return errors::bad_request(
            Some("file"),
            Some("file_too_large"),
            &format!(
                "File '{filename}' is too large: {} bytes, the maximum is {limit} bytes.",
                bytes.len()
            ),
        );
    }
    let id = format!("file-fake{:020}", script.next_id());
    let file = UploadedFile {
        id,
        filename,
        purpose,
        bytes,
        created_at: now(),
    };
    let object = file.object();
    script.files.push(file);
    axum::Json(object).into_response()
}

/// `GET /v1/files/{id}`: the File object.
pub(crate) async fn retrieve(State(script): State<Shared>, Path(id): Path<String>) -> Response {
    let script = lock(&script);
    match script.files.iter().find(|file| file.id == id) {
        Some(file) => axum::Json(file.object()).into_response(),
        None => errors::file_not_found(&id),
    }
}

/// `DELETE /v1/files/{id}`: removes the file, and with it its place in
/// every vector store.
pub(crate) async fn delete(State(script): State<Shared>, Path(id): Path<String>) -> Response {
    let mut script = lock(&script);
    let before = script.files.len();
    script.files.retain(|file| file.id != id);
    if script.files.len() == before {
        return errors::file_not_found(&id);
    }
    for store in &mut script.vector_stores {
        store.files.retain(|file| file.file_id != id);
    }
    axum::Json(json!({"id": id, "object": "file", "deleted": true})).into_response()
}
