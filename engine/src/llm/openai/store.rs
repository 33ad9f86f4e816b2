//! The project's own knowledge at the provider: files uploaded
//! (`POST /files`, `purpose=assistants`), a vector store made for them
//! (`POST /vector_stores`), files attached to it with attributes
//! (`POST /vector_stores/{id}/files`) and read back until processed, and the
//! deletes that stop the provider's daily storage billing; and a read of a
//! vector store, to tell whether a key can use it. Refusals map to
//! [`LlmErrorKind`]s as a chat call's do; a delete of what is already gone
//! succeeds.

use super::call::json_answer;
use crate::llm::{Account, LlmErrorKind, StoreFileStatus};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// How long one call may take; an upload gets [`UPLOAD_TIMEOUT`].
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How long an upload may take (files of up to tens of megabytes).
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Deserialize)]
struct Created {
    id: String,
}

/// Uploads `bytes` as `filename` for vector stores; returns the file's id.
pub(super) async fn upload_file(
    http: &reqwest::Client,
    account: Account<'_>,
    filename: &str,
    bytes: Vec<u8>,
) -> Result<String, LlmErrorKind> {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
    let form = reqwest::multipart::Form::new()
        .text("purpose", "assistants")
        .part("file", part);
    let request = http
        .post(format!("{}/files", account.base_url))
        .multipart(form)
        .timeout(UPLOAD_TIMEOUT);
    let created: Created = json_answer(request, account.api_key).await?;
    Ok(created.id)
}

/// Makes a vector store named `name`; returns its id.
pub(super) async fn create_vector_store(
    http: &reqwest::Client,
    account: Account<'_>,
    name: &str,
) -> Result<String, LlmErrorKind> {
    let request = http
        .post(format!("{}/vector_stores", account.base_url))
        .json(&json!({ "name": name }))
        .timeout(CALL_TIMEOUT);
    let created: Created = json_answer(request, account.api_key).await?;
    Ok(created.id)
}

/// A file of a vector store as the provider reports it.
#[derive(Deserialize)]
struct StoreFile {
    status: String,
    last_error: Option<LastError>,
}

#[derive(Deserialize)]
struct LastError {
    code: Option<String>,
    message: Option<String>,
}

impl StoreFile {
    fn status(self) -> StoreFileStatus {
        match self.status.as_str() {
            "completed" => StoreFileStatus::Completed,
            "failed" => {
                let error = self.last_error.unwrap_or(LastError {
                    code: None,
                    message: None,
                });
                StoreFileStatus::Failed {
                    code: error.code.unwrap_or_else(|| "failed".to_owned()),
                    message: error.message.unwrap_or_default(),
                }
            }
            "cancelled" => StoreFileStatus::Cancelled,
            _ => StoreFileStatus::InProgress,
        }
    }
}

/// Attaches the uploaded `file_id` to `store_id` with `attributes` (the
/// page's URL and title, the source); processing goes on at the provider.
pub(super) async fn attach_file(
    http: &reqwest::Client,
    account: Account<'_>,
    store_id: &str,
    file_id: &str,
    attributes: &Map<String, Value>,
) -> Result<StoreFileStatus, LlmErrorKind> {
    let mut body = json!({ "file_id": file_id });
    if !attributes.is_empty() {
        body["attributes"] = Value::Object(attributes.clone());
    }
    let request = http
        .post(format!(
            "{}/vector_stores/{store_id}/files",
            account.base_url
        ))
        .json(&body)
        .timeout(CALL_TIMEOUT);
    let file: StoreFile = json_answer(request, account.api_key).await?;
    Ok(file.status())
}

/// Where `file_id` stands in `store_id` (processing, ready, failed with a reason).
pub(super) async fn store_file_status(
    http: &reqwest::Client,
    account: Account<'_>,
    store_id: &str,
    file_id: &str,
) -> Result<StoreFileStatus, LlmErrorKind> {
    let request = http
        .get(format!(
            "{}/vector_stores/{store_id}/files/{file_id}",
            account.base_url
        ))
        .timeout(CALL_TIMEOUT);
    let file: StoreFile = json_answer(request, account.api_key).await?;
    Ok(file.status())
}

/// Reads the vector store `id`: [`LlmErrorKind::VectorStoreNotFound`] when
/// the key cannot see it (a `404`: another organisation's or project's store,
/// or one deleted), or when `id` is not a plain id.
pub(super) async fn read_vector_store(
    http: &reqwest::Client,
    account: Account<'_>,
    id: &str,
) -> Result<(), LlmErrorKind> {
    let plain = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !plain {
        return Err(LlmErrorKind::VectorStoreNotFound);
    }
    let request = http
        .get(format!("{}/vector_stores/{id}", account.base_url))
        .timeout(CALL_TIMEOUT);
    match json_answer::<Value>(request, account.api_key).await {
        Ok(_) => Ok(()),
        Err(LlmErrorKind::NotFound) => Err(LlmErrorKind::VectorStoreNotFound),
        Err(kind) => Err(kind),
    }
}

/// Deletes what `path` names (`/files/{id}`, `/vector_stores/{id}`,
/// `/vector_stores/{id}/files/{file_id}`); already gone counts as deleted.
pub(super) async fn delete(
    http: &reqwest::Client,
    account: Account<'_>,
    path: &str,
) -> Result<(), LlmErrorKind> {
    let request = http
        .delete(format!("{}{path}", account.base_url))
        .timeout(CALL_TIMEOUT);
    match json_answer::<Value>(request, account.api_key).await {
        Ok(_) | Err(LlmErrorKind::NotFound) => Ok(()),
        Err(kind) => Err(kind),
    }
}
