//! The `attributes` of a vector store file, validated as OpenAI documents
//! them: at most 16 keys, keys of at most 64 characters, values that are
//! strings of at most 512 characters, numbers or booleans.

use crate::errors;
use axum::response::Response;
use serde_json::{Map, Value};

/// The most keys an `attributes` object may have.
pub(crate) const MAX_KEYS: usize = 16;
/// The longest key.
pub(crate) const MAX_KEY_CHARS: usize = 64;
/// The longest string value.
pub(crate) const MAX_VALUE_CHARS: usize = 512;

/// The validated attributes (empty when absent or `null`).
///
/// # Errors
/// `400 invalid_request_error` with `param` naming the offending part.
pub(crate) fn validate(value: &Value) -> Result<Map<String, Value>, Box<Response>> {
    let refuse = |param: String, code: &str, message: String| {
        Box::new(errors::bad_request(Some(&param), Some(code), &message))
    };
    let attributes = match value {
        Value::Null => return Ok(Map::new()),
        Value::Object(attributes) => attributes,
        _ => {
            return Err(refuse(
                "attributes".into(),
                "invalid_type",
                "Invalid type for 'attributes': expected an object.".into(),
            ));
        }
    };
    if attributes.len() > MAX_KEYS {
        return Err(refuse(
            "attributes".into(),
            "object_above_max_properties",
            format!(
                "Invalid 'attributes': too many properties. Expected an object with at most {MAX_KEYS} properties, but got an object with {} properties instead.",
                attributes.len()
            ),
        ));
    }
    for (key, value) in attributes {
        let chars = key.chars().count();
        if chars > MAX_KEY_CHARS {
            return Err(refuse(
                "attributes".into(),
                "string_above_max_length",
                format!(
                    "Invalid 'attributes': key too long. Expected a key with maximum length {MAX_KEY_CHARS}, but got a key with length {chars} instead."
                ),
            ));
        }
        let param = format!("attributes.{key}");
        match value {
            Value::String(text) if text.chars().count() > MAX_VALUE_CHARS => {
                return Err(refuse(
                    param.clone(),
                    "string_above_max_length",
                    format!(
                        "Invalid '{param}': string too long. Expected a string with maximum length {MAX_VALUE_CHARS}, but got a string with length {} instead.",
                        text.chars().count()
                    ),
                ));
            }
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {}
            _ => {
                return Err(refuse(
                    param.clone(),
                    "invalid_type",
                    format!(
                        "Invalid type for '{param}': expected one of a string, a number or a boolean."
                    ),
                ));
            }
        }
    }
    Ok(attributes.clone())
}
