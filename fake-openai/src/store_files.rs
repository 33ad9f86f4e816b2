//! The files of a vector store: `POST /v1/vector_stores/{id}/files`
//! (attach, with `attributes`), `GET …/files` (list), `GET …/files/{file_id}`
//! (the asynchronous status) and `DELETE …/files/{file_id}`.

use crate::errors;
use crate::knowledge::{StoreFile, now};
use crate::script::{Script, Shared, lock};
use crate::vector_stores::page;
use crate::{attributes, knowledge};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Instant;

/// The chunking OpenAI reports for `auto` (or no `chunking_strategy`).
fn chunking_strategy(requested: &Value) -> Value {
    if requested["type"] == "static" {
        requested.clone()
    } else {
        json!({"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}})
    }
}

/// A new store file for `{"file_id", "attributes"?, "chunking_strategy"?}`,
/// processed as the script says.
///
/// # Errors
/// `400` for a missing `file_id` or bad attributes, `404` for an unknown file.
pub(crate) fn attach(script: &Script, request: &Value) -> Result<StoreFile, Box<Response>> {
    let Some(file_id) = request["file_id"].as_str() else {
        return Err(Box::new(errors::bad_request(
            Some("file_id"),
            None,
            "Missing required parameter: 'file_id'.",
        )));
    };
    let Some(file) = script.files.iter().find(|file| file.id == file_id) else {
        return Err(Box::new(errors::file_not_found(file_id)));
    };
    let attributes = attributes::validate(&request["attributes"])?;
    let failure = script
        .file_failures
        .iter()
        .find(|failure| failure.filename == file.filename)
        .map(|failure| (failure.code.clone(), failure.message.clone()));
    Ok(StoreFile {
        file_id: file.id.clone(),
        filename: file.filename.clone(),
        size: file.bytes.len(),
        text: file.text(),
        attributes,
        chunking_strategy: chunking_strategy(&request["chunking_strategy"]),
        created_at: now(),
        attached: Instant::now(),
        reads: 0,
        processing: script.file_processing,
        failure,
    })
}

/// `POST /v1/vector_stores/{id}/files`: the new `vector_store.file`,
/// `in_progress`.
pub(crate) async fn create(
    State(script): State<Shared>,
    Path(store_id): Path<String>,
    bytes: Bytes,
) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&bytes) else {
        return errors::invalid_json();
    };
    let mut script = lock(&script);
    if script.store_mut(&store_id).is_none() {
        return errors::store_not_found(&store_id);
    }
    let file = match attach(&script, &request) {
        Ok(file) => file,
        Err(refusal) => return *refusal,
    };
    let object = file.object(&store_id, "in_progress");
    let Some(store) = script.store_mut(&store_id) else {
        return errors::store_not_found(&store_id);
    };
    store.files.retain(|known| known.file_id != file.file_id);
    store.files.push(file);
    axum::Json(object).into_response()
}

/// `GET /v1/vector_stores/{id}/files/{file_id}`: one status read.
pub(crate) async fn retrieve(
    State(script): State<Shared>,
    Path((store_id, file_id)): Path<(String, String)>,
) -> Response {
    let mut script = lock(&script);
    let Some(store) = script.store_mut(&store_id) else {
        return errors::store_not_found(&store_id);
    };
    match store.files.iter_mut().find(|file| file.file_id == file_id) {
        Some(file) => {
            let status = file.read();
            axum::Json(file.object(&store_id, status)).into_response()
        }
        None => errors::store_file_not_found(&store_id, &file_id),
    }
}

/// `GET /v1/vector_stores/{id}/files?limit&after&order&filter`: a cursor
/// page (newest first unless `order=asc`); each listed file counts one read.
pub(crate) async fn list(
    State(script): State<Shared>,
    Path(store_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut script = lock(&script);
    let Some(store) = script.store_mut(&store_id) else {
        return errors::store_not_found(&store_id);
    };
    let limit = query
        .get("limit")
        .and_then(|limit| limit.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let filter = query.get("filter").map(String::as_str);
    let mut files: Vec<&mut StoreFile> = store
        .files
        .iter_mut()
        .filter(|file| filter.is_none_or(|wanted| file.status() == wanted))
        .collect();
    if query.get("order").map(String::as_str) != Some("asc") {
        files.reverse();
    }
    if let Some(at) = query
        .get("after")
        .and_then(|after| files.iter().position(|file| &file.file_id == after))
    {
        files.drain(..=at);
    }
    let has_more = files.len() > limit;
    let data: Vec<Value> = files
        .into_iter()
        .take(limit)
        .map(|file| {
            let status = file.read();
            file.object(&store_id, status)
        })
        .collect();
    axum::Json(page(&data, has_more)).into_response()
}

/// `DELETE /v1/vector_stores/{id}/files/{file_id}`: detaches the file (the
/// File itself stays, as at OpenAI).
pub(crate) async fn delete(
    State(script): State<Shared>,
    Path((store_id, file_id)): Path<(String, String)>,
) -> Response {
    let mut script = lock(&script);
    let Some(store) = script.store_mut(&store_id) else {
        return errors::store_not_found(&store_id);
    };
    let before = store.files.len();
    store.files.retain(|file| file.file_id != file_id);
    if store.files.len() == before {
        return errors::store_file_not_found(&store_id, &file_id);
    }
    axum::Json(json!({"id": file_id, "object": "vector_store.file.deleted", "deleted": true}))
        .into_response()
}

/// The files an answer cites by default: the first completed file of each
/// searched store, in the order of `vector_store_ids`.
pub(crate) fn default_citations(script: &Script, store_ids: &[String]) -> Vec<knowledge::Citation> {
    store_ids
        .iter()
        .filter_map(|id| script.vector_stores.iter().find(|store| &store.id == id))
        .filter_map(|store| store.files.iter().find(|file| file.status() == "completed"))
        .map(|file| knowledge::Citation {
            file_id: file.file_id.clone(),
            filename: file.filename.clone(),
            attributes: Value::Object(file.attributes.clone()),
            text: file.text.clone(),
        })
        .collect()
}
