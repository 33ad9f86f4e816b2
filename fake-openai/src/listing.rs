//! `GET /v1/models` and `GET /v1/vector_stores`: what a key can use.

use crate::script::{Shared, lock};
use axum::extract::State;
use serde_json::{Value, json};

/// `GET /v1/models`: the scripted model ids.
pub(crate) async fn models(State(script): State<Shared>) -> axum::Json<Value> {
    let data: Vec<Value> = lock(&script)
        .models
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": 1_700_000_000, "owned_by": "system"}))
        .collect();
    axum::Json(json!({"object": "list", "data": data}))
}

/// `GET /v1/vector_stores`: the scripted stores, as one page.
pub(crate) async fn vector_stores(State(script): State<Shared>) -> axum::Json<Value> {
    let data: Vec<Value> = lock(&script)
        .vector_stores
        .iter()
        .map(|(id, name)| {
            json!({
                "id": id, "object": "vector_store", "created_at": 1_700_000_000, "name": name,
                "usage_bytes": 1024, "status": "completed",
                "file_counts": {"in_progress": 0, "completed": 3, "failed": 0, "cancelled": 0, "total": 3}
            })
        })
        .collect();
    let first = data
        .first()
        .and_then(|v| v["id"].as_str().map(str::to_owned));
    let last = data
        .last()
        .and_then(|v| v["id"].as_str().map(str::to_owned));
    axum::Json(
        json!({"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": false}),
    )
}
