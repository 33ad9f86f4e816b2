//! A call's parameters, read as Telegram reads them: a JSON body, a
//! url-encoded form or the query string, all turned into one JSON object.
//! Form and query values are strings, so numbers, booleans and JSON objects
//! written as text are read back into their types.

use crate::faults::ApiError;
use serde_json::{Map, Value};

/// The parameters of one call.
pub(crate) type Params = Map<String, Value>;

/// Reads the query string and the body (JSON or form) into one object; the
/// body wins over the query.
pub(crate) fn parse(
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Params, ApiError> {
    let mut params = Params::new();
    if let Some(query) = query {
        read_form(query.as_bytes(), &mut params);
    }
    let content_type = content_type.unwrap_or_default();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    if content_type.starts_with("application/json") {
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
            return Err(ApiError::bad_request("can't parse JSON"));
        };
        params.extend(object);
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        read_form(body, &mut params);
    }
    Ok(params)
}

fn read_form(form: &[u8], params: &mut Params) {
    for (key, value) in url::form_urlencoded::parse(form) {
        params.insert(key.into_owned(), typed(&value));
    }
}

/// A form value in the type it stands for.
fn typed(value: &str) -> Value {
    if (value.starts_with('{') || value.starts_with('['))
        && let Ok(json) = serde_json::from_str(value)
    {
        return json;
    }
    if let Ok(number) = value.parse::<i64>() {
        return Value::from(number);
    }
    match value {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(value.to_owned()),
    }
}

/// An integer parameter, given as a number or as a numeric string.
pub(crate) fn int(params: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(&format!("invalid {name} specified"))),
        Some(Value::String(text)) => text
            .parse()
            .map(Some)
            .map_err(|_| ApiError::bad_request(&format!("invalid {name} specified"))),
        Some(_) => Err(ApiError::bad_request(&format!("invalid {name} specified"))),
    }
}

/// A string parameter (numbers are written out, as Telegram accepts them).
pub(crate) fn text(params: &Params, name: &str) -> Option<String> {
    match params.get(name)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A boolean parameter, false when absent.
pub(crate) fn flag(params: &Params, name: &str) -> bool {
    match params.get(name) {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::String(text)) => text == "true" || text == "1",
        Some(Value::Number(number)) => number.as_i64().is_some_and(|n| n != 0),
        _ => false,
    }
}

/// An object parameter, given as JSON or as a JSON string.
pub(crate) fn object(params: &Params, name: &str) -> Result<Option<Value>, ApiError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => serde_json::from_str(text)
            .map(Some)
            .map_err(|_| ApiError::bad_request(&format!("can't parse {name} JSON object"))),
        Some(value) => Ok(Some(value.clone())),
    }
}

/// The required chat id (an integer; `@channel` names are not simulated).
pub(crate) fn chat_id(params: &Params) -> Result<i64, ApiError> {
    match params.get("chat_id") {
        None | Some(Value::Null) => Err(ApiError::bad_request("chat_id is empty")),
        Some(_) => int(params, "chat_id")
            .ok()
            .flatten()
            .ok_or_else(|| ApiError::bad_request("chat not found")),
    }
}
