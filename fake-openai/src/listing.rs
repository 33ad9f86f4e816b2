//! `GET /v1/models`: the models a key can use.

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
