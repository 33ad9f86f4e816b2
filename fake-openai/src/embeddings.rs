//! `POST /v1/embeddings`: `{"model", "input": string | [string],
//! "encoding_format"?, "dimensions"?}` → `{"object": "list", "data":
//! [{"object": "embedding", "index", "embedding"}], "model", "usage"}`.
//!
//! The vectors are predictable, so that a test knows which chunk a question
//! finds: each word (letters and digits, lower-cased) adds 1 to a dimension
//! picked by a hash of the model and the word, with a sign from the same
//! hash; the sum is normalised. Texts that share words are close; another
//! model gives other vectors. `-large` models have 3,072 dimensions, others
//! 1,536, unless `dimensions` asks for fewer. A model the fake does not list
//! is `model_not_found` (`400`, as the fake's chat routes answer); with
//! embeddings turned off (`FakeOpenAi::set_embeddings(false)`) the route
//! answers `404` as a provider without it would.

use crate::errors;
use crate::script::{Shared, lock};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The most inputs one request may carry (OpenAI's limit).
const MAX_INPUTS: usize = 2_048;

/// The route.
pub(crate) async fn create(State(script): State<Shared>, bytes: Bytes) -> Response {
    let (enabled, models) = {
        let script = lock(&script);
        (script.embeddings, script.models.clone())
    };
    if !enabled {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"detail": "Not Found"})),
        )
            .into_response();
    }
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return errors::invalid_json();
    };
    let Some(model) = body["model"].as_str() else {
        return errors::missing_model();
    };
    if !models.iter().any(|known| known == model) {
        return errors::model_not_found(model);
    }
    let inputs: Vec<&str> = match &body["input"] {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => match items.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
            Some(texts) => texts,
            None => return refused("'input' must be a string or an array of strings."),
        },
        _ => return refused("'input' must be a string or an array of strings."),
    };
    if inputs.is_empty() || inputs.len() > MAX_INPUTS {
        return refused("'input' must hold 1 to 2048 items.");
    }
    if inputs.iter().any(|text| text.is_empty()) {
        return refused("'input' cannot contain an empty string.");
    }
    let native = if model.ends_with("-large") {
        3_072
    } else {
        1_536
    };
    let dimensions = body["dimensions"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| (1..=native).contains(n))
        .unwrap_or(native);
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            json!({"object": "embedding", "index": index, "embedding": vector(model, text, dimensions)})
        })
        .collect();
    let tokens: usize = inputs.iter().map(|text| words(text).count().max(1)).sum();
    axum::Json(json!({
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens}
    }))
    .into_response()
}

fn refused(message: &str) -> Response {
    errors::bad_request(Some("input"), Some("invalid_value"), message)
}

/// The words of `text`, lower-cased.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// The fake's vector of `text` under `model` (see the module's docs).
#[must_use]
pub fn vector(model: &str, text: &str, dimensions: usize) -> Vec<f32> {
    let mut vector = vec![0.0_f32; dimensions];
    for word in words(text) {
        let hash = fnv1a(model.bytes().chain([0]).chain(word.bytes()));
        let at = usize::try_from(hash % dimensions as u64).unwrap_or(0);
        vector[at] += if hash & (1 << 63) == 0 { 1.0 } else { -1.0 };
    }
    let length = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if length > 0.0 {
        vector.iter_mut().for_each(|x| *x /= length);
    } else {
        vector[0] = 1.0;
    }
    vector
}

fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
