//! `POST /v1/vector_stores`, `GET /v1/vector_stores` (the list),
//! `GET /v1/vector_stores/{id}` and `DELETE /v1/vector_stores/{id}`.

use crate::errors;
use crate::knowledge::{Store, now};
use crate::script::{Shared, lock};
use crate::store_files::attach;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// `POST /v1/vector_stores`: `{"name"?, "file_ids"?, "expires_after"?,
/// "metadata"?}` (and `chunking_strategy` for the files); the store.
pub(crate) async fn create(State(script): State<Shared>, bytes: Bytes) -> Response {
    let body: Value = if bytes.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(body) => body,
            Err(_) => return errors::invalid_json(),
        }
    };
    let file_ids: Vec<String> = match &body["file_ids"] {
        Value::Null => Vec::new(),
        Value::Array(ids) => ids
            .iter()
            .map(|id| id.as_str().unwrap_or_default().to_owned())
            .collect(),
        _ => {
            return errors::bad_request(
                Some("file_ids"),
                Some("invalid_type"),
                "Invalid type for 'file_ids': expected an array of strings.",
            );
        }
    };
    let mut script = lock(&script);
    let id = format!("vs_fake{:020}", script.next_id());
    let mut store = Store {
        id,
        name: body["name"].as_str().unwrap_or_default().to_owned(),
        created_at: now(),
        metadata: body.get("metadata").cloned().unwrap_or(json!({})),
        expires_after: body.get("expires_after").cloned().unwrap_or(Value::Null),
        files: Vec::new(),
        seeded: false,
    };
    for file_id in &file_ids {
        let request = json!({"file_id": file_id, "chunking_strategy": body["chunking_strategy"]});
        match attach(&script, &request) {
            Ok(file) => store.files.push(file),
            Err(refusal) => return *refusal,
        }
    }
    let object = store.object();
    script.vector_stores.push(store);
    axum::Json(object).into_response()
}

/// `GET /v1/vector_stores`: every store (seeded and created), as one page.
pub(crate) async fn list(State(script): State<Shared>) -> axum::Json<Value> {
    let data: Vec<Value> = lock(&script)
        .vector_stores
        .iter()
        .map(Store::object)
        .collect();
    axum::Json(page(&data, false))
}

/// `GET /v1/vector_stores/{id}`.
pub(crate) async fn retrieve(State(script): State<Shared>, Path(id): Path<String>) -> Response {
    let script = lock(&script);
    match script.vector_stores.iter().find(|store| store.id == id) {
        Some(store) => axum::Json(store.object()).into_response(),
        None => errors::store_not_found(&id),
    }
}

/// `DELETE /v1/vector_stores/{id}`.
pub(crate) async fn delete(State(script): State<Shared>, Path(id): Path<String>) -> Response {
    let mut script = lock(&script);
    let before = script.vector_stores.len();
    script.vector_stores.retain(|store| store.id != id);
    if script.vector_stores.len() == before {
        return errors::store_not_found(&id);
    }
    axum::Json(json!({"id": id, "object": "vector_store.deleted", "deleted": true})).into_response()
}

/// A cursor page: `{"object": "list", "data", "first_id", "last_id", "has_more"}`.
pub(crate) fn page(data: &[Value], has_more: bool) -> Value {
    let first = data.first().map(|item| item["id"].clone());
    let last = data.last().map(|item| item["id"].clone());
    json!({"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": has_more})
}
